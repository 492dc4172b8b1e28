//===- Passes.td - mc transformation passes ----------------*- tablegen -*-===//

#ifndef MC_DIALECT_MC_TRANSFORMS_PASSES_TD
#define MC_DIALECT_MC_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def MCLowerReference : Pass<"mc-lower-reference", "::mlir::ModuleOp"> {
  let summary = "Lower every mc op to linalg/arith/tensor with exact numerics";
  let description = [{
    The reference meaning of mc: compressed values become their parts (plain
    tensors, also across function signatures, calls and returns), and
    encode/decode/fake_quant become `linalg.generic` ops that round to
    nearest, ties to even, and saturate to the storage range before the
    conversion to integers. The result contains no mc ops and can be finished
    by any upstream pipeline.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::tensor::TensorDialect",
    "::mlir::func::FuncDialect"
  ];
}

def MCImportQuant : Pass<"mc-import-quant"> {
  let summary = "Rewrite upstream quant.qcast/dcast on !quant.uniform into mc";
  let description = [{
    `quant.qcast` becomes `mc.encode` with constant scales and zero points,
    `quant.dcast` of its result `mc.decode`, `quant.scast` of an integer
    tensor `mc.assemble`, and a `quant.dcast` of that `mc.decode`. Per-tensor,
    per-axis and sub-channel `!quant.uniform` types are supported.
    Quantized values that flow anywhere else are reported as errors.
  }];
  let dependentDialects = ["::mc::MCDialect", "::mlir::arith::ArithDialect"];
}

def MCExportQuant : Pass<"mc-export-quant"> {
  let summary = "Rewrite mc uniform encodings with constant parameters into quant";
  let description = [{
    The inverse of `--mc-import-quant`: `mc.encode` / `mc.assemble` with
    constant scales and zero points become `quant.qcast` / `quant.scast`,
    `mc.decode` becomes `quant.dcast`, and `mc.fake_quant` a qcast/dcast
    pair. Encodings that `!quant.uniform` cannot represent (float storage,
    scales computed at run time, compressed values used by other ops) are
    reported as errors.
  }];
  let dependentDialects = ["::mlir::quant::QuantDialect",
                           "::mlir::arith::ArithDialect"];
}

def MCPrune : Pass<"mc-prune", "::mlir::ModuleOp"> {
  let summary = "Magnitude pruning: unstructured, N:M, or whole output channels";
  let description = [{
    Prunes the constant weights of the layers `collectLayers` finds (linalg
    contractions and convolutions), selected by `layers` (a regex on the
    layer name, `mc.layer`) and `min-params`.

    - `mode=unstructured`: zeroes the k weights with the smallest |w|, where
      k is the largest integer with k / count <= `sparsity` (floor of
      sparsity * count taken in exact arithmetic on the double value, so
      0.29 of 100 weights is 29), per layer (`scope=layer`) or over all
      selected layers with one ranking (`scope=global`). Ties go by flat
      index in the weight operand's row-major layout (and for global, by
      layer order first), lowest pruned first. The weight becomes a dense
      `arith.constant`.
    - `mode=nm`: in every group of `m` consecutive weights along the
      reduction dimension K of one output channel, keeps the `n` largest
      |w| (ties: the lower position is kept). The weight becomes
      `mc.decode(mc.assemble(indices, values))` of `#mc.nm<n:m, axis = K>`.
      `m` must divide K of every selected layer.
    - `mode=channel`: removes the k output channels (same rule for k) with
      the smallest L1 or L2 norm (`criterion`; ties: lower channel first)
      of each selected layer whose result reaches other layers only through
      element-wise `linalg.generic` ops (bias add, activation), and shrinks
      those ops and the consumers' weights along their input dimension.
      Layers whose output is a function result or reaches other ops are
      skipped with a remark, so function signatures never change.

    NaN weights count as the largest magnitude. Layers with weights other
    than f16, bf16 or f32 are skipped with a remark.
  }];
  let options = [
    Option<"mode", "mode", "std::string", /*default=*/"\"unstructured\"",
           "unstructured, nm or channel">,
    Option<"sparsity", "sparsity", "double", /*default=*/"0.0",
           "fraction of weights (unstructured) or channels (channel) to "
           "remove, in [0, 1)">,
    Option<"scope", "scope", "std::string", /*default=*/"\"layer\"",
           "layer or global (unstructured only): one threshold per layer or "
           "over all selected layers">,
    Option<"nKeep", "n", "int64_t", /*default=*/"2",
           "nm: weights kept per group">,
    Option<"mGroup", "m", "int64_t", /*default=*/"4",
           "nm: group size along K (at most 128)">,
    Option<"criterion", "criterion", "std::string", /*default=*/"\"l1\"",
           "channel: l1 or l2 norm of each output channel">,
    Option<"layers", "layers", "std::string", /*default=*/"\"\"",
           "regex matched against whole layer names (empty: all)">,
    Option<"minParams", "min-params", "int64_t", /*default=*/"0",
           "only layers with at least this many weights">,
  ];
  let dependentDialects = ["::mc::MCDialect", "::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
}

#endif // MC_DIALECT_MC_TRANSFORMS_PASSES_TD

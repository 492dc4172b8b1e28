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


def MCQuantize : Pass<"mc-quantize", "::mlir::ModuleOp"> {
  let summary = "Quantize the weights of linalg contractions and convolutions";
  let description = [{
    Replaces each selected layer's constant weight by
    `mc.decode(mc.assemble(payload, scales[, zero points]))`, with the
    payload computed by mc's exact encoder (round half to even, saturate).
    The weight is seen as a matrix with K (the reduction dims) and N (the
    output channel): `granularity=channel` has one scale per N,
    `granularity=group` one per `group-size` consecutive weights along K
    within a channel.

    Integer (`type=int`, `bits=8|4|2`): symmetric scales are
    `max|w| / (2^(bits-1) - 1)` with narrow storage (bits=2 is ternary);
    asymmetric ones are `(hi - lo) / (2^bits - 1)` over `lo = min(min w, 0)`,
    `hi = max(max w, 0)` (zero stays exact, so pruned zeros survive) with
    unsigned storage and zero point `clamp(roundeven(-lo / s), 0, 2^bits-1)`.
    `method=mse` scales `max|w|` (or `lo`, `hi`) by the clipping ratio
    `1 - i/40`, i = 0..19, with the smallest squared error per scale (the
    first one on ties). Scales are computed in f32; an all-zero group gets
    scale 1. Float (`type=fp16|bf16` unscaled; `fp8e4m3|fp8e5m2` with scales
    `max|w| / largest finite`).
  }];
  let options = [
    Option<"bits", "bits", "unsigned", /*default=*/"0",
           "Bits per weight: 8, 4 or 2 for type=int (default 8); must match "
           "the storage width for float types">,
    Option<"type", "type", "std::string", /*default=*/"\"int\"",
           "int | fp16 | bf16 | fp8e4m3 | fp8e5m2">,
    Option<"symmetric", "symmetric", "bool", /*default=*/"true",
           "Symmetric (no zero point) or asymmetric integer quantization">,
    Option<"granularity", "granularity", "std::string",
           /*default=*/"\"channel\"", "tensor | channel | group">,
    Option<"groupSize", "group-size", "int64_t", /*default=*/"128",
           "Weights per group along K (granularity=group)">,
    Option<"method", "method", "std::string", /*default=*/"\"rtn\"",
           "rtn | mse (log2 and kmeans are not implemented yet)">,
    Option<"activations", "activations", "std::string",
           /*default=*/"\"none\"", "none (dynamic is not implemented yet)">,
    Option<"layers", "layers", "std::string", /*default=*/"\"\"",
           "Regex over layer names (`mc.layer` or generated)">,
    Option<"minParams", "min-params", "int64_t", /*default=*/"0",
           "Skip layers with fewer weights">,
  ];
  let dependentDialects = ["::mc::MCDialect", "::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
}

def MCCompressionReport : Pass<"mc-compression-report", "::mlir::ModuleOp"> {
  let summary = "Per-layer and total size, sparsity, rank, FLOPs and SQNR";
  let description = [{
    Prints a table to stderr and, with `output=FILE`, writes the same as
    JSON. Before/after figures come from the `mc.compression` attribute the
    compression passes leave on each layer (dense parameters and FLOPs before
    the first pass, accumulated signal and noise energies); uncompressed
    layers report their own size. The IR is not changed.
  }];
  let options = [
    Option<"output", "output", "std::string", /*default=*/"\"\"",
           "Write the report as JSON to this file">,
  ];
}

#endif // MC_DIALECT_MC_TRANSFORMS_PASSES_TD

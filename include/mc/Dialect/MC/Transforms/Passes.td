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

#endif // MC_DIALECT_MC_TRANSFORMS_PASSES_TD

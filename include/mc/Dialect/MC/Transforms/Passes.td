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

def MCFactorize : Pass<"mc-factorize", "::mlir::ModuleOp"> {
  let summary = "Low-rank factorization of constant weights by truncated SVD";
  let description = [{
    Every layer found by mc's layer discovery (linalg contractions and
    convolutions with a constant weight, selected by `layers` and
    `min-params`) whose weight, viewed as a matrix W of K (reduction) x N
    (output channels), factorizes profitably is rewritten from `x·W` into
    `(x·U)·V`, with U (K x r) and V (r x N) from the truncated SVD of W
    (double precision; sqrt(sigma) on both sides). The first op is the
    original op with U as its weight and r output channels (accumulating
    into zeros); the second contracts those r channels with V into the
    original output (so a bias-initialized output stays correct): a
    `linalg.matmul` / `vecmat` / `batch_matmul` for matmul-like layers, a 1x1
    `linalg.conv_2d_nhwc_hwcf` / `conv_2d_nchw_fchw` after a 2-D convolution
    (the kernel factorized as (KH*KW*C) x F), else a `linalg.generic`. The
    factors are `arith.constant`s of the weight's element type. The new ops
    are named `<layer>.u` and `<layer>.v` (`mc.layer`) and carry `mc.rank`;
    the `.u` op carries the layer's `mc.compression` record (with `rank`),
    the `.v` op a zero baseline so totals over ops stay the dense totals.
    Batched weights get one SVD per batch matrix and a common rank (the
    largest any batch matrix needs). Depthwise convolutions are skipped.

    Exactly one rank rule: `rank=R` (clamped to min(K, N)), `energy=E` (the
    smallest rank keeping fraction E of the sum of squared singular values)
    or `max-rel-error=X` (the smallest rank with ||W - W_r||_F / ||W||_F <=
    X); the rank is always at least 1. A layer is factorized only if
    r * (K + N) < K * N and r * (K + N) <= (1 - min-savings) * K * N; other
    layers are left alone with a remark.
  }];
  let options = [
    Option<"rank", "rank", "int64_t", /*default=*/"0",
           "Fixed rank (>= 1; clamped to min(K, N))">,
    Option<"energy", "energy", "double", /*default=*/"0.0",
           "Keep this fraction (0, 1] of the squared singular values">,
    Option<"maxRelError", "max-rel-error", "double", /*default=*/"0.0",
           "Smallest rank whose relative Frobenius error is at most this">,
    Option<"minSavings", "min-savings", "double", /*default=*/"0.0",
           "Factorize only if at least this fraction [0, 1) of the "
           "parameters is saved">,
    Option<"layers", "layers", "std::string", /*default=*/"\"\"",
           "Regex on layer names (mc.layer); empty = all">,
    Option<"minParams", "min-params", "int64_t", /*default=*/"0",
           "Only layers with at least this many weight parameters">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

#endif // MC_DIALECT_MC_TRANSFORMS_PASSES_TD

//===- Kernels.h - entry points of mc's CPU kernel emitters -----*- C++ -*-===//

#ifndef MC_LIB_DIALECT_MC_TRANSFORMS_KERNELS_KERNELS_H
#define MC_LIB_DIALECT_MC_TRANSFORMS_KERNELS_KERNELS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"

namespace mc::kernels {

struct KernelConfig;

/// i8 x i8 -> i32 `linalg.matmul` with a constant weight (and its fusable
/// element-wise consumer) to a tiled kernel. Fails, changing nothing, on
/// matmuls it does not handle.
mlir::LogicalResult rewriteInt8Matmul(mlir::RewriterBase &rewriter,
                                      mlir::linalg::MatmulOp matmul,
                                      const KernelConfig &config);

/// i8 x i8 -> i32 `linalg.matmul` whose constant weight has at most 2
/// nonzeros in every aligned 4 along K (and its fusable element-wise
/// consumer) to a 2:4 sparse kernel (`isa=avx512-vnni` only). Fails,
/// changing nothing, on matmuls it does not handle.
mlir::LogicalResult rewriteInt8SparseMatmul(mlir::RewriterBase &rewriter,
                                            mlir::linalg::MatmulOp matmul,
                                            const KernelConfig &config);

/// f32 `linalg.matmul` whose weight is `mc.decode` of a constant
/// `#mc.uniform` i2..i8 value with scales per group along K, per channel or
/// per tensor (and its fusable element-wise consumer) to a GEMV / small-M
/// GEMM kernel that dequantizes in registers. Fails, changing nothing, on
/// matmuls it does not handle.
mlir::LogicalResult rewriteWeightOnlyMatmul(mlir::RewriterBase &rewriter,
                                            mlir::linalg::MatmulOp matmul,
                                            const KernelConfig &config);

/// i8 x i8 -> i32 `linalg.conv_2d_nhwc_hwcf` / `conv_2d_nchw_fchw` with a
/// constant filter to im2col patches and a matmul for the GEMM kernels (an
/// element-wise consumer moves onto the matmul's result, for them to fuse).
/// Fails, changing nothing, on convolutions it does not handle.
mlir::LogicalResult rewriteInt8Conv(mlir::RewriterBase &rewriter,
                                    mlir::Operation *op);

/// f32 `linalg.matmul` whose constant f32 weight is at least 70 % zeros
/// (and its fusable element-wise consumer) to a bitmask sparse GEMV /
/// small-M GEMM kernel (`vector.expandload` per 16 columns and k). Fails,
/// changing nothing, on matmuls it does not handle.
mlir::LogicalResult rewriteSparseMatmul(mlir::RewriterBase &rewriter,
                                        mlir::linalg::MatmulOp matmul,
                                        const KernelConfig &config);

/// f32 `linalg.matmul` whose weight is `mc.decode` of a constant
/// `#mc.codebook<iB|uiB>` value (B in 1..4; one table per tensor, column or
/// block of >= 16 k) (and its fusable element-wise consumer) to a kernel
/// that looks the weights up in registers (`vpermd` on AVX-512). Fails,
/// changing nothing, on matmuls it does not handle.
mlir::LogicalResult rewriteCodebookMatmul(mlir::RewriterBase &rewriter,
                                          mlir::linalg::MatmulOp matmul,
                                          const KernelConfig &config);

/// f32 x f32 -> f32 `linalg.matmul` with a static weight (and its fusable
/// element-wise consumer) to a register-tiled GEMV / GEMM kernel of FMAs:
/// a constant weight packed at compile time, any other copied per column
/// panel at run time. Meant to run after the kernels above, which take the
/// f32 weights they handle better (sparse, `mc.decode`d). Fails, changing
/// nothing, on matmuls it does not handle.
mlir::LogicalResult rewriteF32Matmul(mlir::RewriterBase &rewriter,
                                     mlir::linalg::MatmulOp matmul,
                                     const KernelConfig &config);

/// The per-group dynamic-activation form of `--mc-quantize` (exact i32
/// group products of int8 activations and a constant int4/int8 payload,
/// a `linalg.generic` summing `f32(P) * sw` over the groups and an
/// element-wise one `y = C + a * sx`), given the last, with its fusable
/// element-wise consumer, to one kernel of integer dot products
/// (x86 ISAs and `generic`). Fails, changing nothing, on ops it does
/// not handle.
mlir::LogicalResult rewriteDynamicGroupMatmul(mlir::RewriterBase &rewriter,
                                              mlir::linalg::GenericOp combine,
                                              const KernelConfig &config);

/// A `linalg.generic` reducing its input along the last dimension with
/// `arith.maximumf` / `minimumf` or an integer max/min after element-wise
/// ops (e.g. the row abs-max of dynamic activation quantization) to a
/// vector loop per row. Exact: these combiners do not depend on order or
/// repetition. Fails, changing nothing, on ops it does not handle.
mlir::LogicalResult rewriteRowReduction(mlir::RewriterBase &rewriter,
                                        mlir::linalg::GenericOp op,
                                        const KernelConfig &config);

} // namespace mc::kernels

#endif // MC_LIB_DIALECT_MC_TRANSFORMS_KERNELS_KERNELS_H

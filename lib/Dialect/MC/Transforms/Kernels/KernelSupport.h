//===- KernelSupport.h - shared pieces of mc's CPU kernels ------*- C++ -*-===//
//
// The CPU kernels are emitted at tensor level as loops over register tiles
// of vectors (scf + vector + the target's dot-product intrinsics), so they
// bufferize and lower with the rest of the module. This header holds what
// the kernel emitters share: the ISA description and the fusion of an
// element-wise consumer into the store of a register tile.
//
//===----------------------------------------------------------------------===//

#ifndef MC_LIB_DIALECT_MC_TRANSFORMS_KERNELS_KERNELSUPPORT_H
#define MC_LIB_DIALECT_MC_TRANSFORMS_KERNELS_KERNELSUPPORT_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"
#include <optional>

namespace mc::kernels {

/// The dot-product instructions the kernels target.
enum class Isa {
  /// Plain vector multiply-adds; LLVM picks the instructions.
  Generic,
  /// AVX-512 VNNI `vpdpbusd` (u8 x s8, 16 x i32 lanes).
  Avx512Vnni,
  /// AArch64 `sdot` (+dotprod; s8 x s8, 4 x i32 lanes).
  NeonDot,
  /// AArch64 `smmla` (+i8mm; s8 x s8, 2 x 8 by 8 x 2 into a 2 x 2 i32 tile).
  NeonI8mm,
};

struct KernelConfig {
  Isa isa = Isa::Generic;
  /// i32 lanes per vector register.
  int64_t lanes = 16;
  /// Register tile: rows x vectors of `lanes` columns.
  int64_t tileM = 4;
  int64_t tileN = 2;
};

/// Parses an `isa=` option value; tile sizes of 0 take the ISA's defaults.
mlir::FailureOr<KernelConfig> getKernelConfig(llvm::StringRef isa,
                                              int64_t tileM, int64_t tileN);

/// An element-wise `linalg.generic` consuming a rank-2 contraction result,
/// applied to register tiles: the consumer's body is cloned with vector
/// types, the contraction's tile taking the place of its operand.
class Epilogue {
public:
  /// The fusable consumer of `result`: its only user, all-parallel over the
  /// same two dimensions, identity maps for `result` and its output, and
  /// other inputs indexed by (m, n), (n), (m) or nothing. Its body may hold
  /// only element-wise ops and constants.
  static std::optional<Epilogue> match(mlir::Value result);

  mlir::linalg::GenericOp getOp() const { return op; }
  mlir::Value getInit() const { return op.getDpsInits()[0]; }
  mlir::Type getElementType() const;

  /// The consumer's values for rows `m`, columns `n` .. `n` + lanes of the
  /// full tensors, given the contraction's tile `acc` and the output's
  /// current tile `out` (read only if the body uses it). `inBounds` is false
  /// for a tile that may cross the last column.
  mlir::Value apply(mlir::OpBuilder &b, mlir::Location loc, mlir::Value acc,
                    llvm::function_ref<mlir::Value()> out, mlir::Value m,
                    mlir::Value n, bool inBounds) const;

private:
  explicit Epilogue(mlir::linalg::GenericOp op, unsigned accInput)
      : op(op), accInput(accInput) {}
  mutable mlir::linalg::GenericOp op;
  unsigned accInput;
};

/// A 1-D `vector.transfer_read` of `lanes` elements of `source` (a ranked
/// tensor) at `indices`, along the last dimension, padded with zero.
mlir::Value readVector(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::Value source, mlir::ValueRange indices,
                       int64_t lanes, bool inBounds);

/// The matching `vector.transfer_write` of `value` into `dest`.
mlir::Value writeVector(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::Value value, mlir::Value dest,
                        mlir::ValueRange indices, bool inBounds);

} // namespace mc::kernels

#endif // MC_LIB_DIALECT_MC_TRANSFORMS_KERNELS_KERNELSUPPORT_H

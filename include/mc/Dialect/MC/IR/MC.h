//===- MC.h - mc dialect ----------------------------------------*- C++ -*-===//
//
// The mc dialect: compressed tensor type, encodings and ops.
//
//===----------------------------------------------------------------------===//

#ifndef MC_DIALECT_MC_IR_MC_H
#define MC_DIALECT_MC_IR_MC_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "mc/Dialect/MC/IR/MCOpsDialect.h.inc"

#include "mc/Dialect/MC/IR/MCInterfaces.h.inc"

namespace mc {
class CompressedType; // used by NMEncodingAttr, defined with the types
} // namespace mc

#define GET_ATTRDEF_CLASSES
#include "mc/Dialect/MC/IR/MCAttrs.h.inc"

#define GET_TYPEDEF_CLASSES
#include "mc/Dialect/MC/IR/MCOpsTypes.h.inc"

#define GET_OP_CLASSES
#include "mc/Dialect/MC/IR/MCOps.h.inc"

namespace mc {

/// Shape of the scale (and zero-point) parts for a tensor of `shape` with the
/// given granularity: [] per tensor, [D_axis] per axis, [D_i / block_i] per
/// block.
llvm::SmallVector<int64_t> getScaleShape(llvm::ArrayRef<int64_t> shape,
                                         std::optional<int64_t> axis,
                                         llvm::ArrayRef<int64_t> block);

/// "per-tensor", "per-axis (axis 0)" or "per-block [1, 32]", for diagnostics.
std::string describeEncodingGranularity(EncodingAttrInterface encoding);

} // namespace mc

#endif // MC_DIALECT_MC_IR_MC_H

//===- Passes.h - mc transformation passes ----------------------*- C++ -*-===//

#ifndef MC_DIALECT_MC_TRANSFORMS_PASSES_H
#define MC_DIALECT_MC_TRANSFORMS_PASSES_H

#include "mc/Dialect/MC/IR/MC.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
namespace arm_neon {
class ArmNeonDialect;
} // namespace arm_neon
namespace LLVM {
class LLVMDialect;
} // namespace LLVM
namespace scf {
class SCFDialect;
} // namespace scf
namespace vector {
class VectorDialect;
} // namespace vector
} // namespace mlir

namespace mc {

#define GEN_PASS_DECL
#include "mc/Dialect/MC/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "mc/Dialect/MC/Transforms/Passes.h.inc"

} // namespace mc

#endif // MC_DIALECT_MC_TRANSFORMS_PASSES_H

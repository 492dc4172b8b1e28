//===- Passes.h - mc conversion passes --------------------------*- C++ -*-===//

#ifndef MC_CONVERSION_PASSES_H
#define MC_CONVERSION_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

namespace mc {

class MCDialect;

#define GEN_PASS_DECL
#include "mc/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "mc/Conversion/Passes.h.inc"

} // namespace mc

#endif // MC_CONVERSION_PASSES_H

//===- Pipelines.h - mc pass pipelines --------------------------*- C++ -*-===//

#ifndef MC_PIPELINES_PIPELINES_H
#define MC_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"

namespace mc {

/// Tensor-level IR with mc ops to the LLVM dialect for the host, through the
/// reference lowering and plain loops. Public functions get C-interface
/// wrappers; tensor results become out-parameters (memref descriptors).
void buildReferenceToLLVMPipeline(mlir::OpPassManager &pm);

/// Registers `--mc-reference-to-llvm`.
void registerMCPipelines();

} // namespace mc

#endif // MC_PIPELINES_PIPELINES_H

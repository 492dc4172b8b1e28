//===- CUDA.h - mc-run --device=cuda ----------------------------*- C++ -*-===//
//
// What mc-run does differently for an NVIDIA GPU: the GPU pipeline for the
// device's own chip, host code rewritten for GPU memory (CUDAHostCode.h),
// mc's mgpu* runtime (CUDARuntime.h) in the JIT, and the entry function's
// buffers in GPU memory.
//
//===----------------------------------------------------------------------===//

#ifndef MC_TOOLS_MC_RUN_CUDA_H
#define MC_TOOLS_MC_RUN_CUDA_H

#include "CUDADriver.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

namespace mc::cuda {

/// The device mc-run runs on and how its kernels are compiled.
struct Target {
  const Driver *driver = nullptr;
  Device device;
  std::string chip;   // for --mc-gpu-to-nvvm
  std::string format; // bin (cubin) or isa (PTX, compiled by the driver)
};

/// Loads the driver and picks the chip for device 0 (one error message if
/// there is no driver or device, or the device is older than sm_80).
llvm::Expected<Target> openTarget();

/// --mc-gpu-to-nvvm for `target`, with C-interface wrappers for `entry`.
void buildPipeline(mlir::OpPassManager &pm, mlir::ModuleOp module,
                   llvm::StringRef entry, const Target &target);

/// After the pipeline: rewrites the host code for GPU memory and starts the
/// runtime. Notes on stderr if the buffers must be managed memory.
llvm::Error prepareHostCode(mlir::ModuleOp module, const Target &target);

/// Makes mc's runtime visible to the JIT and runs its constructors (which
/// load the kernels).
llvm::Error initializeEngine(mlir::ExecutionEngine &engine);

} // namespace mc::cuda

#endif // MC_TOOLS_MC_RUN_CUDA_H

//===- CUDARuntime.h - mc-run's GPU runtime over the driver API -*- C++ -*-===//
//
// The host code that --mc-gpu-to-nvvm leaves (gpu.launch_func and a
// gpu.binary, translated by MLIR's SelectObject) calls MLIR's `mgpu*` GPU
// runtime wrappers, which Debian's MLIR does not ship (libmlir_cuda_runtime
// links CUDA at build time). This is mc's own implementation of the ones
// that host code calls, plus mc's memory functions (CUDAHostCode.h), over
// the driver loaded with dlopen; they reach the JIT through the
// ExecutionEngine's symbol map.
//
// Every driver call is checked. The first failure is kept (with the driver's
// error name and string) and later calls do nothing, so one error is
// reported; allocations then return host memory, so host code that touches
// memory runs to its end instead of crashing.
//
//===----------------------------------------------------------------------===//

#ifndef MC_TOOLS_MC_RUN_CUDARUNTIME_H
#define MC_TOOLS_MC_RUN_CUDARUNTIME_H

#include "CUDADriver.h"

#include "llvm/ExecutionEngine/Orc/Mangling.h"
#include "llvm/ExecutionEngine/Orc/Shared/ExecutorSymbolDef.h"

namespace mc::cuda {

/// Where the buffers that host code and kernels share live.
enum class Memory {
  /// cuMemAlloc: host code only passes pointers around (and copies with
  /// mcCudaMemcpy); mc-run copies inputs in and results out.
  Device,
  /// cuMemAllocManaged: host code reads or writes them too.
  Managed,
};

/// Makes device 0's primary context current on this thread (every runtime
/// call happens on it) and sets where buffers live.
llvm::Error startRuntime(const Driver &driver, const Device &device,
                         Memory memory);

/// Frees what the runtime still holds (device copies of globals, events)
/// and releases the context; returns the first error of the run, if any.
llvm::Error stopRuntime();

/// The first error of the run so far, if any.
llvm::Error getRuntimeError();

/// With `enable`, every launch is timed with CUDA events on its stream.
void setKernelTiming(bool enable);
/// Milliseconds of kernel execution since the last call.
double takeKernelTime();

/// Buffers for the entry function's arguments and results.
void *allocBuffer(size_t size);
void freeBuffer(void *buffer);
void copyToBuffer(void *buffer, const void *host, size_t size);
void copyFromBuffer(void *host, const void *buffer, size_t size);

/// The mgpu* and mcCuda* entry points for ExecutionEngine::registerSymbols.
llvm::orc::SymbolMap getRuntimeSymbols(llvm::orc::MangleAndInterner interner);

} // namespace mc::cuda

#endif // MC_TOOLS_MC_RUN_CUDARUNTIME_H

//===- Pipelines.h - mc pass pipelines --------------------------*- C++ -*-===//

#ifndef MC_PIPELINES_PIPELINES_H
#define MC_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace mc {

/// Options of `--mc-cpu-to-llvm`.
struct CPUPipelineOptions
    : public mlir::PassPipelineOptions<CPUPipelineOptions> {
  Option<std::string> isa{
      *this, "isa",
      llvm::cl::desc("Kernel ISA (see --mc-cpu-kernels): generic, "
                     "avx512-vnni, neon, neon-dotprod, neon-i8mm, or none for "
                     "the reference lowering only"),
      llvm::cl::init("generic")};
  Option<int64_t> numThreads{
      *this, "num-threads",
      llvm::cl::desc("Threads for the kernels' parallel loops through "
                     "OpenMP; 0: all cores (the OpenMP default), 1: no "
                     "OpenMP"),
      llvm::cl::init(0)};
};

/// Tensor-level IR with mc ops to buffers (shared by the CPU and GPU
/// pipelines): canonicalization, the kernels of `kernelIsa` (none for
/// "none"), the reference lowering, one-shot bufferization with identity
/// layouts, results as out-parameters, and buffer deallocation.
void buildTensorToBuffersPipeline(mlir::OpPassManager &pm,
                                  llvm::StringRef kernelIsa);

/// Tensor-level IR with mc ops to the LLVM dialect: contractions become the
/// ISA's kernels (--mc-cpu-kernels), the rest goes through the reference
/// lowering. Public functions get C-interface wrappers; tensor results
/// become out-parameters (memref descriptors).
void buildCPUToLLVMPipeline(mlir::OpPassManager &pm,
                            const CPUPipelineOptions &options);

/// The kernel ISA for an LLVM target triple, CPU and feature string, e.g.
/// "avx512-vnni" for x86-64 with +avx512vnni and +avx512bw, "neon-i8mm"
/// for AArch64 with +i8mm, "neon-dotprod" with +dotprod only, "neon" for
/// other AArch64, else "generic".
std::string getKernelIsa(llvm::StringRef triple, llvm::StringRef cpu,
                         llvm::StringRef features);

/// Tensor-level IR with mc ops to the LLVM dialect for the host, through the
/// reference lowering and plain loops. Public functions get C-interface
/// wrappers; tensor results become out-parameters (memref descriptors).
void buildReferenceToLLVMPipeline(mlir::OpPassManager &pm);

/// The kernel ISA of the host CPU (its native target must be initialized).
std::string getHostKernelIsa();

/// Registers `--mc-reference-to-llvm` and `--mc-cpu-to-llvm`.
void registerMCPipelines();

} // namespace mc

#endif // MC_PIPELINES_PIPELINES_H

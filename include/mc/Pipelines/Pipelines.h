//===- Pipelines.h - mc pass pipelines --------------------------*- C++ -*-===//

#ifndef MC_PIPELINES_PIPELINES_H
#define MC_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"
#include "llvm/ADT/SmallVector.h"

namespace mc {

/// Options of `--mc-cpu-to-llvm`.
struct CPUPipelineOptions
    : public mlir::PassPipelineOptions<CPUPipelineOptions> {
  Option<std::string> isa{
      *this, "isa",
      llvm::cl::desc("Kernel ISA (see --mc-cpu-kernels): generic, avx2, "
                     "avx-vnni, avx512-vnni, neon, neon-dotprod, neon-i8mm "
                     "(optionally followed by ','-separated further ISAs "
                     "of the target), or none for the reference lowering "
                     "only"),
      llvm::cl::init("generic")};
  Option<std::string> cpu{
      *this, "cpu",
      llvm::cl::desc("LLVM name of the CPU the kernels are tuned for (see "
                     "--mc-cpu-kernels; empty: generic tuning)"),
      llvm::cl::init("")};
  Option<int64_t> numThreads{
      *this, "num-threads",
      llvm::cl::desc("Threads for the kernels' parallel loops through "
                     "OpenMP; 0: all cores (the OpenMP default), 1: no "
                     "OpenMP"),
      llvm::cl::init(0)};
  Option<bool> allocCache{
      *this, "alloc-cache",
      llvm::cl::desc("Allocate buffers through mc's runtime "
                     "(lib/libmc_runtime.a: `_mlir_memref_to_llvm_alloc` and "
                     "`_free`), which keeps freed buffers for the next call "
                     "instead of malloc / free"),
      llvm::cl::init(false)};
};

/// Tensor-level IR with mc ops to buffers (shared by the CPU and GPU
/// pipelines): canonicalization, the kernels of `kernelIsa` (none for
/// "none") tuned for `cpu`, the reference lowering, one-shot bufferization
/// with identity layouts, results as out-parameters, and buffer
/// deallocation.
void buildTensorToBuffersPipeline(mlir::OpPassManager &pm,
                                  llvm::StringRef kernelIsa,
                                  llvm::StringRef cpu = "");

/// Tensor-level IR with mc ops to the LLVM dialect: contractions become the
/// ISA's kernels (--mc-cpu-kernels), the rest goes through the reference
/// lowering. Public functions get C-interface wrappers; tensor results
/// become out-parameters (memref descriptors).
void buildCPUToLLVMPipeline(mlir::OpPassManager &pm,
                            const CPUPipelineOptions &options);

/// The conversion of lowered loops, vectors, arith, math, memrefs and
/// functions to the LLVM dialect, shared by the CPU and GPU host pipelines
/// (`armNeon`: vector ops go to `arm_neon` where they can). First the arith
/// ops the conversions lack are expanded (ceil/floor division, bf16
/// extension and truncation) and public functions are marked for
/// C-interface wrappers. Unlike upstream's `--arith-expand`, this keeps
/// `arith.maximumf` / `minimumf` for LLVM's `maximum` / `minimum`, which
/// order -0 below +0 as arith specifies (the expansion's compare-and-select
/// returns whichever zero comes second).
void addLLVMConversionPasses(mlir::OpPassManager &pm, bool armNeon);

/// The kernel ISAs an LLVM target triple, CPU and feature string can run,
/// best first, ending with "generic": on x86-64 "avx512-vnni" (+avx512vnni
/// and +avx512bw), "avx-vnni" (+avxvnni, or +avx512vnni and +avx512vl),
/// "avx2"; on AArch64 "neon-i8mm" (+i8mm), "neon-dotprod" (+dotprod),
/// "neon".
llvm::SmallVector<std::string>
getKernelIsas(llvm::StringRef triple, llvm::StringRef cpu,
              llvm::StringRef features);

/// The `isa=` value for the kernels of `chosen`, one of `isas` (a
/// getKernelIsas result): it and the ISAs after it, joined by ','.
std::string getKernelIsaOption(llvm::ArrayRef<std::string> isas,
                               llvm::StringRef chosen);

/// The best of getKernelIsas.
std::string getKernelIsa(llvm::StringRef triple, llvm::StringRef cpu,
                         llvm::StringRef features);

/// Tensor-level IR with mc ops to the LLVM dialect for the host, through the
/// reference lowering and plain loops. Public functions get C-interface
/// wrappers; tensor results become out-parameters (memref descriptors).
void buildReferenceToLLVMPipeline(mlir::OpPassManager &pm);

/// The kernel ISAs the host CPU runs, best first (its native target must be
/// initialized).
llvm::SmallVector<std::string> getHostKernelIsas();

/// The best of getHostKernelIsas.
std::string getHostKernelIsa();

/// Registers `--mc-reference-to-llvm` and `--mc-cpu-to-llvm`.
void registerMCPipelines();

} // namespace mc

#endif // MC_PIPELINES_PIPELINES_H

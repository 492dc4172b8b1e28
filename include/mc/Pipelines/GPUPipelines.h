//===- GPUPipelines.h - mc pipelines for NVIDIA GPUs ------------*- C++ -*-===//

#ifndef MC_PIPELINES_GPUPIPELINES_H
#define MC_PIPELINES_GPUPIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"
#include "llvm/Support/Error.h"

namespace mc {

struct GPUToNVVMOptions : mlir::PassPipelineOptions<GPUToNVVMOptions> {
  Option<std::string> chip{*this, "chip",
                           llvm::cl::desc("sm_80, sm_86, sm_87, sm_89, sm_90 "
                                          "or sm_90a"),
                           llvm::cl::init("sm_80")};
  Option<std::string> ptxVersion{
      *this, "ptx-version",
      llvm::cl::desc("PTX ISA version of the device code, e.g. 8.0 (at least "
                     "the chip's minimum; at most what ptxas accepts)"),
      llvm::cl::init("8.0")};
  Option<std::string> format{
      *this, "format",
      llvm::cl::desc("Device code in the gpu.binary: bin (cubin, needs "
                     "ptxas), isa (PTX), llvm (LLVM bitcode) or fatbin"),
      llvm::cl::init("bin")};
  Option<int> optLevel{*this, "opt-level",
                       llvm::cl::desc("LLVM optimization level of the "
                                      "device code"),
                       llvm::cl::init(3)};
  Option<bool> kernels{*this, "kernels",
                       llvm::cl::desc("Use mc's tensor-core kernels for the "
                                      "matmuls they support"),
                       llvm::cl::init(true)};
};

/// The PTX version string ("8.0") as an NVPTX feature ("+ptx80"), or an
/// error message if `chip` or `ptxVersion` is not supported or they do not
/// go together.
llvm::Expected<std::string> getNVPTXFeatures(llvm::StringRef chip,
                                             llvm::StringRef ptxVersion);

/// Tensor-level IR with mc ops to host code (LLVM dialect) with
/// `gpu.launch_func` ops and one `gpu.binary` holding every kernel: the
/// reference lowering and bufferization as for the host, mc's GPU kernels for
/// the matmuls they support, one thread per element for everything else.
void buildGPUToNVVMPipeline(mlir::OpPassManager &pm,
                            const GPUToNVVMOptions &options);

/// Like buildReferenceToLLVMPipeline, but the matmuls become the tiled IR of
/// mc's GPU kernels before GPU mapping (`--mc-gpu-matmul-kernels`), run
/// sequentially: checks the kernels' numerics on the CPU.
void buildGPUTilesToLLVMPipeline(mlir::OpPassManager &pm);

/// Registers `--mc-gpu-to-nvvm` and `--mc-gpu-tiles-to-llvm`.
void registerGPUPipelines();

} // namespace mc

#endif // MC_PIPELINES_GPUPIPELINES_H

//===- GPUPipelines.cpp - mc pipelines for NVIDIA GPUs --------------------===//

#include "mc/Pipelines/GPUPipelines.h"
#include "mc/Conversion/Passes.h"
#include "mc/Dialect/MC/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/GPU/Pipelines/Passes.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

#include "llvm/ADT/StringSwitch.h"

using namespace mlir;

llvm::Expected<std::string> mc::getNVPTXFeatures(StringRef chip,
                                                 StringRef ptxVersion) {
  // The PTX ISA version each chip needs first (PTX ISA manual, "Release
  // notes"); sm_80 is the first with cp.async and int8 mma m16n8k32.
  unsigned minimum = llvm::StringSwitch<unsigned>(chip)
                         .Case("sm_80", 70)
                         .Case("sm_86", 71)
                         .Case("sm_87", 74)
                         .Case("sm_89", 78)
                         .Case("sm_90", 78)
                         .Case("sm_90a", 80)
                         .Default(0);
  if (!minimum)
    return llvm::createStringError(
        "unsupported chip '" + chip +
        "': expected sm_80, sm_86, sm_87, sm_89, sm_90 or sm_90a");
  unsigned major, minor;
  auto [majorStr, minorStr] = ptxVersion.split('.');
  if (majorStr.getAsInteger(10, major) || minorStr.getAsInteger(10, minor) ||
      minor > 9)
    return llvm::createStringError("invalid PTX version '" + ptxVersion +
                                   "': expected MAJOR.MINOR, e.g. 8.0");
  unsigned version = major * 10 + minor;
  // What LLVM 22's NVPTX backend can write (CUDA 13.0's ptxas reads up to 9.0).
  static constexpr unsigned known[] = {70, 71, 72, 73, 74, 75, 76, 77, 78, 80,
                                       81, 82, 83, 84, 85, 86, 87, 88, 90};
  if (!llvm::is_contained(known, version))
    return llvm::createStringError("unsupported PTX version '" + ptxVersion +
                                   "': expected 7.0-7.8, 8.0-8.8 or 9.0");
  if (version < minimum)
    return llvm::createStringError(
        "PTX version " + ptxVersion + " does not support " + chip +
        " (it needs at least " + Twine(minimum / 10) + "." +
        Twine(minimum % 10) + ")");
  return "+ptx" + std::to_string(version);
}

namespace {
/// Fails the pipeline with a message (for options found invalid while the
/// pipeline is built, which cannot fail by itself).
struct FailPass : PassWrapper<FailPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(FailPass)
  FailPass(std::string message) : message(std::move(message)) {}
  StringRef getArgument() const override { return "mc-fail"; }
  void runOnOperation() override {
    mlir::emitError(getOperation().getLoc(), message);
    signalPassFailure();
  }
  std::string message;
};
} // namespace

/// Tensor-level IR with mc ops to buffers, as the host pipeline does.
static void buildReferenceToBuffers(OpPassManager &pm) {
  // Folds mc.encode of constants before it is lowered.
  pm.addPass(createCanonicalizerPass());
  pm.addPass(mc::createMCLowerReference());
  pm.addPass(createConvertElementwiseToLinalgPass());
  pm.addPass(createCanonicalizerPass());
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  bufferization::BufferResultsToOutParamsPassOptions outParams;
  outParams.hoistStaticAllocs = true;
  outParams.modifyPublicFunctions = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);
  pm.addPass(createCanonicalizerPass());
}

void mc::buildGPUToNVVMPipeline(OpPassManager &pm,
                                const GPUToNVVMOptions &options) {
  llvm::Expected<std::string> features =
      getNVPTXFeatures(options.chip, options.ptxVersion);
  if (!features) {
    pm.addPass(std::make_unique<FailPass>(toString(features.takeError())));
    return;
  }
  buildReferenceToBuffers(pm);
  if (options.kernels) {
    pm.addNestedPass<func::FuncOp>(createMCGPUMatmulKernels());
    pm.addNestedPass<func::FuncOp>(createMCGPUMapKernels());
    pm.addPass(createCanonicalizerPass());
  }

  // Whatever mc's kernels do not cover: one thread per element (or per
  // output element for reductions), in blocks of 8x32 threads.
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(
      createParallelLoopTilingPass({8, 32}, /*noMinMaxBounds=*/false));
  pm.addNestedPass<func::FuncOp>(createGpuMapParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(createConvertParallelLoopToGpuPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createMCGPUMergeModules());

  gpu::GPUToNVVMPipelineOptions nvvm;
  nvvm.cubinChip = options.chip;
  nvvm.cubinFeatures = *features;
  nvvm.cubinFormat = options.format;
  nvvm.optLevel = options.optLevel;
  gpu::buildLowerToNVVMPassPipeline(pm, nvvm);
}

void mc::registerGPUPipelines() {
  PassPipelineRegistration<GPUToNVVMOptions>(
      "mc-gpu-to-nvvm",
      "Lower tensor-level IR with mc ops to host code with gpu.launch_func "
      "and a gpu.binary of NVVM kernels (tensor-core kernels for int8/f16 "
      "matmuls)",
      buildGPUToNVVMPipeline);
}

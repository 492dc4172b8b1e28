//===- Pipelines.cpp - mc pass pipelines ----------------------------------===//

#include "mc/Pipelines/Pipelines.h"
#include "mc/Pipelines/GPUPipelines.h"
#include "mc/Dialect/MC/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

using namespace mlir;

namespace {
/// Marks public functions for C-interface wrappers (`_mlir_ciface_<name>`).
struct EmitCInterface
    : PassWrapper<EmitCInterface, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(EmitCInterface)
  StringRef getArgument() const override { return "mc-emit-c-interface"; }
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (func.isPublic() && !func.isExternal())
        func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                      UnitAttr::get(&getContext()));
  }
};

/// Upstream's --arith-expand without its maximumf/minimumf expansion.
struct ExpandArithForLLVM
    : PassWrapper<ExpandArithForLLVM, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(ExpandArithForLLVM)
  StringRef getArgument() const override { return "mc-expand-arith"; }
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    arith::populateCeilFloorDivExpandOpsPatterns(patterns);
    arith::populateExpandBFloat16Patterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

void mc::addLLVMConversionPasses(OpPassManager &pm, bool armNeon) {
  pm.addPass(std::make_unique<ExpandArithForLLVM>());
  pm.addPass(std::make_unique<EmitCInterface>());
  ConvertVectorToLLVMPassOptions vector;
  vector.armNeon = armNeon;
  pm.addPass(createConvertVectorToLLVMPass(vector));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

void mc::buildReferenceToLLVMPipeline(OpPassManager &pm) {
  CPUPipelineOptions options;
  options.isa = "none";
  options.numThreads = 1;
  buildCPUToLLVMPipeline(pm, options);
}

void mc::buildTensorToBuffersPipeline(OpPassManager &pm, StringRef kernelIsa,
                                      StringRef cpu) {
  // Folds mc.encode of constants and mc.disassemble of mc.assemble, so
  // kernels see constant payloads.
  pm.addPass(createCanonicalizerPass());
  if (kernelIsa != "none") {
    MCCPUKernelsOptions kernels;
    kernels.isa = kernelIsa.str();
    kernels.cpu = cpu.str();
    pm.addPass(createMCCPUKernels(kernels));
  }
  pm.addPass(createMCLowerReference());
  // Element-wise arith/math on tensors has no bufferization; make it linalg.
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
}

void mc::buildCPUToLLVMPipeline(OpPassManager &pm,
                                const CPUPipelineOptions &options) {
  buildTensorToBuffersPipeline(pm, options.isa, options.cpu);
  // mc.dot4 and mc.byte_shuffle become the instructions of the x86 ISAs;
  // elsewhere plain vector arithmetic.
  MCLowerDot4Options dot4;
  StringRef isa = StringRef(options.isa).split(',').first;
  dot4.isa = isa == "avx2" || isa == "avx-vnni" || isa == "avx512-vnni"
                 ? isa.str()
             : isa.starts_with("neon") ? std::string("neon")
                                       : std::string("generic");
  pm.addPass(createMCLowerDot4(dot4));

  if (options.numThreads == 1) {
    pm.addPass(createForallToForLoopPass());
  } else {
    pm.addPass(createForallToParallelLoopPass());
    ConvertSCFToOpenMPPassOptions openmp;
    openmp.numThreads = options.numThreads;
    pm.addPass(createConvertSCFToOpenMPPass(openmp));
  }
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  // Before scf-to-cf: the OpenMP regions' memref.alloca_scope must be
  // lowered while they are still single blocks.
  FinalizeMemRefToLLVMConversionPassOptions memrefToLLVM;
  memrefToLLVM.useGenericFunctions = options.allocCache;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefToLLVM));
  pm.addPass(createSCFToControlFlowPass());
  addLLVMConversionPasses(pm, isa.starts_with("neon-"));
}

SmallVector<std::string> mc::getKernelIsas(StringRef triple, StringRef cpu,
                                           StringRef features) {
  SmallVector<std::string> isas;
  std::string error;
  llvm::Triple target(llvm::Triple::normalize(triple));
  if (const llvm::Target *t =
          llvm::TargetRegistry::lookupTarget(target, error)) {
    std::unique_ptr<llvm::MCSubtargetInfo> sti(
        t->createMCSubtargetInfo(target, cpu, features));
    auto has = [&](const char *f) { return sti->checkFeatures(f); };
    if (target.isX86()) {
      // Zmm vpdpbusd needs AVX512-BW too (byte shuffles on zmm); ymm
      // vpdpbusd is VEX with AVX-VNNI and EVEX with AVX512-VNNI + VL.
      if (has("+avx512vnni") && has("+avx512bw"))
        isas.push_back("avx512-vnni");
      if (has("+avxvnni") || (has("+avx512vnni") && has("+avx512vl")))
        isas.push_back("avx-vnni");
      if (has("+avx2"))
        isas.push_back("avx2");
    }
    if (target.isAArch64() && has("+i8mm"))
      isas.push_back("neon-i8mm");
    if (target.isAArch64() && has("+dotprod"))
      isas.push_back("neon-dotprod");
    // AArch64 without dot products still has tbl.
    if (target.isAArch64())
      isas.push_back("neon");
  }
  isas.push_back("generic");
  return isas;
}

std::string mc::getKernelIsaOption(ArrayRef<std::string> isas,
                                   StringRef chosen) {
  const auto *it = llvm::find(isas, chosen);
  assert(it != isas.end() && "not one of the ISAs");
  return llvm::join(llvm::make_range(it, isas.end()), ",");
}

std::string mc::getKernelIsa(StringRef triple, StringRef cpu,
                             StringRef features) {
  return getKernelIsas(triple, cpu, features).front();
}

SmallVector<std::string> mc::getHostKernelIsas() {
  std::string features;
  for (const auto &feature : llvm::sys::getHostCPUFeatures())
    features += (features.empty() ? "" : ",") +
                std::string(feature.second ? "+" : "-") +
                feature.first().str();
  return getKernelIsas(llvm::sys::getProcessTriple(),
                       llvm::sys::getHostCPUName(), features);
}

std::string mc::getHostKernelIsa() { return getHostKernelIsas().front(); }

void mc::registerMCPipelines() {
  PassPipelineRegistration<>(
      "mc-reference-to-llvm",
      "Lower tensor-level IR with mc ops to the LLVM dialect for the host "
      "through the reference lowering (plain loops)",
      buildReferenceToLLVMPipeline);
  PassPipelineRegistration<CPUPipelineOptions>(
      "mc-cpu-to-llvm",
      "Lower tensor-level IR with mc ops to the LLVM dialect with the CPU "
      "kernels of an ISA (contractions) and OpenMP threads",
      buildCPUToLLVMPipeline);
  registerGPUPipelines();
}

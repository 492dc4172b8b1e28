//===- MCGPUMergeModules.cpp - one gpu.module for all kernels -------------===//

#include "mc/Conversion/Passes.h"

#include "mlir/IR/SymbolTable.h"

namespace mc {
#define GEN_PASS_DEF_MCGPUMERGEMODULES
#include "mc/Conversion/Passes.h.inc"
} // namespace mc

using namespace mlir;

namespace {
struct MCGPUMergeModules : mc::impl::MCGPUMergeModulesBase<MCGPUMergeModules> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<gpu::GPUModuleOp> gpuModules(module.getOps<gpu::GPUModuleOp>());
    if (gpuModules.size() < 2)
      return;
    gpu::GPUModuleOp target = gpuModules.front();
    SymbolTable targetSymbols(target);
    for (gpu::GPUModuleOp source : llvm::drop_begin(gpuModules)) {
      if (source.getTargetsAttr() != target.getTargetsAttr() ||
          source->getDiscardableAttrDictionary() !=
              target->getDiscardableAttrDictionary()) {
        source.emitError("cannot merge gpu.modules with different targets");
        return signalPassFailure();
      }
      llvm::StringMap<StringAttr> renamed;
      for (Operation &op :
           llvm::make_early_inc_range(source.getBody()->getOperations())) {
        auto symbol = dyn_cast<SymbolOpInterface>(&op);
        if (!symbol)
          continue;
        auto kernel = dyn_cast<gpu::GPUFuncOp>(&op);
        bool isKernel = kernel && kernel.isKernel();
        // Outlining clones the helpers a kernel calls into its module; the
        // copies are identical, keep one.
        if (!isKernel && targetSymbols.lookup(symbol.getName())) {
          op.erase();
          continue;
        }
        std::string name = symbol.getName().str();
        op.remove();
        renamed[name] = targetSymbols.insert(&op);
      }
      // Retarget the launches of the moved kernels.
      module.walk([&](gpu::LaunchFuncOp launch) {
        if (launch.getKernelModuleName() != source.getName())
          return;
        launch.setKernelAttr(SymbolRefAttr::get(
            target.getNameAttr(),
            {FlatSymbolRefAttr::get(renamed.lookup(launch.getKernelName()))}));
      });
      source.erase();
    }
  }
};
} // namespace

//===- CUDA.cpp - mc-run --device=cuda ------------------------------------===//

#include "CUDA.h"
#include "CUDAHostCode.h"
#include "CUDARuntime.h"

#include "../common/ToolSupport.h"
#include "mc/Pipelines/GPUPipelines.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

#include "llvm/Support/WithColor.h"

using namespace mlir;
using namespace mc::cuda;

/// The chip mc compiles for on a device of compute capability major.minor,
/// or "" if mc's kernels cannot run there. A cubin runs on devices of its
/// major version and a minor at least its own; PTX is compiled by the
/// driver for any later device.
static std::string chooseChip(int major, int minor, bool &ptxOnly) {
  ptxOnly = false;
  if (major < 8)
    return "";
  if (major == 8)
    return minor == 6 || minor == 7 || minor == 9
               ? "sm_8" + std::to_string(minor)
               : "sm_80";
  if (major == 9)
    return "sm_90";
  // Newer than mc's newest chip: PTX for sm_90, which the driver compiles.
  ptxOnly = true;
  return "sm_90";
}

llvm::Expected<Target> mc::cuda::openTarget() {
  Target target;
  llvm::Expected<const Driver *> driver = loadDriver(target.device);
  if (!driver)
    return driver.takeError();
  target.driver = *driver;
  const Device &device = target.device;
  std::string sm =
      "sm_" + std::to_string(device.major) + std::to_string(device.minor);
  bool ptxOnly;
  target.chip = chooseChip(device.major, device.minor, ptxOnly);
  if (target.chip.empty())
    return llvm::createStringError(
        "found " + device.name + " (" + sm +
        "), but mc's GPU kernels need sm_80 or newer");
  // Without a toolkit, the driver compiles PTX itself.
  std::string ptxas = findPtxas();
  setCudaRootFromPtxas(ptxas);
  target.format = ptxOnly || ptxas.empty() ? "isa" : "bin";
  return target;
}

void mc::cuda::buildPipeline(OpPassManager &pm, ModuleOp module,
                             StringRef entry, const Target &target) {
  // The host pipeline marks every public function for C-interface wrappers;
  // the GPU pipeline does not, and mc-run calls `_mlir_ciface_<entry>`.
  if (auto func = module.lookupSymbol<func::FuncOp>(entry))
    func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                  UnitAttr::get(module.getContext()));
  GPUToNVVMOptions options;
  options.chip = target.chip;
  options.format = target.format;
  buildGPUToNVVMPipeline(pm, options);
}

llvm::Error mc::cuda::prepareHostCode(ModuleOp module, const Target &target) {
  std::string why;
  Memory memory = getHostCodeMemory(module, why);
  if (memory == Memory::Managed)
    llvm::WithColor::note(llvm::errs(), "mc-run")
        << "--device=cuda: host code touches memory (" << why
        << "), so its buffers are CUDA managed memory\n";
  if (llvm::Error error = rewriteHostCode(module, memory))
    return error;
  return startRuntime(*target.driver, target.device, memory);
}

llvm::Error mc::cuda::initializeEngine(ExecutionEngine &engine) {
  engine.registerSymbols(getRuntimeSymbols);
  engine.initialize();
  return getRuntimeError();
}

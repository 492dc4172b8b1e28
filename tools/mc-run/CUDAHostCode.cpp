//===- CUDAHostCode.cpp - Host code of --mc-gpu-to-nvvm for mc-run --------===//

#include "CUDAHostCode.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/DataLayoutInterfaces.h"

using namespace mlir;
using namespace mc::cuda;

/// Functions whose bodies are host code to look at: the C-interface
/// wrappers only unpack the descriptors mc-run passes (host memory) and call
/// the function they wrap.
static bool isHostCode(LLVM::LLVMFuncOp func) {
  return !func.isExternal() && !func.getName().starts_with("_mlir_ciface_");
}

static bool isAlloca(Value address) {
  return address.getDefiningOp<LLVM::AllocaOp>() != nullptr;
}

/// Whether `op` (in host code) reads or writes memory other than its own
/// stack slots, besides what rewriteHostCode turns into runtime calls.
static bool touchesMemory(Operation *op, ModuleOp module) {
  if (auto load = dyn_cast<LLVM::LoadOp>(op))
    return !isAlloca(load.getAddr());
  if (auto store = dyn_cast<LLVM::StoreOp>(op))
    return !isAlloca(store.getAddr());
  if (auto call = dyn_cast<LLVM::CallOp>(op)) {
    std::optional<StringRef> callee = call.getCallee();
    if (!callee)
      return true; // an indirect call could do anything
    if (llvm::is_contained({"malloc", "aligned_alloc", "free"}, *callee))
      return false;
    // Calls within the module are host code of their own.
    auto target = module.lookupSymbol<LLVM::LLVMFuncOp>(*callee);
    return !target || target.isExternal();
  }
  if (isa<LLVM::MemcpyOp>(op))
    return false;
  return isa<LLVM::MemsetOp, LLVM::MemmoveOp, LLVM::MemcpyInlineOp,
             LLVM::MemsetInlineOp, LLVM::AtomicRMWOp, LLVM::AtomicCmpXchgOp>(
      op);
}

Memory mc::cuda::getHostCodeMemory(ModuleOp module, std::string &why) {
  for (auto func : module.getOps<LLVM::LLVMFuncOp>()) {
    if (!isHostCode(func))
      continue;
    WalkResult result = func.walk([&](Operation *op) {
      if (!touchesMemory(op, module))
        return WalkResult::advance();
      llvm::raw_string_ostream os(why);
      auto call = dyn_cast<LLVM::CallOp>(op);
      if (call && call.getCallee())
        os << "a call to '" << *call.getCallee() << "'";
      else
        os << "'" << op->getName() << "'";
      os << " in '" << func.getName() << "'";
      return WalkResult::interrupt();
    });
    if (result.wasInterrupted())
      return Memory::Managed;
  }
  return Memory::Device;
}

/// The declaration of runtime function `name`, added if missing.
static LLVM::LLVMFuncOp getRuntimeFunction(ModuleOp module, StringRef name,
                                           Type result, ArrayRef<Type> params) {
  if (auto func = module.lookupSymbol<LLVM::LLVMFuncOp>(name))
    return func;
  OpBuilder builder = OpBuilder::atBlockEnd(module.getBody());
  return LLVM::LLVMFuncOp::create(builder, module.getLoc(), name,
                                  LLVM::LLVMFunctionType::get(result, params));
}

llvm::Error mc::cuda::rewriteHostCode(ModuleOp module, Memory memory) {
  MLIRContext *ctx = module.getContext();
  Type ptr = LLVM::LLVMPointerType::get(ctx);
  Type i64 = IntegerType::get(ctx, 64);
  Type voidType = LLVM::LLVMVoidType::get(ctx);
  LLVM::LLVMFuncOp alloc =
      getRuntimeFunction(module, "mcCudaAlloc", ptr, {i64});
  LLVM::LLVMFuncOp free =
      getRuntimeFunction(module, "mcCudaFree", voidType, {ptr});
  LLVM::LLVMFuncOp global =
      getRuntimeFunction(module, "mcCudaGlobal", ptr, {ptr, i64});
  LLVM::LLVMFuncOp memcpy =
      getRuntimeFunction(module, "mcCudaMemcpy", voidType, {ptr, ptr, i64});
  DataLayout layout(module);

  SmallVector<Operation *> ops;
  for (auto func : module.getOps<LLVM::LLVMFuncOp>())
    if (isHostCode(func))
      func.walk([&](Operation *op) { ops.push_back(op); });
  for (Operation *op : ops) {
    OpBuilder builder(op);
    Location loc = op->getLoc();
    if (auto call = dyn_cast<LLVM::CallOp>(op)) {
      std::optional<StringRef> callee = call.getCallee();
      if (!callee)
        continue;
      if (*callee == "malloc" || *callee == "aligned_alloc") {
        Value size = call.getArgOperands().back();
        if (*callee == "aligned_alloc") {
          // cuMemAlloc's (and cuMemAllocManaged's) allocations are aligned to
          // at least 256 bytes.
          APInt alignment;
          if (!matchPattern(call.getArgOperands().front(),
                            m_ConstantInt(&alignment)) ||
              alignment.getZExtValue() > 256)
            return llvm::createStringError(
                "host code allocates with an alignment other than a constant "
                "of at most 256 bytes, which CUDA allocations do not "
                "guarantee");
        }
        auto replacement = LLVM::CallOp::create(builder, loc, alloc, size);
        call.replaceAllUsesWith(replacement.getResults());
        call.erase();
      } else if (*callee == "free") {
        LLVM::CallOp::create(builder, loc, free, call.getArgOperands());
        call.erase();
      }
    } else if (auto address = dyn_cast<LLVM::AddressOfOp>(op)) {
      auto target =
          module.lookupSymbol<LLVM::GlobalOp>(address.getGlobalNameAttr());
      if (!target)
        continue; // a function's address
      uint64_t size = layout.getTypeSize(target.getType());
      builder.setInsertionPointAfter(address);
      Value bytes = LLVM::ConstantOp::create(builder, loc, i64,
                                             builder.getI64IntegerAttr(size));
      auto copy = LLVM::CallOp::create(builder, loc, global,
                                       ValueRange{address.getResult(), bytes});
      address.getResult().replaceAllUsesExcept(copy.getResult(), copy);
    } else if (auto copy = dyn_cast<LLVM::MemcpyOp>(op);
               copy && memory == Memory::Device) {
      Value size = copy.getLen();
      if (size.getType() != i64)
        size = LLVM::ZExtOp::create(builder, loc, i64, size);
      LLVM::CallOp::create(builder, loc, memcpy,
                           ValueRange{copy.getDst(), copy.getSrc(), size});
      copy.erase();
    }
  }
  return llvm::Error::success();
}

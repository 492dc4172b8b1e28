//===- ToolSupport.h - shared set-up of mc's command-line tools -*- C++ -*-===//

#ifndef MC_TOOLS_COMMON_TOOLSUPPORT_H
#define MC_TOOLS_COMMON_TOOLSUPPORT_H

#include "mc/InitAllMC.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/Signals.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"

#include <cstdlib>

namespace mc {

/// Makes LLVM's fatal errors (an intrinsic the target cannot select, a
/// malformed inline asm string) one error line and exit status 1 instead of
/// an abort with a stack dump: `tool: error: code generation failed: ...`.
/// Output files registered for removal are removed.
inline void installFatalErrorHandler(const char *tool) {
  llvm::install_fatal_error_handler(
      [](void *tool, const char *reason, bool) {
        llvm::WithColor::error(llvm::errs(), static_cast<const char *>(tool))
            << "code generation failed: " << reason << "\n";
        llvm::sys::RunInterruptHandlers();
        std::exit(1);
      },
      const_cast<char *>(tool));
}

/// Every upstream dialect and extension, mc, and the LLVM IR translations
/// (host and GPU).
inline mlir::DialectRegistry getToolRegistry() {
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  registerAllMCDialects(registry);
  mlir::registerAllToLLVMIRTranslations(registry);
  return registry;
}

/// Parses and verifies `path`; diagnostics go to stderr through `sourceMgr`.
/// Null with `error` set if the file cannot be read, null alone if it does
/// not parse or verify.
inline mlir::OwningOpRef<mlir::ModuleOp>
loadModule(mlir::MLIRContext &context, llvm::SourceMgr &sourceMgr,
           llvm::StringRef path, std::string &error) {
  auto file = mlir::openInputFile(path, &error);
  if (!file)
    return nullptr;
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, &context);
  // MLIR 22's LLVM IR translation divides by zero on an empty
  // dense_resource; an empty dense constant holds the same (nothing).
  if (module)
    module->walk([](mlir::arith::ConstantOp op) {
      auto resource =
          llvm::dyn_cast<mlir::DenseResourceElementsAttr>(op.getValue());
      if (resource && resource.getType().getNumElements() == 0)
        op.setValueAttr(mlir::DenseElementsAttr::get(
            resource.getType(), llvm::ArrayRef<mlir::Attribute>{}));
    });
  return module;
}

/// The CUDA toolkit's ptxas: from PATH, else $CUDA_HOME/bin, else (without
/// CUDA_HOME) /usr/local/cuda/bin; empty if none.
inline std::string findPtxas() {
  if (auto path = llvm::sys::findProgramByName("ptxas"))
    return *path;
  const char *cudaHome = std::getenv("CUDA_HOME");
  std::string dir =
      cudaHome ? (llvm::Twine(cudaHome) + "/bin").str() : "/usr/local/cuda/bin";
  if (auto path = llvm::sys::findProgramByName("ptxas", {dir}))
    return *path;
  return "";
}

/// MLIR's NVVM target finds ptxas and libdevice through $CUDA_ROOT,
/// $CUDA_HOME or $CUDA_PATH only: without them, points CUDA_ROOT at the
/// toolkit of `ptxas` (if found).
inline void setCudaRootFromPtxas(llvm::StringRef ptxas) {
  if (ptxas.empty() || std::getenv("CUDA_ROOT") || std::getenv("CUDA_HOME") ||
      std::getenv("CUDA_PATH"))
    return;
  std::string root =
      llvm::sys::path::parent_path(llvm::sys::path::parent_path(ptxas)).str();
  setenv("CUDA_ROOT", root.c_str(), /*overwrite=*/0);
}

} // namespace mc

#endif // MC_TOOLS_COMMON_TOOLSUPPORT_H

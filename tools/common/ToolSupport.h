//===- ToolSupport.h - shared set-up of mc's command-line tools -*- C++ -*-===//

#ifndef MC_TOOLS_COMMON_TOOLSUPPORT_H
#define MC_TOOLS_COMMON_TOOLSUPPORT_H

#include "mc/InitAllMC.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/Support/SourceMgr.h"

namespace mc {

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
  return mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, &context);
}

} // namespace mc

#endif // MC_TOOLS_COMMON_TOOLSUPPORT_H

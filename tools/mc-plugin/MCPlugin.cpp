//===- MCPlugin.cpp - mc as an mlir-opt dialect and pass plugin -----------===//
//
// One shared library for both `--load-dialect-plugin` and
// `--load-pass-plugin` of a stock mlir-opt linked against libMLIR.so.
//
//===----------------------------------------------------------------------===//

#include "mc/InitAllMC.h"

#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "mlir/Tools/Plugins/PassPlugin.h"

using namespace mlir;

extern "C" LLVM_ATTRIBUTE_WEAK DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "MC", LLVM_VERSION_STRING,
          [](DialectRegistry *registry) {
            mc::registerAllMCDialects(*registry);
          }};
}

extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "MCPasses", LLVM_VERSION_STRING,
          []() { mc::registerAllMCPasses(); }};
}

//===- InitAllMC.h - register everything mc provides ------------*- C++ -*-===//

#ifndef MC_INITALLMC_H
#define MC_INITALLMC_H

#include "mc/Conversion/Passes.h"
#include "mc/Dialect/MC/IR/MC.h"
#include "mc/Dialect/MC/Transforms/Passes.h"
#include "mc/Pipelines/Pipelines.h"

namespace mc {

inline void registerAllMCDialects(mlir::DialectRegistry &registry) {
  registry.insert<MCDialect>();
}

inline void registerAllMCPasses() {
  registerMCPasses();
  registerMCConversionPasses();
  registerMCPipelines();
}

} // namespace mc

#endif // MC_INITALLMC_H

//===- MCDialect.cpp - mc dialect registration ----------------------------===//

#include "mc/Dialect/MC/IR/MC.h"

using namespace mlir;
using namespace mc;

#include "mc/Dialect/MC/IR/MCOpsDialect.cpp.inc"

void MCDialect::initialize() {
  registerAttributes();
  registerTypes();
  addOperations<
#define GET_OP_LIST
#include "mc/Dialect/MC/IR/MCOps.cpp.inc"
      >();
}

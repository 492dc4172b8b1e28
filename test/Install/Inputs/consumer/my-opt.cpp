// A minimal out-of-tree driver: func, arith, tensor and quant plus mc.
#include "mc/InitAllMC.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mc::registerAllMCPasses();
  mlir::DialectRegistry registry;
  registry.insert<mlir::func::FuncDialect, mlir::arith::ArithDialect,
                  mlir::tensor::TensorDialect, mlir::quant::QuantDialect>();
  mc::registerAllMCDialects(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "consumer of mc\n", registry));
}

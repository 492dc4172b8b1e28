//===- MCBase.td - mc dialect definition -------------------*- tablegen -*-===//

#ifndef MC_DIALECT_MC_IR_MCBASE_TD
#define MC_DIALECT_MC_IR_MCBASE_TD

include "mlir/IR/OpBase.td"

def MC_Dialect : Dialect {
  let name = "mc";
  let cppNamespace = "::mc";
  let summary = "Model compression: compressed weights and their exact semantics";
  let description = [{
    The `mc` dialect represents compressed tensors. A compressed value has the
    type `!mc.compressed<SHAPExEXPRESSED, #encoding>`; its meaning is always
    "decode to a dense tensor of the expressed type" (`mc.decode`), and
    `--mc-lower-reference` lowers every op to linalg/arith/tensor with exactly
    those numerics: round to nearest, ties to even, saturate to the storage
    range before converting.
  }];
  let useDefaultTypePrinterParser = 1;
  let useDefaultAttributePrinterParser = 1;
  let hasCanonicalizer = 0;
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::tensor::TensorDialect"
  ];
  let extraClassDeclaration = [{
    void registerAttributes();
    void registerTypes();
  }];
}

#endif // MC_DIALECT_MC_IR_MCBASE_TD

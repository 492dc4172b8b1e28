//===- MCTypes.td - mc types -------------------------------*- tablegen -*-===//

#ifndef MC_DIALECT_MC_IR_MCTYPES_TD
#define MC_DIALECT_MC_IR_MCTYPES_TD

include "mc/Dialect/MC/IR/MCBase.td"
include "mc/Dialect/MC/IR/MCInterfaces.td"
include "mlir/IR/AttrTypeBase.td"

def MC_CompressedType : TypeDef<MC_Dialect, "Compressed"> {
  let mnemonic = "compressed";
  let summary = "A compressed tensor: logical shape, expressed type, encoding";
  let description = [{
    `!mc.compressed<4096x4096xf32, #mc.uniform<i8, axis = 0>>` is a tensor of
    logical shape 4096x4096 whose elements mean f32 values, stored as the
    encoding describes. Only mc ops consume it; `mc.decode` gives the dense
    tensor.
  }];
  let parameters = (ins ArrayRefParameter<"int64_t">:$shape,
                        "::mlir::Type":$expressedType,
                        "::mc::EncodingAttrInterface":$encoding);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let builders = [
    TypeBuilderWithInferredContext<(ins "::mlir::RankedTensorType":$tensorType,
        "::mc::EncodingAttrInterface":$encoding), [{
      return $_get(tensorType.getContext(), tensorType.getShape(),
                   tensorType.getElementType(), encoding);
    }]>
  ];
  let extraClassDeclaration = [{
    /// The dense tensor type this value decodes to.
    ::mlir::RankedTensorType getDecodedType() const {
      return ::mlir::RankedTensorType::get(getShape(), getExpressedType());
    }
    /// Tensor types of the parts, payload first.
    ::llvm::SmallVector<::mlir::Type> getPartTypes() const;
  }];
}

#endif // MC_DIALECT_MC_IR_MCTYPES_TD

//===- MCInterfaces.td - mc encoding interface -------------*- tablegen -*-===//

#ifndef MC_DIALECT_MC_IR_MCINTERFACES_TD
#define MC_DIALECT_MC_IR_MCINTERFACES_TD

include "mlir/IR/OpBase.td"

def MC_EncodingAttrInterface : AttrInterface<"EncodingAttrInterface"> {
  let cppNamespace = "::mc";
  let description = [{
    An encoding of a compressed tensor. An encoding describes the scheme only;
    the data (payload, scales, zero points, ...) lives in ordinary tensors, the
    "parts" of a compressed value, in a fixed order with the payload first.
    `mc.assemble` builds a compressed value from its parts, `mc.encode`
    computes the payload from a dense tensor and the other parts.
  }];
  let methods = [
    InterfaceMethod<[{
        Verifies that the encoding can describe a tensor of `shape` and
        expressed element type `expressedType`.
      }], "::llvm::LogicalResult", "verifyForShape",
      (ins "::llvm::ArrayRef<int64_t>":$shape, "::mlir::Type":$expressedType,
           "::llvm::function_ref<::mlir::InFlightDiagnostic()>":$emitError)>,
    InterfaceMethod<[{
        Appends the tensor types of the parts, payload first.
      }], "void", "getPartTypes",
      (ins "::llvm::ArrayRef<int64_t>":$shape, "::mlir::Type":$expressedType,
           "::llvm::SmallVectorImpl<::mlir::Type> &":$types)>,
    InterfaceMethod<[{
        Returns the name of part `index` (for diagnostics and documentation).
      }], "::llvm::StringRef", "getPartName", (ins "unsigned":$index)>,
    InterfaceMethod<[{
        Checks constant part values (e.g. scales, zero points) for validity.
        `values[i]` is null where part `i` is not a known constant.
      }], "::llvm::LogicalResult", "verifyPartValues",
      (ins "::llvm::ArrayRef<::mlir::Attribute>":$values,
           "::llvm::function_ref<::mlir::InFlightDiagnostic()>":$emitError)>,
    InterfaceMethod<[{
        Bits of storage per element of the payload.
      }], "unsigned", "getStorageBitWidth", (ins)>,
  ];
}

#endif // MC_DIALECT_MC_IR_MCINTERFACES_TD

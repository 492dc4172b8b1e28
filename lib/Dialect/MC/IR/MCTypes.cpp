//===- MCTypes.cpp - mc types ---------------------------------------------===//

#include "mc/Dialect/MC/IR/MC.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mc;

#define GET_TYPEDEF_CLASSES
#include "mc/Dialect/MC/IR/MCOpsTypes.cpp.inc"

void MCDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "mc/Dialect/MC/IR/MCOpsTypes.cpp.inc"
      >();
}

/// `<` dim-list element-type `,` encoding `>`
Type CompressedType::parse(AsmParser &parser) {
  SmallVector<int64_t> shape;
  Type expressedType;
  Attribute encoding;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseLess() ||
      parser.parseDimensionList(shape, /*allowDynamic=*/true) ||
      parser.parseType(expressedType) || parser.parseComma())
    return {};
  SMLoc encodingLoc = parser.getCurrentLocation();
  if (parser.parseAttribute(encoding) || parser.parseGreater())
    return {};
  auto iface = dyn_cast<EncodingAttrInterface>(encoding);
  if (!iface) {
    parser.emitError(encodingLoc, "expected an mc encoding attribute, got ")
        << encoding;
    return {};
  }
  return getChecked([&] { return parser.emitError(loc); },
                    parser.getContext(), shape, expressedType, iface);
}

void CompressedType::print(AsmPrinter &printer) const {
  printer << '<';
  for (int64_t dim : getShape())
    printer << dim << 'x';
  printer << getExpressedType() << ", " << getEncoding() << '>';
}

LogicalResult
CompressedType::verify(function_ref<InFlightDiagnostic()> emitError,
                       ArrayRef<int64_t> shape, Type expressedType,
                       EncodingAttrInterface encoding) {
  if (!encoding)
    return emitError() << "missing encoding";
  return encoding.verifyForShape(shape, expressedType, emitError);
}

SmallVector<Type> CompressedType::getPartTypes() const {
  SmallVector<Type> types;
  getEncoding().getPartTypes(getShape(), getExpressedType(), types);
  return types;
}

//===- MCAttrs.cpp - mc encoding attributes -------------------------------===//

#include "mc/Dialect/MC/IR/MC.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mc;

#include "mc/Dialect/MC/IR/MCInterfaces.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "mc/Dialect/MC/IR/MCAttrs.cpp.inc"

void MCDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "mc/Dialect/MC/IR/MCAttrs.cpp.inc"
      >();
}

SmallVector<int64_t> mc::getScaleShape(ArrayRef<int64_t> shape,
                                       std::optional<int64_t> axis,
                                       ArrayRef<int64_t> block) {
  if (axis)
    return {shape[*axis]};
  SmallVector<int64_t> result;
  for (auto [dim, size] : llvm::zip(shape, block))
    result.push_back(dim / size);
  return result;
}

//===----------------------------------------------------------------------===//
// Shared syntax: `<` storage-type (`,` item)* `>` where an item is
// `axis = N`, `block = [N, ...]` or a flag keyword.
//===----------------------------------------------------------------------===//

namespace {
struct EncodingSyntax {
  Type storage;
  std::optional<int64_t> axis;
  SmallVector<int64_t> block;
};
} // namespace

static ParseResult parseEncoding(AsmParser &parser, EncodingSyntax &syntax,
                                 ArrayRef<std::pair<StringRef, bool *>> flags) {
  if (parser.parseLess() || parser.parseType(syntax.storage))
    return failure();
  llvm::StringSet<> seen;
  while (succeeded(parser.parseOptionalComma())) {
    StringRef key;
    SMLoc loc = parser.getCurrentLocation();
    if (parser.parseKeyword(&key))
      return failure();
    if (!seen.insert(key).second)
      return parser.emitError(loc, "duplicate encoding parameter '")
             << key << "'";
    if (key == "axis") {
      int64_t axis;
      if (parser.parseEqual() || parser.parseInteger(axis))
        return failure();
      syntax.axis = axis;
      continue;
    }
    if (key == "block") {
      if (parser.parseEqual() ||
          parser.parseCommaSeparatedList(
              AsmParser::Delimiter::Square, [&]() -> ParseResult {
                return parser.parseInteger(syntax.block.emplace_back());
              }))
        return failure();
      continue;
    }
    auto *it = llvm::find_if(flags, [&](auto &f) { return f.first == key; });
    if (it == flags.end())
      return parser.emitError(loc, "unknown encoding parameter '") << key << "'";
    *it->second = true;
  }
  return parser.parseGreater();
}

static void printEncoding(AsmPrinter &printer, Type storage,
                          std::optional<int64_t> axis, ArrayRef<int64_t> block,
                          ArrayRef<std::pair<StringRef, bool>> flags) {
  printer << '<' << storage;
  if (axis)
    printer << ", axis = " << *axis;
  if (!block.empty()) {
    printer << ", block = [";
    llvm::interleaveComma(block, printer);
    printer << ']';
  }
  for (auto [name, set] : flags)
    if (set)
      printer << ", " << name;
  printer << '>';
}

static std::string describeGranularity(std::optional<int64_t> axis,
                                       ArrayRef<int64_t> block) {
  if (axis)
    return "per-axis (axis " + std::to_string(*axis) + ")";
  if (block.empty())
    return "per-tensor";
  std::string s = "per-block [";
  llvm::raw_string_ostream os(s);
  llvm::interleaveComma(block, os);
  return s + "]";
}

static LogicalResult
verifyGranularity(function_ref<InFlightDiagnostic()> emitError,
                  std::optional<int64_t> axis, ArrayRef<int64_t> block) {
  if (axis && !block.empty())
    return emitError() << "'axis' and 'block' are mutually exclusive";
  if (axis && *axis < 0)
    return emitError() << "axis must be non-negative, got " << *axis;
  for (int64_t size : block)
    if (size <= 0)
      return emitError() << "block sizes must be positive, got " << size;
  return success();
}

static LogicalResult
verifyGranularityForShape(function_ref<InFlightDiagnostic()> emitError,
                          std::optional<int64_t> axis, ArrayRef<int64_t> block,
                          ArrayRef<int64_t> shape, Type expressedType) {
  if (!isa<Float16Type, BFloat16Type, Float32Type, Float64Type>(expressedType))
    return emitError() << "expressed type must be f16, bf16, f32 or f64, got "
                       << expressedType;
  if (ShapedType::isDynamicShape(shape))
    return emitError() << "compressed tensors must have a static shape";
  int64_t rank = shape.size();
  if (axis && *axis >= rank)
    return emitError() << "axis " << *axis << " is out of range for a rank-"
                       << rank << " tensor";
  if (!block.empty()) {
    if (static_cast<int64_t>(block.size()) != rank)
      return emitError() << "block has " << block.size()
                         << " sizes but the tensor has rank " << rank;
    for (auto [dim, size] : llvm::enumerate(block))
      if (shape[dim] % size != 0)
        return emitError() << "block size " << size << " does not divide "
                           << "dimension " << dim << " of size " << shape[dim];
  }
  return success();
}

/// Scales must be positive and finite.
/// Checks every element of a constant float part with `ok`; the message
/// says which part must be what ("scales must be positive and finite").
static LogicalResult
verifyFloatValues(Attribute value, function_ref<bool(const APFloat &)> ok,
                  StringRef requirement,
                  function_ref<InFlightDiagnostic()> emitError) {
  auto values = dyn_cast_or_null<DenseFPElementsAttr>(value);
  if (!values)
    return success();
  // A splat has one value to check, whatever its size.
  if (values.isSplat()) {
    APFloat v = values.getSplatValue<APFloat>();
    if (ok(v))
      return success();
    SmallString<16> str;
    v.toString(str);
    return emitError() << requirement << ", got " << str << " at index 0";
  }
  for (auto [i, v] : llvm::enumerate(values.getValues<APFloat>())) {
    if (ok(v))
      continue;
    SmallString<16> str;
    v.toString(str);
    return emitError() << requirement << ", got " << str << " at index " << i;
  }
  return success();
}

/// Scales must be positive and finite.
static LogicalResult
verifyScaleValues(Attribute value, function_ref<InFlightDiagnostic()> emitError) {
  return verifyFloatValues(
      value,
      [](const APFloat &s) {
        return s.isFinite() && !s.isNegative() && !s.isZero();
      },
      "scales must be positive and finite", emitError);
}

//===----------------------------------------------------------------------===//
// UniformEncodingAttr
//===----------------------------------------------------------------------===//

Attribute UniformEncodingAttr::parse(AsmParser &parser, Type) {
  EncodingSyntax syntax;
  bool zeroPoint = false, narrow = false;
  SMLoc loc = parser.getCurrentLocation();
  if (parseEncoding(parser, syntax,
                    {{"zero_point", &zeroPoint}, {"narrow", &narrow}}))
    return {};
  auto storage = dyn_cast<IntegerType>(syntax.storage);
  if (!storage) {
    parser.emitError(loc, "storage type must be an integer type, got ")
        << syntax.storage;
    return {};
  }
  return getChecked([&] { return parser.emitError(loc); },
                    parser.getContext(), storage, syntax.axis, syntax.block,
                    zeroPoint, narrow);
}

void UniformEncodingAttr::print(AsmPrinter &printer) const {
  printEncoding(printer, getStorage(), getAxis(), getBlock(),
                {{"zero_point", getZeroPoint()}, {"narrow", getNarrow()}});
}

LogicalResult
UniformEncodingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                            IntegerType storage, std::optional<int64_t> axis,
                            ArrayRef<int64_t> block, bool zeroPoint,
                            bool narrow) {
  if (storage.getWidth() < 1 || storage.getWidth() > 8)
    return emitError() << "unsupported storage type " << storage
                       << ": expected i1...i8 or ui1...ui8";
  if (narrow && storage.getWidth() == 1)
    return emitError() << "narrow range needs a storage type of at least 2 "
                          "bits";
  return verifyGranularity(emitError, axis, block);
}

int64_t UniformEncodingAttr::getQMin() const {
  unsigned width = getStorage().getWidth();
  int64_t qmin = isSigned() ? -(int64_t(1) << (width - 1)) : 0;
  return getNarrow() ? qmin + 1 : qmin;
}

int64_t UniformEncodingAttr::getQMax() const {
  unsigned width = getStorage().getWidth();
  return isSigned() ? (int64_t(1) << (width - 1)) - 1
                    : (int64_t(1) << width) - 1;
}

unsigned UniformEncodingAttr::getStorageBitWidth() const {
  return getStorage().getWidth();
}

LogicalResult UniformEncodingAttr::verifyForShape(
    ArrayRef<int64_t> shape, Type expressedType,
    function_ref<InFlightDiagnostic()> emitError) const {
  return verifyGranularityForShape(emitError, getAxis(), getBlock(), shape,
                                   expressedType);
}

void UniformEncodingAttr::getPartTypes(ArrayRef<int64_t> shape,
                                       Type expressedType,
                                       SmallVectorImpl<Type> &types) const {
  MLIRContext *ctx = getContext();
  types.push_back(RankedTensorType::get(
      shape, IntegerType::get(ctx, getStorage().getWidth())));
  SmallVector<int64_t> scaleShape = getScaleShape(shape, getAxis(), getBlock());
  types.push_back(RankedTensorType::get(scaleShape, expressedType));
  if (getZeroPoint())
    types.push_back(
        RankedTensorType::get(scaleShape, IntegerType::get(ctx, 32)));
}

StringRef UniformEncodingAttr::getPartName(unsigned index) const {
  static const char *names[] = {"payload", "scales", "zero_points"};
  return index < 3 ? names[index] : "";
}

LogicalResult UniformEncodingAttr::verifyPartValues(
    ArrayRef<Attribute> values,
    function_ref<InFlightDiagnostic()> emitError) const {
  if (values.size() > 1 && failed(verifyScaleValues(values[1], emitError)))
    return failure();
  auto zeroPoints =
      values.size() > 2 ? dyn_cast_or_null<DenseIntElementsAttr>(values[2])
                        : DenseIntElementsAttr();
  if (!zeroPoints)
    return success();
  for (auto [i, zp] : llvm::enumerate(zeroPoints.getValues<APInt>())) {
    int64_t v = zp.getSExtValue();
    if (v < getQMin() || v > getQMax())
      return emitError() << "zero point " << v << " at index " << i
                         << " is outside the storage range [" << getQMin()
                         << ", " << getQMax() << "]";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// FloatEncodingAttr
//===----------------------------------------------------------------------===//

Attribute FloatEncodingAttr::parse(AsmParser &parser, Type) {
  EncodingSyntax syntax;
  bool scaled = false;
  SMLoc loc = parser.getCurrentLocation();
  if (parseEncoding(parser, syntax, {{"scaled", &scaled}}))
    return {};
  auto storage = dyn_cast<FloatType>(syntax.storage);
  if (!storage) {
    parser.emitError(loc, "storage type must be a float type, got ")
        << syntax.storage;
    return {};
  }
  return getChecked([&] { return parser.emitError(loc); },
                    parser.getContext(), storage, syntax.axis, syntax.block,
                    scaled);
}

void FloatEncodingAttr::print(AsmPrinter &printer) const {
  printEncoding(printer, getStorage(), getAxis(), getBlock(),
                {{"scaled", getScaled()}});
}

LogicalResult
FloatEncodingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                          FloatType storage, std::optional<int64_t> axis,
                          ArrayRef<int64_t> block, bool scaled) {
  if (!isa<Float16Type, BFloat16Type, Float8E4M3FNType, Float8E5M2Type>(
          storage))
    return emitError() << "unsupported storage type " << storage
                       << ": expected f16, bf16, f8E4M3FN or f8E5M2";
  if (scaled && (axis || !block.empty()))
    return emitError() << "'scaled' is implied by 'axis' or 'block'";
  return verifyGranularity(emitError, axis, block);
}

unsigned FloatEncodingAttr::getStorageBitWidth() const {
  return getStorage().getWidth();
}

LogicalResult FloatEncodingAttr::verifyForShape(
    ArrayRef<int64_t> shape, Type expressedType,
    function_ref<InFlightDiagnostic()> emitError) const {
  return verifyGranularityForShape(emitError, getAxis(), getBlock(), shape,
                                   expressedType);
}

void FloatEncodingAttr::getPartTypes(ArrayRef<int64_t> shape,
                                     Type expressedType,
                                     SmallVectorImpl<Type> &types) const {
  types.push_back(RankedTensorType::get(shape, getStorage()));
  if (hasScales())
    types.push_back(RankedTensorType::get(
        getScaleShape(shape, getAxis(), getBlock()), expressedType));
}

StringRef FloatEncodingAttr::getPartName(unsigned index) const {
  static const char *names[] = {"payload", "scales"};
  return index < 2 ? names[index] : "";
}

LogicalResult FloatEncodingAttr::verifyPartValues(
    ArrayRef<Attribute> values,
    function_ref<InFlightDiagnostic()> emitError) const {
  if (values.size() > 1)
    return verifyScaleValues(values[1], emitError);
  return success();
}

//===----------------------------------------------------------------------===//
// CodebookEncodingAttr
//===----------------------------------------------------------------------===//

Attribute CodebookEncodingAttr::parse(AsmParser &parser, Type) {
  EncodingSyntax syntax;
  SMLoc loc = parser.getCurrentLocation();
  if (parseEncoding(parser, syntax, {}))
    return {};
  auto storage = dyn_cast<IntegerType>(syntax.storage);
  if (!storage) {
    parser.emitError(loc, "index type must be an integer type, got ")
        << syntax.storage;
    return {};
  }
  return getChecked([&] { return parser.emitError(loc); }, parser.getContext(),
                    storage, syntax.axis, syntax.block);
}

void CodebookEncodingAttr::print(AsmPrinter &printer) const {
  printEncoding(printer, getStorage(), getAxis(), getBlock(), {});
}

LogicalResult
CodebookEncodingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                             IntegerType storage, std::optional<int64_t> axis,
                             ArrayRef<int64_t> block) {
  if (storage.getWidth() < 1 || storage.getWidth() > 8)
    return emitError() << "unsupported index type " << storage
                       << ": expected i1...i8 or ui1...ui8";
  if (storage.isSigned())
    return emitError() << "codebook indices are unsigned: expected i"
                       << storage.getWidth() << " or ui" << storage.getWidth()
                       << ", got " << storage;
  return verifyGranularity(emitError, axis, block);
}

SmallVector<int64_t>
CodebookEncodingAttr::getTableShape(ArrayRef<int64_t> shape) const {
  SmallVector<int64_t> result = getScaleShape(shape, getAxis(), getBlock());
  result.push_back(getNumEntries());
  return result;
}

unsigned CodebookEncodingAttr::getStorageBitWidth() const {
  return getStorage().getWidth();
}

LogicalResult CodebookEncodingAttr::verifyForShape(
    ArrayRef<int64_t> shape, Type expressedType,
    function_ref<InFlightDiagnostic()> emitError) const {
  return verifyGranularityForShape(emitError, getAxis(), getBlock(), shape,
                                   expressedType);
}

void CodebookEncodingAttr::getPartTypes(ArrayRef<int64_t> shape,
                                        Type expressedType,
                                        SmallVectorImpl<Type> &types) const {
  types.push_back(RankedTensorType::get(
      shape, IntegerType::get(getContext(), getStorage().getWidth())));
  types.push_back(RankedTensorType::get(getTableShape(shape), expressedType));
}

StringRef CodebookEncodingAttr::getPartName(unsigned index) const {
  static const char *names[] = {"indices", "table"};
  return index < 2 ? names[index] : "";
}

/// Decoded values are table entries: an infinite or NaN entry is a bug in
/// whatever built the table.
LogicalResult CodebookEncodingAttr::verifyPartValues(
    ArrayRef<Attribute> values,
    function_ref<InFlightDiagnostic()> emitError) const {
  return verifyFloatValues(
      values.size() > 1 ? values[1] : Attribute(),
      [](const APFloat &v) { return v.isFinite(); },
      "table entries must be finite", emitError);
}

//===----------------------------------------------------------------------===//
// NMEncodingAttr
//===----------------------------------------------------------------------===//

/// `<` N `:` M `,` `axis` `=` A (`,` `values` `=` encoding)? `>`
Attribute NMEncodingAttr::parse(AsmParser &parser, Type) {
  SMLoc loc = parser.getCurrentLocation();
  int64_t n, m;
  if (parser.parseLess() || parser.parseInteger(n) || parser.parseColon() ||
      parser.parseInteger(m))
    return {};
  std::optional<int64_t> axis;
  EncodingAttrInterface values;
  llvm::StringSet<> seen;
  while (succeeded(parser.parseOptionalComma())) {
    StringRef key;
    SMLoc keyLoc = parser.getCurrentLocation();
    if (parser.parseKeyword(&key))
      return {};
    if (!seen.insert(key).second) {
      parser.emitError(keyLoc, "duplicate encoding parameter '") << key << "'";
      return {};
    }
    if (key == "axis") {
      if (parser.parseEqual() || parser.parseInteger(axis.emplace()))
        return {};
      continue;
    }
    if (key != "values") {
      parser.emitError(keyLoc, "unknown encoding parameter '") << key << "'";
      return {};
    }
    Attribute attr;
    SMLoc attrLoc;
    if (parser.parseEqual() ||
        (attrLoc = parser.getCurrentLocation(), parser.parseAttribute(attr)))
      return {};
    values = dyn_cast<EncodingAttrInterface>(attr);
    if (!values) {
      parser.emitError(attrLoc, "expected an mc encoding attribute for "
                                "'values', got ")
          << attr;
      return {};
    }
  }
  if (parser.parseGreater())
    return {};
  if (!axis) {
    parser.emitError(loc, "missing 'axis = A': the dimension along which "
                          "groups of M elements run");
    return {};
  }
  return getChecked([&] { return parser.emitError(loc); },
                    parser.getContext(), n, m, *axis, values);
}

void NMEncodingAttr::print(AsmPrinter &printer) const {
  printer << '<' << getN() << ':' << getM() << ", axis = " << getAxis();
  if (getValueEncoding()) {
    printer << ", values = ";
    printer.printAttribute(getValueEncoding());
  }
  printer << '>';
}

LogicalResult
NMEncodingAttr::verify(function_ref<InFlightDiagnostic()> emitError, int64_t n,
                       int64_t m, int64_t axis,
                       EncodingAttrInterface valueEncoding) {
  if (n < 1)
    return emitError() << "N must be at least 1, got " << n << ":" << m;
  if (n > m)
    return emitError() << "N must not exceed M, got " << n << ":" << m;
  if (m > 128)
    return emitError() << "M must be at most 128 (positions take at most 7 "
                          "bits), got "
                       << m;
  if (axis < 0)
    return emitError() << "axis must be non-negative, got " << axis;
  return success();
}

SmallVector<int64_t>
NMEncodingAttr::getKeptShape(ArrayRef<int64_t> shape) const {
  SmallVector<int64_t> kept(shape);
  if (getAxis() < static_cast<int64_t>(kept.size()))
    kept[getAxis()] = kept[getAxis()] / getM() * getN();
  return kept;
}

CompressedType NMEncodingAttr::getValueType(ArrayRef<int64_t> shape,
                                            Type expressedType) const {
  if (!getValueEncoding())
    return {};
  return CompressedType::get(getContext(), getKeptShape(shape), expressedType,
                             getValueEncoding());
}

unsigned NMEncodingAttr::getStorageBitWidth() const {
  // Part 0, the positions; the values' width is in their part type.
  return std::max(1u, llvm::Log2_64_Ceil(getM()));
}

LogicalResult NMEncodingAttr::verifyForShape(
    ArrayRef<int64_t> shape, Type expressedType,
    function_ref<InFlightDiagnostic()> emitError) const {
  // Plain kept values may be signless integers (the i8 weight of an integer
  // matmul); zeros are then integer zeros and decoding is still exact.
  if (!isa<Float16Type, BFloat16Type, Float32Type, Float64Type>(
          expressedType) &&
      !expressedType.isSignlessInteger())
    return emitError() << "expressed type must be f16, bf16, f32, f64 or a "
                          "signless integer, got "
                       << expressedType;
  if (expressedType.isSignlessInteger()) {
    if (getValueEncoding())
      return emitError() << "kept values with a 'values' encoding need a "
                            "float expressed type, got "
                         << expressedType;
    if (ShapedType::isDynamicShape(shape))
      return emitError() << "compressed tensors must have a static shape";
  } else if (failed(verifyGranularityForShape(emitError, std::nullopt, {},
                                              shape, expressedType))) {
    return failure();
  }
  int64_t rank = shape.size();
  if (getAxis() >= rank)
    return emitError() << "axis " << getAxis() << " is out of range for a rank-"
                       << rank << " tensor";
  if (shape[getAxis()] % getM() != 0)
    return emitError() << "M = " << getM() << " does not divide dimension "
                       << getAxis() << " of size " << shape[getAxis()];
  if (!getValueEncoding())
    return success();
  SmallVector<int64_t> kept = getKeptShape(shape);
  return getValueEncoding().verifyForShape(kept, expressedType, [&] {
    return std::move(emitError() << "kept values "
                                 << RankedTensorType::get(kept, expressedType)
                                 << ": ");
  });
}

void NMEncodingAttr::getPartTypes(ArrayRef<int64_t> shape, Type expressedType,
                                  SmallVectorImpl<Type> &types) const {
  SmallVector<int64_t> kept = getKeptShape(shape);
  types.push_back(RankedTensorType::get(
      kept, IntegerType::get(getContext(), getStorageBitWidth())));
  if (getValueEncoding())
    getValueEncoding().getPartTypes(kept, expressedType, types);
  else
    types.push_back(RankedTensorType::get(kept, expressedType));
}

StringRef NMEncodingAttr::getPartName(unsigned index) const {
  if (index == 0)
    return "indices";
  if (!getValueEncoding())
    return index == 1 ? "values" : "";
  StringRef inner = getValueEncoding().getPartName(index - 1);
  if (inner.empty())
    return "";
  // Interned in the context, so the reference stays valid.
  return StringAttr::get(getContext(), "values." + inner).getValue();
}

LogicalResult NMEncodingAttr::verifyPartValues(
    ArrayRef<Attribute> values,
    function_ref<InFlightDiagnostic()> emitError) const {
  auto indices = values.empty()
                     ? DenseIntElementsAttr()
                     : dyn_cast_or_null<DenseIntElementsAttr>(values[0]);
  if (indices && indices.getType().getRank() > getAxis()) {
    // Positions in [0, M), strictly increasing along `axis` in each group.
    ArrayRef<int64_t> kept = indices.getType().getShape();
    int64_t stride = 1;
    for (int64_t d = kept.size() - 1; d > getAxis(); --d)
      stride *= kept[d];
    SmallVector<int64_t> flat;
    for (APInt v : indices.getValues<APInt>())
      flat.push_back(v.getZExtValue()); // positions are unsigned
    for (auto [i, pos] : llvm::enumerate(flat)) {
      if (pos < 0 || pos >= getM())
        return emitError() << "indices must be in [0, " << getM() << "), got "
                           << pos << " at index " << i;
      int64_t along = (int64_t(i) / stride) % kept[getAxis()];
      if (along % getN() != 0 && flat[i - stride] >= pos)
        return emitError() << "indices must increase strictly within each "
                              "group of "
                           << getN() << ", got " << pos << " after "
                           << flat[i - stride] << " at index " << i;
    }
  }
  if (getValueEncoding() && values.size() > 1)
    return getValueEncoding().verifyPartValues(values.drop_front(), emitError);
  return success();
}

namespace mc {
/// Used by op verifiers to say what a part's shape is derived from.
std::string describeEncodingGranularity(EncodingAttrInterface encoding) {
  return TypeSwitch<Attribute, std::string>(encoding)
      .Case<UniformEncodingAttr, FloatEncodingAttr, CodebookEncodingAttr>(
          [](auto enc) {
            return describeGranularity(enc.getAxis(), enc.getBlock());
          })
      .Case([](NMEncodingAttr enc) {
        std::string s = std::to_string(enc.getN()) + ":" +
                        std::to_string(enc.getM()) + " along axis " +
                        std::to_string(enc.getAxis());
        if (enc.getValueEncoding())
          s += ", values " +
               describeEncodingGranularity(enc.getValueEncoding());
        return s;
      })
      .Default([](Attribute) { return std::string(); });
}
} // namespace mc

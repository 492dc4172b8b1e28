//===- Numerics.cpp - exact scalar numerics of mc encodings ---------------===//
//
// Each step mirrors one op of the reference lowering (LowerReference.cpp) in
// the same float semantics, so folded constants equal run-time results bit
// for bit.
//
//===----------------------------------------------------------------------===//

#include "mc/Dialect/MC/IR/Numerics.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mc;
using llvm::APFloat;

FloatType mc::getComputeType(Type expressedType) {
  MLIRContext *ctx = expressedType.getContext();
  if (isa<Float64Type>(expressedType))
    return Float64Type::get(ctx);
  return Float32Type::get(ctx);
}

static APFloat convert(APFloat value, const llvm::fltSemantics &semantics) {
  bool losesInfo;
  value.convert(semantics, APFloat::rmNearestTiesToEven, &losesInfo);
  return value;
}

int64_t mc::quantizeUniform(UniformEncodingAttr enc, const APFloat &x,
                            const APFloat &scale, int64_t zeroPoint) {
  const llvm::fltSemantics &sem = x.getSemantics();
  APFloat r = x;
  r.divide(scale, APFloat::rmNearestTiesToEven);
  r.roundToIntegral(APFloat::rmNearestTiesToEven);
  APFloat zp(sem);
  zp.convertFromAPInt(APInt(64, zeroPoint, /*isSigned=*/true),
                      /*IsSigned=*/true, APFloat::rmNearestTiesToEven);
  if (enc.getZeroPoint())
    r.add(zp, APFloat::rmNearestTiesToEven);
  if (r.isNaN())
    r = zp;
  APFloat lo(sem), hi(sem);
  lo.convertFromAPInt(APInt(64, enc.getQMin(), true), true,
                      APFloat::rmNearestTiesToEven);
  hi.convertFromAPInt(APInt(64, enc.getQMax(), true), true,
                      APFloat::rmNearestTiesToEven);
  r = llvm::minnum(llvm::maxnum(r, lo), hi);
  APSInt result(64, /*isUnsigned=*/false);
  bool isExact;
  r.convertToInteger(result, APFloat::rmTowardZero, &isExact);
  return result.getExtValue();
}

APFloat mc::quantizeFloat(FloatEncodingAttr enc, const APFloat &x,
                          const APFloat *scale) {
  APFloat t = x;
  if (scale)
    t.divide(*scale, APFloat::rmNearestTiesToEven);
  const llvm::fltSemantics &storage = enc.getStorage().getFloatSemantics();
  APFloat maxFinite = convert(APFloat::getLargest(storage), x.getSemantics());
  APFloat minFinite = maxFinite;
  minFinite.changeSign();
  // maximum/minimum propagate NaN, as arith.maximumf/minimumf do.
  t = llvm::minimum(llvm::maximum(t, minFinite), maxFinite);
  return convert(t, storage);
}

ScaleIndexer::ScaleIndexer(ArrayRef<int64_t> shape,
                           std::optional<int64_t> axis, ArrayRef<int64_t> block)
    : shape(shape), index(shape.size(), 0), divisor(shape.size(), 1),
      scaleStrides(shape.size(), 0) {
  SmallVector<int64_t> scaleShape = getScaleShape(shape, axis, block);
  if (axis) {
    scaleStrides[*axis] = 1;
    return;
  }
  if (block.empty())
    return;
  int64_t stride = 1;
  for (int64_t d = shape.size() - 1; d >= 0; --d) {
    divisor[d] = block[d];
    scaleStrides[d] = stride;
    stride *= scaleShape[d];
  }
}

int64_t ScaleIndexer::next() {
  int64_t result = 0;
  for (size_t d = 0; d < shape.size(); ++d)
    result += index[d] / divisor[d] * scaleStrides[d];
  for (int64_t d = shape.size() - 1; d >= 0; --d) {
    if (++index[d] < shape[d])
      break;
    index[d] = 0;
  }
  return result;
}

/// Reads all values of `attr` converted to `semantics`.
static SmallVector<APFloat> getFloats(DenseElementsAttr attr,
                                      const llvm::fltSemantics &semantics) {
  SmallVector<APFloat> result;
  for (APFloat v : attr.getValues<APFloat>())
    result.push_back(convert(v, semantics));
  return result;
}

/// The payload attribute from one storage integer per element.
static DenseElementsAttr getPayload(RankedTensorType type,
                                    ArrayRef<int32_t> values) {
  unsigned width = type.getElementTypeBitWidth();
  if (width == 1) { // i1 is bit-packed: go through APInt
    SmallVector<APInt> bits;
    for (int32_t v : values)
      bits.push_back(APInt(1, v & 1));
    return DenseElementsAttr::get(type, bits);
  }
  // Other widths up to 8 take one byte per element.
  std::vector<char> bytes(values.begin(), values.end());
  return DenseElementsAttr::getFromRawBuffer(type, bytes);
}

/// The nearest-entry index of each of `xs` in its own table (flattened
/// [scale index, entry]), in the compute type T.
template <typename T>
static std::vector<int32_t> encodeCodebook(CompressedType type,
                                           CodebookEncodingAttr enc,
                                           ArrayRef<T> xs, ArrayRef<T> tables) {
  int64_t size = enc.getNumEntries();
  ScaleIndexer indexer(type.getShape(), enc.getAxis(), enc.getBlock());
  std::vector<int32_t> result;
  result.reserve(xs.size());
  for (T x : xs)
    result.push_back(
        nearestEntry(tables.slice(indexer.next() * size, size), x));
  return result;
}

DenseElementsAttr mc::encodeValues(CompressedType type, ArrayRef<float> xs,
                                   ArrayRef<DenseElementsAttr> params) {
  auto payloadType = cast<RankedTensorType>(type.getPartTypes().front());
  const llvm::fltSemantics &sem = APFloat::IEEEsingle();
  // The scales, or a codebook's table.
  SmallVector<APFloat> scales =
      params.empty() ? SmallVector<APFloat>() : getFloats(params[0], sem);
  if (auto enc = dyn_cast<UniformEncodingAttr>(type.getEncoding())) {
    std::vector<float> fscales;
    for (const APFloat &s : scales)
      fscales.push_back(s.convertToFloat());
    std::vector<float> zps(fscales.size(), 0.0f);
    if (params.size() > 1)
      for (auto [i, zp] : llvm::enumerate(params[1].getValues<APInt>()))
        zps[i] = float(zp.getSExtValue());
    ScaleIndexer indexer(type.getShape(), enc.getAxis(), enc.getBlock());
    float qmin = enc.getQMin(), qmax = enc.getQMax();
    std::vector<int32_t> result;
    result.reserve(xs.size());
    for (float x : xs) {
      int64_t s = indexer.next();
      result.push_back(quantizeUniformF32(x, fscales[s], zps[s],
                                          enc.getZeroPoint(), qmin, qmax));
    }
    return getPayload(payloadType, result);
  }
  if (auto enc = dyn_cast<FloatEncodingAttr>(type.getEncoding())) {
    ScaleIndexer indexer(type.getShape(), enc.getAxis(), enc.getBlock());
    SmallVector<APFloat> result;
    result.reserve(xs.size());
    for (float x : xs) {
      int64_t s = indexer.next();
      result.push_back(quantizeFloat(enc, APFloat(x),
                                     scales.empty() ? nullptr : &scales[s]));
    }
    return DenseElementsAttr::get(payloadType, result);
  }
  if (auto enc = dyn_cast<CodebookEncodingAttr>(type.getEncoding())) {
    std::vector<float> table;
    table.reserve(scales.size());
    for (const APFloat &entry : scales)
      table.push_back(entry.convertToFloat());
    return getPayload(payloadType, encodeCodebook<float>(type, enc, xs, table));
  }
  return {};
}

DenseElementsAttr mc::encodeConstant(CompressedType type,
                                     DenseElementsAttr input,
                                     ArrayRef<DenseElementsAttr> params) {
  // f32 arithmetic: the values are exact in float.
  if (getComputeType(type.getExpressedType()).isF32()) {
    std::vector<float> xs;
    xs.reserve(input.getNumElements());
    for (APFloat v : getFloats(input, APFloat::IEEEsingle()))
      xs.push_back(v.convertToFloat());
    return encodeValues(type, xs, params);
  }
  auto payloadType = cast<RankedTensorType>(type.getPartTypes().front());
  const llvm::fltSemantics &sem = APFloat::IEEEdouble();
  SmallVector<APFloat> xs = getFloats(input, sem);
  SmallVector<APFloat> scales =
      params.empty() ? SmallVector<APFloat>() : getFloats(params[0], sem);
  if (auto enc = dyn_cast<UniformEncodingAttr>(type.getEncoding())) {
    SmallVector<int64_t> zps;
    if (params.size() > 1)
      for (APInt zp : params[1].getValues<APInt>())
        zps.push_back(zp.getSExtValue());
    ScaleIndexer indexer(type.getShape(), enc.getAxis(), enc.getBlock());
    std::vector<int32_t> result;
    result.reserve(xs.size());
    for (const APFloat &x : xs) {
      int64_t s = indexer.next();
      result.push_back(
          quantizeUniform(enc, x, scales[s], zps.empty() ? 0 : zps[s]));
    }
    return getPayload(payloadType, result);
  }
  if (auto enc = dyn_cast<FloatEncodingAttr>(type.getEncoding())) {
    ScaleIndexer indexer(type.getShape(), enc.getAxis(), enc.getBlock());
    SmallVector<APFloat> result;
    result.reserve(xs.size());
    for (const APFloat &x : xs) {
      int64_t s = indexer.next();
      result.push_back(
          quantizeFloat(enc, x, scales.empty() ? nullptr : &scales[s]));
    }
    return DenseElementsAttr::get(payloadType, result);
  }
  if (auto enc = dyn_cast<CodebookEncodingAttr>(type.getEncoding())) {
    std::vector<double> values, table;
    for (const APFloat &x : xs)
      values.push_back(x.convertToDouble());
    for (const APFloat &entry : scales)
      table.push_back(entry.convertToDouble());
    return getPayload(payloadType,
                      encodeCodebook<double>(type, enc, values, table));
  }
  return {};
}

/// Storage integers of a payload of width 2..8 (one byte per element in the
/// attribute, upper bits unspecified) or any other width through APInt.
static std::vector<int32_t> getStorageValues(DenseElementsAttr payload,
                                             bool isSigned) {
  unsigned width = payload.getElementType().getIntOrFloatBitWidth();
  std::vector<int32_t> result;
  result.reserve(payload.getNumElements());
  if (width < 2 || width > 8 || payload.isSplat()) {
    for (APInt q : payload.getValues<APInt>())
      result.push_back(isSigned ? q.getSExtValue() : q.getZExtValue());
    return result;
  }
  int32_t mask = (1 << width) - 1, sign = 1 << (width - 1);
  for (char byte : payload.getRawData()) {
    int32_t v = static_cast<unsigned char>(byte) & mask;
    result.push_back(isSigned && (v & sign) ? v - (1 << width) : v);
  }
  return result;
}

/// Calls `f(kept, dense)` for each kept element of an N:M tensor of `shape`
/// whose index names a position (flat indices, row-major).
static void forEachKept(NMEncodingAttr enc, ArrayRef<int64_t> shape,
                        DenseElementsAttr indicesAttr,
                        function_ref<void(int64_t, int64_t)> f) {
  SmallVector<int64_t> kept = enc.getKeptShape(shape);
  std::vector<int32_t> indices = getStorageValues(indicesAttr, false);
  int64_t axis = enc.getAxis(), rank = shape.size();
  int64_t inner = 1; // elements after the axis
  for (int64_t d = axis + 1; d < rank; ++d)
    inner *= shape[d];
  int64_t keptAxis = kept[axis], denseAxis = shape[axis];
  for (size_t i = 0; i < indices.size(); ++i) {
    int64_t outer = i / (keptAxis * inner), rest = i % (keptAxis * inner);
    int64_t along = rest / inner, in = rest % inner;
    int64_t group = along / enc.getN();
    int64_t position = group * enc.getM() + indices[i];
    if (indices[i] < 0 || indices[i] >= enc.getM())
      continue; // names no position: decodes to nothing, as the lowering
    f(i, (outer * denseAxis + position) * inner + in);
  }
}

/// N:M: decodes the kept values, then scatters each to position
/// group * M + index along the axis.
static std::vector<float> decodeNMConstant(CompressedType type,
                                           NMEncodingAttr enc,
                                           ArrayRef<DenseElementsAttr> parts) {
  std::vector<float> values;
  if (CompressedType valueType =
          enc.getValueType(type.getShape(), type.getExpressedType())) {
    values = decodeConstant(valueType, parts.drop_front());
  } else if (isa<IntegerType>(type.getExpressedType())) {
    for (APInt v : parts[1].getValues<APInt>())
      values.push_back(float(v.getSExtValue()));
  } else {
    for (APFloat v : getFloats(parts[1], APFloat::IEEEsingle()))
      values.push_back(v.convertToFloat());
  }
  if (values.empty())
    return {};
  std::vector<float> result(type.getDecodedType().getNumElements(), 0.0f);
  forEachKept(enc, type.getShape(), parts[0],
              [&](int64_t i, int64_t dense) { result[dense] = values[i]; });
  return result;
}

std::vector<float> mc::decodeConstant(CompressedType type,
                                      ArrayRef<DenseElementsAttr> parts) {
  if (auto enc = dyn_cast<NMEncodingAttr>(type.getEncoding()))
    return decodeNMConstant(type, enc, parts);
  const llvm::fltSemantics &sem =
      getComputeType(type.getExpressedType()).getFloatSemantics();
  const llvm::fltSemantics &expressed =
      cast<FloatType>(type.getExpressedType()).getFloatSemantics();
  bool f32 = &expressed == &APFloat::IEEEsingle();
  // Scales are part 1 of the scaled encodings (uniform, float).
  auto getScales = [&] {
    return parts.size() > 1 ? getFloats(parts[1], sem) : SmallVector<APFloat>();
  };
  std::vector<float> result;
  result.reserve(parts[0].getNumElements());
  // Rounded once to the expressed type, as the lowering does.
  auto finish = [&](APFloat v) {
    return convert(convert(v, expressed), APFloat::IEEEsingle())
        .convertToFloat();
  };
  if (auto enc = dyn_cast<UniformEncodingAttr>(type.getEncoding())) {
    SmallVector<APFloat> scales = getScales();
    std::vector<int32_t> zps(scales.size(), 0);
    if (parts.size() > 2)
      for (auto [i, zp] : llvm::enumerate(parts[2].getValues<APInt>()))
        zps[i] = zp.getSExtValue();
    ScaleIndexer indexer(type.getShape(), enc.getAxis(), enc.getBlock());
    std::vector<int32_t> qs = getStorageValues(parts[0], enc.isSigned());
    if (f32) {
      // (q - zp) in i32, converted exactly, times the scale: native f32.
      std::vector<float> fscales;
      for (const APFloat &s : scales)
        fscales.push_back(s.convertToFloat());
      for (int32_t q : qs) {
        int64_t s = indexer.next();
        result.push_back(float(q - zps[s]) * fscales[s]);
      }
      return result;
    }
    for (int32_t q : qs) {
      int64_t s = indexer.next();
      APFloat f(sem);
      f.convertFromAPInt(APInt(64, q - zps[s], true), true,
                         APFloat::rmNearestTiesToEven);
      f.multiply(scales[s], APFloat::rmNearestTiesToEven);
      result.push_back(finish(f));
    }
    return result;
  }
  if (auto enc = dyn_cast<CodebookEncodingAttr>(type.getEncoding())) {
    // A look-up: each entry rounded once to the expressed type (exact).
    std::vector<float> table;
    for (const APFloat &entry : getFloats(parts[1], sem))
      table.push_back(finish(entry));
    int64_t size = enc.getNumEntries();
    ScaleIndexer indexer(type.getShape(), enc.getAxis(), enc.getBlock());
    for (int32_t q : getStorageValues(parts[0], /*isSigned=*/false))
      result.push_back(table[indexer.next() * size + q]);
    return result;
  }
  if (auto enc = dyn_cast<FloatEncodingAttr>(type.getEncoding())) {
    SmallVector<APFloat> scales = getScales();
    ScaleIndexer indexer(type.getShape(), enc.getAxis(), enc.getBlock());
    for (APFloat q : parts[0].getValues<APFloat>()) {
      int64_t s = indexer.next();
      APFloat f = convert(q, sem);
      if (!scales.empty())
        f.multiply(scales[s], APFloat::rmNearestTiesToEven);
      result.push_back(finish(f));
    }
    return result;
  }
  return {};
}

DenseElementsAttr mc::decodeConstantAttr(CompressedType type,
                                         ArrayRef<DenseElementsAttr> parts) {
  RankedTensorType result = type.getDecodedType();
  auto enc = dyn_cast<NMEncodingAttr>(type.getEncoding());
  if (enc && !enc.getValueEncoding() &&
      isa<IntegerType>(type.getExpressedType())) {
    // Integer kept values are scattered as they are, whatever their width.
    SmallVector<APInt> values(parts[1].getValues<APInt>());
    SmallVector<APInt> dense(result.getNumElements(),
                             APInt::getZero(result.getElementTypeBitWidth()));
    forEachKept(enc, type.getShape(), parts[0],
                [&](int64_t i, int64_t d) { dense[d] = values[i]; });
    return DenseElementsAttr::get(result, dense);
  }
  auto elt = dyn_cast<FloatType>(result.getElementType());
  std::vector<float> values = decodeConstant(type, parts);
  if (values.empty() || !elt)
    return {};
  if (elt.isF32())
    return DenseElementsAttr::get(result, ArrayRef<float>(values));
  // Exact: the values were rounded to the expressed type.
  SmallVector<APFloat> floats;
  for (float v : values)
    floats.push_back(convert(APFloat(v), elt.getFloatSemantics()));
  return DenseElementsAttr::get(result, floats);
}

CompressedType mc::densifyNMUniform(CompressedType type,
                                    ArrayRef<DenseElementsAttr> parts,
                                    SmallVectorImpl<DenseElementsAttr> &dense) {
  auto nm = dyn_cast<NMEncodingAttr>(type.getEncoding());
  auto enc = nm ? dyn_cast_or_null<UniformEncodingAttr>(nm.getValueEncoding())
                : UniformEncodingAttr();
  // Payloads of 2..8 bits take a byte per element in attributes.
  if (!enc || enc.getStorage().getWidth() < 2)
    return {};
  // Scale groups must map to whole groups of M along the axis.
  int64_t axis = nm.getAxis();
  std::optional<int64_t> scaleAxis = enc.getAxis();
  SmallVector<int64_t> block(enc.getBlock());
  if (scaleAxis && *scaleAxis == axis)
    return {};
  if (!block.empty()) {
    if (block[axis] % nm.getN() != 0)
      return {};
    block[axis] = block[axis] / nm.getN() * nm.getM();
  }
  MLIRContext *ctx = type.getContext();
  auto denseEnc =
      UniformEncodingAttr::get(ctx, enc.getStorage(), scaleAxis, block,
                               enc.getZeroPoint(), enc.getNarrow());
  auto denseType = CompressedType::get(ctx, type.getShape(),
                                       type.getExpressedType(), denseEnc);
  // Dropped elements get their group's zero point: they decode to +0.
  // (Not where that is outside the storage range, e.g. narrow unsigned.)
  std::vector<char> bytes(type.getDecodedType().getNumElements(), 0);
  SmallVector<int64_t> zps;
  if (enc.getZeroPoint())
    for (APInt zp : parts[3].getValues<APInt>())
      zps.push_back(zp.getSExtValue());
  else
    zps.push_back(0);
  if (llvm::any_of(zps, [&](int64_t zp) {
        return zp < enc.getQMin() || zp > enc.getQMax();
      }))
    return {};
  if (enc.getZeroPoint()) {
    ScaleIndexer indexer(type.getShape(), scaleAxis, block);
    for (char &byte : bytes)
      byte = static_cast<char>(zps[indexer.next()]);
  }
  std::vector<int32_t> kept = getStorageValues(parts[1], enc.isSigned());
  forEachKept(nm, type.getShape(), parts[0], [&](int64_t i, int64_t d) {
    bytes[d] = static_cast<char>(kept[i]);
  });
  auto payloadType =
      RankedTensorType::get(type.getShape(), parts[1].getElementType());
  dense.assign({DenseElementsAttr::getFromRawBuffer(payloadType, bytes)});
  dense.append(parts.begin() + 2, parts.end());
  return denseType;
}

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

DenseElementsAttr mc::encodeConstant(CompressedType type,
                                     DenseElementsAttr input,
                                     ArrayRef<DenseElementsAttr> params) {
  auto payloadType = cast<RankedTensorType>(type.getPartTypes().front());
  const llvm::fltSemantics &sem =
      getComputeType(type.getExpressedType()).getFloatSemantics();
  // Splat attributes iterate as many values as they have elements.
  SmallVector<APFloat> xs = getFloats(input, sem);
  SmallVector<APFloat> scales =
      params.empty() ? SmallVector<APFloat>() : getFloats(params[0], sem);

  return TypeSwitch<Attribute, DenseElementsAttr>(type.getEncoding())
      .Case([&](UniformEncodingAttr enc) -> DenseElementsAttr {
        SmallVector<int64_t> zps;
        if (params.size() > 1)
          for (APInt zp : params[1].getValues<APInt>())
            zps.push_back(zp.getSExtValue());
        ScaleIndexer indexer(type.getShape(), enc.getAxis(), enc.getBlock());
        unsigned width = enc.getStorage().getWidth();
        SmallVector<APInt> result;
        result.reserve(xs.size());
        for (const APFloat &x : xs) {
          int64_t s = indexer.next();
          int64_t zp = zps.empty() ? 0 : zps[s];
          int64_t q = quantizeUniform(enc, x, scales[s], zp);
          result.push_back(APInt(width, q, /*isSigned=*/enc.isSigned(),
                                 /*implicitTrunc=*/true));
        }
        return DenseElementsAttr::get(payloadType, result);
      })
      .Case([&](FloatEncodingAttr enc) -> DenseElementsAttr {
        ScaleIndexer indexer(type.getShape(), enc.getAxis(), enc.getBlock());
        SmallVector<APFloat> result;
        result.reserve(xs.size());
        for (const APFloat &x : xs) {
          int64_t s = indexer.next();
          const APFloat *scale = scales.empty() ? nullptr : &scales[s];
          result.push_back(quantizeFloat(enc, x, scale));
        }
        return DenseElementsAttr::get(payloadType, result);
      })
      .Default([](Attribute) { return DenseElementsAttr(); });
}

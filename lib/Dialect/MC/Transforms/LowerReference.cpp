//===- LowerReference.cpp - mc ops to upstream with exact numerics --------===//
//
// Compressed values become their parts (1:N type conversion, also through
// function signatures); encode/decode/fake_quant become element-wise
// linalg.generic ops whose bodies are the scalar numerics of Numerics.h.
//
//===----------------------------------------------------------------------===//

#include "mc/Dialect/MC/IR/Numerics.h"
#include "mc/Dialect/MC/Transforms/Passes.h"

#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Transforms/DialectConversion.h"
#include "llvm/ADT/TypeSwitch.h"

namespace mc {
#define GEN_PASS_DEF_MCLOWERREFERENCE
#include "mc/Dialect/MC/Transforms/Passes.h.inc"
} // namespace mc

using namespace mlir;
using namespace mc;

//===----------------------------------------------------------------------===//
// Scalar numerics. Each function takes and returns scalars inside a
// linalg.generic body; `x` and `scale` are already in the compute type.
//===----------------------------------------------------------------------===//

static Value floatConst(OpBuilder &b, Location loc, FloatType type,
                        double value) {
  return arith::ConstantOp::create(b, loc, type, b.getFloatAttr(type, value));
}

/// Converts between float types, in whichever direction is needed.
static Value castFloat(OpBuilder &b, Location loc, Value value, Type to) {
  Type from = value.getType();
  if (from == to)
    return value;
  if (cast<FloatType>(from).getWidth() < cast<FloatType>(to).getWidth())
    return arith::ExtFOp::create(b, loc, to, value);
  return arith::TruncFOp::create(b, loc, to, value);
}

static bool isF8(Type type) {
  return isa<Float8E4M3FNType, Float8E5M2Type>(type);
}

/// Rounds `x` (f32 or f64, NaN or within the finite range of `to`) to the
/// 8-bit float type `to`, ties to even. LLVM has no 8-bit float instructions,
/// so this works on the bits: the reference IR must run on any backend.
static Value truncToF8(OpBuilder &b, Location loc, Value x, FloatType to) {
  auto from = cast<FloatType>(x.getType());
  unsigned width = from.getWidth();
  int64_t srcMantissa = from.getFPMantissaWidth() - 1;
  int64_t srcBias = 1 - APFloat::semanticsMinExponent(from.getFloatSemantics());
  const llvm::fltSemantics &sem = to.getFloatSemantics();
  int64_t mantissa = APFloat::semanticsPrecision(sem) - 1;
  int64_t bias = 1 - APFloat::semanticsMinExponent(sem);
  IntegerType intType = b.getIntegerType(width);
  auto cst = [&](int64_t v) -> Value {
    return arith::ConstantOp::create(b, loc, intType,
                                     b.getIntegerAttr(intType, v));
  };

  Value bits = arith::BitcastOp::create(b, loc, intType, x);
  Value sign = arith::ShRUIOp::create(b, loc, bits, cst(width - 1));
  Value abs = arith::AndIOp::create(
      b, loc, bits, cst(int64_t(llvm::maskTrailingOnes<uint64_t>(width - 1))));
  // Normal results: round the mantissa to nearest even on the bits (a carry
  // moves into the exponent), then rebias the exponent.
  int64_t shift = srcMantissa - mantissa;
  Value lsb = arith::AndIOp::create(
      b, loc, arith::ShRUIOp::create(b, loc, abs, cst(shift)), cst(1));
  Value rounded = arith::AddIOp::create(
      b, loc, abs,
      arith::AddIOp::create(b, loc, lsb, cst((int64_t(1) << (shift - 1)) - 1)));
  rounded = arith::ShRUIOp::create(b, loc, rounded, cst(shift));
  Value normal = arith::SubIOp::create(
      b, loc, rounded, cst((srcBias - bias) << mantissa));
  // Subnormal results: count units of the smallest subnormal (an exact
  // power-of-two scaling), rounded to nearest even.
  Value units = arith::MulFOp::create(
      b, loc, math::AbsFOp::create(b, loc, x),
      floatConst(b, loc, from, std::ldexp(1.0, bias - 1 + mantissa)));
  Value subnormal = arith::FPToSIOp::create(
      b, loc, intType, math::RoundEvenOp::create(b, loc, units));
  Value isSubnormal = arith::CmpIOp::create(
      b, loc, arith::CmpIPredicate::ult, abs,
      cst((srcBias + 1 - bias) << srcMantissa));
  Value magnitude =
      arith::SelectOp::create(b, loc, isSubnormal, subnormal, normal);
  // The quiet NaN APFloat produces: all-ones exponent, top mantissa bit.
  APInt nanBits = APFloat::getQNaN(sem).bitcastToAPInt();
  Value isNaN = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, x, x);
  magnitude = arith::SelectOp::create(b, loc, isNaN,
                                      cst(nanBits.getZExtValue()), magnitude);
  Value result = arith::OrIOp::create(
      b, loc, magnitude, arith::ShLIOp::create(b, loc, sign, cst(7)));
  result = arith::TruncIOp::create(b, loc, b.getI8Type(), result);
  return arith::BitcastOp::create(b, loc, to, result);
}

/// Widens an 8-bit float exactly through a 256-entry table of its values.
static Value extFromF8(OpBuilder &b, Location loc, Value q, FloatType to) {
  const llvm::fltSemantics &sem = cast<FloatType>(q.getType()).getFloatSemantics();
  SmallVector<APFloat> table;
  for (unsigned i = 0; i < 256; ++i) {
    APFloat v(sem, APInt(8, i));
    bool losesInfo;
    v.convert(to.getFloatSemantics(), APFloat::rmNearestTiesToEven,
              &losesInfo);
    table.push_back(v);
  }
  auto tableType = RankedTensorType::get({256}, to);
  Value values = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(tableType, table));
  Value bits = arith::BitcastOp::create(b, loc, b.getI8Type(), q);
  Value index = arith::IndexCastUIOp::create(
      b, loc, b.getIndexType(),
      arith::ExtUIOp::create(b, loc, b.getI32Type(), bits));
  return tensor::ExtractOp::create(b, loc, values, index);
}

/// q = clamp(isnan(r) ? zp : r, qmin, qmax), r = roundeven(x / s) + zp.
static Value quantizeUniform(OpBuilder &b, Location loc,
                             UniformEncodingAttr enc, Value x, Value scale,
                             Value zeroPoint) {
  auto computeType = cast<FloatType>(x.getType());
  Value r = arith::DivFOp::create(b, loc, x, scale);
  r = math::RoundEvenOp::create(b, loc, r);
  Value zp = floatConst(b, loc, computeType, 0.0);
  if (zeroPoint) {
    zp = arith::SIToFPOp::create(b, loc, computeType, zeroPoint);
    r = arith::AddFOp::create(b, loc, r, zp);
  }
  Value isNaN =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, r, r);
  r = arith::SelectOp::create(b, loc, isNaN, zp, r);
  r = arith::MaxNumFOp::create(
      b, loc, r, floatConst(b, loc, computeType, enc.getQMin()));
  r = arith::MinNumFOp::create(
      b, loc, r, floatConst(b, loc, computeType, enc.getQMax()));
  // Exact: r is an integer in [qmin, qmax] here.
  Value q = arith::FPToSIOp::create(b, loc, b.getI32Type(), r);
  return arith::TruncIOp::create(
      b, loc, b.getIntegerType(enc.getStorage().getWidth()), q);
}

/// value = (q - zp) * s, the subtraction exact in i32.
static Value dequantizeUniform(OpBuilder &b, Location loc,
                               UniformEncodingAttr enc, Value q, Value scale,
                               Value zeroPoint) {
  Type i32 = b.getI32Type();
  if (enc.isSigned())
    q = arith::ExtSIOp::create(b, loc, i32, q);
  else
    q = arith::ExtUIOp::create(b, loc, i32, q);
  if (zeroPoint)
    q = arith::SubIOp::create(b, loc, q, zeroPoint);
  Value f = arith::SIToFPOp::create(b, loc, scale.getType(), q);
  return arith::MulFOp::create(b, loc, f, scale);
}

/// q = (storage) clamp(x / s, -max, max); maximumf/minimumf keep NaN.
static Value quantizeFloat(OpBuilder &b, Location loc, FloatEncodingAttr enc,
                           Value x, Value scale) {
  auto computeType = cast<FloatType>(x.getType());
  if (scale)
    x = arith::DivFOp::create(b, loc, x, scale);
  double max =
      APFloat::getLargest(enc.getStorage().getFloatSemantics())
          .convertToDouble();
  x = arith::MaximumFOp::create(b, loc, x,
                                floatConst(b, loc, computeType, -max));
  x = arith::MinimumFOp::create(b, loc, x,
                                floatConst(b, loc, computeType, max));
  if (isF8(enc.getStorage()))
    return truncToF8(b, loc, x, enc.getStorage());
  return castFloat(b, loc, x, enc.getStorage());
}

static Value dequantizeFloat(OpBuilder &b, Location loc, Value q, Value scale,
                             FloatType computeType) {
  Value x = isF8(q.getType()) ? extFromF8(b, loc, q, computeType)
                              : castFloat(b, loc, q, computeType);
  if (scale)
    x = arith::MulFOp::create(b, loc, x, scale);
  return x;
}

//===----------------------------------------------------------------------===//
// Element-wise linalg.generic construction.
//===----------------------------------------------------------------------===//

/// The coordinates of a data element's scale: () per tensor, (d_axis) per
/// axis, (d_i floordiv block_i) per block.
static SmallVector<AffineExpr> getScaleExprs(MLIRContext *ctx,
                                             std::optional<int64_t> axis,
                                             ArrayRef<int64_t> block) {
  if (axis)
    return {getAffineDimExpr(*axis, ctx)};
  SmallVector<AffineExpr> exprs;
  for (auto [dim, size] : llvm::enumerate(block))
    exprs.push_back(getAffineDimExpr(dim, ctx).floorDiv(size));
  return exprs;
}

static AffineMap getScaleMap(MLIRContext *ctx, int64_t rank,
                             std::optional<int64_t> axis,
                             ArrayRef<int64_t> block) {
  return AffineMap::get(rank, 0, getScaleExprs(ctx, axis, block), ctx);
}

static AffineMap getScaleMap(CompressedType type) {
  MLIRContext *ctx = type.getContext();
  int64_t rank = type.getShape().size();
  return TypeSwitch<Attribute, AffineMap>(type.getEncoding())
      .Case<UniformEncodingAttr, FloatEncodingAttr>([&](auto enc) {
        return getScaleMap(ctx, rank, enc.getAxis(), enc.getBlock());
      });
}

using ScalarBody = function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// An element-wise linalg.generic over `data` (identity map) and the
/// per-scale `params` producing a tensor of `shape` x `elementType`.
static Value buildElementwise(OpBuilder &b, Location loc, CompressedType type,
                              Value data, ValueRange params, Type elementType,
                              ScalarBody body) {
  MLIRContext *ctx = b.getContext();
  int64_t rank = type.getShape().size();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap scaleMap = getScaleMap(type);
  SmallVector<AffineMap> maps{identity};
  maps.append(params.size(), scaleMap);
  maps.push_back(identity);
  SmallVector<Value> inputs{data};
  llvm::append_range(inputs, params);
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(), elementType);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), inputs, init, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc, body(nb, nloc, args.drop_back()));
      });
  return generic.getResult(0);
}

/// Scalar operands of a body: (data, scale, zero point); missing ones null.
/// The scale is widened to the compute type.
struct ScalarOperands {
  Value data, scale, zeroPoint;
};
static ScalarOperands unpack(OpBuilder &b, Location loc, ValueRange args,
                             FloatType computeType) {
  ScalarOperands ops;
  ops.data = args[0];
  if (args.size() > 1)
    ops.scale = castFloat(b, loc, args[1], computeType);
  if (args.size() > 2)
    ops.zeroPoint = args[2];
  return ops;
}

/// Codebook encode: a generic with one more loop, a reduction over the
/// table entries, keeps the smallest (key, j) pair per element, so the first
/// of equally near entries wins in any reduction order. The key is
/// codebookKey (Numerics.h): |x - t_j| in the compute type, -t_j for
/// x = +inf, t_j for x = -inf; NaN keys never win, leaving index 0.
static Value buildEncodeCodebook(OpBuilder &b, Location loc,
                                 CompressedType type, CodebookEncodingAttr enc,
                                 Value input, Value table) {
  MLIRContext *ctx = b.getContext();
  ArrayRef<int64_t> shape = type.getShape();
  int64_t rank = shape.size();
  FloatType computeType = getComputeType(type.getExpressedType());
  auto indexType =
      cast<RankedTensorType>(type.getPartTypes().front()).getElementType();
  SmallVector<AffineExpr> tableExprs =
      getScaleExprs(ctx, enc.getAxis(), enc.getBlock());
  tableExprs.push_back(getAffineDimExpr(rank, ctx));
  AffineMap element =
      AffineMap::getMultiDimIdentityMap(rank + 1, ctx).getMajorSubMap(rank);
  SmallVector<AffineMap> maps{
      element, AffineMap::get(rank + 1, 0, tableExprs, ctx), element, element};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);

  auto fill = [&](Type elementType, TypedAttr value) {
    Value init = tensor::EmptyOp::create(b, loc, shape, elementType);
    Value cst = arith::ConstantOp::create(b, loc, value);
    return linalg::FillOp::create(b, loc, cst, init).getResult(0);
  };
  Value bestDistance = fill(
      computeType,
      b.getFloatAttr(computeType, std::numeric_limits<double>::infinity()));
  Value bestIndex = fill(indexType, b.getIntegerAttr(indexType, 0));
  double inf = std::numeric_limits<double>::infinity();
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{bestDistance.getType(), bestIndex.getType()},
      ValueRange{input, table}, ValueRange{bestDistance, bestIndex}, maps,
      iterators, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value x = castFloat(nb, nloc, args[0], computeType);
        Value entry = castFloat(nb, nloc, args[1], computeType);
        Value distance = math::AbsFOp::create(
            nb, nloc, arith::SubFOp::create(nb, nloc, x, entry));
        Value isInf =
            arith::CmpFOp::create(nb, nloc, arith::CmpFPredicate::OEQ,
                                  math::AbsFOp::create(nb, nloc, x),
                                  floatConst(nb, nloc, computeType, inf));
        Value isPositive =
            arith::CmpFOp::create(nb, nloc, arith::CmpFPredicate::OGT, x,
                                  floatConst(nb, nloc, computeType, 0.0));
        Value saturated = arith::SelectOp::create(
            nb, nloc, isPositive, arith::NegFOp::create(nb, nloc, entry),
            entry);
        distance =
            arith::SelectOp::create(nb, nloc, isInf, saturated, distance);
        Value j = arith::IndexCastUIOp::create(
            nb, nloc, indexType, linalg::IndexOp::create(nb, nloc, rank));
        Value closer = arith::CmpFOp::create(
            nb, nloc, arith::CmpFPredicate::OLT, distance, args[2]);
        Value tie = arith::AndIOp::create(
            nb, nloc,
            arith::CmpFOp::create(nb, nloc, arith::CmpFPredicate::OEQ, distance,
                                  args[2]),
            arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::ult, j,
                                  args[3]));
        Value take = arith::OrIOp::create(nb, nloc, closer, tie);
        linalg::YieldOp::create(
            nb, nloc,
            ValueRange{
                arith::SelectOp::create(nb, nloc, take, distance, args[2]),
                arith::SelectOp::create(nb, nloc, take, j, args[3])});
      });
  return generic.getResult(1);
}

/// Encodes `input` (expressed type) into the payload of `type`.
static Value buildEncode(OpBuilder &b, Location loc, CompressedType type,
                         Value input, ValueRange params) {
  if (auto enc = dyn_cast<CodebookEncodingAttr>(type.getEncoding()))
    return buildEncodeCodebook(b, loc, type, enc, input, params.front());
  FloatType computeType = getComputeType(type.getExpressedType());
  Type payloadElement =
      cast<RankedTensorType>(type.getPartTypes().front()).getElementType();
  return buildElementwise(
      b, loc, type, input, params, payloadElement,
      [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        ScalarOperands s = unpack(nb, nloc, args, computeType);
        Value x = castFloat(nb, nloc, s.data, computeType);
        if (auto enc = dyn_cast<UniformEncodingAttr>(type.getEncoding()))
          return quantizeUniform(nb, nloc, enc, x, s.scale, s.zeroPoint);
        return quantizeFloat(nb, nloc,
                             cast<FloatEncodingAttr>(type.getEncoding()), x,
                             s.scale);
      });
}

/// Decodes a scalar payload value; returns it in the expressed type.
static Value decodeScalar(OpBuilder &b, Location loc, CompressedType type,
                          ScalarOperands s) {
  FloatType computeType = getComputeType(type.getExpressedType());
  Value x;
  if (auto enc = dyn_cast<UniformEncodingAttr>(type.getEncoding()))
    x = dequantizeUniform(b, loc, enc, s.data, s.scale, s.zeroPoint);
  else
    x = dequantizeFloat(b, loc, s.data, s.scale, computeType);
  return castFloat(b, loc, x, type.getExpressedType());
}

static Value buildDecode(OpBuilder &b, Location loc, CompressedType type,
                         ValueRange parts);

/// N:M decode as a scatter: a generic over the dense tensor reads the N
/// (index, value) pairs of each element's group, maps (.., (d_axis floordiv
/// M) * N + j, ..), and selects the value whose index equals the element's
/// position `d_axis mod M` (the first such j), else +0.
static Value buildDecodeNM(OpBuilder &b, Location loc, CompressedType type,
                           NMEncodingAttr enc, ValueRange parts) {
  MLIRContext *ctx = b.getContext();
  ArrayRef<int64_t> shape = type.getShape();
  Type expressed = type.getExpressedType();
  Value indices = parts.front();
  Value values = parts[1];
  if (CompressedType valueType = enc.getValueType(shape, expressed))
    values = buildDecode(b, loc, valueType, parts.drop_front());

  int64_t rank = shape.size(), axis = enc.getAxis(), n = enc.getN(),
          m = enc.getM();
  SmallVector<AffineMap> maps;
  SmallVector<Value> inputs;
  for (int64_t j = 0; j < n; ++j) {
    SmallVector<AffineExpr> exprs;
    for (int64_t d = 0; d < rank; ++d)
      exprs.push_back(getAffineDimExpr(d, ctx));
    exprs[axis] = exprs[axis].floorDiv(m) * n + j;
    AffineMap map = AffineMap::get(rank, 0, exprs, ctx);
    maps.append({map, map});
    inputs.append({indices, values});
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, ctx));
  Value init = tensor::EmptyOp::create(b, loc, shape, expressed);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), inputs, init, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Type i32 = nb.getI32Type();
        Value pos = arith::RemUIOp::create(
            nb, nloc, linalg::IndexOp::create(nb, nloc, axis),
            arith::ConstantIndexOp::create(nb, nloc, m));
        pos = arith::IndexCastUIOp::create(nb, nloc, i32, pos);
        // +0, or 0 for integer kept values.
        Value result = arith::ConstantOp::create(
            nb, nloc, expressed, cast<TypedAttr>(nb.getZeroAttr(expressed)));
        for (int64_t j = n - 1; j >= 0; --j) {
          Value index = arith::ExtUIOp::create(nb, nloc, i32, args[2 * j]);
          Value match = arith::CmpIOp::create(
              nb, nloc, arith::CmpIPredicate::eq, index, pos);
          result = arith::SelectOp::create(nb, nloc, match, args[2 * j + 1],
                                           result);
        }
        linalg::YieldOp::create(nb, nloc, result);
      });
  return generic.getResult(0);
}

/// Codebook decode as a gather: a generic over the indices extracts
/// table[scale coordinates of the element, index] from the table (captured
/// from above, like the 8-bit float table).
static Value buildDecodeCodebook(OpBuilder &b, Location loc,
                                 CompressedType type, CodebookEncodingAttr enc,
                                 Value indices, Value table) {
  ArrayRef<int64_t> shape = type.getShape();
  int64_t rank = shape.size();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, b.getContext());
  Value init = tensor::EmptyOp::create(b, loc, shape, type.getExpressedType());
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), indices, init,
      ArrayRef<AffineMap>{identity, identity}, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        SmallVector<Value> coords;
        auto dim = [&](int64_t d) -> Value {
          return linalg::IndexOp::create(nb, nloc, d);
        };
        if (enc.getAxis())
          coords.push_back(dim(*enc.getAxis()));
        for (auto [d, size] : llvm::enumerate(enc.getBlock()))
          coords.push_back(
              size == 1 ? dim(d)
                        : arith::DivUIOp::create(
                              nb, nloc, dim(d),
                              arith::ConstantIndexOp::create(nb, nloc, size)));
        coords.push_back(
            arith::IndexCastUIOp::create(nb, nloc, nb.getIndexType(), args[0]));
        linalg::YieldOp::create(
            nb, nloc,
            tensor::ExtractOp::create(nb, nloc, table, coords).getResult());
      });
  return generic.getResult(0);
}

static Value buildDecode(OpBuilder &b, Location loc, CompressedType type,
                         ValueRange parts) {
  if (auto enc = dyn_cast<NMEncodingAttr>(type.getEncoding()))
    return buildDecodeNM(b, loc, type, enc, parts);
  if (auto enc = dyn_cast<CodebookEncodingAttr>(type.getEncoding()))
    return buildDecodeCodebook(b, loc, type, enc, parts[0], parts[1]);
  FloatType computeType = getComputeType(type.getExpressedType());
  return buildElementwise(
      b, loc, type, parts.front(), parts.drop_front(), type.getExpressedType(),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        return decodeScalar(nb, nloc, type,
                            unpack(nb, nloc, args, computeType));
      });
}

//===----------------------------------------------------------------------===//
// Conversion patterns.
//===----------------------------------------------------------------------===//

namespace {
static SmallVector<Value> flatten(ArrayRef<ValueRange> ranges) {
  SmallVector<Value> result;
  for (ValueRange range : ranges)
    llvm::append_range(result, range);
  return result;
}

struct AssembleLowering : OpConversionPattern<AssembleOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AssembleOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOpWithMultiple(op, {flatten(adaptor.getOperands())});
    return success();
  }
};

struct DisassembleLowering : OpConversionPattern<DisassembleOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(DisassembleOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, adaptor.getInput());
    return success();
  }
};

struct DecodeLowering : OpConversionPattern<DecodeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(DecodeOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, buildDecode(rewriter, op.getLoc(),
                                       op.getInput().getType(),
                                       adaptor.getInput()));
    return success();
  }
};

struct EncodeLowering : OpConversionPattern<EncodeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(EncodeOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    SmallVector<Value> params = flatten(adaptor.getParams());
    SmallVector<Value> parts{buildEncode(rewriter, op.getLoc(), op.getType(),
                                         op.getInput(), params)};
    llvm::append_range(parts, params);
    rewriter.replaceOpWithMultiple(op, {parts});
    return success();
  }
};

struct FakeQuantLowering : OpConversionPattern<FakeQuantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(FakeQuantOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    CompressedType type = op.getCompressedType();
    if (isa<CodebookEncodingAttr>(type.getEncoding())) {
      // Two generics: the encode has a reduction over the table.
      SmallVector<Value> parts{buildEncode(rewriter, op.getLoc(), type,
                                           adaptor.getInput(),
                                           adaptor.getParams())};
      llvm::append_range(parts, adaptor.getParams());
      rewriter.replaceOp(op, buildDecode(rewriter, op.getLoc(), type, parts));
      return success();
    }
    FloatType computeType = getComputeType(type.getExpressedType());
    Value result = buildElementwise(
        rewriter, op.getLoc(), type, adaptor.getInput(), adaptor.getParams(),
        type.getExpressedType(),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          ScalarOperands s = unpack(b, loc, args, computeType);
          Value x = castFloat(b, loc, s.data, computeType);
          if (auto enc = dyn_cast<UniformEncodingAttr>(type.getEncoding()))
            s.data = quantizeUniform(b, loc, enc, x, s.scale, s.zeroPoint);
          else
            s.data = quantizeFloat(
                b, loc, cast<FloatEncodingAttr>(type.getEncoding()), x,
                s.scale);
          return decodeScalar(b, loc, type, s);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct MCLowerReference
    : public mc::impl::MCLowerReferenceBase<MCLowerReference> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    TypeConverter converter;
    converter.addConversion([](Type type) { return type; });
    converter.addConversion(
        [](CompressedType type, SmallVectorImpl<Type> &results) {
          llvm::append_range(results, type.getPartTypes());
          return success();
        });

    ConversionTarget target(*ctx);
    target.addIllegalDialect<MCDialect>();
    // Vector-level; --mc-lower-dot4 lowers them after bufferization.
    target
        .addLegalOp<Dot4Op, Dot2Op, ByteShuffleOp, TableLookupOp, PermuteOp>();
    target.markUnknownOpDynamicallyLegal([&](Operation *op) {
      // Functions of other dialects (llvm.func) have builtin types only
      // through their operations, checked one by one.
      if (auto func = dyn_cast<FunctionOpInterface>(op))
        if (auto type = dyn_cast<FunctionType>(func.getFunctionType()))
          return converter.isSignatureLegal(type);
      return converter.isLegal(op);
    });

    RewritePatternSet patterns(ctx);
    patterns.add<AssembleLowering, DisassembleLowering, DecodeLowering,
                 EncodeLowering, FakeQuantLowering>(converter, ctx);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns,
                                                                   converter);
    populateCallOpTypeConversionPattern(patterns, converter);
    populateReturnOpTypeConversionPattern(patterns, converter);
    populateBranchOpInterfaceTypeConversionPattern(patterns, converter);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

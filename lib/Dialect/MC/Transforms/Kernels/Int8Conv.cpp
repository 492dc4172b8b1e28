//===- Int8Conv.cpp - i8 convolutions as im2col + the GEMM kernel ---------===//
//
// A 2-D convolution with a constant filter is the matmul
//   out[(n, oh, ow), f] = sum_{(kh, kw, c)} patch[(n, oh, ow), (kh, kw, c)]
//                                           * filter[(kh, kw, c), f]
// where patch gathers the input window of each output pixel (im2col). The
// filter becomes the K x N weight at compile time (reordered for NCHW/FCHW),
// the patches a linalg.generic copy at run time, and the matmul is left for
// the i8 GEMM kernels. NCHW results are transposed back from pixel-major.
// An element-wise consumer (a requantization) moves in front of that
// reshape and transpose, where the kernel fuses it as its epilogue.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;

namespace {
/// What differs between the NHWC/HWCF and NCHW/FCHW convolutions.
struct ConvLayout {
  bool channelsLast;
  int64_t batch, channels, height, width, filters, kh, kw, oh, ow;
  int64_t strides[2], dilations[2];
};
} // namespace

template <typename ConvOp>
static std::optional<ConvLayout> getLayout(ConvOp conv, bool channelsLast) {
  auto in = cast<RankedTensorType>(conv.getInputs()[0].getType());
  auto filter = cast<RankedTensorType>(conv.getInputs()[1].getType());
  auto out = cast<RankedTensorType>(conv.getOutputs()[0].getType());
  if (!in.hasStaticShape() || !filter.hasStaticShape() ||
      !out.hasStaticShape() || !in.getElementType().isInteger(8) ||
      !filter.getElementType().isInteger(8) ||
      !out.getElementType().isInteger(32))
    return std::nullopt;
  ConvLayout l;
  l.channelsLast = channelsLast;
  ArrayRef<int64_t> x = in.getShape(), w = filter.getShape(),
                    y = out.getShape();
  l.batch = x[0];
  if (channelsLast) {
    // NHWC input, HWCF filter, NHWF output.
    l.height = x[1], l.width = x[2], l.channels = x[3];
    l.kh = w[0], l.kw = w[1], l.filters = w[3];
    l.oh = y[1], l.ow = y[2];
  } else {
    // NCHW input, FCHW filter, NFHW output.
    l.channels = x[1], l.height = x[2], l.width = x[3];
    l.filters = w[0], l.kh = w[2], l.kw = w[3];
    l.oh = y[2], l.ow = y[3];
  }
  for (int i = 0; i < 2; ++i) {
    l.strides[i] = conv.getStrides().template getValues<int64_t>()[i];
    l.dilations[i] = conv.getDilations().template getValues<int64_t>()[i];
  }
  return l;
}

/// The filter as the K x F weight, K ordered (kh, kw, c) for channels-last
/// and (c, kh, kw) otherwise, matching the patch columns.
static std::optional<DenseElementsAttr> getWeight(Value filter,
                                                  const ConvLayout &l) {
  // A constant, or one expanded to the filter's shape (an N:M filter that
  // mc-quantize left as a matrix, folded to a constant by now).
  auto expand = filter.getDefiningOp<tensor::ExpandShapeOp>();
  DenseIntElementsAttr attr;
  if (!matchPattern(expand ? expand.getSrc() : filter, m_Constant(&attr)))
    return std::nullopt;
  int64_t k = l.kh * l.kw * l.channels;
  auto type = RankedTensorType::get({k, l.filters},
                                    IntegerType::get(filter.getContext(), 8));
  if (l.channelsLast)
    return attr.reshape(type);
  SmallVector<int8_t> values(attr.getNumElements());
  int64_t i = 0;
  // FCHW: element (f, c, y, x) goes to row (c, y, x), column f.
  for (const APInt &v : attr.getValues<APInt>()) {
    int64_t f = i / k, row = i % k;
    values[row * l.filters + f] = static_cast<int8_t>(v.getSExtValue());
    ++i;
  }
  return DenseElementsAttr::get(type, ArrayRef<int8_t>(values));
}

/// `value` with its dimensions permuted: dimension i of the result is
/// dimension `perm[i]` of `value` (a copy).
static Value transpose(OpBuilder &b, Location loc, Value value,
                       ArrayRef<int64_t> perm) {
  auto type = cast<RankedTensorType>(value.getType());
  Value init = tensor::EmptyOp::create(
      b, loc, applyPermutation(type.getShape(), perm), type.getElementType());
  return linalg::TransposeOp::create(b, loc, value, init, perm).getResult()[0];
}

/// `value` (N x OH x OW x F for channels-last, else N x F x OH x OW) as
/// the pixels x F matrix of the GEMM.
static Value toPixelMajor(OpBuilder &b, Location loc, Value value,
                          const ConvLayout &l) {
  if (!l.channelsLast)
    value = transpose(b, loc, value, {0, 2, 3, 1});
  return tensor::CollapseShapeOp::create(
      b, loc, value, ArrayRef<ReassociationIndices>{{0, 1, 2}, {3}});
}

/// toPixelMajor of an output's initial value, which only needs a copy if
/// it is read (`used`) and not a fill (kept, so the kernel starts from
/// registers).
static Value toPixelMajorInit(OpBuilder &b, Location loc, Value init,
                              const ConvLayout &l, bool used) {
  auto fill = init.getDefiningOp<linalg::FillOp>();
  if (used && !fill && !init.getDefiningOp<tensor::EmptyOp>())
    return toPixelMajor(b, loc, init, l);
  Value empty = tensor::EmptyOp::create(
      b, loc, ArrayRef<int64_t>{l.batch * l.oh * l.ow, l.filters},
      getElementTypeOrSelf(init.getType()));
  if (!used || !fill)
    return empty;
  return linalg::FillOp::create(b, loc, fill.getInputs()[0], empty)
      .getResult(0);
}

/// The inverse of toPixelMajor.
static Value fromPixelMajor(OpBuilder &b, Location loc, Value value,
                            const ConvLayout &l) {
  Type element = cast<RankedTensorType>(value.getType()).getElementType();
  Value result = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get({l.batch, l.oh, l.ow, l.filters}, element),
      value, ArrayRef<ReassociationIndices>{{0, 1, 2}, {3}});
  return l.channelsLast ? result : transpose(b, loc, result, {0, 3, 1, 2});
}

/// If the convolution's only user is an element-wise `linalg.generic` over
/// the output's 4 dimensions (e.g. the requantization of a statically
/// quantized model) whose other inputs are indexed like the output, by the
/// channel or by nothing, the same generic over the pixels x F matrix
/// `acc`, for the GEMM kernel to fuse as its epilogue: a consumer cannot be
/// fused through the reshape (and, for NCHW, the transpose) back to the
/// convolution's layout, so they go after it instead.
static LogicalResult fuseConsumer(RewriterBase &b, Operation *conv, Value acc,
                                  const ConvLayout &l) {
  Value result = conv->getResult(0);
  if (!result.hasOneUse())
    return failure();
  auto consumer = dyn_cast<linalg::GenericOp>(*result.user_begin());
  // (The result as the consumer's init, updated in place, stays as it is.)
  if (!consumer || !llvm::is_contained(consumer.getDpsInputs(), result) ||
      consumer.getNumDpsInits() != 1 || consumer.getNumLoops() != 4 ||
      consumer.getNumParallelLoops() != 4 ||
      !consumer.hasPureTensorSemantics() ||
      !consumer.getMatchingIndexingMap(consumer.getDpsInitOperand(0))
           .isIdentity())
    return failure();
  MLIRContext *ctx = b.getContext();
  AffineExpr channel = getAffineDimExpr(l.channelsLast ? 3 : 1, ctx);
  AffineMap identity = AffineMap::getMultiDimIdentityMap(2, ctx),
            perChannel = AffineMap::get(2, 0, getAffineDimExpr(1, ctx)),
            scalar = AffineMap::get(2, 0, ctx);
  // Inputs with their maps over (pixel, channel); identity-indexed ones are
  // converted once the match has succeeded.
  SmallVector<AffineMap> maps;
  SmallVector<Value> inputs;
  for (OpOperand *in : consumer.getDpsInputOperands()) {
    AffineMap map = consumer.getMatchingIndexingMap(in);
    if (map.isIdentity())
      maps.push_back(identity);
    else if (map.getNumResults() == 1 && map.getResult(0) == channel)
      maps.push_back(perChannel);
    else if (map.getNumResults() == 0)
      maps.push_back(scalar);
    else
      return failure();
    inputs.push_back(in->get());
  }
  maps.push_back(identity);

  Location loc = consumer.getLoc();
  b.setInsertionPoint(consumer);
  for (auto [input, map] : llvm::zip(inputs, maps))
    if (input == result)
      input = acc;
    else if (map == identity)
      input = toPixelMajor(b, loc, input, l);
  Value init = toPixelMajorInit(b, loc, consumer.getDpsInits()[0], l,
                                !consumer.getRegionOutputArgs()[0].use_empty());
  auto flat = linalg::GenericOp::create(
      b, loc, init.getType(), inputs, init, maps,
      SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel));
  b.inlineRegionBefore(consumer.getRegion(), flat.getRegion(),
                       flat.getRegion().end());
  b.replaceOp(consumer, fromPixelMajor(b, loc, flat.getResult(0), l));
  b.eraseOp(conv);
  return success();
}

template <typename ConvOp>
static LogicalResult rewrite(RewriterBase &b, ConvOp conv, bool channelsLast) {
  if (!conv.hasPureTensorSemantics())
    return failure();
  std::optional<ConvLayout> layout = getLayout(conv, channelsLast);
  if (!layout)
    return failure();
  const ConvLayout &l = *layout;
  std::optional<DenseElementsAttr> weight =
      getWeight(conv.getInputs()[1], l);
  if (!weight)
    return failure();

  Location loc = conv.getLoc();
  MLIRContext *ctx = b.getContext();
  b.setInsertionPoint(conv);
  int64_t pixels = l.batch * l.oh * l.ow, k = l.kh * l.kw * l.channels;

  // patch[n, oh, ow, a, b, c] (channels-last: a, b, c = kh, kw, c; else
  // c, kh, kw) as one copy over the 6-D space, collapsed to pixels x K.
  AffineExpr n = getAffineDimExpr(0, ctx), y = getAffineDimExpr(1, ctx),
             x = getAffineDimExpr(2, ctx);
  AffineExpr d3 = getAffineDimExpr(3, ctx), d4 = getAffineDimExpr(4, ctx),
             d5 = getAffineDimExpr(5, ctx);
  SmallVector<int64_t> patchShape;
  AffineMap inputMap;
  if (channelsLast) {
    patchShape = {l.batch, l.oh, l.ow, l.kh, l.kw, l.channels};
    inputMap = AffineMap::get(
        6, 0,
        {n, y * l.strides[0] + d3 * l.dilations[0],
         x * l.strides[1] + d4 * l.dilations[1], d5},
        ctx);
  } else {
    patchShape = {l.batch, l.oh, l.ow, l.channels, l.kh, l.kw};
    inputMap = AffineMap::get(
        6, 0,
        {n, d3, y * l.strides[0] + d4 * l.dilations[0],
         x * l.strides[1] + d5 * l.dilations[1]},
        ctx);
  }
  auto i8 = b.getI8Type();
  Value patchInit = tensor::EmptyOp::create(b, loc, patchShape, i8);
  auto patch = linalg::GenericOp::create(
      b, loc, patchInit.getType(), conv.getInputs()[0], patchInit,
      ArrayRef<AffineMap>{inputMap, b.getMultiDimIdentityMap(6)},
      SmallVector<utils::IteratorType>(6, utils::IteratorType::parallel),
      [](OpBuilder &nb, Location nl, ValueRange args) {
        linalg::YieldOp::create(nb, nl, args[0]);
      });
  Value patches = tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get({pixels, k}, i8), patch.getResult(0),
      ArrayRef<ReassociationIndices>{{0, 1, 2}, {3, 4, 5}});

  // The accumulator: the conv's init as pixels x F.
  Value acc = toPixelMajorInit(b, loc, conv.getOutputs()[0], l, /*used=*/true);

  Value filter = arith::ConstantOp::create(b, loc, *weight);
  auto matmul = linalg::MatmulOp::create(b, loc, ValueRange{patches, filter},
                                         ValueRange{acc});
  if (failed(fuseConsumer(b, conv, matmul.getResult(0), l)))
    b.replaceOp(conv, fromPixelMajor(b, loc, matmul.getResult(0), l));
  // The matmul kernels take it from here (--mc-cpu-kernels rewrites the
  // matmuls after the convolutions): the 2:4 one for a filter pruned 2:4
  // along K, else the dense GEMM, with the consumer as their epilogue.
  return success();
}

LogicalResult mc::kernels::rewriteInt8Conv(RewriterBase &rewriter,
                                           Operation *op) {
  if (auto conv = dyn_cast<linalg::Conv2DNhwcHwcfOp>(op))
    return rewrite(rewriter, conv, /*channelsLast=*/true);
  if (auto conv = dyn_cast<linalg::Conv2DNchwFchwOp>(op))
    return rewrite(rewriter, conv, /*channelsLast=*/false);
  return failure();
}

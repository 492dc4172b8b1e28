//===- Factorize.cpp - low-rank factorization of weights by SVD -----------===//
//
// A layer y = init + x·W with W (K x N: reduction x output channels) becomes
//   t = 0 + x·U      (a clone of the layer with U as weight, r channels)
//   y = init + t·V   (a contraction over the r channels)
// where U (K x r) and V (r x N) come from the truncated SVD of W, computed in
// double precision with Eigen. sqrt(sigma) goes to both sides, so U and V
// have the same scale, which suits quantizing them afterwards. Batched
// weights get one SVD per batch matrix and a common rank (the largest any
// batch needs), so every batch matrix meets the rank rule.
//
//===----------------------------------------------------------------------===//

#include "mc/Dialect/MC/Transforms/Passes.h"
#include "mc/Dialect/MC/Transforms/Weights.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/Format.h"

#include <Eigen/Dense>

#include <cmath>

namespace mc {
#define GEN_PASS_DEF_MCFACTORIZE
#include "mc/Dialect/MC/Transforms/Passes.h.inc"
} // namespace mc

using namespace mlir;
using namespace mc;

namespace {
/// How the rank is chosen.
enum class RankRule { Fixed, Energy, MaxRelError };

/// The form of the second op, t·V.
enum class Form {
  Matmul,         // matmul(t, V[r,N])
  MatmulLhs,      // matmul(V^T[N,r], t): the weight was the left operand
  Vecmat,         // vecmat(t, V[r,N])
  BatchMatmul,    // batch_matmul(t, V[B,r,N])
  BatchMatmulLhs, // batch_matmul(V^T[B,N,r], t)
  ConvNhwc,       // 1x1 conv_2d_nhwc_hwcf(t, V[1,1,r,N])
  ConvNchw,       // 1x1 conv_2d_nchw_fchw(t, V^T[N,r,1,1])
  Generic,        // linalg.generic contracting the channel dim with V
};

/// Where the layer's weight dims appear in its output.
struct Shape {
  int64_t channelPos;            // output dim of the channel
  SmallVector<int64_t> batchPos; // output dims of the batch dims
  Form form;
};

/// The truncated factors of one layer, row-major [batch, K, r], [batch, r, N],
/// already rounded to the weight's element type.
struct Factors {
  int64_t rank;
  std::vector<double> u, v;
};
} // namespace

/// Finds where the weight's channel and batch dims go in the output and picks
/// the form of the second op; fails with the reason.
static FailureOr<Shape> analyze(const Layer &layer, std::string &why) {
  linalg::LinalgOp op = layer.op;
  if (op.getNumDpsInits() != 1 || op.getNumDpsInputs() != 2) {
    why = "it has more than one output or not two inputs";
    return failure();
  }
  OpOperand *init = op.getDpsInitOperand(0);
  auto outType = dyn_cast<RankedTensorType>(init->get().getType());
  if (!outType || !isa<FloatType>(outType.getElementType())) {
    why = "its output is not a float tensor";
    return failure();
  }
  OpOperand &weight = op->getOpOperand(layer.operandIndex);
  OpOperand *other = op.getDpsInputOperand(layer.operandIndex == 0 ? 1 : 0);
  AffineMap wMap = op.getMatchingIndexingMap(&weight);
  AffineMap outMap = op.getMatchingIndexingMap(init);
  auto loopOf = [&](int64_t operandDim) {
    return cast<AffineDimExpr>(wMap.getResult(operandDim)).getPosition();
  };
  auto outPos = [&](unsigned loop) -> int64_t {
    for (auto [i, e] : llvm::enumerate(outMap.getResults()))
      if (cast<AffineDimExpr>(e).getPosition() == loop)
        return i;
    return -1;
  };

  Shape shape;
  unsigned channel = loopOf(layer.reassociation[layer.nDim()].front());
  // Depthwise: the channel indexes the input too, so it cannot shrink to r.
  for (AffineExpr e : op.getMatchingIndexingMap(other).getResults())
    if (e.isFunctionOfDim(channel)) {
      why = "its output channel also indexes the input (depthwise)";
      return failure();
    }
  shape.channelPos = outPos(channel);
  for (int64_t i = 0; i < layer.numBatch; ++i)
    shape.batchPos.push_back(outPos(loopOf(i)));
  if (shape.channelPos < 0 || llvm::is_contained(shape.batchPos, -1)) {
    why = "a weight dimension does not index the output";
    return failure();
  }

  int64_t rank = outType.getRank(), c = shape.channelPos;
  bool conv = linalg::isaConvolutionOpInterface(op);
  shape.form = Form::Generic;
  if (layer.numBatch == 0 && !conv) {
    if (rank == 1)
      shape.form = Form::Vecmat;
    else if (rank == 2)
      shape.form = c == 1 ? Form::Matmul : Form::MatmulLhs;
  } else if (layer.numBatch == 1 && shape.batchPos[0] == 0 && rank == 3 &&
             !conv) {
    shape.form = c == 2 ? Form::BatchMatmul : Form::BatchMatmulLhs;
  } else if (layer.numBatch == 0 && conv && rank == 4 && (c == 1 || c == 3)) {
    shape.form = c == 3 ? Form::ConvNhwc : Form::ConvNchw;
  }
  return shape;
}

/// `x` rounded to `type`, as a double.
static double roundTo(FloatType type, double x) {
  APFloat f(x);
  bool losesInfo;
  f.convert(type.getFloatSemantics(), APFloat::rmNearestTiesToEven, &losesInfo);
  return f.convertToDouble();
}

/// A constant of `type` holding `values` (row-major).
static Value createConstant(OpBuilder &b, Location loc, RankedTensorType type,
                            ArrayRef<double> values) {
  auto elementType = cast<FloatType>(type.getElementType());
  SmallVector<APFloat> floats;
  floats.reserve(values.size());
  for (double v : values) {
    APFloat f(v);
    bool losesInfo;
    f.convert(elementType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
              &losesInfo);
    floats.push_back(f);
  }
  return arith::ConstantOp::create(b, loc, type,
                                   DenseElementsAttr::get(type, floats));
}

/// `m` ([batch, rows, cols], row-major) with each batch matrix transposed.
static std::vector<double> transposed(ArrayRef<double> m, int64_t batch,
                                      int64_t rows, int64_t cols) {
  std::vector<double> t(m.size());
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j)
        t[(b * cols + j) * rows + i] = m[(b * rows + i) * cols + j];
  return t;
}

/// The smallest rank in [1, p] that `rule` accepts for singular values `s`.
static int64_t chooseRank(const Eigen::VectorXd &s, RankRule rule,
                          int64_t fixed, double energy, double maxRelError) {
  int64_t p = s.size();
  if (rule == RankRule::Fixed)
    return std::min(fixed, p);
  // tail[r] = sum of s_i^2 for i >= r, summed from the small end; the kept
  // energy is summed in the same order as its total, so energy=1 stops where
  // the remaining singular values are zero.
  std::vector<double> tail(p + 1, 0.0);
  for (int64_t i = p - 1; i >= 0; --i)
    tail[i] = tail[i + 1] + s[i] * s[i];
  double total = 0;
  for (int64_t i = 0; i < p; ++i)
    total += s[i] * s[i];
  double kept = 0;
  for (int64_t r = 1; r <= p; ++r) {
    kept += s[r - 1] * s[r - 1];
    if (rule == RankRule::Energy
            ? kept >= energy * total
            : std::sqrt(tail[r]) <= maxRelError * std::sqrt(tail[0]))
      return r;
  }
  return p;
}

/// `x` printed with printf's %g (or with `spec`).
static std::string fmt(double x, const char *spec = "%g") {
  std::string s;
  llvm::raw_string_ostream(s) << llvm::format(spec, x);
  return s;
}


namespace {
struct MCFactorizePass : public mc::impl::MCFactorizeBase<MCFactorizePass> {
  using Base::Base;

  LogicalResult checkOptions();
  /// The factors of `layer` at the rank the rule asks for, or failure with a
  /// remark when the layer is left alone.
  FailureOr<Factors> factorize(const Layer &layer);
  void rewrite(const Layer &layer, const Shape &shape, const Factors &f);
  void runOnOperation() override;

  RankRule rule = RankRule::Fixed;
};
} // namespace

LogicalResult MCFactorizePass::checkOptions() {
  // At the module's location, without dumping the module as a note.
  auto error = [&](const Twine &msg) {
    return mlir::emitError(getOperation().getLoc(), "--mc-factorize: ") << msg;
  };
  SmallVector<StringRef> given;
  if (rank.hasValue())
    given.push_back("rank");
  if (energy.hasValue())
    given.push_back("energy");
  if (maxRelError.hasValue())
    given.push_back("max-rel-error");
  if (given.size() != 1)
    return error("give exactly one of 'rank', 'energy' and "
                 "'max-rel-error', got ")
           << (given.empty() ? std::string("none") : llvm::join(given, ", "));
  if (rank.hasValue() && rank < 1)
    return error("rank must be at least 1, got ") << int64_t(rank);
  if (energy.hasValue() && !(energy > 0 && energy <= 1))
    return error("energy must be in (0, 1], got ") << fmt(energy);
  if (maxRelError.hasValue() && !(maxRelError >= 0))
    return error("max-rel-error must be non-negative, got ")
           << fmt(maxRelError);
  if (!(minSavings >= 0 && minSavings < 1))
    return error("min-savings must be in [0, 1), got ") << fmt(minSavings);
  rule = rank.hasValue()     ? RankRule::Fixed
         : energy.hasValue() ? RankRule::Energy
                             : RankRule::MaxRelError;
  return success();
}

FailureOr<Factors> MCFactorizePass::factorize(const Layer &layer) {
  Operation *op = layer.op;
  int64_t numBatch = 1, K = layer.K, N = layer.N, p = std::min(K, N);
  for (int64_t i = 0; i < layer.numBatch; ++i)
    numBatch *= layer.matrixShape[i];
  if (!llvm::all_of(layer.values, [](float v) { return std::isfinite(v); })) {
    op->emitRemark("mc: layer '")
        << layer.name << "' not factorized: its weight is not finite";
    return failure();
  }

  std::vector<Eigen::BDCSVD<Eigen::MatrixXd>> svds;
  int64_t r = 1;
  for (int64_t b = 0; b < numBatch; ++b) {
    Eigen::MatrixXd w(K, N);
    for (int64_t k = 0; k < K; ++k)
      for (int64_t n = 0; n < N; ++n)
        w(k, n) = layer.values[layer.index(b, k, n)];
    svds.emplace_back(w, Eigen::ComputeThinU | Eigen::ComputeThinV);
    r = std::max(r, chooseRank(svds.back().singularValues(), rule, rank, energy,
                               maxRelError));
  }

  // Parameters (and FLOPs: both ops run at the output's resolution) scale as
  // r * (K + N) against K * N.
  double dense = double(K) * N, factored = double(r) * (K + N);
  if (factored >= dense || factored > (1 - minSavings) * dense) {
    op->emitRemark("mc: layer '")
        << layer.name << "' not factorized: at rank " << r << " (of " << p
        << ") the factors have " << int64_t(factored)
        << " parameters per matrix against " << K * N << " dense (saving "
        << fmt(100 * (1 - factored / dense), "%.1f") << "%, min-savings "
        << fmt(minSavings) << ")";
    return failure();
  }

  auto type = cast<FloatType>(layer.weightType.getElementType());
  Factors f{r, std::vector<double>(numBatch * K * r),
            std::vector<double>(numBatch * r * N)};
  for (int64_t b = 0; b < numBatch; ++b) {
    const auto &svd = svds[b];
    const Eigen::VectorXd &s = svd.singularValues();
    const Eigen::MatrixXd &u = svd.matrixU(), &v = svd.matrixV();
    for (int64_t j = 0; j < r; ++j) {
      double root = std::sqrt(s[j]);
      for (int64_t k = 0; k < K; ++k)
        f.u[(b * K + k) * r + j] = roundTo(type, u(k, j) * root);
      for (int64_t n = 0; n < N; ++n)
        f.v[(b * r + j) * N + n] = roundTo(type, root * v(n, j));
    }
  }
  return f;
}

void MCFactorizePass::rewrite(const Layer &layer, const Shape &shape,
                              const Factors &f) {
  linalg::LinalgOp op = layer.op;
  MLIRContext *ctx = op->getContext();
  Location loc = op->getLoc();
  OpBuilder b(op);
  int64_t r = f.rank, K = layer.K, N = layer.N;
  int64_t numBatch = f.u.size() / (K * r);
  Value init = op.getDpsInitOperand(0)->get();
  auto outType = cast<RankedTensorType>(init.getType());
  Type outElement = outType.getElementType();

  // t = 0 + x·U: the layer itself with r output channels.
  SmallVector<int64_t> uShape(layer.weightType.getShape());
  uShape[layer.reassociation[layer.nDim()].front()] = r;
  Value u = createConstant(
      b, loc, RankedTensorType::get(uShape, layer.weightType.getElementType()),
      layer.channelsFirst ? transposed(f.u, numBatch, K, r) : f.u);
  SmallVector<OpFoldResult> tSizes = tensor::getMixedSizes(b, loc, init);
  tSizes[shape.channelPos] = b.getIndexAttr(r);
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(outElement));
  Value tInit = tensor::EmptyOp::create(b, loc, tSizes, outElement);
  tInit = linalg::FillOp::create(b, loc, zero, tInit).getResult(0);
  SmallVector<Value> operands(op->getOperands());
  operands[layer.operandIndex] = u;
  operands[op.getDpsInitOperand(0)->getOperandNumber()] = tInit;
  Operation *first = mlir::clone(b, op, {tInit.getType()}, operands);
  Value t = first->getResult(0);

  // y = init + t·V, a named op where one fits.
  Type wElement = layer.weightType.getElementType();
  auto vType = [&](ArrayRef<int64_t> s) {
    return RankedTensorType::get(s, wElement);
  };
  auto vt = [&] { return transposed(f.v, numBatch, r, N); };
  Operation *second;
  TypeRange results(outType);
  switch (shape.form) {
  case Form::Matmul:
    second = linalg::MatmulOp::create(
        b, loc, results,
        ValueRange{t, createConstant(b, loc, vType({r, N}), f.v)}, init);
    break;
  case Form::MatmulLhs:
    second = linalg::MatmulOp::create(
        b, loc, results,
        ValueRange{createConstant(b, loc, vType({N, r}), vt()), t}, init);
    break;
  case Form::Vecmat:
    second = linalg::VecmatOp::create(
        b, loc, results,
        ValueRange{t, createConstant(b, loc, vType({r, N}), f.v)}, init);
    break;
  case Form::BatchMatmul:
    second = linalg::BatchMatmulOp::create(
        b, loc, results,
        ValueRange{t, createConstant(b, loc, vType({numBatch, r, N}), f.v)},
        init);
    break;
  case Form::BatchMatmulLhs:
    second = linalg::BatchMatmulOp::create(
        b, loc, results,
        ValueRange{createConstant(b, loc, vType({numBatch, N, r}), vt()), t},
        init);
    break;
  case Form::ConvNhwc:
    second = linalg::Conv2DNhwcHwcfOp::create(
        b, loc, results,
        ValueRange{t, createConstant(b, loc, vType({1, 1, r, N}), f.v)}, init);
    break;
  case Form::ConvNchw:
    second = linalg::Conv2DNchwFchwOp::create(
        b, loc, results,
        ValueRange{t, createConstant(b, loc, vType({N, r, 1, 1}), vt())}, init);
    break;
  case Form::Generic: {
    // out[.., n, ..] += t[.., j, ..] * V[batch.., j, n] over a new loop j.
    int64_t rank = outType.getRank();
    SmallVector<int64_t> vShape;
    SmallVector<AffineExpr> tExprs, vExprs, outExprs;
    AffineExpr j = getAffineDimExpr(rank, ctx);
    for (int64_t i = 0; i < rank; ++i) {
      outExprs.push_back(getAffineDimExpr(i, ctx));
      tExprs.push_back(i == shape.channelPos ? j : outExprs.back());
    }
    for (auto [i, pos] : llvm::enumerate(shape.batchPos)) {
      vExprs.push_back(getAffineDimExpr(pos, ctx));
      vShape.push_back(layer.matrixShape[i]);
    }
    vExprs.append({j, getAffineDimExpr(shape.channelPos, ctx)});
    vShape.append({r, N});
    SmallVector<AffineMap> maps = {AffineMap::get(rank + 1, 0, tExprs, ctx),
                                   AffineMap::get(rank + 1, 0, vExprs, ctx),
                                   AffineMap::get(rank + 1, 0, outExprs, ctx)};
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    iterators.push_back(utils::IteratorType::reduction);
    second = linalg::GenericOp::create(
        b, loc, results,
        ValueRange{t, createConstant(b, loc, vType(vShape), f.v)}, init, maps,
        iterators, [&](OpBuilder &nb, Location l, ValueRange args) {
          Value x = convertScalarToDtype(nb, l, args[0], outElement, false);
          Value w = convertScalarToDtype(nb, l, args[1], outElement, false);
          Value prod = arith::MulFOp::create(nb, l, x, w);
          linalg::YieldOp::create(
              nb, l, arith::AddFOp::create(nb, l, args[2], prod).getResult());
        });
    break;
  }
  }

  // Names, rank and compression bookkeeping (the original's other
  // attributes, e.g. conv strides, do not apply to the second op). The .u op
  // carries the whole layer's record (dense baseline, ||W||^2, ||W - UV||^2);
  // the .v op gets a zero baseline so sums over ops stay the dense totals.
  Builder attrs(ctx);
  first->setAttr("mc.layer", attrs.getStringAttr(layer.name + ".u"));
  second->setAttr("mc.layer", attrs.getStringAttr(layer.name + ".v"));
  for (Operation *newOp : {first, second})
    newOp->setAttr("mc.rank", attrs.getI64IntegerAttr(r));
  std::vector<float> product(layer.values.size());
  for (int64_t bt = 0; bt < numBatch; ++bt)
    for (int64_t k = 0; k < K; ++k)
      for (int64_t n = 0; n < N; ++n) {
        double sum = 0;
        for (int64_t jj = 0; jj < r; ++jj)
          sum += f.u[(bt * K + k) * r + jj] * f.v[(bt * r + jj) * N + n];
        product[layer.index(bt, k, n)] = sum;
      }
  recordCompression(layer, product, first);
  NamedAttrList record(first->getAttrOfType<DictionaryAttr>("mc.compression"));
  record.set("rank", attrs.getI64IntegerAttr(r));
  first->setAttr("mc.compression", record.getDictionary(ctx));
  second->setAttr(
      "mc.compression",
      attrs.getDictionaryAttr(
          {attrs.getNamedAttr("dense_params", attrs.getI64IntegerAttr(0)),
           attrs.getNamedAttr("dense_bytes", attrs.getI64IntegerAttr(0)),
           attrs.getNamedAttr("dense_flops", attrs.getI64IntegerAttr(0)),
           attrs.getNamedAttr("signal", attrs.getF64FloatAttr(0)),
           attrs.getNamedAttr("noise", attrs.getF64FloatAttr(0)),
           attrs.getNamedAttr("rank", attrs.getI64IntegerAttr(r))}));

  Value oldWeight = op->getOperand(layer.operandIndex);
  op->replaceAllUsesWith(second);
  op->erase();
  eraseDeadProducers(oldWeight);
}

void MCFactorizePass::runOnOperation() {
  if (failed(checkOptions()))
    return signalPassFailure();
  FailureOr<std::vector<Layer>> found = collectLayers(
      getOperation(), LayerFilter{layers, minParams, /*allowCompressed=*/false,
                                  /*lazy=*/true});
  if (failed(found))
    return signalPassFailure();
  for (Layer &layer : *found) {
    loadValues(layer);
    llvm::scope_exit release([&] { releaseValues(layer); });
    std::string why;
    FailureOr<Shape> shape = analyze(layer, why);
    if (failed(shape)) {
      layer.op->emitRemark("mc: layer '")
          << layer.name << "' not factorized: " << why;
      continue;
    }
    FailureOr<Factors> factors = factorize(layer);
    if (succeeded(factors))
      rewrite(layer, *shape, *factors);
  }
}

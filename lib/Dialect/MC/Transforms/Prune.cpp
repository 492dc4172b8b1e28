//===- Prune.cpp - magnitude pruning of layer weights ---------------------===//
//
// --mc-prune: unstructured (per layer or global), N:M along the reduction
// dimension (as #mc.nm), and output-channel pruning that shrinks the layer,
// the element-wise ops after it and the input dimension of the next layers.
// Every choice is deterministic: ties go to the lower index.
//
//===----------------------------------------------------------------------===//

#include "mc/Dialect/MC/Transforms/Passes.h"
#include "mc/Dialect/MC/Transforms/Weights.h"

#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Regex.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace mc {
#define GEN_PASS_DEF_MCPRUNE
#include "mc/Dialect/MC/Transforms/Passes.h.inc"
} // namespace mc

using namespace mlir;
using namespace mc;

//===----------------------------------------------------------------------===//
// Shared helpers
//===----------------------------------------------------------------------===//

/// How many of `count` items a fraction `sparsity` removes: the largest k with
/// k / count <= sparsity, the division rounded to double. This is
/// floor(sparsity * count) on the decimal the user wrote (0.29 of 100 is 29,
/// where the double product 28.999999999999996 would floor to 28).
static int64_t countToPrune(double sparsity, int64_t count) {
  if (count <= 0)
    return 0;
  int64_t k = std::clamp<int64_t>(std::floor(sparsity * count), 0, count);
  while (k < count && double(k + 1) / double(count) <= sparsity)
    ++k;
  while (k > 0 && double(k) / double(count) > sparsity)
    --k;
  return k;
}

/// The pruning magnitude: NaN ranks as the largest, so it is never pruned.
static double magnitude(double w) {
  return std::isnan(w) ? INFINITY : std::fabs(w);
}

/// Element types whose values survive the float round trip of the layer API:
/// f16, bf16, f32, and signless integers of at most 16 bits (already
/// quantized weights; pruned in place, their type kept).
static bool isSupportedWeightType(Type type) {
  return isa<Float16Type, BFloat16Type, Float32Type>(type) ||
         (type.isSignlessInteger() && type.getIntOrFloatBitWidth() <= 16);
}

/// Replaces the layer's weight by the matrix `values` as a dense constant.
static void replaceWithConstant(OpBuilder &b, const Layer &layer,
                                ArrayRef<float> values) {
  b.setInsertionPoint(layer.op);
  Value cst = arith::ConstantOp::create(b, layer.op->getLoc(),
                                        getMatrixAttr(layer, values));
  replaceWeight(b, layer, cst);
}

/// Indices (into a row-major tensor of `shape`) of the elements that remain
/// when dimension d keeps only `keep[d]` (all of it if empty), in the
/// row-major order of the result.
static std::vector<int64_t> gatherIndices(ArrayRef<int64_t> shape,
                                          ArrayRef<SmallVector<int64_t>> keep,
                                          SmallVectorImpl<int64_t> &newShape) {
  int64_t rank = shape.size();
  SmallVector<int64_t> strides(rank, 1);
  for (int64_t d = rank - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  newShape.clear();
  int64_t count = 1;
  for (int64_t d = 0; d < rank; ++d) {
    newShape.push_back(keep[d].empty() ? shape[d] : keep[d].size());
    count *= newShape[d];
  }
  std::vector<int64_t> result;
  result.reserve(count);
  SmallVector<int64_t> idx(rank, 0);
  for (int64_t i = 0; i < count; ++i) {
    int64_t src = 0;
    for (int64_t d = 0; d < rank; ++d)
      src += (keep[d].empty() ? idx[d] : keep[d][idx[d]]) * strides[d];
    result.push_back(src);
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++idx[d] < newShape[d])
        break;
      idx[d] = 0;
    }
  }
  return result;
}

//===----------------------------------------------------------------------===//
// Unstructured
//===----------------------------------------------------------------------===//

/// Zeroes the entries `prune` of each layer's values; rewrites the layers
/// where anything changed.
static void applyUnstructured(OpBuilder &b, std::vector<Layer> &layers,
                              ArrayRef<std::vector<int64_t>> prune) {
  for (auto [layer, indices] : llvm::zip(layers, prune)) {
    std::vector<float> values = layer.values;
    bool changed = false;
    for (int64_t i : indices) {
      changed |= std::signbit(values[i]) || values[i] != 0.0f;
      values[i] = 0.0f;
    }
    if (!changed)
      continue;
    replaceWithConstant(b, layer, values);
    recordCompression(layer, values);
  }
}

static void pruneUnstructured(OpBuilder &b, std::vector<Layer> &layers,
                              double sparsity, bool global) {
  std::vector<std::vector<int64_t>> prune(layers.size());
  if (!global) {
    for (auto [l, layer] : llvm::enumerate(layers)) {
      const std::vector<float> &values = layer.values;
      int64_t count = layer.numParams();
      int64_t k = countToPrune(sparsity, count);
      std::vector<int64_t> order(count);
      std::iota(order.begin(), order.end(), 0);
      auto less = [&](int64_t a, int64_t c) {
        double ma = magnitude(values[a]), mc = magnitude(values[c]);
        return ma < mc || (ma == mc && a < c);
      };
      std::nth_element(order.begin(), order.begin() + k, order.end(), less);
      prune[l].assign(order.begin(), order.begin() + k);
    }
  } else {
    // One ranking over all weights: magnitude, then layer order, then flat
    // index. The k-th smallest magnitude is the threshold; weights below it
    // are pruned, and as many at it as needed, in (layer, index) order. A
    // float per weight, not an (index, layer) pair: this scales to 100M.
    int64_t total = 0;
    for (const Layer &layer : layers)
      total += layer.numParams();
    int64_t k = countToPrune(sparsity, total);
    if (k > 0) {
      std::vector<float> magnitudes;
      magnitudes.reserve(total);
      for (const Layer &layer : layers)
        for (float w : layer.values)
          magnitudes.push_back(magnitude(w));
      std::nth_element(magnitudes.begin(), magnitudes.begin() + k - 1,
                       magnitudes.end());
      float threshold = magnitudes[k - 1];
      std::vector<float>().swap(magnitudes);
      int64_t below = 0;
      for (const Layer &layer : layers)
        for (float w : layer.values)
          below += magnitude(w) < threshold;
      int64_t atThreshold = k - below;
      for (auto [l, layer] : llvm::enumerate(layers))
        for (auto [i, w] : llvm::enumerate(layer.values)) {
          double m = magnitude(w);
          if (m < threshold || (m == threshold && atThreshold-- > 0))
            prune[l].push_back(i);
        }
    }
  }
  applyUnstructured(b, layers, prune);
}

//===----------------------------------------------------------------------===//
// N:M
//===----------------------------------------------------------------------===//

static void pruneNM(OpBuilder &b, Layer &layer, int64_t n, int64_t m) {
  MLIRContext *ctx = b.getContext();
  int64_t batch = layer.numParams() / (layer.K * layer.N);
  int64_t keptK = layer.K / m * n;
  SmallVector<int64_t> keptShape(layer.matrixShape);
  keptShape[layer.kDim()] = keptK;
  auto keptIndex = [&](int64_t bi, int64_t k, int64_t c) {
    return bi * keptK * layer.N +
           (layer.channelsFirst ? c * keptK + k : k * layer.N + c);
  };

  std::vector<int8_t> indices(batch * keptK * layer.N);
  std::vector<float> kept(indices.size());
  std::vector<float> dense(layer.numParams(), 0.0f);
  SmallVector<int64_t> order(m);
  for (int64_t bi = 0; bi < batch; ++bi)
    for (int64_t c = 0; c < layer.N; ++c)
      for (int64_t g = 0; g < layer.K / m; ++g) {
        auto value = [&](int64_t j) {
          return layer.values[layer.index(bi, g * m + j, c)];
        };
        // Largest magnitude first, lower position first among equals.
        std::iota(order.begin(), order.end(), 0);
        std::sort(order.begin(), order.end(), [&](int64_t a, int64_t d) {
          double ma = magnitude(value(a)), md = magnitude(value(d));
          return ma > md || (ma == md && a < d);
        });
        std::sort(order.begin(), order.begin() + n);
        for (int64_t t = 0; t < n; ++t) {
          int64_t j = order[t], at = keptIndex(bi, g * n + t, c);
          indices[at] = j;
          kept[at] = value(j);
          dense[layer.index(bi, g * m + j, c)] = value(j);
        }
      }

  Type elementType = layer.weightType.getElementType();
  // mc's encodings express float values; an integer weight keeps its type
  // as the dense pruned constant (what the 2:4 int8 kernels take).
  if (isa<IntegerType>(elementType)) {
    replaceWithConstant(b, layer, dense);
    recordCompression(layer, dense);
    return;
  }
  Location loc = layer.op->getLoc();
  b.setInsertionPoint(layer.op);
  auto encoding = NMEncodingAttr::get(ctx, n, m, layer.kDim(), {});
  unsigned indexBits = encoding.getStorageBitWidth();
  auto indicesType =
      RankedTensorType::get(keptShape, b.getIntegerType(indexBits));
  SmallVector<APInt> positions;
  for (int8_t index : indices)
    positions.push_back(APInt(indexBits, index));
  Value indicesCst = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(indicesType, positions));
  Value keptCst = arith::ConstantOp::create(
      b, loc,
      getFloatAttr(RankedTensorType::get(keptShape, elementType), kept));
  auto type =
      CompressedType::get(ctx, layer.matrixShape, elementType, encoding);
  Value assembled =
      AssembleOp::create(b, loc, type, ValueRange{indicesCst, keptCst});
  Value decoded = DecodeOp::create(b, loc, layer.getMatrixType(), assembled);
  replaceWeight(b, layer, decoded);
  recordCompression(layer, dense);
}

//===----------------------------------------------------------------------===//
// Channel pruning
//===----------------------------------------------------------------------===//

static RankedTensorType shrinkType(Type type, int64_t dim, int64_t size) {
  auto tensor = cast<RankedTensorType>(type);
  SmallVector<int64_t> shape(tensor.getShape());
  shape[dim] = size;
  return tensor.clone(shape);
}

static bool isElementwise(linalg::LinalgOp op) {
  return op.hasPureTensorSemantics() &&
         op.getNumParallelLoops() == op.getNumLoops() &&
         op->getNumResults() == op.getNumDpsInits();
}

/// Positions of `map`'s results that are exactly loop `dim`; fails if `dim`
/// also occurs inside a compound expression.
static FailureOr<SmallVector<int64_t>> positionsOf(AffineMap map,
                                                   unsigned dim) {
  SmallVector<int64_t> result;
  for (auto [i, e] : llvm::enumerate(map.getResults())) {
    if (auto d = dyn_cast<AffineDimExpr>(e)) {
      if (d.getPosition() == dim)
        result.push_back(i);
    } else if (e.isFunctionOfDim(dim)) {
      return failure();
    }
  }
  return result;
}

/// Whether `value` (not on the pruned path) can be rebuilt with dimension
/// `dim` restricted to some channels: constants, tensor.empty, and
/// element-wise linalg ops (fill, broadcast, generic) of such values.
static bool canShrink(Value value, int64_t dim) {
  Operation *op = value.getDefiningOp();
  if (!op)
    return false;
  if (auto cst = dyn_cast<arith::ConstantOp>(op))
    return isa<DenseElementsAttr>(cst.getValue());
  if (auto empty = dyn_cast<tensor::EmptyOp>(op))
    return empty.getType().hasStaticShape();
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!linalgOp || !isElementwise(linalgOp) || op->getNumResults() != 1)
    return false;
  auto outPos = dyn_cast<AffineDimExpr>(
      linalgOp.getIndexingMapMatchingResult(cast<OpResult>(value))
          .getResult(dim));
  if (!outPos)
    return false;
  for (OpOperand &operand : op->getOpOperands()) {
    auto positions = positionsOf(linalgOp.getMatchingIndexingMap(&operand),
                                 outPos.getPosition());
    if (failed(positions) || positions->size() > 1)
      return false;
    if (!positions->empty() && !canShrink(operand.get(), positions->front()))
      return false;
  }
  return true;
}

/// Rebuilds `value` with dimension `dim` restricted to `keep` (canShrink
/// must hold). New ops go at the builder's insertion point.
static Value shrink(OpBuilder &b, Value value, int64_t dim,
                    ArrayRef<int64_t> keep) {
  Operation *op = value.getDefiningOp();
  RankedTensorType type = shrinkType(value.getType(), dim, keep.size());
  if (auto cst = dyn_cast<arith::ConstantOp>(op)) {
    auto attr = cast<DenseElementsAttr>(cst.getValue());
    if (attr.isSplat())
      return arith::ConstantOp::create(b, op->getLoc(), attr.resizeSplat(type));
    SmallVector<SmallVector<int64_t>> keeps(type.getRank());
    keeps[dim].assign(keep.begin(), keep.end());
    SmallVector<int64_t> newShape;
    std::vector<int64_t> src = gatherIndices(
        cast<RankedTensorType>(attr.getType()).getShape(), keeps, newShape);
    SmallVector<Attribute> all(attr.getValues<Attribute>());
    SmallVector<Attribute> values;
    for (int64_t i : src)
      values.push_back(all[i]);
    return arith::ConstantOp::create(b, op->getLoc(),
                                     DenseElementsAttr::get(type, values));
  }
  if (isa<tensor::EmptyOp>(op))
    return tensor::EmptyOp::create(b, op->getLoc(), type.getShape(),
                                   type.getElementType());
  auto linalgOp = cast<linalg::LinalgOp>(op);
  unsigned loop =
      cast<AffineDimExpr>(
          linalgOp.getIndexingMapMatchingResult(cast<OpResult>(value))
              .getResult(dim))
          .getPosition();
  SmallVector<Value> operands;
  for (OpOperand &operand : op->getOpOperands()) {
    SmallVector<int64_t> positions =
        *positionsOf(linalgOp.getMatchingIndexingMap(&operand), loop);
    operands.push_back(positions.empty()
                           ? operand.get()
                           : shrink(b, operand.get(), positions.front(), keep));
  }
  Operation *clone = b.clone(*op);
  clone->setOperands(operands);
  clone->getResult(0).setType(type);
  return clone->getResult(0);
}

namespace {
/// Removing output channels of one layer, and everything that follows.
struct ChannelPlan {
  Layer *producer;
  SmallVector<int64_t> keep; // kept channels, ascending
  int64_t weightDim;         // channel dim of the producer's weight operand
  int64_t outDim;            // channel dim of the producer's result
  /// Values on the path and their channel dim (the producer's result first).
  llvm::MapVector<Value, int64_t> path;
  /// Element-wise ops on the path and the loop dim of the channel.
  llvm::MapVector<Operation *, unsigned> ops;
  /// Consumer layers and the weight operand dim that shrinks.
  SmallVector<std::pair<Layer *, int64_t>> consumers;
};
} // namespace

/// Fills the path of `plan`; returns why it cannot be pruned on failure.
static std::optional<std::string>
analyzeChannels(ChannelPlan &plan,
                const llvm::DenseMap<Operation *, Layer *> &layerByOp) {
  Layer &layer = *plan.producer;
  linalg::LinalgOp op = layer.op;
  if (layer.numBatch != 0)
    return std::string("its weight has batch dimensions");
  if (op->getNumResults() != 1)
    return std::string("it has several results");
  plan.weightDim = layer.reassociation[layer.nDim()].front();
  OpOperand &weight = op->getOpOperand(layer.operandIndex);
  unsigned channelLoop =
      cast<AffineDimExpr>(
          op.getMatchingIndexingMap(&weight).getResult(plan.weightDim))
          .getPosition();
  for (OpOperand *input : op.getDpsInputOperands())
    if (input != &weight &&
        op.getMatchingIndexingMap(input).isFunctionOfDim(channelLoop))
      return std::string("its channel is also an input dimension "
                         "(depthwise)");
  OpOperand &init = op.getDpsInitsMutable()[0];
  auto outPositions =
      positionsOf(op.getMatchingIndexingMap(&init), channelLoop);
  if (failed(outPositions) || outPositions->size() != 1)
    return std::string("its channel is not one result dimension");
  plan.outDim = outPositions->front();
  if (!canShrink(init.get(), plan.outDim))
    return std::string("its init cannot be shrunk");

  // Follow the result through element-wise ops to the consuming layers.
  Value result = op->getResult(0);
  plan.path[result] = plan.outDim;
  SmallVector<Value> worklist{result};
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    int64_t dim = plan.path[value];
    for (OpOperand &use : value.getUses()) {
      Operation *user = use.getOwner();
      std::string userName = user->getName().getStringRef().str();
      if (Layer *consumer = layerByOp.lookup(user)) {
        linalg::LinalgOp cop = consumer->op;
        auto loop = dyn_cast<AffineDimExpr>(
            cop.getMatchingIndexingMap(&use).getResult(dim));
        if (!loop || cop.getIteratorTypesArray()[loop.getPosition()] !=
                         utils::IteratorType::reduction)
          return "its channel is not a reduction dimension of layer '" +
                 consumer->name + "'";
        OpOperand &cweight = cop->getOpOperand(consumer->operandIndex);
        auto wpos = positionsOf(cop.getMatchingIndexingMap(&cweight),
                                loop.getPosition());
        auto upos =
            positionsOf(cop.getMatchingIndexingMap(&use), loop.getPosition());
        if (failed(wpos) || wpos->size() != 1 || failed(upos) ||
            upos->size() != 1 ||
            !isSupportedWeightType(consumer->weightType.getElementType()))
          return "layer '" + consumer->name +
                 "' cannot drop its input channels";
        for (OpOperand &other : cop->getOpOperands())
          if (&other != &use && &other != &cweight &&
              cop.getMatchingIndexingMap(&other).isFunctionOfDim(
                  loop.getPosition()))
            return "layer '" + consumer->name +
                   "' cannot drop its input channels";
        if (!llvm::is_contained(plan.consumers,
                                std::make_pair(consumer, wpos->front())))
          plan.consumers.emplace_back(consumer, wpos->front());
        continue;
      }
      auto lop = dyn_cast<linalg::LinalgOp>(user);
      if (!lop || !isElementwise(lop))
        return "its result reaches '" + userName + "'";
      auto loop = dyn_cast<AffineDimExpr>(
          lop.getMatchingIndexingMap(&use).getResult(dim));
      if (!loop)
        return "its result reaches '" + userName + "' through a compound index";
      auto [it, inserted] = plan.ops.insert({user, loop.getPosition()});
      if (!inserted) {
        if (it->second != loop.getPosition())
          return "its channel reaches '" + userName + "' twice, permuted";
        continue;
      }
      for (OpResult res : user->getResults()) {
        auto positions = positionsOf(lop.getIndexingMapMatchingResult(res),
                                     loop.getPosition());
        if (failed(positions) || positions->size() != 1)
          return "its channel is not one result dimension of '" + userName +
                 "'";
        auto [pit, fresh] = plan.path.insert({res, positions->front()});
        if (!fresh && pit->second != positions->front())
          return "its channel reaches '" + userName + "' twice, permuted";
        if (fresh)
          worklist.push_back(res);
      }
    }
  }
  // Operands of the path's ops that carry the channel must be on the path
  // too, or be rebuildable (bias constants, tensor.empty, fill).
  for (auto [user, loop] : plan.ops) {
    auto lop = cast<linalg::LinalgOp>(user);
    for (OpOperand &operand : user->getOpOperands()) {
      auto positions = positionsOf(lop.getMatchingIndexingMap(&operand), loop);
      if (failed(positions) || positions->size() > 1)
        return "'" + user->getName().getStringRef().str() +
               "' uses the channel in a compound index";
      if (positions->empty())
        continue;
      auto it = plan.path.find(operand.get());
      if (it != plan.path.end() ? it->second != positions->front()
                                : !canShrink(operand.get(), positions->front()))
        return "operand " + std::to_string(operand.getOperandNumber()) +
               " of '" + user->getName().getStringRef().str() +
               "' cannot be shrunk";
    }
  }
  return std::nullopt;
}

/// The output channels of `layer` to keep: all but the k with the smallest
/// norm (ties: the lower channel is removed first).
static SmallVector<int64_t> chooseChannels(const Layer &layer, int64_t k,
                                           bool l2) {
  std::vector<double> norms(layer.N, 0.0);
  for (int64_t c = 0; c < layer.N; ++c)
    for (int64_t kk = 0; kk < layer.K; ++kk) {
      double w = layer.values[layer.index(0, kk, c)];
      norms[c] += l2 ? w * w : std::fabs(w);
    }
  for (double &norm : norms)
    norm = std::isnan(norm) ? INFINITY : norm;
  std::vector<int64_t> order(layer.N);
  std::iota(order.begin(), order.end(), 0);
  llvm::sort(order, [&](int64_t a, int64_t c) {
    return norms[a] < norms[c] || (norms[a] == norms[c] && a < c);
  });
  SmallVector<int64_t> keep(order.begin() + k, order.end());
  llvm::sort(keep);
  return keep;
}

/// Shrinks the producer, the path and its operands in place.
static void applyChannelPlan(OpBuilder &b, ChannelPlan &plan) {
  linalg::LinalgOp op = plan.producer->op;
  OpOperand &init = op.getDpsInitsMutable()[0];
  b.setInsertionPoint(op);
  Value oldInit = init.get();
  init.set(shrink(b, oldInit, plan.outDim, plan.keep));
  eraseDeadProducers(oldInit);
  for (auto [user, loop] : plan.ops) {
    auto lop = cast<linalg::LinalgOp>(user);
    b.setInsertionPoint(user);
    for (OpOperand &operand : user->getOpOperands()) {
      if (plan.path.count(operand.get()))
        continue;
      SmallVector<int64_t> positions =
          *positionsOf(lop.getMatchingIndexingMap(&operand), loop);
      if (positions.empty())
        continue;
      Value old = operand.get();
      operand.set(shrink(b, old, positions.front(), plan.keep));
      eraseDeadProducers(old);
    }
  }
  for (auto [value, dim] : plan.path)
    value.setType(shrinkType(value.getType(), dim, plan.keep.size()));
}

/// Rebuilds a layer's weight keeping `keep[d]` along operand dims d.
static void shrinkWeight(OpBuilder &b, const Layer &layer,
                         ArrayRef<SmallVector<int64_t>> keep) {
  SmallVector<int64_t> newShape;
  std::vector<int64_t> src =
      gatherIndices(layer.weightType.getShape(), keep, newShape);
  std::vector<float> values;
  values.reserve(src.size());
  for (int64_t i : src)
    values.push_back(layer.values[i]);
  // The dense equivalent, for the bookkeeping: removed weights are zeros.
  std::vector<float> dense(layer.numParams(), 0.0f);
  for (int64_t i : src)
    dense[i] = layer.values[i];

  Layer shrunk = layer;
  shrunk.weightType = layer.weightType.clone(newShape);
  shrunk.matrixShape.clear();
  for (const ReassociationIndices &group : layer.reassociation) {
    int64_t size = 1;
    for (int64_t d : group)
      size *= newShape[d];
    shrunk.matrixShape.push_back(size);
  }
  shrunk.values = values;
  b.setInsertionPoint(layer.op);
  Value cst = arith::ConstantOp::create(b, layer.op->getLoc(),
                                        getMatrixAttr(shrunk, values));
  replaceWeight(b, shrunk, cst);
  recordCompression(layer, dense);
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

namespace {
struct MCPrune : public mc::impl::MCPruneBase<MCPrune> {
  using Base::Base;

  LogicalResult checkOptions(ModuleOp module) {
    // On the location, not the op: a module attached to a diagnostic would
    // be printed whole.
    auto fail = [&]() { return emitError(module.getLoc(), "mc-prune: "); };
    int64_t n = nKeep, m = mGroup;
    if (mode != "unstructured" && mode != "nm" && mode != "channel")
      return fail() << "unknown mode '" << mode
                    << "': expected unstructured, nm or channel";
    if (scope != "layer" && scope != "global")
      return fail() << "unknown scope '" << scope
                    << "': expected layer or global";
    if (criterion != "l1" && criterion != "l2")
      return fail() << "unknown criterion '" << criterion
                    << "': expected l1 or l2";
    if (!(sparsity >= 0.0 && sparsity < 1.0)) {
      std::string value;
      llvm::raw_string_ostream(value) << llvm::format("%g", double(sparsity));
      return fail() << "sparsity must be in [0, 1), got " << value;
    }
    if (scope == "global" && mode != "unstructured")
      return fail() << "scope=global is only supported with "
                       "mode=unstructured";
    if (mode == "nm") {
      if (n < 1)
        return fail() << "n must be at least 1, got " << n;
      if (n > m)
        return fail() << "n must not exceed m, got n=" << n << " m=" << m;
      if (m > 128)
        return fail() << "m must be at most 128 (positions take at most 7 "
                         "bits), got "
                      << m;
    }
    int64_t minimum = minParams;
    if (minimum < 0)
      return fail() << "min-params must be non-negative, got " << minimum;
    std::string regexError;
    if (!llvm::Regex("^(" + layers + ")$").isValid(regexError))
      return fail() << "invalid layers regex '" << layers
                    << "': " << regexError;
    return success();
  }

  /// The selected layers whose weights this pass can rewrite exactly.
  FailureOr<std::vector<Layer>> getLayers(ModuleOp module,
                                          const LayerFilter &filter) {
    FailureOr<std::vector<Layer>> all = collectLayers(module, filter);
    if (failed(all))
      return failure();
    std::vector<Layer> layers;
    for (Layer &layer : *all) {
      if (isSupportedWeightType(layer.weightType.getElementType())) {
        layers.push_back(std::move(layer));
        continue;
      }
      layer.op->emitRemark("mc-prune: layer '")
          << layer.name << "' skipped: " << layer.weightType.getElementType()
          << " weights are not supported (f16, bf16, f32, integers of up "
             "to 16 bits)";
    }
    return layers;
  }

  LogicalResult runChannels(OpBuilder &b, ModuleOp module,
                            std::vector<Layer> &selected) {
    // Consumers need not be selected themselves.
    FailureOr<std::vector<Layer>> all = getLayers(module, LayerFilter{});
    if (failed(all))
      return failure();
    llvm::DenseMap<Operation *, Layer *> layerByOp;
    for (Layer &layer : *all)
      layerByOp[layer.op] = &layer;

    std::vector<ChannelPlan> plans;
    for (Layer &sel : selected) {
      Layer *layer = layerByOp.lookup(sel.op);
      int64_t k = layer ? countToPrune(sparsity, layer->N) : 0;
      if (k == 0)
        continue;
      ChannelPlan plan;
      plan.producer = layer;
      if (std::optional<std::string> why = analyzeChannels(plan, layerByOp)) {
        layer->op->emitRemark("mc-prune: layer '")
            << layer->name << "' not channel-pruned: " << *why;
        continue;
      }
      plan.keep = chooseChannels(*layer, k, criterion == "l2");
      plans.push_back(std::move(plan));
    }

    // Weight dims to keep per layer: N of producers, K of consumers.
    llvm::MapVector<Layer *, SmallVector<SmallVector<int64_t>>> weightKeep;
    auto keepOf = [&](Layer *layer) -> SmallVector<SmallVector<int64_t>> & {
      auto &keep = weightKeep[layer];
      keep.resize(layer->weightType.getRank());
      return keep;
    };
    for (ChannelPlan &plan : plans) {
      applyChannelPlan(b, plan);
      keepOf(plan.producer)[plan.weightDim] = plan.keep;
      for (auto [consumer, dim] : plan.consumers)
        keepOf(consumer)[dim] = plan.keep;
    }
    for (auto &[layer, keep] : weightKeep)
      shrinkWeight(b, *layer, keep);
    return success();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (failed(checkOptions(module)))
      return signalPassFailure();
    // Layer-local modes load one layer's weights at a time.
    bool perLayer = mode == "nm" || (mode == "unstructured" && scope == "layer");
    FailureOr<std::vector<Layer>> selected = getLayers(
        module, LayerFilter{layers.getValue(), minParams,
                            /*allowCompressed=*/false, /*lazy=*/perLayer,
                            /*allowInteger=*/mode != "channel"});
    if (failed(selected))
      return signalPassFailure();
    OpBuilder b(module.getContext());

    if (mode == "unstructured" && perLayer) {
      for (Layer &layer : *selected) {
        loadValues(layer);
        std::vector<Layer> one;
        one.push_back(std::move(layer));
        pruneUnstructured(b, one, sparsity, /*global=*/false);
        releaseValues(one.front());
      }
      return;
    }
    if (mode == "unstructured") {
      pruneUnstructured(b, *selected, sparsity, /*global=*/true);
      return;
    }
    if (mode == "nm") {
      // Checked before anything changes; the first offender is reported.
      for (Layer &layer : *selected)
        if (layer.K % mGroup != 0) {
          emitError(layer.op->getLoc(), "mc-prune: m=")
              << int64_t(mGroup) << " does not divide K=" << layer.K
              << " of layer '" << layer.name << "'";
          return signalPassFailure();
        }
      for (Layer &layer : *selected) {
        loadValues(layer);
        pruneNM(b, layer, nKeep, mGroup);
        releaseValues(layer);
      }
      return;
    }
    if (failed(runChannels(b, module, *selected)))
      signalPassFailure();
  }
};
} // namespace

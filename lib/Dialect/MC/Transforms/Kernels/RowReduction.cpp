//===- RowReduction.cpp - max/min reductions along the last dimension -----===//
//
// A `linalg.generic` that reduces its input along the innermost dimension
// with `arith.maximumf`, `minimumf` or an integer max/min, after element-wise
// ops on the input: the per-row abs-max of dynamic activation quantization
// (`--mc-quantize=activations=dynamic`), softmax's row max. The reference
// lowering leaves a scalar loop whose loop-carried NaN-propagating max LLVM
// does not vectorize (about 5 cycles per element on x86).
//
// These combiners are associative, commutative and idempotent (maximumf and
// minimumf order -0 below +0 and propagate NaN, so no order picks a
// different zero or NaN), so any grouping, order or repetition of the
// elements gives the reference's result bit for bit. Per row the kernel
// keeps 4 accumulators of one register each, starting from the output's
// value, applies the body with vector types to `lanes` elements at a time,
// pads the last partial vector with the row's first element (a repetition)
// and ends with one `vector.reduction`.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"
#include "KernelSupport.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mc::kernels;

/// The `vector.reduction` kind of an order-free combiner.
static std::optional<vector::CombiningKind> getOrderFreeKind(Operation *op) {
  using Kind = vector::CombiningKind;
  return llvm::TypeSwitch<Operation *, std::optional<Kind>>(op)
      .Case([](arith::MaximumFOp) { return Kind::MAXIMUMF; })
      .Case([](arith::MinimumFOp) { return Kind::MINIMUMF; })
      .Case([](arith::MaxSIOp) { return Kind::MAXSI; })
      .Case([](arith::MinSIOp) { return Kind::MINSI; })
      .Case([](arith::MaxUIOp) { return Kind::MAXUI; })
      .Case([](arith::MinUIOp) { return Kind::MINUI; })
      .Default([](Operation *) { return std::nullopt; });
}

/// The combiner of `op`'s body if `op` is such a reduction: one static
/// input read with the identity map, one output indexed by all dimensions
/// but the last, which is the only reduction; the output argument used
/// once, by the yielded max/min; the other ops element-wise or constants.
static Operation *matchRowReduction(linalg::GenericOp op) {
  if (!op.hasPureTensorSemantics() || op.getNumDpsInputs() != 1 ||
      op.getNumDpsInits() != 1 || op.getNumLoops() < 1 ||
      op.getNumReductionLoops() != 1 ||
      op.getIteratorTypesArray().back() != utils::IteratorType::reduction)
    return nullptr;
  auto inType = dyn_cast<RankedTensorType>(op.getDpsInputs()[0].getType());
  // Bytes and wider: memrefs of i1 hold a byte per element.
  if (!inType || !inType.hasStaticShape() || inType.getNumElements() == 0 ||
      !inType.getElementType().isIntOrFloat() ||
      inType.getElementTypeBitWidth() < 8)
    return nullptr;
  unsigned rank = op.getNumLoops();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (!maps[0].isIdentity() ||
      maps[1] != AffineMap::getMultiDimIdentityMap(rank, op.getContext())
                     .dropResult(rank - 1))
    return nullptr;

  Block *body = op.getBody();
  BlockArgument out = body->getArgument(1);
  Operation *combiner = body->getTerminator()->getOperand(0).getDefiningOp();
  if (!combiner || combiner->getBlock() != body ||
      !getOrderFreeKind(combiner) || !out.hasOneUse() ||
      *out.getUsers().begin() != combiner)
    return nullptr;
  for (Operation &bodyOp : body->without_terminator()) {
    bool elementwise = bodyOp.hasTrait<OpTrait::Elementwise>() &&
                       bodyOp.getNumRegions() == 0 &&
                       bodyOp.getNumResults() == 1;
    if (!elementwise && !isa<arith::ConstantOp>(bodyOp))
      return nullptr;
  }
  return combiner;
}

LogicalResult mc::kernels::rewriteRowReduction(RewriterBase &rewriter,
                                               linalg::GenericOp op,
                                               const KernelConfig &config) {
  Operation *combiner = matchRowReduction(op);
  if (!combiner)
    return failure();
  Location loc = op.getLoc();
  Value input = op.getDpsInputs()[0];
  auto inType = cast<RankedTensorType>(input.getType());
  Type elt = inType.getElementType();
  // One register: the ISA's i32 lanes times 32 bits.
  int64_t vl = config.lanes * 32 / elt.getIntOrFloatBitWidth();
  int64_t k = inType.getShape().back();
  constexpr int64_t unroll = 4;
  auto vecType = VectorType::get({vl}, elt);
  Block &body = *op.getBody();

  rewriter.setInsertionPoint(op);
  auto index = [&](OpBuilder &b, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  SmallVector<Value> lbs, ubs, steps;
  for (int64_t size : inType.getShape().drop_back()) {
    lbs.push_back(index(rewriter, 0));
    ubs.push_back(index(rewriter, size));
    steps.push_back(index(rewriter, 1));
  }
  auto rowBody = [&](OpBuilder &b, Location loc, ValueRange ivs,
                     ValueRange iterArgs) -> scf::ValueVector {
    Value dest = iterArgs[0];
    SmallVector<Value> at(ivs);
    at.push_back(index(b, 0));
    // acc <- body(x, acc) on the vl elements of the row from column `col`.
    auto step = [&](OpBuilder &b, Value acc, Value col, Value pad) {
      at.back() = col;
      Value x = pad ? vector::TransferReadOp::create(b, loc, vecType, input,
                                                     at, pad,
                                                     ArrayRef<bool>{false})
                          .getResult()
                    : readVector(b, loc, input, at, vl, /*inBounds=*/true);
      IRMapping mapping;
      mapping.map(body.getArgument(0), x);
      mapping.map(body.getArgument(1), acc);
      return vectorizeBody(b, loc, body, mapping, vl);
    };
    auto combine = [&](OpBuilder &b, Value lhs, Value rhs) {
      OperationState state(loc, combiner->getName(), {lhs, rhs}, vecType,
                           combiner->getAttrs());
      return b.create(state)->getResult(0);
    };

    Value init = tensor::ExtractOp::create(b, loc, dest, ivs);
    SmallVector<Value> accs(
        unroll, vector::BroadcastOp::create(b, loc, vecType, init));
    int64_t blockEnd = k / (unroll * vl) * unroll * vl;
    if (blockEnd) {
      auto loop = scf::ForOp::create(
          b, loc, index(b, 0), index(b, blockEnd), index(b, unroll * vl), accs,
          [&](OpBuilder &b, Location loc, Value col, ValueRange carried) {
            SmallVector<Value> next;
            for (auto [u, acc] : llvm::enumerate(carried))
              next.push_back(step(
                  b, acc,
                  u ? arith::AddIOp::create(b, loc, col, index(b, u * vl))
                    : col,
                  nullptr));
            scf::YieldOp::create(b, loc, next);
          });
      accs = loop.getResults();
    }
    Value acc = accs[0];
    for (int64_t u = 1; u < unroll; ++u)
      acc = combine(b, acc, accs[u]);
    int64_t col = blockEnd;
    for (; col + vl <= k; col += vl)
      acc = step(b, acc, index(b, col), nullptr);
    if (col < k) {
      // Out-of-bounds lanes read the row's first element again.
      at.back() = index(b, 0);
      Value first = tensor::ExtractOp::create(b, loc, input, at);
      acc = step(b, acc, index(b, col), first);
    }
    Value result = vector::ReductionOp::create(
        b, loc, *getOrderFreeKind(combiner), acc);
    return {tensor::InsertOp::create(b, loc, result, dest, ivs).getResult()};
  };
  scf::LoopNest nest = scf::buildLoopNest(rewriter, loc, lbs, ubs, steps,
                                          op.getDpsInits(), rowBody);
  rewriter.replaceOp(op, nest.results);
  return success();
}

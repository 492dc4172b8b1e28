//===- ObserveActivations.cpp - activation ranges for calibration ---------===//
//
// Post-training static quantization needs each layer's activation range on
// representative inputs. The ranges leave the program as extra results of
// the function, computed with upstream linalg reductions, so any pipeline
// (mc-run's JIT above all) runs the instrumented model unchanged.
//
//===----------------------------------------------------------------------===//

#include "mc/Dialect/MC/Transforms/Passes.h"
#include "mc/Dialect/MC/Transforms/Weights.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/MapVector.h"

#include <limits>

namespace mc {
#define GEN_PASS_DEF_MCOBSERVEACTIVATIONS
#include "mc/Dialect/MC/Transforms/Passes.h.inc"
} // namespace mc

using namespace mlir;
using namespace mc;

/// [min, max] of the f32 tensor `x`, as a tensor<2xf32>.
static Value emitRange(OpBuilder &b, Location loc, Value x) {
  MLIRContext *ctx = b.getContext();
  auto xType = cast<RankedTensorType>(x.getType());
  Type f32 = b.getF32Type();
  auto scalar = RankedTensorType::get({}, f32);
  auto start = [&](float value) {
    Value init =
        arith::ConstantOp::create(b, loc, f32, b.getF32FloatAttr(value));
    return linalg::FillOp::create(
               b, loc, init,
               tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{}, f32)
                   .getResult())
        .getResult(0);
  };
  float inf = std::numeric_limits<float>::infinity();
  unsigned rank = xType.getRank();
  AffineMap all = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap none = AffineMap::get(rank, 0, {}, ctx);
  auto range = linalg::GenericOp::create(
      b, loc, TypeRange{scalar, scalar}, x, ValueRange{start(inf), start(-inf)},
      ArrayRef<AffineMap>{all, none, none},
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::reduction),
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        linalg::YieldOp::create(
            nb, nl,
            ValueRange{arith::MinimumFOp::create(nb, nl, args[1], args[0]),
                       arith::MaximumFOp::create(nb, nl, args[2], args[0])});
      });
  SmallVector<Value> bounds;
  for (Value bound : range.getResults())
    bounds.push_back(tensor::ExtractOp::create(b, loc, bound, ValueRange{}));
  return tensor::FromElementsOp::create(b, loc, bounds);
}

namespace {
struct MCObserveActivations
    : public mc::impl::MCObserveActivationsBase<MCObserveActivations> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<std::vector<Layer>> found =
        collectLayers(module, LayerFilter{layers, minParams,
                                          /*allowCompressed=*/true,
                                          /*lazy=*/true});
    if (failed(found))
      return signalPassFailure();
    SymbolTableCollection symbols;
    SymbolUserMap users(symbols, module);
    llvm::MapVector<func::FuncOp, SmallVector<Layer *>> byFunction;
    for (Layer &layer : *found) {
      if (!canQuantizeActivationsStatically(layer))
        continue;
      auto func = dyn_cast<func::FuncOp>(layer.op->getParentOp());
      // In the entry block, the ranges dominate every return.
      if (!func || func.isPrivate() || !users.getUsers(func).empty() ||
          layer.op->getBlock() != &func.getBody().front()) {
        layer.op->emitRemark("mc: layer '")
            << layer.name << "' not observed: only layers directly in the "
            << "body of a public function that nothing calls are";
        continue;
      }
      byFunction[func].push_back(&layer);
    }
    OpBuilder b(&getContext());
    for (auto &[func, observed] : byFunction) {
      SmallVector<Value> ranges;
      SmallVector<Attribute> names;
      for (Layer *layer : observed) {
        b.setInsertionPoint(layer->op);
        ranges.push_back(
            emitRange(b, layer->op.getLoc(), layer->op.getDpsInputs()[0]));
        names.push_back(b.getStringAttr(layer->name));
      }
      func.walk(
          [&](func::ReturnOp ret) { ret.getOperandsMutable().append(ranges); });
      unsigned end = func.getNumResults();
      SmallVector<unsigned> at(ranges.size(), end);
      SmallVector<DictionaryAttr> attrs(ranges.size(), b.getDictionaryAttr({}));
      if (failed(
              func.insertResults(at, ValueRange(ranges).getTypes(), attrs))) {
        func.emitError("mc-observe-activations: cannot add results");
        return signalPassFailure();
      }
      func->setAttr("mc.observed", b.getArrayAttr(names));
    }
  }
};
} // namespace

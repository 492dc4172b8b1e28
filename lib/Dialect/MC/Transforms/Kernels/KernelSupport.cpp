//===- KernelSupport.cpp - shared pieces of mc's CPU kernels --------------===//

#include "KernelSupport.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace mc::kernels;

FailureOr<KernelConfig> mc::kernels::getKernelConfig(StringRef isa,
                                                     int64_t tileM,
                                                     int64_t tileN) {
  std::optional<KernelConfig> config =
      llvm::StringSwitch<std::optional<KernelConfig>>(isa)
          // 8 x 3 zmm accumulators leave 8 registers for the weight vectors
          // and keep 8 broadcast A operands per weight load.
          .Case("avx512-vnni", KernelConfig{Isa::Avx512Vnni, 16, 8, 3})
          .Case("neon-dotprod", KernelConfig{Isa::NeonDot, 4, 8, 3})
          // 4 row pairs x 2 vectors (4 columns each) are 16 2 x 2
          // accumulators, with 4 weight and 4 activation registers.
          .Case("neon-i8mm", KernelConfig{Isa::NeonI8mm, 4, 8, 2})
          .Case("generic", KernelConfig{Isa::Generic, 16, 4, 2})
          .Default(std::nullopt);
  if (!config || tileM < 0 || tileN < 0)
    return failure();
  if (tileM)
    config->tileM = tileM;
  if (tileN)
    config->tileN = tileN;
  return *config;
}

Value mc::kernels::readVector(OpBuilder &b, Location loc, Value source,
                              ValueRange indices, int64_t lanes,
                              bool inBounds) {
  auto type = cast<RankedTensorType>(source.getType());
  Type elt = type.getElementType();
  Value pad = arith::ConstantOp::create(b, loc, b.getZeroAttr(elt));
  // The default permutation map is the minor identity: along the last dim.
  return vector::TransferReadOp::create(b, loc, VectorType::get({lanes}, elt),
                                        source, indices, pad,
                                        ArrayRef<bool>{inBounds});
}

Value mc::kernels::writeVector(OpBuilder &b, Location loc, Value value,
                               Value dest, ValueRange indices, bool inBounds) {
  return vector::TransferWriteOp::create(b, loc, value, dest, indices,
                                         ArrayRef<bool>{inBounds})
      .getResult();
}

/// The operand's indexing, for the maps `Epilogue` supports.
enum class Indexing { MN, N, M, Scalar };

static std::optional<Indexing> classify(AffineMap map) {
  if (map.getNumResults() == 0)
    return Indexing::Scalar;
  if (map.isIdentity())
    return Indexing::MN;
  if (map.getNumResults() != 1)
    return std::nullopt;
  if (map.getResult(0) == getAffineDimExpr(1, map.getContext()))
    return Indexing::N;
  if (map.getResult(0) == getAffineDimExpr(0, map.getContext()))
    return Indexing::M;
  return std::nullopt;
}

std::optional<Epilogue> Epilogue::match(Value result) {
  if (!result.hasOneUse())
    return std::nullopt;
  auto op = dyn_cast<linalg::GenericOp>(*result.getUsers().begin());
  if (!op || op.getNumDpsInits() != 1 || op.getNumLoops() != 2 ||
      op.getNumParallelLoops() != 2 || !op.hasPureTensorSemantics())
    return std::nullopt;
  if (!op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isIdentity())
    return std::nullopt;
  std::optional<unsigned> accInput;
  for (OpOperand *in : op.getDpsInputOperands()) {
    std::optional<Indexing> indexing =
        classify(op.getMatchingIndexingMap(in));
    if (!indexing)
      return std::nullopt;
    if (in->get() == result) {
      if (accInput || *indexing != Indexing::MN)
        return std::nullopt;
      accInput = in->getOperandNumber();
    }
  }
  if (!accInput)
    return std::nullopt;
  for (Operation &bodyOp : op.getBody()->without_terminator()) {
    bool elementwise = bodyOp.hasTrait<OpTrait::Elementwise>() &&
                       bodyOp.getNumRegions() == 0 &&
                       bodyOp.getNumResults() == 1;
    if (!elementwise && !isa<arith::ConstantOp>(bodyOp))
      return std::nullopt;
  }
  return Epilogue(op, *accInput);
}

Type Epilogue::getElementType() const {
  return getElementTypeOrSelf(getInit().getType());
}

Value Epilogue::apply(OpBuilder &b, Location loc, Value acc,
                      function_ref<Value()> out, Value m, Value n,
                      bool inBounds) const {
  int64_t lanes = cast<VectorType>(acc.getType()).getNumElements();
  Block *body = op.getBody();
  IRMapping mapping;
  for (OpOperand *in : op.getDpsInputOperands()) {
    BlockArgument arg = body->getArgument(in->getOperandNumber());
    if (in->getOperandNumber() == accInput) {
      mapping.map(arg, acc);
      continue;
    }
    if (arg.use_empty())
      continue;
    Value source = in->get();
    Value value;
    switch (*classify(op.getMatchingIndexingMap(in))) {
    case Indexing::MN:
      value = readVector(b, loc, source, {m, n}, lanes, inBounds);
      break;
    case Indexing::N:
      value = readVector(b, loc, source, {n}, lanes, inBounds);
      break;
    case Indexing::M:
      value = tensor::ExtractOp::create(b, loc, source, m);
      break;
    case Indexing::Scalar:
      value = tensor::ExtractOp::create(b, loc, source, ValueRange{});
      break;
    }
    mapping.map(arg, value);
  }
  BlockArgument outArg = body->getArgument(op.getNumDpsInputs());
  if (!outArg.use_empty())
    mapping.map(outArg, out());

  auto toVector = [&](Value v) -> Value {
    if (isa<VectorType>(v.getType()))
      return v;
    return vector::BroadcastOp::create(
        b, loc, VectorType::get({lanes}, v.getType()), v);
  };
  for (Operation &bodyOp : body->without_terminator()) {
    SmallVector<Value> operands;
    bool anyVector = false;
    for (Value v : bodyOp.getOperands()) {
      operands.push_back(mapping.lookupOrDefault(v));
      anyVector |= isa<VectorType>(operands.back().getType());
    }
    // Scalars (constants, per-row values) stay scalar until they meet a
    // vector, so per-row arithmetic is done once per row.
    Type resultType = bodyOp.getResult(0).getType();
    if (anyVector) {
      for (Value &v : operands)
        v = toVector(v);
      resultType = VectorType::get({lanes}, resultType);
    }
    OperationState state(loc, bodyOp.getName(), operands, resultType,
                         bodyOp.getAttrs());
    mapping.map(bodyOp.getResult(0), b.create(state)->getResult(0));
  }
  Value yielded = body->getTerminator()->getOperand(0);
  return toVector(mapping.lookupOrDefault(yielded));
}

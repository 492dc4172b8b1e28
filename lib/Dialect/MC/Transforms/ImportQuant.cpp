//===- ImportQuant.cpp - !quant.uniform casts to mc -----------------------===//

#include "mc/Dialect/MC/Transforms/Passes.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Builders.h"

namespace mc {
#define GEN_PASS_DEF_MCIMPORTQUANT
#include "mc/Dialect/MC/Transforms/Passes.h.inc"
} // namespace mc

using namespace mlir;
using namespace mc;

namespace {
/// The mc view of a quantized tensor type: its compressed type and the
/// constant parameters (scales, optional zero points).
struct ImportedType {
  CompressedType type;
  SmallVector<DenseElementsAttr> params;
};
} // namespace

static FailureOr<ImportedType> importType(Operation *op,
                                          RankedTensorType tensorType) {
  MLIRContext *ctx = op->getContext();
  auto quantType = dyn_cast<quant::QuantizedType>(tensorType.getElementType());
  auto storage = dyn_cast<IntegerType>(quantType.getStorageType());
  if (!isa<quant::UniformQuantizedType, quant::UniformQuantizedPerAxisType,
           quant::UniformQuantizedSubChannelType>(quantType) ||
      !storage)
    return op->emitOpError("cannot import ")
           << quantType << ": only !quant.uniform with integer storage is "
           << "supported";
  unsigned width = quantType.getStorageTypeIntegralWidth();
  bool isSigned = quantType.isSigned();
  int64_t min = quant::QuantizedType::getDefaultMinimumForInteger(isSigned,
                                                                  width);
  int64_t max = quant::QuantizedType::getDefaultMaximumForInteger(isSigned,
                                                                  width);
  bool narrow = quantType.getStorageTypeMin() == min + 1;
  if (quantType.getStorageTypeMax() != max ||
      (!narrow && quantType.getStorageTypeMin() != min))
    return op->emitOpError("cannot import ")
           << quantType << ": storage range [" << quantType.getStorageTypeMin()
           << ", " << quantType.getStorageTypeMax()
           << "] is neither the full nor the narrow range of its storage type";

  // Scales and zero points in row-major order of the scale shape.
  SmallVector<double> scales;
  SmallVector<int64_t> zeroPoints;
  std::optional<int64_t> axis;
  SmallVector<int64_t> block;
  ArrayRef<int64_t> shape = tensorType.getShape();
  if (auto t = dyn_cast<quant::UniformQuantizedType>(quantType)) {
    scales.push_back(t.getScale());
    zeroPoints.push_back(t.getZeroPoint());
  } else if (auto t = dyn_cast<quant::UniformQuantizedPerAxisType>(quantType)) {
    llvm::append_range(scales, t.getScales());
    llvm::append_range(zeroPoints, t.getZeroPoints());
    axis = t.getQuantizedDimension();
  } else {
    auto sub = cast<quant::UniformQuantizedSubChannelType>(quantType);
    for (APFloat s : sub.getScales().getValues<APFloat>())
      scales.push_back(s.convertToDouble());
    for (APInt zp : sub.getZeroPoints().getValues<APInt>())
      zeroPoints.push_back(zp.getSExtValue());
    block.assign(shape.begin(), shape.end());
    for (auto [dim, size] :
         llvm::zip(sub.getQuantizedDimensions(), sub.getBlockSizes()))
      block[dim] = size;
  }
  bool hasZeroPoints = llvm::any_of(zeroPoints, [](int64_t z) { return z; });

  auto enc = UniformEncodingAttr::getChecked(
      [&] { return op->emitOpError("cannot import ") << quantType << ": "; },
      ctx,
      IntegerType::get(ctx, width,
                       isSigned ? IntegerType::Signless : IntegerType::Unsigned),
      axis, ArrayRef<int64_t>(block), hasZeroPoints, narrow);
  if (!enc)
    return failure();
  Type expressed = quantType.getExpressedType();
  auto type = CompressedType::getChecked(
      [&] { return op->emitOpError("cannot import ") << quantType << ": "; },
      ctx, shape, expressed, cast<EncodingAttrInterface>(enc));
  if (!type)
    return failure();

  SmallVector<Type> partTypes = type.getPartTypes();
  ImportedType result{type, {}};
  auto scaleType = cast<RankedTensorType>(partTypes[1]);
  SmallVector<Attribute> scaleAttrs;
  for (double s : scales)
    scaleAttrs.push_back(FloatAttr::get(expressed, s));
  result.params.push_back(DenseElementsAttr::get(scaleType, scaleAttrs));
  if (hasZeroPoints) {
    SmallVector<APInt> zps;
    for (int64_t z : zeroPoints)
      zps.push_back(APInt(32, z, /*isSigned=*/true));
    result.params.push_back(
        DenseElementsAttr::get(cast<RankedTensorType>(partTypes[2]), zps));
  }
  return result;
}

/// Replaces `producer` (a qcast or an int→quant scast) by an mc op and its
/// dcast/scast users by mc.decode/mc.disassemble.
static LogicalResult importProducer(Operation *producer, Value source,
                                    bool isEncode) {
  Value quantized = producer->getResult(0);
  for (Operation *user : quantized.getUsers()) {
    if (isa<quant::DequantizeCastOp>(user) ||
        (isa<quant::StorageCastOp>(user) &&
         !isa<quant::QuantizedType>(getElementTypeOrSelf(user->getResult(0)))))
      continue;
    return user->emitOpError("uses a !quant.uniform value; --mc-import-quant "
                             "supports only quant.dcast and quant.scast users");
  }
  auto quantTensor = dyn_cast<RankedTensorType>(quantized.getType());
  if (!quantTensor)
    return producer->emitOpError("cannot import a quantized value that is not "
                                 "a ranked tensor");
  FailureOr<ImportedType> imported = importType(producer, quantTensor);
  if (failed(imported))
    return failure();

  OpBuilder b(producer);
  Location loc = producer->getLoc();
  SmallVector<Value> params;
  for (DenseElementsAttr attr : imported->params)
    params.push_back(arith::ConstantOp::create(b, loc, attr));
  Value compressed;
  if (isEncode) {
    compressed =
        EncodeOp::create(b, loc, imported->type, source, params).getResult();
  } else {
    SmallVector<Value> parts{source};
    llvm::append_range(parts, params);
    compressed = AssembleOp::create(b, loc, imported->type, parts).getResult();
  }
  for (Operation *user : llvm::make_early_inc_range(quantized.getUsers())) {
    b.setInsertionPoint(user);
    Value replacement;
    if (isa<quant::DequantizeCastOp>(user))
      replacement = DecodeOp::create(b, user->getLoc(),
                                     imported->type.getDecodedType(),
                                     compressed);
    else
      replacement =
          DisassembleOp::create(b, user->getLoc(),
                                imported->type.getPartTypes(), compressed)
              .getResult(0);
    user->getResult(0).replaceAllUsesWith(replacement);
    user->erase();
  }
  producer->erase();
  return success();
}

namespace {
struct MCImportQuant : public mc::impl::MCImportQuantBase<MCImportQuant> {
  void runOnOperation() override {
    SmallVector<Operation *> producers;
    getOperation()->walk([&](Operation *op) {
      if (isa<quant::QuantizeCastOp>(op) ||
          (isa<quant::StorageCastOp>(op) &&
           isa<quant::QuantizedType>(getElementTypeOrSelf(op->getResult(0)))))
        producers.push_back(op);
    });
    for (Operation *op : producers)
      if (failed(importProducer(op, op->getOperand(0),
                                isa<quant::QuantizeCastOp>(op))))
        return signalPassFailure();
    // Anything quantized that is left came from somewhere mc cannot follow.
    WalkResult result = getOperation()->walk([](Operation *op) {
      if (!isa<quant::DequantizeCastOp, quant::StorageCastOp>(op))
        return WalkResult::advance();
      op->emitOpError("consumes a !quant.uniform value that does not come "
                      "from quant.qcast or quant.scast; cannot import it");
      return WalkResult::interrupt();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace

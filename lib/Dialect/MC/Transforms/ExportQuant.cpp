//===- ExportQuant.cpp - mc uniform encodings to !quant.uniform -----------===//

#include "mc/Dialect/MC/Transforms/Passes.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"

namespace mc {
#define GEN_PASS_DEF_MCEXPORTQUANT
#include "mc/Dialect/MC/Transforms/Passes.h.inc"
} // namespace mc

using namespace mlir;
using namespace mc;

/// The `tensor<... x !quant.uniform<...>>` type equivalent to `type` with
/// parameters `params` (scales, optional zero points), or an error on `op`.
static FailureOr<RankedTensorType> exportType(Operation *op,
                                              CompressedType type,
                                              ValueRange params) {
  auto enc = dyn_cast<UniformEncodingAttr>(type.getEncoding());
  if (!enc)
    return op->emitOpError("cannot export ")
           << type.getEncoding() << ": !quant.uniform has no equivalent";
  SmallVector<DenseElementsAttr> constants;
  for (Value param : params)
    if (!matchPattern(param, m_Constant(&constants.emplace_back())))
      return op->emitOpError("cannot export: ")
             << enc.getPartName(constants.size())
             << " are not constants, and !quant.uniform needs them in the type";

  MLIRContext *ctx = op->getContext();
  SmallVector<double> scales;
  for (APFloat s : constants[0].getValues<APFloat>())
    scales.push_back(s.convertToDouble());
  SmallVector<int64_t> zeroPoints(scales.size(), 0);
  if (constants.size() > 1)
    for (auto [i, zp] : llvm::enumerate(constants[1].getValues<APInt>()))
      zeroPoints[i] = zp.getSExtValue();

  unsigned width = enc.getStorage().getWidth();
  unsigned flags = enc.isSigned() ? quant::QuantizationFlags::Signed : 0;
  Type storage = IntegerType::get(ctx, width);
  Type expressed = type.getExpressedType();
  auto emitError = [&] {
    return op->emitOpError("cannot export to !quant.uniform: ");
  };
  Type quantType;
  if (enc.getAxis()) {
    quantType = quant::UniformQuantizedPerAxisType::getChecked(
        emitError, flags, storage, expressed, scales, zeroPoints, *enc.getAxis(),
        enc.getQMin(), enc.getQMax());
  } else if (enc.getBlock().empty()) {
    quantType = quant::UniformQuantizedType::getChecked(
        emitError, flags, storage, expressed, scales[0], zeroPoints[0],
        enc.getQMin(), enc.getQMax());
  } else {
    SmallVector<int32_t> dims;
    SmallVector<int64_t> sizes;
    for (auto [dim, size] : llvm::enumerate(enc.getBlock())) {
      if (size == type.getShape()[dim])
        continue;
      dims.push_back(dim);
      sizes.push_back(size);
    }
    auto scaleType = RankedTensorType::get(constants[0].getType().getShape(),
                                           expressed);
    // Sub-channel zero points are stored in the storage type.
    auto zpType = RankedTensorType::get(scaleType.getShape(), storage);
    SmallVector<APInt> zps;
    for (int64_t z : zeroPoints)
      zps.push_back(APInt(width, z, /*isSigned=*/true, /*implicitTrunc=*/true));
    quantType = quant::UniformQuantizedSubChannelType::getChecked(
        emitError, flags, storage, expressed,
        constants[0].reshape(scaleType), DenseElementsAttr::get(zpType, zps),
        dims, sizes, enc.getQMin(), enc.getQMax());
  }
  if (!quantType)
    return failure();
  return RankedTensorType::get(type.getShape(), quantType);
}

/// Replaces an mc.encode / mc.assemble and its users.
static LogicalResult exportProducer(Operation *producer, CompressedType type,
                                    Value source, ValueRange params,
                                    bool isEncode) {
  Value compressed = producer->getResult(0);
  for (Operation *user : compressed.getUsers()) {
    auto disassemble = dyn_cast<DisassembleOp>(user);
    if (isa<DecodeOp>(user) || disassemble)
      continue;
    return user->emitOpError("uses a compressed value that --mc-export-quant "
                             "cannot express with quant casts");
  }
  FailureOr<RankedTensorType> quantTensor =
      exportType(producer, type, params);
  if (failed(quantTensor))
    return failure();

  OpBuilder b(producer);
  Location loc = producer->getLoc();
  Value quantized =
      isEncode ? quant::QuantizeCastOp::create(b, loc, *quantTensor, source)
                     .getResult()
               : quant::StorageCastOp::create(b, loc, *quantTensor, source)
                     .getResult();
  for (Operation *user : llvm::make_early_inc_range(compressed.getUsers())) {
    b.setInsertionPoint(user);
    if (auto decode = dyn_cast<DecodeOp>(user)) {
      decode.getResult().replaceAllUsesWith(quant::DequantizeCastOp::create(
          b, decode.getLoc(), decode.getType(), quantized));
    } else {
      auto disassemble = cast<DisassembleOp>(user);
      SmallVector<Value> parts{quant::StorageCastOp::create(
          b, disassemble.getLoc(), disassemble.getResult(0).getType(),
          quantized)};
      llvm::append_range(parts, params);
      disassemble->replaceAllUsesWith(ValueRange(parts));
    }
    user->erase();
  }
  producer->erase();
  return success();
}

namespace {
struct MCExportQuant : public mc::impl::MCExportQuantBase<MCExportQuant> {
  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation()->walk([&](Operation *op) {
      if (isa<EncodeOp, AssembleOp, FakeQuantOp>(op))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      LogicalResult result = success();
      if (auto encode = dyn_cast<EncodeOp>(op)) {
        result = exportProducer(op, encode.getType(), encode.getInput(),
                                encode.getParams(), /*isEncode=*/true);
      } else if (auto assemble = dyn_cast<AssembleOp>(op)) {
        result = exportProducer(op, assemble.getType(),
                                assemble.getParts().front(),
                                assemble.getParts().drop_front(),
                                /*isEncode=*/false);
      } else {
        auto fakeQuant = cast<FakeQuantOp>(op);
        FailureOr<RankedTensorType> quantTensor = exportType(
            op, fakeQuant.getCompressedType(), fakeQuant.getParams());
        if (failed(quantTensor))
          return signalPassFailure();
        OpBuilder b(op);
        Value q = quant::QuantizeCastOp::create(b, op->getLoc(), *quantTensor,
                                                fakeQuant.getInput());
        fakeQuant.getResult().replaceAllUsesWith(quant::DequantizeCastOp::create(
            b, op->getLoc(), fakeQuant.getType(), q));
        op->erase();
      }
      if (failed(result))
        return signalPassFailure();
    }
  }
};
} // namespace

//===- MCOps.cpp - mc operations ------------------------------------------===//

#include "mc/Dialect/MC/IR/MC.h"
#include "mc/Dialect/MC/IR/Numerics.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mc;

#define GET_OP_CLASSES
#include "mc/Dialect/MC/IR/MCOps.cpp.inc"

/// N:M sparsity has no encode: which positions to keep is a choice (e.g.
/// `--mc-prune mode=nm`), not a function of the dense tensor and parameters.
static LogicalResult verifyEncodable(Operation *op,
                                     EncodingAttrInterface encoding) {
  if (isa<NMEncodingAttr>(encoding))
    return op->emitOpError("cannot encode ")
           << encoding << " from a dense tensor: choose the kept positions "
           << "(e.g. with --mc-prune mode=nm) and build it with mc.assemble";
  return success();
}

/// Checks that `actual` are the types of the parts of `type` starting at part
/// `first`, and that constant `values` among them are valid.
static LogicalResult verifyParts(Operation *op, CompressedType type,
                                 TypeRange actual, unsigned first,
                                 ValueRange values, StringRef what) {
  EncodingAttrInterface encoding = type.getEncoding();
  SmallVector<Type> expected = type.getPartTypes();
  unsigned numExpected = expected.size() - first;
  if (actual.size() != numExpected) {
    InFlightDiagnostic diag = op->emitOpError("expected ")
                              << numExpected << " " << what << " (";
    for (unsigned i = first; i < expected.size(); ++i)
      diag << (i == first ? "" : ", ") << encoding.getPartName(i);
    return diag << ") for " << type << ", got " << actual.size();
  }
  for (unsigned i = 0; i < numExpected; ++i) {
    if (actual[i] == expected[first + i])
      continue;
    return op->emitOpError()
           << encoding.getPartName(first + i) << " must have type "
           << expected[first + i] << " ("
           << describeEncodingGranularity(encoding) << " encoding of "
           << type.getDecodedType() << "), got " << actual[i];
  }
  SmallVector<Attribute> constants(first, Attribute());
  for (Value value : values) {
    Attribute attr;
    matchPattern(value, m_Constant(&attr));
    constants.push_back(attr);
  }
  return encoding.verifyPartValues(constants,
                                   [&] { return op->emitOpError(); });
}

//===----------------------------------------------------------------------===//
// AssembleOp / DisassembleOp
//===----------------------------------------------------------------------===//

LogicalResult AssembleOp::verify() {
  auto type = getType();
  return verifyParts(*this, type, getParts().getTypes(), 0, getParts(),
                     "parts");
}

LogicalResult DisassembleOp::verify() {
  return verifyParts(*this, getInput().getType(), getParts().getTypes(), 0,
                     {}, "results");
}

LogicalResult DisassembleOp::fold(FoldAdaptor,
                                  SmallVectorImpl<OpFoldResult> &results) {
  auto assemble = getInput().getDefiningOp<AssembleOp>();
  if (!assemble)
    return failure();
  llvm::append_range(results, assemble.getParts());
  return success();
}

//===----------------------------------------------------------------------===//
// DecodeOp
//===----------------------------------------------------------------------===//

LogicalResult DecodeOp::verify() {
  RankedTensorType expected = getInput().getType().getDecodedType();
  if (getType() != expected)
    return emitOpError("result must have type ")
           << expected << ", got " << getType();
  return success();
}

//===----------------------------------------------------------------------===//
// EncodeOp
//===----------------------------------------------------------------------===//

LogicalResult EncodeOp::verify() {
  CompressedType type = getType();
  if (failed(verifyEncodable(*this, type.getEncoding())))
    return failure();
  if (getInput().getType() != type.getDecodedType())
    return emitOpError("input must have type ")
           << type.getDecodedType() << ", got " << getInput().getType();
  return verifyParts(*this, type, getParams().getTypes(), 1, getParams(),
                     "parameters");
}

namespace {
/// Evaluates an encode of constants at compile time: the payload becomes a
/// constant and the op an `mc.assemble`.
struct FoldConstantEncode : OpRewritePattern<EncodeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(EncodeOp op,
                                PatternRewriter &rewriter) const override {
    DenseElementsAttr input;
    if (!matchPattern(op.getInput(), m_Constant(&input)))
      return failure();
    // Folding expands the values as floats: past 2^26 of them (a splat
    // too), the encode stays for run time rather than take gigabytes here.
    if (input.getNumElements() > (int64_t(1) << 26))
      return failure();
    SmallVector<DenseElementsAttr> params;
    for (Value param : op.getParams())
      if (!matchPattern(param, m_Constant(&params.emplace_back())))
        return failure();
    DenseElementsAttr payload = encodeConstant(op.getType(), input, params);
    if (!payload)
      return failure();
    SmallVector<Value> parts{
        arith::ConstantOp::create(rewriter, op.getLoc(), payload)};
    llvm::append_range(parts, op.getParams());
    rewriter.replaceOpWithNewOp<AssembleOp>(op, op.getType(), parts);
    return success();
  }
};
} // namespace

void EncodeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                           MLIRContext *context) {
  results.add<FoldConstantEncode>(context);
}

//===----------------------------------------------------------------------===//
// FakeQuantOp
//===----------------------------------------------------------------------===//

CompressedType FakeQuantOp::getCompressedType() {
  auto inputType = cast<RankedTensorType>(getInput().getType());
  return CompressedType::get(inputType, getEncoding());
}

LogicalResult FakeQuantOp::verify() {
  auto inputType = cast<RankedTensorType>(getInput().getType());
  if (failed(verifyEncodable(*this, getEncoding())))
    return failure();
  if (failed(getEncoding().verifyForShape(
          inputType.getShape(), inputType.getElementType(),
          [&] { return emitOpError(); })))
    return failure();
  if (getType() != inputType)
    return emitOpError("result type ")
           << getType() << " must match the input type " << inputType;
  return verifyParts(*this, getCompressedType(), getParams().getTypes(), 1,
                     getParams(), "parameters");
}

//===----------------------------------------------------------------------===//
// Dot4Op
//===----------------------------------------------------------------------===//

/// Checks that `lhs` holds `perLane` elements per i32 lane of `acc`.
static LogicalResult verifyDotLanes(Operation *op, Value accValue,
                                    Value lhsValue, int64_t perLane,
                                    StringRef what) {
  auto acc = cast<VectorType>(accValue.getType());
  auto lhs = cast<VectorType>(lhsValue.getType());
  if (acc.isScalable() || lhs.isScalable() ||
      lhs.getNumElements() != perLane * acc.getNumElements())
    return op->emitOpError("expected ")
           << perLane << " " << what << " per i32 lane, got " << lhs
           << " for " << acc;
  return success();
}

LogicalResult Dot4Op::verify() {
  return verifyDotLanes(*this, getAcc(), getLhs(), 4, "bytes");
}

//===----------------------------------------------------------------------===//
// Dot2Op
//===----------------------------------------------------------------------===//

LogicalResult Dot2Op::verify() {
  return verifyDotLanes(*this, getAcc(), getLhs(), 2, "i16 elements");
}

//===----------------------------------------------------------------------===//
// TableLookupOp
//===----------------------------------------------------------------------===//

LogicalResult TableLookupOp::verify() {
  auto indices = cast<VectorType>(getIndices().getType());
  if (indices.isScalable() || indices.getNumElements() % 8)
    return emitOpError("expected a multiple of 8 indices (tbl's 8 or 16 "
                       "bytes per instruction), got ")
           << indices;
  return success();
}

//===----------------------------------------------------------------------===//
// SparseMmaOp
//===----------------------------------------------------------------------===//

LogicalResult SparseMmaOp::verify() {
  auto values = cast<VectorType>(getValues().getType());
  auto meta = cast<VectorType>(getMeta().getType());
  auto rhs = cast<VectorType>(getRhs().getType());
  auto acc = cast<VectorType>(getAcc().getType());
  for (VectorType type : {values, meta, rhs, acc})
    if (type.isScalable())
      return emitOpError("expected fixed-size vectors");
  int64_t rows = values.getDimSize(0), k = 2 * values.getDimSize(1);
  if (k % 16)
    return emitOpError("expected a multiple of 8 values per row, got ")
           << values;
  if (meta.getShape() != ArrayRef<int64_t>{rows, k / 16})
    return emitOpError("expected metadata of shape ")
           << rows << "x" << k / 16 << " for " << values << ", got " << meta;
  if (rhs.getDimSize(1) != k)
    return emitOpError("expected the rhs to have K = ")
           << k << " columns, got " << rhs;
  if (acc.getShape() != ArrayRef<int64_t>{rows, rhs.getDimSize(0)})
    return emitOpError("expected an accumulator of shape ")
           << rows << "x" << rhs.getDimSize(0) << ", got " << acc;
  Type elt = values.getElementType(), accElt = acc.getElementType();
  if (elt.isInteger(8) != accElt.isInteger(32))
    return emitOpError("expected i32 accumulators for i8 operands and f32 "
                       "for f16/bf16, got ")
           << accElt << " for " << elt;
  return success();
}

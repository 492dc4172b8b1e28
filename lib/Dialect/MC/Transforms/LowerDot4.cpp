//===- LowerDot4.cpp - mc's pure vector ops to intrinsics or vectors ------===//
//
// mc.dot4, mc.byte_shuffle and mc.table_lookup stand for instructions that
// MLIR 22's vector, x86vector and arm_neon dialects lack. They are pure, so
// they bufferize with the kernels; this pass runs after bufferization and
// turns them into `llvm.call_intrinsic` of the target's instruction or into
// exact plain vector code.
//
//===----------------------------------------------------------------------===//

#include "mc/Dialect/MC/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mc {
#define GEN_PASS_DEF_MCLOWERDOT4
#include "mc/Dialect/MC/Transforms/Passes.h.inc"
} // namespace mc

using namespace mlir;
using namespace mc;

/// Bytes [offset, offset + size) of a 1-D vector.
static Value slice(PatternRewriter &rewriter, Location loc, Value vector,
                   int64_t offset, int64_t size) {
  if (offset == 0 &&
      cast<VectorType>(vector.getType()).getNumElements() == size)
    return vector;
  return vector::ExtractStridedSliceOp::create(rewriter, loc, vector, offset,
                                               size, 1);
}

/// AArch64 `tbl` over as many 16-byte `tables` (1 to 4) as given: each
/// index selects a byte of their concatenation, an index past it gives 0.
/// `indices` is a multiple of 8 bytes, looked up 16 (else 8) at a time.
static Value emitTbl(PatternRewriter &rewriter, Location loc,
                     function_ref<ArrayRef<Value>(int64_t)> tablesAt,
                     Value indices) {
  auto type = cast<VectorType>(indices.getType());
  int64_t bytes = type.getNumElements();
  Value result = arith::ConstantOp::create(rewriter, loc,
                                           rewriter.getZeroAttr(type));
  for (int64_t offset = 0; offset < bytes;) {
    int64_t size = bytes - offset >= 16 ? 16 : 8;
    ArrayRef<Value> tables = tablesAt(offset);
    SmallVector<Value> operands(tables.begin(), tables.end());
    operands.push_back(slice(rewriter, loc, indices, offset, size));
    std::string name = "llvm.aarch64.neon.tbl" +
                       std::to_string(tables.size()) + ".v" +
                       std::to_string(size) + "i8";
    Value part = LLVM::CallIntrinsicOp::create(
                     rewriter, loc,
                     VectorType::get({size}, rewriter.getI8Type()),
                     rewriter.getStringAttr(name), operands)
                     .getResult(0);
    if (size == bytes)
      return part;
    result = vector::InsertStridedSliceOp::create(rewriter, loc, part, result,
                                                  offset, 1);
    offset += size;
  }
  return result;
}

namespace {
struct LowerDot4 : OpRewritePattern<Dot4Op> {
  LowerDot4(MLIRContext *context, bool vnni)
      : OpRewritePattern(context), vnni(vnni) {}

  LogicalResult matchAndRewrite(Dot4Op op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto accType = cast<VectorType>(op.getAcc().getType());
    int64_t lanes = accType.getNumElements();
    if (vnni && op.getLhsUnsigned() &&
        (lanes == 4 || lanes == 8 || lanes == 16)) {
      std::string name =
          "llvm.x86.avx512.vpdpbusd." + std::to_string(lanes * 32);
      rewriter.replaceOpWithNewOp<LLVM::CallIntrinsicOp>(
          op, accType, rewriter.getStringAttr(name),
          ValueRange{op.getAcc(), op.getLhs(), op.getRhs()});
      return success();
    }
    auto wide = VectorType::get({lanes * 4}, rewriter.getI32Type());
    Value lhs =
        op.getLhsUnsigned()
            ? arith::ExtUIOp::create(rewriter, loc, wide, op.getLhs())
                  .getResult()
            : arith::ExtSIOp::create(rewriter, loc, wide, op.getLhs())
                  .getResult();
    Value rhs = arith::ExtSIOp::create(rewriter, loc, wide, op.getRhs());
    Value product = arith::MulIOp::create(rewriter, loc, lhs, rhs);
    // Sum each group of four with 1-D shuffles (lanes t, t + 4, ...), which
    // every LLVM backend handles.
    Value sum = op.getAcc();
    for (int64_t t = 0; t < 4; ++t) {
      SmallVector<int64_t> mask;
      for (int64_t i = 0; i < lanes; ++i)
        mask.push_back(4 * i + t);
      Value part =
          vector::ShuffleOp::create(rewriter, loc, product, product, mask);
      sum = arith::AddIOp::create(rewriter, loc, sum, part);
    }
    rewriter.replaceOp(op, sum);
    return success();
  }

  bool vnni;
};

struct LowerByteShuffle : OpRewritePattern<ByteShuffleOp> {
  LowerByteShuffle(MLIRContext *context, bool x86, bool neon)
      : OpRewritePattern(context), x86(x86), neon(neon) {}

  LogicalResult matchAndRewrite(ByteShuffleOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<VectorType>(op.getType());
    int64_t bytes = type.getNumElements();
    if (neon) {
      // Keeping the sign bit and the low four bits makes a negative index
      // >= 128, past tbl's 16-byte table, so it gives 0 as in pshufb.
      Value mask = arith::ConstantOp::create(
          rewriter, loc,
          DenseElementsAttr::get(type, rewriter.getI8IntegerAttr(-113)));
      Value indices =
          arith::AndIOp::create(rewriter, loc, op.getIndices(), mask);
      Value lane;
      rewriter.replaceOp(
          op, emitTbl(
                  rewriter, loc,
                  [&](int64_t offset) {
                    lane = slice(rewriter, loc, op.getTable(), offset, 16);
                    return ArrayRef<Value>(lane);
                  },
                  indices));
      return success();
    }
    if (x86) {
      StringRef name = bytes == 64   ? "llvm.x86.avx512.pshuf.b.512"
                       : bytes == 32 ? "llvm.x86.avx2.pshuf.b"
                                     : "llvm.x86.ssse3.pshuf.b.128";
      rewriter.replaceOpWithNewOp<LLVM::CallIntrinsicOp>(
          op, type, rewriter.getStringAttr(name),
          ValueRange{op.getTable(), op.getIndices()});
      return success();
    }
    // One compare and select per position p of a lane: where the low four
    // bits of the index are p, take byte p of the lane (a static shuffle).
    auto constant = [&](int64_t v) {
      return arith::ConstantOp::create(
          rewriter, loc, DenseElementsAttr::get(type, rewriter.getI8IntegerAttr(v)));
    };
    Value zero = constant(0);
    Value low = arith::AndIOp::create(rewriter, loc, op.getIndices(),
                                      constant(15));
    Value result = zero;
    for (int64_t p = 0; p < 16; ++p) {
      SmallVector<int64_t> mask;
      for (int64_t i = 0; i < bytes; ++i)
        mask.push_back(i / 16 * 16 + p);
      Value picked = vector::ShuffleOp::create(rewriter, loc, op.getTable(),
                                               op.getTable(), mask);
      Value hit = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq,
                                        low, constant(p));
      result = arith::SelectOp::create(rewriter, loc, hit, picked, result);
    }
    Value negative = arith::CmpIOp::create(
        rewriter, loc, arith::CmpIPredicate::slt, op.getIndices(), zero);
    rewriter.replaceOpWithNewOp<arith::SelectOp>(op, negative, zero, result);
    return success();
  }

  bool x86, neon;
};

struct LowerTableLookup : OpRewritePattern<TableLookupOp> {
  LowerTableLookup(MLIRContext *context, bool neon)
      : OpRewritePattern(context), neon(neon) {}

  LogicalResult matchAndRewrite(TableLookupOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto tableType = cast<VectorType>(op.getTable().getType());
    int64_t entries = tableType.getNumElements();
    if (neon) {
      SmallVector<Value> tables;
      for (int64_t t = 0; t < entries; t += 16)
        tables.push_back(slice(rewriter, loc, op.getTable(), t, 16));
      rewriter.replaceOp(op, emitTbl(
                                 rewriter, loc,
                                 [&](int64_t) { return ArrayRef(tables); },
                                 op.getIndices()));
      return success();
    }
    // Exact anywhere: an extract per byte at the index clamped into the
    // table (an index past a vector is poison), then zero where it was past.
    auto type = cast<VectorType>(op.getType());
    auto splat = [&](int64_t v) {
      return arith::ConstantOp::create(
          rewriter, loc,
          DenseElementsAttr::get(type, rewriter.getI8IntegerAttr(v)));
    };
    Value clamped = arith::MinUIOp::create(rewriter, loc, op.getIndices(),
                                           splat(entries - 1));
    SmallVector<Value> bytes;
    for (int64_t i = 0; i < type.getNumElements(); ++i) {
      Value index = vector::ExtractOp::create(rewriter, loc, clamped,
                                              ArrayRef<int64_t>{i});
      Value position = arith::IndexCastUIOp::create(
          rewriter, loc, rewriter.getIndexType(), index);
      bytes.push_back(vector::ExtractOp::create(
          rewriter, loc, op.getTable(), ArrayRef<OpFoldResult>{position}));
    }
    Value looked = vector::FromElementsOp::create(rewriter, loc, type, bytes);
    Value inRange =
        arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::ult,
                              op.getIndices(), splat(entries));
    rewriter.replaceOpWithNewOp<arith::SelectOp>(op, inRange, looked, splat(0));
    return success();
  }

  bool neon;
};

/// The decoded R x K left operand as selects of static shuffles of the
/// values and metadata, then a vector.contract with the rhs.
struct LowerSparseMma : OpRewritePattern<SparseMmaOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SparseMmaOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto valuesType = cast<VectorType>(op.getValues().getType());
    Type elt = valuesType.getElementType();
    int64_t rows = valuesType.getDimSize(0), half = valuesType.getDimSize(1),
            k = 2 * half, size = rows * k;
    auto flat = [&](Value v) {
      auto type = cast<VectorType>(v.getType());
      return vector::ShapeCastOp::create(
          rewriter, loc,
          VectorType::get({type.getNumElements()}, type.getElementType()), v);
    };
    Value values = flat(op.getValues()), meta = flat(op.getMeta());
    // For every element (r, c) of A: its chunk's two values and metadata
    // word, and the shifts of the two positions in the word.
    SmallVector<int64_t> first, second, word;
    SmallVector<int16_t> shift0, shift1, position;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < k; ++c) {
        first.push_back(r * half + c / 4 * 2);
        second.push_back(r * half + c / 4 * 2 + 1);
        word.push_back(r * (k / 16) + c / 16);
        shift0.push_back(c % 16 / 4 * 4);
        shift1.push_back(c % 16 / 4 * 4 + 2);
        position.push_back(c % 4);
      }
    auto i16Type = VectorType::get({size}, rewriter.getI16Type());
    auto i16Const = [&](ArrayRef<int16_t> v) -> Value {
      return arith::ConstantOp::create(
          rewriter, loc, DenseElementsAttr::get(i16Type, v));
    };
    Value words =
        vector::ShuffleOp::create(rewriter, loc, meta, meta, word);
    Value three = i16Const(SmallVector<int16_t>(size, 3));
    auto positionOf = [&](ArrayRef<int16_t> shift) -> Value {
      Value shifted =
          arith::ShRUIOp::create(rewriter, loc, words, i16Const(shift));
      return arith::AndIOp::create(rewriter, loc, shifted, three);
    };
    Value here = i16Const(position);
    auto isAt = [&](ArrayRef<int16_t> shift) -> Value {
      return arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq,
                                   positionOf(shift), here);
    };
    auto denseType = VectorType::get({size}, elt);
    Value zero = arith::ConstantOp::create(rewriter, loc,
                                           rewriter.getZeroAttr(denseType));
    Value dense = arith::SelectOp::create(
        rewriter, loc, isAt(shift1),
        vector::ShuffleOp::create(rewriter, loc, values, values, second),
        zero);
    dense = arith::SelectOp::create(
        rewriter, loc, isAt(shift0),
        vector::ShuffleOp::create(rewriter, loc, values, values, first),
        dense);
    Value lhs = vector::ShapeCastOp::create(
        rewriter, loc, VectorType::get({rows, k}, elt), dense);
    MLIRContext *ctx = rewriter.getContext();
    AffineExpr m, n, kk;
    bindDims(ctx, m, n, kk);
    rewriter.replaceOpWithNewOp<vector::ContractionOp>(
        op, lhs, op.getRhs(), op.getAcc(),
        rewriter.getAffineMapArrayAttr(AffineMap::inferFromExprList(
            ArrayRef<ArrayRef<AffineExpr>>{{m, kk}, {n, kk}, {m, n}}, ctx)),
        rewriter.getArrayAttr(
            {vector::IteratorTypeAttr::get(ctx, vector::IteratorType::parallel),
             vector::IteratorTypeAttr::get(ctx, vector::IteratorType::parallel),
             vector::IteratorTypeAttr::get(ctx,
                                           vector::IteratorType::reduction)}));
    return success();
  }
};

struct MCLowerDot4 : mc::impl::MCLowerDot4Base<MCLowerDot4> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<LowerDot4>(&getContext(), vnni);
    // Every AVX512-VNNI CPU has AVX512-BW (vpshufb on zmm).
    patterns.add<LowerByteShuffle>(&getContext(), vnni, neon);
    patterns.add<LowerTableLookup>(&getContext(), neon);
    patterns.add<LowerSparseMma>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

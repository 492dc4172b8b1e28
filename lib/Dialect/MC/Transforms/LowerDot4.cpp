//===- LowerDot4.cpp - mc.dot4, mc.byte_shuffle to x86 or plain vectors ---===//

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
  LowerByteShuffle(MLIRContext *context, bool x86)
      : OpRewritePattern(context), x86(x86) {}

  LogicalResult matchAndRewrite(ByteShuffleOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<VectorType>(op.getType());
    int64_t bytes = type.getNumElements();
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

  bool x86;
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
    patterns.add<LowerByteShuffle>(&getContext(), vnni);
    patterns.add<LowerSparseMma>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

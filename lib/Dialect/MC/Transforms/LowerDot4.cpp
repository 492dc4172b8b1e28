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

struct MCLowerDot4 : mc::impl::MCLowerDot4Base<MCLowerDot4> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<LowerDot4>(&getContext(), vnni);
    // Every AVX512-VNNI CPU has AVX512-BW (vpshufb on zmm).
    patterns.add<LowerByteShuffle>(&getContext(), vnni);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

//===- LowerDot4.cpp - mc.dot4 to vpdpbusd or vector arithmetic -----------===//

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

struct MCLowerDot4 : mc::impl::MCLowerDot4Base<MCLowerDot4> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<LowerDot4>(&getContext(), vnni);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

//===- CPUKernels.cpp - contractions to tiled CPU kernels -----------------===//
//
// Implements --mc-cpu-kernels: finds the contractions the kernel emitters in
// Kernels/ handle and rewrites them; everything else is left for the
// reference lowering.
//
//===----------------------------------------------------------------------===//

#include "Kernels/KernelSupport.h"
#include "Kernels/Kernels.h"
#include "mc/Dialect/MC/IR/Numerics.h"
#include "mc/Dialect/MC/Transforms/Passes.h"
#include "mc/Dialect/MC/Transforms/Weights.h"

#include "mlir/Dialect/ArmNeon/ArmNeonDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"

namespace mc {
#define GEN_PASS_DEF_MCCPUKERNELS
#include "mc/Dialect/MC/Transforms/Passes.h.inc"
} // namespace mc

using namespace mlir;

/// The weight of an f32 matmul decoded from constant N:M int kept values
/// becomes the same weight as a dense `#mc.uniform` payload (equal bit for
/// bit, dropped elements at the zero point), which the weight-only kernel
/// takes: 8 bits per weight read instead of 5 for 2:4 int8, in place of
/// the reference loops.
static void densifyNMUniformWeight(RewriterBase &rewriter,
                                   mc::DecodeOp decode) {
  auto assemble = decode.getInput().getDefiningOp<mc::AssembleOp>();
  if (!assemble || !llvm::all_of(decode->getUses(), [](OpOperand &use) {
        return isa<linalg::MatmulOp>(use.getOwner()) &&
               use.getOperandNumber() == 1;
      }))
    return;
  SmallVector<DenseElementsAttr> parts, dense;
  for (Value part : assemble.getParts())
    if (!matchPattern(part, m_Constant(&parts.emplace_back())))
      return;
  mc::CompressedType type =
      mc::densifyNMUniform(decode.getInput().getType(), parts, dense);
  if (!type)
    return;
  rewriter.setInsertionPoint(decode);
  SmallVector<Value> values;
  for (DenseElementsAttr part : dense)
    values.push_back(
        arith::ConstantOp::create(rewriter, decode.getLoc(), part));
  Value compressed =
      mc::AssembleOp::create(rewriter, decode.getLoc(), type, values);
  rewriter.replaceOpWithNewOp<mc::DecodeOp>(decode, decode.getType(),
                                            compressed);
  mc::eraseDeadAssemble(rewriter, assemble);
}

namespace {
/// Records the ops that rewrites erase, so that candidates collected before
/// them can be skipped.
struct ErasedOps : RewriterBase::Listener {
  void notifyOperationErased(Operation *op) override { ops.insert(op); }
  llvm::DenseSet<Operation *> ops;
};

struct MCCPUKernels : mc::impl::MCCPUKernelsBase<MCCPUKernels> {
  using Base::Base;

  void runOnOperation() override {
    // A register tile of at most 32 x 32 vectors (far past any register
    // file): the bound keeps the unrolled code finite.
    if (tileM < 0 || tileM > 32 || tileN < 0 || tileN > 32) {
      emitError(getOperation().getLoc())
          << "mc-cpu-kernels: tile-m and tile-n must be in 0..32 (0: the "
             "ISA's default)";
      return signalPassFailure();
    }
    FailureOr<mc::kernels::KernelConfig> config =
        mc::kernels::getKernelConfig(isa, tileM, tileN);
    if (failed(config)) {
      emitError(getOperation().getLoc())
          << "mc-cpu-kernels: unknown isa '" << isa
          << "' (expected generic, avx2, avx-vnni, avx512-vnni, neon, "
             "neon-dotprod or neon-i8mm, optionally followed by ','-separated "
             "further ISAs of the target)";
      return signalPassFailure();
    }
    if (blockM < 0) {
      emitError(getOperation().getLoc())
          << "mc-cpu-kernels: block-m must not be negative";
      return signalPassFailure();
    }
    config->blockM = blockM;
    mc::kernels::setCPUTuning(*config, cpu);
    // Integer N:M weights (W8A8 of a pruned model) become the dense i8
    // constants the 2:4 kernel packs (or the dense kernel, on other ISAs);
    // weight-only N:M int kept values a dense payload.
    IRRewriter foldRewriter(&getContext());
    getOperation().walk([&](mc::DecodeOp decode) {
      foldRewriter.setInsertionPoint(decode);
      if (failed(mc::foldConstantNMDecode(foldRewriter, decode,
                                          /*integerOnly=*/true)))
        densifyNMUniformWeight(foldRewriter, decode);
    });
    // Ops with an empty operand are left to the reference lowering.
    using mc::hasEmptyOperand;
    IRRewriter convRewriter(&getContext());
    SmallVector<Operation *> convs;
    getOperation().walk([&](Operation *op) {
      if (llvm::isa<linalg::Conv2DNhwcHwcfOp, linalg::Conv2DNchwFchwOp>(op) &&
          !hasEmptyOperand(op))
        convs.push_back(op);
    });
    // Their matmuls are rewritten with the others below.
    for (Operation *conv : convs)
      (void)mc::kernels::rewriteInt8Conv(convRewriter, conv);
    SmallVector<linalg::MatmulOp> matmuls;
    getOperation().walk([&](linalg::MatmulOp op) {
      if (!hasEmptyOperand(op))
        matmuls.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::MatmulOp matmul : matmuls)
      if (failed(mc::kernels::rewriteInt8SparseMatmul(rewriter, matmul,
                                                      *config)) &&
          failed(mc::kernels::rewriteInt8Matmul(rewriter, matmul, *config)) &&
          failed(mc::kernels::rewriteSparseMatmul(rewriter, matmul, *config)) &&
          failed(
              mc::kernels::rewriteCodebookMatmul(rewriter, matmul, *config)) &&
          failed(mc::kernels::rewriteWeightOnlyMatmul(rewriter, matmul,
                                                      *config)))
        (void)mc::kernels::rewriteF32Matmul(rewriter, matmul, *config);
    // A group combine's rewrite erases its products and its consumer, which
    // are candidates too.
    ErasedOps erased;
    IRRewriter genericRewriter(&getContext(), &erased);
    SmallVector<linalg::GenericOp> generics;
    getOperation().walk([&](linalg::GenericOp op) {
      if (!hasEmptyOperand(op))
        generics.push_back(op);
    });
    for (linalg::GenericOp generic : generics)
      if (!erased.ops.contains(generic) &&
          failed(mc::kernels::rewriteDynamicGroupMatmul(genericRewriter,
                                                        generic, *config)))
        (void)mc::kernels::rewriteRowReduction(genericRewriter, generic,
                                               *config);
  }
};
} // namespace

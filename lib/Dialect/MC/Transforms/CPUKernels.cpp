//===- CPUKernels.cpp - contractions to tiled CPU kernels -----------------===//
//
// Implements --mc-cpu-kernels: finds the contractions the kernel emitters in
// Kernels/ handle and rewrites them; everything else is left for the
// reference lowering.
//
//===----------------------------------------------------------------------===//

#include "Kernels/KernelSupport.h"
#include "Kernels/Kernels.h"
#include "mc/Dialect/MC/Transforms/Passes.h"

#include "mlir/Dialect/ArmNeon/ArmNeonDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace mc {
#define GEN_PASS_DEF_MCCPUKERNELS
#include "mc/Dialect/MC/Transforms/Passes.h.inc"
} // namespace mc

using namespace mlir;

namespace {
struct MCCPUKernels : mc::impl::MCCPUKernelsBase<MCCPUKernels> {
  using Base::Base;

  void runOnOperation() override {
    FailureOr<mc::kernels::KernelConfig> config =
        mc::kernels::getKernelConfig(isa, tileM, tileN);
    if (failed(config)) {
      getOperation().emitError()
          << "mc-cpu-kernels: unknown isa '" << isa
          << "' (expected generic, avx2, avx-vnni, avx512-vnni, neon, "
             "neon-dotprod or neon-i8mm) or negative tile size";
      return signalPassFailure();
    }
    IRRewriter convRewriter(&getContext());
    SmallVector<Operation *> convs;
    getOperation().walk([&](Operation *op) {
      if (llvm::isa<linalg::Conv2DNhwcHwcfOp, linalg::Conv2DNchwFchwOp>(op))
        convs.push_back(op);
    });
    for (Operation *conv : convs)
      (void)mc::kernels::rewriteInt8Conv(convRewriter, conv, *config);
    SmallVector<linalg::MatmulOp> matmuls;
    getOperation().walk([&](linalg::MatmulOp op) { matmuls.push_back(op); });
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
    SmallVector<linalg::GenericOp> generics;
    getOperation().walk([&](linalg::GenericOp op) { generics.push_back(op); });
    for (linalg::GenericOp generic : generics)
      (void)mc::kernels::rewriteDynamicGroupMatmul(rewriter, generic, *config);
  }
};
} // namespace

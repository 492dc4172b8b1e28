//===- GPUPipelines.cpp - mc pipelines for NVIDIA GPUs --------------------===//

#include "mc/Pipelines/GPUPipelines.h"
#include "mc/Pipelines/Pipelines.h"
#include "mc/Conversion/Passes.h"
#include "mc/Dialect/MC/IR/MC.h"
#include "mc/Dialect/MC/Transforms/Passes.h"
#include "mc/Dialect/MC/Transforms/Weights.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Pipelines/Passes.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/Passes.h"

#include "llvm/ADT/StringSwitch.h"

using namespace mlir;

llvm::Expected<std::string> mc::getNVPTXFeatures(StringRef chip,
                                                 StringRef ptxVersion) {
  // The PTX ISA version each chip needs first (PTX ISA manual, "Release
  // notes"); sm_80 is the first with cp.async and int8 mma m16n8k32.
  unsigned minimum = llvm::StringSwitch<unsigned>(chip)
                         .Case("sm_80", 70)
                         .Case("sm_86", 71)
                         .Case("sm_87", 74)
                         .Case("sm_89", 78)
                         .Case("sm_90", 78)
                         .Case("sm_90a", 80)
                         .Default(0);
  if (!minimum)
    return llvm::createStringError(
        "unsupported chip '" + chip +
        "': expected sm_80, sm_86, sm_87, sm_89, sm_90 or sm_90a");
  unsigned major, minor;
  auto [majorStr, minorStr] = ptxVersion.split('.');
  if (majorStr.getAsInteger(10, major) || minorStr.getAsInteger(10, minor) ||
      minor > 9)
    return llvm::createStringError("invalid PTX version '" + ptxVersion +
                                   "': expected MAJOR.MINOR, e.g. 8.0");
  unsigned version = major * 10 + minor;
  // What LLVM 22's NVPTX backend can write (CUDA 13.0's ptxas reads up to 9.0).
  static constexpr unsigned known[] = {70, 71, 72, 73, 74, 75, 76, 77, 78, 80,
                                       81, 82, 83, 84, 85, 86, 87, 88, 90};
  if (!llvm::is_contained(known, version))
    return llvm::createStringError("unsupported PTX version '" + ptxVersion +
                                   "': expected 7.0-7.8, 8.0-8.8 or 9.0");
  if (version < minimum)
    return llvm::createStringError(
        "PTX version " + ptxVersion + " does not support " + chip +
        " (it needs at least " + Twine(minimum / 10) + "." +
        Twine(minimum % 10) + ")");
  return "+ptx" + std::to_string(version);
}

namespace {
/// Fails the pipeline with a message (for options found invalid while the
/// pipeline is built, which cannot fail by itself).
struct FailPass : PassWrapper<FailPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(FailPass)
  FailPass(std::string message) : message(std::move(message)) {}
  StringRef getArgument() const override { return "mc-fail"; }
  void runOnOperation() override {
    mlir::emitError(getOperation().getLoc(), message);
    signalPassFailure();
  }
  std::string message;
};

/// The kernels' mma-sized `vector.contract` (A: m x k, B: n x k, C: m x n)
/// as scalar loops over stack buffers, with the vector dialect's semantics:
/// operands sign-extended (integers) or extended (floats) to the
/// accumulator type. Upstream's unrolled contraction lowering gives 100k
/// lines of LLVM IR per kernel; loops keep the JIT fast.
struct ContractToLoops : OpRewritePattern<vector::ContractionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vector::ContractionOp op,
                                PatternRewriter &rewriter) const override {
    MLIRContext *ctx = op.getContext();
    AffineExpr m, n, k;
    bindDims(ctx, m, n, k);
    auto maps = AffineMap::inferFromExprList(
        ArrayRef<ArrayRef<AffineExpr>>{{m, k}, {n, k}, {m, n}}, ctx);
    auto func = op->getParentOfType<func::FuncOp>();
    if (op.getIndexingMapsArray() != maps || !func ||
        op.getKind() != vector::CombiningKind::ADD ||
        !isa<VectorType>(op.getAccType()))
      return failure();
    Location loc = op.getLoc();
    Type accElt = getElementTypeOrSelf(op.getAccType());
    auto lhsType = dyn_cast<VectorType>(op.getLhs().getType());
    auto rhsType = dyn_cast<VectorType>(op.getRhs().getType());
    if (!lhsType || !rhsType)
      return failure();
    int64_t sizeM = lhsType.getDimSize(0), sizeK = lhsType.getDimSize(1),
            sizeN = rhsType.getDimSize(0);
    // Buffers at function entry: allocas in the kernel's loops would grow
    // the stack each iteration.
    SmallVector<Value> operands{op.getLhs(), op.getRhs(), op.getAcc()};
    SmallVector<Value> buffers;
    {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToStart(&func.getBody().front());
      for (Value v : operands) {
        auto type = cast<VectorType>(v.getType());
        buffers.push_back(memref::AllocaOp::create(
            rewriter, loc,
            MemRefType::get(type.getShape(), type.getElementType())));
      }
    }
    auto index = [&](int64_t v) -> Value {
      return arith::ConstantIndexOp::create(rewriter, loc, v);
    };
    Value zero = index(0), one = index(1);
    for (auto [v, buffer] : llvm::zip(operands, buffers))
      vector::TransferWriteOp::create(rewriter, loc, v, buffer,
                                      ValueRange{zero, zero},
                                      ArrayRef<bool>{true, true});
    auto extend = [&](OpBuilder &b, Location loc, Value v) -> Value {
      if (v.getType() == accElt)
        return v;
      if (isa<IntegerType>(accElt))
        return arith::ExtSIOp::create(b, loc, accElt, v);
      return arith::ExtFOp::create(b, loc, accElt, v);
    };
    scf::buildLoopNest(
        rewriter, loc, ValueRange{zero, zero, zero},
        ValueRange{index(sizeM), index(sizeN), index(sizeK)},
        ValueRange{one, one, one},
        [&](OpBuilder &b, Location loc, ValueRange ivs) {
          Value x = extend(b, loc,
                           memref::LoadOp::create(b, loc, buffers[0],
                                                  ValueRange{ivs[0], ivs[2]}));
          Value y = extend(b, loc,
                           memref::LoadOp::create(b, loc, buffers[1],
                                                  ValueRange{ivs[1], ivs[2]}));
          ValueRange mn = ivs.take_front(2);
          Value acc = memref::LoadOp::create(b, loc, buffers[2], mn);
          Value sum;
          if (isa<IntegerType>(accElt))
            sum = arith::AddIOp::create(b, loc, acc,
                                        arith::MulIOp::create(b, loc, x, y));
          else
            sum = arith::AddFOp::create(b, loc, acc,
                                        arith::MulFOp::create(b, loc, x, y));
          memref::StoreOp::create(b, loc, sum, buffers[2], mn);
        });
    rewriter.replaceOpWithNewOp<vector::TransferReadOp>(
        op, cast<VectorType>(op.getAccType()), buffers[2],
        ValueRange{zero, zero},
        arith::ConstantOp::create(rewriter, loc, rewriter.getZeroAttr(accElt))
            .getResult(),
        ArrayRef<bool>{true, true});
    return success();
  }
};

/// math.roundeven (mc's quantization rounding) in plain arithmetic: the
/// NVVM lowering calls libdevice's __nv_rintf, which MLIR links only where
/// CUDA_HOME/CUDA_ROOT/CUDA_PATH is set. For |x| < 2^p (p = mantissa bits)
/// (|x| + 2^p) - 2^p rounds to an integer, ties to even (add.rn); larger
/// values, infinities and NaN are x itself; the sign is put back (-0.5 ->
/// -0).
struct RoundEvenToArith : OpRewritePattern<math::RoundEvenOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(math::RoundEvenOp op,
                                PatternRewriter &rewriter) const override {
    auto type = dyn_cast<FloatType>(op.getType());
    if (!type || (!type.isF32() && !type.isF64()))
      return failure();
    Location loc = op.getLoc();
    unsigned width = type.getWidth();
    auto intType = rewriter.getIntegerType(width);
    APInt signMask = APInt::getSignMask(width);
    auto intConst = [&](const APInt &v) -> Value {
      return arith::ConstantOp::create(rewriter, loc,
                                       rewriter.getIntegerAttr(intType, v));
    };
    Value x = op.getOperand();
    Value bits = arith::BitcastOp::create(rewriter, loc, intType, x);
    Value absBits =
        arith::AndIOp::create(rewriter, loc, bits, intConst(~signMask));
    Value abs = arith::BitcastOp::create(rewriter, loc, type, absBits);
    Value two = arith::ConstantOp::create(
        rewriter, loc,
        rewriter.getFloatAttr(type,
                              std::ldexp(1.0, type.getFPMantissaWidth() - 1)));
    Value rounded = arith::SubFOp::create(
        rewriter, loc, arith::AddFOp::create(rewriter, loc, abs, two), two);
    Value signed_ = arith::OrIOp::create(
        rewriter, loc,
        arith::BitcastOp::create(rewriter, loc, intType, rounded),
        arith::AndIOp::create(rewriter, loc, bits, intConst(signMask)));
    Value small = arith::CmpFOp::create(rewriter, loc,
                                        arith::CmpFPredicate::OLT, abs, two);
    rewriter.replaceOpWithNewOp<arith::SelectOp>(
        op, small, arith::BitcastOp::create(rewriter, loc, type, signed_), x);
    return success();
  }
};

/// On gpu.modules; the host pipeline of the tiled kernels runs it too, so
/// the e2e tests check the rewrite against the reference's math.roundeven.
struct RoundEvenToArithPass
    : PassWrapper<RoundEvenToArithPass, OperationPass<>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(RoundEvenToArithPass)
  StringRef getArgument() const override { return "mc-gpu-roundeven"; }
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<RoundEvenToArith>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

/// Lowers the kernels' mma-sized vector.contract ops for the host.
struct LowerContractsForHost
    : PassWrapper<LowerContractsForHost, OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(LowerContractsForHost)
  StringRef getArgument() const override {
    return "mc-gpu-lower-contracts-for-host";
  }
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ContractToLoops>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
/// mc.decode of a constant 2:4 (N:M) weight as the dense constant: the
/// sparse tensor-core kernels take constant buffers that are 2:4 along K
/// and pack them themselves, in the lanes' order.
struct FoldConstantNMDecode : OpRewritePattern<mc::DecodeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(mc::DecodeOp op,
                                PatternRewriter &rewriter) const override {
    return mc::foldConstantNMDecode(rewriter, op, /*integerOnly=*/false);
  }
};

struct FoldConstantNMDecodePass
    : PassWrapper<FoldConstantNMDecodePass, OperationPass<>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(FoldConstantNMDecodePass)
  StringRef getArgument() const override { return "mc-gpu-fold-nm-decode"; }
  StringRef getDescription() const override {
    return "Fold mc.decode of constant N:M weights into dense constants "
           "(the GPU pipelines' first step: the 2:4 kernels pack them)";
  }
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldConstantNMDecode>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

/// Tensor-level IR with mc ops to buffers, as the host pipeline does.
static void buildReferenceToBuffers(OpPassManager &pm) {
  pm.addPass(std::make_unique<FoldConstantNMDecodePass>());
  mc::buildTensorToBuffersPipeline(pm, "none");
  pm.addPass(createCanonicalizerPass());
}

void mc::buildGPUToNVVMPipeline(OpPassManager &pm,
                                const GPUToNVVMOptions &options) {
  llvm::Expected<std::string> features =
      getNVPTXFeatures(options.chip, options.ptxVersion);
  if (!features) {
    pm.addPass(std::make_unique<FailPass>(toString(features.takeError())));
    return;
  }
  buildReferenceToBuffers(pm);
  if (options.kernels) {
    pm.addNestedPass<func::FuncOp>(createMCGPUMatmulKernels());
    pm.addNestedPass<func::FuncOp>(createMCGPUGemvKernels());
    pm.addNestedPass<func::FuncOp>(createMCGPUMapKernels());
    pm.addPass(createCanonicalizerPass());
  }

  // Whatever mc's kernels do not cover: one thread per element (or per
  // output element for reductions), in blocks of 8x32 threads.
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  // Whole tiles with a bounds check inside: from the affine.min bounds of
  // partial tiles convert-parallel-loops-to-gpu derives no static block
  // size and leaves the loops, silently, on the host.
  pm.addNestedPass<func::FuncOp>(
      createParallelLoopTilingPass({8, 32}, /*noMinMaxBounds=*/true));
  pm.addNestedPass<func::FuncOp>(createGpuMapParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(createConvertParallelLoopToGpuPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createMCGPUMergeModules());
  pm.addNestedPass<gpu::GPUModuleOp>(std::make_unique<RoundEvenToArithPass>());

  gpu::GPUToNVVMPipelineOptions nvvm;
  nvvm.cubinChip = options.chip;
  nvvm.cubinFeatures = *features;
  nvvm.cubinFormat = options.format;
  nvvm.optLevel = options.optLevel;
  gpu::buildLowerToNVVMPassPipeline(pm, nvvm);
}

void mc::buildGPUTilesToLLVMPipeline(OpPassManager &pm) {
  buildReferenceToBuffers(pm);
  pm.addNestedPass<func::FuncOp>(createMCGPUMatmulKernels());
  pm.addNestedPass<func::FuncOp>(createMCGPUGemvKernels());
  // Blocks and warps run one after the other; a warp's cooperative copies
  // then copy the whole block tile, which is what the block's threads
  // together copy on the GPU.
  pm.addPass(createForallToForLoopPass());
  // The rest mirrors --mc-reference-to-llvm, plus the vector dialect.
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  // mc.sparse_mma to a decode and a vector.contract.
  pm.addPass(mc::createMCLowerDot4());
  pm.addNestedPass<func::FuncOp>(std::make_unique<LowerContractsForHost>());
  pm.addNestedPass<func::FuncOp>(std::make_unique<RoundEvenToArithPass>());
  pm.addPass(createConvertVectorToSCFPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  mc::addLLVMConversionPasses(pm, /*armNeon=*/false);
}

void mc::registerGPUPipelines() {
  PassPipelineRegistration<GPUToNVVMOptions>(
      "mc-gpu-to-nvvm",
      "Lower tensor-level IR with mc ops to host code with gpu.launch_func "
      "and a gpu.binary of NVVM kernels (tensor-core kernels for int8/f16 "
      "matmuls)",
      buildGPUToNVVMPipeline);
  PassPipelineRegistration<>(
      "mc-gpu-tiles-to-llvm",
      "Lower tensor-level IR to the LLVM dialect for the host like "
      "--mc-reference-to-llvm, but with the matmuls as mc's GPU kernels' "
      "tiled IR before GPU mapping (checks the kernels' numerics on the CPU)",
      buildGPUTilesToLLVMPipeline);
  PassRegistration<FoldConstantNMDecodePass>();
}

//===- MCGPUMapKernels.cpp - tiled kernels to gpu.launch and nvgpu --------===//

#include "MatmulTiles.h"
#include "mc/Conversion/GPUKernels.h"
#include "mc/Conversion/Passes.h"
#include "mc/Dialect/MC/IR/MC.h"

#include "mlir/Conversion/VectorToGPU/VectorToGPU.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/NVGPU/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mc {
#define GEN_PASS_DEF_MCGPUMAPKERNELS
#include "mc/Conversion/Passes.h.inc"
} // namespace mc

using namespace mlir;

template <typename MappingAttr> static bool hasMapping(scf::ForallOp op) {
  std::optional<ArrayAttr> mapping = op.getMapping();
  return mapping && !mapping->empty() && isa<MappingAttr>((*mapping)[0]);
}

static Value cst(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

/// Index math as affine.apply: upstream convert-vector-to-gpu takes arith
/// ops in a loop with mma fragments for element-wise ops on them, and fails.
static Value apply(OpBuilder &b, Location loc, AffineExpr expr, Value dim) {
  return affine::AffineApplyOp::create(b, loc, AffineMap::get(1, 0, expr),
                                       ValueRange{dim});
}

/// Moves the body of `forall` before `before`, its induction variables
/// replaced by `ivs`, and erases it.
static void inlineForall(RewriterBase &rewriter, scf::ForallOp forall,
                         Operation *before, ValueRange ivs) {
  Block *body = forall.getBody();
  rewriter.eraseOp(body->getTerminator());
  rewriter.inlineBlockBefore(body, before, ivs);
  rewriter.eraseOp(forall);
}

/// A run of cooperative global-to-staging copies as cp.async by all
/// `threads` threads, 16 bytes each per step, between barriers: the first
/// lets every warp finish reading the previous tile, the second publishes
/// the new one.
static LogicalResult distributeCopies(OpBuilder &b,
                                      MutableArrayRef<linalg::CopyOp> copies,
                                      Value tid, int64_t threads) {
  Location loc = copies.front().getLoc();
  b.setInsertionPoint(copies.front());
  gpu::BarrierOp::create(b, loc);
  SmallVector<Value> tokens;
  for (linalg::CopyOp copy : copies) {
    Value src = copy.getInputs()[0], dst = copy.getOutputs()[0];
    auto type = cast<MemRefType>(dst.getType());
    int64_t bytes = type.getElementTypeBitWidth() / 8;
    int64_t rows = type.getDimSize(0), cols = type.getDimSize(1);
    int64_t vector = 16 / bytes, chunksPerRow = cols / vector;
    if (type.getRank() != 2 || cols % vector || (rows * chunksPerRow) % threads)
      return copy.emitError("cooperative copy of ")
             << type << " does not split into 16-byte chunks per thread";
    for (int64_t i = 0; i < rows * chunksPerRow / threads; ++i) {
      AffineExpr chunk = b.getAffineDimExpr(0) + i * threads;
      Value row = apply(b, loc, chunk.floorDiv(chunksPerRow), tid);
      Value col = apply(b, loc, (chunk % chunksPerRow) * vector, tid);
      tokens.push_back(nvgpu::DeviceAsyncCopyOp::create(
          b, loc, nvgpu::DeviceAsyncTokenType::get(b.getContext()), dst,
          ValueRange{row, col}, src, ValueRange{row, col},
          b.getIndexAttr(vector), /*srcElements=*/nullptr,
          /*bypassL1=*/b.getUnitAttr()));
    }
  }
  b.setInsertionPointAfter(copies.back());
  Value group = nvgpu::DeviceAsyncCreateGroupOp::create(
      b, loc, nvgpu::DeviceAsyncTokenType::get(b.getContext()), tokens);
  nvgpu::DeviceAsyncWaitOp::create(b, loc, group, nullptr);
  gpu::BarrierOp::create(b, loc);
  for (linalg::CopyOp copy : copies)
    copy.erase();
  return success();
}

/// A cooperative element-wise rank-2 linalg.generic as a loop of the block's
/// threads over its elements (consecutive threads, consecutive columns).
static void distributeGeneric(OpBuilder &b, linalg::GenericOp generic,
                              Value tid, int64_t threads) {
  Location loc = generic.getLoc();
  b.setInsertionPoint(generic);
  SmallVector<int64_t> bounds = generic.getStaticLoopRanges();
  int64_t total = bounds[0] * bounds[1];
  auto loop =
      scf::ForOp::create(b, loc, tid, cst(b, loc, total), cst(b, loc, threads));
  b.setInsertionPointToStart(loop.getBody());
  Value e = loop.getInductionVar();
  AffineExpr d0 = b.getAffineDimExpr(0);
  Value dims[] = {apply(b, loc, d0.floorDiv(bounds[1]), e),
                  apply(b, loc, d0 % bounds[1], e)};
  auto indices = [&](AffineMap map) {
    SmallVector<Value> result;
    for (AffineExpr expr : map.getResults())
      result.push_back(dims[cast<AffineDimExpr>(expr).getPosition()]);
    return result;
  };
  IRMapping mapping;
  Block *body = generic.getBody();
  for (OpOperand &operand : generic->getOpOperands()) {
    BlockArgument arg = body->getArgument(operand.getOperandNumber());
    if (arg.use_empty())
      continue;
    mapping.map(arg, memref::LoadOp::create(
                         b, loc, operand.get(),
                         indices(generic.getMatchingIndexingMap(&operand))));
  }
  for (Operation &op : body->without_terminator())
    b.clone(op, mapping);
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  OpOperand *out = generic.getDpsInitOperand(0);
  memref::StoreOp::create(b, loc, mapping.lookup(yield.getValues()[0]),
                          out->get(),
                          indices(generic.getMatchingIndexingMap(out)));
  generic.erase();
}

static LogicalResult mapBlock(scf::ForallOp blocks) {
  MLIRContext *ctx = blocks.getContext();
  Location loc = blocks.getLoc();
  // The inner forall: warps (32 threads each) or threads.
  scf::ForallOp warps;
  bool perThread = false;
  for (auto op : blocks.getBody()->getOps<scf::ForallOp>()) {
    if (hasMapping<gpu::GPUWarpMappingAttr>(op))
      warps = op;
    if (hasMapping<gpu::GPUThreadMappingAttr>(op)) {
      warps = op;
      perThread = true;
    }
  }
  std::optional<SmallVector<int64_t>> gridSize =
      getConstantIntValues(blocks.getMixedUpperBound());
  std::optional<SmallVector<int64_t>> warpCount =
      warps ? getConstantIntValues(warps.getMixedUpperBound()) : std::nullopt;
  if (!gridSize || gridSize->empty() || gridSize->size() > 2 || !warpCount ||
      warpCount->size() != 1 || !blocks.isNormalized() || !warps.isNormalized())
    return blocks.emitError("expected a normalized 1-d or 2-d block "
                            "scf.forall holding a 1-d warp or thread "
                            "scf.forall of static size");
  int64_t threads = (*warpCount)[0] * (perThread ? 1 : mc::kWarpSize);
  bool is2d = gridSize->size() == 2;

  IRRewriter rewriter(ctx);
  rewriter.setInsertionPoint(blocks);
  Value one = cst(rewriter, loc, 1);
  auto launch = gpu::LaunchOp::create(
      rewriter, loc, cst(rewriter, loc, (*gridSize)[is2d ? 1 : 0]),
      is2d ? cst(rewriter, loc, (*gridSize)[0]) : one, one,
      cst(rewriter, loc, threads), one, one);
  Block &body = launch.getBody().front();
  rewriter.setInsertionPointToEnd(&body);
  auto terminator = gpu::TerminatorOp::create(rewriter, loc);
  SmallVector<Value> blockIds{launch.getBlockIds().x};
  if (is2d)
    blockIds = {launch.getBlockIds().y, launch.getBlockIds().x};
  inlineForall(rewriter, blocks, terminator, blockIds);

  // Staging buffers live in workgroup memory for the launch.
  auto workgroup = gpu::AddressSpaceAttr::get(
      ctx, gpu::GPUDialect::getWorkgroupAddressSpace());
  for (auto alloc :
       llvm::make_early_inc_range(body.getOps<memref::AllocOp>())) {
    MemRefType type = alloc.getType();
    auto shared = MemRefType::get(type.getShape(), type.getElementType(),
                                  type.getLayout(), workgroup);
    BlockArgument attribution = launch.addWorkgroupAttribution(shared, loc);
    for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
      if (isa<memref::DeallocOp>(user))
        rewriter.eraseOp(user);
    rewriter.replaceAllUsesWith(alloc.getResult(), attribution);
    rewriter.eraseOp(alloc);
  }

  // Warp w is threads [32w, 32w + 32); the block waits for all warps
  // before cooperative ops that follow.
  Value tid = launch.getThreadIds().x;
  rewriter.setInsertionPoint(warps);
  Value warp =
      perThread
          ? tid
          : apply(rewriter, loc,
                  rewriter.getAffineDimExpr(0).floorDiv(mc::kWarpSize), tid);
  Operation *next = warps->getNextNode();
  if (!isa<gpu::TerminatorOp>(next)) {
    rewriter.setInsertionPointAfter(warps);
    next = gpu::BarrierOp::create(rewriter, loc);
  }
  inlineForall(rewriter, warps, next, {warp});

  SmallVector<SmallVector<linalg::CopyOp>> copyRuns;
  SmallVector<linalg::GenericOp> generics;
  launch.walk([&](Operation *op) {
    if (!op->hasAttr(mc::kGPUCooperativeAttr))
      return;
    if (auto copy = dyn_cast<linalg::CopyOp>(op)) {
      auto prev = dyn_cast_or_null<linalg::CopyOp>(op->getPrevNode());
      if (prev && !copyRuns.empty() && copyRuns.back().back() == prev)
        copyRuns.back().push_back(copy);
      else
        copyRuns.push_back({copy});
    } else if (auto generic = dyn_cast<linalg::GenericOp>(op)) {
      generics.push_back(generic);
    }
  });
  for (auto &run : copyRuns)
    if (failed(distributeCopies(rewriter, run, tid, threads)))
      return failure();

  // Warp-level vector ops to ldmatrix / mma.sync on each lane's fragments.
  // Upstream's conversion takes every scalar arith op under its root for
  // an element-wise op on fragments (and fails), so it runs on the K loops
  // only; the slices it follows from there reach the accumulators' initial
  // values and stores outside the loops.
  SmallVector<scf::ForOp> loops, laneLoops;
  launch.walk([&](scf::ForOp loop) {
    auto contracts = loop.getBody()->getOps<vector::ContractionOp>();
    bool bf16 = llvm::any_of(contracts, [](vector::ContractionOp op) {
      return getElementTypeOrSelf(op.getLhsType()).isBF16();
    });
    if (bf16 || !loop.getBody()->getOps<mc::SparseMmaOp>().empty())
      laneLoops.push_back(loop);
    else if (!contracts.empty())
      loops.push_back(loop);
  });
  for (scf::ForOp loop : laneLoops)
    if (failed(mc::gpu_tiles::convertMmaLoopToLanes(rewriter, loop, tid)))
      return failure();
  for (scf::ForOp loop : loops) {
    RewritePatternSet patterns(ctx);
    populatePrepareVectorToMMAPatterns(patterns, /*useNvGpu=*/true);
    if (failed(applyPatternsGreedily(loop, std::move(patterns))))
      return loop.emitError("cannot prepare the vector ops for mma.sync");
    if (failed(convertVectorToNVVMCompatibleMMASync(rewriter, loop)))
      return loop.emitError("cannot convert the vector ops to mma.sync");
  }
  for (linalg::GenericOp generic : generics)
    distributeGeneric(rewriter, generic, tid, threads);
  return success();
}

namespace {
struct MCGPUMapKernels : mc::impl::MCGPUMapKernelsBase<MCGPUMapKernels> {
  void runOnOperation() override {
    SmallVector<scf::ForallOp> blocks;
    getOperation().walk([&](scf::ForallOp op) {
      if (hasMapping<gpu::GPUBlockMappingAttr>(op))
        blocks.push_back(op);
    });
    for (scf::ForallOp op : blocks)
      if (failed(mapBlock(op)))
        return signalPassFailure();
  }
};
} // namespace

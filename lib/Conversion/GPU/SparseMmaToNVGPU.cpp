//===- SparseMmaToNVGPU.cpp - mc.sparse_mma tiles to lanes' mma.sp --------===//
//
// Part of --mc-gpu-map-kernels: the K loop of a 2:4 sparse kernel tile
// (--mc-gpu-matmul-kernels) on whole 16 x 8 accumulator tiles becomes the
// same loop on each lane's fragments, with nvgpu.ldmatrix for the operands
// and nvgpu.mma.sp.sync (m16n8k32). Upstream convert-vector-to-gpu has no
// sparse path, so the lanes' layouts are written out here, from the PTX
// ISA's "Matrix fragments for sparse mma.m16n8k32" (groupID = lane / 4,
// threadID_in_group = lane % 4):
//  - accumulators: element (g + 8i, 2t + j) is fragment [i][j];
//  - i8 values (16 x 16 bytes): rows g and g + 8, bytes 4t..4t+3, i.e.
//    ldmatrix x2 of the two 8-row halves; f16 values (16 x 16): rows g,
//    g + 8 at columns 2t, 2t+1 and 8 + 2t, 8 + 2t + 1: ldmatrix x4;
//  - the dense operand (8 x 32, row = n of the mma, K contiguous): the
//    mma.sync m16n8k32 B fragment for i8 (k = 4t.. and 16 + 4t..) and the
//    four 8-column blocks for f16, ldmatrix x2 / x4;
//  - metadata: with sparsity selector 0 lanes t = 0 and 1 of each group
//    give it; lane t holds columns [16t, 16t + 16) of row g in its low 16
//    bits and of row g + 8 in its high 16 bits.
//
//===----------------------------------------------------------------------===//

#include "MatmulTiles.h"
#include "mc/Conversion/GPUKernels.h"
#include "mc/Dialect/MC/IR/MC.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mc::gpu_tiles;

namespace {
/// Builds the lane-level code of one warp.
struct LaneBuilder {
  RewriterBase &b;
  Location loc;
  Value tid;
  /// Old to new values of the loop body being rebuilt.
  IRMapping &mapping;

  Value at(AffineExpr expr, Value base) {
    AffineExpr d0 = b.getAffineDimExpr(0), d1 = b.getAffineDimExpr(1);
    return apply(b, loc, expr.replaceDims({d1}) + d0, {base, tid});
  }
  AffineExpr lane() { return b.getAffineDimExpr(0) % mc::kWarpSize; }

  /// The memref indices of element (row, col) of the vector that `op`
  /// (a 2-d vector.transfer_read/write) reads or writes.
  template <typename TransferOp>
  SmallVector<Value> indicesOf(TransferOp op, AffineExpr row, AffineExpr col) {
    SmallVector<Value> result;
    for (Value index : op.getIndices())
      result.push_back(mapping.lookupOrDefault(index));
    for (auto [dim, expr] :
         llvm::enumerate(op.getPermutationMap().getResults())) {
      unsigned memDim = cast<AffineDimExpr>(expr).getPosition();
      result[memDim] = at(dim == 0 ? row : col, result[memDim]);
    }
    return result;
  }

  /// Row and column of accumulator fragment element [i][j].
  std::pair<AffineExpr, AffineExpr> accElement(int64_t i, int64_t j) {
    return {lane().floorDiv(4) + 8 * i, (lane() % 4) * 2 + j};
  }

  /// The lane's accumulator fragment from a 16 x 8 tile value `init`.
  FailureOr<Value> accFragment(Value init, VectorType fragType) {
    DenseElementsAttr splat;
    if (matchPattern(init, m_Constant(&splat)) && splat.isSplat())
      return arith::ConstantOp::create(
                 b, loc, DenseElementsAttr::get(fragType,
                                                splat.getSplatValue<Attribute>()))
          .getResult();
    auto read = init.getDefiningOp<vector::TransferReadOp>();
    if (!read || read.getMask())
      return failure();
    SmallVector<Value> elements;
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t j = 0; j < 2; ++j) {
        auto [row, col] = accElement(i, j);
        elements.push_back(memref::LoadOp::create(b, loc, read.getBase(),
                                                  indicesOf(read, row, col)));
      }
    return vector::FromElementsOp::create(b, loc, fragType, elements)
        .getResult();
  }

  /// Stores the lane's fragment where `write` stores the whole tile.
  void storeFragment(Value fragment, vector::TransferWriteOp write) {
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t j = 0; j < 2; ++j) {
        auto [row, col] = accElement(i, j);
        Value element = vector::ExtractOp::create(b, loc, fragment,
                                                  ArrayRef<int64_t>{i, j});
        memref::StoreOp::create(b, loc, element, write.getBase(),
                                indicesOf(write, row, col));
      }
  }

  /// ldmatrix of the tile `read` reads, each lane giving the address of
  /// row `row` and column `col` (lane expressions) of the tile.
  Value ldmatrix(vector::TransferReadOp read, VectorType type, int64_t tiles,
                 AffineExpr row, AffineExpr col) {
    return nvgpu::LdMatrixOp::create(b, loc, type, read.getBase(),
                                     indicesOf(read, row, col),
                                     /*transpose=*/false, tiles);
  }

  FailureOr<Value> operandFragment(Value tile, unsigned operand) {
    auto read = tile.getDefiningOp<vector::TransferReadOp>();
    if (!read || read.getMask() ||
        !read.getPermutationMap().isMinorIdentity())
      return failure();
    Type elt = read.getVectorType().getElementType();
    bool bytes = elt.isInteger(8);
    auto fragType = bytes ? VectorType::get({2, 4}, elt)
                          : VectorType::get({4, 2}, elt);
    int64_t tiles = bytes ? 2 : 4;
    switch (operand) {
    case 0: // values, 16 x 16
      return ldmatrix(read, fragType, tiles, lane() % 16,
                      bytes ? b.getAffineConstantExpr(0)
                            : lane().floorDiv(16) * 8);
    case 1: { // metadata, 16 x 2 words
      SmallVector<Value> words;
      for (int64_t i = 0; i < 2; ++i)
        words.push_back(memref::LoadOp::create(
            b, loc, read.getBase(),
            indicesOf(read, lane().floorDiv(4) + 8 * i, lane() % 2)));
      return vector::FromElementsOp::create(
                 b, loc, VectorType::get({2}, b.getI16Type()), words)
          .getResult();
    }
    default: // dense operand, 8 x 32
      return ldmatrix(read, fragType, tiles, lane() % 8,
                      bytes ? (lane().floorDiv(8) % 2) * 16
                            : lane().floorDiv(8) * 8);
    }
  }
};
} // namespace

LogicalResult mc::gpu_tiles::convertSparseMmaLoop(RewriterBase &rewriter,
                                                  scf::ForOp loop, Value tid) {
  IRMapping mapping;
  LaneBuilder lanes{rewriter, loop.getLoc(), tid, mapping};
  Location loc = loop.getLoc();
  rewriter.setInsertionPoint(loop);
  SmallVector<Value> inits;
  for (Value init : loop.getInitArgs()) {
    auto type = cast<VectorType>(init.getType());
    if (type.getShape() != ArrayRef<int64_t>{16, 8})
      return loop.emitError("expected 16x8 accumulator tiles, got ") << type;
    FailureOr<Value> fragment = lanes.accFragment(
        init, VectorType::get({2, 2}, type.getElementType()));
    if (failed(fragment))
      return loop.emitError("cannot distribute an accumulator's initial value");
    inits.push_back(*fragment);
  }
  auto newLoop =
      scf::ForOp::create(rewriter, loc, loop.getLowerBound(),
                         loop.getUpperBound(), loop.getStep(), inits);
  mapping.map(loop.getInductionVar(), newLoop.getInductionVar());
  mapping.map(loop.getRegionIterArgs(), newLoop.getRegionIterArgs());
  rewriter.setInsertionPointToStart(newLoop.getBody());
  // Operand fragments, made where the first mma needs them.
  DenseMap<Value, Value> fragments;
  for (Operation &op : loop.getBody()->getOperations()) {
    if (auto read = dyn_cast<vector::TransferReadOp>(op);
        read && llvm::all_of(read->getUsers(), [](Operation *user) {
          return isa<mc::SparseMmaOp>(user);
        }))
      continue;
    auto mma = dyn_cast<mc::SparseMmaOp>(op);
    if (!mma) {
      rewriter.clone(op, mapping);
      continue;
    }
    SmallVector<Value> operands;
    SmallVector<Value, 3> tiles{mma.getValues(), mma.getMeta(), mma.getRhs()};
    for (auto [i, tile] : llvm::enumerate(tiles)) {
      Value &fragment = fragments[tile];
      if (!fragment) {
        FailureOr<Value> made = lanes.operandFragment(tile, i);
        if (failed(made))
          return mma.emitError("expected operand #")
                 << i << " read from a buffer by vector.transfer_read";
        fragment = *made;
      }
      operands.push_back(fragment);
    }
    Value acc = mapping.lookup(mma.getAcc());
    mapping.map(mma.getResult(),
                nvgpu::MmaSparseSyncOp::create(
                    rewriter, loc, operands[0], operands[2], acc, operands[1],
                    ArrayRef<int64_t>{16, 8, 32}));
  }

  rewriter.setInsertionPointAfter(newLoop);
  for (auto [result, fragment] :
       llvm::zip(loop.getResults(), newLoop.getResults()))
    for (Operation *user : llvm::make_early_inc_range(result.getUsers())) {
      auto write = dyn_cast<vector::TransferWriteOp>(user);
      if (!write || write.getMask())
        return user->emitError("expected a vector.transfer_write of the "
                               "accumulator tile");
      rewriter.setInsertionPoint(write);
      lanes.storeFragment(fragment, write);
      rewriter.eraseOp(write);
    }
  rewriter.eraseOp(loop);
  return success();
}

//===- MmaTilesToLanes.cpp - mma tiles of sparse and bf16 kernels to lanes ===//
//
// Part of --mc-gpu-map-kernels for what upstream convert-vector-to-gpu
// cannot map: the K loop of a kernel on whole 16 x 8 accumulator tiles
// updated by mc.sparse_mma (2:4, no upstream path) or by bf16
// vector.contract (nvgpu's mma lowering knows no bf16) becomes the same
// loop on each lane's fragments, with nvgpu.ldmatrix for the operands and
// nvgpu.mma.sp.sync, or nvvm.mma.sync / nvvm.mma.sp.sync for bf16. The
// lanes' layouts, from the PTX ISA's matrix fragments for mma.m16n8k16 and
// sparse mma.m16n8k32 (g = lane / 4, t = lane % 4):
//  - accumulators: element (g + 8i, 2t + j) is fragment [i][j];
//  - dense 16-bit A (16 x 16): rows g, g + 8 at columns 2t and 8 + 2t
//    (2 each): ldmatrix x4; dense B (8 x 16, n x k): row g at columns 2t
//    and 8 + 2t: ldmatrix x2;
//  - sparse i8 values (16 x 16 bytes): rows g and g + 8, bytes 4t..4t+3,
//    i.e. ldmatrix x2 of the two 8-row halves; 16-bit values (16 x 16) as
//    dense 16-bit A;
//  - the sparse mma's dense operand (8 x 32, n x k): the mma.sync m16n8k32
//    B fragment for i8 (k = 4t.. and 16 + 4t..), four 8-column blocks for
//    16-bit types: ldmatrix x2 / x4;
//  - metadata: with sparsity selector 0 lanes t = 0 and 1 of each group
//    give it; lane t holds columns [16t, 16t + 16) of row g in its low 16
//    bits and of row g + 8 in its high 16 bits. (No GPU here checks this
//    layout; the tiles' numerics are checked on the CPU.)
//
//===----------------------------------------------------------------------===//

#include "MatmulTiles.h"
#include "mc/Conversion/GPUKernels.h"
#include "mc/Dialect/MC/IR/MC.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"

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

  enum class Role { SparseValues, SparseMeta, SparseRhs, Lhs, Rhs };

  /// The lane's fragment of the tile `tile` as operand `role` of an mma.
  FailureOr<Value> operandFragment(Value tile, Role role) {
    auto read = tile.getDefiningOp<vector::TransferReadOp>();
    if (!read || read.getMask() ||
        !read.getPermutationMap().isMinorIdentity())
      return failure();
    Type elt = read.getVectorType().getElementType();
    bool bytes = elt.isInteger(8);
    auto fragType = bytes ? VectorType::get({2, 4}, elt)
                          : VectorType::get({4, 2}, elt);
    int64_t tiles = bytes ? 2 : 4;
    AffineExpr zero = b.getAffineConstantExpr(0);
    switch (role) {
    case Role::SparseValues: // 16 x 16
    case Role::Lhs:          // dense 16 x 16 (b16 only)
      return ldmatrix(read, fragType, tiles, lane() % 16,
                      bytes ? zero : lane().floorDiv(16) * 8);
    case Role::SparseMeta: { // 16 x 2 words
      SmallVector<Value> words;
      for (int64_t i = 0; i < 2; ++i)
        words.push_back(memref::LoadOp::create(
            b, loc, read.getBase(),
            indicesOf(read, lane().floorDiv(4) + 8 * i, lane() % 2)));
      return vector::FromElementsOp::create(
                 b, loc, VectorType::get({2}, b.getI16Type()), words)
          .getResult();
    }
    case Role::SparseRhs: // 8 x 32
      return ldmatrix(read, fragType, tiles, lane() % 8,
                      bytes ? (lane().floorDiv(8) % 2) * 16
                            : lane().floorDiv(8) * 8);
    case Role::Rhs: // dense 8 x 16 (b16 only): two 8 x 8 blocks
      return ldmatrix(read, VectorType::get({2, 2}, elt), 2, lane() % 8,
                      (lane().floorDiv(8) % 2) * 8);
    }
    llvm_unreachable("unknown role");
  }

  /// The rows of a b16 fragment as the i32 registers NVVM's mma takes.
  SmallVector<Value> registers(Value fragment) {
    auto type = cast<VectorType>(fragment.getType());
    SmallVector<Value> result;
    for (int64_t i = 0; i < type.getDimSize(0); ++i) {
      Value row = vector::ExtractOp::create(b, loc, fragment, i);
      Value word = vector::BitCastOp::create(
          b, loc, VectorType::get({1}, b.getI32Type()), row);
      result.push_back(vector::ExtractOp::create(b, loc, word, 0));
    }
    return result;
  }

  /// nvvm.mma(.sp).sync on bf16 fragments (nvgpu's lowering knows no bf16):
  /// the f32 accumulator fragment in and out as 4 scalars.
  Value bf16Mma(Value a, Value bFrag, Value acc, Value meta) {
    SmallVector<Value> c;
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t j = 0; j < 2; ++j)
        c.push_back(
            vector::ExtractOp::create(b, loc, acc, ArrayRef<int64_t>{i, j}));
    Type f32 = b.getF32Type();
    auto resultType =
        LLVM::LLVMStructType::getLiteral(b.getContext(), {f32, f32, f32, f32});
    std::array<NVVM::MMATypes, 2> types{NVVM::MMATypes::bf16,
                                        NVVM::MMATypes::bf16};
    Value result;
    if (meta) {
      // Inline PTX, as upstream's nvgpu.mma.sp.sync lowering: the sparsity
      // selector is an immediate, and an SSA constant made here would be
      // hoisted out of the kernel and passed as an argument.
      Value word = vector::ExtractOp::create(
          b, loc,
          vector::BitCastOp::create(
              b, loc, VectorType::get({1}, b.getI32Type()), meta),
          0);
      SmallVector<Value> operands = registers(a);
      llvm::append_range(operands, registers(bFrag));
      llvm::append_range(operands, c);
      operands.push_back(word);
      result = LLVM::InlineAsmOp::create(
                   b, loc, resultType, operands,
                   "mma.sp.sync.aligned.m16n8k32.row.col.f32.bf16.bf16.f32 "
                   "{$0,$1,$2,$3},{$4,$5,$6,$7},{$8,$9,$10,$11},"
                   "{$12,$13,$14,$15},$16,0x0;",
                   "=f,=f,=f,=f,r,r,r,r,r,r,r,r,f,f,f,f,r",
                   /*has_side_effects=*/false, /*is_align_stack=*/false,
                   LLVM::TailCallKind::None,
                   LLVM::AsmDialectAttr::get(b.getContext(),
                                             LLVM::AsmDialect::AD_ATT),
                   /*operand_attrs=*/ArrayAttr())
                   .getRes();
    } else {
      result = NVVM::MmaOp::create(
          b, loc, resultType, registers(a), registers(bFrag), c,
          ArrayRef<int64_t>{16, 8, 16}, std::nullopt, std::nullopt, types,
          std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                         NVVM::MMALayout::col});
    }
    SmallVector<Value> d;
    for (int64_t i = 0; i < 4; ++i)
      d.push_back(LLVM::ExtractValueOp::create(b, loc, result, i));
    return vector::FromElementsOp::create(b, loc, acc.getType(), d);
  }
};
} // namespace

LogicalResult mc::gpu_tiles::convertMmaLoopToLanes(RewriterBase &rewriter,
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
  auto fragmentOf = [&](Operation *mma, Value tile,
                        LaneBuilder::Role role) -> FailureOr<Value> {
    Value &fragment = fragments[tile];
    if (!fragment) {
      FailureOr<Value> made = lanes.operandFragment(tile, role);
      if (failed(made))
        return mma->emitError("expected the operands read from buffers by "
                              "vector.transfer_read");
      fragment = *made;
    }
    return fragment;
  };
  auto isLaneMma = [](Operation *op) {
    return isa<mc::SparseMmaOp, vector::ContractionOp>(op);
  };
  using Role = LaneBuilder::Role;
  for (Operation &op : loop.getBody()->getOperations()) {
    if (isa<vector::TransferReadOp>(op) && !op.use_empty() &&
        llvm::all_of(op.getUsers(), isLaneMma))
      continue;
    if (!isLaneMma(&op)) {
      rewriter.clone(op, mapping);
      continue;
    }
    Value acc = mapping.lookup(op.getOperand(op.getNumOperands() - 1));
    Value result;
    if (auto mma = dyn_cast<mc::SparseMmaOp>(op)) {
      FailureOr<Value> a = fragmentOf(mma, mma.getValues(), Role::SparseValues);
      FailureOr<Value> meta = fragmentOf(mma, mma.getMeta(), Role::SparseMeta);
      FailureOr<Value> rhs = fragmentOf(mma, mma.getRhs(), Role::SparseRhs);
      if (failed(a) || failed(meta) || failed(rhs))
        return failure();
      if (getElementTypeOrSelf(mma.getValues().getType()).isBF16())
        result = lanes.bf16Mma(*a, *rhs, acc, *meta);
      else
        result = nvgpu::MmaSparseSyncOp::create(rewriter, loc, *a, *rhs, acc,
                                                *meta,
                                                ArrayRef<int64_t>{16, 8, 32});
    } else {
      auto contract = cast<vector::ContractionOp>(op);
      FailureOr<Value> a = fragmentOf(contract, contract.getLhs(), Role::Lhs);
      FailureOr<Value> rhs = fragmentOf(contract, contract.getRhs(), Role::Rhs);
      if (failed(a) || failed(rhs))
        return failure();
      result = lanes.bf16Mma(*a, *rhs, acc, nullptr);
    }
    mapping.map(op.getResult(0), result);
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

//===- MCGPUMatmulKernels.cpp - tensor-core tiling of matmuls -------------===//

#include "MatmulTiles.h"
#include "mc/Conversion/GPUKernels.h"
#include "mc/Conversion/Passes.h"
#include "mc/Dialect/MC/IR/MC.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/SymbolTable.h"

namespace mc {
#define GEN_PASS_DEF_MCGPUMATMULKERNELS
#include "mc/Conversion/Passes.h.inc"
} // namespace mc

using namespace mlir;
using namespace mc::gpu_tiles;

namespace {
/// Block tile 128x64 over 2x2 warps of 64x32; the K step is 64 bytes of A
/// and B rows, i.e. two mma K steps.
struct Tiling {
  int64_t mmaK;
  static constexpr int64_t kBlockM = 128, kBlockN = 64, kWarpsM = 2,
                           kWarpsN = 2, kMmaM = 16, kMmaN = 8;
  static constexpr int64_t kWarpM = kBlockM / kWarpsM,
                           kWarpN = kBlockN / kWarpsN;
  int64_t blockK() const { return 2 * mmaK; }
};
} // namespace

/// The mma shape for these operand types, if mma.sync supports them.
static std::optional<Tiling> getTiling(Type a, Type b, Type c) {
  if (a != b)
    return std::nullopt;
  if (a.isInteger(8) && c.isInteger(32))
    return Tiling{32};
  if ((a.isF16() && (c.isF16() || c.isF32())) || (a.isBF16() && c.isF32()))
    return Tiling{16};
  return std::nullopt;
}

/// `value` transposed to N x K: a new constant global for a constant weight,
/// else a buffer filled by linalg.transpose (deallocated after `after`).
static Value transposeB(OpBuilder &b, Location loc, Value value,
                        Operation *after, SymbolTable &symbols) {
  auto type = cast<MemRefType>(value.getType());
  auto tType = MemRefType::get({type.getDimSize(1), type.getDimSize(0)},
                               type.getElementType());
  if (auto get = value.getDefiningOp<memref::GetGlobalOp>()) {
    auto global = symbols.lookup<memref::GlobalOp>(get.getName());
    auto dense =
        global
            ? dyn_cast_or_null<DenseElementsAttr>(global.getInitialValueAttr())
            : nullptr;
    if (global && global.getConstant() && dense) {
      auto values = llvm::to_vector(dense.getValues<Attribute>());
      SmallVector<Attribute> transposed(values.size());
      int64_t k = type.getDimSize(0), n = type.getDimSize(1);
      for (int64_t i = 0; i < k; ++i)
        for (int64_t j = 0; j < n; ++j)
          transposed[j * k + i] = values[i * n + j];
      memref::GlobalOp newGlobal;
      {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(global);
        newGlobal = memref::GlobalOp::create(
            b, loc, (global.getSymName() + "_nk").str(),
            b.getStringAttr("private"), tType,
            DenseElementsAttr::get(
                RankedTensorType::get(tType.getShape(), tType.getElementType()),
                transposed),
            /*constant=*/true, global.getAlignmentAttr());
        symbols.insert(newGlobal);
      }
      return memref::GetGlobalOp::create(b, loc, tType, newGlobal.getSymName());
    }
  }
  Value buffer = memref::AllocOp::create(b, loc, tType);
  linalg::TransposeOp::create(b, loc, value, buffer, ArrayRef<int64_t>{1, 0});
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointAfter(after);
  memref::DeallocOp::create(b, loc, buffer);
  return buffer;
}

linalg::GenericOp mc::gpu_tiles::getFusableEpilogue(Value acc,
                                                    Operation *matmul,
                                                    Operation *fill) {
  if (!acc.getDefiningOp<memref::AllocOp>())
    return nullptr;
  linalg::GenericOp epilogue;
  for (Operation *user : acc.getUsers()) {
    if (user == matmul || user == fill || isa<memref::DeallocOp>(user))
      continue;
    auto generic = dyn_cast<linalg::GenericOp>(user);
    if (epilogue || !generic)
      return nullptr;
    epilogue = generic;
  }
  if (!epilogue || !fill || epilogue->getBlock() != matmul->getBlock() ||
      epilogue.getNumDpsInits() != 1 || epilogue.getNumDpsInputs() < 1 ||
      epilogue.getDpsInputs()[0] != acc ||
      llvm::count(epilogue->getOperands(), acc) != 1 ||
      epilogue.getNumParallelLoops() != 2 || epilogue.getNumLoops() != 2 ||
      !epilogue.hasPureBufferSemantics())
    return nullptr;
  for (AffineMap map : epilogue.getIndexingMapsArray())
    if (!map.isProjectedPermutation())
      return nullptr;
  if (!epilogue.getIndexingMapsArray()[0].isIdentity() ||
      !epilogue.getIndexingMapsArray().back().isIdentity())
    return nullptr;
  // Nothing between the matmul and the epilogue may touch the operands.
  for (Operation *op = matmul->getNextNode(); op != epilogue;
       op = op->getNextNode())
    if (!isMemoryEffectFree(op))
      return nullptr;
  return epilogue;
}

/// The [offset, offset + size) window of `operand` that a block tile at
/// (`row`, `col`) of a generic with `map` reads.
static Value getTileView(OpBuilder &b, Location loc, Value operand,
                         AffineMap map, Value row, Value col, int64_t rows,
                         int64_t cols) {
  auto type = cast<MemRefType>(operand.getType());
  SmallVector<OpFoldResult> offsets, sizes, strides;
  for (AffineExpr expr : map.getResults()) {
    unsigned dim = cast<AffineDimExpr>(expr).getPosition();
    offsets.push_back(dim == 0 ? row : col);
    sizes.push_back(b.getIndexAttr(dim == 0 ? rows : cols));
    strides.push_back(b.getIndexAttr(1));
  }
  if (type.getRank() == 0)
    return operand;
  return memref::SubViewOp::create(b, loc, operand, offsets, sizes, strides);
}

void mc::gpu_tiles::stageTile(OpBuilder &b, Location loc, Value src,
                               OpFoldResult row, OpFoldResult col,
                               int64_t rows, int64_t cols, Value dst) {
  SmallVector<OpFoldResult> offsets{row, col};
  SmallVector<OpFoldResult> sizes{b.getIndexAttr(rows), b.getIndexAttr(cols)};
  SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
  Value view = memref::SubViewOp::create(b, loc, src, offsets, sizes, strides);
  auto copy = linalg::CopyOp::create(b, loc, view, dst);
  copy->setAttr(mc::kGPUCooperativeAttr, b.getUnitAttr());
}

void mc::gpu_tiles::emitBlockEpilogue(OpBuilder &b, Location loc,
                                      linalg::GenericOp epilogue, Value staged,
                                      Value row, Value col, int64_t rows,
                                      int64_t cols) {
  SmallVector<Value> inputs{staged};
  auto maps = epilogue.getIndexingMapsArray();
  SmallVector<Value> operands = epilogue.getDpsInputs();
  for (auto [operand, map] :
       llvm::zip(ArrayRef(operands).drop_front(), ArrayRef(maps).drop_front()))
    inputs.push_back(
        getTileView(b, loc, operand, map, row, col, rows, cols));
  Value out = getTileView(b, loc, epilogue.getDpsInits()[0], maps.back(), row,
                          col, rows, cols);
  auto tile = linalg::GenericOp::create(
      b, loc, TypeRange{}, inputs, ValueRange{out},
      epilogue.getIndexingMaps(), epilogue.getIteratorTypes(),
      /*doc=*/nullptr, /*libraryCall=*/nullptr);
  IRMapping mapping;
  epilogue.getRegion().cloneInto(&tile.getRegion(), mapping);
  tile->setAttr(mc::kGPUCooperativeAttr, b.getUnitAttr());
}

static void buildKernel(linalg::MatmulOp matmul, const Tiling &tiling,
                        linalg::FillOp zeroFill, linalg::GenericOp epilogue,
                        SymbolTable &symbols) {
  Location loc = matmul.getLoc();
  // With an epilogue the kernel goes where it is: its operands may be
  // defined after the matmul (only side-effect-free ops are in between).
  Operation *last = epilogue ? epilogue.getOperation() : matmul.getOperation();
  OpBuilder b(last);
  MLIRContext *ctx = b.getContext();
  Value a = matmul.getDpsInputs()[0], acc = matmul.getDpsInits()[0];
  auto aType = cast<MemRefType>(a.getType());
  auto accType = cast<MemRefType>(acc.getType());
  Type elt = aType.getElementType(), accElt = accType.getElementType();
  int64_t m = aType.getDimSize(0), k = aType.getDimSize(1),
          n = accType.getDimSize(1);
  Value bt = transposeB(b, loc, matmul.getDpsInputs()[1], last, symbols);
  int64_t blockK = tiling.blockK();

  auto blockMapping = b.getArrayAttr(
      {gpu::GPUBlockMappingAttr::get(ctx, gpu::MappingId::DimY),
       gpu::GPUBlockMappingAttr::get(ctx, gpu::MappingId::DimX)});
  auto blocks = scf::ForallOp::create(
      b, loc,
      ArrayRef<OpFoldResult>{b.getIndexAttr(m / Tiling::kBlockM),
                             b.getIndexAttr(n / Tiling::kBlockN)},
      ValueRange{}, blockMapping);
  b.setInsertionPoint(blocks.getBody()->getTerminator());
  AffineExpr d0, d1;
  bindDims(ctx, d0, d1);
  Value row = apply(b, loc, d0 * Tiling::kBlockM, blocks.getInductionVar(0));
  Value col = apply(b, loc, d0 * Tiling::kBlockN, blocks.getInductionVar(1));
  // Staging buffers; --mc-gpu-map-kernels puts them in workgroup memory.
  Value sA = memref::AllocOp::create(
      b, loc, MemRefType::get({Tiling::kBlockM, blockK}, elt));
  Value sB = memref::AllocOp::create(
      b, loc, MemRefType::get({Tiling::kBlockN, blockK}, elt));
  Value sC;
  if (epilogue)
    sC = memref::AllocOp::create(
        b, loc, MemRefType::get({Tiling::kBlockM, Tiling::kBlockN}, accElt));

  auto warps = scf::ForallOp::create(
      b, loc,
      ArrayRef<OpFoldResult>{b.getIndexAttr(Tiling::kWarpsM * Tiling::kWarpsN)},
      ValueRange{},
      b.getArrayAttr(
          {gpu::GPUWarpMappingAttr::get(ctx, gpu::MappingId::LinearDim0)}));
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(warps.getBody()->getTerminator());
    Value w = warps.getInductionVar(0);
    Value wRow =
        apply(b, loc, d0.floorDiv(Tiling::kWarpsN) * Tiling::kWarpM, w);
    Value wCol = apply(b, loc, (d0 % Tiling::kWarpsN) * Tiling::kWarpN, w);
    constexpr int64_t tilesM = Tiling::kWarpM / Tiling::kMmaM,
                      tilesN = Tiling::kWarpN / Tiling::kMmaN;
    auto accVecType = VectorType::get({Tiling::kMmaM, Tiling::kMmaN}, accElt);
    auto offset = [&](Value base, Value warpBase, int64_t tile) {
      if (!base)
        return apply(b, loc, d0 + tile, warpBase);
      return apply(b, loc, d0 + d1 + tile, {base, warpBase});
    };
    // Accumulators: zero, or the output's values (linalg.matmul adds).
    SmallVector<Value> init;
    Value zero = arith::ConstantOp::create(b, loc, accVecType,
                                           b.getZeroAttr(accVecType));
    Value pad = arith::ConstantOp::create(b, loc, b.getZeroAttr(accElt));
    for (int64_t i = 0; i < tilesM; ++i)
      for (int64_t j = 0; j < tilesN; ++j)
        init.push_back(
            zeroFill ? zero
                     : vector::TransferReadOp::create(
                           b, loc, accVecType, acc,
                           ValueRange{offset(row, wRow, i * Tiling::kMmaM),
                                      offset(col, wCol, j * Tiling::kMmaN)},
                           pad, ArrayRef<bool>{true, true})
                           .getResult());

    auto loop = scf::ForOp::create(b, loc, cst(b, loc, 0), cst(b, loc, k),
                                   cst(b, loc, blockK), init);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value kk = loop.getInductionVar();
      stageTile(b, loc, a, row, kk, Tiling::kBlockM, blockK, sA);
      stageTile(b, loc, bt, col, kk, Tiling::kBlockN, blockK, sB);

      AffineExpr dm, dn, dk;
      bindDims(ctx, dm, dn, dk);
      SmallVector<Value> accs(loop.getRegionIterArgs());
      Value eltPad = arith::ConstantOp::create(b, loc, b.getZeroAttr(elt));
      auto aVec = VectorType::get({Tiling::kMmaM, tiling.mmaK}, elt);
      auto bVec = VectorType::get({Tiling::kMmaN, tiling.mmaK}, elt);
      for (int64_t ks = 0; ks < blockK; ks += tiling.mmaK) {
        Value kIdx = cst(b, loc, ks);
        SmallVector<Value> aFrag, bFrag;
        for (int64_t i = 0; i < tilesM; ++i)
          aFrag.push_back(vector::TransferReadOp::create(
              b, loc, aVec, sA,
              ValueRange{offset(nullptr, wRow, i * Tiling::kMmaM), kIdx},
              eltPad, ArrayRef<bool>{true, true}));
        for (int64_t j = 0; j < tilesN; ++j)
          bFrag.push_back(vector::TransferReadOp::create(
              b, loc, bVec, sB,
              ValueRange{offset(nullptr, wCol, j * Tiling::kMmaN), kIdx},
              eltPad, ArrayRef<bool>{true, true}));
        for (int64_t i = 0; i < tilesM; ++i)
          for (int64_t j = 0; j < tilesN; ++j) {
            Value &c = accs[i * tilesN + j];
            c = vector::ContractionOp::create(
                b, loc, aFrag[i], bFrag[j], c,
                ArrayRef<ArrayRef<AffineExpr>>{{dm, dk}, {dn, dk}, {dm, dn}},
                ArrayRef<vector::IteratorType>{
                    vector::IteratorType::parallel,
                    vector::IteratorType::parallel,
                    vector::IteratorType::reduction});
          }
      }
      scf::YieldOp::create(b, loc, accs);
    }
    for (int64_t i = 0; i < tilesM; ++i)
      for (int64_t j = 0; j < tilesN; ++j) {
        Value result = loop.getResult(i * tilesN + j);
        if (epilogue)
          vector::TransferWriteOp::create(
              b, loc, result, sC,
              ValueRange{offset(nullptr, wRow, i * Tiling::kMmaM),
                         offset(nullptr, wCol, j * Tiling::kMmaN)},
              ArrayRef<bool>{true, true});
        else
          vector::TransferWriteOp::create(
              b, loc, result, acc,
              ValueRange{offset(row, wRow, i * Tiling::kMmaM),
                         offset(col, wCol, j * Tiling::kMmaN)},
              ArrayRef<bool>{true, true});
      }
  }

  if (epilogue) {
    // The block applies the epilogue to its staged tile.
    emitBlockEpilogue(b, loc, epilogue, sC, row, col, Tiling::kBlockM,
                      Tiling::kBlockN);
    memref::DeallocOp::create(b, loc, sC);
  }
  memref::DeallocOp::create(b, loc, sA);
  memref::DeallocOp::create(b, loc, sB);

  if (epilogue)
    epilogue.erase();
  matmul.erase();
  if (zeroFill)
    zeroFill.erase();
}

namespace {
struct MCGPUMatmulKernels
    : mc::impl::MCGPUMatmulKernelsBase<MCGPUMatmulKernels> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    auto module = func->getParentOfType<ModuleOp>();
    if (!module)
      return;
    SymbolTable symbols(module);
    SmallVector<linalg::MatmulOp> matmuls;
    func.walk([&](linalg::MatmulOp op) { matmuls.push_back(op); });
    for (linalg::MatmulOp matmul : matmuls) {
      if (!matmul.hasPureBufferSemantics() || matmul.hasUserDefinedMaps())
        continue;
      auto a = cast<MemRefType>(matmul.getDpsInputs()[0].getType());
      auto bType = cast<MemRefType>(matmul.getDpsInputs()[1].getType());
      auto c = cast<MemRefType>(matmul.getDpsInits()[0].getType());
      std::optional<Tiling> tiling = getTiling(
          a.getElementType(), bType.getElementType(), c.getElementType());
      if (!tiling || !a.hasStaticShape() || !bType.hasStaticShape() ||
          !c.hasStaticShape() || !a.getLayout().isIdentity() ||
          !bType.getLayout().isIdentity())
        continue;
      // Integer mma saturates its i32 sums (.satfinite) where linalg.matmul
      // wraps; below 2^31 / 128^2 products they cannot overflow, so the
      // kernels stay exact.
      if (a.getElementType().isInteger(8) &&
          a.getDimSize(1) > (int64_t(1) << 31) / (128 * 128))
        continue;
      // A zero fill of the output right before the matmul.
      Value acc = matmul.getDpsInits()[0];
      auto fill = dyn_cast_or_null<linalg::FillOp>(matmul->getPrevNode());
      if (fill && (fill.getDpsInits()[0] != acc ||
                   (!matchPattern(fill.getInputs()[0], m_AnyZeroFloat()) &&
                    !matchPattern(fill.getInputs()[0], m_Zero()))))
        fill = nullptr;
      linalg::GenericOp epilogue = getFusableEpilogue(acc, matmul, fill);
      if (buildSparseMatmulKernel(matmul, fill, epilogue, symbols))
        continue;
      if (a.getDimSize(0) % Tiling::kBlockM ||
          c.getDimSize(1) % Tiling::kBlockN ||
          a.getDimSize(1) % tiling->blockK())
        continue;
      buildKernel(matmul, *tiling, fill, epilogue, symbols);
    }
  }
};
} // namespace

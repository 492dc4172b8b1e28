//===- MCGPUSparseMatmul.cpp - 2:4 sparse tensor-core matmul tiles --------===//
//
// The part of --mc-gpu-matmul-kernels for weights that are 2:4 sparse along
// K. Sparse tensor cores (mma.sp) take the sparse operand as A (rows x K),
// so the kernel computes C^T = W^T * X^T: rows of the mma are output
// columns n, its columns are rows m of X, and X (M x K, K contiguous) is
// already the "col" layout mma wants for B.
//
//===----------------------------------------------------------------------===//

#include "MatmulTiles.h"
#include "mc/Conversion/GPUKernels.h"
#include "mc/Dialect/MC/IR/MC.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mc::gpu_tiles;

namespace {
/// Block tile 128 (n) x 64 (m) over 2 x 2 warps of 64 x 32, each 4 x 4 mma
/// tiles of 16 (n) x 8 (m); K steps of 128 (4 mma K steps of 32). With an
/// epilogue the block is 128 x 32 (warps of 4 x 2 tiles), so that the
/// staged i32/f32 output tile fits the 48 KB of static shared memory.
constexpr int64_t kBlockN = 128, kBlockK = 128, kWarpsN = 2, kWarpsM = 2,
                  kMmaN = 16, kMmaM = 8, kMmaK = 32;
constexpr int64_t kWarpN = kBlockN / kWarpsN;

/// A 2:4 weight packed for mma.sp: per output column n the kept values
/// (N x K/2) and their positions (N x K/16 i16 words, see mc.sparse_mma).
struct PackedWeight {
  memref::GlobalOp values, meta;
};
} // namespace

/// The K x N constant behind `weight` as raw little-endian elements, if it
/// is a dense constant global.
static std::optional<ArrayRef<char>> getConstantData(Value weight,
                                                     SymbolTable &symbols,
                                                     memref::GlobalOp &global) {
  auto get = weight.getDefiningOp<memref::GetGlobalOp>();
  global = get ? symbols.lookup<memref::GlobalOp>(get.getName()) : nullptr;
  auto dense =
      global && global.getConstant()
          ? dyn_cast_or_null<DenseElementsAttr>(global.getInitialValueAttr())
          : nullptr;
  if (!dense || dense.isSplat())
    return std::nullopt;
  return dense.getRawData();
}

/// Packs the K x N weight if every aligned 4 k of every column has at most
/// two nonzero elements (bitwise: -0.0 counts as nonzero). Chunks with
/// fewer keep zeros at their lowest free positions; positions ascend.
static std::optional<PackedWeight> packWeight(OpBuilder &b, Location loc,
                                              Value weight,
                                              SymbolTable &symbols) {
  memref::GlobalOp global;
  std::optional<ArrayRef<char>> data = getConstantData(weight, symbols, global);
  if (!data)
    return std::nullopt;
  auto type = cast<MemRefType>(weight.getType());
  Type elt = type.getElementType();
  int64_t k = type.getDimSize(0), n = type.getDimSize(1),
          bytes = elt.getIntOrFloatBitWidth() / 8;
  auto element = [&](int64_t row, int64_t col) {
    return ArrayRef<char>(data->data() + (row * n + col) * bytes, bytes);
  };
  auto isZero = [](ArrayRef<char> e) {
    return llvm::all_of(e, [](char c) { return c == 0; });
  };
  std::vector<char> values(n * k / 2 * bytes);
  std::vector<uint16_t> meta(n * k / 16, 0);
  for (int64_t col = 0; col < n; ++col)
    for (int64_t chunk = 0; chunk < k / 4; ++chunk) {
      SmallVector<int64_t, 4> kept;
      for (int64_t p = 0; p < 4; ++p)
        if (!isZero(element(4 * chunk + p, col)))
          kept.push_back(p);
      if (kept.size() > 2)
        return std::nullopt;
      for (int64_t p = 0; kept.size() < 2; ++p)
        if (!llvm::is_contained(kept, p))
          kept.push_back(p);
      llvm::sort(kept);
      for (int64_t s = 0; s < 2; ++s) {
        ArrayRef<char> e = element(4 * chunk + kept[s], col);
        llvm::copy(e, values.begin() + (col * k / 2 + 2 * chunk + s) * bytes);
        meta[col * k / 16 + chunk / 4] |= kept[s] << (chunk % 4 * 4 + 2 * s);
      }
    }

  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(global);
  auto makeGlobal = [&](StringRef suffix, Type eltType, int64_t cols,
                        ArrayRef<char> raw) {
    auto memType = MemRefType::get({n, cols}, eltType);
    auto tensorType = RankedTensorType::get({n, cols}, eltType);
    auto result = memref::GlobalOp::create(
        b, loc, (global.getSymName() + suffix).str(),
        b.getStringAttr("private"), memType,
        DenseElementsAttr::getFromRawBuffer(tensorType, raw),
        /*constant=*/true, b.getI64IntegerAttr(16));
    symbols.insert(result);
    return result;
  };
  PackedWeight packed;
  packed.values = makeGlobal("_sp_values", elt, k / 2, values);
  packed.meta = makeGlobal(
      "_sp_meta", b.getI16Type(), k / 16,
      ArrayRef<char>(reinterpret_cast<const char *>(meta.data()),
                     meta.size() * sizeof(uint16_t)));
  return packed;
}

bool mc::gpu_tiles::buildSparseMatmulKernel(linalg::MatmulOp matmul,
                                            linalg::FillOp zeroFill,
                                            linalg::GenericOp epilogue,
                                            SymbolTable &symbols) {
  Value x = matmul.getDpsInputs()[0], weight = matmul.getDpsInputs()[1],
        acc = matmul.getDpsInits()[0];
  auto xType = cast<MemRefType>(x.getType());
  auto accType = cast<MemRefType>(acc.getType());
  Type elt = xType.getElementType(), accElt = accType.getElementType();
  int64_t m = xType.getDimSize(0), k = xType.getDimSize(1),
          n = accType.getDimSize(1);
  if (!(elt.isInteger(8) && accElt.isInteger(32)) &&
      !((elt.isF16() || elt.isBF16()) && accElt.isF32()))
    return false;
  const int64_t kBlockM = epilogue ? 32 : 64, kWarpM = kBlockM / kWarpsM;
  if (m % kBlockM || n % kBlockN || k % kBlockK)
    return false;
  Location loc = matmul.getLoc();
  // With an epilogue the kernel goes where it is: its operands may be
  // defined after the matmul (only side-effect-free ops are in between).
  Operation *last = epilogue ? epilogue.getOperation() : matmul.getOperation();
  OpBuilder b(last);
  std::optional<PackedWeight> packed = packWeight(b, loc, weight, symbols);
  if (!packed)
    return false;
  MLIRContext *ctx = b.getContext();
  Value values = memref::GetGlobalOp::create(b, loc, packed->values.getType(),
                                             packed->values.getSymName());
  Value meta = memref::GetGlobalOp::create(b, loc, packed->meta.getType(),
                                           packed->meta.getSymName());

  auto blocks = scf::ForallOp::create(
      b, loc,
      ArrayRef<OpFoldResult>{b.getIndexAttr(n / kBlockN),
                             b.getIndexAttr(m / kBlockM)},
      ValueRange{},
      b.getArrayAttr(
          {gpu::GPUBlockMappingAttr::get(ctx, gpu::MappingId::DimY),
           gpu::GPUBlockMappingAttr::get(ctx, gpu::MappingId::DimX)}));
  b.setInsertionPoint(blocks.getBody()->getTerminator());
  AffineExpr d0, d1;
  bindDims(ctx, d0, d1);
  Value nBase = apply(b, loc, d0 * kBlockN, blocks.getInductionVar(0));
  Value mBase = apply(b, loc, d0 * kBlockM, blocks.getInductionVar(1));
  // Staging buffers; --mc-gpu-map-kernels puts them in workgroup memory.
  auto alloc = [&](int64_t rows, int64_t cols, Type type) -> Value {
    return memref::AllocOp::create(b, loc, MemRefType::get({rows, cols}, type));
  };
  Value sValues = alloc(kBlockN, kBlockK / 2, elt);
  Value sMeta = alloc(kBlockN, kBlockK / 16, b.getI16Type());
  Value sX = alloc(kBlockM, kBlockK, elt);
  // Accumulators staged as the output's m x n tile for the epilogue.
  Value sC = epilogue ? alloc(kBlockM, kBlockN, accElt) : Value();

  auto warps = scf::ForallOp::create(
      b, loc, ArrayRef<OpFoldResult>{b.getIndexAttr(kWarpsN * kWarpsM)},
      ValueRange{},
      b.getArrayAttr(
          {gpu::GPUWarpMappingAttr::get(ctx, gpu::MappingId::LinearDim0)}));
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(warps.getBody()->getTerminator());
    Value w = warps.getInductionVar(0);
    Value wN = apply(b, loc, d0.floorDiv(kWarpsM) * kWarpN, w);
    Value wM = apply(b, loc, (d0 % kWarpsM) * kWarpM, w);
    const int64_t tilesN = kWarpN / kMmaN, tilesM = kWarpM / kMmaM;
    auto accVecType = VectorType::get({kMmaN, kMmaM}, accElt);
    // Accumulator tiles are n x m; the output is m x n.
    auto transposed = AffineMapAttr::get(AffineMap::get(2, 0, {d1, d0}, ctx));
    auto outIndices = [&](Value mOff, Value nOff, int64_t i, int64_t j) {
      auto at = [&](Value base, Value warpBase, int64_t tile) {
        if (!base)
          return apply(b, loc, d0 + tile, warpBase);
        return apply(b, loc, d0 + d1 + tile, {base, warpBase});
      };
      return SmallVector<Value>{at(mOff, wM, j * kMmaM),
                                at(nOff, wN, i * kMmaN)};
    };
    SmallVector<Value> init;
    Value zero = arith::ConstantOp::create(b, loc, accVecType,
                                           b.getZeroAttr(accVecType));
    Value accPad = arith::ConstantOp::create(b, loc, b.getZeroAttr(accElt));
    for (int64_t i = 0; i < tilesN; ++i)
      for (int64_t j = 0; j < tilesM; ++j)
        init.push_back(zeroFill ? zero
                                : vector::TransferReadOp::create(
                                      b, loc, accVecType, acc,
                                      outIndices(mBase, nBase, i, j), accPad,
                                      transposed,
                                      b.getBoolArrayAttr({true, true}))
                                      .getResult());

    auto loop = scf::ForOp::create(b, loc, cst(b, loc, 0), cst(b, loc, k),
                                   cst(b, loc, kBlockK), init);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value kk = loop.getInductionVar();
      stageTile(b, loc, values, nBase, apply(b, loc, d0.floorDiv(2), kk),
                kBlockN, kBlockK / 2, sValues);
      stageTile(b, loc, meta, nBase, apply(b, loc, d0.floorDiv(16), kk),
                kBlockN, kBlockK / 16, sMeta);
      stageTile(b, loc, x, mBase, kk, kBlockM, kBlockK, sX);

      SmallVector<Value> accs(loop.getRegionIterArgs());
      Value pad = arith::ConstantOp::create(b, loc, b.getZeroAttr(elt));
      Value metaPad = arith::ConstantOp::create(b, loc, b.getI16IntegerAttr(0));
      auto read = [&](Value buffer, int64_t rows, int64_t cols, Value row,
                      int64_t col, Value padding) -> Value {
        auto type = VectorType::get(
            {rows, cols}, cast<MemRefType>(buffer.getType()).getElementType());
        return vector::TransferReadOp::create(
            b, loc, type, buffer, ValueRange{row, cst(b, loc, col)}, padding,
            ArrayRef<bool>{true, true});
      };
      for (int64_t ks = 0; ks < kBlockK; ks += kMmaK) {
        SmallVector<Value> aValues, aMeta, xFrag;
        for (int64_t i = 0; i < tilesN; ++i) {
          Value row = apply(b, loc, d0 + i * kMmaN, wN);
          aValues.push_back(
              read(sValues, kMmaN, kMmaK / 2, row, ks / 2, pad));
          aMeta.push_back(read(sMeta, kMmaN, kMmaK / 16, row, ks / 16,
                               metaPad));
        }
        for (int64_t j = 0; j < tilesM; ++j)
          xFrag.push_back(read(sX, kMmaM, kMmaK,
                               apply(b, loc, d0 + j * kMmaM, wM), ks, pad));
        for (int64_t i = 0; i < tilesN; ++i)
          for (int64_t j = 0; j < tilesM; ++j) {
            Value &c = accs[i * tilesM + j];
            c = mc::SparseMmaOp::create(b, loc, c.getType(), aValues[i],
                                        aMeta[i], xFrag[j], c);
          }
      }
      scf::YieldOp::create(b, loc, accs);
    }
    for (int64_t i = 0; i < tilesN; ++i)
      for (int64_t j = 0; j < tilesM; ++j) {
        Value result = loop.getResult(i * tilesM + j);
        vector::TransferWriteOp::create(
            b, loc, result, epilogue ? sC : acc,
            epilogue ? outIndices(nullptr, nullptr, i, j)
                     : outIndices(mBase, nBase, i, j),
            transposed, b.getBoolArrayAttr({true, true}));
      }
  }

  if (epilogue) {
    // The block applies the epilogue to its staged m x n tile.
    emitBlockEpilogue(b, loc, epilogue, sC, mBase, nBase, kBlockM, kBlockN);
    memref::DeallocOp::create(b, loc, sC);
  }
  for (Value buffer : {sValues, sMeta, sX})
    memref::DeallocOp::create(b, loc, buffer);

  if (epilogue)
    epilogue.erase();
  matmul.erase();
  if (zeroFill)
    zeroFill.erase();
  return true;
}

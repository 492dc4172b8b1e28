//===- CodebookMatmul.cpp - f32 x codebook (look-up table) GEMV/GEMM ------===//
//
// Y[M x N] (+)= X[M x K] * decode(W)[K x N], X f32 and W a constant
// `#mc.codebook<iB|uiB>` weight (B in 1..4: at most 16 f32 entries, one
// zmm) with one table per tensor, per column (`axis = 1`) or per block of
// G x b (G a multiple of 16 along K).
//
// A look-up must use the same table in every lane, so the kernel
// vectorizes along K within one column: 16 consecutive k of a column are
// looked up in that column's table and multiplied by x[m, k .. k + 16]; each
// column's 16 partial sums are added up at the end. On x86 the look-up is a
// `vector.from_elements` of dynamic `vector.extract`s from the table, which
// LLVM's X86 backend turns into one variable permute (`vpermd`/`vpermps`
// on AVX-512; the table may come straight from memory). LLVM scalarizes
// that pattern on AArch64, so there (`tableLookup`) each table is stored as
// 4 planes of 16 bytes (byte p of every entry) and the 16 indices as bytes:
// 4 `mc.table_lookup`s (`tbl` with one table register) and two levels of
// `vector.interleave` (`zip1`/`zip2`) give the 16 f32 entries. The results
// are the same.
//
// Layout (compile time): columns go in groups of C = 4 (2 with
// `tableLookup`, where a 16-lane vector takes 4 of NEON's 32 q registers).
// For each group and block of 16 * S k (S = W / P indices of P = B bits,
// 3 bits stored in 4, per word of W = 32 bits, or 8 with `tableLookup`), C
// vectors of 16 words, one per column: lane l of column c holds the indices of k = k0 + 16 j + l,
// j = 0 .. S - 1, in bits P j .. P j + P - 1. Index j is a shift and a
// mask away. The group's tables follow in their own constant, 16 f32 per
// table (zero-padded; or their bytes as planes).
//
// From kMinGemmRows rows on, the matmul is left to the f32 GEMM (on the
// decoded weight).
//
// Loops: column groups run in parallel (`scf.forall`); in each, the rows go
// in tiles of up to 4 (2 on NEON) with C x rows accumulators (on x86 two
// per column for one row, so enough FMA chains are in flight) over all of
// K; then each column is reduced, added to Y's initial value, the
// element-wise consumer (if any) applied and the C columns stored.
//
// Numerics: the products are exact look-ups times x, summed with FMAs in 16
// (or 32) interleaved partial sums and a reduction tree, then added to Y's
// initial value: equal to the reference within float rounding, exactly
// when the sums are exact (small integers).
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"
#include "KernelSupport.h"

#include "mc/Dialect/MC/IR/MC.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"

#include <cstring>
#include <memory>

using namespace mlir;
using namespace mc::kernels;

/// From this many rows the weight is better decoded once per call (by the
/// reference lowering of its `mc.decode`) and left to the f32 GEMM, which
/// packs it per panel at run time: this kernel repeats every look-up for
/// each tile of 4 rows and sums along K. Measured with
/// `bench/f32_peers.py --kmeans` (1 thread, K = N = 1024, 4-bit per
/// tensor), here vs decoded: 1.5 vs 2.9 ms at M = 32, 3.6 vs 3.6 ms at
/// M = 64; 8.5 vs 7.4 ms at M = 128 (the other vCPU busy). The decode is
/// the reference's scalar loop, about 1.5 ms of those for 1M weights.
static constexpr int64_t kMinGemmRows = 128;

namespace {
/// The weight as the kernel sees it: K x N indices into tables of 2^B f32,
/// with a new table every `groupK` k and `groupN` columns.
struct Codebook {
  mc::CodebookEncodingAttr encoding;
  int64_t k, n, groupK, groupN;
  /// Tables per row of tables (along N); 1 for a per-tensor table.
  int64_t tablesN;
  RawConstant indices, tables;
  /// i1 indices, a byte each (dense attributes pack i1 in bits).
  std::shared_ptr<SmallVector<char>> unpackedIndices;

  unsigned width() const { return encoding.getStorage().getWidth(); }
  int64_t entries() const { return int64_t(1) << width(); }
  uint32_t index(int64_t kk, int64_t col) const {
    return static_cast<uint8_t>(*indices.at(kk * n + col)) &
           (entries() - 1);
  }
  int64_t table(int64_t kk, int64_t col) const {
    return kk / groupK * tablesN + col / groupN;
  }
  float entry(int64_t table, int64_t e) const {
    float v;
    std::memcpy(&v, tables.at(table * entries() + e), 4);
    return v;
  }
};
} // namespace

/// The codebook behind `decode(assemble(constants))`, if the kernel handles
/// its encoding.
static std::optional<Codebook> matchCodebook(Value operand) {
  auto decode = operand.getDefiningOp<mc::DecodeOp>();
  if (!decode)
    return std::nullopt;
  auto assemble = decode.getInput().getDefiningOp<mc::AssembleOp>();
  auto type = cast<mc::CompressedType>(decode.getInput().getType());
  auto encoding = dyn_cast<mc::CodebookEncodingAttr>(type.getEncoding());
  if (!assemble || !encoding || !type.getExpressedType().isF32() ||
      type.getShape().size() != 2)
    return std::nullopt;
  // Up to 16 entries fit one vector register.
  if (encoding.getStorage().getWidth() > 4)
    return std::nullopt;

  Codebook w;
  w.encoding = encoding;
  w.k = type.getShape()[0];
  w.n = type.getShape()[1];
  w.groupK = w.k;
  w.groupN = w.n;
  if (std::optional<int64_t> axis = encoding.getAxis()) {
    // A table per k (axis 0) would be a new table for every lane.
    if (*axis != 1)
      return std::nullopt;
    w.groupN = 1;
  } else if (!encoding.getBlock().empty()) {
    w.groupK = encoding.getBlock()[0];
    w.groupN = encoding.getBlock()[1];
  }
  if (w.groupK % 16 && w.groupK != w.k)
    return std::nullopt;
  w.tablesN = w.n / w.groupN;

  ValueRange parts = assemble.getParts();
  std::optional<RawConstant> indices;
  DenseIntElementsAttr bits;
  if (encoding.getStorage().getWidth() == 1) {
    if (!matchPattern(parts[0], m_Constant(&bits)))
      return std::nullopt;
    w.unpackedIndices = std::make_shared<SmallVector<char>>();
    for (bool bit : bits.getValues<bool>())
      w.unpackedIndices->push_back(bit);
    indices = RawConstant{*w.unpackedIndices, false, 1};
  } else {
    indices = getRawConstant(parts[0], 1);
  }
  std::optional<RawConstant> tables = getRawConstant(parts[1], 4);
  if (!indices || !tables ||
      !cast<ShapedType>(parts[1].getType()).getElementType().isF32())
    return std::nullopt;
  w.indices = *indices;
  w.tables = *tables;
  return w;
}

/// The 16 f32 table entries of the lanes' indices `idx`.
///
/// With `tableLookup` (AArch64), the table is 4 byte planes of 16 bytes
/// (byte p of entry e at 16 p + e) and `idx` 16 bytes: one `tbl` (1 table
/// register) per plane and two levels of `zip` put each entry's 4 bytes
/// back together. (A 64-byte table looked up with byte indices
/// 4 q + {0, 1, 2, 3} needs four 4-register `tbl`, each 3 times the cost,
/// and a multiply to form the indices.)
///
/// Otherwise, the table is 16 f32 and `idx` 16 i32: a build vector of
/// variable extracts, which the X86 backend turns into one variable
/// permute (`vpermd`). Without AVX-512 (`halves`) it would scalarize a
/// 16-entry one (--mcpu=haswell, 2048 x 2048 ui4 per column, M = 1: 4.6 ms
/// against 0.83 ms for the dense f32 GEMV), so each 8 lanes look up both
/// halves of the table (`vpermps` on ymm) and select by index bit 3.
static Value lookUp(OpBuilder &b, Location loc, Value table, Value idx,
                    bool tableLookup, bool halves) {
  int64_t lanes = cast<VectorType>(idx.getType()).getNumElements();
  auto f32Type = VectorType::get({lanes}, b.getF32Type());
  auto permute = [&](Value from, Value indices) {
    int64_t count = cast<VectorType>(indices.getType()).getNumElements();
    SmallVector<Value> elements;
    for (int64_t l = 0; l < count; ++l) {
      Value i =
          vector::ExtractOp::create(b, loc, indices, ArrayRef<int64_t>{l});
      Value position =
          arith::IndexCastOp::create(b, loc, b.getIndexType(), i);
      elements.push_back(vector::ExtractOp::create(
          b, loc, from, ArrayRef<OpFoldResult>{position}));
    }
    return vector::FromElementsOp::create(
        b, loc, VectorType::get({count}, b.getF32Type()), elements);
  };
  if (halves && lanes % 8 == 0) {
    auto i32x8 = VectorType::get({8}, b.getI32Type());
    auto splat = [&](int32_t v) {
      return arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(i32x8, b.getI32IntegerAttr(v)));
    };
    Value tables[2] = {
        vector::ExtractStridedSliceOp::create(b, loc, table, 0, 8, 1),
        vector::ExtractStridedSliceOp::create(b, loc, table, 8, 8, 1)};
    Value result = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(f32Type, b.getF32FloatAttr(0)));
    for (int64_t h = 0; h < lanes; h += 8) {
      Value part = vector::ExtractStridedSliceOp::create(b, loc, idx, h, 8, 1);
      Value low = arith::AndIOp::create(b, loc, part, splat(7));
      Value inLow = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                          part, splat(8));
      Value looked = arith::SelectOp::create(
          b, loc, inLow, permute(tables[0], low), permute(tables[1], low));
      result =
          vector::InsertStridedSliceOp::create(b, loc, looked, result, h, 1);
    }
    return result;
  }
  if (tableLookup) {
    SmallVector<Value> planes;
    for (int64_t p = 0; p < 4; ++p) {
      Value plane = vector::ExtractStridedSliceOp::create(
          b, loc, table, p * lanes, lanes, 1);
      planes.push_back(
          mc::TableLookupOp::create(b, loc, idx.getType(), plane, idx));
    }
    auto halves = VectorType::get({lanes}, b.getI16Type());
    Value low = vector::BitCastOp::create(
        b, loc, halves,
        vector::InterleaveOp::create(b, loc, planes[0], planes[1]));
    Value high = vector::BitCastOp::create(
        b, loc, halves,
        vector::InterleaveOp::create(b, loc, planes[2], planes[3]));
    return vector::BitCastOp::create(
        b, loc, f32Type, vector::InterleaveOp::create(b, loc, low, high));
  }
  return permute(table, idx);
}

namespace {
/// Emits the kernel for one matmul.
class CodebookEmitter {
public:
  CodebookEmitter(RewriterBase &rewriter, linalg::MatmulOp matmul,
                  const Codebook &weight, const KernelConfig &config)
      : b(rewriter), loc(matmul.getLoc()), matmul(matmul), w(weight),
        config(config) {
    kCols = config.tableLookup ? 2 : 4;
    kTileM = config.tableLookup ? 2 : 4;
    kSplits = config.tableLookup ? 1 : 2;
    wordType = config.tableLookup ? b.getI8Type() : b.getI32Type();
    m = cast<RankedTensorType>(matmul.getInputs()[0].getType()).getDimSize(0);
    bits = w.width() == 3 ? 4 : w.width();
    slots = wordType.getWidth() / bits;
    blockK = kLanes * slots;
    numBlocks = llvm::divideCeil(w.k, blockK);
    numGroups = llvm::divideCeil(w.n, kCols);
    numTablesK = llvm::divideCeil(w.k, w.groupK);
  }

  Value emit(std::optional<Epilogue> epilogue);

private:
  /// k per vector (f32 lanes of a zmm; 16 table entries).
  static constexpr int64_t kLanes = 16;
  /// Columns per group (each with its table in registers) and most rows of
  /// a register tile, and FMA chains per column for a single row: 4, 4, 2
  /// fit AVX-512's 32 zmm. A 16-lane vector takes 4 of NEON's 32 q
  /// registers, so there a tile has 2 columns of 2 rows and one chain (4 q
  /// registers are 4 chains already).
  int64_t kCols, kTileM, kSplits;

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, int64_t y) {
    return y ? arith::AddIOp::create(b, loc, x, index(y)).getResult() : x;
  }
  Value mul(Value x, int64_t y) {
    return arith::MulIOp::create(b, loc, x, index(y));
  }
  Value splatWord(int32_t v) {
    return arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(VectorType::get({kLanes}, wordType),
                               b.getIntegerAttr(wordType, v)));
  }
  void packWeights();
  Value readTable(Value group, Value tableK, int64_t c);
  Value emitTile(Value slice, Value row, int64_t rows, Value n0, Value group,
                 int64_t width);
  Value emitGroup(Value slice, Value n0, Value group, int64_t width);

  RewriterBase &b;
  Location loc;
  linalg::MatmulOp matmul;
  const Codebook &w;
  const KernelConfig &config;
  /// Packed index words: i32 lanes, or bytes with `tableLookup` (16
  /// indices in one register, tbl's operand).
  IntegerType wordType;
  int64_t m, bits, slots, blockK, numBlocks, numGroups, numTablesK;
  Value x, packedIndices, packedTables;
  std::optional<MatmulOutput> output;
};
} // namespace

void CodebookEmitter::packWeights() {
  // Indices past K or N are 0 and meet zero-padded x or are never stored.
  SmallVector<int32_t> indices(numGroups * numBlocks * kCols * kLanes, 0);
  for (int64_t kk = 0; kk < w.k; ++kk) {
    int64_t block = kk / blockK, j = kk % blockK / kLanes, l = kk % kLanes;
    for (int64_t col = 0; col < w.n; ++col) {
      int64_t g = col / kCols, c = col % kCols;
      indices[((g * numBlocks + block) * kCols + c) * kLanes + l] |=
          static_cast<int32_t>(w.index(kk, col) << (bits * j));
    }
  }
  SmallVector<float> tables(numGroups * numTablesK * kCols * kLanes, 0.0f);
  for (int64_t t = 0; t < numTablesK; ++t)
    for (int64_t col = 0; col < w.n; ++col) {
      int64_t g = col / kCols, c = col % kCols;
      int64_t table = w.table(t * w.groupK, col);
      for (int64_t e = 0; e < w.entries(); ++e)
        tables[((g * numTablesK + t) * kCols + c) * kLanes + e] =
            w.entry(table, e);
    }
  auto constant = [&](Type elt, auto values) -> Value {
    auto type = RankedTensorType::get({int64_t(values.size())}, elt);
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(type, ArrayRef(values)));
  };
  if (!config.tableLookup) {
    packedIndices = constant(b.getI32Type(), indices);
    packedTables = constant(b.getF32Type(), tables);
    return;
  }
  // Byte words (the fields fill 8 bits) and tables as 4 byte planes.
  SmallVector<int8_t> bytes;
  for (int32_t word : indices)
    bytes.push_back(static_cast<int8_t>(word));
  SmallVector<int8_t> planes(4 * tables.size());
  for (size_t t = 0; t < tables.size(); t += kLanes)
    for (int64_t e = 0; e < kLanes; ++e) {
      uint32_t raw;
      std::memcpy(&raw, &tables[t + e], 4);
      for (int64_t p = 0; p < 4; ++p)
        planes[4 * t + p * kLanes + e] = static_cast<int8_t>(raw >> 8 * p);
    }
  packedIndices = constant(b.getI8Type(), bytes);
  packedTables = constant(b.getI8Type(), planes);
}

/// Column c's table for the k of table row `tableK` in column group `group`.
Value CodebookEmitter::readTable(Value group, Value tableK, int64_t c) {
  Value t = arith::AddIOp::create(b, loc, mul(group, numTablesK), tableK);
  // 16 f32, or their 64 bytes as planes.
  int64_t size = config.tableLookup ? 4 * kLanes : kLanes;
  return readVector(b, loc, packedTables, {mul(add(mul(t, kCols), c), size)},
                    size, true);
}

Value CodebookEmitter::emitTile(Value slice, Value row, int64_t rows, Value n0,
                                Value group, int64_t width) {
  auto f32Type = VectorType::get({kLanes}, b.getF32Type());
  Value zero = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(f32Type, b.getF32FloatAttr(0)));
  // Enough independent FMA chains for one row.
  int64_t splits = rows == 1 ? kSplits : 1;
  auto accIndex = [&](int64_t i, int64_t c, int64_t s) {
    return (i * kCols + c) * splits + s;
  };
  SmallVector<Value> tables;
  if (numTablesK == 1)
    for (int64_t c = 0; c < kCols; ++c)
      tables.push_back(readTable(group, index(0), c));

  // One block of k from `block` * blockK, its first `count` slots; x is
  // read zero-padded past K if `tail`.
  auto step = [&](ValueRange in, Value block, int64_t count, bool tail) {
    SmallVector<Value> accs(in.begin(), in.end());
    Value k0 = mul(block, blockK);
    SmallVector<Value> words;
    Value base = arith::AddIOp::create(b, loc, mul(group, numBlocks), block);
    for (int64_t c = 0; c < kCols; ++c)
      words.push_back(readVector(b, loc, packedIndices,
                                 {mul(add(mul(base, kCols), c), kLanes)},
                                 kLanes, true));
    for (int64_t j = 0; j < count; ++j) {
      Value kj = add(k0, j * kLanes);
      SmallVector<Value> xs;
      for (int64_t i = 0; i < rows; ++i)
        xs.push_back(readVector(b, loc, x, {add(row, i), kj}, kLanes, !tail));
      for (int64_t c = 0; c < kCols; ++c) {
        Value q = words[c];
        if (j)
          q = arith::ShRUIOp::create(b, loc, q, splatWord(bits * j));
        if (j + 1 < slots)
          q = arith::AndIOp::create(b, loc, q, splatWord((1 << bits) - 1));
        Value table = numTablesK == 1
                          ? tables[c]
                          : readTable(group,
                                      arith::DivUIOp::create(b, loc, kj,
                                                             index(w.groupK)),
                                      c);
        Value weights =
            lookUp(b, loc, table, q, config.tableLookup,
                   config.isa == Isa::Avx2 || config.isa == Isa::AvxVnni);
        for (int64_t i = 0; i < rows; ++i) {
          Value &acc = accs[accIndex(i, c, j % splits)];
          acc = vector::FMAOp::create(b, loc, weights, xs[i], acc);
        }
      }
    }
    return accs;
  };

  SmallVector<Value> accs(rows * kCols * splits, zero);
  int64_t full = w.k / blockK;
  if (full > 0) {
    auto loop = scf::ForOp::create(
        b, loc, index(0), index(full), index(1), accs,
        [&](OpBuilder &, Location, Value block, ValueRange in) {
          scf::YieldOp::create(b, loc, step(in, block, slots, false));
        });
    accs.assign(loop.getResults().begin(), loop.getResults().end());
  }
  if (int64_t rest = w.k % blockK)
    accs = step(accs, index(full), llvm::divideCeil(rest, kLanes), true);

  auto outType = VectorType::get({kCols}, b.getF32Type());
  bool inBounds = width == kCols;
  for (int64_t i = 0; i < rows; ++i) {
    Value r = add(row, i);
    SmallVector<Value> sums;
    for (int64_t c = 0; c < kCols; ++c) {
      Value acc = accs[accIndex(i, c, 0)];
      for (int64_t s = 1; s < splits; ++s)
        acc = arith::AddFOp::create(b, loc, acc, accs[accIndex(i, c, s)]);
      sums.push_back(vector::ReductionOp::create(
          b, loc, vector::CombiningKind::ADD, acc));
    }
    Value y = vector::FromElementsOp::create(b, loc, outType, sums);
    Value init = output->readInit(b, loc, slice, r, n0, index(0), kCols,
                                  inBounds);
    y = arith::AddFOp::create(b, loc, init, y);
    slice = output->store(b, loc, slice, y, r, n0, index(0), inBounds);
  }
  return slice;
}

Value CodebookEmitter::emitGroup(Value slice, Value n0, Value group,
                                 int64_t width) {
  return emitRowTiles(b, loc, slice, m, kTileM,
                      [&](Value dest, Value row, int64_t rows) {
                        return emitTile(dest, row, rows, n0, group, width);
                      });
}

Value CodebookEmitter::emit(std::optional<Epilogue> epilogue) {
  x = matmul.getInputs()[0];
  output.emplace(b, loc, matmul, epilogue);
  packWeights();
  return emitColumnGroups(
      b, loc, output->getDest(), kCols,
      [&](Value slice, Value n0, Value group, int64_t width) {
        return emitGroup(slice, n0, group, width);
      });
}

LogicalResult mc::kernels::rewriteCodebookMatmul(RewriterBase &rewriter,
                                                 linalg::MatmulOp matmul,
                                                 const KernelConfig &config) {
  if (!isStaticF32Matmul(matmul))
    return failure();
  std::optional<Codebook> weight = matchCodebook(matmul.getInputs()[1]);
  if (!weight)
    return failure();
  // Many rows: left to the f32 GEMM (see kMinGemmRows).
  if (cast<RankedTensorType>(matmul.getInputs()[0].getType()).getDimSize(0) >=
      kMinGemmRows)
    return failure();

  replaceWithKernel(rewriter, matmul, [&](std::optional<Epilogue> epilogue) {
    return CodebookEmitter(rewriter, matmul, *weight, config).emit(epilogue);
  });
  return success();
}

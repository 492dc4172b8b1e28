//===- F32Matmul.cpp - dense f32 x f32 -> f32 GEMV/GEMM kernels -----------===//
//
// Y[M x N] (+)= X[M x K] * W[K x N] on f32, W a constant (`dense` or
// `dense_resource`) that no other kernel took (sparse, quantized, codebook)
// or a run-time value (e.g. a codebook weight decoded once per call).
//
// Layout (compile time): W's columns go in panels of NR = tileN vectors of
// L lanes (L = 16 on AVX-512, 8 on AVX2, 4 on Advanced SIMD / generic),
// a panel's K rows one after the other: Wp[p][k][c] = W[k][p NR + c],
// zero past N. A register tile reads one sequential stream of weights,
// which is what a GEMV (M = 1, memory-bound) needs to run at the DRAM read
// rate; with no more rows than one tile, the stream of a constant W is
// also prefetched in software 4 KiB ahead (the hardware prefetcher stops at
// 4 KiB pages; measured +4-10 % of the DRAM read at M = 1, 4096 x 4096 and
// 14336 x 4096). A run-time W is copied into this layout one panel at a
// time, in the panel's parallel iteration (no row blocks then).
//
// Kernel: per k, tileN weight vectors are loaded and each of tileM rows of
// X is broadcast (`vbroadcastss` from memory; AArch64 `ld1r`, or `fmla` by
// element) and multiplied into tileM x tileN accumulators with `vector.fma`
// (`vfmadd231ps`, AArch64 `fmla`). Tiles: 8 x 3 zmm (24 accumulators, 3
// weights and 2 broadcasts of 32 registers), 6 x 2 ymm on AVX2 (15 of 16),
// 8 x 3 q on AArch64 (32), 4 x 3 for generic (16 registers of SSE). The
// pass's tile-m / tile-n options (the int8 kernels' tiles) do not apply.
//
// Loops: the panels run in parallel (`scf.forall`). In a panel, K is cut
// into blocks whose weights (kc x NR) stay in L2 while every row tile of X
// streams past them: for each block, for each row tile, the tile's partial
// sums are read, run over the block's k and written back. The first block
// starts from Y's initial value, the last applies the element-wise consumer
// (if any) before the store. X's rows are read whole per block (long
// sequential streams the hardware prefetches). With M no larger than one
// tile the weights have no reuse and K is not cut.
//
// Every panel reads all of X: from DRAM when X, the weights and Y do not
// fit L3 together (16 MB each at 2048^3, X read by each of 43 panels).
// When X exceeds 2 MB, blocks of up to 256 rows run in parallel instead
// (`scf.forall`, chooseBlockRows), and in each, for each K block, the panels
// one after the other: each panel's weights for the K block (up to 512 KB)
// stay in L2 while the block's row tiles stream past them, and the block's
// X over the K block (at most 2 MB) stays in L3, re-read by every panel
// (sizes: kRowBlockWeightBytes; the pass's `block-m` sets the rows).
//
// Numerics: y = fma(w[k], x[m, k], y) in increasing k, from Y's initial
// value (partial sums round-trip through memory in f32, exactly). The
// reference rounds each product and adds it, so the two agree within float
// rounding, exactly when every product and sum is exact (small integers).
//
//===----------------------------------------------------------------------===//

#include "KernelSupport.h"
#include "Kernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <cstring>

using namespace mlir;
using namespace mc::kernels;

/// Most bytes of a panel's weights per K block: a quarter of a 1 MB L2,
/// leaving room for the streams of X and the output.
static constexpr int64_t kBlockBytes = 256 * 1024;

/// With row blocks: most bytes of a panel's weights per K block (half of
/// L2: the block's 256 rows of X stream past them from L3), and of a row
/// block's X over one K block (re-read by every panel from L3: with two
/// threads, 4 MB of the 35.8 MB, next to the weights; all of X at 2048^3 is
/// 16 MB, with 16 MB of weights and 16 MB of output). Measured at 2048^3
/// (1 thread, interleaved with oneDNN): 256-row blocks without a K cut (W
/// in L2, X from L3) about 0.98x oneDNN; 128-row blocks 0.89x; K blocks
/// of 512 or 1024 with X's block in L2 and partial sums through the output
/// 0.75-0.88x, no better than the column panels' 0.85-0.88x.
static constexpr int64_t kRowBlockWeightBytes = 512 * 1024,
                         kRowBlockXBytes = 2 * 1024 * 1024;

/// How far ahead a GEMV prefetches its weights.
static constexpr int64_t kPrefetchBytes = 4096;

namespace {
/// Lanes and register tile of the f32 kernel on an ISA.
struct F32Tile {
  int64_t lanes, tileM, tileN;
};
} // namespace

static F32Tile getF32Tile(Isa isa, bool tableLookup) {
  switch (isa) {
  case Isa::Avx512Vnni:
    return {16, 8, 3};
  case Isa::AvxVnni:
  case Isa::Avx2:
    return {8, 6, 2};
  case Isa::NeonDot:
  case Isa::NeonI8mm:
    return {4, 8, 3};
  case Isa::Generic:
    // `neon` is generic with table look-ups: AArch64's 32 registers.
    return tableLookup ? F32Tile{4, 8, 3} : F32Tile{4, 4, 3};
  }
  llvm_unreachable("unknown isa");
}

namespace {
/// One column panel: output columns from `n0`, `width` of them (less than
/// a panel for the last one), weights `packed[panel]` or, for run-time
/// weights, `weights` (k x panel width).
struct Panel {
  Value n0, panel;
  int64_t width;
  Value weights = {};
};

/// One K block: k0 .. k0 + kLen; the first starts from Y's initial value,
/// the last applies the consumer and stores the result.
struct KBlock {
  Value k0;
  int64_t kLen;
  bool first, last;
};

/// Emits the kernel for one matmul.
class F32MatmulEmitter {
public:
  F32MatmulEmitter(RewriterBase &rewriter, linalg::MatmulOp matmul,
                   const KernelConfig &config,
                   std::optional<RawConstant> weights)
      : b(rewriter), loc(matmul.getLoc()), matmul(matmul), w(weights),
        tile(getF32Tile(config.isa, config.tableLookup)) {
    auto xType = cast<RankedTensorType>(matmul.getInputs()[0].getType());
    m = xType.getDimSize(0);
    k = xType.getDimSize(1);
    n = cast<RankedTensorType>(matmul.getOutputs()[0].getType()).getDimSize(1);
    panelWidth = tile.tileN * tile.lanes;
    numPanels = llvm::divideCeil(n, panelWidth);
    blockM = config.blockM;
  }

  Value emit(std::optional<Epilogue> epilogue);

private:
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, int64_t y) {
    return y ? b.createOrFold<arith::AddIOp>(loc, x, index(y)) : x;
  }
  void packWeights();
  Value packPanel(Value n0, int64_t width);
  void emitPrefetch(Value panel, Value kk);
  int64_t getBlockK(std::optional<Epilogue> epilogue,
                    int64_t blockBytes) const;
  Value emitTile(Value slice, Value row, int64_t rows, const Panel &panel,
                 const KBlock &block, const RowRange &range);
  Value emitRowTiles(Value slice, const Panel &panel, const KBlock &block,
                     const RowRange &range);
  Value emitKBlocks(Value dest,
                    function_ref<Value(Value, const KBlock &)> body);

  RewriterBase &b;
  Location loc;
  linalg::MatmulOp matmul;
  /// The constant weights, packed at compile time; else (none) the
  /// weight tensor is read in place.
  std::optional<RawConstant> w;
  F32Tile tile;
  int64_t m, k, n, panelWidth, numPanels, blockK = 0;
  /// The `block-m` option, and the rows per parallel row block (m: none).
  int64_t blockM, blockRows = 0;
  /// Whether the tiles prefetch their weights (a GEMV: no reuse).
  bool prefetch = false;
  Value x, packed;
  std::optional<MatmulOutput> output;
};
} // namespace

void F32MatmulEmitter::packWeights() {
  SmallVector<char> data(numPanels * k * panelWidth * 4, 0);
  for (int64_t kk = 0; kk < k; ++kk)
    for (int64_t col = 0; col < n; ++col) {
      int64_t p = col / panelWidth, c = col % panelWidth;
      std::memcpy(&data[((p * k + kk) * panelWidth + c) * 4],
                  w->at(kk * n + col), 4);
    }
  auto type = RankedTensorType::get({numPanels, k, panelWidth}, b.getF32Type());
  packed = getConstantGlobal(
      b, loc, matmul, "__mc_f32_weights",
      DenseElementsAttr::getFromRawBuffer(type, ArrayRef<char>(data)));
}

/// The `width` columns of run-time weights from `n0` copied into a k x
/// panel width panel (the vectors holding them; zero past N). Read in
/// place, a panel's rows would be N * 4 bytes apart (4 KiB at N = 1024:
/// each row in its own page, and all of them in a few L2 sets).
Value F32MatmulEmitter::packPanel(Value n0, int64_t width) {
  Value weights = matmul.getInputs()[1];
  int64_t lanes = tile.lanes;
  Value init = tensor::EmptyOp::create(
      b, loc, ArrayRef<int64_t>{k, panelWidth}, b.getF32Type());
  auto loop = scf::ForOp::create(
      b, loc, index(0), index(k), index(1), ValueRange{init},
      [&](OpBuilder &, Location, Value kk, ValueRange iter) {
        Value dest = iter[0];
        for (int64_t j = 0; j * lanes < width; ++j) {
          Value v = readVector(b, loc, weights, {kk, add(n0, j * lanes)},
                               lanes, /*inBounds=*/(j + 1) * lanes <= width);
          dest = writeVector(b, loc, v, dest, {kk, index(j * lanes)},
                             /*inBounds=*/true);
        }
        scf::YieldOp::create(b, loc, dest);
      });
  return loop.getResult(0);
}

/// Software prefetches of the weights of row kk + d of the panel, d rows
/// (kPrefetchBytes) ahead, clamped to the panel's last row: the hardware
/// prefetcher stops at 4 KiB pages, which a GEMV's weight stream crosses
/// every few k.
void F32MatmulEmitter::emitPrefetch(Value panel, Value kk) {
  int64_t rowBytes = panelWidth * 4;
  Value ahead = arith::MinUIOp::create(
      b, loc, add(kk, llvm::divideCeil(kPrefetchBytes, rowBytes)),
      index(k - 1));
  for (int64_t byte = 0; byte < rowBytes; byte += 64)
    memref::PrefetchOp::create(b, loc, packed,
                               ValueRange{panel, ahead, index(byte / 4)},
                               /*isWrite=*/false, /*localityHint=*/3,
                               /*isDataCache=*/true);
}

/// k per block: all of K unless the weights are reused by several row tiles
/// and a panel's weights exceed `blockBytes`. Partial sums go through the
/// output, so not where the consumer reads the output or stores another
/// type.
int64_t F32MatmulEmitter::getBlockK(std::optional<Epilogue> epilogue,
                                    int64_t blockBytes) const {
  int64_t fit = std::max<int64_t>(1, blockBytes / (panelWidth * 4));
  if (m <= tile.tileM || k <= fit)
    return k;
  if (epilogue) {
    linalg::GenericOp op = epilogue->getOp();
    if (!epilogue->getElementType().isF32() ||
        !op.getBody()->getArgument(op.getNumDpsInputs()).use_empty())
      return k;
  }
  // Equal blocks, so the last is not a sliver.
  return llvm::divideCeil(k, llvm::divideCeil(k, fit));
}

/// Rows `row` .. `row` + rows of the panel over the K block: from Y's
/// initial value if it is the first (else from the partial sums in
/// `slice`), through the consumer into `slice` if it is the last. `slice`
/// holds the panel's columns of the rows in `range`.
Value F32MatmulEmitter::emitTile(Value slice, Value row, int64_t rows,
                                 const Panel &panel, const KBlock &block,
                                 const RowRange &range) {
  int64_t lanes = tile.lanes;
  int64_t vectors = llvm::divideCeil(panel.width, lanes);
  auto vecType = VectorType::get({lanes}, b.getF32Type());
  auto inBounds = [&](int64_t j) { return (j + 1) * lanes <= panel.width; };

  SmallVector<Value> accs, local;
  for (int64_t i = 0; i < rows; ++i) {
    Value r = add(row, i);
    local.push_back(range.sliceRow(b, loc, r));
    for (int64_t j = 0; j < vectors; ++j) {
      Value col = index(j * lanes);
      accs.push_back(block.first
                         ? output->readInit(b, loc, slice, r,
                                            add(panel.n0, j * lanes), col,
                                            lanes, inBounds(j), local[i])
                         : readVector(b, loc, slice, {local[i], col}, lanes,
                                      inBounds(j)));
    }
  }

  auto loop = scf::ForOp::create(
      b, loc, block.k0, add(block.k0, block.kLen), index(1), accs,
      [&](OpBuilder &, Location, Value kk, ValueRange in) {
        if (prefetch)
          emitPrefetch(panel.panel, kk);
        SmallVector<Value> weights;
        for (int64_t j = 0; j < vectors; ++j)
          weights.push_back(
              w ? vector::LoadOp::create(
                      b, loc, vecType, packed,
                      ValueRange{panel.panel, kk, index(j * lanes)})
                : readVector(b, loc, panel.weights, {kk, index(j * lanes)},
                             lanes, /*inBounds=*/true));
        SmallVector<Value> out(in.begin(), in.end());
        for (int64_t i = 0; i < rows; ++i) {
          Value xv =
              tensor::ExtractOp::create(b, loc, x, ValueRange{add(row, i), kk});
          Value xs = vector::BroadcastOp::create(b, loc, vecType, xv);
          for (int64_t j = 0; j < vectors; ++j) {
            Value &acc = out[i * vectors + j];
            acc = vector::FMAOp::create(b, loc, weights[j], xs, acc);
          }
        }
        scf::YieldOp::create(b, loc, out);
      });

  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < vectors; ++j) {
      Value col = index(j * lanes);
      Value acc = loop.getResult(i * vectors + j);
      slice = block.last
                  ? output->store(b, loc, slice, acc, add(row, i),
                                  add(panel.n0, j * lanes), col, inBounds(j),
                                  local[i])
                  : writeVector(b, loc, acc, slice, {local[i], col},
                                inBounds(j));
    }
  return slice;
}

Value F32MatmulEmitter::emitRowTiles(Value slice, const Panel &panel,
                                     const KBlock &block,
                                     const RowRange &range) {
  return mc::kernels::emitRowTiles(
      b, loc, slice, m, tile.tileM,
      [&](Value dest, Value row, int64_t rows) {
        return emitTile(dest, row, rows, panel, block, range);
      },
      range);
}

/// `body` over the K blocks: the first, those between in a loop, the last.
Value F32MatmulEmitter::emitKBlocks(
    Value dest, function_ref<Value(Value, const KBlock &)> body) {
  int64_t blocks = llvm::divideCeil(k, blockK);
  int64_t lastK = k - (blocks - 1) * blockK;
  if (blocks == 1)
    return body(dest, KBlock{index(0), k, true, true});
  dest = body(dest, KBlock{index(0), blockK, true, false});
  if (blocks > 2) {
    auto loop = scf::ForOp::create(
        b, loc, index(blockK), index((blocks - 1) * blockK), index(blockK),
        ValueRange{dest},
        [&](OpBuilder &, Location, Value k0, ValueRange iter) {
          scf::YieldOp::create(b, loc,
                               body(iter[0], KBlock{k0, blockK, false, false}));
        });
    dest = loop.getResult(0);
  }
  return body(dest, KBlock{index((blocks - 1) * blockK), lastK, false, true});
}

Value F32MatmulEmitter::emit(std::optional<Epilogue> epilogue) {
  x = matmul.getInputs()[0];
  output.emplace(b, loc, matmul, epilogue);
  blockK = getBlockK(epilogue, kRowBlockWeightBytes);
  // Run-time weights are packed per panel: column panels only.
  blockRows = w ? chooseBlockRows(m, k * 4, blockK * 4, kRowBlockXBytes,
                                  tile.tileM, blockM)
                : m;
  if (blockRows == m)
    blockK = getBlockK(epilogue, kBlockBytes);
  prefetch = w && m <= tile.tileM;
  if (w)
    packWeights();
  if (blockRows == m)
    return emitColumnGroups(
        b, loc, output->getDest(), panelWidth,
        [&](Value slice, Value n0, Value panel, int64_t width) {
          Value weights = w ? Value() : packPanel(n0, width);
          return emitKBlocks(slice, [&](Value dest, const KBlock &block) {
            return emitRowTiles(dest, Panel{n0, panel, width, weights}, block,
                                RowRange{});
          });
        });
  // Each panel's weights for a K block stay in L2 while the row block's
  // rows of X stream past them (see kRowBlockWeightBytes).
  return emitRowBlocks(
      b, loc, output->getDest(), blockRows,
      [&](Value rows, const RowRange &range) {
        return emitKBlocks(rows, [&](Value dest, const KBlock &block) {
          return emitColumnGroups(
              b, loc, dest, panelWidth,
              [&](Value slice, Value n0, Value panel, int64_t width) {
                return emitRowTiles(slice, Panel{n0, panel, width}, block,
                                    range);
              },
              /*parallel=*/false);
        });
      });
}

LogicalResult mc::kernels::rewriteF32Matmul(RewriterBase &rewriter,
                                            linalg::MatmulOp matmul,
                                            const KernelConfig &config) {
  if (!hasStaticF32Weight(matmul))
    return failure();
  std::optional<RawConstant> raw = getF32MatmulWeight(matmul);
  replaceWithKernel(rewriter, matmul, [&](std::optional<Epilogue> epilogue) {
    return F32MatmulEmitter(rewriter, matmul, config, raw).emit(epilogue);
  });
  return success();
}

//===- SparseMatmul.cpp - f32 x unstructured-sparse (bitmask) GEMV/GEMM ---===//
//
// Y[M x N] (+)= X[M x K] * W[K x N], X f32 and W a constant f32 weight with
// at least 70 % zeros (the dense zeros `--mc-prune` leaves). From there the
// bitmask format below reads at most ~0.33 of the dense bytes (2 bytes of
// mask + 4 per nonzero per 16 weights, against 64), so for the small M it is
// meant for (decoding, where streaming W from DRAM is the limit) it is
// faster than any dense kernel. It does not skip FMAs (the expanded zeros
// are multiplied), so at large M, where FLOPs are the limit, it gains
// nothing over a dense kernel.
//
// Layout (compile time): W's columns go in panels of 16 and the panels in
// column groups of 4 (64 columns; the last group may have fewer panels and
// its last panel fewer columns). For each group and each k, four 16-bit
// masks, masks[g][k][p], say which of panel p's 16 weights of row k are
// nonzero (0 for panels past N); read as one little-endian 64-bit word,
// panel p's mask is bits 16p .. 16p + 15. Only the nonzeros are stored,
// one stream per group: for k = 0 .. K-1, panel 0's nonzeros in column
// order, then panel 1's, 2's, 3's. `groupStart[g]` is where group g's
// stream begins. Bytes: 2 per 16 weights + 4 per nonzero (8.4 per 16 at
// 90 % zeros, 0.13 of dense f32; 5.2 at 95 %).
//
// Kernel: per group and k, the running offset o of the group's stream;
// panel p's values start at o + popcount(word & (2^(16p) - 1)) (4
// independent popcounts; only o += popcount(word) is carried from k to
// k). `vector.expandload` (AVX-512 `vexpandps` from memory, the mask
// loaded straight into a k register by `kmovw`) scatters them into the
// mask's lanes (zeros elsewhere), and one FMA per row with x[m, k]
// broadcast accumulates the 16 columns. K is unrolled by 4. On Cascade
// Lake `vexpandps` is 2 port-5 uops and `kmovw k, m16` one more, so a
// (panel, k) block costs >= 3 cycles at M = 1 (measured ~3.8 with the
// data in L2, ~4.2 from DRAM: 1.4 ms at 4096 x 4096, 90 %, where reading
// the format's 8.8 MB needs ~0.8 ms; bench/RESULTS.md). More rows add an
// FMA a row to each block, on the same two ports (0 and 5).
// (Per-panel streams with 4 carried offsets, before, were vectorized by
// LLVM's SLP pass into a vpshufb popcount and vpextrq extracts, also on
// port 5: ~8 cycles per block.)
//
// AVX-512 only (isa=avx512-vnni): elsewhere `vector.expandload` is scalarized
// and the dense f32 kernel takes the weight.
//
// Loops: column groups (64 columns) run in parallel (`scf.forall`); in
// each, row tiles of up to 8 rows; a tile of up to 4 rows takes the
// group's 4 panels in one pass over K (4 x rows accumulators), 5-8 rows
// take them 2 or 3 at a time (at most 16 accumulators), so one decoded
// block feeds up to 8 FMAs. Each pass ends with the element-wise consumer
// (if any) and the store of its columns.
//
// Numerics: y = fma(w[k], x[m, k], y) over k in increasing order, starting
// from Y's initial value; the expanded zeros are multiplied too. The
// reference rounds each product and sums all K of them, so the two agree
// within float rounding, exactly when the sums are exact (small integers),
// and an inf or NaN in X gives NaN in every column of its row in both
// (0 x inf = NaN).
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"
#include "KernelSupport.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <cstring>

using namespace mlir;
using namespace mc::kernels;

/// Least fraction of zero weights for the bitmask kernel.
static constexpr double kMinSparsity = 0.7;

static float weightAt(const RawConstant &w, int64_t i) {
  float v;
  std::memcpy(&v, w.at(i), 4);
  return v;
}

namespace {
/// Emits the kernel for one matmul.
class SparseEmitter {
public:
  SparseEmitter(RewriterBase &rewriter, linalg::MatmulOp matmul,
                const RawConstant &weights)
      : b(rewriter), loc(matmul.getLoc()), matmul(matmul), w(weights) {
    auto xType = cast<RankedTensorType>(matmul.getInputs()[0].getType());
    m = xType.getDimSize(0);
    k = xType.getDimSize(1);
    n = cast<RankedTensorType>(matmul.getOutputs()[0].getType()).getDimSize(1);
    numPanels = llvm::divideCeil(n, kLanes);
    numGroups = llvm::divideCeil(numPanels, kPanels);
  }

  Value emit(std::optional<Epilogue> epilogue);

private:
  /// Columns per panel (bits per mask; f32 lanes of a zmm).
  static constexpr int64_t kLanes = 16;
  /// Panels per column group: one value stream, one 64-bit mask word per k.
  static constexpr int64_t kPanels = 4;
  /// Most rows of a register tile.
  static constexpr int64_t kTileM = 8;
  /// Most accumulators (rows x panels) of one pass over K.
  static constexpr int64_t kMaxAccs = 16;
  /// k per loop iteration.
  static constexpr int64_t kUnroll = 4;

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, int64_t y) {
    return y ? arith::AddIOp::create(b, loc, x, index(y)).getResult() : x;
  }
  Value mul(Value x, int64_t y) {
    return arith::MulIOp::create(b, loc, x, index(y));
  }
  void packWeights();
  Value emitPass(Value slice, Value row, int64_t rows, Value n0, Value group,
                 int64_t width, int64_t firstPanel, int64_t panels);
  Value emitGroup(Value slice, Value n0, Value group, int64_t width);

  RewriterBase &b;
  Location loc;
  linalg::MatmulOp matmul;
  const RawConstant &w;
  int64_t m, k, n, numPanels, numGroups;
  Value x, values, masks, groupStarts;
  std::optional<MatmulOutput> output;
};
} // namespace

void SparseEmitter::packWeights() {
  SmallVector<float> packedValues;
  SmallVector<int64_t> starts;
  SmallVector<int16_t> packedMasks(numGroups * k * kPanels, 0);
  for (int64_t g = 0; g < numGroups; ++g) {
    starts.push_back(packedValues.size());
    for (int64_t kk = 0; kk < k; ++kk) {
      for (int64_t p = g * kPanels; p < std::min((g + 1) * kPanels, numPanels);
           ++p) {
        uint16_t mask = 0;
        for (int64_t c = 0; c < kLanes && p * kLanes + c < n; ++c) {
          float v = weightAt(w, kk * n + p * kLanes + c);
          if (v == 0.0f)
            continue;
          mask |= 1u << c;
          packedValues.push_back(v);
        }
        packedMasks[(g * k + kk) * kPanels + p % kPanels] =
            static_cast<int16_t>(mask);
      }
    }
  }
  // An expandload never reads past the values it uses; the padding only
  // keeps the global non-empty.
  packedValues.resize(packedValues.size() + kLanes, 0.0f);

  auto get = [&](Type elt, int64_t size, auto data) {
    return DenseElementsAttr::get(RankedTensorType::get({size}, elt), data);
  };
  values = getConstantGlobal(
      b, loc, matmul, "__mc_sparse_values",
      get(b.getF32Type(), packedValues.size(), ArrayRef<float>(packedValues)));
  masks = getConstantGlobal(
      b, loc, matmul, "__mc_sparse_masks",
      get(b.getI16Type(), packedMasks.size(), ArrayRef<int16_t>(packedMasks)));
  groupStarts = getConstantGlobal(
      b, loc, matmul, "__mc_sparse_starts",
      get(b.getI64Type(), starts.size(), ArrayRef<int64_t>(starts)));
}

/// One pass over K: rows `row` .. `row` + rows times the group's panels
/// `firstPanel` .. + `panels` (of the `width` columns from `n0`).
Value SparseEmitter::emitPass(Value slice, Value row, int64_t rows, Value n0,
                              Value group, int64_t width, int64_t firstPanel,
                              int64_t panels) {
  auto f32Type = VectorType::get({kLanes}, b.getF32Type());
  auto maskType = VectorType::get({kLanes}, b.getI1Type());
  auto i64Type = b.getI64Type();
  auto inBounds = [&](int64_t p) { return (p + 1) * kLanes <= width; };
  auto col = [&](int64_t j) { return (firstPanel + j) * kLanes; };

  SmallVector<Value> iters;
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < panels; ++j)
      iters.push_back(output->readInit(b, loc, slice, add(row, i),
                                       add(n0, col(j)), index(col(j)), kLanes,
                                       inBounds(firstPanel + j)));
  Value start = memref::LoadOp::create(b, loc, groupStarts, ValueRange{group});
  iters.push_back(arith::IndexCastOp::create(b, loc, b.getIndexType(), start));
  Value zero = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(f32Type, b.getF32FloatAttr(0)));
  Value maskBase = mul(group, k * kPanels);
  // Bits of the word before panel p's mask (p = 1, 2, 3) and all of it.
  SmallVector<Value> prefixBits;
  for (int64_t p = 1; p < kPanels; ++p)
    prefixBits.push_back(arith::ConstantIntOp::create(
        b, loc, i64Type, (int64_t(1) << (p * kLanes)) - 1));

  // One k: expand each panel's values, FMA them into every row.
  auto step = [&](MutableArrayRef<Value> state, Value kk) {
    MutableArrayRef<Value> accs = state.take_front(rows * panels);
    Value &offset = state.back();
    SmallVector<Value> xs;
    for (int64_t i = 0; i < rows; ++i) {
      Value xv =
          tensor::ExtractOp::create(b, loc, x, ValueRange{add(row, i), kk});
      xs.push_back(vector::BroadcastOp::create(b, loc, f32Type, xv));
    }
    Value maskRow = arith::AddIOp::create(b, loc, maskBase, mul(kk, kPanels));
    // The panels' masks as 16-bit loads straight into mask registers (on
    // AVX-512 `kmovw k, m16`), before the word load below so that LLVM
    // does not rebuild them from it with shifts.
    SmallVector<Value> panelMasks;
    for (int64_t j = 0; j < panels; ++j) {
      Value bits = memref::LoadOp::create(
          b, loc, masks, ValueRange{add(maskRow, firstPanel + j)});
      panelMasks.push_back(vector::BitCastOp::create(
          b, loc, maskType,
          vector::FromElementsOp::create(
              b, loc, VectorType::get({1}, b.getI16Type()), ValueRange{bits})));
    }
    // The 4 masks as one 64-bit word: panel p starts popcount(the bits
    // before its mask) values after the k's first; independent popcounts,
    // and one add (of the word's popcount) carried to the next k.
    Value quad = vector::LoadOp::create(
        b, loc, VectorType::get({kPanels}, b.getI16Type()), masks,
        ValueRange{maskRow});
    Value word = vector::ExtractOp::create(
        b, loc,
        vector::BitCastOp::create(b, loc, VectorType::get({1}, i64Type), quad),
        ArrayRef<int64_t>{0});
    auto countOf = [&](Value bits) -> Value {
      return arith::IndexCastUIOp::create(b, loc, b.getIndexType(),
                                          math::CtPopOp::create(b, loc, bits));
    };
    for (int64_t j = 0; j < panels; ++j) {
      int64_t p = firstPanel + j;
      Value at =
          p == 0 ? offset
                 : arith::AddIOp::create(b, loc, offset,
                                         countOf(arith::AndIOp::create(
                                             b, loc, word, prefixBits[p - 1])));
      Value weights = vector::ExpandLoadOp::create(
          b, loc, f32Type, values, ValueRange{at}, panelMasks[j], zero);
      for (int64_t i = 0; i < rows; ++i) {
        Value &acc = accs[i * panels + j];
        acc = vector::FMAOp::create(b, loc, weights, xs[i], acc);
      }
    }
    offset = arith::AddIOp::create(b, loc, offset, countOf(word));
  };

  int64_t full = k / kUnroll;
  if (full > 0) {
    auto loop = scf::ForOp::create(
        b, loc, index(0), index(full * kUnroll), index(kUnroll), iters,
        [&](OpBuilder &, Location, Value k0, ValueRange in) {
          SmallVector<Value> state(in.begin(), in.end());
          for (int64_t u = 0; u < kUnroll; ++u)
            step(state, add(k0, u));
          scf::YieldOp::create(b, loc, state);
        });
    iters.assign(loop.getResults().begin(), loop.getResults().end());
  }
  for (int64_t kk = full * kUnroll; kk < k; ++kk)
    step(iters, index(kk));

  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < panels; ++j)
      slice = output->store(b, loc, slice, iters[i * panels + j], add(row, i),
                            add(n0, col(j)), index(col(j)),
                            inBounds(firstPanel + j));
  return slice;
}

Value SparseEmitter::emitGroup(Value slice, Value n0, Value group,
                               int64_t width) {
  int64_t panels = llvm::divideCeil(width, kLanes);
  return emitRowTiles(b, loc, slice, m, kTileM,
                      [&](Value dest, Value row, int64_t rows) {
                        // Up to 4 rows take the group's 4 panels in one pass;
                        // 5-8 rows take them 3 or 2 at a time (each pass
                        // decodes its panels' masks).
                        int64_t perPass = std::max<int64_t>(1, kMaxAccs / rows);
                        for (int64_t p = 0; p < panels; p += perPass)
                          dest = emitPass(dest, row, rows, n0, group, width, p,
                                          std::min(perPass, panels - p));
                        return dest;
                      });
}

Value SparseEmitter::emit(std::optional<Epilogue> epilogue) {
  x = matmul.getInputs()[0];
  output.emplace(b, loc, matmul, epilogue);
  packWeights();
  return emitColumnGroups(
      b, loc, output->getDest(), kLanes * kPanels,
      [&](Value slice, Value n0, Value group, int64_t width) {
        return emitGroup(slice, n0, group, width);
      });
}

LogicalResult mc::kernels::rewriteSparseMatmul(RewriterBase &rewriter,
                                               linalg::MatmulOp matmul,
                                               const KernelConfig &config) {
  // `vector.expandload` is one instruction only on AVX-512; LLVM scalarizes
  // it elsewhere (a branch per lane), and the dense f32 kernel is faster:
  // 2048 x 2048 at 90 % zeros, M = 1, --mcpu=haswell: 9.1 ms against 0.99.
  // Expanding through a table instead (per 8 lanes: `vpermd` by a 256-entry
  // table's entry for the mask byte, a compare and a blend) measured 1.23 ms
  // against 0.76 dense, the weights in L3: not kept.
  if (config.isa != Isa::Avx512Vnni)
    return failure();
  std::optional<RawConstant> raw = getF32MatmulWeight(matmul);
  if (!raw)
    return failure();
  auto wType = cast<RankedTensorType>(matmul.getInputs()[1].getType());
  int64_t count = wType.getNumElements(), zeros = 0;
  for (int64_t i = 0; i < count; ++i)
    zeros += weightAt(*raw, i) == 0.0f;
  if (zeros < kMinSparsity * count)
    return failure();

  replaceWithKernel(rewriter, matmul, [&](std::optional<Epilogue> epilogue) {
    return SparseEmitter(rewriter, matmul, *raw).emit(epilogue);
  });
  return success();
}

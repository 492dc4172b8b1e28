//===- SparseMatmul.cpp - f32 x unstructured-sparse (bitmask) GEMV/GEMM ---===//
//
// Y[M x N] (+)= X[M x K] * W[K x N], X f32 and W a constant f32 weight with
// at least 70 % zeros (the dense zeros `--mc-prune` leaves). From there the
// bitmask format below reads at most ~0.33 of the dense bytes (2 bytes of
// mask + 4 per nonzero per 16 weights, against 64), so for the small M it is
// meant for (decoding, where streaming W from DRAM is the limit) it is
// faster than any dense kernel; below that the mask overhead and the
// serial offsets leave too little to gain.
//
// Layout (compile time): W's columns go in panels of 16. For each panel and
// each k, a 16-bit mask says which of the panel's 16 weights of row k are
// nonzero, and only those are stored, in column order, the panel's rows
// one after the other (one contiguous stream of values per panel). Masks
// are interleaved over the 4 panels of a column group: masks[g][k][p].
// `panelStart[p]` is where panel p's values begin.
//
// Kernel: per panel and k, `vector.expandload` (AVX-512 `vexpandps` with the
// mask in a k register) scatters the next popcount(mask) values into the
// mask's lanes (zeros elsewhere), and one FMA per row with x[m, k]
// broadcast accumulates the 16 columns. The 4 panels of a group are 4
// independent chains of (mask, offset += popcount) so their latencies
// overlap; K is unrolled by 4. Rows go in tiles of up to 4, which share the
// expanded weights.
//
// Loops: column groups (64 columns) run in parallel (`scf.forall`); in each,
// the row tiles, each with its 4 x rows accumulators over all of K, then the
// element-wise consumer (if any) and the store.
//
// Numerics: y = fma(w[k], x[m, k], y) over the nonzero w[k] in increasing
// k, starting from Y's initial value. The reference rounds each product and
// sums all K of them, so the two agree within float rounding, exactly when
// the sums are exact (small integers). Zeros are skipped, so an inf or NaN
// in X only propagates through the columns where W is nonzero.
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
  /// Panels per column group: independent offset chains.
  static constexpr int64_t kPanels = 4;
  /// Most rows of a register tile.
  static constexpr int64_t kTileM = 4;
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
  Value emitTile(Value slice, Value row, int64_t rows, Value n0, Value group,
                 int64_t width);
  Value emitGroup(Value slice, Value n0, Value group, int64_t width);

  RewriterBase &b;
  Location loc;
  linalg::MatmulOp matmul;
  const RawConstant &w;
  int64_t m, k, n, numPanels, numGroups;
  Value x, values, masks, panelStarts;
  std::optional<MatmulOutput> output;
};
} // namespace

void SparseEmitter::packWeights() {
  SmallVector<float> packedValues;
  SmallVector<int64_t> starts;
  SmallVector<int16_t> packedMasks(numGroups * k * kPanels, 0);
  for (int64_t p = 0; p < numPanels; ++p) {
    starts.push_back(packedValues.size());
    for (int64_t kk = 0; kk < k; ++kk) {
      uint16_t mask = 0;
      for (int64_t c = 0; c < kLanes && p * kLanes + c < n; ++c) {
        float v = weightAt(w, kk * n + p * kLanes + c);
        if (v == 0.0f)
          continue;
        mask |= 1u << c;
        packedValues.push_back(v);
      }
      packedMasks[(p / kPanels * k + kk) * kPanels + p % kPanels] =
          static_cast<int16_t>(mask);
    }
  }
  // Panels past N (in the last group) start at the end and stay empty.
  starts.resize(numGroups * kPanels, packedValues.size());
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
  panelStarts = getConstantGlobal(
      b, loc, matmul, "__mc_sparse_starts",
      get(b.getI64Type(), starts.size(), ArrayRef<int64_t>(starts)));
}

/// Rows `row` .. `row` + rows of the group's `width` columns from `n0`.
Value SparseEmitter::emitTile(Value slice, Value row, int64_t rows, Value n0,
                              Value group, int64_t width) {
  auto f32Type = VectorType::get({kLanes}, b.getF32Type());
  auto maskType = VectorType::get({kLanes}, b.getI1Type());
  int64_t panels = llvm::divideCeil(width, kLanes);
  auto inBounds = [&](int64_t p) { return (p + 1) * kLanes <= width; };

  SmallVector<Value> iters;
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t p = 0; p < panels; ++p)
      iters.push_back(output->readInit(b, loc, slice, add(row, i),
                                       add(n0, p * kLanes), index(p * kLanes),
                                       kLanes, inBounds(p)));
  Value firstPanel = mul(group, kPanels);
  for (int64_t p = 0; p < panels; ++p) {
    Value start = memref::LoadOp::create(b, loc, panelStarts,
                                         ValueRange{add(firstPanel, p)});
    iters.push_back(
        arith::IndexCastOp::create(b, loc, b.getIndexType(), start));
  }
  Value zero = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(f32Type, b.getF32FloatAttr(0)));
  Value maskBase = mul(group, k * kPanels);

  // One k: expand each panel's values, FMA them into every row.
  auto step = [&](MutableArrayRef<Value> state, Value kk) {
    MutableArrayRef<Value> accs = state.take_front(rows * panels);
    MutableArrayRef<Value> offsets = state.drop_front(rows * panels);
    SmallVector<Value> xs;
    for (int64_t i = 0; i < rows; ++i) {
      Value xv =
          tensor::ExtractOp::create(b, loc, x, ValueRange{add(row, i), kk});
      xs.push_back(vector::BroadcastOp::create(b, loc, f32Type, xv));
    }
    Value maskRow = arith::AddIOp::create(b, loc, maskBase, mul(kk, kPanels));
    for (int64_t p = 0; p < panels; ++p) {
      Value bits =
          memref::LoadOp::create(b, loc, masks, ValueRange{add(maskRow, p)});
      Value mask = vector::BitCastOp::create(
          b, loc, maskType,
          vector::FromElementsOp::create(
              b, loc, VectorType::get({1}, b.getI16Type()), ValueRange{bits}));
      Value weights = vector::ExpandLoadOp::create(
          b, loc, f32Type, values, ValueRange{offsets[p]}, mask, zero);
      for (int64_t i = 0; i < rows; ++i) {
        Value &acc = accs[i * panels + p];
        acc = vector::FMAOp::create(b, loc, weights, xs[i], acc);
      }
      Value count = arith::IndexCastUIOp::create(
          b, loc, b.getIndexType(), math::CtPopOp::create(b, loc, bits));
      offsets[p] = arith::AddIOp::create(b, loc, offsets[p], count);
    }
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
    for (int64_t p = 0; p < panels; ++p)
      slice = output->store(b, loc, slice, iters[i * panels + p], add(row, i),
                            add(n0, p * kLanes), index(p * kLanes),
                            inBounds(p));
  return slice;
}

Value SparseEmitter::emitGroup(Value slice, Value n0, Value group,
                               int64_t width) {
  return emitRowTiles(b, loc, slice, m, kTileM,
                      [&](Value dest, Value row, int64_t rows) {
                        return emitTile(dest, row, rows, n0, group, width);
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

//===- Int8SparseMatmul.cpp - 2:4 sparse i8 x i8 -> i32 GEMM kernel -------===//
//
// C[M x N] (+)= A[M x K] * B[K x N] on signed bytes, where the constant B
// keeps at most 2 nonzeros in every aligned group of 4 along K (2:4, as
// `--mc-prune="mode=nm n=2 m=4"` leaves it), zero-padded past K.
//
// Per column and step of 8 k, the (at most 4) kept weights fill one i32
// lane, so one `vpdpbusd` covers 8 k where the dense kernel needs two. The
// bytes of A they meet differ per column: the step's 8 bytes of a row are
// broadcast to every 8-byte slot and `mc.byte_shuffle` (`vpshufb`, which
// looks up within 16-byte lanes) picks each column's 4 with an index vector
// packed at compile time next to the weights. Per column vector and k step
// that is 64 bytes of weights and 64 of indices, one sequential stream per
// register tile: Bp[g][s][j][0 | 64][c * 4 + t] for column g * tileN * 16
// + j * 16 + c, slot t. The index vector is shared by the rows of the tile.
// Unused slots hold weight 0 and index 0x80 (vpshufb yields 0).
//
// The weights stay signed and A takes the unsigned side of `vpdpbusd`: A is
// offset by +128 once, into a copy padded to a multiple of 8 k, so the
// compensation -128 * sum_k B[k, n] is a compile-time constant per column,
// added to the initial accumulators. Arithmetic is modulo 2^32 like the
// reference's, so the result is bit-identical.
//
// Cost per row, column vector and 8 k: 1 vpshufb + 1 vpdpbusd against the
// dense kernel's 2 vpdpbusd. It gains only where the shuffle issues on a
// port the dot products leave free. On Intel Cascade Lake (AVX-512 VNNI, no
// VBMI) vpshufb runs on port 5 only and vpdpbusd on ports 0 and 5, so both
// kernels need one port-0/5 slot per 4 k and run at about the same speed
// where the dense one reaches its peak (measured 0.89-0.95x at the BERT
// shapes, one thread; 1.6x at 1024^3 where the dense kernel does not).
//
// Loops: column groups in parallel (`scf.forall`), row tiles, the k steps
// with the accumulators in registers, then the fused element-wise consumer
// (if any) and the store. When A does not fit L2, blocks of rows run in
// parallel instead, each going through the column groups in turn, as in
// the dense kernel (chooseBlockRows).
//
//===----------------------------------------------------------------------===//

#include "KernelSupport.h"
#include "Kernels.h"

#include "mc/Dialect/MC/IR/MC.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mc::kernels;

/// Bytes of K per dot product: two groups of 4 of the 2:4 pattern.
static constexpr int64_t kStep = 8;

/// The weights of `bytes` (K x N) if they are 2:4 along K.
static std::optional<SmallVector<int8_t>>
getSparseWeights(const RawConstant &bytes, int64_t k, int64_t n) {
  SmallVector<int8_t> weights = bytes.toInt8(k * n);
  for (int64_t k0 = 0; k0 < k; k0 += 4)
    for (int64_t col = 0; col < n; ++col) {
      int64_t nonzeros = 0;
      for (int64_t kk = k0; kk < std::min(k0 + 4, k); ++kk)
        nonzeros += weights[kk * n + col] != 0;
      if (nonzeros > 2)
        return std::nullopt;
    }
  return weights;
}

namespace {
class Int8SparseMatmulEmitter {
public:
  Int8SparseMatmulEmitter(RewriterBase &rewriter, linalg::MatmulOp matmul,
                          const KernelConfig &config)
      : b(rewriter), loc(matmul.getLoc()), config(config) {
    auto aType = cast<RankedTensorType>(matmul.getInputs()[0].getType());
    auto bType = cast<RankedTensorType>(matmul.getInputs()[1].getType());
    m = aType.getDimSize(0);
    k = aType.getDimSize(1);
    n = bType.getDimSize(1);
    lanes = config.lanes;
    vectorBytes = lanes * 4;
    groupWidth = config.tileN * lanes;
    numGroups = llvm::divideCeil(n, groupWidth);
    numKSteps = llvm::divideCeil(k, kStep);
    // As the dense kernel: a block's A stays in half of a 1 MB L2.
    blockRows = chooseBlockRows(m, numKSteps * kStep, numKSteps * kStep,
                                512 * 1024, config.tileM, config.blockM);
  }

  Value emit(linalg::MatmulOp matmul, ArrayRef<int8_t> weights,
             std::optional<Epilogue> epilogue);

private:
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, int64_t y) {
    return y ? arith::AddIOp::create(b, loc, x, index(y)).getResult() : x;
  }
  void packWeights(ArrayRef<int8_t> weights);
  Value emitOffsetActivations(Value a);
  Value broadcastStep(Value row, Value step);
  Value emitTile(Value slice, Value row, int64_t rows, Value n0, Value group,
                 int64_t vectors, bool partial, const RowRange &range);

  RewriterBase &b;
  Location loc;
  KernelConfig config;
  int64_t m, n, k, lanes, vectorBytes, groupWidth, numGroups, numKSteps;
  int64_t blockRows;
  /// Weights and indices (see the file comment), the per-column
  /// compensation, and A + 128 padded to numKSteps * 8 columns.
  Value packed, compensation, offsetA;
  std::optional<MatmulOutput> output;
};
} // namespace

void Int8SparseMatmulEmitter::packWeights(ArrayRef<int8_t> weights) {
  int64_t stepBytes = groupWidth * 2 * 4;
  SmallVector<int8_t> data(numGroups * numKSteps * stepBytes, 0);
  SmallVector<int32_t> sums(numGroups * groupWidth, 0);
  for (int64_t col = 0; col < numGroups * groupWidth; ++col) {
    int64_t g = col / groupWidth, j = col % groupWidth / lanes,
            c = col % lanes;
    for (int64_t s = 0; s < numKSteps; ++s) {
      int8_t *block = &data[(g * numKSteps + s) * stepBytes +
                            j * 2 * vectorBytes + c * 4];
      int8_t *indices = block + vectorBytes;
      int64_t slot = 0;
      for (int64_t t = 0; t < kStep && col < n; ++t) {
        int64_t kk = s * kStep + t;
        if (kk >= k || weights[kk * n + col] == 0)
          continue;
        block[slot] = weights[kk * n + col];
        indices[slot++] = static_cast<int8_t>(t);
        // Modulo 2^32, like the accumulation.
        sums[col] = static_cast<int32_t>(static_cast<uint32_t>(sums[col]) +
                                         static_cast<uint32_t>(
                                             weights[kk * n + col]));
      }
      for (; slot < 4; ++slot)
        indices[slot] = static_cast<int8_t>(0x80);
    }
  }
  for (int32_t &sum : sums)
    sum = static_cast<int32_t>(static_cast<uint32_t>(sum) * 0xFFFFFF80u);
  auto packedType = RankedTensorType::get({numGroups, numKSteps, stepBytes},
                                          b.getI8Type());
  packed = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(packedType, ArrayRef<int8_t>(data)));
  auto sumType =
      RankedTensorType::get({numGroups * groupWidth}, b.getI32Type());
  compensation = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(sumType, ArrayRef<int32_t>(sums)));
}

/// A + 128 (XOR 0x80 on the byte, read as unsigned), M x numKSteps * 8;
/// the padding is 128 (a zero of A) and meets zero weights.
Value Int8SparseMatmulEmitter::emitOffsetActivations(Value a) {
  constexpr int64_t chunk = 64;
  int64_t padded = numKSteps * kStep;
  auto chunkType = VectorType::get({chunk}, b.getI8Type());
  Value offset = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(chunkType, b.getI8IntegerAttr(-128)));
  Value empty = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{m, padded},
                                        b.getI8Type());
  auto copy = [&](Value dest, Value row, Value col, bool inBounds) {
    Value bytes = readVector(b, loc, a, {row, col}, chunk, inBounds);
    Value flipped = arith::XOrIOp::create(b, loc, bytes, offset);
    return writeVector(b, loc, flipped, dest, {row, col}, inBounds);
  };
  auto rows = scf::ForOp::create(
      b, loc, index(0), index(m), index(1), ValueRange{empty},
      [&](OpBuilder &, Location, Value row, ValueRange iter) {
        Value dest = iter[0];
        int64_t full = k / chunk * chunk;
        if (full > 0) {
          auto chunks = scf::ForOp::create(
              b, loc, index(0), index(full), index(chunk), ValueRange{dest},
              [&](OpBuilder &, Location, Value col, ValueRange inner) {
                scf::YieldOp::create(b, loc,
                                     copy(inner[0], row, col, true));
              });
          dest = chunks.getResult(0);
        }
        // The rest of K and the padding: A reads 0 past K, the write is
        // masked to the copy's width.
        if (full < padded)
          dest = copy(dest, row, index(full), false);
        scf::YieldOp::create(b, loc, dest);
      });
  return rows.getResult(0);
}

/// The 8 bytes of (offset) row `row` at k = 8 * `step`, in every 8-byte slot
/// (a `vpbroadcastq` from memory).
Value Int8SparseMatmulEmitter::broadcastStep(Value row, Value step) {
  Value col = arith::MulIOp::create(b, loc, step, index(kStep));
  Value bytes = readVector(b, loc, offsetA, {row, col}, kStep, true);
  Value word = vector::BitCastOp::create(
      b, loc, VectorType::get({1}, b.getI64Type()), bytes);
  Value scalar = vector::ExtractOp::create(b, loc, word, ArrayRef<int64_t>{0});
  Value splat = vector::BroadcastOp::create(
      b, loc, VectorType::get({vectorBytes / 8}, b.getI64Type()), scalar);
  return vector::BitCastOp::create(
      b, loc, VectorType::get({vectorBytes}, b.getI8Type()), splat);
}

Value Int8SparseMatmulEmitter::emitTile(Value slice, Value row, int64_t rows,
                                        Value n0, Value group, int64_t vectors,
                                        bool partial, const RowRange &range) {
  auto inBounds = [&](int64_t j) { return !partial || j + 1 < vectors; };
  SmallVector<Value> comps;
  for (int64_t j = 0; j < vectors; ++j)
    comps.push_back(
        readVector(b, loc, compensation, {add(n0, j * lanes)}, lanes, true));
  SmallVector<Value> accs;
  for (int64_t i = 0; i < rows; ++i) {
    Value r = add(row, i), local = range.sliceRow(b, loc, r);
    for (int64_t j = 0; j < vectors; ++j) {
      Value init =
          output->readInit(b, loc, slice, r, add(n0, j * lanes),
                           index(j * lanes), lanes, inBounds(j), local);
      accs.push_back(arith::AddIOp::create(b, loc, init, comps[j]));
    }
  }

  auto loop = scf::ForOp::create(
      b, loc, index(0), index(numKSteps), index(1), accs,
      [&](OpBuilder &, Location, Value step, ValueRange iter) {
        SmallVector<Value> weights, indices;
        for (int64_t j = 0; j < vectors; ++j) {
          weights.push_back(readVector(b, loc, packed,
                                       {group, step, index(j * 2 * vectorBytes)},
                                       vectorBytes, true));
          indices.push_back(readVector(
              b, loc, packed,
              {group, step, index(j * 2 * vectorBytes + vectorBytes)},
              vectorBytes, true));
        }
        SmallVector<Value> out(iter.begin(), iter.end());
        for (int64_t i = 0; i < rows; ++i) {
          Value table = broadcastStep(add(row, i), step);
          for (int64_t j = 0; j < vectors; ++j) {
            Value gathered =
                mc::ByteShuffleOp::create(b, loc, table.getType(), table,
                                          indices[j]);
            Value &acc = out[i * vectors + j];
            acc = mc::Dot4Op::create(b, loc, acc.getType(), acc, gathered,
                                     weights[j], /*lhs_unsigned=*/true);
          }
        }
        scf::YieldOp::create(b, loc, out);
      });

  for (int64_t i = 0; i < rows; ++i) {
    Value r = add(row, i), local = range.sliceRow(b, loc, r);
    for (int64_t j = 0; j < vectors; ++j)
      slice = output->store(b, loc, slice, loop.getResult(i * vectors + j), r,
                            add(n0, j * lanes), index(j * lanes), inBounds(j),
                            local);
  }
  return slice;
}

Value Int8SparseMatmulEmitter::emit(linalg::MatmulOp matmul,
                                    ArrayRef<int8_t> weights,
                                    std::optional<Epilogue> epilogue) {
  packWeights(weights);
  offsetA = emitOffsetActivations(matmul.getInputs()[0]);
  output.emplace(b, loc, matmul, epilogue);
  // Row blocks, if any, in parallel; in each, the column groups in turn.
  return emitBlockedColumnGroups(
      b, loc, output->getDest(), blockRows, groupWidth,
      [&](Value slice, Value n0, Value group, int64_t width,
          const RowRange &rows) {
        int64_t vectors = llvm::divideCeil(width, lanes);
        bool partial = width % lanes != 0;
        return emitRowTiles(
            b, loc, slice, m, config.tileM,
            [&](Value dest, Value row, int64_t tileRows) {
              return emitTile(dest, row, tileRows, n0, group, vectors,
                              partial, rows);
            },
            rows);
      });
}

LogicalResult mc::kernels::rewriteInt8SparseMatmul(RewriterBase &rewriter,
                                                   linalg::MatmulOp matmul,
                                                   const KernelConfig &config) {
  // The gather needs a byte shuffle and the lanes of vpdpbusd.
  if (config.isa != Isa::Avx512Vnni)
    return failure();
  if (matmul.hasUserDefinedMaps() || !matmul.hasPureTensorSemantics() ||
      matmul.getCast() != linalg::TypeFn::cast_signed)
    return failure();
  auto aType = dyn_cast<RankedTensorType>(matmul.getInputs()[0].getType());
  auto bType = dyn_cast<RankedTensorType>(matmul.getInputs()[1].getType());
  auto cType = dyn_cast<RankedTensorType>(matmul.getOutputs()[0].getType());
  if (!aType || !bType || !cType || !aType.hasStaticShape() ||
      !bType.hasStaticShape() || !aType.getElementType().isInteger(8) ||
      !bType.getElementType().isInteger(8) ||
      !cType.getElementType().isInteger(32))
    return failure();
  std::optional<RawConstant> bytes = getRawConstant(matmul.getInputs()[1], 1);
  if (!bytes)
    return failure();
  int64_t k = bType.getDimSize(0), n = bType.getDimSize(1);
  std::optional<SmallVector<int8_t>> weights = getSparseWeights(*bytes, k, n);
  if (!weights)
    return failure();

  replaceWithKernel(rewriter, matmul, [&](std::optional<Epilogue> epilogue) {
    return Int8SparseMatmulEmitter(rewriter, matmul, config)
        .emit(matmul, *weights, epilogue);
  });
  return success();
}

//===- Int8Matmul.cpp - i8 x i8 -> i32 GEMM kernels ------------------------===//
//
// C[M x N] (+)= A[M x K] * B[K x N] on signed 8-bit integers, B constant.
//
// B is packed at compile time into groups of tileN vectors of L columns
// (L = i32 lanes): Bp[g][kk][(j * L + c) * S + t] = B[S kk + t][(g tileN +
// j) L + c] with S = 4 k per step (2 on AVX2, below), so one vector load
// gives, for each of L columns, 4 consecutive k — the operand layout of
// `vpdpbusd` and `sdot`, which sum 4 byte products into each i32 lane — and
// a register tile reads its weights as one sequential stream. Four bytes of
// a row of A are broadcast to every lane (with AVX-512 straight from memory
// as an embedded `{1to16}` operand).
//
// `vpdpbusd` (AVX512-VNNI on zmm, AVX-VNNI on ymm) multiplies unsigned by
// signed bytes, so there the packed weights are B + 128 (u8) and each row's
// accumulators start at -128 * sum_k A[m, k] (computed once per row, also
// with `vpdpbusd`). All arithmetic is modulo 2^32 like the reference's i32
// accumulation, so the result is bit-identical.
//
// AVX2 without VNNI has no exact byte dot product (`vpmaddubsw` saturates
// to i16), so it takes S = 2: A is sign-extended to i16 once, the packed
// weight bytes are sign-extended as they are loaded, and `vpmaddwd` sums
// the two i16 products of each lane exactly (`mc.dot2`, then `vpaddd`).
//
// `smmla` (+i8mm) multiplies a 2 x 8 block of A by an 8 x 2 block of B into
// a 2 x 2 block of C. Its groups hold pairs of columns, 8 consecutive k
// each: Bp[g][kk][(c / 2) * 16 + (c % 2) * 8 + t] = B[8 kk + t][g tileN L +
// c] (L = 4). The 8 bytes of two rows of A form the other operand; each
// output vector of a row pair accumulates in two 2 x 2 blocks, unzipped into
// rows before the epilogue and the store.
//
// Loops: column panels of tileN vectors run in parallel (`scf.forall`); in
// each, the rows go in register tiles of tileM; the reduction runs over all
// of K with the tileM x tileN accumulators in registers, then the optional
// element-wise consumer is applied and the tile is stored. When A does not
// fit L2, blocks of rows run in parallel instead, each going through the
// column panels in turn (see chooseBlockRows in KernelSupport.cpp).
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"
#include "KernelSupport.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ArmNeon/ArmNeonDialect.h"
#include "mc/Dialect/MC/IR/MC.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mc::kernels;

namespace {
/// One column group within one block of rows: the group's output columns
/// start at `n0` and its packed weights are `packed[group]`; it has
/// `vectors` output vectors, the last one partial if `partial`. The slice
/// the tiles write holds `rows`.
struct Panel {
  Value n0, group;
  int64_t vectors;
  bool partial;
  RowRange rows;
  bool inBounds(int64_t j) const { return !partial || j + 1 < vectors; }
  Value sliceRow(OpBuilder &b, Location loc, Value row) const {
    return rows.sliceRow(b, loc, row);
  }
};

/// Emits the kernel for one matmul.
class Int8MatmulEmitter {
public:
  Int8MatmulEmitter(RewriterBase &rewriter, linalg::MatmulOp matmul,
                    const KernelConfig &config)
      : b(rewriter), loc(matmul.getLoc()), matmul(matmul), config(config) {
    auto aType = cast<RankedTensorType>(matmul.getInputs()[0].getType());
    auto bType = cast<RankedTensorType>(matmul.getInputs()[1].getType());
    m = aType.getDimSize(0);
    k = aType.getDimSize(1);
    n = bType.getDimSize(1);
    lanes = config.lanes;
    groupWidth = config.tileN * lanes;
    numGroups = llvm::divideCeil(n, groupWidth);
    kStep = config.isa == Isa::NeonI8mm ? 8
            : config.isa == Isa::Avx2   ? 2
                                        : 4;
    numKSteps = llvm::divideCeil(k, kStep);
    // A block's A (rows x K bytes) stays in half of a 1 MB L2; 4 MB at
    // 2048 x 2048 would be read 43 times from L3, which two threads share.
    blockRows = chooseBlockRows(m, k, k, 512 * 1024, config.tileM,
                                config.blockM);
  }

  Value emit(ArrayRef<int8_t> weights, std::optional<Epilogue> epilogue);

private:
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, int64_t y) {
    return y ? arith::AddIOp::create(b, loc, x, index(y)).getResult() : x;
  }
  Value packWeights(ArrayRef<int8_t> weights);
  Value emitRowCompensation();
  Value dot(Value acc, Value weights, Value activations);
  Value broadcastA(Value row, Value kk, bool inBounds);
  Value emitPanel(Value slice, Value n0, Value group, int64_t width,
                  const RowRange &rows);
  using Step =
      function_ref<SmallVector<Value>(ValueRange accs, Value kk, bool tail)>;
  SmallVector<Value> emitReduction(ValueRange accs, Step step);
  Value emitTile(Value dest, Value row, int64_t rows, const Panel &panel);
  Value emitTileI8mm(Value dest, Value row, int64_t rows, const Panel &panel);

  RewriterBase &b;
  Location loc;
  linalg::MatmulOp matmul;
  KernelConfig config;
  /// K per dot-product step: 4 (vpdpbusd, sdot), 8 (smmla) or 2
  /// (vpmaddwd).
  int64_t kStep;
  int64_t m, n, k, lanes, groupWidth, numGroups, numKSteps;
  /// Rows per parallel row block; m: one block, parallel column groups.
  int64_t blockRows;
  Value a, packed, rowCompensation;
  std::optional<MatmulOutput> output;
};
} // namespace

Value Int8MatmulEmitter::packWeights(ArrayRef<int8_t> weights) {
  // Zero padding past K meets zero-padded A, past N columns never stored.
  int8_t offset = hasVpdpbusd(config.isa) ? -128 : 0;
  SmallVector<int8_t> data(numGroups * numKSteps * groupWidth * kStep,
                           offset);
  for (int64_t kk = 0; kk < k; ++kk)
    for (int64_t col = 0; col < n; ++col) {
      int64_t g = col / groupWidth, c = col % groupWidth, t = kk % kStep;
      // smmla reads 8 k of two columns as one 16-byte operand.
      int64_t inGroup = config.isa == Isa::NeonI8mm
                            ? c / 2 * 16 + c % 2 * 8 + t
                            : c * kStep + t;
      // XOR 0x80 is +128 on the two's-complement byte, read as unsigned.
      data[(g * numKSteps + kk / kStep) * groupWidth * kStep + inGroup] =
          static_cast<int8_t>(weights[kk * n + col] ^ offset);
    }
  auto type = RankedTensorType::get({numGroups, numKSteps, groupWidth * kStep},
                                    b.getI8Type());
  return arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(type, ArrayRef<int8_t>(data)));
}

Value Int8MatmulEmitter::dot(Value acc, Value weights, Value activations) {
  if (config.isa == Isa::NeonDot)
    return arm_neon::SdotOp::create(b, loc, acc.getType(), acc, weights,
                                    activations);
  if (config.isa == Isa::Avx2) {
    auto i16s = VectorType::get({lanes * 2}, b.getI16Type());
    Value wide = arith::ExtSIOp::create(b, loc, i16s, weights);
    return mc::Dot2Op::create(b, loc, acc.getType(), acc, wide, activations);
  }
  // Weights are offset to u8 for vpdpbusd; --mc-lower-dot4 picks the
  // instruction or plain vector arithmetic.
  return mc::Dot4Op::create(b, loc, acc.getType(), acc, weights, activations,
                            /*lhs_unsigned=*/hasVpdpbusd(config.isa));
}

/// The kStep elements of row `row` at k = kStep * `kk` (four bytes, or two
/// i16), repeated in every i32 lane.
Value Int8MatmulEmitter::broadcastA(Value row, Value kk, bool inBounds) {
  Value col = arith::MulIOp::create(b, loc, kk, index(kStep));
  return broadcastWord(b, loc, a, row, col, lanes, inBounds);
}

/// -128 * sum_k A[m, k] for every row (vpdpbusd only).
Value Int8MatmulEmitter::emitRowCompensation() {
  auto i32 = b.getI32Type();
  int64_t chunk = 4 * lanes;
  auto accType = VectorType::get({lanes}, i32);
  Value ones = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(VectorType::get({chunk}, b.getI8Type()),
                                     b.getI8IntegerAttr(1)));
  Value zero = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(accType, b.getI32IntegerAttr(0)));
  Value empty = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{m}, i32);
  auto vnni = [&](Value acc, Value bytes) {
    return mc::Dot4Op::create(b, loc, accType, acc, ones, bytes,
                              /*lhs_unsigned=*/true)
        .getResult();
  };
  auto rows = scf::ForOp::create(
      b, loc, index(0), index(m), index(1), ValueRange{empty},
      [&](OpBuilder &, Location, Value row, ValueRange iter) {
        Value acc = zero;
        if (k / chunk > 0) {
          auto chunks = scf::ForOp::create(
              b, loc, index(0), index(k / chunk * chunk), index(chunk),
              ValueRange{zero},
              [&](OpBuilder &, Location, Value col, ValueRange accs) {
                Value bytes = readVector(b, loc, a, {row, col}, chunk, true);
                scf::YieldOp::create(b, loc, vnni(accs[0], bytes));
              });
          acc = chunks.getResult(0);
        }
        if (k % chunk) {
          Value bytes = readVector(b, loc, a, {row, index(k / chunk * chunk)},
                                   chunk, false);
          acc = vnni(acc, bytes);
        }
        Value sum = vector::ReductionOp::create(
            b, loc, vector::CombiningKind::ADD, acc);
        Value scaled = arith::MulIOp::create(
            b, loc, sum, arith::ConstantIntOp::create(b, loc, i32, -128));
        scf::YieldOp::create(
            b, loc,
            tensor::InsertOp::create(b, loc, scaled, iter[0], row).getResult());
      });
  return rows.getResult(0);
}

/// Runs `step` over K in steps of kStep: a loop over the full steps, then
/// one step whose activations are read zero-padded past K.
SmallVector<Value> Int8MatmulEmitter::emitReduction(ValueRange accs,
                                                    Step step) {
  SmallVector<Value> result(accs.begin(), accs.end());
  if (k / kStep > 0) {
    auto loop = scf::ForOp::create(
        b, loc, index(0), index(k / kStep), index(1), accs,
        [&](OpBuilder &, Location, Value kk, ValueRange iter) {
          scf::YieldOp::create(b, loc, step(iter, kk, /*tail=*/false));
        });
    result.assign(loop.getResults().begin(), loop.getResults().end());
  }
  if (k % kStep)
    result = step(result, index(k / kStep), /*tail=*/true);
  return result;
}

Value Int8MatmulEmitter::emitTile(Value dest, Value row, int64_t rows,
                                  const Panel &panel) {
  if (config.isa == Isa::NeonI8mm)
    return emitTileI8mm(dest, row, rows, panel);
  auto accType = VectorType::get({lanes}, b.getI32Type());
  int64_t vectors = panel.vectors;
  SmallVector<Value> accs;
  for (int64_t i = 0; i < rows; ++i) {
    Value r = add(row, i);
    Value rowInit;
    if (rowCompensation)
      rowInit = vector::BroadcastOp::create(
          b, loc, accType, tensor::ExtractOp::create(b, loc, rowCompensation, r));
    for (int64_t j = 0; j < vectors; ++j) {
      Value acc = output->readInit(b, loc, dest, r, add(panel.n0, j * lanes),
                                   index(j * lanes), lanes, panel.inBounds(j),
                                   panel.sliceRow(b, loc, r));
      accs.push_back(rowInit ? arith::AddIOp::create(b, loc, acc, rowInit)
                                   .getResult()
                             : acc);
    }
  }

  auto step = [&](ValueRange in, Value kk, bool tail) {
    SmallVector<Value> weights;
    for (int64_t j = 0; j < vectors; ++j)
      weights.push_back(readVector(b, loc, packed,
                                   {panel.group, kk, index(j * lanes * kStep)},
                                   lanes * kStep, true));
    SmallVector<Value> out(in.begin(), in.end());
    for (int64_t i = 0; i < rows; ++i) {
      Value act = broadcastA(add(row, i), kk, !tail);
      for (int64_t j = 0; j < vectors; ++j)
        out[i * vectors + j] = dot(out[i * vectors + j], weights[j], act);
    }
    return out;
  };
  accs = emitReduction(accs, step);

  for (int64_t i = 0; i < rows; ++i) {
    Value r = add(row, i), local = panel.sliceRow(b, loc, r);
    for (int64_t j = 0; j < vectors; ++j)
      dest = output->store(b, loc, dest, accs[i * vectors + j], r,
                           add(panel.n0, j * lanes), index(j * lanes),
                           panel.inBounds(j), local);
  }
  return dest;
}

/// Rows go in pairs (the last one half if `rows` is odd). Output vector j of
/// a pair accumulates in two blocks; block h holds [C(r, c),
/// C(r, c + 1), C(r + 1, c), C(r + 1, c + 1)] for c = n0 + j * lanes + 2 h.
Value Int8MatmulEmitter::emitTileI8mm(Value dest, Value row, int64_t rows,
                                      const Panel &panel) {
  auto accType = VectorType::get({4}, b.getI32Type());
  int64_t vectors = panel.vectors;
  int64_t pairs = llvm::divideCeil(rows, 2), blocks = lanes / 2;
  auto accIndex = [&](int64_t pair, int64_t j, int64_t h) {
    return (pair * vectors + j) * blocks + h;
  };
  // A fill value is the same in either layout; other initial values are
  // added to the unzipped rows.
  std::optional<Attribute> fill = output->getFill();
  Value start = arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(accType, fill ? *fill : b.getI32IntegerAttr(0)));
  SmallVector<Value> accs(pairs * vectors * blocks, start);

  auto step = [&](ValueRange in, Value k8, bool tail) {
    SmallVector<Value> weights;
    for (int64_t jh = 0; jh < vectors * blocks; ++jh)
      weights.push_back(readVector(b, loc, packed,
                                   {panel.group, k8, index(jh * 16)}, 16,
                                   true));
    Value col = arith::MulIOp::create(b, loc, k8, index(8));
    auto concat = llvm::to_vector(llvm::seq<int64_t>(0, 16));
    SmallVector<Value> out(in.begin(), in.end());
    for (int64_t pair = 0; pair < pairs; ++pair) {
      Value first = readVector(b, loc, a, {add(row, 2 * pair), col}, 8, !tail);
      // The second row of a half pair is never stored: repeat the first.
      Value second =
          2 * pair + 1 < rows
              ? readVector(b, loc, a, {add(row, 2 * pair + 1), col}, 8, !tail)
              : first;
      Value act = vector::ShuffleOp::create(b, loc, first, second, concat);
      for (int64_t j = 0; j < vectors; ++j)
        for (int64_t h = 0; h < blocks; ++h) {
          Value &acc = out[accIndex(pair, j, h)];
          acc = arm_neon::SmmlaOp::create(b, loc, accType, acc, act,
                                          weights[j * blocks + h]);
        }
    }
    return out;
  };
  accs = emitReduction(accs, step);

  for (int64_t i = 0; i < rows; ++i) {
    Value r = add(row, i);
    Value local = panel.sliceRow(b, loc, r);
    // Row i's half of the vector's two blocks (`lanes` is 4).
    int64_t e = i % 2 * 2;
    SmallVector<int64_t> unzip = {e, e + 1, e + 4, e + 5};
    for (int64_t j = 0; j < vectors; ++j) {
      Value n = add(panel.n0, j * lanes), col = index(j * lanes);
      Value value = vector::ShuffleOp::create(
          b, loc, accs[accIndex(i / 2, j, 0)], accs[accIndex(i / 2, j, 1)],
          unzip);
      if (!fill)
        value = arith::AddIOp::create(
            b, loc, value,
            output->readInit(b, loc, dest, r, n, col, lanes,
                             panel.inBounds(j), local));
      dest = output->store(b, loc, dest, value, r, n, col, panel.inBounds(j),
                           local);
    }
  }
  return dest;
}

/// The register tiles of one column group over `rows`.
Value Int8MatmulEmitter::emitPanel(Value slice, Value n0, Value group,
                                   int64_t width, const RowRange &rows) {
  Panel panel{n0, group, static_cast<int64_t>(llvm::divideCeil(width, lanes)),
              width % lanes != 0, rows};
  return emitRowTiles(
      b, loc, slice, m, config.tileM,
      [&](Value dest, Value row, int64_t tileRows) {
        return emitTile(dest, row, tileRows, panel);
      },
      rows);
}

Value Int8MatmulEmitter::emit(ArrayRef<int8_t> weights,
                              std::optional<Epilogue> epilogue) {
  output.emplace(b, loc, matmul, epilogue);
  a = matmul.getInputs()[0];
  packed = packWeights(weights);
  if (hasVpdpbusd(config.isa))
    rowCompensation = emitRowCompensation();
  // Extended once here rather than per register tile and k.
  if (config.isa == Isa::Avx2)
    a = arith::ExtSIOp::create(
        b, loc, RankedTensorType::get({m, k}, b.getI16Type()), a);
  // Row blocks, if any, in parallel; in each, the column groups in turn.
  return emitBlockedColumnGroups(
      b, loc, output->getDest(), blockRows, groupWidth,
      [&](Value slice, Value n0, Value group, int64_t width,
          const RowRange &rows) {
        return emitPanel(slice, n0, group, width, rows);
      });
}

LogicalResult mc::kernels::rewriteInt8Matmul(RewriterBase &rewriter,
                                             linalg::MatmulOp matmul,
                                             const KernelConfig &config) {
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
  std::optional<RawConstant> raw = getRawConstant(matmul.getInputs()[1], 1);
  if (!raw)
    return failure();
  SmallVector<int8_t> weights = raw->toInt8(bType.getNumElements());

  replaceWithKernel(rewriter, matmul, [&](std::optional<Epilogue> epilogue) {
    return Int8MatmulEmitter(rewriter, matmul, config)
        .emit(weights, epilogue);
  });
  return success();
}

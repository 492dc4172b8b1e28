//===- WeightOnlyMatmul.cpp - f32 x weight-only int/float GEMV/GEMM -------===//
//
// Y[M x N] (+)= X[M x K] * decode(W)[K x N] with X f32 and W a constant
// `#mc.uniform<iB|uiB>` weight (B in 2..8) or `#mc.float<f16|bf16|f8E4M3FN|
// f8E5M2>` weight that has one scale (and zero point) per group of G
// consecutive k of a column: `block = [G, b]`, per channel (`axis = 1`,
// G = K) or per tensor (G = K; unscaled floats: scale 1). Meant for small M
// (LLM decoding), where streaming the weight from DRAM is the limit, so the
// layout makes every byte of it read once, in order.
//
// Layout: W is packed at compile time into panels of L columns (L = f32
// lanes). A panel holds its K / G groups one after the other, each a header
// (L f32 scales, then L zero-point terms if any) followed by the group's
// payload in steps of 8 k:
//   B <= 4: one i32 per column holding u[k0 + j] = q[k0 + j] + o (o = 8 for
//           signed storage, else 0; so 0 <= u < 16) in bits 4j .. 4j + 3:
//           a step is one vector of L x 4 bytes for 8 k;
//   B > 4:  8 rows of L bytes, byte c of row j = q[k0 + j][column c];
//   floats: the same with the storage's 1 or 2 bytes per element.
// The packed weights are a private `memref.global`, read with `vector.load`;
// a GEMV (one tile of rows) prefetches them 4 KiB ahead along all panels,
// each step its own lines.
//
// Dequantization happens in registers and is exact. Nibbles: one mask and
// an unsigned conversion give u * 2^(4j), so x is pre-scaled once per call
// (x'[m, k] = x[m, k] * 2^-4j, exact) and the offset o + zp is taken off
// once per group as (o + zp) * sum_g x. Bytes: one sign or zero extension,
// the zero point subtracted in i32 (as in the reference), a conversion.
// Floats widen through f16 (`vcvtph2ps`, `fcvtl`): f16 itself; f8E5M2 is
// the high byte of an f16; an f8E4M3FN byte b gives the f16 bits
// (sext(b) << 7) & 0xBFFF, which is b's value * 2^-8 (both biases differ by
// 8, subnormals included), so its scales are packed * 2^8; bf16 is the high
// half of an f32. f8E4M3FN NaN has no such image: weights with NaN are left
// to the reference decode and the f32 kernel. The scale is applied once per
// group.
//
// Rounding order, per output (row m, column n), starting from Y's initial
// value y:
//   a_g = sum over k in group g of (q[k] - zp) * x[m, k], as f32 FMAs into
//         S partial sums (k mod S; S = 8 for one row down to 1 for 5+ rows,
//         so there are enough independent FMA chains), added pairwise; for
//         nibbles sum u * x' that way, then a_g = fma(-(o + zp), sx_g, .)
//         with sx_g = sum_g x[m, k] (vector partial sums, then a reduction);
//   y   = fma(a_g, s_g, y) for g = 0, 1, ...
// The reference instead rounds every (q - zp) * s and sums products over k
// in order, so the two agree within float rounding, not bit for bit; they
// are equal whenever all these sums are exact (small integers).
//
// Loops: column panels run in parallel (`scf.forall`); in each, the rows go
// in tiles of up to 8 with the tile's Y vectors carried over the groups,
// the partial sums over the steps of a group. The element-wise consumer, if
// any, is applied to the tile before the store.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"
#include "KernelSupport.h"

#include "mc/Dialect/MC/IR/MC.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <cmath>
#include <cstring>

using namespace mlir;
using namespace mc::kernels;

namespace {
/// The raw little-endian bytes of a constant tensor, `eltBytes` per element
/// (sub-byte integers take a byte each, as in MLIR's dense storage).
/// The weight as the kernel sees it: payload, scales and zero points of a
/// K x N `#mc.uniform` or `#mc.float` value with groups of `groupK` along K.
struct Weight {
  /// One of the two is set.
  mc::UniformEncodingAttr encoding;
  FloatType floatStorage;
  std::optional<int64_t> axis;
  SmallVector<int64_t> block;
  int64_t k, n, groupK;
  /// Bytes per payload element in the packed layout (sub-byte: 1).
  int64_t elementBytes = 1;
  RawConstant payload;
  /// Absent for unscaled floats.
  std::optional<RawConstant> scales, zeroPoints;

  bool isNibble() const {
    return encoding && encoding.getStorage().getWidth() <= 4;
  }
  /// The packed scale of index `s`: the decoded f8E4M3FN is 2^-8 of q.
  float scale(int64_t s) const {
    float v = 1.0f;
    if (scales)
      std::memcpy(&v, scales->at(s), 4);
    return isa_and_nonnull<Float8E4M3FNType>(floatStorage) ? v * 256.0f : v;
  }
  /// What nibbles add to q to make it unsigned.
  int32_t nibbleOffset() const { return encoding.isSigned() ? 8 : 0; }

  /// The stored integer of q[kk][col], from its low B bits.
  int32_t value(int64_t kk, int64_t col) const {
    unsigned width = encoding.getStorage().getWidth();
    int32_t v = static_cast<uint8_t>(*payload.at(kk * n + col)) &
                ((1 << width) - 1);
    if (encoding.isSigned() && (v >> (width - 1)))
      v -= 1 << width;
    return v;
  }

  int64_t scaleIndex(int64_t kk, int64_t col) const {
    if (axis)
      return col; // axis 1; axis 0 is rejected.
    if (block.empty())
      return 0;
    return kk / block[0] * (n / block[1]) + col / block[1];
  }
};
} // namespace

/// The weight behind `decode(assemble(constants))`, if the kernel handles
/// its encoding.
static std::optional<Weight> matchWeight(Value operand) {
  auto decode = operand.getDefiningOp<mc::DecodeOp>();
  if (!decode)
    return std::nullopt;
  auto assemble = decode.getInput().getDefiningOp<mc::AssembleOp>();
  auto type = cast<mc::CompressedType>(decode.getInput().getType());
  if (!assemble || !type.getExpressedType().isF32() ||
      type.getShape().size() != 2)
    return std::nullopt;

  Weight w;
  w.k = type.getShape()[0];
  w.n = type.getShape()[1];
  bool scaled = true;
  if (auto encoding = dyn_cast<mc::UniformEncodingAttr>(type.getEncoding())) {
    // i1 payloads are bit-packed in dense attributes.
    unsigned width = encoding.getStorage().getWidth();
    if (width < 2 || width > 8)
      return std::nullopt;
    w.encoding = encoding;
    w.axis = encoding.getAxis();
    w.block.assign(encoding.getBlock().begin(), encoding.getBlock().end());
  } else if (auto encoding =
                 dyn_cast<mc::FloatEncodingAttr>(type.getEncoding())) {
    w.floatStorage = encoding.getStorage();
    w.elementBytes = w.floatStorage.getWidth() / 8;
    w.axis = encoding.getAxis();
    w.block.assign(encoding.getBlock().begin(), encoding.getBlock().end());
    scaled = encoding.hasScales();
  } else {
    return std::nullopt;
  }
  // Per-k scales (axis 0, blocks of a few k) would cost a scale vector per
  // step; the reference lowering keeps those.
  if (w.axis) {
    if (*w.axis != 1)
      return std::nullopt;
    w.groupK = w.k;
  } else {
    w.groupK = w.block.empty() ? w.k : w.block[0];
  }
  if (w.groupK < 8 && w.groupK != w.k)
    return std::nullopt;

  ValueRange parts = assemble.getParts();
  std::optional<RawConstant> payload =
      getRawConstant(parts[0], w.elementBytes);
  if (!payload)
    return std::nullopt;
  w.payload = *payload;
  if (scaled) {
    w.scales = getRawConstant(parts[1], 4);
    if (!w.scales ||
        !cast<ShapedType>(parts[1].getType()).getElementType().isF32())
      return std::nullopt;
  }
  if (w.encoding && w.encoding.getZeroPoint()) {
    w.zeroPoints = getRawConstant(parts[2], 4);
    if (!w.zeroPoints)
      return std::nullopt;
  }
  if (isa_and_nonnull<Float8E4M3FNType>(w.floatStorage)) {
    // NaN has no f16 image (see the file comment), and the scales times
    // 2^8 must stay finite.
    int64_t count = w.payload.splat ? 1 : w.k * w.n;
    for (int64_t i = 0; i < count; ++i)
      if ((*w.payload.at(i) & 0x7F) == 0x7F)
        return std::nullopt;
    int64_t numScales =
        !w.scales || w.scales->splat
            ? 1
            : static_cast<int64_t>(w.scales->data.size()) / 4;
    for (int64_t i = 0; i < numScales; ++i)
      if (!std::isfinite(w.scale(i)))
        return std::nullopt;
  }
  return w;
}

namespace {
/// Emits the kernel for one matmul.
class WeightOnlyEmitter {
public:
  WeightOnlyEmitter(RewriterBase &rewriter, linalg::MatmulOp matmul,
                    const KernelConfig &config, const Weight &weight)
      : b(rewriter), loc(matmul.getLoc()), matmul(matmul), w(weight) {
    m = cast<RankedTensorType>(matmul.getInputs()[0].getType()).getDimSize(0);
    lanes = config.lanes;
    numPanels = llvm::divideCeil(w.n, lanes);
    numGroups = w.k / w.groupK;
    stepsPerGroup = llvm::divideCeil(w.groupK, kStep);
    headerBytes = lanes * 4 * (w.zeroPoints ? 2 : 1);
    stepBytes = w.isNibble() ? lanes * 4 : lanes * kStep * w.elementBytes;
    groupBytes = headerBytes + stepsPerGroup * stepBytes;
    panelBytes = numGroups * groupBytes;
  }

  Value emit(std::optional<Epilogue> epilogue);

private:
  /// k per step of the payload.
  static constexpr int64_t kStep = 8;
  /// Most rows of a register tile.
  static constexpr int64_t tileM = 8;
  /// How far ahead a GEMV prefetches its weight stream.
  static constexpr int64_t kPrefetchBytes = 4096;

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, int64_t y) {
    return y ? arith::AddIOp::create(b, loc, x, index(y)).getResult() : x;
  }
  Value mul(Value x, int64_t y) {
    return arith::MulIOp::create(b, loc, x, index(y));
  }
  Value splatI32(int32_t v) {
    return arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(VectorType::get({lanes}, b.getI32Type()),
                               b.getI32IntegerAttr(v)));
  }
  Value packWeights();
  Value emitActivations();
  Value emitGroupSums();
  /// Whether nibble sums need -(o + zp) * sum_g x.
  bool needsGroupSums() const {
    return w.isNibble() && (w.zeroPoints || w.nibbleOffset());
  }
  /// `lanes` 32-bit values of the packed panel at byte `offset`.
  Value readWords(Value panel, Value offset, Type elementType);
  /// `bytes` bytes of the packed panel at byte `offset`.
  Value readBytes(Value panel, Value offset, int64_t bytes);
  void emitPrefetch(Value panel, Value offset, int64_t bytes);
  SmallVector<Value> decodeFloats(Value panel, Value offset, int64_t rows);
  SmallVector<Value> decodeStep(Value panel, Value offset, Value zeroPoint,
                                int64_t count);
  Value emitTile(Value dest, Value row, int64_t rows, Value n0, Value panel,
                 bool partial);
  Value emitPanel(Value dest, Value n0, Value panel, bool partial);

  RewriterBase &b;
  Location loc;
  linalg::MatmulOp matmul;
  const Weight &w;
  int64_t m, lanes, numPanels, numGroups, stepsPerGroup;
  int64_t headerBytes, stepBytes, groupBytes, panelBytes;
  /// The packed weights (a global, so they can be prefetched), and the
  /// same as one stream of bytes.
  Value x, packed, stream;
  /// The activations the FMAs read (emitActivations), and sum_g x[m, k] as
  /// M x K/G.
  Value xs, groupSums;
  std::optional<MatmulOutput> output;
};
} // namespace

Value WeightOnlyEmitter::packWeights() {
  // Columns past N get zero weights and scales; they are never stored.
  SmallVector<char> data(numPanels * panelBytes, 0);
  for (int64_t col = 0; col < w.n; ++col) {
    int64_t p = col / lanes, c = col % lanes;
    for (int64_t g = 0; g < numGroups; ++g) {
      char *group = &data[p * panelBytes + g * groupBytes];
      int64_t s = w.scaleIndex(g * w.groupK, col);
      float scale = w.scale(s);
      std::memcpy(group + c * 4, &scale, 4);
      if (!w.zeroPoints)
        continue;
      int32_t zp;
      std::memcpy(&zp, w.zeroPoints->at(s), 4);
      if (w.isNibble()) {
        // The factor of sum_g x, exact in f32 (|zp| < 2^8).
        float term = -static_cast<float>(zp + w.nibbleOffset());
        std::memcpy(group + (lanes + c) * 4, &term, 4);
      } else {
        std::memcpy(group + (lanes + c) * 4, &zp, 4);
      }
    }
  }
  for (int64_t kk = 0; kk < w.k; ++kk) {
    int64_t g = kk / w.groupK, step = kk % w.groupK / kStep, j = kk % kStep;
    for (int64_t col = 0; col < w.n; ++col) {
      int64_t p = col / lanes, c = col % lanes;
      char *payload = &data[p * panelBytes + g * groupBytes + headerBytes +
                            step * stepBytes];
      if (w.floatStorage) {
        int64_t bytes = w.elementBytes;
        std::memcpy(payload + (j * lanes + c) * bytes,
                    w.payload.at(kk * w.n + col), bytes);
        continue;
      }
      int32_t v = w.value(kk, col);
      // Nibble j of the column's little-endian i32.
      if (w.isNibble())
        payload[c * 4 + j / 2] |= static_cast<char>(
            ((v + w.nibbleOffset()) & 0xF) << (j % 2 * 4));
      else
        payload[j * lanes + c] = static_cast<char>(v);
    }
  }
  auto type =
      RankedTensorType::get({numPanels, panelBytes}, b.getIntegerType(8));
  return getConstantGlobal(
      b, loc, matmul, "__mc_weight_only_weights",
      DenseElementsAttr::getFromRawBuffer(type, ArrayRef<char>(data)));
}

/// The activations the FMAs broadcast from: x'[m, k] = x[m, k] * 2^-4j for
/// nibbles (j = k mod G mod 8, the nibble of k), else x, in rows padded by
/// a cache line when there are several: at K = 4096 the rows of x are
/// 16 KiB apart, so a tile's 8 rows would fall in one set of the 8-way L1,
/// with the weight stream's lines (5-12 % faster at M = 8, interleaved).
Value WeightOnlyEmitter::emitActivations() {
  int64_t stride = m > 1 ? w.k + 16 : w.k;
  if (!w.isNibble() && stride == w.k)
    return x;
  auto f32 = b.getF32Type();
  Value factor;
  if (w.isNibble()) {
    SmallVector<float> factors;
    for (int64_t kk = 0; kk < w.k; ++kk)
      factors.push_back(std::ldexp(
          1.0f, -4 * static_cast<int>(kk % w.groupK % kStep)));
    factor = arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(RankedTensorType::get({w.k}, f32),
                               ArrayRef<float>(factors)));
  }
  Value empty =
      tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{m, stride}, f32);
  auto chunk = [&](Value dest, Value r, Value c, bool inBounds) {
    Value v = readVector(b, loc, x, {r, c}, lanes, inBounds);
    if (factor)
      v = arith::MulFOp::create(
          b, loc, v, readVector(b, loc, factor, {c}, lanes, inBounds));
    return writeVector(b, loc, v, dest, {r, c}, inBounds);
  };
  int64_t full = w.k / lanes * lanes;
  auto rows = scf::ForOp::create(
      b, loc, index(0), index(m), index(1), ValueRange{empty},
      [&](OpBuilder &, Location, Value r, ValueRange iter) {
        Value dest = iter[0];
        if (full > 0)
          dest = scf::ForOp::create(
                     b, loc, index(0), index(full), index(lanes),
                     ValueRange{dest},
                     [&](OpBuilder &, Location, Value c, ValueRange in) {
                       scf::YieldOp::create(b, loc, chunk(in[0], r, c, true));
                     })
                     .getResult(0);
        if (full < w.k)
          dest = chunk(dest, r, index(full), false);
        scf::YieldOp::create(b, loc, dest);
      });
  return rows.getResult(0);
}

/// sum over k in group g of x[m, k], as an M x (K / G) tensor.
Value WeightOnlyEmitter::emitGroupSums() {
  auto f32 = b.getF32Type();
  auto f32Type = VectorType::get({lanes}, f32);
  Value zero = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(f32Type, b.getF32FloatAttr(0)));
  Value empty =
      tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{m, numGroups}, f32);
  auto rows = scf::ForOp::create(
      b, loc, index(0), index(m), index(1), ValueRange{empty},
      [&](OpBuilder &, Location, Value r, ValueRange rowIter) {
        auto groups = scf::ForOp::create(
            b, loc, index(0), index(numGroups), index(1),
            ValueRange{rowIter[0]},
            [&](OpBuilder &, Location, Value g, ValueRange iter) {
              Value k0 = mul(g, w.groupK);
              int64_t full = w.groupK / lanes;
              Value acc = zero;
              if (full > 0)
                acc = scf::ForOp::create(
                          b, loc, index(0), index(full), index(1),
                          ValueRange{zero},
                          [&](OpBuilder &, Location, Value c, ValueRange in) {
                            Value col = arith::AddIOp::create(
                                b, loc, k0, mul(c, lanes));
                            Value v =
                                readVector(b, loc, x, {r, col}, lanes, true);
                            scf::YieldOp::create(
                                b, loc,
                                arith::AddFOp::create(b, loc, in[0], v)
                                    .getResult());
                          })
                          .getResult(0);
              Value sum = vector::ReductionOp::create(
                  b, loc, vector::CombiningKind::ADD, acc);
              for (int64_t t = full * lanes; t < w.groupK; ++t)
                sum = arith::AddFOp::create(
                    b, loc, sum,
                    tensor::ExtractOp::create(b, loc, x,
                                              ValueRange{r, add(k0, t)}));
              scf::YieldOp::create(
                  b, loc,
                  tensor::InsertOp::create(b, loc, sum, iter[0],
                                           ValueRange{r, g})
                      .getResult());
            });
        scf::YieldOp::create(b, loc, groups.getResult(0));
      });
  return rows.getResult(0);
}

Value WeightOnlyEmitter::readBytes(Value panel, Value offset,
                                   int64_t bytes) {
  return vector::LoadOp::create(
      b, loc, VectorType::get({bytes}, b.getI8Type()), packed,
      ValueRange{panel, offset});
}

/// Software prefetches of the lines of `bytes` bytes at byte `offset` of
/// the panel, kPrefetchBytes ahead in the stream of all panels: a group's
/// header, then each step's own (a group's lines at once stalled the
/// loop, as in DynamicGroupMatmul.cpp).
void WeightOnlyEmitter::emitPrefetch(Value panel, Value offset, int64_t bytes) {
  prefetchAhead(b, loc, stream,
                arith::AddIOp::create(b, loc, mul(panel, panelBytes), offset),
                kPrefetchBytes, numPanels * panelBytes - bytes, bytes);
}

Value WeightOnlyEmitter::readWords(Value panel, Value offset,
                                   Type elementType) {
  Value bytes = readBytes(panel, offset, lanes * 4);
  return vector::BitCastOp::create(
      b, loc, VectorType::get({lanes}, elementType), bytes);
}

/// The first `count` of the step's 8 rows of weights at byte `offset` of the
/// panel, as f32 vectors of u * 2^4j (nibbles) or q - zero point (bytes).
/// `rows` consecutive rows of `lanes` float weights at byte `offset` of the
/// panel, widened to f32 vectors (see the file comment). The integer steps
/// of 8-bit floats run on both rows at once: half the instructions at 512
/// bits, where the f16 -> f32 conversion only takes 256 bits in.
SmallVector<Value> WeightOnlyEmitter::decodeFloats(Value panel, Value offset,
                                                   int64_t rows) {
  int64_t width = lanes * rows;
  auto vec = [&](Type element) { return VectorType::get({width}, element); };
  auto i16Type = vec(b.getI16Type());
  auto splatI16 = [&](int16_t v) -> Value {
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(i16Type, b.getI16IntegerAttr(v)));
  };
  Value bytes = readBytes(panel, offset, width * w.elementBytes);
  Value half;
  if (w.floatStorage.isF16()) {
    half = vector::BitCastOp::create(b, loc, vec(b.getF16Type()), bytes);
  } else if (w.floatStorage.isBF16()) {
    Value words = arith::ExtUIOp::create(
        b, loc, vec(b.getI32Type()),
        vector::BitCastOp::create(b, loc, i16Type, bytes));
    Value shifted = arith::ShLIOp::create(
        b, loc, words,
        arith::ConstantOp::create(
            b, loc,
            DenseElementsAttr::get(vec(b.getI32Type()),
                                   b.getI32IntegerAttr(16))));
    half = arith::BitcastOp::create(b, loc, vec(b.getF32Type()), shifted);
  } else if (isa<Float8E5M2Type>(w.floatStorage)) {
    Value words = arith::ExtUIOp::create(b, loc, i16Type, bytes);
    half = arith::BitcastOp::create(
        b, loc, vec(b.getF16Type()),
        arith::ShLIOp::create(b, loc, words, splatI16(8)));
  } else { // f8E4M3FN
    Value words = arith::ExtSIOp::create(b, loc, i16Type, bytes);
    Value shifted = arith::ShLIOp::create(b, loc, words, splatI16(7));
    half = arith::BitcastOp::create(
        b, loc, vec(b.getF16Type()),
        arith::AndIOp::create(b, loc, shifted,
                              splatI16(static_cast<int16_t>(0xBFFF))));
  }
  auto f32Type = VectorType::get({lanes}, b.getF32Type());
  SmallVector<Value> result;
  for (int64_t r = 0; r < rows; ++r) {
    Value row = half;
    if (rows > 1)
      row = vector::ExtractStridedSliceOp::create(
          b, loc, half, ArrayRef<int64_t>{r * lanes}, ArrayRef<int64_t>{lanes},
          ArrayRef<int64_t>{1});
    if (cast<VectorType>(row.getType()).getElementType().isF16())
      row = arith::ExtFOp::create(b, loc, f32Type, row);
    result.push_back(row);
  }
  return result;
}

SmallVector<Value> WeightOnlyEmitter::decodeStep(Value panel, Value offset,
                                                 Value zeroPoint,
                                                 int64_t count) {
  auto i32Type = VectorType::get({lanes}, b.getI32Type());
  auto f32Type = VectorType::get({lanes}, b.getF32Type());
  SmallVector<Value> result;
  if (w.isNibble()) {
    Value words = readWords(panel, offset, b.getI32Type());
    for (int64_t j = 0; j < count; ++j) {
      // u * 2^4j < 2^32 has at most 4 significant bits: exact in f32.
      Value bits = arith::AndIOp::create(
          b, loc, words, splatI32(static_cast<int32_t>(0xFu << (4 * j))));
      result.push_back(arith::UIToFPOp::create(b, loc, f32Type, bits));
    }
    return result;
  }
  if (w.floatStorage) {
    int64_t pair = w.elementBytes == 1 ? 2 : 1;
    for (int64_t j = 0; j < count; j += pair) {
      int64_t rows = std::min(pair, count - j);
      llvm::append_range(result,
                         decodeFloats(panel, add(offset, j * lanes * w.elementBytes),
                                      rows));
    }
    return result;
  }
  for (int64_t j = 0; j < count; ++j) {
    Value bytes = readBytes(panel, add(offset, j * lanes), lanes);
    Value q =
        w.encoding.isSigned()
            ? arith::ExtSIOp::create(b, loc, i32Type, bytes).getResult()
            : arith::ExtUIOp::create(b, loc, i32Type, bytes).getResult();
    if (zeroPoint)
      q = arith::SubIOp::create(b, loc, q, zeroPoint);
    result.push_back(arith::SIToFPOp::create(b, loc, f32Type, q));
  }
  return result;
}

Value WeightOnlyEmitter::emitTile(Value dest, Value row, int64_t rows,
                                  Value n0, Value panel, bool partial) {
  auto f32Type = VectorType::get({lanes}, b.getF32Type());
  Value zero = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(f32Type, b.getF32FloatAttr(0)));
  // Enough independent FMA chains to hide the FMA latency.
  int64_t splits = rows == 1 ? 8 : rows == 2 ? 4 : rows <= 4 ? 2 : 1;
  auto zeroIndex = index(0);

  SmallVector<Value> ys;
  for (int64_t i = 0; i < rows; ++i)
    ys.push_back(output->readInit(b, loc, dest, add(row, i), n0, zeroIndex,
                                  lanes, !partial));

  // A GEMV streams the weights once; more rows reuse them.
  bool prefetch = m <= tileM;
  // One step: `count` k from `k0`, weights at byte `offset` of the panel.
  auto step = [&](ValueRange in, Value offset, Value k0, Value zeroPoint,
                  int64_t count) {
    if (prefetch)
      emitPrefetch(panel, offset, stepBytes);
    SmallVector<Value> sums(in.begin(), in.end());
    SmallVector<Value> weights = decodeStep(panel, offset, zeroPoint, count);
    for (int64_t j = 0; j < count; ++j) {
      Value kk = add(k0, j);
      for (int64_t i = 0; i < rows; ++i) {
        Value xv = tensor::ExtractOp::create(b, loc, xs,
                                             ValueRange{add(row, i), kk});
        Value xs = vector::BroadcastOp::create(b, loc, f32Type, xv);
        Value &sum = sums[i * splits + j % splits];
        sum = vector::FMAOp::create(b, loc, weights[j], xs, sum);
      }
    }
    return sums;
  };

  auto groups = scf::ForOp::create(
      b, loc, index(0), index(numGroups), index(1), ys,
      [&](OpBuilder &, Location, Value g, ValueRange iter) {
        Value base = mul(g, groupBytes);
        if (prefetch)
          emitPrefetch(panel, base, headerBytes);
        Value scale = readWords(panel, base, b.getF32Type());
        Value zeroPoint, zeroPointTerm;
        if (w.zeroPoints && w.isNibble())
          zeroPointTerm =
              readWords(panel, add(base, lanes * 4), b.getF32Type());
        else if (w.zeroPoints)
          zeroPoint = readWords(panel, add(base, lanes * 4), b.getI32Type());
        else if (needsGroupSums())
          zeroPointTerm = arith::ConstantOp::create(
              b, loc,
              DenseElementsAttr::get(
                  f32Type, b.getF32FloatAttr(-w.nibbleOffset())));
        Value payload = add(base, headerBytes);
        Value kGroup = mul(g, w.groupK);

        SmallVector<Value> sums(rows * splits, zero);
        int64_t fullSteps = w.groupK / kStep;
        if (fullSteps > 0) {
          auto steps = scf::ForOp::create(
              b, loc, index(0), index(fullSteps), index(1), sums,
              [&](OpBuilder &, Location, Value s, ValueRange in) {
                Value offset =
                    arith::AddIOp::create(b, loc, payload, mul(s, stepBytes));
                Value k0 = arith::AddIOp::create(b, loc, kGroup, mul(s, kStep));
                scf::YieldOp::create(b, loc,
                                     step(in, offset, k0, zeroPoint, kStep));
              });
          sums.assign(steps.getResults().begin(), steps.getResults().end());
        }
        if (int64_t rest = w.groupK % kStep)
          sums = step(sums, add(payload, fullSteps * stepBytes),
                      add(kGroup, fullSteps * kStep), zeroPoint, rest);

        SmallVector<Value> out;
        for (int64_t i = 0; i < rows; ++i) {
          // Pairwise sum of the partial sums.
          SmallVector<Value> level(sums.begin() + i * splits,
                                   sums.begin() + (i + 1) * splits);
          while (level.size() > 1) {
            SmallVector<Value> next;
            for (size_t t = 0; t < level.size(); t += 2)
              next.push_back(
                  arith::AddFOp::create(b, loc, level[t], level[t + 1]));
            level = std::move(next);
          }
          if (zeroPointTerm) {
            Value sum = tensor::ExtractOp::create(
                b, loc, groupSums, ValueRange{add(row, i), g});
            level[0] = vector::FMAOp::create(
                b, loc, zeroPointTerm,
                vector::BroadcastOp::create(b, loc, f32Type, sum), level[0]);
          }
          out.push_back(
              vector::FMAOp::create(b, loc, level[0], scale, iter[i]));
        }
        scf::YieldOp::create(b, loc, out);
      });

  for (int64_t i = 0; i < rows; ++i)
    dest = output->store(b, loc, dest, groups.getResult(i), add(row, i), n0,
                         zeroIndex, !partial);
  return dest;
}

Value WeightOnlyEmitter::emitPanel(Value dest, Value n0, Value panel,
                                   bool partial) {
  return emitRowTiles(b, loc, dest, m, tileM,
                      [&](Value dest, Value row, int64_t rows) {
                        return emitTile(dest, row, rows, n0, panel, partial);
                      });
}

Value WeightOnlyEmitter::emit(std::optional<Epilogue> epilogue) {
  x = matmul.getInputs()[0];
  output.emplace(b, loc, matmul, epilogue);
  packed = packWeights();
  stream = memref::CollapseShapeOp::create(
      b, loc, packed, ArrayRef<ReassociationIndices>{{0, 1}});
  xs = emitActivations();
  if (needsGroupSums())
    groupSums = emitGroupSums();
  // Panels of one vector of columns in parallel.
  return emitColumnGroups(
      b, loc, output->getDest(), lanes,
      [&](Value slice, Value n0, Value panel, int64_t width) {
        return emitPanel(slice, n0, panel, /*partial=*/width < lanes);
      });
}

LogicalResult mc::kernels::rewriteWeightOnlyMatmul(RewriterBase &rewriter,
                                                   linalg::MatmulOp matmul,
                                                   const KernelConfig &config) {
  if (!isStaticF32Matmul(matmul))
    return failure();
  std::optional<Weight> weight = matchWeight(matmul.getInputs()[1]);
  if (!weight)
    return failure();

  replaceWithKernel(rewriter, matmul, [&](std::optional<Epilogue> epilogue) {
    return WeightOnlyEmitter(rewriter, matmul, config, *weight)
        .emit(epilogue);
  });
  return success();
}

//===- DynamicGroupMatmul.cpp - int8 x int4/int8 per-group GEMV/GEMM ------===//
//
// The group form of `--mc-quantize=activations=dynamic` (int8 activations
// qx with row scales sx, a constant int4/int8 payload q with scales sw per
// group of G k):
//   P[m, g, n] = sum_{t < G} qx[m, gG + t] * q[gG + t, n]      (i32, exact)
//   a[m, n] = 0;  a += f32(P[m, g, n]) * sw[g, n], g = 0..
//   y[m, n] = C[m, n] + a[m, n] * sx[m]
// fused into one kernel that computes P with integer dot products
// (`mc.dot4`: `vpdpbusd` on AVX512-VNNI and AVX-VNNI, `vpmaddwd` pairs on
// AVX2; AArch64 `sdot` with +dotprod, `smmla` with +i8mm) and combines in
// the same f32 order, so the result equals the reference bit for bit.
//
// Layout: q is packed at compile time into panels of 2L columns (L = 16 i32
// lanes, 4 for `sdot`). A panel holds its K / G groups one after the other,
// each 2L f32 scales followed by G / 4 steps of 4 k, a step being the `mc.dot4`
// operands of the panel's two column vectors ([L columns][4 k] bytes each):
//   int4: one 4L-byte vector; byte 4c + t holds u = q + 8 (1..15) of
//         column c in its low nibble and of column L + c in its high nibble;
//   int8: two 4L-byte vectors of q (+ 128 as u8 for `vpdpbusd`).
// So a panel is read once, in order, scales next to their group's data. The
// packed weights are a private `memref.global`, read with `vector.load` and
// prefetched in software 4 KiB ahead along all panels, a line per step
// (on Zen 4 only by tiles of 5 or more rows: faster loops stream better
// without, see `setCPUTuning`).
//
// The weight offset o (8, or 128 on VNNI for int8, else 0) is taken off
// exactly: the accumulators of row m start at -o * sum_{k in g} qx[m, k],
// computed once per call for all rows, groups and both column vectors (a
// broadcast load each). int4 on VNNI uses the high nibbles in place, 16 u,
// when every scale s has an exact s / 16: their accumulators start at
// -16 o * sum and end at 16 P, whose f32 is 16 f32(P) exactly, and their
// scales are stored as s / 16, so (f32(16 P) * (s / 16)) rounds like
// f32(P) * s; this saves the shift (the kernel is bound by ports 0 and 5
// from M = 8).
//
// Without VNNI the nibbles (1..15) are `mc.dot4`'s small_lhs: `vpmaddubsw`
// and `vpmaddwd` by ones, not both sides widened to i16 (AVX2, 4096 x 4096
// from DRAM: M = 8 38 % of the read against 20 %, M = 4 58 against 30).
//
// `sdot` (s8 x s8) takes the nibbles as they are, the high ones by a byte
// shift, and where a group's steps come in fours, each row's 16 bytes of x
// for 4 steps once, a lane per step (`sdot` by element): by llvm-mca
// (-mcpu=neoverse-n1), 26 cycles per group of 32 k at M = 1 against 35
// with a broadcast load (`ld1r`) per step and row, 66 against 96 for 4 rows.
//
// `smmla` (2 rows x 8 k of x times 2 columns x 8 k of q into a 2 x 2
// block) takes 8 k a step: a panel's 8 columns are 4 operands of 2 columns
// x 8 k (int4: columns 4v + {0, 1} in the low nibbles of 16 bytes, 4v +
// {2, 3} in the high), the rows go in pairs, and sums stay in blocks until
// they are unzipped into rows after the groups (`emitTileMmla`).
//
// Loops: column panels run in parallel (`scf.forall`); in each, the rows go
// in tiles of up to 8 (4 on NEON's 32 registers) with their 2 x 8 f32 sums
// carried over the groups and the i32 accumulators over the steps of a group,
// so a panel is streamed once for up to 8 rows. C and sx come in after the
// groups; the combine's element-wise consumer, if any, is applied before the
// store.
//
// Cost per group (G = 32 k x 32 columns, 640 bytes) and tile of R rows
// (int4, VNNI): 16 R `vpdpbusd`, 16 masks and 6 R combine ops (cvt, mul,
// add; sx comes in once after the groups, which took a multiply per group
// away: 208 -> 192 zmm ops at R = 8), all on ports 0 and 5. On the Cascade
// Lake of bench/RESULTS.md the R = 8 loop alone, from L2, takes about
// 50 ns (58 ns with sx per group) against 53-55 ns of DRAM read for the
// 640 bytes, so M = 8 is nearly compute-bound and the stream overlaps it
// only in part: 60-65 % of the same-run read in bench/w4a8_gemv.py, 1 or
// 2 threads (R = 4: 29 ns, 85-95 %). Prefetching 2-16 KiB ahead, into L2
// (t1/t2) as well or instead, or fewer lines per group measured no
// better; so did two passes of 8 accumulators, one column vector at a time
// (no f32 sums spilled; 4 % slower) and two panels per tile, two streams
// (32 f32 sums; 40 % slower).
// The 32 zmm registers hold the 16 i32 accumulators; LLVM spills 5 of the
// 16 f32 sums, read and written once per group (load and store ports).
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"
#include "KernelSupport.h"

#include "mc/Dialect/MC/IR/MC.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ArmNeon/ArmNeonDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"

#include <cstring>
#include <tuple>

using namespace mlir;
using namespace mc::kernels;

namespace {
/// The matched ops (products, sums, combine) and the kernel's operands.
struct GroupMatmul {
  linalg::GenericOp products, sums, combine;
  Value qx, sx, init;
  /// The constant the f32 sums start from.
  Attribute sumsStart;
  RawConstant payload, scales;
  unsigned bits;
  int64_t m, k, n, groupK;
};
} // namespace

static bool isDims(AffineMap map, ArrayRef<unsigned> dims) {
  if (map.getNumSymbols() || map.getNumResults() != dims.size())
    return false;
  for (auto [expr, dim] : llvm::zip(map.getResults(), dims))
    if (expr != getAffineDimExpr(dim, map.getContext()))
      return false;
  return true;
}

/// The body ops of `op` without the terminator, if there are `count`.
static std::optional<SmallVector<Operation *>> getBody(linalg::GenericOp op,
                                                       size_t count) {
  SmallVector<Operation *> ops;
  for (Operation &bodyOp : op.getBody()->without_terminator())
    ops.push_back(&bodyOp);
  if (ops.size() != count ||
      op.getBody()->getTerminator()->getOperand(0) !=
          ops.back()->getResult(0))
    return std::nullopt;
  return ops;
}

/// Whether `op` works on tensors with one init and `loops` loops, all
/// parallel but the last if `reduction`, and its operands (inputs, then the
/// init) index the dims `dims`.
static bool hasForm(linalg::GenericOp op, unsigned loops, bool reduction,
                    ArrayRef<ArrayRef<unsigned>> dims) {
  if (static_cast<size_t>(op.getNumDpsInputs()) + 1 != dims.size() ||
      op.getNumDpsInits() != 1 || op.getNumLoops() != loops ||
      !op.hasPureTensorSemantics())
    return false;
  for (auto [i, type] : llvm::enumerate(op.getIteratorTypesArray()))
    if (type != (reduction && i + 1 == loops ? utils::IteratorType::reduction
                                             : utils::IteratorType::parallel))
      return false;
  return llvm::all_of(llvm::zip(op.getIndexingMapsArray(), dims),
                      [](auto pair) {
                        return isDims(std::get<0>(pair), std::get<1>(pair));
                      });
}

/// `sum += extsi(a) * extsi(b)` over (m, g, n, t) with maps (m, g, t),
/// (g, t, n), (m, g, n) and a zero-filled init.
static bool isGroupProducts(linalg::GenericOp op) {
  if (!hasForm(op, 4, /*reduction=*/true, {{0, 1, 3}, {1, 3, 2}, {0, 1, 2}}))
    return false;
  auto fill = op.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
  if (!fill || !matchPattern(fill.getInputs()[0], m_Zero()))
    return false;
  std::optional<SmallVector<Operation *>> body = getBody(op, 4);
  if (!body)
    return false;
  Block *block = op.getBody();
  auto a = dyn_cast<arith::ExtSIOp>((*body)[0]);
  auto w = dyn_cast<arith::ExtSIOp>((*body)[1]);
  auto mul = dyn_cast<arith::MulIOp>((*body)[2]);
  auto add = dyn_cast<arith::AddIOp>((*body)[3]);
  return a && w && mul && add && a.getIn() == block->getArgument(0) &&
         w.getIn() == block->getArgument(1) &&
         mul.getLhs() == a.getResult() && mul.getRhs() == w.getResult() &&
         add.getLhs() == block->getArgument(2) &&
         add.getRhs() == mul.getResult() && a.getType().isInteger(32);
}

/// Fast-math flags would let LLVM reassociate or contract the f32 ops.
static bool isPlain(Operation *op) {
  auto fm = dyn_cast<arith::ArithFastMathInterface>(op);
  return !fm ||
         fm.getFastMathFlagsAttr().getValue() == arith::FastMathFlags::none;
}

/// `a += sitofp(p) * s` over (m, n, g) with maps (m, g, n), (g, n), (m, n).
static bool isGroupSums(linalg::GenericOp op) {
  if (!hasForm(op, 3, /*reduction=*/true, {{0, 2, 1}, {2, 1}, {0, 1}}))
    return false;
  std::optional<SmallVector<Operation *>> body = getBody(op, 3);
  if (!body)
    return false;
  Block *block = op.getBody();
  auto cvt = dyn_cast<arith::SIToFPOp>((*body)[0]);
  auto scaled = dyn_cast<arith::MulFOp>((*body)[1]);
  auto add = dyn_cast<arith::AddFOp>((*body)[2]);
  return cvt && scaled && add && isPlain(scaled) && isPlain(add) &&
         cvt.getIn() == block->getArgument(0) && cvt.getType().isF32() &&
         scaled.getLhs() == cvt.getResult() &&
         scaled.getRhs() == block->getArgument(1) &&
         add.getLhs() == block->getArgument(2) &&
         add.getRhs() == scaled.getResult();
}

/// `y = c + a * sx` over (m, n) with maps (m, n), (m), (m, n).
static bool isGroupCombine(linalg::GenericOp op) {
  if (!hasForm(op, 2, /*reduction=*/false, {{0, 1}, {0}, {0, 1}}))
    return false;
  std::optional<SmallVector<Operation *>> body = getBody(op, 2);
  if (!body)
    return false;
  Block *block = op.getBody();
  auto rescaled = dyn_cast<arith::MulFOp>((*body)[0]);
  auto add = dyn_cast<arith::AddFOp>((*body)[1]);
  return rescaled && add && isPlain(rescaled) && isPlain(add) &&
         rescaled.getLhs() == block->getArgument(0) &&
         rescaled.getRhs() == block->getArgument(1) &&
         add.getLhs() == block->getArgument(2) &&
         add.getRhs() == rescaled.getResult() &&
         block->getArgument(0).getType().isF32();
}

static std::optional<GroupMatmul> matchGroupMatmul(linalg::GenericOp combine) {
  if (!isGroupCombine(combine))
    return std::nullopt;
  GroupMatmul mm;
  mm.combine = combine;
  mm.sums = combine.getDpsInputs()[0].getDefiningOp<linalg::GenericOp>();
  if (!mm.sums || !mm.sums->hasOneUse() || !isGroupSums(mm.sums))
    return std::nullopt;
  auto sumsFill = mm.sums.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
  if (!sumsFill ||
      !matchPattern(sumsFill.getInputs()[0], m_Constant(&mm.sumsStart)) ||
      !isa<FloatAttr>(mm.sumsStart) ||
      !cast<FloatAttr>(mm.sumsStart).getType().isF32())
    return std::nullopt;
  mm.products = mm.sums.getDpsInputs()[0].getDefiningOp<linalg::GenericOp>();
  if (!mm.products || !mm.products->hasOneUse() ||
      !isGroupProducts(mm.products))
    return std::nullopt;
  auto expand =
      mm.products.getDpsInputs()[0].getDefiningOp<tensor::ExpandShapeOp>();
  if (!expand || expand.getReassociationIndices() !=
                     SmallVector<ReassociationIndices>{{0}, {1, 2}})
    return std::nullopt;
  mm.qx = expand.getSrc();
  mm.sx = combine.getDpsInputs()[1];
  mm.init = combine.getDpsInits()[0];
  auto xType = cast<RankedTensorType>(mm.qx.getType());
  auto wType =
      cast<RankedTensorType>(mm.products.getDpsInputs()[1].getType());
  auto sType = cast<RankedTensorType>(mm.sums.getDpsInputs()[1].getType());
  auto yType = cast<RankedTensorType>(mm.init.getType());
  if (!xType.hasStaticShape() || !wType.hasStaticShape() ||
      !yType.hasStaticShape() || !xType.getElementType().isInteger(8) ||
      !sType.getElementType().isF32() || !yType.getElementType().isF32())
    return std::nullopt;
  mm.bits = wType.getElementTypeBitWidth();
  if (mm.bits != 4 && mm.bits != 8)
    return std::nullopt;
  mm.m = xType.getDimSize(0);
  mm.k = xType.getDimSize(1);
  mm.groupK = wType.getDimSize(1);
  mm.n = wType.getDimSize(2);
  // The steps of the kernel are 4 k.
  if (mm.groupK % 4 != 0)
    return std::nullopt;
  std::optional<RawConstant> payload =
      getRawConstant(mm.products.getDpsInputs()[1], 1);
  std::optional<RawConstant> scales =
      getRawConstant(mm.sums.getDpsInputs()[1], 4);
  if (!payload || !scales)
    return std::nullopt;
  mm.payload = *payload;
  mm.scales = *scales;
  return mm;
}

namespace {
/// Emits the kernel for one matched pair.
class DynamicGroupEmitter {
public:
  DynamicGroupEmitter(RewriterBase &rewriter, const GroupMatmul &mm,
                      const KernelConfig &config)
      : b(rewriter), loc(mm.combine->getLoc()), mm(mm),
        prefetchMinRows(config.prefetchMinRows) {
    vnni = hasVpdpbusd(config.isa);
    sdot = useSdot(mm, config);
    mmla = config.isa == Isa::NeonI8mm && !sdot;
    // NEON's 32 q registers: 4 rows x 2 vectors of i32 accumulators (2 row
    // pairs x 4 blocks for `smmla`) and as many f32 sums, the weights,
    // scales and x.
    lanes = sdot || mmla ? 4 : 16;
    panelWidth = 2 * lanes;
    tileM = sdot || mmla ? 4 : 8;
    offset = mm.bits == 4 ? 8 : vnni ? 128 : 0;
    numGroups = mm.k / mm.groupK;
    numPanels = llvm::divideCeil(mm.n, panelWidth);
    // A step is 4 k, or 8 for `smmla`: the panel's bytes either way.
    stepK = mmla ? 8 : 4;
    stepBytes = panelWidth * stepK * mm.bits / 8;
    groupBytes = panelWidth * 4 + mm.groupK / stepK * stepBytes;
    panelBytes = numGroups * groupBytes;
    // 16 P must fit the i32 accumulators: |P| <= G * 128 * 8.
    highInPlace =
        vnni && mm.bits == 4 && mm.groupK <= (1 << 16) && scalesDivideBy16();
  }

  Value emit(std::optional<Epilogue> epilogue);

  /// `sdot` on neon-dotprod; on neon-i8mm, if the target has it, for a GEMV
  /// (`smmla` would waste half of each operand on a second row: by llvm-mca
  /// for Neoverse N2, 21 cycles a group of 32 k against 30) and for groups
  /// of k that `smmla`'s 8 do not divide.
  static bool useSdot(const GroupMatmul &mm, const KernelConfig &config) {
    return config.isa == Isa::NeonDot ||
           (config.isa == Isa::NeonI8mm && config.sdot &&
            (mm.m == 1 || mm.groupK % 8));
  }

private:
  static constexpr int64_t kPrefetchDistance = 4096;

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, int64_t y) {
    return y ? arith::AddIOp::create(b, loc, x, index(y)).getResult() : x;
  }
  Value mul(Value x, int64_t y) {
    return arith::MulIOp::create(b, loc, x, index(y));
  }
  Value splat(Type type, Attribute value) {
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(VectorType::get({lanes}, type), value));
  }
  /// Whether every scale s has s / 16 exact (16 * (s / 16) == s): then
  /// 16 * f32(P) * (s / 16) is f32(P) * s rounded the same.
  bool scalesDivideBy16() const;
  Value packWeights();
  /// Software prefetches of the lines that hold `bytes` bytes at byte
  /// `offset` of the panel, kPrefetchDistance ahead in the stream of all
  /// panels (clamped to its end): the hardware prefetcher stops at 4 KiB
  /// pages, which the weight stream of a loaded object crosses every few
  /// groups (measured: 62 % -> 68 % of the same-run DRAM read at M = 1,
  /// 4096 x 14336). Each step prefetches its own lines, not each group all
  /// of its lines at once: a burst of a group's 10-34 prefetches stalled
  /// the loop (Zen 4, 4096 x 4096 from DRAM, M = 8: 37 % of the same-run
  /// read against 18 % at G = 128, 41 against 31 % at G = 32).
  void emitPrefetch(Value panel, Value offset, int64_t bytes);
  Value emitCompensation();
  /// 4 * `lanes` packed bytes of the panel at byte `offset`, as `type`.
  Value readPacked(Value panel, Value offset, Type type);
  /// The low and high nibbles of packed bytes as bytes (NEON shifts bytes:
  /// `ushr` by 4 needs no mask).
  std::pair<Value, Value> splitNibbles(Value bytes);
  /// x's 4 bytes at k0 (k0 + 4 * `lane` if `lane` >= 0: then 16 bytes are
  /// read at k0, and `sdot`'s indexed form takes the lane) in every lane.
  Value activationWord(Value row, Value k0, int64_t lane);
  SmallVector<Value> emitStep(ValueRange accs, Value panel, Value offset,
                              Value row, int64_t rows, Value k0, int64_t lane);
  /// The loop over the groups carrying the f32 `sums` of a tile of `rows`:
  /// per group g the prefetch (if the tile takes one), the panel's two
  /// vectors of scales (its columns in order) at byte `base`, then `body`,
  /// which gives the group's new sums.
  SmallVector<Value>
  emitGroups(ValueRange sums, Value panel, int64_t rows,
             llvm::function_ref<SmallVector<Value>(
                 Value g, Value base, ArrayRef<Value> scales, ValueRange sums)>
                 body);
  Value emitTile(Value dest, Value row, int64_t rows, Value n0, Value panel,
                 int64_t width);
  Value emitTileMmla(Value dest, Value row, int64_t rows, Value n0, Value panel,
                     int64_t width);
  /// The reference's order for a group: `sums` + f32(`acc`) * `scales`.
  Value addScaled(Value sums, Value acc, Value scales);
  /// y[row, n0 ..] = C + a * sx[row] for the row's f32 sums `a`, one per
  /// column vector.
  Value storeRow(Value dest, Value row, ArrayRef<Value> sums, Value n0,
                 int64_t width);
  Value emitPanel(Value dest, Value n0, Value panel, int64_t width);

  RewriterBase &b;
  Location loc;
  const GroupMatmul &mm;
  /// `vpdpbusd` (u8 x s8) or AArch64 `sdot` (s8 x s8) dot products; else
  /// `mc.dot4`'s plain vector arithmetic.
  bool vnni, sdot, mmla;
  /// i32 lanes per vector, columns per panel, most rows per tile.
  int64_t lanes, panelWidth, tileM;
  /// Tiles of fewer rows leave the weight stream to the hardware prefetcher.
  int64_t prefetchMinRows;
  int32_t offset;
  /// The second column vector's nibbles are used where they are (16 u, a
  /// mask and no shift; `vpdpbusd` takes them as u8), their accumulators
  /// start at 16 times the compensation and their scales are stored / 16.
  bool highInPlace;
  int64_t numGroups, numPanels, stepK, stepBytes, groupBytes, panelBytes;
  Value packed, stream, compensation;
  std::optional<MatmulOutput> output;
};
} // namespace

bool DynamicGroupEmitter::scalesDivideBy16() const {
  int64_t count = mm.scales.splat ? 1 : numGroups * mm.n;
  for (int64_t i = 0; i < count; ++i) {
    float s;
    std::memcpy(&s, mm.scales.at(i), 4);
    if (s / 16 * 16 != s)
      return false;
  }
  return true;
}

Value DynamicGroupEmitter::packWeights() {
  // Columns past N get the offset (q = 0) and scale 0; they are never
  // stored.
  SmallVector<char> data(numPanels * panelBytes, 0);
  for (int64_t p = 0; p < numPanels; ++p)
    for (int64_t g = 0; g < numGroups; ++g) {
      char *group = &data[p * panelBytes + g * groupBytes];
      for (int64_t c = 0; c < panelWidth && p * panelWidth + c < mm.n; ++c) {
        float s;
        std::memcpy(&s, mm.scales.at(g * mm.n + p * panelWidth + c), 4);
        if (highInPlace && c >= lanes)
          s /= 16;
        std::memcpy(group + c * 4, &s, 4);
      }
      for (int64_t t = 0; t < mm.groupK; ++t) {
        char *step = group + panelWidth * 4 + t / stepK * stepBytes;
        for (int64_t c = 0; c < panelWidth; ++c) {
          int64_t col = p * panelWidth + c;
          int32_t q = 0;
          if (col < mm.n) {
            q = static_cast<int8_t>(*mm.payload.at((g * mm.groupK + t) * mm.n +
                                                   col));
            // Sub-byte payloads keep their low bits; sign-extend them.
            if (mm.bits == 4)
              q = static_cast<int8_t>(static_cast<uint8_t>(q) << 4) >> 4;
          }
          int32_t u = q + offset;
          if (mmla) {
            // `smmla` operands of 2 columns x 8 k; int4: columns 4v + {0,
            // 1} in the low nibbles of vector v, 4v + {2, 3} in the high.
            int64_t perVector = mm.bits == 4 ? 4 : 2;
            int64_t byte = c / perVector * 16 + c % 2 * 8 + t % 8;
            if (mm.bits == 4)
              step[byte] |= static_cast<char>((u & 0xF) << (c % 4 / 2 * 4));
            else
              step[byte] = static_cast<char>(u);
            continue;
          }
          int64_t byte = c % lanes * 4 + t % 4;
          if (mm.bits == 4)
            step[byte] |= static_cast<char>((u & 0xF) << (c / lanes * 4));
          else
            step[c / lanes * lanes * 4 + byte] = static_cast<char>(u);
        }
      }
    }
  auto type =
      RankedTensorType::get({numPanels, panelBytes}, b.getIntegerType(8));
  // A global, so the kernel can prefetch it (`memref.prefetch`).
  return getConstantGlobal(
      b, loc, mm.combine, "__mc_dynamic_group_weights",
      DenseElementsAttr::getFromRawBuffer(type, ArrayRef<char>(data)));
}

/// -offset * sum_{k in g} qx[m, k] as an M x (K / G) i32 tensor.
Value DynamicGroupEmitter::emitCompensation() {
  Type i32 = b.getI32Type();
  int64_t chunk = 64;
  while (mm.groupK % chunk)
    chunk /= 2;
  auto chunkType = VectorType::get({chunk}, i32);
  Value zero = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(chunkType, b.getI32IntegerAttr(0)));
  Value empty = tensor::EmptyOp::create(
      b, loc, ArrayRef<int64_t>{mm.m, numGroups, 2}, i32);
  auto rows = scf::ForOp::create(
      b, loc, index(0), index(mm.m), index(1), ValueRange{empty},
      [&](OpBuilder &, Location, Value r, ValueRange rowIter) {
        auto groups = scf::ForOp::create(
            b, loc, index(0), index(numGroups), index(1),
            ValueRange{rowIter[0]},
            [&](OpBuilder &, Location, Value g, ValueRange iter) {
              Value k0 = mul(g, mm.groupK);
              auto chunks = scf::ForOp::create(
                  b, loc, index(0), index(mm.groupK), index(chunk),
                  ValueRange{zero},
                  [&](OpBuilder &, Location, Value c, ValueRange in) {
                    Value bytes = readVector(
                        b, loc, mm.qx,
                        {r, arith::AddIOp::create(b, loc, k0, c)}, chunk,
                        true);
                    Value wide =
                        arith::ExtSIOp::create(b, loc, chunkType, bytes);
                    scf::YieldOp::create(
                        b, loc,
                        arith::AddIOp::create(b, loc, in[0], wide)
                            .getResult());
                  });
              Value sum = vector::ReductionOp::create(
                  b, loc, vector::CombiningKind::ADD, chunks.getResult(0));
              // One per column vector, so that each accumulator starts
              // from its own broadcast load.
              Value out = iter[0];
              for (int64_t j = 0; j < 2; ++j) {
                int32_t factor = j == 1 && highInPlace ? 16 : 1;
                Value start =
                    arith::MulIOp::create(b, loc, sum,
                                          arith::ConstantIntOp::create(
                                              b, loc, i32, -offset * factor));
                out = tensor::InsertOp::create(b, loc, start, out,
                                               ValueRange{r, g, index(j)});
              }
              scf::YieldOp::create(b, loc, out);
            });
        scf::YieldOp::create(b, loc, groups.getResult(0));
      });
  return rows.getResult(0);
}

void DynamicGroupEmitter::emitPrefetch(Value panel, Value offset,
                                       int64_t bytes) {
  // In the whole stream, so the next panel's start is fetched too.
  prefetchAhead(b, loc, stream,
                arith::AddIOp::create(b, loc, mul(panel, panelBytes), offset),
                kPrefetchDistance, numPanels * panelBytes - bytes, bytes);
}

Value DynamicGroupEmitter::readPacked(Value panel, Value offset, Type type) {
  Value bytes = vector::LoadOp::create(
      b, loc, VectorType::get({lanes * 4}, b.getI8Type()), packed,
      ValueRange{panel, offset});
  int64_t count = lanes * 4 * 8 / type.getIntOrFloatBitWidth();
  if (count == lanes * 4)
    return bytes;
  return vector::BitCastOp::create(b, loc, VectorType::get({count}, type),
                                   bytes);
}

std::pair<Value, Value> DynamicGroupEmitter::splitNibbles(Value bytes) {
  auto splat = [&](int8_t v) {
    return arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(cast<VectorType>(bytes.getType()),
                               b.getI8IntegerAttr(v)));
  };
  return {arith::AndIOp::create(b, loc, bytes, splat(0x0F)),
          arith::ShRUIOp::create(b, loc, bytes, splat(4))};
}

Value DynamicGroupEmitter::activationWord(Value row, Value k0, int64_t lane) {
  if (lane < 0)
    return broadcastWord(b, loc, mm.qx, row, k0, lanes, true);
  auto words = VectorType::get({4}, b.getI32Type());
  Value quad = vector::BitCastOp::create(
      b, loc, words, readVector(b, loc, mm.qx, {row, k0}, 16, true));
  Value splat = vector::ShuffleOp::create(b, loc, quad, quad,
                                          SmallVector<int64_t>(4, lane));
  return vector::BitCastOp::create(b, loc, VectorType::get({16}, b.getI8Type()),
                                   splat);
}

/// One step of 4 k for rows `row` .. `row` + rows (see `activationWord`):
/// the dot products of the two column vectors at byte `offset` of the
/// panel.
SmallVector<Value> DynamicGroupEmitter::emitStep(ValueRange accs, Value panel,
                                                 Value offset, Value row,
                                                 int64_t rows, Value k0,
                                                 int64_t lane) {
  Type i8 = b.getI8Type(), i32 = b.getI32Type();
  auto bytesType = VectorType::get({lanes * 4}, i8);
  Value weights[2];
  if (mm.bits == 4 && sdot) {
    std::tie(weights[0], weights[1]) =
        splitNibbles(readPacked(panel, offset, i8));
  } else if (mm.bits == 4) {
    // Nibbles through i32 lanes: a mask each, and for the high ones either
    // a shift first (the mask drops what it brings in from the next byte)
    // or nothing (16 u in place).
    Value words = readPacked(panel, offset, i32);
    Value high = words;
    int32_t highMask = static_cast<int32_t>(0xF0F0F0F0);
    if (!highInPlace) {
      high = arith::ShRUIOp::create(b, loc, words,
                                    splat(i32, b.getI32IntegerAttr(4)));
      highMask = 0x0F0F0F0F;
    }
    weights[0] = vector::BitCastOp::create(
        b, loc, bytesType,
        arith::AndIOp::create(b, loc, words,
                              splat(i32, b.getI32IntegerAttr(0x0F0F0F0F))));
    weights[1] = vector::BitCastOp::create(
        b, loc, bytesType,
        arith::AndIOp::create(b, loc, high,
                              splat(i32, b.getI32IntegerAttr(highMask))));
  } else {
    weights[0] = readPacked(panel, offset, i8);
    weights[1] = readPacked(panel, add(offset, lanes * 4), i8);
  }
  SmallVector<Value> out(accs.begin(), accs.end());
  for (int64_t i = 0; i < rows; ++i) {
    Value act = activationWord(add(row, i), k0, lane);
    for (int64_t j = 0; j < 2; ++j) {
      Value &acc = out[i * 2 + j];
      acc = sdot
                ? arm_neon::SdotOp::create(b, loc, acc.getType(), acc,
                                           weights[j], act)
                      .getResult()
                : mc::Dot4Op::create(b, loc, acc.getType(), acc, weights[j],
                                     act, /*lhs_unsigned=*/vnni,
                                     /*small_lhs=*/mm.bits == 4 && !highInPlace)
                      .getResult();
    }
  }
  return out;
}

Value DynamicGroupEmitter::emitTile(Value dest, Value row, int64_t rows,
                                    Value n0, Value panel, int64_t width) {
  Type f32 = b.getF32Type(), i32 = b.getI32Type();
  auto i32Type = VectorType::get({lanes}, i32);

  // The f32 sums of f32(P) * sw; C and sx come in after the groups.
  SmallVector<Value> sums(2 * rows, splat(f32, mm.sumsStart));

  int64_t steps = mm.groupK / 4;
  int64_t unroll = 8;
  while (steps % unroll)
    unroll /= 2;
  SmallVector<Value> groups = emitGroups(
      sums, panel, rows,
      [&](Value g, Value base, ArrayRef<Value> scales, ValueRange iter) {
        Value kGroup = mul(g, mm.groupK);
        SmallVector<Value> accs;
        for (int64_t i = 0; i < rows; ++i)
          for (int64_t j = 0; j < 2; ++j) {
            Value start = splat(i32, b.getI32IntegerAttr(0));
            if (compensation)
              start = vector::BroadcastOp::create(
                  b, loc, i32Type,
                  tensor::ExtractOp::create(
                      b, loc, compensation,
                      ValueRange{add(row, i), g, index(j)}));
            accs.push_back(start);
          }
        // `unroll` steps per iteration, or all of them without a loop.
        auto body = [&](ValueRange in, Value s) {
          SmallVector<Value> out(in.begin(), in.end());
          Value payload = arith::AddIOp::create(
              b, loc, base,
              arith::AddIOp::create(
                  b, loc, index(panelWidth * 4),
                  arith::MulIOp::create(b, loc, s, index(stepBytes))));
          Value k0 = arith::AddIOp::create(b, loc, kGroup, mul(s, 4));
          // `sdot` by element: 16 bytes of x serve 4 steps.
          bool quads = sdot && unroll % 4 == 0;
          for (int64_t u = 0; u < unroll; ++u) {
            Value at = add(payload, u * stepBytes);
            // A line per 64 bytes of steps (a step is 16-128 bytes).
            if (rows >= prefetchMinRows && u * stepBytes % 64 < stepBytes)
              emitPrefetch(panel, at, stepBytes);
            out = emitStep(out, panel, at, row, rows,
                           add(k0, quads ? u / 4 * 16 : u * 4),
                           quads ? u % 4 : -1);
          }
          return out;
        };
        if (steps == unroll) {
          accs = body(accs, index(0));
        } else {
          auto loop = scf::ForOp::create(
              b, loc, index(0), index(steps), index(unroll), accs,
              [&](OpBuilder &, Location, Value s, ValueRange in) {
                scf::YieldOp::create(b, loc, body(in, s));
              });
          accs.assign(loop.getResults().begin(), loop.getResults().end());
        }
        SmallVector<Value> out;
        for (int64_t i = 0; i < rows * 2; ++i)
          out.push_back(addScaled(iter[i], accs[i], scales[i % 2]));
        return out;
      });

  for (int64_t i = 0; i < rows; ++i)
    dest = storeRow(dest, add(row, i), ArrayRef(groups).slice(i * 2, 2), n0,
                    width);
  return dest;
}

Value DynamicGroupEmitter::addScaled(Value sums, Value acc, Value scales) {
  Value p = arith::SIToFPOp::create(b, loc, sums.getType(), acc);
  p = arith::MulFOp::create(b, loc, p, scales);
  return arith::AddFOp::create(b, loc, sums, p);
}

SmallVector<Value> DynamicGroupEmitter::emitGroups(
    ValueRange sums, Value panel, int64_t rows,
    llvm::function_ref<SmallVector<Value>(Value, Value, ArrayRef<Value>,
                                          ValueRange)>
        body) {
  auto loop = scf::ForOp::create(
      b, loc, index(0), index(numGroups), index(1), sums,
      [&](OpBuilder &, Location, Value g, ValueRange iter) {
        Value base = mul(g, groupBytes);
        if (rows >= prefetchMinRows)
          emitPrefetch(panel, base, panelWidth * 4);
        Type f32 = b.getF32Type();
        Value scales[2] = {readPacked(panel, base, f32),
                           readPacked(panel, add(base, lanes * 4), f32)};
        scf::YieldOp::create(b, loc, body(g, base, scales, iter));
      });
  return SmallVector<Value>(loop.getResults());
}

Value DynamicGroupEmitter::storeRow(Value dest, Value row, ArrayRef<Value> sums,
                                    Value n0, int64_t width) {
  auto f32Type = VectorType::get({lanes}, b.getF32Type());
  Value rowScale = vector::BroadcastOp::create(
      b, loc, f32Type, tensor::ExtractOp::create(b, loc, mm.sx, row));
  for (auto [j, a] : llvm::enumerate(sums)) {
    int64_t first = j * lanes;
    if (first >= width)
      break;
    Value col = index(first), n = add(n0, first);
    bool inBounds = first + lanes <= width;
    Value c = output->readInit(b, loc, dest, row, n, col, lanes, inBounds);
    Value value = arith::AddFOp::create(
        b, loc, c, arith::MulFOp::create(b, loc, a, rowScale));
    dest = output->store(b, loc, dest, value, row, n, col, inBounds);
  }
  return dest;
}

/// `smmla`: rows go in pairs (the last one half if `rows` is odd), each
/// with 4 blocks of 2 x 2 accumulators, block h holding rows r, r + 1 x
/// columns 2h, 2h + 1 of the panel; so are its f32 sums, unzipped into rows
/// after the groups.
Value DynamicGroupEmitter::emitTileMmla(Value dest, Value row, int64_t rows,
                                        Value n0, Value panel, int64_t width) {
  Type f32 = b.getF32Type(), i32 = b.getI32Type(), i8 = b.getI8Type();
  auto i32Type = VectorType::get({4}, i32);
  int64_t pairs = llvm::divideCeil(rows, 2), blocks = panelWidth / 2;
  // The second row of a half pair repeats the first and is never stored.
  auto pairRow = [&](int64_t pair, int64_t i) {
    return add(row, std::min(2 * pair + i, rows - 1));
  };
  SmallVector<Value> sums(pairs * blocks, splat(f32, mm.sumsStart));
  int64_t steps = mm.groupK / stepK;
  SmallVector<Value> groups = emitGroups(
      sums, panel, rows,
      [&](Value g, Value base, ArrayRef<Value> scales, ValueRange iter) {
        // Block h's scales [s(2h), s(2h + 1)] twice.
        SmallVector<Value> blockScales;
        for (int64_t h = 0; h < blocks; ++h) {
          int64_t e = h % 2 * 2;
          blockScales.push_back(
              vector::ShuffleOp::create(b, loc, scales[h / 2], scales[h / 2],
                                        ArrayRef<int64_t>{e, e + 1, e, e + 1}));
        }
        SmallVector<Value> accs;
        for (int64_t pair = 0; pair < pairs; ++pair) {
          Value start = splat(i32, b.getI32IntegerAttr(0));
          if (compensation) {
            Value c[2];
            for (int64_t i = 0; i < 2; ++i)
              c[i] = tensor::ExtractOp::create(
                  b, loc, compensation,
                  ValueRange{pairRow(pair, i), g, index(0)});
            start = vector::FromElementsOp::create(
                b, loc, i32Type, ValueRange{c[0], c[0], c[1], c[1]});
          }
          accs.append(blocks, start);
        }
        Value kGroup = mul(g, mm.groupK);
        auto concat = llvm::to_vector(llvm::seq<int64_t>(0, 16));
        auto step = [&](ValueRange in, Value s) {
          Value offset = arith::AddIOp::create(
              b, loc, base,
              arith::AddIOp::create(b, loc, index(panelWidth * 4),
                                    mul(s, stepBytes)));
          SmallVector<Value> weights;
          for (int64_t v = 0; v < stepBytes / 16; ++v) {
            Value bytes = readPacked(panel, add(offset, v * 16), i8);
            if (mm.bits == 8) {
              weights.push_back(bytes);
              continue;
            }
            auto [low, high] = splitNibbles(bytes);
            weights.append({low, high});
          }
          Value k = arith::AddIOp::create(b, loc, kGroup, mul(s, stepK));
          SmallVector<Value> out(in.begin(), in.end());
          for (int64_t pair = 0; pair < pairs; ++pair) {
            Value x[2];
            for (int64_t i = 0; i < 2; ++i)
              x[i] = readVector(b, loc, mm.qx, {pairRow(pair, i), k}, 8, true);
            Value act = vector::ShuffleOp::create(b, loc, x[0], x[1], concat);
            for (int64_t h = 0; h < blocks; ++h) {
              Value &acc = out[pair * blocks + h];
              acc = arm_neon::SmmlaOp::create(b, loc, i32Type, acc, act,
                                              weights[h]);
            }
          }
          return out;
        };
        auto loop = scf::ForOp::create(
            b, loc, index(0), index(steps), index(1), accs,
            [&](OpBuilder &, Location, Value s, ValueRange in) {
              scf::YieldOp::create(b, loc, step(in, s));
            });
        SmallVector<Value> out;
        for (auto [i, acc] : llvm::enumerate(loop.getResults()))
          out.push_back(addScaled(iter[i], acc, blockScales[i % blocks]));
        return out;
      });

  for (int64_t i = 0; i < rows; ++i) {
    // Row i's halves of blocks 2j and 2j + 1 are its column vector j.
    int64_t e = i % 2 * 2, first = i / 2 * blocks;
    Value vectors[2];
    for (int64_t j = 0; j < 2; ++j)
      vectors[j] = vector::ShuffleOp::create(
          b, loc, groups[first + 2 * j], groups[first + 2 * j + 1],
          ArrayRef<int64_t>{e, e + 1, e + 4, e + 5});
    dest = storeRow(dest, add(row, i), vectors, n0, width);
  }
  return dest;
}

Value DynamicGroupEmitter::emitPanel(Value dest, Value n0, Value panel,
                                     int64_t width) {
  return emitRowTiles(
      b, loc, dest, mm.m, tileM, [&](Value dest, Value row, int64_t rows) {
        return mmla ? emitTileMmla(dest, row, rows, n0, panel, width)
                    : emitTile(dest, row, rows, n0, panel, width);
      });
}

Value DynamicGroupEmitter::emit(std::optional<Epilogue> epilogue) {
  output.emplace(b, loc, mm.init, epilogue);
  packed = packWeights();
  stream = memref::CollapseShapeOp::create(
      b, loc, packed, ArrayRef<ReassociationIndices>{{0, 1}});
  if (offset)
    compensation = emitCompensation();
  return emitColumnGroups(
      b, loc, output->getDest(), panelWidth,
      [&](Value slice, Value n0, Value panel, int64_t width) {
        return emitPanel(slice, n0, panel, width);
      });
}

LogicalResult
mc::kernels::rewriteDynamicGroupMatmul(RewriterBase &rewriter,
                                       linalg::GenericOp combine,
                                       const KernelConfig &config) {
  std::optional<GroupMatmul> mm = matchGroupMatmul(combine);
  // `smmla` takes 8 k a step.
  if (!mm || (config.isa == Isa::NeonI8mm &&
              !DynamicGroupEmitter::useSdot(*mm, config) && mm->groupK % 8))
    return failure();
  std::optional<Epilogue> epilogue = Epilogue::match(combine.getResult(0));
  Operation *replaced =
      epilogue ? epilogue->getOp().getOperation() : combine.getOperation();
  rewriter.setInsertionPoint(replaced);
  Value result = DynamicGroupEmitter(rewriter, *mm, config).emit(epilogue);
  rewriter.replaceOp(replaced, result);
  if (epilogue)
    rewriter.eraseOp(combine);
  rewriter.eraseOp(mm->sums);
  rewriter.eraseOp(mm->products);
  return success();
}

//===- LowerDot4.cpp - mc's pure vector ops to intrinsics or vectors ------===//
//
// mc.dot4, mc.dot2, mc.byte_shuffle, mc.table_lookup and mc.permute stand for
// instructions that MLIR 22's vector, x86vector and arm_neon dialects lack;
// mc.sparse_mma for a sparse tensor core's tile product. They are pure, so
// they bufferize with the kernels; this pass runs after bufferization and
// turns them into `llvm.call_intrinsic`s of the target's instructions and
// widths (splitting wider vectors), or into exact plain vector code.
//
//===----------------------------------------------------------------------===//

#include "mc/Dialect/MC/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/StringSwitch.h"

namespace mc {
#define GEN_PASS_DEF_MCLOWERDOT4
#include "mc/Dialect/MC/Transforms/Passes.h.inc"
} // namespace mc

using namespace mlir;
using namespace mc;

/// Bytes [offset, offset + size) of a 1-D vector.
static Value slice(PatternRewriter &rewriter, Location loc, Value vector,
                   int64_t offset, int64_t size) {
  if (offset == 0 &&
      cast<VectorType>(vector.getType()).getNumElements() == size)
    return vector;
  return vector::ExtractStridedSliceOp::create(rewriter, loc, vector, offset,
                                               size, 1);
}

/// AArch64 `tbl` over as many 16-byte `tables` (1 to 4) as given: each
/// index selects a byte of their concatenation, an index past it gives 0.
/// `indices` is a multiple of 8 bytes, looked up 16 (else 8) at a time.
static Value emitTbl(PatternRewriter &rewriter, Location loc,
                     function_ref<ArrayRef<Value>(int64_t)> tablesAt,
                     Value indices) {
  auto type = cast<VectorType>(indices.getType());
  int64_t bytes = type.getNumElements();
  Value result = arith::ConstantOp::create(rewriter, loc,
                                           rewriter.getZeroAttr(type));
  for (int64_t offset = 0; offset < bytes;) {
    int64_t size = bytes - offset >= 16 ? 16 : 8;
    ArrayRef<Value> tables = tablesAt(offset);
    SmallVector<Value> operands(tables.begin(), tables.end());
    operands.push_back(slice(rewriter, loc, indices, offset, size));
    std::string name = "llvm.aarch64.neon.tbl" +
                       std::to_string(tables.size()) + ".v" +
                       std::to_string(size) + "i8";
    Value part = LLVM::CallIntrinsicOp::create(
                     rewriter, loc,
                     VectorType::get({size}, rewriter.getI8Type()),
                     rewriter.getStringAttr(name), operands)
                     .getResult(0);
    if (size == bytes)
      return part;
    result = vector::InsertStridedSliceOp::create(rewriter, loc, part, result,
                                                  offset, 1);
    offset += size;
  }
  return result;
}

/// `table[indices[i]]` for every i, an extract per lane (the indices must
/// be within the table: past it is poison).
static Value extractLanes(PatternRewriter &rewriter, Location loc, Value table,
                          Value indices, VectorType type) {
  SmallVector<Value> lanes;
  for (int64_t i = 0; i < type.getNumElements(); ++i) {
    Value position = arith::IndexCastUIOp::create(
        rewriter, loc, rewriter.getIndexType(),
        vector::ExtractOp::create(rewriter, loc, indices,
                                  ArrayRef<int64_t>{i}));
    lanes.push_back(vector::ExtractOp::create(
        rewriter, loc, table, ArrayRef<OpFoldResult>{position}));
  }
  return vector::FromElementsOp::create(rewriter, loc, type, lanes);
}

namespace {
/// The widest x86 vectors the ISA of the pass offers, in bits; 0: none
/// (plain vector arithmetic).
struct X86Widths {
  /// `vpdpbusd`: 512 with AVX512-VNNI, 256 with AVX-VNNI (VEX) or
  /// AVX512-VNNI + VL (EVEX).
  int64_t vnni = 0;
  /// `vpshufb`, `vpmaddwd`: 512 needs AVX512-BW.
  int64_t simd = 0;
};
} // namespace

static std::optional<X86Widths> parseIsa(StringRef isa) {
  return llvm::StringSwitch<std::optional<X86Widths>>(isa)
      .Case("generic", X86Widths{0, 0})
      .Case("avx2", X86Widths{0, 256})
      .Case("avx-vnni", X86Widths{256, 256})
      .Case("avx512-vnni", X86Widths{512, 512})
      .Case("neon", X86Widths{0, 0})
      .Default(std::nullopt);
}

/// Replaces `op` by `lower` applied to the operands, in pieces of at most
/// `maxBits` of result (all operands are split alike; the result is the
/// pieces' concatenation). The element counts are powers of two.
static void replaceInPieces(PatternRewriter &rewriter, Operation *op,
                            int64_t maxBits,
                            function_ref<Value(ValueRange operands)> lower) {
  auto resultType = cast<VectorType>(op->getResult(0).getType());
  int64_t bits =
      resultType.getNumElements() * resultType.getElementTypeBitWidth();
  int64_t pieces = std::max<int64_t>(1, bits / maxBits);
  if (pieces == 1) {
    rewriter.replaceOp(op, lower(op->getOperands()));
    return;
  }
  Location loc = op->getLoc();
  Value result = arith::ConstantOp::create(rewriter, loc,
                                           rewriter.getZeroAttr(resultType));
  for (int64_t p = 0; p < pieces; ++p) {
    SmallVector<Value> slices;
    for (Value operand : op->getOperands()) {
      int64_t size =
          cast<VectorType>(operand.getType()).getNumElements() / pieces;
      slices.push_back(vector::ExtractStridedSliceOp::create(
          rewriter, loc, operand, ArrayRef<int64_t>{p * size},
          ArrayRef<int64_t>{size}, ArrayRef<int64_t>{1}));
    }
    int64_t size = resultType.getNumElements() / pieces;
    result = vector::InsertStridedSliceOp::create(
        rewriter, loc, lower(slices), result, ArrayRef<int64_t>{p * size},
        ArrayRef<int64_t>{1});
  }
  rewriter.replaceOp(op, result);
}

static Value callIntrinsic(PatternRewriter &rewriter, Location loc,
                           StringRef name, Type type, ValueRange operands) {
  return LLVM::CallIntrinsicOp::create(rewriter, loc, type,
                                       rewriter.getStringAttr(name), operands)
      .getResult(0);
}

/// `acc` plus the sums of each group of `group` consecutive products of the
/// extended operands, in plain vector arithmetic: extend, multiply, and add
/// the lanes t, t + group, ... for t < group with 1-D shuffles, which every
/// LLVM backend handles.
static Value emitPlainDot(PatternRewriter &rewriter, Location loc, Value acc,
                          Value lhs, Value rhs, bool lhsUnsigned,
                          int64_t group) {
  int64_t lanes = cast<VectorType>(acc.getType()).getNumElements();
  auto wide = VectorType::get({lanes * group}, rewriter.getI32Type());
  Value l = lhsUnsigned
                ? arith::ExtUIOp::create(rewriter, loc, wide, lhs).getResult()
                : arith::ExtSIOp::create(rewriter, loc, wide, lhs).getResult();
  Value r = arith::ExtSIOp::create(rewriter, loc, wide, rhs);
  Value product = arith::MulIOp::create(rewriter, loc, l, r);
  Value sum = acc;
  for (int64_t t = 0; t < group; ++t) {
    SmallVector<int64_t> mask;
    for (int64_t i = 0; i < lanes; ++i)
      mask.push_back(group * i + t);
    Value part =
        vector::ShuffleOp::create(rewriter, loc, product, product, mask);
    sum = arith::AddIOp::create(rewriter, loc, sum, part);
  }
  return sum;
}

/// A dot4 without vpdpbusd (s8 x s8, or no VNNI) through i16 pairs, which
/// x86 multiplies and sums with vpmaddwd (an mc.dot2 of the bytes extended
/// to i16: at most 2 * 255 * 128 in magnitude, exact), and a sum of each
/// lane's two pairs. Plain vector arithmetic turns into i32 multiplies
/// (vpmulld) and many more shuffles.
static Value emitDot4ByPairs(PatternRewriter &rewriter, Location loc, Value acc,
                             Value lhs, Value rhs, bool lhsUnsigned) {
  int64_t lanes = cast<VectorType>(acc.getType()).getNumElements();
  auto i16s = VectorType::get({lanes * 4}, rewriter.getI16Type());
  auto pairType = VectorType::get({lanes * 2}, rewriter.getI32Type());
  Value l = lhsUnsigned
                ? arith::ExtUIOp::create(rewriter, loc, i16s, lhs).getResult()
                : arith::ExtSIOp::create(rewriter, loc, i16s, lhs).getResult();
  Value r = arith::ExtSIOp::create(rewriter, loc, i16s, rhs);
  Value zero =
      arith::ConstantOp::create(rewriter, loc, rewriter.getZeroAttr(pairType));
  Value pairs = Dot2Op::create(rewriter, loc, pairType, zero, l, r);
  Value sum = acc;
  for (int64_t t = 0; t < 2; ++t) {
    SmallVector<int64_t> mask;
    for (int64_t i = 0; i < lanes; ++i)
      mask.push_back(2 * i + t);
    sum = arith::AddIOp::create(
        rewriter, loc, sum,
        vector::ShuffleOp::create(rewriter, loc, pairs, pairs, mask));
  }
  return sum;
}

// What differs between mc.dot4 and mc.dot2: the x86 instruction's widest
// vector under the ISA (0: none), the instruction on `width` bits of the
// operands (acc, lhs, rhs), and the extension of lhs.

static int64_t getX86Width(Dot4Op op, X86Widths widths) {
  // vpdpbusd is u8 x s8 only (small lhs bytes are the same either way).
  return op.getLhsUnsigned() || op.getSmallLhs() ? widths.vnni : 0;
}

static int64_t getX86Width(Dot2Op, X86Widths widths) { return widths.simd; }

static Value emitX86(Dot4Op, PatternRewriter &rewriter, Location loc,
                     ValueRange operands, int64_t width) {
  return callIntrinsic(
      rewriter, loc, "llvm.x86.avx512.vpdpbusd." + std::to_string(width),
      VectorType::get({width / 32}, rewriter.getI32Type()), operands);
}

/// `vpmaddwd` on `width` bits: i32 sums of adjacent i16 products.
static Value emitPmaddwd(PatternRewriter &rewriter, Location loc, Value lhs,
                         Value rhs, int64_t width) {
  StringRef name = width == 512   ? "llvm.x86.avx512.pmaddw.d.512"
                   : width == 256 ? "llvm.x86.avx2.pmadd.wd"
                                  : "llvm.x86.sse2.pmadd.wd";
  return callIntrinsic(rewriter, loc, name,
                       VectorType::get({width / 32}, rewriter.getI32Type()),
                       {lhs, rhs});
}

static Value emitX86(Dot2Op, PatternRewriter &rewriter, Location loc,
                     ValueRange operands, int64_t width) {
  Value pairs = emitPmaddwd(rewriter, loc, operands[1], operands[2], width);
  return arith::AddIOp::create(rewriter, loc, operands[0], pairs);
}

static bool isLhsUnsigned(Dot4Op op) { return op.getLhsUnsigned(); }
static bool isLhsUnsigned(Dot2Op) { return false; }

/// A dot4 of small lhs bytes (see mc.dot4) on `width` bits: vpmaddubsw's
/// exact i16 pair sums, summed in pairs by vpmaddwd with ones.
static Value emitSmallLhsDot4(PatternRewriter &rewriter, Location loc,
                              ValueRange operands, int64_t width) {
  StringRef bytesName = width == 512   ? "llvm.x86.avx512.pmaddubs.w.512"
                        : width == 256 ? "llvm.x86.avx2.pmadd.ub.sw"
                                       : "llvm.x86.ssse3.pmadd.ub.sw.128";
  auto i16s = VectorType::get({width / 16}, rewriter.getI16Type());
  Value pairs =
      callIntrinsic(rewriter, loc, bytesName, i16s, {operands[1], operands[2]});
  Value ones = arith::ConstantOp::create(
      rewriter, loc,
      DenseElementsAttr::get(i16s, rewriter.getI16IntegerAttr(1)));
  Value quads = emitPmaddwd(rewriter, loc, pairs, ones, width);
  return arith::AddIOp::create(rewriter, loc, operands[0], quads);
}

static bool hasSmallLhs(Dot4Op op) { return op.getSmallLhs(); }
static bool hasSmallLhs(Dot2Op) { return false; }

namespace {
/// mc.dot4 / mc.dot2 to the x86 instruction in pieces of the ISA's width,
/// on 128 bits or more; else to plain vector arithmetic.
template <typename DotOp> struct LowerDot : OpRewritePattern<DotOp> {
  LowerDot(MLIRContext *context, X86Widths widths)
      : OpRewritePattern<DotOp>(context), widths(widths) {}

  LogicalResult matchAndRewrite(DotOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t lanes = cast<VectorType>(op.getAcc().getType()).getNumElements();
    int64_t bits = lanes * 32, maxBits = getX86Width(op, widths);
    if (maxBits && bits >= 128 && llvm::isPowerOf2_64(bits)) {
      replaceInPieces(rewriter, op, maxBits, [&](ValueRange operands) {
        return emitX86(op, rewriter, loc, operands, std::min(bits, maxBits));
      });
      return success();
    }
    int64_t group =
        cast<VectorType>(op.getLhs().getType()).getNumElements() / lanes;
    if (hasSmallLhs(op) && widths.simd && bits >= 128 &&
        llvm::isPowerOf2_64(bits)) {
      replaceInPieces(rewriter, op, widths.simd, [&](ValueRange operands) {
        return emitSmallLhsDot4(rewriter, loc, operands,
                                std::min(bits, widths.simd));
      });
      return success();
    }
    if (group == 4 && widths.simd && bits >= 128 && llvm::isPowerOf2_64(bits)) {
      rewriter.replaceOp(op, emitDot4ByPairs(rewriter, loc, op.getAcc(),
                                             op.getLhs(), op.getRhs(),
                                             isLhsUnsigned(op)));
      return success();
    }
    rewriter.replaceOp(op, emitPlainDot(rewriter, loc, op.getAcc(), op.getLhs(),
                                        op.getRhs(), isLhsUnsigned(op), group));
    return success();
  }

  X86Widths widths;
};

struct LowerByteShuffle : OpRewritePattern<ByteShuffleOp> {
  LowerByteShuffle(MLIRContext *context, X86Widths widths, bool neon)
      : OpRewritePattern(context), widths(widths), neon(neon) {}

  LogicalResult matchAndRewrite(ByteShuffleOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<VectorType>(op.getType());
    int64_t bytes = type.getNumElements();
    if (neon) {
      // Keeping the sign bit and the low four bits makes a negative index
      // >= 128, past tbl's 16-byte table, so it gives 0 as in pshufb.
      Value mask = arith::ConstantOp::create(
          rewriter, loc,
          DenseElementsAttr::get(type, rewriter.getI8IntegerAttr(-113)));
      Value indices =
          arith::AndIOp::create(rewriter, loc, op.getIndices(), mask);
      Value lane;
      rewriter.replaceOp(
          op, emitTbl(
                  rewriter, loc,
                  [&](int64_t offset) {
                    lane = slice(rewriter, loc, op.getTable(), offset, 16);
                    return ArrayRef<Value>(lane);
                  },
                  indices));
      return success();
    }
    if (widths.simd) {
      // pshufb works on each 16-byte lane on its own, so pieces of a wider
      // vector shuffle alike.
      replaceInPieces(rewriter, op, widths.simd, [&](ValueRange operands) {
        int64_t width = std::min(bytes * 8, widths.simd);
        StringRef name = width == 512   ? "llvm.x86.avx512.pshuf.b.512"
                         : width == 256 ? "llvm.x86.avx2.pshuf.b"
                                        : "llvm.x86.ssse3.pshuf.b.128";
        return callIntrinsic(rewriter, loc, name,
                             VectorType::get({width / 8}, rewriter.getI8Type()),
                             operands);
      });
      return success();
    }
    // One compare and select per position p of a lane: where the low four
    // bits of the index are p, take byte p of the lane (a static shuffle).
    auto constant = [&](int64_t v) {
      return arith::ConstantOp::create(
          rewriter, loc,
          DenseElementsAttr::get(type, rewriter.getI8IntegerAttr(v)));
    };
    Value zero = constant(0);
    Value low =
        arith::AndIOp::create(rewriter, loc, op.getIndices(), constant(15));
    Value result = zero;
    for (int64_t p = 0; p < 16; ++p) {
      SmallVector<int64_t> mask;
      for (int64_t i = 0; i < bytes; ++i)
        mask.push_back(i / 16 * 16 + p);
      Value picked = vector::ShuffleOp::create(rewriter, loc, op.getTable(),
                                               op.getTable(), mask);
      Value hit = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq,
                                        low, constant(p));
      result = arith::SelectOp::create(rewriter, loc, hit, picked, result);
    }
    Value negative = arith::CmpIOp::create(
        rewriter, loc, arith::CmpIPredicate::slt, op.getIndices(), zero);
    rewriter.replaceOpWithNewOp<arith::SelectOp>(op, negative, zero, result);
    return success();
  }

  X86Widths widths;
  bool neon;
};

struct LowerTableLookup : OpRewritePattern<TableLookupOp> {
  LowerTableLookup(MLIRContext *context, bool neon)
      : OpRewritePattern(context), neon(neon) {}

  LogicalResult matchAndRewrite(TableLookupOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto tableType = cast<VectorType>(op.getTable().getType());
    int64_t entries = tableType.getNumElements();
    if (neon) {
      SmallVector<Value> tables;
      for (int64_t t = 0; t < entries; t += 16)
        tables.push_back(slice(rewriter, loc, op.getTable(), t, 16));
      rewriter.replaceOp(op, emitTbl(
                                 rewriter, loc,
                                 [&](int64_t) { return ArrayRef(tables); },
                                 op.getIndices()));
      return success();
    }
    // Exact anywhere: an extract per byte at the index clamped into the
    // table (an index past a vector is poison), then zero where it was past.
    auto type = cast<VectorType>(op.getType());
    auto splat = [&](int64_t v) {
      return arith::ConstantOp::create(
          rewriter, loc,
          DenseElementsAttr::get(type, rewriter.getI8IntegerAttr(v)));
    };
    Value clamped = arith::MinUIOp::create(rewriter, loc, op.getIndices(),
                                           splat(entries - 1));
    Value looked = extractLanes(rewriter, loc, op.getTable(), clamped, type);
    Value inRange =
        arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::ult,
                              op.getIndices(), splat(entries));
    rewriter.replaceOpWithNewOp<arith::SelectOp>(op, inRange, looked, splat(0));
    return success();
  }

  bool neon;
};

/// `vpermps` / `vpermi2ps` with AVX-512; else an extract per lane at the
/// index's low bits, which any target runs (and LLVM makes one `vpermps`
/// of a 16-lane table on AVX-512 too, but not `vpermi2ps` of 32).
struct LowerPermute : OpRewritePattern<PermuteOp> {
  LowerPermute(MLIRContext *context, X86Widths widths)
      : OpRewritePattern(context), widths(widths) {}

  LogicalResult matchAndRewrite(PermuteOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value table = op.getTable();
    int64_t entries = cast<VectorType>(table.getType()).getNumElements();
    if (widths.vnni == 512) {
      Value result =
          entries == 16
              ? callIntrinsic(rewriter, loc, "llvm.x86.avx512.permvar.sf.512",
                              op.getType(), {table, op.getIndices()})
              : callIntrinsic(rewriter, loc,
                              "llvm.x86.avx512.vpermi2var.ps.512", op.getType(),
                              {slice(rewriter, loc, table, 0, 16),
                               op.getIndices(),
                               slice(rewriter, loc, table, 16, 16)});
      rewriter.replaceOp(op, result);
      return success();
    }
    auto indexType = cast<VectorType>(op.getIndices().getType());
    Value low = arith::AndIOp::create(
        rewriter, loc, op.getIndices(),
        arith::ConstantOp::create(
            rewriter, loc,
            DenseElementsAttr::get(indexType,
                                   rewriter.getI32IntegerAttr(entries - 1))));
    rewriter.replaceOp(op, extractLanes(rewriter, loc, table, low,
                                        cast<VectorType>(op.getType())));
    return success();
  }

  X86Widths widths;
};

/// The decoded R x K left operand as selects of static shuffles of the
/// values and metadata, then a vector.contract with the rhs.
struct LowerSparseMma : OpRewritePattern<SparseMmaOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SparseMmaOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto valuesType = cast<VectorType>(op.getValues().getType());
    Type elt = valuesType.getElementType();
    int64_t rows = valuesType.getDimSize(0), half = valuesType.getDimSize(1),
            k = 2 * half, size = rows * k;
    auto flat = [&](Value v) {
      auto type = cast<VectorType>(v.getType());
      return vector::ShapeCastOp::create(
          rewriter, loc,
          VectorType::get({type.getNumElements()}, type.getElementType()), v);
    };
    Value values = flat(op.getValues()), meta = flat(op.getMeta());
    // For every element (r, c) of A: its chunk's two values and metadata
    // word, and the shifts of the two positions in the word.
    SmallVector<int64_t> first, second, word;
    SmallVector<int16_t> shift0, shift1, position;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < k; ++c) {
        first.push_back(r * half + c / 4 * 2);
        second.push_back(r * half + c / 4 * 2 + 1);
        word.push_back(r * (k / 16) + c / 16);
        shift0.push_back(c % 16 / 4 * 4);
        shift1.push_back(c % 16 / 4 * 4 + 2);
        position.push_back(c % 4);
      }
    auto i16Type = VectorType::get({size}, rewriter.getI16Type());
    auto i16Const = [&](ArrayRef<int16_t> v) -> Value {
      return arith::ConstantOp::create(
          rewriter, loc, DenseElementsAttr::get(i16Type, v));
    };
    Value words =
        vector::ShuffleOp::create(rewriter, loc, meta, meta, word);
    Value three = i16Const(SmallVector<int16_t>(size, 3));
    auto positionOf = [&](ArrayRef<int16_t> shift) -> Value {
      Value shifted =
          arith::ShRUIOp::create(rewriter, loc, words, i16Const(shift));
      return arith::AndIOp::create(rewriter, loc, shifted, three);
    };
    Value here = i16Const(position);
    auto isAt = [&](ArrayRef<int16_t> shift) -> Value {
      return arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq,
                                   positionOf(shift), here);
    };
    auto denseType = VectorType::get({size}, elt);
    Value zero = arith::ConstantOp::create(rewriter, loc,
                                           rewriter.getZeroAttr(denseType));
    Value dense = arith::SelectOp::create(
        rewriter, loc, isAt(shift1),
        vector::ShuffleOp::create(rewriter, loc, values, values, second),
        zero);
    dense = arith::SelectOp::create(
        rewriter, loc, isAt(shift0),
        vector::ShuffleOp::create(rewriter, loc, values, values, first),
        dense);
    Value lhs = vector::ShapeCastOp::create(
        rewriter, loc, VectorType::get({rows, k}, elt), dense);
    MLIRContext *ctx = rewriter.getContext();
    AffineExpr m, n, kk;
    bindDims(ctx, m, n, kk);
    rewriter.replaceOpWithNewOp<vector::ContractionOp>(
        op, lhs, op.getRhs(), op.getAcc(),
        rewriter.getAffineMapArrayAttr(AffineMap::inferFromExprList(
            ArrayRef<ArrayRef<AffineExpr>>{{m, kk}, {n, kk}, {m, n}}, ctx)),
        rewriter.getArrayAttr(
            {vector::IteratorTypeAttr::get(ctx, vector::IteratorType::parallel),
             vector::IteratorTypeAttr::get(ctx, vector::IteratorType::parallel),
             vector::IteratorTypeAttr::get(ctx,
                                           vector::IteratorType::reduction)}));
    return success();
  }
};

struct MCLowerDot4 : mc::impl::MCLowerDot4Base<MCLowerDot4> {
  using Base::Base;
  void runOnOperation() override {
    std::optional<X86Widths> widths = parseIsa(isa);
    if (!widths) {
      emitError(getOperation()->getLoc())
          << "mc-lower-dot4: unknown isa '" << isa
          << "' (expected generic, avx2, avx-vnni, avx512-vnni or neon)";
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    bool neon = isa == "neon";
    patterns.add<LowerDot<Dot4Op>, LowerDot<Dot2Op>>(&getContext(), *widths);
    patterns.add<LowerByteShuffle>(&getContext(), *widths, neon);
    patterns.add<LowerTableLookup>(&getContext(), neon);
    patterns.add<LowerPermute>(&getContext(), *widths);
    patterns.add<LowerSparseMma>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

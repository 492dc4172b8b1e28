//===- KernelSupport.cpp - shared pieces of mc's CPU kernels --------------===//

#include "KernelSupport.h"

#include "mc/Dialect/MC/IR/MC.h"
#include "mc/Dialect/MC/Transforms/Weights.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace mc::kernels;

static Value constantIndex(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

static std::optional<KernelConfig> getIsaConfig(StringRef isa) {
  return llvm::StringSwitch<std::optional<KernelConfig>>(isa)
      // 8 x 3 zmm accumulators leave 8 registers for the weight vectors
      // and keep 8 broadcast A operands per weight load.
      .Case("avx512-vnni", KernelConfig{Isa::Avx512Vnni, 16, 8, 3})
      // 16 ymm registers (no AVX-512): 6 x 2 accumulators, 2 weight
      // vectors and the broadcast row operand (VEX has no embedded
      // broadcast), as in BLIS's and oneDNN's 6 x 16 AVX2 kernels.
      .Case("avx-vnni", KernelConfig{Isa::AvxVnni, 8, 6, 2})
      // vpmaddwd needs a register for its product before the vpaddd:
      // 6 x 2 accumulators + 2 weights + broadcast + product = 16.
      .Case("avx2", KernelConfig{Isa::Avx2, 8, 6, 2})
      .Case("neon-dotprod", KernelConfig{Isa::NeonDot, 4, 8, 3, true})
      // 4 row pairs x 2 vectors (4 columns each) are 16 2 x 2
      // accumulators, with 4 weight and 4 activation registers.
      .Case("neon-i8mm", KernelConfig{Isa::NeonI8mm, 4, 8, 2, true})
      // AArch64 without dot products: the generic kernels, but table
      // look-ups with `tbl`, which every AArch64 has.
      .Case("neon", KernelConfig{Isa::Generic, 16, 4, 2, true})
      .Case("generic", KernelConfig{Isa::Generic, 16, 4, 2})
      .Default(std::nullopt);
}

FailureOr<KernelConfig>
mc::kernels::getKernelConfig(StringRef isa, int64_t tileM, int64_t tileN) {
  SmallVector<StringRef> isas;
  isa.split(isas, ',');
  std::optional<KernelConfig> config = getIsaConfig(isas.front());
  if (!config)
    return failure();
  for (StringRef other : isas) {
    if (!getIsaConfig(other))
      return failure();
    config->sdot |= other == "neon-dotprod";
  }
  if (tileM)
    config->tileM = tileM;
  if (tileN)
    config->tileN = tileN;
  return *config;
}

void mc::kernels::setCPUTuning(KernelConfig &config, StringRef cpu) {
  // Zen 5 is assumed to stream like Zen 4 (only Zen 4 was measured).
  if (cpu == "znver4" || cpu == "znver5")
    config.prefetchMinRows = 5;
}

Value mc::kernels::readVector(OpBuilder &b, Location loc, Value source,
                              ValueRange indices, int64_t lanes,
                              bool inBounds) {
  auto type = cast<RankedTensorType>(source.getType());
  Type elt = type.getElementType();
  Value pad = arith::ConstantOp::create(b, loc, b.getZeroAttr(elt));
  // The default permutation map is the minor identity: along the last dim.
  return vector::TransferReadOp::create(b, loc, VectorType::get({lanes}, elt),
                                        source, indices, pad,
                                        ArrayRef<bool>{inBounds});
}

Value mc::kernels::writeVector(OpBuilder &b, Location loc, Value value,
                               Value dest, ValueRange indices, bool inBounds) {
  return vector::TransferWriteOp::create(b, loc, value, dest, indices,
                                         ArrayRef<bool>{inBounds})
      .getResult();
}

Value mc::kernels::broadcastWord(OpBuilder &b, Location loc, Value source,
                                 Value row, Value col, int64_t lanes,
                                 bool inBounds) {
  Type elt = cast<RankedTensorType>(source.getType()).getElementType();
  int64_t perWord = 32 / elt.getIntOrFloatBitWidth();
  Value elements = readVector(b, loc, source, {row, col}, perWord, inBounds);
  Value word = vector::BitCastOp::create(
      b, loc, VectorType::get({1}, b.getI32Type()), elements);
  Value scalar = vector::ExtractOp::create(b, loc, word, ArrayRef<int64_t>{0});
  Value splat = vector::BroadcastOp::create(
      b, loc, VectorType::get({lanes}, b.getI32Type()), scalar);
  return vector::BitCastOp::create(
      b, loc, VectorType::get({lanes * perWord}, elt), splat);
}

/// The operand's indexing, for the maps `Epilogue` supports.
enum class Indexing { MN, N, M, Scalar };

static std::optional<Indexing> classify(AffineMap map) {
  if (map.getNumResults() == 0)
    return Indexing::Scalar;
  if (map.isIdentity())
    return Indexing::MN;
  if (map.getNumResults() != 1)
    return std::nullopt;
  if (map.getResult(0) == getAffineDimExpr(1, map.getContext()))
    return Indexing::N;
  if (map.getResult(0) == getAffineDimExpr(0, map.getContext()))
    return Indexing::M;
  return std::nullopt;
}

std::optional<Epilogue> Epilogue::match(Value result) {
  if (!result.hasOneUse())
    return std::nullopt;
  auto op = dyn_cast<linalg::GenericOp>(*result.getUsers().begin());
  if (!op || op.getNumDpsInits() != 1 || op.getNumLoops() != 2 ||
      op.getNumParallelLoops() != 2 || !op.hasPureTensorSemantics())
    return std::nullopt;
  if (!op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isIdentity())
    return std::nullopt;
  std::optional<unsigned> accInput;
  for (OpOperand *in : op.getDpsInputOperands()) {
    std::optional<Indexing> indexing =
        classify(op.getMatchingIndexingMap(in));
    if (!indexing)
      return std::nullopt;
    if (in->get() == result) {
      if (accInput || *indexing != Indexing::MN)
        return std::nullopt;
      accInput = in->getOperandNumber();
    }
  }
  if (!accInput)
    return std::nullopt;
  for (Operation &bodyOp : op.getBody()->without_terminator()) {
    bool elementwise = bodyOp.hasTrait<OpTrait::Elementwise>() &&
                       bodyOp.getNumRegions() == 0 &&
                       bodyOp.getNumResults() == 1;
    if (!elementwise && !isa<arith::ConstantOp>(bodyOp))
      return std::nullopt;
  }
  return Epilogue(op, *accInput);
}

Type Epilogue::getElementType() const {
  return getElementTypeOrSelf(getInit().getType());
}

Value Epilogue::apply(OpBuilder &b, Location loc, Value acc,
                      function_ref<Value()> out, Value m, Value n,
                      bool inBounds) const {
  int64_t lanes = cast<VectorType>(acc.getType()).getNumElements();
  Block *body = op.getBody();
  IRMapping mapping;
  for (OpOperand *in : op.getDpsInputOperands()) {
    BlockArgument arg = body->getArgument(in->getOperandNumber());
    if (in->getOperandNumber() == accInput) {
      mapping.map(arg, acc);
      continue;
    }
    if (arg.use_empty())
      continue;
    Value source = in->get();
    Value value;
    switch (*classify(op.getMatchingIndexingMap(in))) {
    case Indexing::MN:
      value = readVector(b, loc, source, {m, n}, lanes, inBounds);
      break;
    case Indexing::N:
      value = readVector(b, loc, source, {n}, lanes, inBounds);
      break;
    case Indexing::M:
      value = tensor::ExtractOp::create(b, loc, source, m);
      break;
    case Indexing::Scalar:
      value = tensor::ExtractOp::create(b, loc, source, ValueRange{});
      break;
    }
    mapping.map(arg, value);
  }
  BlockArgument outArg = body->getArgument(op.getNumDpsInputs());
  if (!outArg.use_empty())
    mapping.map(outArg, out());

  return vectorizeBody(b, loc, *body, mapping, lanes);
}

Value mc::kernels::vectorizeBody(OpBuilder &b, Location loc, Block &body,
                                 IRMapping &mapping, int64_t lanes) {
  auto toVector = [&](Value v) -> Value {
    if (isa<VectorType>(v.getType()))
      return v;
    return vector::BroadcastOp::create(
        b, loc, VectorType::get({lanes}, v.getType()), v);
  };
  for (Operation &bodyOp : body.without_terminator()) {
    SmallVector<Value> operands;
    bool anyVector = false;
    for (Value v : bodyOp.getOperands()) {
      operands.push_back(mapping.lookupOrDefault(v));
      anyVector |= isa<VectorType>(operands.back().getType());
    }
    // Scalars (constants, per-row values) stay scalar until they meet a
    // vector, so per-row arithmetic is done once per row.
    Type resultType = bodyOp.getResult(0).getType();
    if (anyVector) {
      for (Value &v : operands)
        v = toVector(v);
      resultType = VectorType::get({lanes}, resultType);
    }
    OperationState state(loc, bodyOp.getName(), operands, resultType,
                         bodyOp.getAttrs());
    mapping.map(bodyOp.getResult(0), b.create(state)->getResult(0));
  }
  Value yielded = body.getTerminator()->getOperand(0);
  return toVector(mapping.lookupOrDefault(yielded));
}

std::optional<RawConstant> mc::kernels::getRawConstant(Value value,
                                                       int64_t eltBytes) {
  Attribute attr;
  if (!matchPattern(value, m_Constant(&attr)))
    return std::nullopt;
  int64_t count = cast<ShapedType>(value.getType()).getNumElements();
  RawConstant bytes;
  bytes.eltBytes = eltBytes;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    bytes.data = dense.getRawData();
    bytes.splat = dense.isSplat();
  } else if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    bytes.data = blob->getData();
  } else {
    return std::nullopt;
  }
  int64_t expected = bytes.splat ? eltBytes : count * eltBytes;
  if (static_cast<int64_t>(bytes.data.size()) != expected)
    return std::nullopt;
  return bytes;
}

bool mc::kernels::isStaticF32Matmul(linalg::MatmulOp matmul) {
  if (matmul.hasUserDefinedMaps() || !matmul.hasPureTensorSemantics())
    return false;
  auto xType = dyn_cast<RankedTensorType>(matmul.getInputs()[0].getType());
  auto yType = dyn_cast<RankedTensorType>(matmul.getOutputs()[0].getType());
  return xType && yType && xType.hasStaticShape() && yType.hasStaticShape() &&
         xType.getElementType().isF32() && yType.getElementType().isF32();
}

bool mc::kernels::hasStaticF32Weight(linalg::MatmulOp matmul) {
  auto wType = dyn_cast<RankedTensorType>(matmul.getInputs()[1].getType());
  return isStaticF32Matmul(matmul) && wType && wType.hasStaticShape() &&
         wType.getElementType().isF32() && wType.getNumElements() != 0;
}

std::optional<RawConstant>
mc::kernels::getF32MatmulWeight(linalg::MatmulOp matmul) {
  if (!hasStaticF32Weight(matmul))
    return std::nullopt;
  return getRawConstant(matmul.getInputs()[1], 4);
}

/// An `scf.forall` over `count` slices of `dest`: `body(i, dest, offsets,
/// sizes)` emits slice i's work on the forall's `dest`, sets where the
/// result goes and returns it; the slices are written back in parallel.
static Value emitParallelSlices(
    OpBuilder &b, Location loc, Value dest, int64_t count,
    function_ref<Value(Value, Value, SmallVector<OpFoldResult> &,
                       SmallVector<OpFoldResult> &)>
        body) {
  SmallVector<OpFoldResult> unit = {b.getIndexAttr(1), b.getIndexAttr(1)};
  auto forall = scf::ForallOp::create(
      b, loc, ArrayRef<OpFoldResult>{b.getIndexAttr(count)}, ValueRange{dest},
      std::nullopt, [&](OpBuilder &, Location, ValueRange args) {
        SmallVector<OpFoldResult> offsets, sizes;
        Value result = body(args[0], args[1], offsets, sizes);
        auto terminator = scf::InParallelOp::create(b, loc);
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(terminator.getBody());
        tensor::ParallelInsertSliceOp::create(b, loc, result, args[1], offsets,
                                              sizes, unit);
      });
  return forall.getResult(0);
}

Value mc::kernels::emitColumnGroups(OpBuilder &b, Location loc, Value dest,
                                    int64_t groupWidth, ColumnGroupBody body,
                                    bool parallel) {
  auto type = cast<RankedTensorType>(dest.getType());
  int64_t n = type.getDimSize(1);
  OpFoldResult rows = tensor::getMixedSize(b, loc, dest, 0);
  SmallVector<OpFoldResult> unit = {b.getIndexAttr(1), b.getIndexAttr(1)};
  auto sizes = [&](int64_t cols) {
    return SmallVector<OpFoldResult>{rows, b.getIndexAttr(cols)};
  };
  auto index = [&](int64_t v) { return constantIndex(b, loc, v); };
  // The group's slice of `into`, the body, and the offsets it goes back to.
  auto group = [&](Value into, Value g, Value n0, int64_t cols,
                   SmallVector<OpFoldResult> &offsets) {
    // A constant start prints as a literal offset.
    offsets = {b.getIndexAttr(0), getAsOpFoldResult(n0)};
    Value slice = tensor::ExtractSliceOp::create(b, loc, into, offsets,
                                                 sizes(cols), unit);
    return body(slice, n0, g, cols);
  };
  int64_t groups = n / groupWidth;
  if (groups > 0 && parallel) {
    dest = emitParallelSlices(
        b, loc, dest, groups,
        [&](Value g, Value into, SmallVector<OpFoldResult> &offsets,
            SmallVector<OpFoldResult> &groupSizes) {
          Value n0 = arith::MulIOp::create(b, loc, g, index(groupWidth));
          groupSizes = sizes(groupWidth);
          return group(into, g, n0, groupWidth, offsets);
        });
  } else if (groups > 0) {
    auto loop = scf::ForOp::create(
        b, loc, index(0), index(groups), index(1), ValueRange{dest},
        [&](OpBuilder &, Location, Value g, ValueRange iter) {
          Value n0 = arith::MulIOp::create(b, loc, g, index(groupWidth));
          SmallVector<OpFoldResult> offsets;
          Value result = group(iter[0], g, n0, groupWidth, offsets);
          scf::YieldOp::create(
              b, loc,
              tensor::InsertSliceOp::create(b, loc, result, iter[0], offsets,
                                            sizes(groupWidth), unit)
                  .getResult());
        });
    dest = loop.getResult(0);
  }
  if (int64_t tail = n % groupWidth) {
    SmallVector<OpFoldResult> offsets;
    Value result = group(dest, index(groups), index(groups * groupWidth), tail,
                         offsets);
    dest = tensor::InsertSliceOp::create(b, loc, result, dest, offsets,
                                         sizes(tail), unit);
  }
  return dest;
}

MatmulOutput::MatmulOutput(OpBuilder &b, Location loc, linalg::MatmulOp matmul,
                           std::optional<Epilogue> epi)
    : MatmulOutput(b, loc, matmul.getOutputs()[0], epi) {}

MatmulOutput::MatmulOutput(OpBuilder &b, Location loc, Value init,
                           std::optional<Epilogue> epi)
    : init(init), epilogue(epi) {
  auto getFill = [](Value value) -> std::optional<Attribute> {
    auto fillOp = value.getDefiningOp<linalg::FillOp>();
    Attribute constant;
    if (fillOp && matchPattern(fillOp.getInputs()[0], m_Constant(&constant)))
      return constant;
    return std::nullopt;
  };
  fill = getFill(init);
  Value written = init;
  std::optional<Attribute> writtenFill = fill;
  if (epilogue) {
    written = epilogue->getInit();
    epilogueFill = writtenFill = getFill(written);
  }
  // A fill's value is a constant of the tiles; nothing reads its tensor
  // (e.g. the W8A8 rescale's C = 0, which would be a memset per call).
  auto type = cast<RankedTensorType>(written.getType());
  dest = writtenFill ? tensor::EmptyOp::create(b, loc, type.getShape(),
                                               type.getElementType())
                           .getResult()
                     : written;
}

/// A vector of `lanes` copies of the fill constant `value`.
static Value splatFill(OpBuilder &b, Location loc, Attribute value, Type elt,
                       int64_t lanes) {
  return arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(VectorType::get({lanes}, elt), value));
}

Value MatmulOutput::readInit(OpBuilder &b, Location loc, Value slice,
                             Value row, Value n, Value col, int64_t lanes,
                             bool inBounds, Value sliceRow) const {
  if (fill)
    return splatFill(b, loc, *fill, getElementTypeOrSelf(init.getType()),
                     lanes);
  if (epilogue)
    return readVector(b, loc, init, {row, n}, lanes, inBounds);
  return readVector(b, loc, slice, {sliceRow ? sliceRow : row, col}, lanes,
                    inBounds);
}

Value MatmulOutput::store(OpBuilder &b, Location loc, Value slice, Value value,
                          Value row, Value n, Value col, bool inBounds,
                          Value sliceRow) const {
  if (!sliceRow)
    sliceRow = row;
  if (epilogue) {
    int64_t lanes = cast<VectorType>(value.getType()).getNumElements();
    value = epilogue->apply(
        b, loc, value,
        [&]() -> Value {
          if (epilogueFill)
            return splatFill(b, loc, *epilogueFill,
                             epilogue->getElementType(), lanes);
          return readVector(b, loc, slice, {sliceRow, col}, lanes, inBounds);
        },
        row, n, inBounds);
  }
  return writeVector(b, loc, value, slice, {sliceRow, col}, inBounds);
}

Value mc::kernels::getConstantGlobal(OpBuilder &b, Location loc,
                                     Operation *anchor, StringRef name,
                                     DenseElementsAttr value) {
  auto module = anchor->getParentOfType<ModuleOp>();
  auto type = MemRefType::get(value.getType().getShape(),
                              value.getType().getElementType());
  memref::GlobalOp global;
  {
    OpBuilder::InsertionGuard guard(b);
    b.clearInsertionPoint();
    // 64-byte alignment: a cache line, and aligned zmm loads.
    global = memref::GlobalOp::create(b, loc, name, b.getStringAttr("private"),
                                      type, value, /*constant=*/true,
                                      b.getI64IntegerAttr(64));
    SymbolTable(module).insert(global, module.getBody()->begin());
  }
  return memref::GetGlobalOp::create(b, loc, type, global.getSymName());
}

Value RowRange::sliceRow(OpBuilder &b, Location loc, Value row) const {
  return base ? arith::SubIOp::create(b, loc, row, base).getResult() : row;
}

Value mc::kernels::emitRowTiles(
    OpBuilder &b, Location loc, Value dest, int64_t m, int64_t tileM,
    function_ref<Value(Value, Value, int64_t)> tile, const RowRange &rows) {
  auto index = [&](int64_t v) { return constantIndex(b, loc, v); };
  int64_t full = m / tileM * tileM;
  // A row block's full tiles are those of [base, min(end, full)).
  Value lower = rows.base ? rows.base : index(0);
  Value upper = rows.base ? arith::MinSIOp::create(b, loc, rows.end,
                                                   index(full))
                                .getResult()
                          : index(full);
  if (rows.base || full > 0) {
    auto loop = scf::ForOp::create(
        b, loc, lower, upper, index(tileM), ValueRange{dest},
        [&](OpBuilder &, Location, Value row, ValueRange iter) {
          scf::YieldOp::create(b, loc, tile(iter[0], row, tileM));
        });
    dest = loop.getResult(0);
  }
  if (m % tileM == 0)
    return dest;
  if (!rows.base)
    return tile(dest, index(full), m % tileM);
  // The tail tile, in the block that holds it.
  Value holdsTail = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                          rows.end, index(m));
  auto ifOp = scf::IfOp::create(
      b, loc, holdsTail,
      [&](OpBuilder &, Location) {
        scf::YieldOp::create(b, loc, tile(dest, index(full), m % tileM));
      },
      [&](OpBuilder &, Location) { scf::YieldOp::create(b, loc, dest); });
  return ifOp.getResult(0);
}

/// Column groups in parallel read all of A once per group, from further
/// out in the cache hierarchy the larger A is. Then the threads take blocks
/// of rows instead, each block's part of A staying close (the kernel says
/// where: `blockBytes`) while every group's weights stream past it once per
/// block.
int64_t mc::kernels::chooseBlockRows(int64_t m, int64_t rowBytes,
                                     int64_t blockRowBytes, int64_t blockBytes,
                                     int64_t tileM, int64_t blockM,
                                     int64_t minRows) {
  constexpr int64_t kMaxRows = 256;
  auto roundUp = [&](int64_t rows) {
    return static_cast<int64_t>(llvm::divideCeil(rows, tileM)) * tileM;
  };
  if (blockM)
    return std::min(m, roundUp(blockM));
  int64_t rows =
      std::min(kMaxRows, blockBytes / blockRowBytes) / tileM * tileM;
  if (m * rowBytes <= blockBytes || rows < minRows || m < 2 * rows)
    return m;
  // Blocks of nearly equal size, for the threads' sake.
  int64_t blocks = llvm::divideCeil(m, rows);
  return roundUp(llvm::divideCeil(m, blocks));
}

Value mc::kernels::emitRowBlocks(
    OpBuilder &b, Location loc, Value dest, int64_t blockRows,
    function_ref<Value(Value, const RowRange &)> body) {
  auto type = cast<RankedTensorType>(dest.getType());
  int64_t m = type.getDimSize(0), n = type.getDimSize(1);
  auto index = [&](int64_t v) { return constantIndex(b, loc, v); };
  SmallVector<OpFoldResult> unit = {b.getIndexAttr(1), b.getIndexAttr(1)};
  return emitParallelSlices(
      b, loc, dest, llvm::divideCeil(m, blockRows),
      [&](Value block, Value into, SmallVector<OpFoldResult> &offsets,
          SmallVector<OpFoldResult> &sizes) {
        Value r0 = arith::MulIOp::create(b, loc, block, index(blockRows));
        Value rowEnd = arith::MinSIOp::create(
            b, loc, arith::AddIOp::create(b, loc, r0, index(blockRows)),
            index(m));
        Value rows = arith::SubIOp::create(b, loc, rowEnd, r0);
        offsets = {r0, b.getIndexAttr(0)};
        sizes = {rows, b.getIndexAttr(n)};
        Value slice =
            tensor::ExtractSliceOp::create(b, loc, into, offsets, sizes, unit);
        return body(slice, RowRange{r0, rowEnd});
      });
}

Value mc::kernels::emitBlockedColumnGroups(OpBuilder &b, Location loc,
                                           Value dest, int64_t blockRows,
                                           int64_t groupWidth,
                                           BlockedColumnGroupBody body) {
  auto groups = [&](Value into, const RowRange &rows, bool parallel) {
    return emitColumnGroups(
        b, loc, into, groupWidth,
        [&](Value slice, Value n0, Value group, int64_t width) {
          return body(slice, n0, group, width, rows);
        },
        parallel);
  };
  if (blockRows == cast<RankedTensorType>(dest.getType()).getDimSize(0))
    return groups(dest, RowRange{}, /*parallel=*/true);
  return emitRowBlocks(b, loc, dest, blockRows,
                       [&](Value block, const RowRange &rows) {
                         return groups(block, rows, /*parallel=*/false);
                       });
}

void mc::kernels::prefetchAhead(OpBuilder &b, Location loc, Value stream,
                                Value at, int64_t distance, int64_t last,
                                int64_t bytes) {
  auto index = [&](int64_t v) { return constantIndex(b, loc, v); };
  Value start = arith::MinUIOp::create(
      b, loc, arith::AddIOp::create(b, loc, at, index(distance)), index(last));
  for (int64_t line = 0; line < bytes; line += 64) {
    Value address =
        line ? arith::AddIOp::create(b, loc, start, index(line)).getResult()
             : start;
    memref::PrefetchOp::create(b, loc, stream, ValueRange{address},
                               /*isWrite=*/false, /*localityHint=*/3,
                               /*isDataCache=*/true);
  }
}

void mc::kernels::replaceWithKernel(
    RewriterBase &rewriter, linalg::MatmulOp matmul,
    function_ref<Value(std::optional<Epilogue>)> emit) {
  std::optional<Epilogue> epilogue = Epilogue::match(matmul.getResult(0));
  Operation *replaced = epilogue ? epilogue->getOp().getOperation()
                                 : matmul.getOperation();
  Value weight = matmul.getInputs()[1];
  rewriter.setInsertionPoint(replaced);
  rewriter.replaceOp(replaced, emit(epilogue));
  if (epilogue)
    rewriter.eraseOp(matmul);
  // The kernel packed the weight: a decode only the matmul used goes, and
  // with it the assembled parts.
  auto decode = weight.getDefiningOp<mc::DecodeOp>();
  if (!decode || !decode->use_empty())
    return;
  auto assemble = decode.getInput().getDefiningOp<mc::AssembleOp>();
  rewriter.eraseOp(decode);
  if (assemble)
    mc::eraseDeadAssemble(rewriter, assemble);
}

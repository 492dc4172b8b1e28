//===- MCGPUGemvKernels.cpp - int4 weight-only GEMV kernels ---------------===//

#include "mc/Conversion/Passes.h"

#include "mlir/IR/SymbolTable.h"

namespace mc {
#define GEN_PASS_DEF_MCGPUGEMVKERNELS
#include "mc/Conversion/Passes.h.inc"
} // namespace mc

using namespace mlir;

namespace {
constexpr int64_t kThreads = 128, kMaxRows = 16;

/// A matmul whose weight an element-wise linalg.generic decodes from a
/// constant int4 payload.
struct Match {
  linalg::MatmulOp matmul;
  linalg::GenericOp decode;
  memref::GlobalOp payload;
};
} // namespace

static std::optional<Match> match(linalg::MatmulOp matmul,
                                  SymbolTable &symbols) {
  if (!matmul.hasPureBufferSemantics() || matmul.hasUserDefinedMaps())
    return std::nullopt;
  Value x = matmul.getDpsInputs()[0], w = matmul.getDpsInputs()[1],
        y = matmul.getDpsInits()[0];
  auto xType = cast<MemRefType>(x.getType());
  auto yType = cast<MemRefType>(y.getType());
  if (!xType.hasStaticShape() || !yType.hasStaticShape() ||
      !xType.getElementType().isF32() || !yType.getElementType().isF32() ||
      xType.getDimSize(0) > kMaxRows || yType.getDimSize(1) % (2 * kThreads))
    return std::nullopt;
  if (!w.getDefiningOp<memref::AllocOp>())
    return std::nullopt;
  linalg::GenericOp decode;
  for (Operation *user : w.getUsers()) {
    if (user == matmul || isa<memref::DeallocOp>(user))
      continue;
    auto generic = dyn_cast<linalg::GenericOp>(user);
    if (decode || !generic || generic.getDpsInits()[0] != w)
      return std::nullopt;
    decode = generic;
  }
  if (!decode || decode->getBlock() != matmul->getBlock() ||
      !decode->isBeforeInBlock(matmul) || !decode.hasPureBufferSemantics() ||
      decode.getNumParallelLoops() != 2 || decode.getNumLoops() != 2 ||
      decode.getNumDpsInputs() < 1)
    return std::nullopt;
  // The first input is the payload with the identity map.
  auto maps = decode.getIndexingMapsArray();
  if (!maps.front().isIdentity() || !maps.back().isIdentity())
    return std::nullopt;
  for (AffineMap map : maps)
    if (map.getNumSymbols())
      return std::nullopt;
  auto get = decode.getDpsInputs()[0].getDefiningOp<memref::GetGlobalOp>();
  auto payload =
      get ? symbols.lookup<memref::GlobalOp>(get.getName()) : nullptr;
  if (!payload || !payload.getConstant() ||
      !payload.getType().getElementType().isInteger(4) ||
      !isa_and_nonnull<DenseIntElementsAttr>(payload.getInitialValueAttr()))
    return std::nullopt;
  // Nothing between the decoding and the matmul may write the operands.
  for (Operation *op = decode->getNextNode(); op != matmul;
       op = op->getNextNode())
    if (!isMemoryEffectFree(op) && !isa<linalg::FillOp>(op))
      return std::nullopt;
  return Match{matmul, decode, payload};
}

/// The payload packed two values per byte: byte [k, j] holds column 2j in
/// its low and 2j + 1 in its high nibble.
static memref::GlobalOp packPayload(OpBuilder &b, memref::GlobalOp payload,
                                    SymbolTable &symbols) {
  auto type = payload.getType();
  int64_t k = type.getDimSize(0), n = type.getDimSize(1);
  auto values = cast<DenseIntElementsAttr>(payload.getInitialValueAttr());
  SmallVector<int8_t> packed(k * n / 2);
  int64_t i = 0;
  for (APInt v : values) {
    uint8_t nibble = v.getZExtValue() & 0xF;
    packed[i / 2] |= int8_t(i % 2 ? nibble << 4 : nibble);
    ++i;
  }
  auto packedType = MemRefType::get({k, n / 2}, b.getI8Type());
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(payload);
  auto global = memref::GlobalOp::create(
      b, payload.getLoc(), (payload.getSymName() + "_packed").str(),
      b.getStringAttr("private"), packedType,
      DenseElementsAttr::get(
          RankedTensorType::get(packedType.getShape(), b.getI8Type()),
          ArrayRef<int8_t>(packed)),
      /*constant=*/true, /*alignment=*/nullptr);
  symbols.insert(global);
  return global;
}

/// Clones the single-block body of `op` with `args` for its block
/// arguments; returns the yielded value.
static Value cloneBody(OpBuilder &b, Block *body, ValueRange args) {
  IRMapping mapping;
  mapping.map(body->getArguments().take_front(args.size()), args);
  for (Operation &op : body->without_terminator())
    b.clone(op, mapping);
  return mapping.lookupOrDefault(body->getTerminator()->getOperand(0));
}

static void buildKernel(Match m, SymbolTable &symbols) {
  linalg::MatmulOp matmul = m.matmul;
  Location loc = matmul.getLoc();
  OpBuilder b(matmul);
  MLIRContext *ctx = b.getContext();
  Value x = matmul.getDpsInputs()[0], y = matmul.getDpsInits()[0];
  auto yType = cast<MemRefType>(y.getType());
  int64_t rows = yType.getDimSize(0), n = yType.getDimSize(1),
          k = cast<MemRefType>(x.getType()).getDimSize(1);
  memref::GlobalOp packedGlobal = packPayload(b, m.payload, symbols);
  Value packed = memref::GetGlobalOp::create(b, loc, packedGlobal.getType(),
                                             packedGlobal.getSymName());

  auto cst = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  auto blocks = scf::ForallOp::create(
      b, loc, ArrayRef<OpFoldResult>{b.getIndexAttr(n / 2 / kThreads)},
      ValueRange{},
      b.getArrayAttr(
          {gpu::GPUBlockMappingAttr::get(ctx, gpu::MappingId::DimX)}));
  b.setInsertionPoint(blocks.getBody()->getTerminator());
  auto threads = scf::ForallOp::create(
      b, loc, ArrayRef<OpFoldResult>{b.getIndexAttr(kThreads)}, ValueRange{},
      b.getArrayAttr(
          {gpu::GPUThreadMappingAttr::get(ctx, gpu::MappingId::LinearDim0)}));
  b.setInsertionPoint(threads.getBody()->getTerminator());
  AffineExpr d0, d1;
  bindDims(ctx, d0, d1);
  auto apply = [&](AffineExpr e, ValueRange dims) -> Value {
    return affine::AffineApplyOp::create(
        b, loc, AffineMap::get(dims.size(), 0, e), dims);
  };
  // Byte column j holds output columns 2j and 2j + 1.
  Value j = apply(d0 * kThreads + d1,
                  {blocks.getInductionVar(0), threads.getInductionVar(0)});
  Value cols[] = {apply(d0 * 2, j), apply(d0 * 2 + 1, j)};

  Block *decodeBody = m.decode.getBody();
  auto rowLoop = scf::ForOp::create(b, loc, cst(0), cst(rows), cst(1));
  b.setInsertionPointToStart(rowLoop.getBody());
  Value row = rowLoop.getInductionVar();
  SmallVector<Value> init;
  for (Value col : cols)
    init.push_back(memref::LoadOp::create(b, loc, y, ValueRange{row, col}));
  auto kLoop = scf::ForOp::create(b, loc, cst(0), cst(k), cst(1), init);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(kLoop.getBody());
    Value kk = kLoop.getInductionVar();
    Value byte = memref::LoadOp::create(b, loc, packed, ValueRange{kk, j});
    Value four = arith::ConstantOp::create(b, loc, b.getI8IntegerAttr(4));
    Value nibbles[] = {
        arith::TruncIOp::create(b, loc, b.getIntegerType(4), byte),
        arith::TruncIOp::create(b, loc, b.getIntegerType(4),
                                arith::ShRUIOp::create(b, loc, byte, four))};
    Value xv = memref::LoadOp::create(b, loc, x, ValueRange{row, kk});
    SmallVector<Value> sums;
    for (auto [i, col] : llvm::enumerate(cols)) {
      // Decode in registers with the decoding generic's body.
      SmallVector<Value> args{nibbles[i]};
      Value dims[] = {kk, col};
      SmallVector<OpOperand *> inputs = m.decode.getDpsInputOperands();
      for (OpOperand *operand : llvm::drop_begin(inputs)) {
        AffineMap map = m.decode.getMatchingIndexingMap(operand);
        SmallVector<Value> indices;
        for (AffineExpr expr : map.getResults())
          indices.push_back(affine::AffineApplyOp::create(
              b, loc, AffineMap::get(2, 0, expr), ValueRange(dims)));
        args.push_back(memref::LoadOp::create(b, loc, operand->get(), indices));
      }
      Value weight = cloneBody(b, decodeBody, args);
      // Accumulate with the matmul's own arithmetic, in its order.
      sums.push_back(cloneBody(b, matmul.getBody(),
                               {xv, weight, kLoop.getRegionIterArgs()[i]}));
    }
    scf::YieldOp::create(b, loc, sums);
  }
  for (auto [i, col] : llvm::enumerate(cols))
    memref::StoreOp::create(b, loc, kLoop.getResult(i), y,
                            ValueRange{row, col});

  Value w = m.decode.getDpsInits()[0];
  matmul.erase();
  m.decode.erase();
  for (Operation *user : llvm::make_early_inc_range(w.getUsers()))
    user->erase();
  w.getDefiningOp()->erase();
}

namespace {
struct MCGPUGemvKernels : mc::impl::MCGPUGemvKernelsBase<MCGPUGemvKernels> {
  void runOnOperation() override {
    auto module = getOperation()->getParentOfType<ModuleOp>();
    if (!module)
      return;
    SymbolTable symbols(module);
    SmallVector<linalg::MatmulOp> matmuls;
    getOperation().walk([&](linalg::MatmulOp op) { matmuls.push_back(op); });
    for (linalg::MatmulOp matmul : matmuls)
      if (std::optional<Match> m = match(matmul, symbols))
        buildKernel(*m, symbols);
  }
};
} // namespace

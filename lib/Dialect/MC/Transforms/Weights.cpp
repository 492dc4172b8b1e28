//===- Weights.cpp - finding the weights of upstream layers ---------------===//

#include "mc/Dialect/MC/Transforms/Weights.h"
#include "mc/Dialect/MC/IR/Numerics.h"

#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Regex.h"

using namespace mlir;
using namespace mc;

//===----------------------------------------------------------------------===//
// Reading constant weights
//===----------------------------------------------------------------------===//

/// Reads float elements of a dense or dense_resource attribute.
/// Signless integers that are exact in float, the integer weights some
/// passes take.
static bool isExactInteger(Type type) {
  return type.isSignlessInteger() && type.getIntOrFloatBitWidth() <= 16;
}

static std::optional<std::vector<float>> readFloats(ElementsAttr attr) {
  std::vector<float> result;
  result.reserve(attr.getNumElements());
  if (isExactInteger(attr.getElementType())) {
    auto dense = dyn_cast<DenseIntElementsAttr>(attr);
    if (!dense)
      return std::nullopt;
    for (const APInt &v : dense.getValues<APInt>())
      result.push_back(float(v.getSExtValue()));
    return result;
  }
  auto type = dyn_cast<FloatType>(attr.getElementType());
  if (!type)
    return std::nullopt;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (type.isF32()) {
      for (float v : dense.getValues<float>())
        result.push_back(v);
      return result;
    }
    for (APFloat v : dense.getValues<APFloat>()) {
      bool losesInfo;
      v.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven,
                &losesInfo);
      result.push_back(v.convertToFloat());
    }
    return result;
  }
  auto resource = dyn_cast<DenseResourceElementsAttr>(attr);
  if (!resource || !resource.getRawHandle().getBlob())
    return std::nullopt;
  ArrayRef<char> bytes = resource.getRawHandle().getBlob()->getData();
  unsigned width = type.getWidth() / 8;
  if (bytes.size() != size_t(attr.getNumElements()) * width)
    return std::nullopt;
  if (type.isF32()) {
    result.resize(attr.getNumElements());
    std::memcpy(result.data(), bytes.data(), bytes.size());
    return result;
  }
  for (int64_t i = 0, e = attr.getNumElements(); i < e; ++i) {
    uint64_t raw = 0;
    std::memcpy(&raw, bytes.data() + i * width, width);
    APFloat v(type.getFloatSemantics(), APInt(type.getWidth(), raw));
    bool losesInfo;
    v.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &losesInfo);
    result.push_back(v.convertToFloat());
  }
  return result;
}

/// The constant a value is, if any.
static ElementsAttr getConstant(Value value) {
  if (auto cst = value.getDefiningOp<arith::ConstantOp>())
    return dyn_cast<ElementsAttr>(cst.getValue());
  if (auto load = value.getDefiningOp<ml_program::GlobalLoadConstOp>()) {
    auto global = SymbolTable::lookupNearestSymbolFrom<ml_program::GlobalOp>(
        load, load.getGlobalAttr());
    if (global && !global.getIsMutable() && global.getValue())
      return dyn_cast<ElementsAttr>(*global.getValue());
  }
  return {};
}

AssembleOp mc::getCompressedSource(Value value) {
  if (auto expand = value.getDefiningOp<tensor::ExpandShapeOp>())
    value = expand.getSrc();
  if (auto decode = value.getDefiningOp<DecodeOp>())
    return decode.getInput().getDefiningOp<AssembleOp>();
  return {};
}

/// Row-major strides of `shape`.
static SmallVector<int64_t> getStrides(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t i = shape.size() - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/// Evaluates `value` when it is a constant seen through view ops.
static std::optional<std::vector<float>> evaluate(Value value) {
  if (ElementsAttr attr = getConstant(value))
    return readFloats(attr);
  Operation *op = value.getDefiningOp();
  if (!op)
    return std::nullopt;
  if (AssembleOp assemble = getCompressedSource(value)) {
    SmallVector<DenseElementsAttr> parts;
    for (Value part : assemble.getParts())
      if (!matchPattern(part, m_Constant(&parts.emplace_back())))
        return std::nullopt;
    std::vector<float> values = decodeConstant(assemble.getType(), parts);
    if (values.empty())
      return std::nullopt;
    return values;
  }
  if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(op))
    return evaluate(op->getOperand(0)); // row-major data is unchanged
  if (auto transpose = dyn_cast<linalg::TransposeOp>(op)) {
    auto input = evaluate(transpose.getInput());
    auto inType = cast<RankedTensorType>(transpose.getInput().getType());
    if (!input || !inType.hasStaticShape())
      return std::nullopt;
    ArrayRef<int64_t> perm = transpose.getPermutation();
    SmallVector<int64_t> inStrides = getStrides(inType.getShape());
    SmallVector<int64_t> outShape;
    for (int64_t p : perm)
      outShape.push_back(inType.getShape()[p]);
    std::vector<float> out(input->size());
    SmallVector<int64_t> idx(perm.size(), 0);
    for (size_t i = 0; i < out.size(); ++i) {
      int64_t src = 0;
      for (size_t d = 0; d < perm.size(); ++d)
        src += idx[d] * inStrides[perm[d]];
      out[i] = (*input)[src];
      for (int64_t d = perm.size() - 1; d >= 0; --d) {
        if (++idx[d] < outShape[d])
          break;
        idx[d] = 0;
      }
    }
    return out;
  }
  if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op)) {
    auto input = evaluate(slice.getSource());
    RankedTensorType inType = slice.getSourceType();
    if (!input || !inType.hasStaticShape() ||
        ShapedType::isDynamicShape(slice.getStaticOffsets()) ||
        ShapedType::isDynamicShape(slice.getStaticSizes()) ||
        ShapedType::isDynamicShape(slice.getStaticStrides()))
      return std::nullopt;
    ArrayRef<int64_t> offsets = slice.getStaticOffsets();
    ArrayRef<int64_t> sizes = slice.getStaticSizes();
    ArrayRef<int64_t> steps = slice.getStaticStrides();
    // Only slices inside the source (the verifier lets others through).
    for (auto [offset, size, step, dim] :
         llvm::zip(offsets, sizes, steps, inType.getShape()))
      if (size > 0 && (offset < 0 || step < 1 || offset >= dim ||
                       (dim - 1 - offset) / step < size - 1))
        return std::nullopt;
    SmallVector<int64_t> inStrides = getStrides(inType.getShape());
    int64_t count = 1;
    for (int64_t s : sizes)
      count *= s;
    std::vector<float> out(count);
    SmallVector<int64_t> idx(sizes.size(), 0);
    for (int64_t i = 0; i < count; ++i) {
      int64_t src = 0;
      for (size_t d = 0; d < sizes.size(); ++d)
        src += (offsets[d] + idx[d] * steps[d]) * inStrides[d];
      out[i] = (*input)[src];
      for (int64_t d = sizes.size() - 1; d >= 0; --d) {
        if (++idx[d] < sizes[d])
          break;
        idx[d] = 0;
      }
    }
    return out; // rank-reducing slices drop unit dims: same row-major data
  }
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Layer discovery
//===----------------------------------------------------------------------===//

/// The short name of a layer's op kind: "matmul", "conv_2d_nhwc_hwcf", ...
static std::string getKind(Operation *op) {
  StringRef name = op->getName().getStringRef();
  name.consume_front("linalg.");
  return name.str();
}

/// Fills the matrix view of `layer` from the roles of its operand dims.
static LogicalResult layOut(Layer &layer) {
  linalg::LinalgOp op = layer.op;
  OpOperand &weight = op->getOpOperand(layer.operandIndex);
  AffineMap map = op.getMatchingIndexingMap(&weight);
  if (!map.isProjectedPermutation())
    return failure();
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  // Loop dims used by the other inputs and by the output.
  llvm::SmallDenseSet<unsigned> otherInputDims, outputDims;
  for (OpOperand *input : op.getDpsInputOperands())
    if (input != &weight)
      for (AffineExpr e : op.getMatchingIndexingMap(input).getResults())
        e.walk([&](AffineExpr sub) {
          if (auto dim = dyn_cast<AffineDimExpr>(sub))
            otherInputDims.insert(dim.getPosition());
        });
  for (OpOperand &init : op.getDpsInitsMutable())
    for (AffineExpr e : op.getMatchingIndexingMap(&init).getResults())
      outputDims.insert(cast<AffineDimExpr>(e).getPosition());

  // Role of each operand dim: 0 batch, 1 reduction, 2 channel.
  SmallVector<int> roles;
  int channel = -1;
  for (auto [i, e] : llvm::enumerate(map.getResults())) {
    unsigned loop = cast<AffineDimExpr>(e).getPosition();
    if (iterators[loop] == utils::IteratorType::reduction) {
      roles.push_back(1);
    } else if (outputDims.contains(loop) && !otherInputDims.contains(loop)) {
      roles.push_back(2);
      channel = i;
    } else {
      roles.push_back(0);
    }
  }
  // Depthwise convolutions: the channel is also in the input.
  if (channel < 0)
    for (int i = roles.size() - 1; i >= 0 && channel < 0; --i)
      if (roles[i] == 0)
        roles[channel = i] = 2;
  if (channel < 0 || llvm::count(roles, 2) != 1 || !llvm::is_contained(roles, 1))
    return failure();

  // Batch dims lead; the reduction dims are contiguous, before or after the
  // channel.
  ArrayRef<int64_t> shape = layer.weightType.getShape();
  size_t i = 0;
  layer.reassociation.clear();
  layer.matrixShape.clear();
  for (; i < roles.size() && roles[i] == 0; ++i) {
    layer.reassociation.push_back({int64_t(i)});
    layer.matrixShape.push_back(shape[i]);
  }
  layer.numBatch = i;
  layer.channelsFirst = roles[i] == 2;
  layer.K = 1;
  ReassociationIndices kGroup;
  for (size_t j = i; j < roles.size(); ++j) {
    if (roles[j] == 1) {
      kGroup.push_back(j);
      layer.K *= shape[j];
    } else if (roles[j] == 0) {
      return failure();
    }
  }
  if (kGroup.back() - kGroup.front() + 1 != int64_t(kGroup.size()))
    return failure();
  layer.N = shape[channel];
  ReassociationIndices nGroup{channel};
  // A trailing unit batch-like dim cannot occur: every dim has a role.
  if (layer.channelsFirst) {
    layer.reassociation.push_back(nGroup);
    layer.reassociation.push_back(kGroup);
    layer.matrixShape.append({layer.N, layer.K});
  } else {
    layer.reassociation.push_back(kGroup);
    layer.reassociation.push_back(nGroup);
    layer.matrixShape.append({layer.K, layer.N});
  }
  return success();
}

FailureOr<std::vector<Layer>> mc::collectLayers(ModuleOp module,
                                                const LayerFilter &filter) {
  llvm::Regex regex(filter.regex.empty() ? ".*" : "^(" + filter.regex + ")$");
  std::string regexError;
  if (!regex.isValid(regexError))
    return emitError(module.getLoc(), "invalid layers regex '")
           << filter.regex << "': " << regexError;

  MLIRContext *ctx = module.getContext();
  llvm::StringMap<int> kindCount;
  std::vector<Layer> layers;
  bool malformed = false;
  module.walk([&](linalg::LinalgOp op) {
    if (!op.hasPureTensorSemantics() ||
        !(linalg::isaContractionOpInterface(op) ||
          linalg::isaConvolutionOpInterface(op)))
      return;
    if (failed(verifyCompressionRecord(op))) {
      malformed = true;
      return;
    }
    if (hasEmptyOperand(op))
      return;
    Layer layer;
    layer.kind = getKind(op);
    layer.op = op;
    if (auto name = op->getAttrOfType<StringAttr>("mc.layer")) {
      layer.name = name.str();
    } else {
      // Named once, so names stay stable when later passes add ops.
      layer.name = layer.kind + "_" + std::to_string(kindCount[layer.kind]++);
      op->setAttr("mc.layer", StringAttr::get(ctx, layer.name));
    }
    // The weight: the last input that is a constant (conv filters and the
    // right-hand side of a matmul come last).
    std::optional<std::vector<float>> values;
    for (OpOperand *input : llvm::reverse(op.getDpsInputOperands())) {
      auto type = dyn_cast<RankedTensorType>(input->get().getType());
      if (!type || !type.hasStaticShape() ||
          !(isa<FloatType>(type.getElementType()) ||
            (filter.allowInteger && isExactInteger(type.getElementType()))))
        continue;
      if ((values = evaluate(input->get()))) {
        layer.operandIndex = input->getOperandNumber();
        layer.weightType = type;
        layer.source = getCompressedSource(input->get());
        break;
      }
    }
    if (!values)
      return;
    layer.values = std::move(*values);
    if (failed(layOut(layer))) {
      op->emitRemark("mc: layer '")
          << layer.name << "' skipped: its weight layout is not supported";
      return;
    }
    layer.flops = getFlops(op);
    if (layer.numParams() < filter.minParams || !regex.match(layer.name))
      return;
    if (layer.source && !filter.allowCompressed) {
      op->emitRemark("mc: layer '")
          << layer.name << "' skipped: its weight is already compressed";
      return;
    }
    if (filter.lazy)
      releaseValues(layer);
    layers.push_back(std::move(layer));
  });
  if (malformed)
    return failure();
  return layers;
}

//===----------------------------------------------------------------------===//
// Rewriting
//===----------------------------------------------------------------------===//

int64_t mc::getFlops(linalg::LinalgOp op) {
  int64_t flops = 2;
  for (int64_t range : op.getStaticLoopRanges()) {
    if (ShapedType::isDynamic(range))
      return 0; // unknown
    flops *= range;
  }
  return flops;
}

void mc::loadValues(Layer &layer) {
  if (layer.values.empty())
    layer.values = *evaluate(layer.op->getOperand(layer.operandIndex));
}

void mc::releaseValues(Layer &layer) { std::vector<float>().swap(layer.values); }

DenseElementsAttr mc::getMatrixAttr(const Layer &layer,
                                    ArrayRef<float> values) {
  return getFloatAttr(layer.getMatrixType(), values);
}

DenseElementsAttr mc::getFloatAttr(RankedTensorType type,
                                   ArrayRef<float> values) {
  if (type.getElementType().isF32())
    return DenseElementsAttr::get(type, values);
  if (auto intType = dyn_cast<IntegerType>(type.getElementType())) {
    // Integer weights' values are integers (a pass kept or zeroed them).
    SmallVector<APInt> ints;
    for (float v : values)
      ints.push_back(APInt(intType.getWidth(), int64_t(v), /*isSigned=*/true));
    return DenseElementsAttr::get(type, ints);
  }
  SmallVector<APFloat> converted;
  for (float v : values) {
    APFloat f(v);
    bool losesInfo;
    f.convert(cast<FloatType>(type.getElementType()).getFloatSemantics(),
              APFloat::rmNearestTiesToEven, &losesInfo);
    converted.push_back(f);
  }
  return DenseElementsAttr::get(type, converted);
}

void mc::eraseDeadProducers(Value value) {
  Operation *op = value.getDefiningOp();
  if (!op || !isOpTriviallyDead(op))
    return;
  SmallVector<Value> operands(op->getOperands());
  op->erase();
  for (Value operand : operands)
    eraseDeadProducers(operand);
}

void mc::replaceWeight(OpBuilder &b, const Layer &layer, Value matrix) {
  OpBuilder::InsertionGuard guard(b);
  Operation *op = layer.op;
  b.setInsertionPoint(op);
  Value weight = matrix;
  if (layer.getMatrixType() != layer.weightType)
    weight = tensor::ExpandShapeOp::create(b, op->getLoc(),
                                           layer.weightType, matrix,
                                           layer.reassociation);
  Value old = op->getOperand(layer.operandIndex);
  op->setOperand(layer.operandIndex, weight);
  eraseDeadProducers(old);
}

bool mc::hasEmptyOperand(Operation *op) {
  return llvm::any_of(op->getOperandTypes(), [](Type type) {
    auto shaped = dyn_cast<ShapedType>(type);
    return shaped && shaped.hasStaticShape() && shaped.getNumElements() == 0;
  });
}

LogicalResult mc::verifyCompressionRecord(Operation *op) {
  Attribute attr = op->getAttr("mc.compression");
  if (!attr)
    return success();
  auto record = dyn_cast<DictionaryAttr>(attr);
  auto has = [&](StringRef key, bool isFloat) {
    Attribute value = record.get(key);
    return isFloat ? isa_and_present<FloatAttr>(value)
                   : isa_and_present<IntegerAttr>(value);
  };
  if (!record || !has("dense_params", false) || !has("dense_bytes", false) ||
      !has("dense_flops", false) || !has("signal", true) ||
      !has("noise", true) ||
      (record.get("extra_bytes") && !has("extra_bytes", false)))
    return op->emitError("malformed 'mc.compression' record: expected "
                         "integers dense_params, dense_bytes, dense_flops "
                         "(and extra_bytes) and floats signal and noise");
  return success();
}

void mc::recordCompression(const Layer &layer, ArrayRef<float> newValues,
                           Operation *newOp) {
  Operation *op = newOp ? newOp : static_cast<Operation *>(layer.op);
  MLIRContext *ctx = op->getContext();
  double signal = 0, noise = 0;
  for (auto [a, b] : llvm::zip(layer.values, newValues)) {
    signal += double(a) * a;
    noise += (double(a) - b) * (double(a) - b);
  }
  int64_t denseParams = layer.numParams(), denseFlops = layer.flops;
  int64_t denseBytes =
      denseParams * layer.weightType.getElementTypeBitWidth() / 8;
  if (auto old = layer.op->getAttrOfType<DictionaryAttr>("mc.compression")) {
    // The first pass's baseline stays; noise accumulates.
    signal = cast<FloatAttr>(old.get("signal")).getValueAsDouble();
    noise += cast<FloatAttr>(old.get("noise")).getValueAsDouble();
    denseParams = cast<IntegerAttr>(old.get("dense_params")).getInt();
    denseFlops = cast<IntegerAttr>(old.get("dense_flops")).getInt();
    denseBytes = cast<IntegerAttr>(old.get("dense_bytes")).getInt();
  }
  Builder b(ctx);
  op->setAttr("mc.compression",
              b.getDictionaryAttr(
                  {b.getNamedAttr("dense_params", b.getI64IntegerAttr(denseParams)),
                   b.getNamedAttr("dense_bytes", b.getI64IntegerAttr(denseBytes)),
                   b.getNamedAttr("dense_flops", b.getI64IntegerAttr(denseFlops)),
                   b.getNamedAttr("signal", b.getF64FloatAttr(signal)),
                   b.getNamedAttr("noise", b.getF64FloatAttr(noise))}));
}

LogicalResult mc::foldConstantNMDecode(RewriterBase &rewriter, DecodeOp decode,
                                       bool integerOnly) {
  auto assemble = decode.getInput().getDefiningOp<AssembleOp>();
  CompressedType type = decode.getInput().getType();
  if (!assemble || !isa<NMEncodingAttr>(type.getEncoding()) ||
      (integerOnly && !isa<IntegerType>(type.getExpressedType())))
    return failure();
  SmallVector<DenseElementsAttr> parts;
  for (Value part : assemble.getParts())
    if (!matchPattern(part, m_Constant(&parts.emplace_back())))
      return failure();
  DenseElementsAttr dense = decodeConstantAttr(type, parts);
  if (!dense)
    return failure();
  rewriter.replaceOpWithNewOp<arith::ConstantOp>(decode, dense);
  eraseDeadAssemble(rewriter, assemble);
  return success();
}

void mc::eraseDeadAssemble(RewriterBase &rewriter, AssembleOp assemble) {
  if (!assemble->use_empty())
    return;
  SmallVector<Value> operands(assemble.getParts());
  rewriter.eraseOp(assemble);
  for (Value part : operands)
    if (part.use_empty() && part.getDefiningOp() &&
        isOpTriviallyDead(part.getDefiningOp()))
      rewriter.eraseOp(part.getDefiningOp());
}

bool mc::canQuantizeActivations(const Layer &layer) {
  auto matmul = dyn_cast<linalg::MatmulOp>(static_cast<Operation *>(layer.op));
  if (!matmul || layer.operandIndex != 1 || layer.channelsFirst ||
      layer.numBatch != 0 || !matmul.hasPureTensorSemantics())
    return false;
  auto lhs = dyn_cast<RankedTensorType>(matmul.getInputs()[0].getType());
  auto init = dyn_cast<RankedTensorType>(matmul.getOutputs()[0].getType());
  AffineMap lhsMap = matmul.getIndexingMapsArray()[0];
  return lhs && init && lhs.getElementType().isF32() &&
         init.getElementType().isF32() && lhs.hasStaticShape() &&
         lhsMap == AffineMap::getMultiDimIdentityMap(3, lhsMap.getContext())
                       .getSubMap({0, 2});
}

bool mc::canQuantizeActivationsStatically(const Layer &layer) {
  if (canQuantizeActivations(layer))
    return true;
  Operation *op = layer.op;
  if (!isa<linalg::Conv2DNhwcHwcfOp, linalg::Conv2DNchwFchwOp>(op) ||
      layer.operandIndex != 1 ||
      !cast<linalg::LinalgOp>(op).hasPureTensorSemantics())
    return false;
  auto x = dyn_cast<RankedTensorType>(op->getOperand(0).getType());
  auto init = dyn_cast<RankedTensorType>(op->getOperand(2).getType());
  return x && init && x.getElementType().isF32() &&
         init.getElementType().isF32() && x.hasStaticShape() &&
         init.hasStaticShape();
}

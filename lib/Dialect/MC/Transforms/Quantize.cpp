//===- Quantize.cpp - weight quantization of upstream layers --------------===//
//
// Chooses scales (and zero points) per tensor, channel or group of each
// layer's weight matrix, encodes the weight at compile time with mc's exact
// encoder, and replaces it by mc.decode(mc.assemble(payload, params)).
//
//===----------------------------------------------------------------------===//

#include "mc/Dialect/MC/IR/Numerics.h"
#include "mc/Dialect/MC/Transforms/Passes.h"
#include "mc/Dialect/MC/Transforms/Weights.h"

#include "mlir/IR/Builders.h"

namespace mc {
#define GEN_PASS_DEF_MCQUANTIZE
#include "mc/Dialect/MC/Transforms/Passes.h.inc"
} // namespace mc

using namespace mlir;
using namespace mc;

namespace {
enum class Granularity { Tensor, Channel, Group };

/// The options, checked and resolved.
struct Scheme {
  Type storage; // IntegerType or FloatType
  bool symmetric;
  Granularity granularity;
  int64_t groupSize;
  bool mse;

  bool isInt() const { return isa<IntegerType>(storage); }
  /// Float storage narrower than 16 bits needs scales.
  bool hasScales() const {
    return isInt() || cast<FloatType>(storage).getWidth() == 8;
  }
};

/// Per scale group: the statistics scales are chosen from.
struct GroupStats {
  float maxAbs = 0, lo = 0, hi = 0;
};

/// Scale and zero point of one group for clipping ratio `ratio`.
struct Params {
  float scale;
  int32_t zeroPoint;
};
} // namespace

static FailureOr<Scheme> resolveOptions(ModuleOp module, unsigned bits,
                                        StringRef type, bool symmetric,
                                        StringRef granularity,
                                        int64_t groupSize, StringRef method,
                                        StringRef activations) {
  MLIRContext *ctx = module.getContext();
  Scheme scheme;
  scheme.symmetric = symmetric;
  scheme.groupSize = groupSize;
  auto fail = [&]() { return module.emitError("mc-quantize: "); };
  if (type == "int") {
    if (bits == 0)
      bits = 8;
    if (bits == 1)
      return fail() << "bits=1 (binary sign(w)*mean|w|) is not implemented "
                       "yet";
    if (bits != 8 && bits != 4 && bits != 2)
      return fail() << "bits=" << bits
                    << " is not supported: expected 8, 4 or 2 for type=int";
    scheme.storage = IntegerType::get(
        ctx, bits, symmetric ? IntegerType::Signless : IntegerType::Unsigned);
  } else {
    FloatType storage =
        llvm::StringSwitch<FloatType>(type)
            .Case("fp16", Float16Type::get(ctx))
            .Case("bf16", BFloat16Type::get(ctx))
            .Case("fp8e4m3", Float8E4M3FNType::get(ctx))
            .Case("fp8e5m2", Float8E5M2Type::get(ctx))
            .Default(nullptr);
    if (!storage)
      return fail() << "unknown type '" << type
                    << "': expected int, fp16, bf16, fp8e4m3 or fp8e5m2";
    if (bits != 0 && bits != storage.getWidth())
      return fail() << "type=" << type << " stores " << storage.getWidth()
                    << " bits; bits=" << bits << " contradicts it";
    if (!symmetric)
      return fail() << "symmetric=false needs type=int: float storage has "
                       "no zero point";
    scheme.storage = storage;
  }
  std::optional<Granularity> gran =
      llvm::StringSwitch<std::optional<Granularity>>(granularity)
          .Case("tensor", Granularity::Tensor)
          .Case("channel", Granularity::Channel)
          .Case("group", Granularity::Group)
          .Default(std::nullopt);
  if (!gran)
    return fail() << "unknown granularity '" << granularity
                  << "': expected tensor, channel or group";
  scheme.granularity = *gran;
  if (groupSize < 1)
    return fail() << "group-size must be positive, got " << groupSize;
  if (method == "log2" || method == "kmeans")
    return fail() << "method=" << method << " is not implemented yet";
  if (method != "rtn" && method != "mse")
    return fail() << "unknown method '" << method
                  << "': expected rtn, mse, log2 or kmeans";
  scheme.mse = method == "mse";
  if (activations == "dynamic")
    return fail() << "activations=dynamic is not implemented yet";
  if (activations != "none")
    return fail() << "unknown activations '" << activations
                  << "': expected none or dynamic";
  return scheme;
}

/// The encoding of `layer`'s weight matrix under `scheme`.
static EncodingAttrInterface getEncoding(const Scheme &scheme,
                                         const Layer &layer) {
  MLIRContext *ctx = scheme.storage.getContext();
  std::optional<int64_t> axis;
  SmallVector<int64_t> block;
  if (scheme.hasScales() && scheme.granularity == Granularity::Channel)
    axis = layer.nDim();
  if (scheme.hasScales() && scheme.granularity == Granularity::Group) {
    block.assign(layer.matrixShape.size(), 1);
    block[layer.kDim()] = scheme.groupSize;
  }
  if (auto storage = dyn_cast<IntegerType>(scheme.storage))
    return UniformEncodingAttr::get(ctx, storage, axis, block,
                                    /*zeroPoint=*/!scheme.symmetric,
                                    /*narrow=*/scheme.symmetric);
  bool perTensor = !axis && block.empty();
  return FloatEncodingAttr::get(ctx, cast<FloatType>(scheme.storage), axis,
                                block, scheme.hasScales() && perTensor);
}

/// Scale and zero point for a group shrunk by `ratio` (1 = min-max).
static Params chooseParams(const Scheme &scheme, UniformEncodingAttr uniform,
                           const GroupStats &stats, float ratio) {
  if (!uniform) {
    float largest =
        APFloat::getLargest(cast<FloatType>(scheme.storage).getFloatSemantics())
            .convertToFloat();
    float s = stats.maxAbs * ratio / largest;
    return {s > 0 ? s : 1.0f, 0};
  }
  float qmax = uniform.getQMax();
  if (scheme.symmetric) {
    float s = stats.maxAbs * ratio / qmax;
    return {s > 0 ? s : 1.0f, 0};
  }
  float lo = stats.lo * ratio, hi = stats.hi * ratio;
  float s = (hi - lo) / qmax;
  if (!(s > 0))
    return {1.0f, 0};
  float zp = std::fmin(std::fmax(std::nearbyint(-lo / s), 0.0f), qmax);
  return {s, static_cast<int32_t>(zp)};
}

/// Value of `x` after quantizing and decoding with `p` (error search only).
static float roundTrip(const Scheme &scheme, UniformEncodingAttr uniform,
                       float x, Params p) {
  if (uniform) {
    int32_t q = quantizeUniformF32(x, p.scale, p.zeroPoint,
                                   uniform.getZeroPoint(), uniform.getQMin(),
                                   uniform.getQMax());
    return float(q - p.zeroPoint) * p.scale;
  }
  auto enc = cast<FloatEncodingAttr>(
      FloatEncodingAttr::get(scheme.storage.getContext(),
                             cast<FloatType>(scheme.storage), std::nullopt, {},
                             true));
  APFloat scale(p.scale);
  APFloat q = quantizeFloat(enc, APFloat(x), &scale);
  bool losesInfo;
  q.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &losesInfo);
  return q.convertToFloat() * p.scale;
}

static LogicalResult quantizeLayer(OpBuilder &b, const Scheme &scheme,
                                   Layer &layer) {
  if (scheme.granularity == Granularity::Group && scheme.hasScales() &&
      layer.K % scheme.groupSize != 0)
    return layer.op->emitError("mc-quantize: group-size ")
           << scheme.groupSize << " does not divide K=" << layer.K
           << " of layer '" << layer.name << "'";
  EncodingAttrInterface encoding = getEncoding(scheme, layer);
  auto type = CompressedType::get(layer.getMatrixType(), encoding);
  auto uniform = dyn_cast<UniformEncodingAttr>(encoding);
  SmallVector<DenseElementsAttr> params;

  if (scheme.hasScales()) {
    std::optional<int64_t> axis;
    ArrayRef<int64_t> block;
    if (uniform) {
      axis = uniform.getAxis();
      block = uniform.getBlock();
    } else {
      auto enc = cast<FloatEncodingAttr>(encoding);
      axis = enc.getAxis();
      block = enc.getBlock();
    }
    SmallVector<int64_t> scaleShape =
        getScaleShape(layer.matrixShape, axis, block);
    int64_t numGroups = 1;
    for (int64_t d : scaleShape)
      numGroups *= d;
    std::vector<int64_t> groupOf(layer.values.size());
    std::vector<GroupStats> stats(numGroups);
    ScaleIndexer indexer(layer.matrixShape, axis, block);
    for (auto [i, w] : llvm::enumerate(layer.values)) {
      int64_t g = groupOf[i] = indexer.next();
      stats[g].maxAbs = std::fmax(stats[g].maxAbs, std::fabs(w));
      stats[g].lo = std::fmin(stats[g].lo, w);
      stats[g].hi = std::fmax(stats[g].hi, w);
    }
    std::vector<Params> chosen(numGroups);
    for (int64_t g = 0; g < numGroups; ++g)
      chosen[g] = chooseParams(scheme, uniform, stats[g], 1.0f);
    if (scheme.mse) {
      std::vector<double> best(numGroups, INFINITY);
      for (int i = 0; i < 20; ++i) {
        float ratio = float(1.0 - i / 40.0);
        std::vector<Params> candidate(numGroups);
        for (int64_t g = 0; g < numGroups; ++g)
          candidate[g] = chooseParams(scheme, uniform, stats[g], ratio);
        std::vector<double> error(numGroups, 0.0);
        for (auto [j, w] : llvm::enumerate(layer.values)) {
          double d = double(w) - roundTrip(scheme, uniform, w,
                                           candidate[groupOf[j]]);
          error[groupOf[j]] += d * d;
        }
        for (int64_t g = 0; g < numGroups; ++g)
          if (error[g] < best[g]) {
            best[g] = error[g];
            chosen[g] = candidate[g];
          }
      }
    }
    SmallVector<float> scales;
    SmallVector<int32_t> zeroPoints;
    for (const Params &p : chosen) {
      scales.push_back(p.scale);
      zeroPoints.push_back(p.zeroPoint);
    }
    SmallVector<Type> partTypes = type.getPartTypes();
    auto scaleType = cast<RankedTensorType>(partTypes[1]);
    if (scaleType.getElementType().isF32()) {
      params.push_back(DenseElementsAttr::get(scaleType, ArrayRef(scales)));
    } else {
      SmallVector<APFloat> converted;
      for (float s : scales) {
        APFloat f(s);
        bool losesInfo;
        f.convert(cast<FloatType>(scaleType.getElementType())
                      .getFloatSemantics(),
                  APFloat::rmNearestTiesToEven, &losesInfo);
        converted.push_back(f);
      }
      params.push_back(DenseElementsAttr::get(scaleType, converted));
    }
    if (uniform && uniform.getZeroPoint())
      params.push_back(DenseElementsAttr::get(
          cast<RankedTensorType>(partTypes[2]), ArrayRef(zeroPoints)));
  }

  // No f32 attribute of the weight is made: attributes live as long as the
  // context, and the weights are the bulk of the memory.
  DenseElementsAttr payload =
      isa<Float64Type>(type.getExpressedType())
          ? encodeConstant(type, getMatrixAttr(layer, layer.values), params)
          : encodeValues(type, layer.values, params);
  SmallVector<DenseElementsAttr> parts{payload};
  llvm::append_range(parts, params);
  recordCompression(layer, decodeConstant(type, parts));

  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(layer.op);
  Location loc = layer.op.getLoc();
  SmallVector<Value> values;
  for (DenseElementsAttr part : parts)
    values.push_back(arith::ConstantOp::create(b, loc, part));
  Value compressed = AssembleOp::create(b, loc, type, values);
  replaceWeight(b, layer,
                DecodeOp::create(b, loc, type.getDecodedType(), compressed));
  return success();
}

namespace {
struct MCQuantize : public mc::impl::MCQuantizeBase<MCQuantize> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<Scheme> scheme =
        resolveOptions(module, bits, type, symmetric, granularity, groupSize,
                       method, activations);
    if (failed(scheme))
      return signalPassFailure();
    FailureOr<std::vector<Layer>> found =
        collectLayers(module, LayerFilter{layers, minParams});
    if (failed(found))
      return signalPassFailure();
    OpBuilder b(&getContext());
    for (Layer &layer : *found)
      if (failed(quantizeLayer(b, *scheme, layer)))
        return signalPassFailure();
  }
};
} // namespace

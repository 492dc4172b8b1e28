//===- Quantize.cpp - weight quantization of upstream layers --------------===//
//
// Chooses scales (and zero points) or codebook tables per tensor, channel or
// group of each layer's weight matrix, encodes the weight at compile time
// with mc's exact encoder, and replaces it by
// mc.decode(mc.assemble(payload, params)).
//
//===----------------------------------------------------------------------===//

#include "mc/Dialect/MC/IR/Numerics.h"
#include "mc/Dialect/MC/Transforms/Codebooks.h"
#include "mc/Dialect/MC/Transforms/Passes.h"
#include "mc/Dialect/MC/Transforms/Weights.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cmath>
#include <limits>

namespace mc {
#define GEN_PASS_DEF_MCQUANTIZE
#include "mc/Dialect/MC/Transforms/Passes.h.inc"
} // namespace mc

using namespace mlir;
using namespace mc;

namespace {
enum class Granularity { Tensor, Channel, Group };
enum class Method { Rtn, Mse, Log2, KMeans };
enum class Activations { None, Dynamic, Static };

/// The options, checked and resolved.
struct Scheme {
  Type storage; // IntegerType or FloatType; unsigned for codebook indices
  bool symmetric;
  Granularity granularity;
  int64_t groupSize;
  Method method;
  Activations activations;
  bool activationSymmetric;
  /// activations=static: each layer's calibrated [min, max] of x.
  llvm::StringMap<std::pair<float, float>> calibration;
  std::string calibrationFiles; // as given, for messages

  bool isInt() const { return isa<IntegerType>(storage); }
  /// bits=1 with method=rtn: sign(w) * mean|w|.
  bool isBinary() const {
    return method == Method::Rtn && storage.getIntOrFloatBitWidth() == 1;
  }
  /// log2, kmeans and binary weights are `#mc.codebook` indices and tables.
  bool isCodebook() const {
    return method == Method::Log2 || method == Method::KMeans || isBinary();
  }
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

/// activations=static: a layer's int8 activation scale and, if asymmetric,
/// zero point.
struct StaticActivations {
  float scale;
  std::optional<int32_t> zeroPoint;
};
} // namespace

/// The widths `method` supports with type=int.
static bool isValidIntBits(Method method, unsigned bits) {
  switch (method) {
  case Method::KMeans:
    return bits >= 1 && bits <= 8;
  case Method::Log2:
    return bits >= 2 && bits <= 8;
  case Method::Rtn:
    return bits == 8 || bits == 4 || bits == 2 || bits == 1;
  case Method::Mse:
    return bits == 8 || bits == 4 || bits == 2;
  }
  llvm_unreachable("unknown method");
}

/// Reads the activation ranges of `mc-run --calibrate`:
///   {"layers": {"<layer>": {"min": <number>, "max": <number>}, ...}, ...}
/// into each layer's range (the widest over several files).
static LogicalResult
readCalibration(ModuleOp module, StringRef path,
                llvm::StringMap<std::pair<float, float>> &ranges) {
  auto fail = [&]() {
    return emitError(module.getLoc(), "mc-quantize: calibration file '")
           << path << "' ";
  };
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> file =
      llvm::MemoryBuffer::getFile(path);
  if (!file)
    return fail() << "cannot be read: " << file.getError().message();
  llvm::Expected<llvm::json::Value> json =
      llvm::json::parse((*file)->getBuffer());
  if (!json)
    return fail() << "is not JSON: " << llvm::toString(json.takeError());
  const llvm::json::Object *layers =
      json->getAsObject() ? json->getAsObject()->getObject("layers") : nullptr;
  if (!layers)
    return fail() << "has no \"layers\" object";
  for (const auto &[name, value] : *layers) {
    const llvm::json::Object *range = value.getAsObject();
    std::optional<double> lo = range ? range->getNumber("min") : std::nullopt;
    std::optional<double> hi = range ? range->getNumber("max") : std::nullopt;
    if (!lo || !hi)
      return fail() << "gives layer '" << name.str()
                    << "' no numbers \"min\" and \"max\"";
    double largest = std::fmax(std::fabs(*lo), std::fabs(*hi));
    if (!(*lo <= *hi) || !(largest <= std::numeric_limits<float>::max())) {
      std::string range;
      llvm::raw_string_ostream(range) << llvm::format("[%.9g, %.9g]", *lo, *hi);
      return fail() << "gives layer '" << name.str() << "' the range " << range
                    << ": expected min <= max, both finite f32";
    }
    std::pair<float, float> bounds(*lo, *hi);
    auto [it, inserted] = ranges.try_emplace(name.str(), bounds);
    if (!inserted)
      it->second = {std::fmin(it->second.first, bounds.first),
                    std::fmax(it->second.second, bounds.second)};
  }
  return success();
}

static FailureOr<Scheme>
resolveOptions(ModuleOp module, unsigned bits, StringRef type, bool symmetric,
               StringRef granularity, int64_t groupSize, StringRef method,
               StringRef activations, bool activationSymmetric,
               ArrayRef<std::string> calibration) {
  MLIRContext *ctx = module.getContext();
  Scheme scheme;
  scheme.symmetric = symmetric;
  scheme.groupSize = groupSize;
  auto fail = [&]() { return emitError(module.getLoc(), "mc-quantize: "); };
  std::optional<Method> m = llvm::StringSwitch<std::optional<Method>>(method)
                                .Case("rtn", Method::Rtn)
                                .Case("mse", Method::Mse)
                                .Case("log2", Method::Log2)
                                .Case("kmeans", Method::KMeans)
                                .Default(std::nullopt);
  if (!m)
    return fail() << "unknown method '" << method
                  << "': expected rtn, mse, log2 or kmeans";
  scheme.method = *m;
  bool codebookMethod = *m == Method::Log2 || *m == Method::KMeans;
  if (type == "int") {
    if (bits == 0)
      bits = 8;
    if (!isValidIntBits(*m, bits)) {
      if (*m == Method::Mse && bits == 1)
        return fail() << "bits=1 (binary sign(w)*mean|w|) has no clipping "
                         "to search: use method=rtn, or method=kmeans for "
                         "two free levels";
      if (*m == Method::Log2 && bits == 1)
        return fail() << "method=log2 needs bits >= 2: one bit leaves no "
                         "power-of-two level besides 0";
      return fail() << "bits=" << bits
                    << " is not supported: expected 8, 4, 2 or 1 for "
                       "type=int (1 to 8 with method=kmeans, 2 to 8 with "
                       "method=log2)";
    }
    if (!symmetric && (*m == Method::Log2 || bits == 1))
      return fail() << (*m == Method::Log2 ? "method=log2" : "bits=1")
                    << " levels are symmetric around 0: symmetric=false is "
                       "not supported";
    bool isUnsigned = !symmetric || codebookMethod || bits == 1;
    scheme.storage = IntegerType::get(
        ctx, bits, isUnsigned ? IntegerType::Unsigned : IntegerType::Signless);
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
    if (codebookMethod)
      return fail() << "method=" << method << " needs type=int: its payload "
                    << "is integer table indices, not type=" << type;
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
  std::optional<Activations> act =
      llvm::StringSwitch<std::optional<Activations>>(activations)
          .Case("none", Activations::None)
          .Case("dynamic", Activations::Dynamic)
          .Case("static", Activations::Static)
          .Default(std::nullopt);
  if (!act)
    return fail() << "unknown activations '" << activations
                  << "': expected none, dynamic or static";
  scheme.activations = *act;
  if (*act == Activations::Static && calibration.empty())
    return fail() << "activations=static needs calibration=FILE, the "
                     "activation ranges that `mc-run --calibrate=FILE` "
                     "records";
  scheme.calibrationFiles = llvm::join(calibration, ",");
  if (*act != Activations::Static && !calibration.empty())
    return fail() << "calibration=" << scheme.calibrationFiles
                  << " is only read with activations=static";
  scheme.activationSymmetric = activationSymmetric;
  if (!activationSymmetric && *act != Activations::Static)
    return fail() << "activation-symmetric=false needs activations=static "
                     "(dynamic activations have symmetric row scales)";
  if (!activationSymmetric && scheme.granularity == Granularity::Group)
    return fail() << "activation-symmetric=false needs granularity=tensor "
                     "or channel: the group products take symmetric "
                     "activations";
  if (*act == Activations::None)
    return scheme;
  std::string what = ("activations=" + activations).str();
  if (scheme.isCodebook())
    return fail() << what << " needs uniform int8 weights: "
                  << (scheme.isBinary() ? "bits=1" : ("method=" + method).str())
                  << " makes a codebook, which has no integer dot product";
  if (scheme.granularity != Granularity::Group &&
      (type != "int" || bits != 8 || !symmetric))
    return fail() << what
                  << " needs symmetric int8 weights with "
                     "granularity=tensor or channel, or symmetric int8/int4 "
                     "weights with granularity=group (one integer dot "
                     "product per group)";
  if (scheme.granularity == Granularity::Group &&
      (type != "int" || (bits != 8 && bits != 4) || !symmetric))
    return fail() << what
                  << " with granularity=group needs symmetric int8 or int4 "
                     "weights";
  if (scheme.granularity == Granularity::Group && groupSize % 4 != 0)
    return fail() << what
                  << " needs a group-size that is a multiple of 4 (the "
                     "integer dot products sum 4 k at a time), got "
                  << groupSize;
  if (*act == Activations::Static)
    for (StringRef file : calibration)
      if (failed(readCalibration(module, file, scheme.calibration)))
        return failure();
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
  if (scheme.isCodebook())
    return CodebookEncodingAttr::get(ctx, cast<IntegerType>(scheme.storage),
                                     axis, block);
  if (auto storage = dyn_cast<IntegerType>(scheme.storage))
    return UniformEncodingAttr::get(ctx, storage, axis, block,
                                    /*zeroPoint=*/!scheme.symmetric,
                                    /*narrow=*/scheme.symmetric);
  bool perTensor = !axis && block.empty();
  return FloatEncodingAttr::get(ctx, cast<FloatType>(scheme.storage), axis,
                                block, scheme.hasScales() && perTensor);
}

/// Integer scale and zero point (in [0, qmax]) for `stats` shrunk by
/// `ratio` (1 = min-max).
static Params chooseUniformParams(bool symmetric, float qmax,
                                  const GroupStats &stats, float ratio) {
  if (symmetric) {
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
  return chooseUniformParams(scheme.symmetric, uniform.getQMax(), stats, ratio);
}

/// activations=static: the int8 scale and zero point of a layer's
/// activations from their calibrated range [lo, hi], by the weights' rules:
/// symmetric (narrow, [-127, 127]) from max(|lo|, |hi|), or asymmetric over
/// [min(lo, 0), max(hi, 0)] with the unsigned zero point in [0, 255]
/// shifted by -128 to i8's range.
static StaticActivations getActivationParams(bool symmetric,
                                             std::pair<float, float> range) {
  GroupStats stats{std::fmax(std::fabs(range.first), std::fabs(range.second)),
                   std::fmin(range.first, 0.0f), std::fmax(range.second, 0.0f)};
  if (symmetric)
    return {chooseUniformParams(true, 127, stats, 1.0f).scale, std::nullopt};
  Params p = chooseUniformParams(false, 255, stats, 1.0f);
  return {p.scale, p.zeroPoint - 128};
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

/// The layer attributes move to the integer contraction, which has the
/// payload as its weight; the weight scales are counted as extra bytes.
static void moveLayerAttrs(OpBuilder &b, Operation *from, Operation *to,
                           DenseElementsAttr scales) {
  to->setAttr("mc.layer", from->getAttr("mc.layer"));
  NamedAttrList stats(from->getAttrOfType<DictionaryAttr>("mc.compression"));
  stats.set("extra_bytes",
            b.getI64IntegerAttr(scales.getNumElements() *
                                scales.getElementType().getIntOrFloatBitWidth() /
                                8));
  to->setAttr("mc.compression", stats.getDictionary(b.getContext()));
}

/// A zero-filled i32 tensor of `shape`: integer accumulators.
static Value emitZeroAcc(OpBuilder &b, Location loc, ArrayRef<int64_t> shape) {
  Type i32 = b.getI32Type();
  Value zero = arith::ConstantOp::create(b, loc, i32, b.getI32IntegerAttr(0));
  return linalg::FillOp::create(
             b, loc, zero,
             tensor::EmptyOp::create(b, loc, shape, i32).getResult())
      .getResult(0);
}

/// Replaces the layer op `op` (weight operand 1) by `y`.
static void replaceLayerOp(Operation *op, Value y) {
  op->replaceAllUsesWith(ValueRange{y});
  Value oldWeight = op->getOperand(1);
  op->erase();
  eraseDeadProducers(oldWeight);
}

/// The i32 term an activation zero point zx adds to a layer's integer
/// products, per output channel n: zx * sum_k q[k, n] over the int8 payload
/// `payload` (the layer's matrix), so that acc - it = sum (qx - zx) q.
/// Computed modulo 2^32, as the products are.
static Value emitZeroPointTerm(OpBuilder &b, Location loc, const Layer &layer,
                               DenseElementsAttr payload, int32_t zx) {
  SmallVector<uint32_t> sums(layer.N, 0);
  auto q = payload.getValues<int8_t>();
  for (int64_t k = 0; k < layer.K; ++k)
    for (int64_t n = 0; n < layer.N; ++n)
      sums[n] += static_cast<uint32_t>(zx) *
                 static_cast<uint32_t>(int32_t(q[layer.index(0, k, n)]));
  SmallVector<int32_t> values(sums.begin(), sums.end());
  auto type = RankedTensorType::get({layer.N}, b.getI32Type());
  return arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(type, ArrayRef<int32_t>(values)));
}

/// Replaces `op` (init C) by y = C + (f32(acc - zt) * sx) * sw in f32,
/// element-wise over acc's dims, sx, sw and zt (the zero-point term, if
/// any) read through their maps.
static void replaceWithRescale(OpBuilder &b, Operation *op, Value acc, Value sx,
                               AffineMap sxMap, Value sw, AffineMap swMap,
                               Value zt = {}, AffineMap ztMap = {}) {
  Location loc = op->getLoc();
  Value init = cast<DestinationStyleOpInterface>(op).getDpsInits()[0];
  auto initType = cast<RankedTensorType>(init.getType());
  AffineMap id =
      AffineMap::getMultiDimIdentityMap(initType.getRank(), b.getContext());
  SmallVector<Value> inputs{acc, sx, sw};
  SmallVector<AffineMap> maps{id, sxMap, swMap};
  if (zt) {
    inputs.push_back(zt);
    maps.push_back(ztMap);
  }
  maps.push_back(id);
  Value y =
      linalg::GenericOp::create(
          b, loc, initType, inputs, init, maps,
          SmallVector<utils::IteratorType>(initType.getRank(),
                                           utils::IteratorType::parallel),
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value v = args[0];
            if (zt)
              v = arith::SubIOp::create(nb, nl, v, args[3]);
            Value f = arith::SIToFPOp::create(nb, nl, nb.getF32Type(), v);
            f = arith::MulFOp::create(nb, nl, f, args[1]);
            f = arith::MulFOp::create(nb, nl, f, args[2]);
            linalg::YieldOp::create(
                nb, nl,
                arith::AddFOp::create(nb, nl, args.back(), f).getResult());
          })
          .getResult(0);
  replaceLayerOp(op, y);
}

/// The int8 payload of the activations `x` encoded with scales `sx` and, if
/// given, zero points `zx` (per tensor, or along `axis`), through mc's
/// exact encoder: symmetric narrow [-127, 127], or [-128, 127] with zero
/// points.
static Value emitInt8Activations(OpBuilder &b, Location loc, Value x, Value sx,
                                 Value zx, std::optional<int64_t> axis) {
  auto xEnc = UniformEncodingAttr::get(b.getContext(), b.getIntegerType(8),
                                       axis, {}, /*zeroPoint=*/bool(zx),
                                       /*narrow=*/!zx);
  auto xCompressed =
      CompressedType::get(cast<RankedTensorType>(x.getType()), xEnc);
  SmallVector<Value> params{sx};
  if (zx)
    params.push_back(zx);
  Value cx = EncodeOp::create(b, loc, xCompressed, x, params);
  return DisassembleOp::create(b, loc, xCompressed.getPartTypes(), cx)
      .getResult(0);
}

/// activations=static: the scale and (asymmetric only) zero point of `act`
/// as constant tensors of `shape`.
static std::pair<Value, Value> emitStaticParams(OpBuilder &b, Location loc,
                                                ArrayRef<int64_t> shape,
                                                StaticActivations act) {
  Value sx = arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(RankedTensorType::get(shape, b.getF32Type()),
                             act.scale));
  if (!act.zeroPoint)
    return {sx, Value()};
  Value zx = arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(RankedTensorType::get(shape, b.getI32Type()),
                             *act.zeroPoint));
  return {sx, zx};
}

/// Group-wise dynamic activations (see the pass description): with qx the
/// M x K int8 activations, qw the K x N int8/int4 payload and sw its
/// (K/G) x N scales,
///   P[m, g, n] = sum_{t < G} qx[m, gG + t] * qw[gG + t, n]   (exact, i32)
///   a_0 = 0;  a_{g+1} = a_g + f32(P[m, g, n]) * sw[g, n]
///   y[m, n] = C[m, n] + a_{K/G} * sx[m]
/// for g = 0, 1, ..., every step rounded to f32 (no FMA). sx is applied
/// once, not per group: a kernel saves a multiply per group and output.
/// qx is expanded to M x (K/G) x G and the payload stays in its storage
/// type as a constant (K/G) x G x N tensor, so the contraction is the layer
/// (its weight bytes are the payload's).
static Value emitGroupProducts(OpBuilder &b, Location loc,
                               linalg::MatmulOp matmul,
                               ArrayRef<DenseElementsAttr> parts, Value qx,
                               Value sx, int64_t groupSize) {
  MLIRContext *ctx = b.getContext();
  Value init = matmul.getOutputs()[0];
  auto initType = cast<RankedTensorType>(init.getType());
  auto qxType = cast<RankedTensorType>(qx.getType());
  int64_t m = qxType.getDimSize(0), k = qxType.getDimSize(1),
          n = initType.getDimSize(1), numGroups = k / groupSize;
  Type f32 = b.getF32Type(), i32 = b.getI32Type();
  auto par = utils::IteratorType::parallel, red = utils::IteratorType::reduction;
  auto dims = [&](ArrayRef<unsigned> positions, unsigned count) {
    SmallVector<AffineExpr> exprs;
    for (unsigned p : positions)
      exprs.push_back(getAffineDimExpr(p, ctx));
    return AffineMap::get(count, 0, exprs, ctx);
  };

  Value qx3 = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get({m, numGroups, groupSize}, b.getI8Type()),
      qx, ArrayRef<ReassociationIndices>{{0}, {1, 2}});
  Value qw = arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr(parts[0]).reshape(RankedTensorType::get(
          {numGroups, groupSize, n}, parts[0].getElementType())));
  Value sw = arith::ConstantOp::create(b, loc, parts[1]);
  Value acc = emitZeroAcc(b, loc, {m, numGroups, n});
  // (m, g, n, t)
  auto products = linalg::GenericOp::create(
      b, loc, acc.getType(), ValueRange{qx3, qw}, acc,
      ArrayRef<AffineMap>{dims({0, 1, 3}, 4), dims({1, 3, 2}, 4),
                          dims({0, 1, 2}, 4)},
      ArrayRef<utils::IteratorType>{par, par, par, red},
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value a = arith::ExtSIOp::create(nb, nl, i32, args[0]);
        Value w = arith::ExtSIOp::create(nb, nl, i32, args[1]);
        Value p = arith::MulIOp::create(nb, nl, a, w);
        linalg::YieldOp::create(
            nb, nl, arith::AddIOp::create(nb, nl, args[2], p).getResult());
      });
  moveLayerAttrs(b, matmul, products, parts[1]);
  // (m, n, g)
  Value sumsInit =
      linalg::FillOp::create(
          b, loc,
          arith::ConstantOp::create(b, loc, f32, b.getF32FloatAttr(0.0))
              .getResult(),
          tensor::EmptyOp::create(b, loc, initType.getShape(), f32)
              .getResult())
          .getResult(0);
  Value sums =
      linalg::GenericOp::create(
          b, loc, sumsInit.getType(), ValueRange{products.getResult(0), sw},
          sumsInit,
          ArrayRef<AffineMap>{dims({0, 2, 1}, 3), dims({2, 1}, 3),
                              dims({0, 1}, 3)},
          ArrayRef<utils::IteratorType>{par, par, red},
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value f = arith::SIToFPOp::create(nb, nl, f32, args[0]);
            f = arith::MulFOp::create(nb, nl, f, args[1]);
            linalg::YieldOp::create(
                nb, nl, arith::AddFOp::create(nb, nl, args[2], f).getResult());
          })
          .getResult(0);
  // (m, n)
  return linalg::GenericOp::create(
             b, loc, initType, ValueRange{sums, sx}, init,
             ArrayRef<AffineMap>{dims({0, 1}, 2), dims({0}, 2),
                                 dims({0, 1}, 2)},
             ArrayRef<utils::IteratorType>{par, par},
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value f = arith::MulFOp::create(nb, nl, args[0], args[1]);
               linalg::YieldOp::create(
                   nb, nl,
                   arith::AddFOp::create(nb, nl, args[2], f).getResult());
             })
      .getResult(0);
}

/// The integer weight of the i8 matmul: the payload, or with an N:M
/// weight (`nm`, parts = indices, kept payload, scales) the payload's kept
/// values under `#mc.nm` with i8 as expressed type, so that the structure
/// stays visible (to the report, and to the 2:4 kernels, which fold the
/// decode into the dense constant they pack).
static Value buildIntegerWeight(OpBuilder &b, Location loc, const Layer &layer,
                                ArrayRef<DenseElementsAttr> parts,
                                NMEncodingAttr nm) {
  if (!nm)
    return arith::ConstantOp::create(b, loc, parts[0]);
  MLIRContext *ctx = b.getContext();
  auto type = CompressedType::get(
      ctx, layer.matrixShape, parts[1].getElementType(),
      NMEncodingAttr::get(ctx, nm.getN(), nm.getM(), nm.getAxis(), {}));
  Value indices = arith::ConstantOp::create(b, loc, parts[0]);
  Value values = arith::ConstantOp::create(b, loc, parts[1]);
  Value compressed =
      AssembleOp::create(b, loc, type, ValueRange{indices, values});
  return DecodeOp::create(b, loc, type.getDecodedType(), compressed);
}

/// activations=dynamic: sx[m] = max_k |x[m, k]| / 127 (f32), or 1 for an
/// all-zero row, computed at run time.
static Value emitRowScales(OpBuilder &b, Location loc, Value x) {
  MLIRContext *ctx = b.getContext();
  int64_t m = cast<RankedTensorType>(x.getType()).getDimSize(0);
  Type f32 = b.getF32Type();
  auto rowType = RankedTensorType::get({m}, f32);
  auto par = utils::IteratorType::parallel,
       red = utils::IteratorType::reduction;
  AffineMap all = AffineMap::getMultiDimIdentityMap(2, ctx);
  AffineMap row = all.getSubMap({0});
  AffineMap id = AffineMap::getMultiDimIdentityMap(1, ctx);
  auto f32Const = [&](OpBuilder &cb, Location cl, double v) -> Value {
    return arith::ConstantOp::create(cb, cl, f32, cb.getF32FloatAttr(v));
  };
  Value absMax = linalg::FillOp::create(
                     b, loc, f32Const(b, loc, 0.0),
                     tensor::EmptyOp::create(b, loc, {m}, f32).getResult())
                     .getResult(0);
  absMax = linalg::GenericOp::create(
               b, loc, rowType, x, absMax, ArrayRef<AffineMap>{all, row},
               ArrayRef<utils::IteratorType>{par, red},
               [&](OpBuilder &nb, Location nl, ValueRange args) {
                 Value a = math::AbsFOp::create(nb, nl, args[0]);
                 linalg::YieldOp::create(
                     nb, nl,
                     arith::MaximumFOp::create(nb, nl, args[1], a).getResult());
               })
               .getResult(0);
  return linalg::GenericOp::create(
             b, loc, rowType, absMax,
             tensor::EmptyOp::create(b, loc, {m}, f32).getResult(),
             ArrayRef<AffineMap>{id, id}, ArrayRef<utils::IteratorType>{par},
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value s = arith::DivFOp::create(nb, nl, args[0],
                                               f32Const(nb, nl, 127.0));
               Value positive = arith::CmpFOp::create(
                   nb, nl, arith::CmpFPredicate::OGT, s, f32Const(nb, nl, 0.0));
               linalg::YieldOp::create(
                   nb, nl,
                   arith::SelectOp::create(nb, nl, positive, s,
                                           f32Const(nb, nl, 1.0))
                       .getResult());
             })
      .getResult(0);
}

/// With dynamic or static activations, a plain `linalg.matmul` (activations
/// x K-by-N weight) becomes: int8 scales of the activations (per row at run
/// time, or the calibrated constant), mc.encode of the activations, and
/// either an i8 x i8 -> i32 matmul and an epilogue `C + (acc * sx[m]) *
/// sw[n]` in f32 (per tensor or channel; with a zero point zx, acc less
/// zx * sum_k qw[k, n]), or per-group integer products combined in f32 (per
/// group).
static void quantizeActivations(OpBuilder &b, const Layer &layer,
                                ArrayRef<DenseElementsAttr> parts,
                                int64_t groupSize, NMEncodingAttr nm,
                                std::optional<StaticActivations> act) {
  auto matmul = cast<linalg::MatmulOp>(static_cast<Operation *>(layer.op));
  MLIRContext *ctx = b.getContext();
  Location loc = matmul.getLoc();
  Value x = matmul.getInputs()[0];
  auto initType = cast<RankedTensorType>(matmul.getOutputs()[0].getType());
  int64_t m = initType.getDimSize(0);

  auto [sx, zx] = act ? emitStaticParams(b, loc, {m}, *act)
                      : std::pair(emitRowScales(b, loc, x), Value());
  Value qx = emitInt8Activations(b, loc, x, sx, zx, /*axis=*/0);
  if (groupSize) {
    replaceLayerOp(matmul,
                   emitGroupProducts(b, loc, matmul, parts, qx, sx, groupSize));
    return;
  }
  Value qw = buildIntegerWeight(b, loc, layer, parts, nm);
  Value sw = arith::ConstantOp::create(b, loc, parts.back());
  Value acc = emitZeroAcc(b, loc, initType.getShape());
  auto intMatmul = linalg::MatmulOp::create(
      b, loc, TypeRange{acc.getType()}, ValueRange{qx, qw}, ValueRange{acc});
  moveLayerAttrs(b, matmul, intMatmul, parts.back());
  AffineMap id = AffineMap::getMultiDimIdentityMap(2, ctx);
  AffineMap swMap = cast<ShapedType>(sw.getType()).getRank() == 0
                        ? AffineMap::get(2, 0, {}, ctx)
                        : id.getSubMap({1});
  Value zt = zx ? emitZeroPointTerm(b, loc, layer, parts[0], *act->zeroPoint)
                : Value();
  replaceWithRescale(b, matmul, intMatmul.getResult(0), sx, id.getSubMap({0}),
                     sw, swMap, zt, id.getSubMap({1}));
}

/// activations=static on a 2-D convolution: x encoded to int8 with the
/// layer's one calibrated scale sx (and zero point zx, if asymmetric), the
/// i8 x i8 -> i32 convolution of the same kind on the int8 filter (the
/// payload in the filter's layout; an N:M filter's kept values decoded and
/// expanded to it, as for a matmul), and y = C + (f32(acc - zx * sum of
/// filter f) * sx) * sw[f] (sw per tensor or output channel f).
static void quantizeConvActivations(OpBuilder &b, const Layer &layer,
                                    ArrayRef<DenseElementsAttr> parts,
                                    NMEncodingAttr nm, StaticActivations act) {
  Operation *conv = layer.op;
  MLIRContext *ctx = b.getContext();
  Location loc = conv->getLoc();
  auto initType = cast<RankedTensorType>(conv->getOperand(2).getType());
  auto [sx, zx] = emitStaticParams(b, loc, {}, act);
  Value qx = emitInt8Activations(b, loc, conv->getOperand(0), sx, zx,
                                 /*axis=*/std::nullopt);
  auto filterType =
      RankedTensorType::get(layer.weightType.getShape(), b.getI8Type());
  Value qw;
  if (nm) {
    qw = buildIntegerWeight(b, loc, layer, parts, nm);
    if (layer.getMatrixType() != layer.weightType)
      qw = tensor::ExpandShapeOp::create(b, loc, filterType, qw,
                                         layer.reassociation);
  } else {
    qw = arith::ConstantOp::create(
        b, loc, DenseElementsAttr(parts[0]).reshape(filterType));
  }
  Value sw = arith::ConstantOp::create(b, loc, parts.back());
  Value acc = emitZeroAcc(b, loc, initType.getShape());
  Operation *intConv;
  unsigned channelDim;
  if (auto nhwc = dyn_cast<linalg::Conv2DNhwcHwcfOp>(conv)) {
    intConv = linalg::Conv2DNhwcHwcfOp::create(
        b, loc, TypeRange{acc.getType()}, ValueRange{qx, qw}, acc,
        nhwc.getStridesAttr(), nhwc.getDilationsAttr());
    channelDim = 3;
  } else {
    auto nchw = cast<linalg::Conv2DNchwFchwOp>(conv);
    intConv = linalg::Conv2DNchwFchwOp::create(
        b, loc, TypeRange{acc.getType()}, ValueRange{qx, qw}, acc,
        nchw.getStridesAttr(), nchw.getDilationsAttr());
    channelDim = 1;
  }
  moveLayerAttrs(b, conv, intConv, parts.back());
  AffineMap none = AffineMap::get(4, 0, {}, ctx);
  AffineMap channel =
      AffineMap::getMultiDimIdentityMap(4, ctx).getSubMap({channelDim});
  AffineMap swMap =
      cast<ShapedType>(sw.getType()).getRank() == 0 ? none : channel;
  Value zt =
      zx ? emitZeroPointTerm(b, loc, layer, parts[0], *act.zeroPoint) : Value();
  replaceWithRescale(b, conv, intConv->getResult(0), sx, none, sw, swMap, zt,
                     channel);
}

/// The granularity of an encoding with scales or tables.
static std::pair<std::optional<int64_t>, ArrayRef<int64_t>>
getGranularity(EncodingAttrInterface encoding) {
  return TypeSwitch<Attribute,
                    std::pair<std::optional<int64_t>, ArrayRef<int64_t>>>(
             encoding)
      .Case<UniformEncodingAttr, FloatEncodingAttr, CodebookEncodingAttr>(
          [](auto enc) { return std::pair(enc.getAxis(), enc.getBlock()); });
}

/// Scales (and zero points) of a uniform or scaled float encoding: min-max,
/// or with method=mse the clipping ratio with the smallest error per group.
static SmallVector<DenseElementsAttr>
chooseScales(const Scheme &scheme, const Layer &layer, CompressedType type) {
  auto uniform = dyn_cast<UniformEncodingAttr>(type.getEncoding());
  auto [axis, block] = getGranularity(type.getEncoding());
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
  if (scheme.method == Method::Mse) {
    std::vector<double> best(numGroups, INFINITY);
    for (int i = 0; i < 20; ++i) {
      float ratio = float(1.0 - i / 40.0);
      std::vector<Params> candidate(numGroups);
      for (int64_t g = 0; g < numGroups; ++g)
        candidate[g] = chooseParams(scheme, uniform, stats[g], ratio);
      std::vector<double> error(numGroups, 0.0);
      for (auto [j, w] : llvm::enumerate(layer.values)) {
        double d =
            double(w) - roundTrip(scheme, uniform, w, candidate[groupOf[j]]);
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
  SmallVector<DenseElementsAttr> params{
      getFloatAttr(cast<RankedTensorType>(partTypes[1]), scales)};
  if (uniform && uniform.getZeroPoint())
    params.push_back(DenseElementsAttr::get(
        cast<RankedTensorType>(partTypes[2]), ArrayRef(zeroPoints)));
  return params;
}

/// The table of a codebook method, one per group of the weight matrix.
static DenseElementsAttr buildTable(const Scheme &scheme, const Layer &layer,
                                    CompressedType type) {
  auto enc = cast<CodebookEncodingAttr>(type.getEncoding());
  auto tableType = cast<RankedTensorType>(type.getPartTypes()[1]);
  const llvm::fltSemantics &sem =
      cast<FloatType>(tableType.getElementType()).getFloatSemantics();
  bool f32 = &sem == &APFloat::IEEEsingle();
  auto round = [&](double v) {
    if (f32) // the common case, natively
      return double(float(v));
    APFloat f(v);
    bool losesInfo;
    f.convert(sem, APFloat::rmNearestTiesToEven, &losesInfo);
    f.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &losesInfo);
    return f.convertToDouble();
  };
  bool f64 = isa<Float64Type>(tableType.getElementType());
  GroupedValues groups(layer.values, layer.matrixShape, enc.getAxis(),
                       enc.getBlock());
  int64_t size = enc.getNumEntries();
  std::vector<double> table(groups.size() * size);
  for (int64_t g = 0; g < groups.size(); ++g) {
    MutableArrayRef<double> entries(table.data() + g * size, size);
    if (scheme.isBinary())
      buildBinaryTable(groups[g], entries, round);
    else if (scheme.method == Method::Log2)
      buildLog2Table(groups[g], entries, round);
    else
      buildKMeansTable(groups[g], entries, round, f64);
  }
  if (f64)
    return DenseElementsAttr::get(tableType, ArrayRef(table));
  // Exact: the entries are rounded to the element type, at most f32.
  SmallVector<float> entries(table.begin(), table.end());
  return getFloatAttr(tableType, entries);
}

/// Binary payloads are the sign bits (sign(0) = +1), not the encoder's
/// nearest entry, which cannot tell the signs of |w| below half an ulp of
/// mean|w| apart.
static DenseElementsAttr getSignBits(const Layer &layer, CompressedType type) {
  SmallVector<bool> negative;
  negative.reserve(layer.values.size());
  for (float w : layer.values)
    negative.push_back(w < 0);
  return DenseElementsAttr::get(
      cast<RankedTensorType>(type.getPartTypes().front()), negative);
}

/// The parts (payload first) of `layer`'s weight matrix under `scheme`, and
/// its compressed type in `type`.
static FailureOr<SmallVector<DenseElementsAttr>>
encodeMatrix(const Scheme &scheme, const Layer &layer, CompressedType &type) {
  if (scheme.granularity == Granularity::Group && scheme.hasScales() &&
      layer.K % scheme.groupSize != 0)
    return layer.op->emitError("mc-quantize: group-size ")
           << scheme.groupSize << " does not divide K=" << layer.K
           << (layer.source ? " (kept values)" : "") << " of layer '"
           << layer.name << "'";
  EncodingAttrInterface encoding = getEncoding(scheme, layer);
  type = CompressedType::get(layer.getMatrixType(), encoding);
  SmallVector<DenseElementsAttr> params;
  if (scheme.isCodebook())
    params.push_back(buildTable(scheme, layer, type));
  else if (scheme.hasScales())
    params = chooseScales(scheme, layer, type);

  // No f32 attribute of the weight is made: attributes live as long as the
  // context, and the weights are the bulk of the memory.
  DenseElementsAttr payload;
  if (scheme.isBinary())
    payload = getSignBits(layer, type);
  else if (isa<Float64Type>(type.getExpressedType()))
    payload = encodeConstant(type, getMatrixAttr(layer, layer.values), params);
  else
    payload = encodeValues(type, layer.values, params);
  SmallVector<DenseElementsAttr> parts{payload};
  llvm::append_range(parts, params);
  return parts;
}

/// For a weight pruned to N:M with plain kept values: the kept values as a
/// matrix of their own (K scaled by N/M), to be quantized in place.
static Layer getKeptValues(const Layer &layer, NMEncodingAttr nm) {
  Layer kept;
  kept.name = layer.name;
  kept.op = layer.op;
  kept.source = layer.source;
  kept.weightType = layer.weightType;
  kept.matrixShape = nm.getKeptShape(layer.matrixShape);
  kept.channelsFirst = layer.channelsFirst;
  kept.numBatch = layer.numBatch;
  kept.K = layer.K / nm.getM() * nm.getN();
  kept.N = layer.N;
  DenseElementsAttr values;
  matchPattern(AssembleOp(layer.source).getParts()[1], m_Constant(&values));
  for (APFloat v : values.getValues<APFloat>()) {
    bool losesInfo;
    v.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven,
              &losesInfo);
    kept.values.push_back(v.convertToFloat());
  }
  return kept;
}

static LogicalResult quantizeLayer(OpBuilder &b, const Scheme &scheme,
                                   Layer &layer) {
  // An N:M weight keeps its sparsity: its kept values are quantized and
  // nested in the N:M encoding.
  NMEncodingAttr nm;
  if (layer.source) {
    nm = dyn_cast<NMEncodingAttr>(layer.source.getType().getEncoding());
    if (!nm || nm.getValueEncoding()) {
      layer.op->emitRemark("mc: layer '")
          << layer.name << "' skipped: its weight is already quantized";
      return success();
    }
  }
  // Scales and tables are computed in f32 from finite weights; an inf or
  // NaN (or an f64 weight beyond f32's range) has none.
  if ((scheme.hasScales() || scheme.isCodebook()) &&
      llvm::any_of(layer.values, [](float v) { return !std::isfinite(v); })) {
    layer.op->emitRemark("mc: layer '")
        << layer.name << "' not quantized: its weight is not finite in f32 "
        << "(inf, NaN, or an f64 value beyond f32's range)";
    return success();
  }
  CompressedType type;
  FailureOr<SmallVector<DenseElementsAttr>> parts =
      nm ? encodeMatrix(scheme, getKeptValues(layer, nm), type)
         : encodeMatrix(scheme, layer, type);
  if (failed(parts))
    return failure();
  if (nm) {
    type = CompressedType::get(
        b.getContext(), layer.matrixShape, type.getExpressedType(),
        NMEncodingAttr::get(b.getContext(), nm.getN(), nm.getM(),
                            nm.getAxis(), type.getEncoding()));
    DenseElementsAttr indices;
    matchPattern(layer.source.getParts()[0], m_Constant(&indices));
    parts->insert(parts->begin(), indices);
  }
  recordCompression(layer, decodeConstant(type, *parts));

  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(layer.op);
  if (scheme.activations != Activations::None) {
    bool group = scheme.granularity == Granularity::Group;
    bool isStatic = scheme.activations == Activations::Static;
    StringRef mode = isStatic ? "static" : "dynamic";
    bool matmul = canQuantizeActivations(layer);
    bool conv = isStatic && !matmul && canQuantizeActivationsStatically(layer);
    if (nm && group && matmul) {
      // Groups of kept values are not groups of K: the group products would
      // need the weight decoded per group, which no kernel takes.
      layer.op->emitRemark("mc: layer '")
          << layer.name << "' keeps f32 activations: activations=" << mode
          << " with granularity=group needs a dense weight; an N:M weight "
          << "takes granularity=channel or tensor";
    } else if (conv && (group || (nm && nm.getAxis() != layer.kDim()))) {
      layer.op->emitRemark("mc: layer '")
          << layer.name << "' keeps f32 activations: activations=static on "
          << "a convolution needs granularity=tensor or channel (and N:M "
          << "along the filter's K)";
    } else if (nm && (matmul || conv) && !scheme.activationSymmetric) {
      layer.op->emitRemark("mc: layer '")
          << layer.name << "' keeps f32 activations: "
          << "activation-symmetric=false needs a dense weight";
    } else if ((matmul && (!nm || nm.getAxis() == layer.kDim())) || conv) {
      std::optional<StaticActivations> act;
      if (isStatic) {
        auto it = scheme.calibration.find(layer.name);
        if (it == scheme.calibration.end())
          return layer.op->emitError("mc-quantize: no range for layer '")
                 << layer.name
                 << "' in calibration=" << scheme.calibrationFiles;
        act = getActivationParams(scheme.activationSymmetric, it->second);
      }
      if (conv)
        quantizeConvActivations(b, layer, *parts, nm, *act);
      else
        quantizeActivations(b, layer, *parts, group ? scheme.groupSize : 0, nm,
                            act);
      return success();
    } else {
      layer.op->emitRemark("mc: layer '")
          << layer.name << "' keeps f32 activations: activations=" << mode
          << " handles plain linalg.matmul with a K x N weight (dense, or "
          << "N:M along K)"
          << (isStatic ? " and 2-D NHWC/HWCF or NCHW/FCHW convolutions" : "");
    }
  }
  Location loc = layer.op.getLoc();
  SmallVector<Value> values;
  for (DenseElementsAttr part : *parts)
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
                       method, activations, activationSymmetric, calibration);
    if (failed(scheme))
      return signalPassFailure();
    FailureOr<std::vector<Layer>> found =
        collectLayers(module, LayerFilter{layers, minParams,
                                          /*allowCompressed=*/true,
                                          /*lazy=*/true});
    if (failed(found))
      return signalPassFailure();
    OpBuilder b(&getContext());
    for (Layer &layer : *found) {
      loadValues(layer);
      if (failed(quantizeLayer(b, *scheme, layer)))
        return signalPassFailure();
      releaseValues(layer);
    }
  }
};
} // namespace

//===- CompressionReport.cpp - size, sparsity, FLOPs and SQNR per layer ---===//

#include "mc/Dialect/MC/IR/Numerics.h"
#include "mc/Dialect/MC/Transforms/Passes.h"
#include "mc/Dialect/MC/Transforms/Weights.h"

#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"

namespace mc {
#define GEN_PASS_DEF_MCCOMPRESSIONREPORT
#include "mc/Dialect/MC/Transforms/Passes.h.inc"
} // namespace mc

using namespace mlir;
using namespace mc;

namespace {
struct Row {
  std::string name, kind, shape, encoding;
  int64_t params = 0, denseParams = 0;
  double bytesBefore = 0, bytesAfter = 0;
  std::optional<double> sparsity, sqnr;
  std::optional<int64_t> rank;
  int64_t flopsBefore = 0, flopsAfter = 0;
  bool exact = false; // no compression error at all

  double bitsPerWeight() const {
    return denseParams ? bytesAfter * 8 / denseParams : 0;
  }
};
} // namespace

/// Bytes of a tensor type, sub-byte elements packed.
static double getBytes(Type type) {
  auto tensor = cast<RankedTensorType>(type);
  return double(tensor.getNumElements()) *
         tensor.getElementTypeBitWidth() / 8.0;
}

/// Looks through the view ops compression passes insert or find.
static Value skipViews(Value value) {
  while (Operation *op = value.getDefiningOp()) {
    if (!isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp,
             tensor::ExtractSliceOp, linalg::TransposeOp>(op))
      break;
    value = op->getOperand(0);
  }
  return value;
}

static double zeroFraction(ArrayRef<float> values) {
  if (values.empty())
    return 0;
  return double(llvm::count(values, 0.0f)) / values.size();
}

/// Fills the weight columns of `row` from the op's weight operand; false if
/// the op has no constant or compressed weight.
static bool describeWeight(linalg::LinalgOp op, Row &row) {
  for (OpOperand *input : llvm::reverse(op.getDpsInputOperands())) {
    Value source = skipViews(input->get());
    auto type = dyn_cast<RankedTensorType>(input->get().getType());
    if (!type)
      continue;
    row.shape.clear();
    llvm::raw_string_ostream os(row.shape);
    llvm::interleave(type.getShape(), os, "x");
    row.params = row.denseParams = type.getNumElements();
    row.bytesBefore = getBytes(type);
    if (auto decode = source.getDefiningOp<DecodeOp>()) {
      CompressedType compressed = decode.getInput().getType();
      llvm::raw_string_ostream(row.encoding) << compressed.getEncoding();
      row.bytesAfter = 0;
      for (Type part : compressed.getPartTypes())
        row.bytesAfter += getBytes(part);
      if (auto assemble = decode.getInput().getDefiningOp<AssembleOp>()) {
        SmallVector<DenseElementsAttr> parts;
        for (Value part : assemble.getParts())
          if (!matchPattern(part, m_Constant(&parts.emplace_back())))
            return true;
        std::vector<float> values = decodeConstant(compressed, parts);
        if (!values.empty())
          row.sparsity = zeroFraction(values);
      }
      return true;
    }
    DenseElementsAttr constant;
    if (matchPattern(source, m_Constant(&constant)) &&
        isa<IntegerType>(constant.getElementType())) {
      // An integer payload used directly (dynamically quantized matmuls).
      llvm::raw_string_ostream(row.encoding)
          << "payload " << constant.getElementType();
      row.bytesAfter = row.bytesBefore;
      std::vector<float> values;
      for (APInt v : constant.getValues<APInt>())
        values.push_back(v.isZero() ? 0.0f : 1.0f);
      row.sparsity = zeroFraction(values);
      return true;
    }
    if (matchPattern(source, m_Constant(&constant)) &&
        isa<FloatType>(constant.getElementType())) {
      row.encoding = "dense";
      row.bytesAfter = row.bytesBefore;
      std::vector<float> values;
      for (APFloat v : constant.getValues<APFloat>())
        values.push_back(v.isZero() ? 0.0f : 1.0f);
      row.sparsity = zeroFraction(values);
      return true;
    }
  }
  return false;
}

static std::string formatCount(double v) {
  std::string s;
  llvm::raw_string_ostream os(s);
  if (v >= 1e9)
    os << llvm::format("%.2fG", v / 1e9);
  else if (v >= 1e6)
    os << llvm::format("%.2fM", v / 1e6);
  else if (v >= 1e4)
    os << llvm::format("%.1fk", v / 1e3);
  else
    os << llvm::format("%.0f", v);
  return s;
}

namespace {
struct MCCompressionReport
    : public mc::impl::MCCompressionReportBase<MCCompressionReport> {
  using Base::Base;

  void runOnOperation() override {
    std::vector<Row> rows;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (!op.hasPureTensorSemantics() ||
          !(linalg::isaContractionOpInterface(op) ||
            linalg::isaConvolutionOpInterface(op)))
        return;
      if (failed(mc::verifyCompressionRecord(op))) {
        signalPassFailure();
        return;
      }
      Row row;
      if (!describeWeight(op, row))
        return;
      auto name = op->getAttrOfType<StringAttr>("mc.layer");
      row.name = name ? name.str() : "";
      row.kind = op->getName().getStringRef().drop_front(7).str();
      row.flopsAfter = getFlops(op);
      row.flopsBefore = row.flopsAfter;
      if (auto rank = op->getAttrOfType<IntegerAttr>("mc.rank"))
        row.rank = rank.getInt();
      if (auto stats = op->getAttrOfType<DictionaryAttr>("mc.compression")) {
        auto getInt = [&](StringRef key) {
          return cast<IntegerAttr>(stats.get(key)).getInt();
        };
        auto getFloat = [&](StringRef key) {
          return cast<FloatAttr>(stats.get(key)).getValueAsDouble();
        };
        // The baseline is the dense layer before any pass touched it.
        row.denseParams = getInt("dense_params");
        row.bytesBefore = getInt("dense_bytes");
        if (stats.get("extra_bytes"))
          row.bytesAfter += getInt("extra_bytes");
        row.flopsBefore = getInt("dense_flops");
        double noise = getFloat("noise"), signal = getFloat("signal");
        row.exact = noise == 0 && signal > 0;
        if (noise > 0 && signal > 0)
          row.sqnr = 10 * std::log10(signal / noise);
      }
      rows.push_back(std::move(row));
    });
    print(rows);
    if (!output.empty() && failed(writeJson(rows)))
      signalPassFailure();
  }

  void print(ArrayRef<Row> rows) {
    llvm::raw_ostream &os = llvm::errs();
    if (rows.empty()) {
      os << "mc-compression-report: no layers with constant weights found; "
            "nothing to compress\n";
      return;
    }
    os << llvm::format("%-24s %-20s %-14s %9s %10s %10s %6s %8s %5s %9s "
                       "%9s %8s\n",
                       "layer", "kind", "shape", "params", "bytes", "after",
                       "bits/w", "sparsity", "rank", "FLOPs", "after",
                       "SQNR dB");
    double params = 0, before = 0, after = 0, flops = 0, flopsAfter = 0;
    for (const Row &r : rows) {
      std::string sqnr = r.sqnr ? llvm::formatv("{0:F1}", *r.sqnr).str()
                                : (r.exact ? "exact" : "-");
      os << llvm::format("%-24s %-20s %-14s %9s %10s %10s %6.2f %7.1f%% %5s "
                         "%9s %9s %8s\n",
                         r.name.c_str(), r.kind.c_str(), r.shape.c_str(),
                         formatCount(r.params).c_str(),
                         formatCount(r.bytesBefore).c_str(),
                         formatCount(r.bytesAfter).c_str(),
                         r.bitsPerWeight(),
                         r.sparsity.value_or(0) * 100,
                         r.rank ? std::to_string(*r.rank).c_str() : "-",
                         formatCount(r.flopsBefore).c_str(),
                         formatCount(r.flopsAfter).c_str(), sqnr.c_str());
      params += r.params;
      before += r.bytesBefore;
      after += r.bytesAfter;
      flops += r.flopsBefore;
      flopsAfter += r.flopsAfter;
    }
    os << llvm::format("%-24s %-20s %-14s %9s %10s %10s %6s %8s %5s %9s "
                       "%9s\n",
                       "total", "", "", formatCount(params).c_str(),
                       formatCount(before).c_str(), formatCount(after).c_str(),
                       "", "", "", formatCount(flops).c_str(),
                       formatCount(flopsAfter).c_str());
    os << llvm::format("compression %.2fx (%s -> %s bytes), FLOPs %.2fx\n",
                       before / after, formatCount(before).c_str(),
                       formatCount(after).c_str(), flops / flopsAfter);
  }

  LogicalResult writeJson(ArrayRef<Row> rows) {
    llvm::json::Array layers;
    double before = 0, after = 0, flops = 0, flopsAfter = 0, params = 0;
    auto optional = [](auto v) -> llvm::json::Value {
      if (v)
        return *v;
      return nullptr;
    };
    for (const Row &r : rows) {
      layers.push_back(llvm::json::Object{
          {"name", r.name},
          {"kind", r.kind},
          {"shape", r.shape},
          {"encoding", r.encoding},
          {"params", r.params},
          {"bytes_before", r.bytesBefore},
          {"bytes_after", r.bytesAfter},
          {"dense_params", r.denseParams},
          {"bits_per_weight", r.bitsPerWeight()},
          {"sparsity", optional(r.sparsity)},
          {"rank", optional(r.rank)},
          {"flops_before", r.flopsBefore},
          {"flops_after", r.flopsAfter},
          {"sqnr_db", optional(r.sqnr)},
          {"exact", r.exact},
      });
      params += r.params;
      before += r.bytesBefore;
      after += r.bytesAfter;
      flops += r.flopsBefore;
      flopsAfter += r.flopsAfter;
    }
    llvm::json::Object total{{"params", params},
                             {"bytes_before", before},
                             {"bytes_after", after},
                             {"flops_before", flops},
                             {"flops_after", flopsAfter}};
    std::error_code ec;
    llvm::raw_fd_ostream os(output, ec, llvm::sys::fs::OF_Text);
    if (ec)
      return emitError(getOperation().getLoc(), "mc-compression-report: cannot write '")
             << output << "': " << ec.message();
    llvm::json::Object report{{"layers", std::move(layers)},
                              {"total", std::move(total)}};
    if (rows.empty())
      report["note"] = "no layers with constant weights found; nothing to "
                       "compress";
    os << llvm::formatv("{0:2}\n", llvm::json::Value(std::move(report)));
    return success();
  }
};
} // namespace

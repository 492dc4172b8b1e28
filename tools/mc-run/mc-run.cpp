//===- mc-run.cpp - JIT-run a tensor function on .npy files ---------------===//
//
// mc-run FILE.mlir --entry=NAME --input=A.npy ... --output=OUT.npy ...
//
// Lowers the module with --mc-cpu-to-llvm for the host CPU's kernel ISA
// (or --mc-reference-to-llvm with --reference; --mc-gpu-to-nvvm for
// --device=cuda, see CUDA.h), JIT compiles it for the host and calls
// `_mlir_ciface_NAME` with one memref descriptor per input and per output.
// Every problem with the inputs is one "mc-run: error: ..." line and exit
// code 1.
//
//===----------------------------------------------------------------------===//

#include "CUDA.h"
#include "CUDARuntime.h"
#include "Npy.h"

#include "../common/ToolSupport.h"
#include "mc/Dialect/MC/Transforms/Passes.h"
#include "mc/Pipelines/GPUPipelines.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/WithColor.h"
#include "llvm/TargetParser/Host.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstring>
#include <unistd.h>

using namespace mlir;
namespace cl = llvm::cl;
using llvm::Error;
using llvm::Expected;

template <typename T> static std::string str(T value) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << value;
  return s;
}

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input.mlir>"),
                                      cl::Required);
static cl::opt<std::string> entryName("entry", cl::desc("Function to run"),
                                      cl::Required);
static cl::list<std::string>
    inputPaths("input", cl::desc("A .npy file per argument, in order"));
static cl::list<std::string>
    outputPaths("output", cl::desc("A .npy file per result, in order"));
static cl::opt<unsigned>
    repeat("repeat", cl::init(1),
           cl::desc("Run N times and print the median time per call"));
static cl::opt<bool>
    reference("reference", cl::init(false),
              cl::desc("Use the reference lowering only (no kernels)"));
static cl::opt<std::string>
    kernelIsa("isa", cl::init("host"),
              cl::desc("Kernel ISA: host (the best this CPU runs), or one "
                       "it runs: avx512-vnni, avx-vnni, avx2, neon-i8mm, "
                       "neon-dotprod, generic"));
static cl::opt<unsigned>
    threads("num-threads", cl::init(0),
            cl::desc("Threads of the kernels (0: all cores)"));
static cl::opt<std::string>
    device("device", cl::init("cpu"),
           cl::desc("cpu (default), cuda (an NVIDIA GPU through the CUDA "
                    "driver), or gpu-tiles (mc's GPU kernels' tiled IR, "
                    "before GPU mapping, on the CPU)"));
static cl::opt<std::string> calibrateFile(
    "calibrate",
    cl::desc("Also write the range of each layer's activations in this run "
             "(--mc-observe-activations) to this JSON file, for "
             "--mc-quantize=activations=static calibration=FILE"));
static cl::opt<bool> printIR("print-llvm-dialect", cl::init(false),
                             cl::desc("Print the lowered module to stderr"));

namespace {
/// How an element type travels through .npy files. bf16 and f8 values are
/// exchanged as their raw bits (uint16/uint8), like ml_dtypes' storage.
struct DType {
  StringRef descr;
  StringRef alternative; // also accepted on input
  size_t size;
};
} // namespace

static std::optional<DType> getDType(Type type) {
  if (type.isF32())
    return DType{"<f4", "", 4};
  if (type.isF64())
    return DType{"<f8", "", 8};
  if (type.isF16())
    return DType{"<f2", "", 2};
  if (type.isBF16())
    return DType{"<u2", "<V2", 2};
  if (isa<Float8E4M3FNType, Float8E5M2Type>(type))
    return DType{"|u1", "|V1", 1};
  auto intType = dyn_cast<IntegerType>(type);
  if (!intType)
    return std::nullopt;
  unsigned width = intType.getWidth();
  if (width == 1)
    return DType{"|b1", "", 1};
  if (width != 8 && width != 16 && width != 32 && width != 64)
    return std::nullopt;
  std::string bytes = std::to_string(width / 8);
  static llvm::StringSet<> strings; // keep the descr strings alive
  char order = width == 8 ? '|' : '<';
  char kind = intType.isUnsigned() ? 'u' : 'i';
  StringRef descr = strings.insert(std::string{order, kind} + bytes).first->first();
  return DType{descr, "", width / 8};
}

[[noreturn]] static void fail(const Twine &message) {
  llvm::WithColor::error(llvm::errs(), "mc-run") << message << "\n";
  std::exit(1);
}

static void failOn(Error error) {
  if (error)
    fail(llvm::toString(std::move(error)));
}

/// Describes one argument or result of the entry function.
struct Slot {
  RankedTensorType type;
  DType dtype;
};

static Slot checkSlot(Type type, const Twine &what) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor)
    fail(what + " has type " + str(type) +
         "; mc-run supports ranked tensors only");
  std::optional<DType> dtype = getDType(tensor.getElementType());
  if (!dtype)
    fail(what + " has element type " +
         str(tensor.getElementType()) +
         ", which mc-run cannot exchange through .npy");
  return {tensor, *dtype};
}

/// A rank-N memref descriptor: {allocated, aligned, offset, sizes[N],
/// strides[N]}, all 8-byte words.
static SmallVector<int64_t> makeDescriptor(char *data,
                                           ArrayRef<int64_t> shape) {
  SmallVector<int64_t> desc(3 + 2 * shape.size(), 0);
  desc[0] = desc[1] = reinterpret_cast<int64_t>(data);
  int64_t stride = 1;
  for (int64_t i = shape.size() - 1; i >= 0; --i) {
    desc[3 + i] = shape[i];
    desc[3 + shape.size() + i] = stride;
    stride *= shape[i];
  }
  return desc;
}

extern "C" {
void *_mlir_memref_to_llvm_alloc(size_t size);
void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t size);
void _mlir_memref_to_llvm_free(void *ptr);
}

/// mc's buffer cache (lib/Runtime/MCAlloc.c, linked into mc-run) for the
/// code of the CPU pipeline's `alloc-cache=true`.
static llvm::orc::SymbolMap
getAllocSymbols(llvm::orc::MangleAndInterner interner) {
  llvm::orc::SymbolMap symbols;
  auto add = [&](const char *name, auto *fn) {
    symbols[interner(name)] = {llvm::orc::ExecutorAddr::fromPtr(fn),
                               llvm::JITSymbolFlags::Exported};
  };
  add("_mlir_memref_to_llvm_alloc", &_mlir_memref_to_llvm_alloc);
  add("_mlir_memref_to_llvm_aligned_alloc",
      &_mlir_memref_to_llvm_aligned_alloc);
  add("_mlir_memref_to_llvm_free", &_mlir_memref_to_llvm_free);
  return symbols;
}

/// The JSON of --calibrate: each observed layer's [min, max] (the extra
/// results, in `names` order). A NaN or infinite bound has no JSON number
/// and no int8 scale: it is an error.
static void writeCalibration(ArrayAttr names,
                             ArrayRef<mc::AlignedBuffer> ranges) {
  SmallVector<std::pair<StringRef, std::array<float, 2>>> layers;
  for (auto [name, range] : llvm::zip(names, ranges)) {
    StringRef layer = cast<StringAttr>(name).getValue();
    std::array<float, 2> bounds;
    std::memcpy(bounds.data(), range.data(), sizeof(bounds));
    if (!std::isfinite(bounds[0]) || !std::isfinite(bounds[1]))
      fail("--calibrate: the activations of layer '" + layer +
           "' are not all finite (min " + str(bounds[0]) + ", max " +
           str(bounds[1]) + ")");
    layers.push_back({layer, bounds});
  }
  std::error_code ec;
  llvm::raw_fd_ostream os(calibrateFile, ec);
  if (ec)
    fail("cannot write '" + calibrateFile + "': " + ec.message());
  llvm::json::OStream json(os, /*IndentSize=*/2);
  json.object([&] {
    json.attribute("entry", entryName.getValue());
    json.attributeObject("layers", [&] {
      for (auto &layer : layers)
        json.attributeObject(layer.first, [&] {
          json.attribute("min", double(layer.second[0]));
          json.attribute("max", double(layer.second[1]));
        });
    });
  });
  os << "\n";
  os.close();
  if (os.has_error())
    fail("cannot write '" + calibrateFile + "': " + os.error().message());
  os.clear_error();
}

int main(int argc, char **argv) {
  llvm::InitLLVM y(argc, argv);
  mc::installFatalErrorHandler("mc-run");
  cl::ParseCommandLineOptions(argc, argv, "mc JIT runner\n");
  if (repeat < 1)
    fail("--repeat must be at least 1");
  if (device != "cpu" && device != "cuda" && device != "gpu-tiles")
    fail("unknown --device='" + device + "': expected cpu, cuda or gpu-tiles");
  bool cuda = device == "cuda";
  std::optional<mc::cuda::Target> cudaTarget;
  if (cuda) {
    Expected<mc::cuda::Target> target = mc::cuda::openTarget();
    if (!target)
      fail("--device=cuda: " + llvm::toString(target.takeError()));
    cudaTarget = *target;
  }

  MLIRContext context(mc::getToolRegistry());
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &context);
  std::string errorMessage;
  OwningOpRef<ModuleOp> module =
      mc::loadModule(context, sourceMgr, inputFile, errorMessage);
  if (!module && !errorMessage.empty())
    fail(errorMessage);
  if (!module)
    fail("cannot parse or verify '" + inputFile + "'");

  auto entry = module->lookupSymbol<func::FuncOp>(entryName);
  if (!entry || entry.isExternal())
    fail("no function named '" + entryName + "' with a body in '" +
         inputFile + "'");
  if (entry.isPrivate())
    fail("entry function '" + entryName + "' is private");
  unsigned numResults = entry.getNumResults();
  ArrayAttr observed;
  if (!calibrateFile.empty()) {
    if (device != "cpu")
      fail("--calibrate runs on --device=cpu only");
    PassManager observe(&context);
    observe.addPass(mc::createMCObserveActivations());
    if (failed(observe.run(*module)))
      fail("--calibrate: observing the activations of '" + inputFile +
           "' failed");
    observed = entry->getAttrOfType<ArrayAttr>("mc.observed");
    if (!observed)
      fail("--calibrate: '" + entryName +
           "' has no layer whose activations "
           "--mc-quantize=activations=static quantizes (a linalg.matmul or "
           "2-D convolution of static f32 activations and a constant "
           "weight)");
  }
  FunctionType fnType = entry.getFunctionType();
  if (inputPaths.size() != fnType.getNumInputs())
    fail("'" + entryName + "' takes " + Twine(fnType.getNumInputs()) +
         " arguments but " + Twine(inputPaths.size()) + " --input given");
  if (outputPaths.size() != numResults)
    fail("'" + entryName + "' returns " + Twine(numResults) + " results but " +
         Twine(outputPaths.size()) + " --output given");

  // Read and check every input before compiling anything.
  std::vector<mc::NpyArray> inputs;
  std::vector<SmallVector<int64_t>> descriptors;
  for (auto [i, type] : llvm::enumerate(fnType.getInputs())) {
    Slot slot = checkSlot(type, "argument #" + Twine(i));
    Expected<mc::NpyArray> array = mc::readNpy(inputPaths[i]);
    if (!array)
      failOn(array.takeError());
    if (array->descr != slot.dtype.descr &&
        array->descr != slot.dtype.alternative)
      fail(inputPaths[i] + ": dtype '" + array->descr +
           "' does not match argument #" + Twine(i) + " of type " +
           str(slot.type) + " (expected '" + slot.dtype.descr +
           "')");
    ArrayRef<int64_t> shape = slot.type.getShape();
    bool matches = shape.size() == array->shape.size();
    for (size_t d = 0; matches && d < shape.size(); ++d)
      matches = ShapedType::isDynamic(shape[d]) || shape[d] == array->shape[d];
    if (!matches)
      fail(inputPaths[i] + ": shape " + mc::formatShape(array->shape) +
           " does not match argument #" + Twine(i) + " of type " +
           str(slot.type));
    descriptors.push_back(makeDescriptor(array->data->data(), array->shape));
    inputs.push_back(std::move(*array));
  }
  std::vector<mc::AlignedBuffer> outputs;
  std::vector<Slot> outputSlots;
  for (auto [i, type] : llvm::enumerate(fnType.getResults())) {
    Slot slot = checkSlot(type, "result #" + Twine(i));
    if (!slot.type.hasStaticShape())
      fail("result #" + Twine(i) + " has type " + str(slot.type) +
           "; mc-run needs results of static shape");
    // Checked here: a failed allocation would abort.
    uint64_t bytes = uint64_t(slot.type.getNumElements()) * slot.dtype.size;
    uint64_t memory = uint64_t(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGESIZE);
    if (bytes > memory)
      fail("result #" + Twine(i) + " of type " + str(slot.type) + " needs " +
           Twine(bytes) + " bytes, more than this machine's " + Twine(memory) +
           " bytes of memory");
    outputs.emplace_back(bytes);
    outputSlots.push_back(slot);
  }
  for (auto [buffer, slot] : llvm::zip(outputs, outputSlots))
    descriptors.push_back(
        makeDescriptor(buffer.data(), slot.type.getShape()));

  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::InitializeNativeTargetAsmParser();
  PassManager pm(&context);
  bool threaded = false;
  if (cuda) {
    mc::cuda::buildPipeline(pm, *module, entryName, *cudaTarget);
  } else if (device == "gpu-tiles") {
    mc::buildGPUTilesToLLVMPipeline(pm);
  } else {
    mc::CPUPipelineOptions pipeline;
    SmallVector<std::string> hostIsas = mc::getHostKernelIsas();
    if (kernelIsa != "host" && !llvm::is_contained(hostIsas, kernelIsa))
      fail("--isa=" + kernelIsa + " cannot run here: expected host or one "
           "of this CPU's " + llvm::join(hostIsas, ", "));
    pipeline.isa =
        reference
            ? "none"
            : mc::getKernelIsaOption(hostIsas, kernelIsa == "host"
                                                   ? hostIsas.front()
                                                   : StringRef(kernelIsa));
    pipeline.cpu = llvm::sys::getHostCPUName().str();
    pipeline.numThreads = reference ? 1 : threads;
    pipeline.allocCache = true;
    threaded = pipeline.numThreads != 1;
    mc::buildCPUToLLVMPipeline(pm, pipeline);
  }
  if (failed(pm.run(*module)))
    fail("lowering '" + inputFile + "' to LLVM failed");
  if (cuda)
    if (Error error = mc::cuda::prepareHostCode(*module, *cudaTarget))
      fail("--device=cuda: " + llvm::toString(std::move(error)));
  if (printIR)
    module->print(llvm::errs());

  // The host's target machine, so that LLVM's optimizations (the loop
  // vectorizer's cost model above all) know this CPU's vector registers as
  // mc-compile's do; without one the loops the kernels leave (quantizing
  // the activations, element-wise ops) stayed scalar.
  auto hostMachine = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!hostMachine)
    fail("cannot describe the host: " +
         llvm::toString(hostMachine.takeError()));
  auto targetMachine = hostMachine->createTargetMachine();
  if (!targetMachine)
    fail("cannot describe the host: " +
         llvm::toString(targetMachine.takeError()));
  auto transformer = makeOptimizingTransformer(
      /*optLevel=*/2, /*sizeLevel=*/0, targetMachine->get());
  ExecutionEngineOptions options;
  options.transformer = transformer;
  SmallVector<StringRef> libs{MC_MLIR_LIB_DIR "/libmlir_c_runner_utils.so",
                              MC_MLIR_LIB_DIR "/libmlir_apfloat_wrappers.so"};
  if (threaded)
    libs.push_back(MC_MLIR_LIB_DIR "/libomp.so");
  options.sharedLibPaths = libs;
  auto engine = ExecutionEngine::create(*module, options);
  if (!engine)
    fail("JIT compilation failed: " + llvm::toString(engine.takeError()));
  (*engine)->registerSymbols(getAllocSymbols);
  auto cudaFail = [](Error error) {
    if (error)
      fail("--device=cuda: " + llvm::toString(std::move(error)));
  };
  // The kernels read and write GPU copies of the arguments and results.
  SmallVector<void *> deviceBuffers;
  if (cuda) {
    cudaFail(mc::cuda::initializeEngine(**engine));
    auto toDevice = [&](SmallVector<int64_t> &desc, const void *host,
                        size_t size, bool copy) {
      void *buffer = mc::cuda::allocBuffer(size);
      if (copy)
        mc::cuda::copyToBuffer(buffer, host, size);
      deviceBuffers.push_back(buffer);
      desc[0] = desc[1] = reinterpret_cast<int64_t>(buffer);
    };
    for (auto [desc, array] : llvm::zip(descriptors, inputs))
      toDevice(desc, array.data->data(), array.data->size(), true);
    for (auto [i, buffer] : llvm::enumerate(outputs))
      toDevice(descriptors[inputs.size() + i], nullptr, buffer.size(), false);
    cudaFail(mc::cuda::getRuntimeError());
    mc::cuda::setKernelTiming(repeat > 1);
  }

  // The packed wrapper takes a pointer to each argument; each argument of
  // the C interface is a pointer to a descriptor.
  SmallVector<void *> descriptorPtrs, packedArgs;
  for (auto &desc : descriptors)
    descriptorPtrs.push_back(desc.data());
  for (void *&ptr : descriptorPtrs)
    packedArgs.push_back(&ptr);
  std::string symbol = "_mlir_ciface_" + entryName;
  std::vector<double> times, kernelTimes;
  for (unsigned run = 0; run < repeat; ++run) {
    // Every kernel launch synchronizes its stream, so a call's time
    // includes its kernels' execution.
    auto start = std::chrono::steady_clock::now();
    failOn((*engine)->invokePacked(symbol, packedArgs));
    times.push_back(std::chrono::duration<double, std::milli>(
                        std::chrono::steady_clock::now() - start)
                        .count());
    if (cuda) {
      cudaFail(mc::cuda::getRuntimeError());
      kernelTimes.push_back(mc::cuda::takeKernelTime());
    }
  }
  if (repeat > 1) {
    std::sort(times.begin(), times.end());
    llvm::outs() << llvm::format("mc-run: median %.6f ms per call over %u runs\n",
                     times[times.size() / 2], unsigned(repeat));
    if (cuda) {
      std::sort(kernelTimes.begin(), kernelTimes.end());
      llvm::outs() << llvm::format(
          "mc-run: median %.6f ms of GPU kernel time per call (CUDA events)\n",
          kernelTimes[kernelTimes.size() / 2]);
    }
  }
  if (cuda) {
    for (auto [i, buffer] : llvm::enumerate(outputs))
      mc::cuda::copyFromBuffer(buffer.data(), deviceBuffers[inputs.size() + i],
                               buffer.size());
    // The engine's destructors unload the kernels.
    engine->reset();
    for (void *buffer : deviceBuffers)
      mc::cuda::freeBuffer(buffer);
    cudaFail(mc::cuda::stopRuntime());
  }

  for (auto [i, path] : llvm::enumerate(outputPaths))
    failOn(mc::writeNpy(path, outputSlots[i].dtype.descr,
                        outputSlots[i].type.getShape(), outputs[i].data(),
                        outputs[i].size()));
  if (observed)
    writeCalibration(observed, ArrayRef(outputs).drop_front(numResults));
  return 0;
}

//===- NVPTX.cpp - mc-compile for NVIDIA GPUs -----------------------------===//
//
// mc-compile FILE.mlir --target=nvptx64-nvidia-cuda --mcpu=sm_XX
//            [--mattr=+ptxNN] --emit=ptx|cubin|llvm -o OUT
//
// Lowers with --mc-gpu-to-nvvm and writes the device code: all kernels are
// in one gpu.module, hence one PTX module. The cubin comes from the CUDA
// toolkit's ptxas (PATH, then $CUDA_HOME/bin or /usr/local/cuda/bin), run
// by mc-compile itself so a missing ptxas is one clear error; libdevice
// comes from the same toolkit.
//
//===----------------------------------------------------------------------===//

#include "NVPTX.h"

#include "../common/ToolSupport.h"
#include "mc/Pipelines/GPUPipelines.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

using namespace mlir;

static int fail(const llvm::Twine &message) {
  llvm::WithColor::error(llvm::errs(), "mc-compile") << message << "\n";
  return 1;
}

static int writeFile(StringRef path, StringRef contents) {
  std::string error;
  std::unique_ptr<llvm::ToolOutputFile> out = openOutputFile(path, &error);
  if (!out)
    return fail(error);
  out->os() << contents;
  out->keep();
  return 0;
}

/// Assembles `ptx` for `chip` with ptxas into `output`.
static int runPtxas(StringRef ptxas, StringRef ptx, StringRef chip,
                    StringRef output) {
  SmallString<128> ptxFile, logFile;
  if (llvm::sys::fs::createTemporaryFile("mc-compile", "ptx", ptxFile) ||
      llvm::sys::fs::createTemporaryFile("mc-compile", "log", logFile))
    return fail("cannot create a temporary file");
  llvm::FileRemover removePtx(ptxFile), removeLog(logFile);
  if (int rc = writeFile(ptxFile, ptx))
    return rc;
  std::string arch = ("-arch=" + chip).str();
  std::string out = output.str();
  SmallVector<StringRef> args{ptxas, arch, "-O3", ptxFile, "-o", out};
  std::optional<StringRef> redirects[] = {std::nullopt, logFile, logFile};
  std::string error;
  int rc = llvm::sys::ExecuteAndWait(ptxas, args, std::nullopt, redirects, 0, 0,
                                     &error);
  if (rc != 0) {
    auto log = llvm::MemoryBuffer::getFile(logFile);
    StringRef text = log ? (*log)->getBuffer().trim() : StringRef(error);
    llvm::sys::fs::remove(output);
    return fail("ptxas failed: " + text);
  }
  return 0;
}

int mc::compileNVPTX(const NVPTXRequest &request) {
  if (request.printLinkFlags)
    return fail("--print-link-flags: nvptx64 output is device code only; "
                "there is nothing to link");
  if (!request.header.empty())
    return fail("--header: nvptx64 output is device code only, without a "
                "host interface");
  StringRef chip = request.cpu == "generic" ? "sm_80" : request.cpu;
  // The only target feature: the PTX ISA version, e.g. +ptx83.
  std::string ptxVersion = "8.0";
  if (!request.features.empty()) {
    StringRef feature = request.features;
    unsigned version;
    if (!feature.consume_front("+ptx") || feature.getAsInteger(10, version) ||
        version < 10)
      return fail("unknown feature '" + request.features +
                  "' for nvptx64: expected +ptxNN (the PTX ISA version, e.g. "
                  "+ptx80)");
    ptxVersion =
        std::to_string(version / 10) + "." + std::to_string(version % 10);
  }
  if (llvm::Expected<std::string> features = getNVPTXFeatures(chip, ptxVersion);
      !features)
    return fail(toString(features.takeError()));

  StringRef emit = request.emit;
  bool ptx = emit == "ptx" || emit == "asm";
  bool cubin = emit == "cubin" || emit == "obj";
  if (!ptx && !cubin && emit != "llvm")
    return fail("unknown --emit='" + emit +
                "' for nvptx64: expected ptx, cubin or llvm");
  if (request.input.empty() || request.output.empty())
    return fail("expected an input file and -o OUT");
  std::string ptxas;
  if (cubin && (ptxas = findPtxas()).empty())
    return fail("ptxas not found (looked in PATH and $CUDA_HOME/bin, or "
                "/usr/local/cuda/bin without CUDA_HOME): --emit=cubin needs "
                "the CUDA toolkit; --emit=ptx does not");

  // MLIR links libdevice (math functions) from the toolkit in $CUDA_ROOT.
  setCudaRootFromPtxas(ptxas.empty() ? findPtxas() : ptxas);

  MLIRContext context(getToolRegistry());
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  std::string error;
  OwningOpRef<ModuleOp> module =
      loadModule(context, sourceMgr, request.input, error);
  if (!module && !error.empty())
    return fail(error);
  if (!module)
    return fail("cannot parse or verify '" + request.input + "'");

  GPUToNVVMOptions options;
  options.chip = chip.str();
  options.ptxVersion = ptxVersion;
  options.format = emit == "llvm" ? "llvm" : "isa";
  PassManager pm(&context);
  buildGPUToNVVMPipeline(pm, options);
  if (failed(pm.run(*module)))
    return fail("lowering '" + request.input + "' for " + chip + " failed");

  SmallVector<gpu::BinaryOp> binaries(module->getOps<gpu::BinaryOp>());
  if (binaries.empty())
    return fail("'" + request.input + "' has no GPU kernels");
  assert(binaries.size() == 1 && "mc-gpu-merge-modules leaves one module");
  auto object = cast<gpu::ObjectAttr>(binaries.front().getObjects()[0]);
  StringRef code = object.getObject().getValue();
  if (ptx)
    return writeFile(request.output, code);
  if (cubin)
    return runPtxas(ptxas, code, chip, request.output);

  llvm::LLVMContext llvmContext;
  auto llvmModule = llvm::parseBitcodeFile(
      llvm::MemoryBufferRef(code, "kernels"), llvmContext);
  if (!llvmModule)
    return fail("cannot read the kernels' LLVM bitcode: " +
                toString(llvmModule.takeError()));
  std::string text;
  llvm::raw_string_ostream os(text);
  (*llvmModule)->print(os, nullptr);
  return writeFile(request.output, text);
}

//===- CUDA.cpp - mc-run --device=cuda ------------------------------------===//
//
// The CUDA driver API through dlopen: mc-run builds and runs everywhere and
// finds the driver, if any, at run time.
//
//===----------------------------------------------------------------------===//

#include "CUDA.h"

#include "llvm/ADT/Twine.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <dlfcn.h>

namespace {
using CUresult = int;
using CUdevice = int;
constexpr CUresult kSuccess = 0;
// CUdevice_attribute values of the compute capability.
constexpr int kCapabilityMajor = 75, kCapabilityMinor = 76;

/// The few driver entry points mc-run needs.
struct Driver {
  CUresult (*init)(unsigned);
  CUresult (*deviceGetCount)(int *);
  CUresult (*deviceGet)(CUdevice *, int);
  CUresult (*deviceGetAttribute)(int *, int, CUdevice);
  CUresult (*deviceGetName)(char *, int, CUdevice);
  CUresult (*getErrorString)(CUresult, const char **);
};
} // namespace

static int fail(const llvm::Twine &message) {
  llvm::WithColor::error(llvm::errs(), "mc-run") << message << "\n";
  return 1;
}

/// The driver's description of `result`.
static std::string describe(const Driver &driver, CUresult result) {
  const char *text = nullptr;
  if (driver.getErrorString &&
      driver.getErrorString(result, &text) == kSuccess && text)
    return text;
  return "CUDA error " + std::to_string(result);
}

int mc::runOnCuda(llvm::StringRef inputFile, llvm::StringRef entry,
                  llvm::ArrayRef<std::string> inputs,
                  llvm::ArrayRef<std::string> outputs, unsigned repeat) {
  void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib)
    return fail("--device=cuda: no NVIDIA GPU driver: cannot load "
                "libcuda.so.1 (" +
                llvm::Twine(dlerror()) + ")");
  Driver driver;
  auto get = [&](auto &fn, const char *name) {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(
        dlsym(lib, name));
    return fn != nullptr;
  };
  get(driver.getErrorString, "cuGetErrorString");
  if (!get(driver.init, "cuInit") ||
      !get(driver.deviceGetCount, "cuDeviceGetCount") ||
      !get(driver.deviceGet, "cuDeviceGet") ||
      !get(driver.deviceGetAttribute, "cuDeviceGetAttribute") ||
      !get(driver.deviceGetName, "cuDeviceGetName"))
    return fail("--device=cuda: libcuda.so.1 lacks the driver API");
  if (CUresult r = driver.init(0); r != kSuccess)
    return fail("--device=cuda: the CUDA driver does not start: " +
                describe(driver, r));
  int count = 0;
  if (CUresult r = driver.deviceGetCount(&count); r != kSuccess || !count)
    return fail("--device=cuda: no CUDA device");
  CUdevice device;
  int major = 0, minor = 0;
  char name[256] = {0};
  if (driver.deviceGet(&device, 0) != kSuccess ||
      driver.deviceGetAttribute(&major, kCapabilityMajor, device) != kSuccess ||
      driver.deviceGetAttribute(&minor, kCapabilityMinor, device) != kSuccess ||
      driver.deviceGetName(name, sizeof(name), device) != kSuccess)
    return fail("--device=cuda: cannot query CUDA device 0");
  // Executing the lowered host code needs MLIR's GPU runtime wrappers
  // (mgpu*), which Debian's MLIR does not ship; see README "GPU".
  return fail("--device=cuda: found " + llvm::Twine(name) + " (sm_" +
              llvm::Twine(major) + llvm::Twine(minor) +
              "), but running kernels on it is not implemented yet");
}

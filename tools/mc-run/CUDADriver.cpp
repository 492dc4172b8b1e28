//===- CUDADriver.cpp - The CUDA driver API, loaded at run time -----------===//

#include "CUDADriver.h"

#include "llvm/ADT/Twine.h"

#include <dlfcn.h>

using namespace mc::cuda;

// CUdevice_attribute values of the compute capability (cuda.h).
static constexpr int kCapabilityMajor = 75, kCapabilityMinor = 76;

std::string mc::cuda::describe(const Driver &driver, const char *call,
                               CUresult result) {
  const char *name = nullptr, *text = nullptr;
  if (driver.cuGetErrorName)
    driver.cuGetErrorName(result, &name);
  if (driver.cuGetErrorString)
    driver.cuGetErrorString(result, &text);
  std::string message = std::string(call) + " failed: ";
  if (name)
    message += std::string(name) + (text ? ": " : "");
  if (text)
    message += text;
  if (!name && !text)
    message += "CUDA error " + std::to_string(result);
  return message;
}

llvm::Expected<const Driver *> mc::cuda::loadDriver(Device &device) {
  static Driver driver;
  // Not closed: the JIT-compiled code calls into it until mc-run exits.
  void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib)
    return llvm::createStringError(
        "no NVIDIA GPU driver: cannot load libcuda.so.1 (" +
        llvm::Twine(dlerror()) + ")");
  std::string missing;
  auto get = [&](auto &fn, const char *name, const char *fallback = nullptr) {
    void *sym = dlsym(lib, name);
    if (!sym && fallback)
      sym = dlsym(lib, fallback);
    if (!sym)
      missing += (missing.empty() ? "" : ", ") + std::string(name);
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(sym);
  };
  get(driver.cuInit, "cuInit");
  get(driver.cuDeviceGetCount, "cuDeviceGetCount");
  get(driver.cuDeviceGet, "cuDeviceGet");
  get(driver.cuDeviceGetAttribute, "cuDeviceGetAttribute");
  get(driver.cuDeviceGetName, "cuDeviceGetName");
  get(driver.cuGetErrorString, "cuGetErrorString");
  get(driver.cuGetErrorName, "cuGetErrorName");
  get(driver.cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain");
  get(driver.cuDevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2");
  get(driver.cuCtxSetCurrent, "cuCtxSetCurrent");
  get(driver.cuCtxSynchronize, "cuCtxSynchronize");
  get(driver.cuModuleLoadData, "cuModuleLoadData");
  get(driver.cuModuleUnload, "cuModuleUnload");
  get(driver.cuModuleGetFunction, "cuModuleGetFunction");
  get(driver.cuLaunchKernel, "cuLaunchKernel");
  get(driver.cuStreamCreate, "cuStreamCreate");
  get(driver.cuStreamSynchronize, "cuStreamSynchronize");
  get(driver.cuStreamDestroy, "cuStreamDestroy_v2");
  get(driver.cuEventCreate, "cuEventCreate");
  get(driver.cuEventRecord, "cuEventRecord");
  // CUDA 12.8 added the _v2 (cuda.h maps to it since); older drivers have
  // only the first.
  get(driver.cuEventElapsedTime, "cuEventElapsedTime_v2", "cuEventElapsedTime");
  get(driver.cuEventDestroy, "cuEventDestroy_v2");
  get(driver.cuMemAlloc, "cuMemAlloc_v2");
  get(driver.cuMemAllocManaged, "cuMemAllocManaged");
  get(driver.cuMemFree, "cuMemFree_v2");
  get(driver.cuMemcpy, "cuMemcpy");
  get(driver.cuMemcpyHtoD, "cuMemcpyHtoD_v2");
  get(driver.cuMemcpyDtoH, "cuMemcpyDtoH_v2");
  get(driver.cuMemsetD32, "cuMemsetD32_v2");
  get(driver.cuMemsetD16, "cuMemsetD16_v2");
  if (!missing.empty())
    return llvm::createStringError(
        "libcuda.so.1 is not a usable CUDA driver: it lacks " + missing);

  if (CUresult r = driver.cuInit(0); r != kSuccess)
    return llvm::createStringError("the CUDA driver does not start: " +
                                   describe(driver, "cuInit", r));
  int count = 0;
  if (CUresult r = driver.cuDeviceGetCount(&count); r != kSuccess)
    return llvm::createStringError("no CUDA device: " +
                                   describe(driver, "cuDeviceGetCount", r));
  if (count == 0)
    return llvm::createStringError("no CUDA device");
  char name[256] = {0};
  CUresult r = driver.cuDeviceGet(&device.handle, 0);
  const char *call = "cuDeviceGet";
  if (r == kSuccess) {
    call = "cuDeviceGetAttribute";
    r = driver.cuDeviceGetAttribute(&device.major, kCapabilityMajor,
                                    device.handle);
  }
  if (r == kSuccess)
    r = driver.cuDeviceGetAttribute(&device.minor, kCapabilityMinor,
                                    device.handle);
  if (r == kSuccess) {
    call = "cuDeviceGetName";
    r = driver.cuDeviceGetName(name, sizeof(name) - 1, device.handle);
  }
  if (r != kSuccess)
    return llvm::createStringError("cannot query CUDA device 0: " +
                                   describe(driver, call, r));
  device.name = name;
  return &driver;
}

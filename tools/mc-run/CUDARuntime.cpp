//===- CUDARuntime.cpp - mc-run's GPU runtime over the driver API ---------===//
//
// Signatures follow what MLIR 22's GPU-to-LLVM translation declares
// (SelectObjectAttr: mgpuModuleLoad(ptr, i64), mgpuModuleLoadJIT(ptr, i32),
// mgpuLaunchKernel(..., i64 paramsCount), ...); index operands are
// intptr_t, as in MLIR's own wrappers.
//
//===----------------------------------------------------------------------===//

#include "CUDARuntime.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdlib>
#include <cstring>
#include <limits>

using namespace mc::cuda;

namespace {
/// One timed launch whose stream has not been synchronized yet.
struct PendingTiming {
  CUstream stream;
  CUevent start, stop;
};

struct State {
  const Driver *driver = nullptr;
  Device device;
  CUcontext context = nullptr;
  Memory memory = Memory::Device;
  std::string error; // the first failure; later calls do nothing
  llvm::DenseMap<const void *, void *> globals; // host address -> copy
  llvm::DenseSet<void *> hostFallbacks; // allocations made after an error
  llvm::DenseMap<CUfunction, std::string> kernelNames; // for messages
  bool timing = false;
  double kernelMs = 0;
  llvm::SmallVector<CUevent> freeEvents;
  llvm::SmallVector<PendingTiming> pending;
};
} // namespace

static State state;

static bool failed() { return !state.error.empty(); }

static void setError(std::string message) {
  if (state.error.empty())
    state.error = std::move(message);
}

/// Checks a driver call; false (and the error kept) if it failed.
static bool check(CUresult result, const char *call) {
  if (result == kSuccess)
    return true;
  setError(describe(*state.driver, call, result));
  return false;
}

static CUdeviceptr devicePtr(const void *ptr) {
  return reinterpret_cast<CUdeviceptr>(ptr);
}

//===----------------------------------------------------------------------===//
// Buffers shared by host code and kernels
//===----------------------------------------------------------------------===//

static void *hostFallback(size_t size) {
  void *ptr = std::calloc(size ? size : 1, 1);
  state.hostFallbacks.insert(ptr);
  return ptr;
}

extern "C" void *mcCudaAlloc(int64_t size) {
  if (size < 0) {
    setError("mcCudaAlloc: negative size " + std::to_string(size));
    return hostFallback(0);
  }
  if (failed())
    return hostFallback(size);
  // The driver rejects empty allocations; memrefs may be empty.
  size_t bytes = size ? size : 1;
  CUdeviceptr ptr = 0;
  bool ok = state.memory == Memory::Managed
                ? check(state.driver->cuMemAllocManaged(&ptr, bytes,
                                                        /*GLOBAL=*/1),
                        "cuMemAllocManaged")
                : check(state.driver->cuMemAlloc(&ptr, bytes), "cuMemAlloc");
  return ok ? reinterpret_cast<void *>(ptr) : hostFallback(size);
}

extern "C" void mcCudaFree(void *ptr) {
  if (!ptr)
    return;
  if (state.hostFallbacks.erase(ptr)) {
    std::free(ptr);
    return;
  }
  if (!failed())
    check(state.driver->cuMemFree(devicePtr(ptr)), "cuMemFree");
}

/// Host code reaches a constant (or global) memref through its address; the
/// kernels need a copy in GPU memory, made on first use and kept until the
/// runtime stops (weights stay resident across --repeat calls).
extern "C" void *mcCudaGlobal(void *host, int64_t size) {
  if (auto it = state.globals.find(host); it != state.globals.end())
    return it->second;
  if (failed())
    return host;
  void *copy = mcCudaAlloc(size);
  if (failed())
    return host;
  copyToBuffer(copy, host, size);
  state.globals[host] = copy;
  return copy;
}

/// memref.copy of contiguous buffers in host code (llvm.intr.memcpy).
extern "C" void mcCudaMemcpy(void *dst, void *src, int64_t size) {
  if (!failed() && size > 0)
    check(state.driver->cuMemcpy(devicePtr(dst), devicePtr(src), size),
          "cuMemcpy");
}

void *mc::cuda::allocBuffer(size_t size) { return mcCudaAlloc(size); }

void mc::cuda::freeBuffer(void *buffer) { mcCudaFree(buffer); }

void mc::cuda::copyToBuffer(void *buffer, const void *host, size_t size) {
  if (!size)
    return;
  if (state.memory == Memory::Managed || state.hostFallbacks.count(buffer))
    std::memcpy(buffer, host, size);
  else if (!failed())
    check(state.driver->cuMemcpyHtoD(devicePtr(buffer), host, size),
          "cuMemcpyHtoD");
}

void mc::cuda::copyFromBuffer(void *host, const void *buffer, size_t size) {
  if (!size)
    return;
  if (state.memory == Memory::Managed ||
      state.hostFallbacks.count(const_cast<void *>(buffer)))
    std::memcpy(host, buffer, size);
  else if (!failed())
    check(state.driver->cuMemcpyDtoH(host, devicePtr(buffer), size),
          "cuMemcpyDtoH");
}

//===----------------------------------------------------------------------===//
// mgpu* entry points
//===----------------------------------------------------------------------===//

extern "C" CUmodule mgpuModuleLoad(void *data, uint64_t /*size*/) {
  CUmodule module = nullptr;
  if (!failed())
    check(state.driver->cuModuleLoadData(&module, data), "cuModuleLoadData");
  return module;
}

/// PTX (format=isa): the driver compiles it for the device. The optimization
/// level is left to the driver (its default is the highest).
extern "C" CUmodule mgpuModuleLoadJIT(void *data, int32_t /*optLevel*/) {
  CUmodule module = nullptr;
  if (!failed())
    check(state.driver->cuModuleLoadData(&module, data),
          "cuModuleLoadData (PTX)");
  return module;
}

extern "C" void mgpuModuleUnload(CUmodule module) {
  if (!failed() && module)
    check(state.driver->cuModuleUnload(module), "cuModuleUnload");
}

extern "C" CUfunction mgpuModuleGetFunction(CUmodule module, const char *name) {
  CUfunction function = nullptr;
  if (failed())
    return function;
  if (CUresult r = state.driver->cuModuleGetFunction(&function, module, name);
      r != kSuccess)
    setError(describe(*state.driver, "cuModuleGetFunction", r) + " (kernel '" +
             name + "')");
  else
    state.kernelNames[function] = name;
  return function;
}

static CUevent takeEvent() {
  if (!state.freeEvents.empty())
    return state.freeEvents.pop_back_val();
  CUevent event = nullptr;
  check(state.driver->cuEventCreate(&event, /*CU_EVENT_DEFAULT=*/0),
        "cuEventCreate");
  return event;
}

extern "C" void mgpuLaunchKernel(CUfunction function, intptr_t gridX,
                                 intptr_t gridY, intptr_t gridZ,
                                 intptr_t blockX, intptr_t blockY,
                                 intptr_t blockZ, int32_t sharedMemory,
                                 CUstream stream, void **params, void **extra,
                                 int64_t /*paramsCount*/) {
  if (failed())
    return;
  constexpr intptr_t max = std::numeric_limits<unsigned>::max();
  for (intptr_t dim : {gridX, gridY, gridZ, blockX, blockY, blockZ})
    if (dim < 1 || dim > max) {
      setError("cuLaunchKernel: launch dimension " + std::to_string(dim) +
               " out of range");
      return;
    }
  PendingTiming timing{stream, nullptr, nullptr};
  if (state.timing) {
    timing.start = takeEvent();
    timing.stop = takeEvent();
    if (failed() || !check(state.driver->cuEventRecord(timing.start, stream),
                           "cuEventRecord"))
      return;
  }
  if (CUresult r = state.driver->cuLaunchKernel(
          function, gridX, gridY, gridZ, blockX, blockY, blockZ, sharedMemory,
          stream, params, extra);
      r != kSuccess) {
    setError(describe(*state.driver, "cuLaunchKernel", r) + " (kernel '" +
             state.kernelNames.lookup(function) + "')");
    return;
  }
  if (state.timing &&
      check(state.driver->cuEventRecord(timing.stop, stream), "cuEventRecord"))
    state.pending.push_back(timing);
}

extern "C" CUstream mgpuStreamCreate() {
  CUstream stream = nullptr;
  if (!failed())
    check(state.driver->cuStreamCreate(&stream, /*NON_BLOCKING=*/1),
          "cuStreamCreate");
  return stream;
}

extern "C" void mgpuStreamSynchronize(CUstream stream) {
  if (failed() ||
      !check(state.driver->cuStreamSynchronize(stream), "cuStreamSynchronize"))
    return;
  // The stream's timed launches are complete now.
  llvm::erase_if(state.pending, [&](const PendingTiming &t) {
    if (t.stream != stream)
      return false;
    float ms = 0;
    if (check(state.driver->cuEventElapsedTime(&ms, t.start, t.stop),
              "cuEventElapsedTime"))
      state.kernelMs += ms;
    state.freeEvents.append({t.start, t.stop});
    return true;
  });
}

extern "C" void mgpuStreamDestroy(CUstream stream) {
  if (!failed() && stream)
    check(state.driver->cuStreamDestroy(stream), "cuStreamDestroy");
}

// What gpu.alloc, gpu.dealloc, gpu.memcpy and gpu.memset lower to. The
// copies are synchronous: stronger than the asynchronous ones they stand
// for, and host code synchronizes its streams before using results anyway.
extern "C" void *mgpuMemAlloc(uint64_t size, CUstream /*stream*/,
                              bool hostShared) {
  if (!hostShared)
    return mcCudaAlloc(size);
  Memory saved = state.memory;
  state.memory = Memory::Managed;
  void *ptr = mcCudaAlloc(size);
  state.memory = saved;
  return ptr;
}

extern "C" void mgpuMemFree(void *ptr, CUstream /*stream*/) { mcCudaFree(ptr); }

extern "C" void mgpuMemcpy(void *dst, void *src, size_t size,
                           CUstream /*stream*/) {
  mcCudaMemcpy(dst, src, size);
}

extern "C" void mgpuMemset32(void *dst, unsigned value, size_t count,
                             CUstream /*stream*/) {
  if (!failed())
    check(state.driver->cuMemsetD32(devicePtr(dst), value, count),
          "cuMemsetD32");
}

extern "C" void mgpuMemset16(void *dst, unsigned short value, size_t count,
                             CUstream /*stream*/) {
  if (!failed())
    check(state.driver->cuMemsetD16(devicePtr(dst), value, count),
          "cuMemsetD16");
}

//===----------------------------------------------------------------------===//
// Runtime control
//===----------------------------------------------------------------------===//

llvm::Error mc::cuda::startRuntime(const Driver &driver, const Device &device,
                                   Memory memory) {
  state.driver = &driver;
  state.device = device;
  state.memory = memory;
  if (check(driver.cuDevicePrimaryCtxRetain(&state.context, device.handle),
            "cuDevicePrimaryCtxRetain"))
    check(driver.cuCtxSetCurrent(state.context), "cuCtxSetCurrent");
  return getRuntimeError();
}

llvm::Error mc::cuda::stopRuntime() {
  for (auto [host, copy] : state.globals)
    mcCudaFree(copy);
  state.globals.clear();
  for (const PendingTiming &t : state.pending)
    state.freeEvents.append({t.start, t.stop});
  state.pending.clear();
  for (CUevent event : state.freeEvents)
    if (!failed())
      check(state.driver->cuEventDestroy(event), "cuEventDestroy");
  state.freeEvents.clear();
  if (state.context && !failed())
    check(state.driver->cuDevicePrimaryCtxRelease(state.device.handle),
          "cuDevicePrimaryCtxRelease");
  state.context = nullptr;
  return getRuntimeError();
}

llvm::Error mc::cuda::getRuntimeError() {
  if (state.error.empty())
    return llvm::Error::success();
  return llvm::createStringError(state.error);
}

void mc::cuda::setKernelTiming(bool enable) { state.timing = enable; }

double mc::cuda::takeKernelTime() {
  double ms = state.kernelMs;
  state.kernelMs = 0;
  return ms;
}

llvm::orc::SymbolMap
mc::cuda::getRuntimeSymbols(llvm::orc::MangleAndInterner interner) {
  llvm::orc::SymbolMap symbols;
  auto add = [&](const char *name, auto *fn) {
    symbols[interner(name)] = {llvm::orc::ExecutorAddr::fromPtr(fn),
                               llvm::JITSymbolFlags::Exported};
  };
  add("mgpuModuleLoad", &mgpuModuleLoad);
  add("mgpuModuleLoadJIT", &mgpuModuleLoadJIT);
  add("mgpuModuleUnload", &mgpuModuleUnload);
  add("mgpuModuleGetFunction", &mgpuModuleGetFunction);
  add("mgpuLaunchKernel", &mgpuLaunchKernel);
  add("mgpuStreamCreate", &mgpuStreamCreate);
  add("mgpuStreamSynchronize", &mgpuStreamSynchronize);
  add("mgpuStreamDestroy", &mgpuStreamDestroy);
  add("mgpuMemAlloc", &mgpuMemAlloc);
  add("mgpuMemFree", &mgpuMemFree);
  add("mgpuMemcpy", &mgpuMemcpy);
  add("mgpuMemset32", &mgpuMemset32);
  add("mgpuMemset16", &mgpuMemset16);
  add("mcCudaAlloc", &mcCudaAlloc);
  add("mcCudaFree", &mcCudaFree);
  add("mcCudaGlobal", &mcCudaGlobal);
  add("mcCudaMemcpy", &mcCudaMemcpy);
  return symbols;
}

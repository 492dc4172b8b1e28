//===- CUDADriver.h - The CUDA driver API, loaded at run time ---*- C++ -*-===//
//
// The entry points of libcuda.so.1 that mc-run uses, found with dlopen and
// dlsym: mc-run builds without CUDA and runs everywhere; only
// --device=cuda needs a driver.
//
//===----------------------------------------------------------------------===//

#ifndef MC_TOOLS_MC_RUN_CUDADRIVER_H
#define MC_TOOLS_MC_RUN_CUDADRIVER_H

#include "llvm/Support/Error.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace mc::cuda {

// The driver API's handle types (cuda.h), opaque here.
using CUresult = int;
using CUdevice = int;
using CUdeviceptr = uint64_t;
using CUcontext = struct CUctx_st *;
using CUmodule = struct CUmod_st *;
using CUfunction = struct CUfunc_st *;
using CUstream = struct CUstream_st *;
using CUevent = struct CUevent_st *;

constexpr CUresult kSuccess = 0;

/// Function pointers to the driver. Names are the exported symbols: the
/// `_v2` ones are what cuda.h's macros (cuMemAlloc, ...) stand for.
struct Driver {
  CUresult (*cuInit)(unsigned);
  CUresult (*cuDeviceGetCount)(int *);
  CUresult (*cuDeviceGet)(CUdevice *, int);
  CUresult (*cuDeviceGetAttribute)(int *, int, CUdevice);
  CUresult (*cuDeviceGetName)(char *, int, CUdevice);
  CUresult (*cuGetErrorString)(CUresult, const char **);
  CUresult (*cuGetErrorName)(CUresult, const char **);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*cuDevicePrimaryCtxRelease)(CUdevice);
  CUresult (*cuCtxSetCurrent)(CUcontext);
  CUresult (*cuModuleLoadData)(CUmodule *, const void *);
  CUresult (*cuModuleUnload)(CUmodule);
  CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned,
                             unsigned, unsigned, unsigned, CUstream, void **,
                             void **);
  CUresult (*cuStreamCreate)(CUstream *, unsigned);
  CUresult (*cuStreamSynchronize)(CUstream);
  CUresult (*cuStreamDestroy)(CUstream);
  CUresult (*cuEventCreate)(CUevent *, unsigned);
  CUresult (*cuEventRecord)(CUevent, CUstream);
  CUresult (*cuEventElapsedTime)(float *, CUevent, CUevent);
  CUresult (*cuEventDestroy)(CUevent);
  CUresult (*cuMemAlloc)(CUdeviceptr *, size_t);
  CUresult (*cuMemAllocManaged)(CUdeviceptr *, size_t, unsigned);
  CUresult (*cuMemFree)(CUdeviceptr);
  CUresult (*cuMemcpy)(CUdeviceptr, CUdeviceptr, size_t);
  CUresult (*cuMemcpyHtoD)(CUdeviceptr, const void *, size_t);
  CUresult (*cuMemcpyDtoH)(void *, CUdeviceptr, size_t);
  CUresult (*cuMemsetD32)(CUdeviceptr, unsigned, size_t);
  CUresult (*cuMemsetD16)(CUdeviceptr, unsigned short, size_t);
  CUresult (*cuCtxSynchronize)();
};

/// Device 0 of a started driver.
struct Device {
  CUdevice handle = 0;
  std::string name;
  int major = 0, minor = 0; // compute capability
};

/// Loads libcuda.so.1, resolves every entry point, starts the driver and
/// queries device 0. Each failure is one message: no driver, a driver that
/// lacks an entry point (named), a driver that does not start (with its
/// error string), no device.
llvm::Expected<const Driver *> loadDriver(Device &device);

/// "cuFoo failed: <the driver's error name and string>".
std::string describe(const Driver &driver, const char *call, CUresult result);

} // namespace mc::cuda

#endif // MC_TOOLS_MC_RUN_CUDADRIVER_H

//===- GPUKernels.h - shared by mc's GPU kernel passes ----------*- C++ -*-===//

#ifndef MC_CONVERSION_GPUKERNELS_H
#define MC_CONVERSION_GPUKERNELS_H

#include "llvm/ADT/StringRef.h"

namespace mc {

/// Marks an op of the tiled kernel IR that the whole block executes
/// together (a copy into, or an epilogue out of, a staging buffer).
inline constexpr llvm::StringLiteral kGPUCooperativeAttr = "mc.gpu.cooperative";

/// Threads per warp.
inline constexpr int64_t kWarpSize = 32;

} // namespace mc

#endif // MC_CONVERSION_GPUKERNELS_H

//===- CUDA.h - mc-run --device=cuda ----------------------------*- C++ -*-===//

#ifndef MC_TOOLS_MC_RUN_CUDA_H
#define MC_TOOLS_MC_RUN_CUDA_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace mc {

/// Runs `entry` of `inputFile` on the first CUDA device. The CUDA driver
/// (libcuda.so.1) is loaded at run time, so mc-run needs no CUDA at build
/// time; without a driver or a device this is one error line and exit 1.
int runOnCuda(llvm::StringRef inputFile, llvm::StringRef entry,
              llvm::ArrayRef<std::string> inputs,
              llvm::ArrayRef<std::string> outputs, unsigned repeat);

} // namespace mc

#endif // MC_TOOLS_MC_RUN_CUDA_H

//===- NVPTX.h - mc-compile for NVIDIA GPUs ---------------------*- C++ -*-===//

#ifndef MC_TOOLS_MC_COMPILE_NVPTX_H
#define MC_TOOLS_MC_COMPILE_NVPTX_H

#include "llvm/ADT/StringRef.h"

namespace mc {

/// What mc-compile was asked to do, for an nvptx64 target triple.
struct NVPTXRequest {
  llvm::StringRef input, cpu, features, emit, output, header;
  bool printLinkFlags;
};

/// Writes the device code of every kernel of `input` (PTX, cubin or LLVM
/// IR) to `output`. Returns the exit code; errors are one line on stderr.
int compileNVPTX(const NVPTXRequest &request);

} // namespace mc

#endif // MC_TOOLS_MC_COMPILE_NVPTX_H

//===- CUDAHostCode.h - --mc-gpu-to-nvvm host code for mc-run ---*- C++ -*-===//
//
// --mc-gpu-to-nvvm passes kernels the buffers the host code has: its
// arguments, malloc'd temporaries and the addresses of constant globals
// (weights), all host memory that a GPU cannot read. mc-run rewrites the
// host code (LLVM dialect) so those buffers live in GPU memory:
//
//   llvm.call @malloc(n), @aligned_alloc(a, n) -> llvm.call @mcCudaAlloc(n)
//   llvm.call @free(p)                         -> llvm.call @mcCudaFree(p)
//   llvm.mlir.addressof @G                     -> llvm.call @mcCudaGlobal(
//                                                   addressof @G, sizeof G)
//   llvm.intr.memcpy (device memory only)      -> llvm.call @mcCudaMemcpy
//
// (CUDARuntime.cpp implements them). If the host code also reads or writes
// memory itself (loops the pipeline did not map to the GPU, or calls such
// as memrefCopy), those buffers must be managed memory, which both sides can
// touch; otherwise device memory, with mc-run copying inputs in and results
// out.
//
//===----------------------------------------------------------------------===//

#ifndef MC_TOOLS_MC_RUN_CUDAHOSTCODE_H
#define MC_TOOLS_MC_RUN_CUDAHOSTCODE_H

#include "CUDARuntime.h"

#include "mlir/IR/BuiltinOps.h"

namespace mc::cuda {

/// The memory the host code of `module` needs (see above): Managed if it
/// touches memory; `why` then names the first op that does.
Memory getHostCodeMemory(mlir::ModuleOp module, std::string &why);

/// Rewrites the host code of `module` for mc-run's CUDA runtime.
llvm::Error rewriteHostCode(mlir::ModuleOp module, Memory memory);

} // namespace mc::cuda

#endif // MC_TOOLS_MC_RUN_CUDAHOSTCODE_H

//===- Passes.td - mc conversion passes --------------------*- tablegen -*-===//

#ifndef MC_CONVERSION_PASSES_TD
#define MC_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def MCGPUMergeModules : Pass<"mc-gpu-merge-modules", "::mlir::ModuleOp"> {
  let summary = "Move every outlined GPU kernel into one gpu.module";
  let description = [{
    `--gpu-kernel-outlining` gives each kernel its own `gpu.module`, hence its
    own PTX file and cubin. This pass moves all kernels into the first
    `gpu.module` and retargets the `gpu.launch_func` ops, so a program's
    device code is one PTX module / one cubin. Kernels with clashing names
    are renamed.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

#endif // MC_CONVERSION_PASSES_TD

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

def MCGPUMatmulKernels
    : Pass<"mc-gpu-matmul-kernels", "::mlir::func::FuncOp"> {
  let summary = "Tile buffer-level matmuls into tensor-core GPU kernels";
  let description = [{
    Rewrites `linalg.matmul` on buffers with static shapes divisible by the
    block tile into the tiled kernel IR that `--mc-gpu-map-kernels` maps to
    a GPU, and that also runs as it is on the CPU (numerics checks):

    - int8 x int8 -> i32 (mma m16n8k32) and f16 x f16 -> f16/f32 (m16n8k16);
    - an `scf.forall` over 128x64 output blocks (`#gpu.block`) holding the
      block's staging buffers, and inside it an `scf.forall` over 2x2 warps
      (`#gpu.warp`) whose 64x32 tile is 4x4 mma tiles accumulated in
      registers (`vector.contract` of mma size) across the K loop;
    - per K step (64 int8 / 32 f16 elements), `linalg.copy` of the A and
      B tiles into the staging buffers, marked `mc.gpu.cooperative`: a copy
      by the whole block (every warp runs it on the CPU; the GPU mapping
      splits it over the block's threads as cp.async);
    - B is used transposed (N x K, K contiguous, as `ldmatrix` needs for
      8-bit mma operands): constant weights are transposed at compile time,
      others by a `linalg.transpose` before the kernel;
    - a `linalg.fill` of zero right before the matmul becomes the register
      accumulators' initial value;
    - an element-wise `linalg.generic` that is the only reader of an i32/f32
      result (e.g. a requantization: scale, bias, clamp, ReLU, round to i8)
      is fused: warps store their accumulators to a block staging buffer and
      the block applies the epilogue (a cooperative `linalg.generic`) and
      writes the final type only.

    Matmuls that do not fit are left to the generic lowering.
  }];
  let dependentDialects = [
    "::mc::MCDialect",
    "::mlir::affine::AffineDialect", "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect"
  ];
}

def MCGPUGemvKernels : Pass<"mc-gpu-gemv-kernels", "::mlir::func::FuncOp"> {
  let summary = "Weight-only int4 GEMV/small-M GEMM kernels with in-register "
                "dequantization";
  let description = [{
    Rewrites a buffer-level f32 `linalg.matmul` with at most 16 rows whose
    weight is the output of an element-wise decoding `linalg.generic` of a
    constant int4 payload (what `--mc-lower-reference` makes of
    `mc.decode` of a `#mc.uniform<i4, block = [G, 1]>` weight, e.g. from
    `--mc-quantize="bits=4 granularity=group group-size=32"`) into the
    tiled IR of a GPU kernel that never materializes the f32 weight:

    - the payload is packed at compile time, two 4-bit values per byte
      (columns 2j and 2j+1 of row k in byte [k, j]);
    - an `scf.forall` over blocks of 128 threads (`#gpu.block`) and one over
      their threads (`#gpu.thread`); thread j computes columns 2j and 2j+1 of
      every row: per k it loads one byte (consecutive threads, consecutive
      bytes), splits the nibbles and decodes them in registers with the
      decoding generic's own body (scales read through its indexing maps),
      and accumulates in the matmul's order and arithmetic, so the result
      equals the reference lowering bit for bit on the CPU.

    N must be a multiple of 256.
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect", "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect"
  ];
}

def MCGPUMapKernels : Pass<"mc-gpu-map-kernels", "::mlir::func::FuncOp"> {
  let summary = "Map mc's tiled GPU kernels to gpu.launch with nvgpu ops";
  let description = [{
    The second half of `--mc-gpu-matmul-kernels` and
    `--mc-gpu-gemv-kernels`: each block `scf.forall` becomes a `gpu.launch`
    (one block per iteration, 32 threads per warp of the warp `scf.forall`,
    or one per iteration of a thread `scf.forall`), the staging buffers
    workgroup memory, the warp `scf.forall` the code of warp
    `threadIdx.x / 32` (a thread `scf.forall` that of thread `threadIdx.x`), a cooperative
    `linalg.copy` `nvgpu.device_async_copy` (cp.async, 16 bytes per thread
    and step) between barriers, a cooperative `linalg.generic` a loop of the
    block's threads over the elements, and the warp-level vector ops
    `nvgpu.ldmatrix` and `nvgpu.mma.sync` (upstream `convert-vector-to-gpu`
    with nvgpu).
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect", "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect", "::mlir::LLVM::LLVMDialect",
    "::mlir::memref::MemRefDialect", "::mlir::NVVM::NVVMDialect",
    "::mlir::nvgpu::NVGPUDialect",
    "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect"
  ];
}

#endif // MC_CONVERSION_PASSES_TD

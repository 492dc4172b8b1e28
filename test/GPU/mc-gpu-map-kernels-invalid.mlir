// RUN: mc-opt %s --split-input-file --mc-gpu-map-kernels --verify-diagnostics

func.func @no_warps(%m: memref<16xf32>) {
  // expected-error @+1 {{expected a normalized 1-d or 2-d block scf.forall holding a 1-d warp or thread scf.forall of static size}}
  scf.forall (%i) in (4) {
    %c0 = arith.constant 0 : index
    %v = memref.load %m[%c0] : memref<16xf32>
    memref.store %v, %m[%i] : memref<16xf32>
  } {mapping = [#gpu.block<x>]}
  return
}

// -----

func.func @uneven_copy(%src: memref<4x8xi8>) {
  scf.forall (%i) in (1) {
    %s = memref.alloc() : memref<4x8xi8>
    scf.forall (%w) in (1) {
      // expected-error @+1 {{cooperative copy of 'memref<4x8xi8, #gpu.address_space<workgroup>>' does not split into 16-byte chunks per thread}}
      linalg.copy {mc.gpu.cooperative} ins(%src : memref<4x8xi8>) outs(%s : memref<4x8xi8>)
    } {mapping = [#gpu.warp<linear_dim_0>]}
    memref.dealloc %s : memref<4x8xi8>
  } {mapping = [#gpu.block<x>]}
  return
}

// RUN: mc-opt %s --mc-gpu-gemv-kernels | FileCheck %s

// The int4 payload is packed two values per byte at compile time (-3, -3
// -> 0xDD); a thread per byte column decodes both nibbles with the decoding
// body and accumulates with the matmul's body.
// CHECK: memref.global "private" constant @q_packed : memref<2x256xi8> = dense<-35>
// CHECK-LABEL: func.func @gemv
// CHECK-NOT: linalg.generic
// CHECK: %[[P:.*]] = memref.get_global @q_packed
// CHECK: scf.forall (%{{.*}}) in (2) {
// CHECK:   scf.forall (%{{.*}}) in (128) {
// CHECK:     scf.for %[[ROW:.*]] = %{{.*}} to %{{.*}} step
// CHECK:       scf.for %[[K:.*]] = {{.*}} iter_args
// CHECK:         %[[BYTE:.*]] = memref.load %[[P]][%[[K]], %{{.*}}] : memref<2x256xi8>
// CHECK:         arith.trunci %[[BYTE]] : i8 to i4
// CHECK:         arith.shrui %[[BYTE]]
// CHECK:         arith.extsi %{{.*}} : i4 to i32
// CHECK:         arith.mulf
// CHECK:         arith.mulf
// CHECK:         arith.addf
// CHECK:   } {mapping = [#gpu.thread<linear_dim_0>]}
// CHECK: } {mapping = [#gpu.block<x>]}
memref.global "private" constant @q : memref<2x512xi4> = dense<-3>
func.func @gemv(%x: memref<1x2xf32>, %s: memref<1x512xf32>, %y: memref<1x512xf32>) {
  %q = memref.get_global @q : memref<2x512xi4>
  %w = memref.alloc() : memref<2x512xf32>
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i floordiv 2, j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%q, %s : memref<2x512xi4>, memref<1x512xf32>) outs(%w : memref<2x512xf32>) {
  ^bb0(%in: i4, %sc: f32, %out: f32):
    %e = arith.extsi %in : i4 to i32
    %f = arith.sitofp %e : i32 to f32
    %v = arith.mulf %f, %sc : f32
    linalg.yield %v : f32
  }
  linalg.matmul ins(%x, %w : memref<1x2xf32>, memref<2x512xf32>) outs(%y : memref<1x512xf32>)
  memref.dealloc %w : memref<2x512xf32>
  return
}

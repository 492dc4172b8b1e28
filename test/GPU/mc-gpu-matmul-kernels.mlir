// RUN: mc-opt %s --split-input-file --mc-gpu-matmul-kernels | FileCheck %s

// int8: 128x64 blocks of 2x2 warps, K steps of 64 staged by the whole block,
// 4x4 mma tiles of 16x8x32 per warp accumulated across the K loop; B is
// transposed to N x K first; the zero fill becomes the initial accumulators.
// CHECK-LABEL: func.func @int8
// CHECK-NOT: linalg.fill
// CHECK: %[[BT:.*]] = memref.alloc() : memref<64x128xi8>
// CHECK: linalg.transpose ins(%{{.*}} : memref<128x64xi8>) outs(%[[BT]] : memref<64x128xi8>) permutation = [1, 0]
// CHECK: scf.forall (%{{.*}}, %{{.*}}) in (2, 1) {
// CHECK:   %[[SA:.*]] = memref.alloc() : memref<128x64xi8>
// CHECK:   %[[SB:.*]] = memref.alloc() : memref<64x64xi8>
// CHECK:   scf.forall (%{{.*}}) in (4) {
// CHECK:     arith.constant dense<0> : vector<16x8xi32>
// CHECK:     scf.for {{.*}} -> (vector<16x8xi32>, {{.*}}) {
// CHECK:       linalg.copy {mc.gpu.cooperative} ins(%{{.*}} : memref<128x64xi8, strided<[128, 1], offset: ?>>) outs(%[[SA]] : memref<128x64xi8>)
// CHECK:       linalg.copy {mc.gpu.cooperative} ins(%{{.*}} : memref<64x64xi8, strided<[128, 1], offset: ?>>) outs(%[[SB]] : memref<64x64xi8>)
// CHECK-COUNT-32: vector.contract {{.*}} : vector<16x32xi8>, vector<8x32xi8> into vector<16x8xi32>
// CHECK:     }
// CHECK-COUNT-16: vector.transfer_write %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}] {in_bounds = [true, true]} : vector<16x8xi32>, memref<256x64xi32>
// CHECK:   } {mapping = [#gpu.warp<linear_dim_0>]}
// CHECK:   memref.dealloc %[[SA]]
// CHECK: } {mapping = [#gpu.block<y>, #gpu.block<x>]}
// CHECK: memref.dealloc %[[BT]]
func.func @int8(%a: memref<256x128xi8>, %b: memref<128x64xi8>, %c: memref<256x64xi32>) {
  %z = arith.constant 0 : i32
  linalg.fill ins(%z : i32) outs(%c : memref<256x64xi32>)
  linalg.matmul ins(%a, %b : memref<256x128xi8>, memref<128x64xi8>) outs(%c : memref<256x64xi32>)
  return
}

// -----

// f16 with f32 accumulation: 16x8x16 mma tiles, K steps of 32; without a
// zero fill the accumulators start from the output (linalg.matmul adds).
// A constant B is transposed at compile time.
// CHECK: memref.global "private" constant @w_nk : memref<64x32xf16> = dense<1.000000e+00>
// CHECK-LABEL: func.func @f16
// CHECK: memref.get_global @w_nk : memref<64x32xf16>
// CHECK: vector.transfer_read %{{.*}} : memref<128x64xf32>, vector<16x8xf32>
// CHECK: vector.contract {{.*}} : vector<16x16xf16>, vector<8x16xf16> into vector<16x8xf32>
memref.global "private" constant @w : memref<32x64xf16> = dense<1.0>
func.func @f16(%a: memref<128x32xf16>, %c: memref<128x64xf32>) {
  %b = memref.get_global @w : memref<32x64xf16>
  linalg.matmul ins(%a, %b : memref<128x32xf16>, memref<32x64xf16>) outs(%c : memref<128x64xf32>)
  return
}

// -----

// Left to the generic lowering: shapes that do not tile, types without an
// mma.sync form, tensors.
// CHECK-LABEL: func.func @other
// CHECK-NOT: scf.forall
// CHECK-COUNT-3: linalg.matmul
func.func @other(%a: memref<100x64xi8>, %b: memref<64x64xi8>, %c: memref<100x64xi32>,
                 %x: memref<128x64xf32>, %y: memref<64x64xf32>, %z: memref<128x64xf32>,
                 %t: tensor<128x64xi8>, %u: tensor<64x64xi8>, %v: tensor<128x64xi32>) -> tensor<128x64xi32> {
  linalg.matmul ins(%a, %b : memref<100x64xi8>, memref<64x64xi8>) outs(%c : memref<100x64xi32>)
  linalg.matmul ins(%x, %y : memref<128x64xf32>, memref<64x64xf32>) outs(%z : memref<128x64xf32>)
  %r = linalg.matmul ins(%t, %u : tensor<128x64xi8>, tensor<64x64xi8>) outs(%v : tensor<128x64xi32>) -> tensor<128x64xi32>
  return %r : tensor<128x64xi32>
}

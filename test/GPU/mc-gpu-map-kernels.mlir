// RUN: mc-opt %s --mc-gpu-matmul-kernels --mc-gpu-map-kernels --canonicalize | FileCheck %s

// The tiled kernel on a GPU: one block of 128 threads per 128x64 tile,
// staging buffers in workgroup memory filled by cp.async between barriers,
// ldmatrix + mma.sync on the warps' fragments, the accumulators staged for
// the fused requantization epilogue, which the block's threads apply.
// CHECK-LABEL: func.func @requant
// CHECK: gpu.launch blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %c1, %{{.*}} = %c2, %{{.*}} = %c1) threads(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %c128, %{{.*}} = %c1, %{{.*}} = %c1)
// CHECK-SAME: workgroup(%[[SA:.*]] : memref<128x64xi8, #gpu.address_space<workgroup>>, %[[SB:.*]] : memref<64x64xi8, #gpu.address_space<workgroup>>, %[[SC:.*]] : memref<128x64xi32, #gpu.address_space<workgroup>>)
// CHECK: scf.for {{.*}} -> (vector<2x2xi32>,
// CHECK:   gpu.barrier
// CHECK:   nvgpu.device_async_copy %{{.*}}, %[[SA]][%{{.*}}, %{{.*}}], 16 {bypassL1}
// CHECK:   nvgpu.device_async_create_group
// CHECK:   nvgpu.device_async_wait
// CHECK:   gpu.barrier
// CHECK:   nvgpu.ldmatrix %[[SA]][%{{.*}}, %{{.*}}] {numTiles = 4 : i32, transpose = false} : memref<128x64xi8, #gpu.address_space<workgroup>> -> vector<4x4xi8>
// CHECK:   nvgpu.ldmatrix %[[SB]][%{{.*}}, %{{.*}}] {numTiles = 2 : i32, transpose = false} : memref<64x64xi8, #gpu.address_space<workgroup>> -> vector<2x4xi8>
// CHECK:   nvgpu.mma.sync(%{{.*}}, %{{.*}}, %{{.*}}) {mmaShape = [16, 8, 32]} : (vector<4x4xi8>, vector<2x4xi8>, vector<2x2xi32>) -> vector<2x2xi32>
// CHECK: }
// CHECK: vector.store %{{.*}}, %[[SC]][%{{.*}}, %{{.*}}] : memref<128x64xi32, #gpu.address_space<workgroup>>, vector<2xi32>
// CHECK: gpu.barrier
// CHECK: scf.for
// CHECK:   memref.load %[[SC]]
// CHECK:   math.roundeven
// CHECK:   arith.fptosi {{.*}} : f32 to i8
// CHECK:   memref.store %{{.*}} : memref<128x64xi8, strided<[64, 1], offset: ?>>
// CHECK: gpu.terminator
// CHECK-NOT: vector.contract
func.func @requant(%a: memref<256x128xi8>, %b: memref<128x64xi8>, %s: memref<64xf32>, %out: memref<256x64xi8>) {
  %z = arith.constant 0 : i32
  %acc = memref.alloc() : memref<256x64xi32>
  linalg.fill ins(%z : i32) outs(%acc : memref<256x64xi32>)
  linalg.matmul ins(%a, %b : memref<256x128xi8>, memref<128x64xi8>) outs(%acc : memref<256x64xi32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%acc, %s : memref<256x64xi32>, memref<64xf32>) outs(%out : memref<256x64xi8>) {
  ^bb0(%x: i32, %sc: f32, %o: i8):
    %xf = arith.sitofp %x : i32 to f32
    %v = arith.mulf %xf, %sc : f32
    %lo = arith.constant -128.0 : f32
    %hi = arith.constant 127.0 : f32
    %c1 = arith.maximumf %v, %lo : f32
    %c2 = arith.minimumf %c1, %hi : f32
    %r = math.roundeven %c2 : f32
    %q = arith.fptosi %r : f32 to i8
    linalg.yield %q : i8
  }
  memref.dealloc %acc : memref<256x64xi32>
  return
}

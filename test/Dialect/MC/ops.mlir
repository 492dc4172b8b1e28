// RUN: mc-opt %s | mc-opt | FileCheck %s
// RUN: mc-opt %s -emit-bytecode | mc-opt | FileCheck %s
// RUN: mc-opt %s -mlir-print-op-generic | mc-opt | FileCheck %s

// CHECK-LABEL: func private @encodings
// CHECK-SAME: !mc.compressed<4x8xf32, #mc.uniform<i8>>
// CHECK-SAME: !mc.compressed<4x8xf32, #mc.uniform<ui8, axis = 1, zero_point>>
// CHECK-SAME: !mc.compressed<4x8xbf16, #mc.uniform<i4, block = [1, 4], narrow>>
// CHECK-SAME: !mc.compressed<4x8xf16, #mc.uniform<ui2, block = [2, 8], zero_point, narrow>>
// CHECK-SAME: !mc.compressed<4x8xf64, #mc.uniform<i1>>
// CHECK-SAME: !mc.compressed<4x8xf32, #mc.float<f16>>
// CHECK-SAME: !mc.compressed<4x8xf32, #mc.float<bf16, scaled>>
// CHECK-SAME: !mc.compressed<4x8xf32, #mc.float<f8E4M3FN, axis = 0>>
// CHECK-SAME: !mc.compressed<4x8xf32, #mc.float<f8E5M2, block = [4, 2]>>
// CHECK-SAME: !mc.compressed<f32, #mc.uniform<i8>>
func.func private @encodings(
  !mc.compressed<4x8xf32, #mc.uniform<i8>>,
  !mc.compressed<4x8xf32, #mc.uniform<ui8, zero_point, axis = 1>>,
  !mc.compressed<4x8xbf16, #mc.uniform<i4, block = [1, 4], narrow>>,
  !mc.compressed<4x8xf16, #mc.uniform<ui2, narrow, zero_point, block = [2, 8]>>,
  !mc.compressed<4x8xf64, #mc.uniform<i1>>,
  !mc.compressed<4x8xf32, #mc.float<f16>>,
  !mc.compressed<4x8xf32, #mc.float<bf16, scaled>>,
  !mc.compressed<4x8xf32, #mc.float<f8E4M3FN, axis = 0>>,
  !mc.compressed<4x8xf32, #mc.float<f8E5M2, block = [4, 2]>>,
  !mc.compressed<f32, #mc.uniform<i8>>)

// CHECK-LABEL: func @ops
func.func @ops(%x: tensor<4x8xf32>, %q: tensor<4x8xi8>, %s: tensor<8xf32>,
               %zp: tensor<8xi32>, %st: tensor<f32>)
    -> (tensor<4x8xf32>, tensor<4x8xi8>, tensor<4x8xf32>, tensor<4x8xf32>) {
  // CHECK: %[[A:.*]] = mc.assemble %{{.*}}, %{{.*}}, %{{.*}} : (tensor<4x8xi8>, tensor<8xf32>, tensor<8xi32>) -> !mc.compressed<4x8xf32, #mc.uniform<ui8, axis = 1, zero_point>>
  %a = mc.assemble %q, %s, %zp : (tensor<4x8xi8>, tensor<8xf32>, tensor<8xi32>)
         -> !mc.compressed<4x8xf32, #mc.uniform<ui8, axis = 1, zero_point>>
  // CHECK: mc.decode %[[A]] : !mc.compressed<4x8xf32, #mc.uniform<ui8, axis = 1, zero_point>> -> tensor<4x8xf32>
  %d = mc.decode %a : !mc.compressed<4x8xf32, #mc.uniform<ui8, axis = 1, zero_point>> -> tensor<4x8xf32>
  // CHECK: %[[E:.*]] = mc.encode %{{.*}}, %{{.*}} : (tensor<4x8xf32>, tensor<f32>) -> !mc.compressed<4x8xf32, #mc.uniform<i8, narrow>>
  %e = mc.encode %x, %st : (tensor<4x8xf32>, tensor<f32>) -> !mc.compressed<4x8xf32, #mc.uniform<i8, narrow>>
  // CHECK: mc.disassemble %[[E]] : !mc.compressed<4x8xf32, #mc.uniform<i8, narrow>> -> tensor<4x8xi8>, tensor<f32>
  %p, %ps = mc.disassemble %e : !mc.compressed<4x8xf32, #mc.uniform<i8, narrow>> -> tensor<4x8xi8>, tensor<f32>
  // CHECK: mc.fake_quant #mc.uniform<i8, axis = 1> %{{.*}}, %{{.*}} : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %f = mc.fake_quant #mc.uniform<i8, axis = 1> %x, %s : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  // CHECK: %[[H:.*]] = mc.encode %{{.*}} : (tensor<4x8xf32>) -> !mc.compressed<4x8xf32, #mc.float<f16>>
  %h = mc.encode %x : (tensor<4x8xf32>) -> !mc.compressed<4x8xf32, #mc.float<f16>>
  %hd = mc.decode %h : !mc.compressed<4x8xf32, #mc.float<f16>> -> tensor<4x8xf32>
  return %d, %p, %f, %hd : tensor<4x8xf32>, tensor<4x8xi8>, tensor<4x8xf32>, tensor<4x8xf32>
}

// RUN: mc-opt %s -mc-export-quant -split-input-file | FileCheck %s
// Import then export gives the upstream IR back.
// RUN: mc-opt %S/mc-import-quant.mlir -mc-import-quant -mc-export-quant -split-input-file | FileCheck %s --check-prefix=ROUNDTRIP

// CHECK-LABEL: func @per_tensor
// CHECK: %[[Q:.*]] = quant.qcast %{{.*}} : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 5.000000e-01:10>>
// CHECK: quant.dcast %[[Q]] : tensor<4x!quant.uniform<i8:f32, 5.000000e-01:10>> to tensor<4xf32>
// CHECK-NOT: mc.
func.func @per_tensor(%x: tensor<4xf32>) -> tensor<4xf32> {
  %s = arith.constant dense<0.5> : tensor<f32>
  %z = arith.constant dense<10> : tensor<i32>
  %c = mc.encode %x, %s, %z : (tensor<4xf32>, tensor<f32>, tensor<i32>) -> !mc.compressed<4xf32, #mc.uniform<i8, zero_point>>
  %d = mc.decode %c : !mc.compressed<4xf32, #mc.uniform<i8, zero_point>> -> tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

// CHECK-LABEL: func @per_axis_narrow
// CHECK: quant.qcast %{{.*}} : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i4<-7:7>:f32:0, {5.000000e-01,2.500000e-01}>>
func.func @per_axis_narrow(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %s = arith.constant dense<[0.5, 0.25]> : tensor<2xf32>
  %c = mc.encode %x, %s : (tensor<2x3xf32>, tensor<2xf32>) -> !mc.compressed<2x3xf32, #mc.uniform<i4, axis = 0, narrow>>
  %d = mc.decode %c : !mc.compressed<2x3xf32, #mc.uniform<i4, axis = 0, narrow>> -> tensor<2x3xf32>
  return %d : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func @per_block_fake_quant
// CHECK: %[[Q:.*]] = quant.qcast %{{.*}} : tensor<2x4xf32> to tensor<2x4x!quant.uniform<u8:f32:{0:1, 1:2}, {{\{}}{5.000000e-01:1, 2.500000e-01:2}, {1.000000e+00:3, 2.000000e+00:4}}>>
// CHECK: quant.dcast %[[Q]]
func.func @per_block_fake_quant(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %s = arith.constant dense<[[0.5, 0.25], [1.0, 2.0]]> : tensor<2x2xf32>
  %z = arith.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi32>
  %y = mc.fake_quant #mc.uniform<ui8, block = [1, 2], zero_point> %x, %s, %z : (tensor<2x4xf32>, tensor<2x2xf32>, tensor<2x2xi32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// ROUNDTRIP-LABEL: func @per_tensor
// ROUNDTRIP: quant.qcast %{{.*}} : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 5.000000e-01:10>>
// ROUNDTRIP-LABEL: func @narrow
// ROUNDTRIP: quant.qcast %{{.*}} : tensor<4xf32> to tensor<4x!quant.uniform<i8<-127:127>:f32, 2.500000e-01>>
// ROUNDTRIP-LABEL: func @per_axis_unsigned
// ROUNDTRIP: quant.qcast %{{.*}} : tensor<3x2xf32> to tensor<3x2x!quant.uniform<u8:f32:1, {5.000000e-01:128,2.500000e-01:3}>>
// ROUNDTRIP-LABEL: func @sub_channel
// ROUNDTRIP: quant.qcast %{{.*}} : tensor<2x4xf32> to tensor<2x4x!quant.uniform<i8:f32:{0:1, 1:2}, {{\{}}{5.000000e-01, 2.500000e-01}, {1.000000e+00, 2.000000e+00}}>>
// ROUNDTRIP-LABEL: func @storage_cast
// ROUNDTRIP: %[[Q:.*]] = quant.scast %{{.*}} : tensor<4xi8> to tensor<4x!quant.uniform<i8:f32, 2.000000e+00>>
// ROUNDTRIP: quant.scast %[[Q]] : tensor<4x!quant.uniform<i8:f32, 2.000000e+00>> to tensor<4xi8>
// ROUNDTRIP: quant.dcast %[[Q]]

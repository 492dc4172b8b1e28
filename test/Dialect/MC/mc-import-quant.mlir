// RUN: mc-opt %s -mc-import-quant -split-input-file | FileCheck %s

// CHECK-LABEL: func @per_tensor
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK-DAG: %[[S:.*]] = arith.constant dense<5.000000e-01> : tensor<f32>
// CHECK-DAG: %[[Z:.*]] = arith.constant dense<10> : tensor<i32>
// CHECK: %[[C:.*]] = mc.encode %[[X]], %[[S]], %[[Z]] : (tensor<4xf32>, tensor<f32>, tensor<i32>) -> !mc.compressed<4xf32, #mc.uniform<i8, zero_point>>
// CHECK: %[[D:.*]] = mc.decode %[[C]]
// CHECK: return %[[D]]
// CHECK-NOT: quant.
func.func @per_tensor(%x: tensor<4xf32>) -> tensor<4xf32> {
  %q = quant.qcast %x : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 0.5:10>>
  %d = quant.dcast %q : tensor<4x!quant.uniform<i8:f32, 0.5:10>> to tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

// Symmetric narrow range without zero points.
// CHECK-LABEL: func @narrow
// CHECK: mc.encode %{{.*}}, %{{.*}} : (tensor<4xf32>, tensor<f32>) -> !mc.compressed<4xf32, #mc.uniform<i8, narrow>>
func.func @narrow(%x: tensor<4xf32>) -> tensor<4xf32> {
  %q = quant.qcast %x : tensor<4xf32> to tensor<4x!quant.uniform<i8<-127:127>:f32, 0.25>>
  %d = quant.dcast %q : tensor<4x!quant.uniform<i8<-127:127>:f32, 0.25>> to tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

// CHECK-LABEL: func @per_axis_unsigned
// CHECK-DAG: arith.constant dense<[5.000000e-01, 2.500000e-01]> : tensor<2xf32>
// CHECK-DAG: arith.constant dense<[128, 3]> : tensor<2xi32>
// CHECK: mc.encode {{.*}} -> !mc.compressed<3x2xf32, #mc.uniform<ui8, axis = 1, zero_point>>
func.func @per_axis_unsigned(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %q = quant.qcast %x : tensor<3x2xf32> to tensor<3x2x!quant.uniform<u8:f32:1, {0.5:128, 0.25:3}>>
  %d = quant.dcast %q : tensor<3x2x!quant.uniform<u8:f32:1, {0.5:128, 0.25:3}>> to tensor<3x2xf32>
  return %d : tensor<3x2xf32>
}

// -----

// Sub-channel: blocks of 2 along dimension 1; dimension 0 is not blocked.
// CHECK-LABEL: func @sub_channel
// CHECK: arith.constant dense<{{\[}}[5.000000e-01, 2.500000e-01], [1.000000e+00, 2.000000e+00]]> : tensor<2x2xf32>
// CHECK: mc.encode {{.*}} -> !mc.compressed<2x4xf32, #mc.uniform<i8, block = [1, 2]>>
func.func @sub_channel(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %q = quant.qcast %x : tensor<2x4xf32> to tensor<2x4x!quant.uniform<i8:f32:{0:1, 1:2}, {{0.5, 0.25}, {1.0, 2.0}}>>
  %d = quant.dcast %q : tensor<2x4x!quant.uniform<i8:f32:{0:1, 1:2}, {{0.5, 0.25}, {1.0, 2.0}}>> to tensor<2x4xf32>
  return %d : tensor<2x4xf32>
}

// -----

// A storage cast of integer data is an assemble; one back is a disassemble.
// CHECK-LABEL: func @storage_cast
// CHECK-SAME: (%[[Q:.*]]: tensor<4xi8>)
// CHECK: %[[C:.*]] = mc.assemble %[[Q]], %{{.*}} : (tensor<4xi8>, tensor<f32>) -> !mc.compressed<4xf32, #mc.uniform<i8>>
// CHECK: %[[P:.*]]:2 = mc.disassemble %[[C]]
// CHECK: mc.decode %[[C]]
// CHECK: return %[[P]]#0, %{{.*}} : tensor<4xi8>, tensor<4xf32>
func.func @storage_cast(%i: tensor<4xi8>) -> (tensor<4xi8>, tensor<4xf32>) {
  %q = quant.scast %i : tensor<4xi8> to tensor<4x!quant.uniform<i8:f32, 2.0>>
  %back = quant.scast %q : tensor<4x!quant.uniform<i8:f32, 2.0>> to tensor<4xi8>
  %d = quant.dcast %q : tensor<4x!quant.uniform<i8:f32, 2.0>> to tensor<4xf32>
  return %back, %d : tensor<4xi8>, tensor<4xf32>
}

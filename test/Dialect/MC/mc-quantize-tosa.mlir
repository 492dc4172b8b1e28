// TOSA models work after --tosa-to-linalg: tosa.conv2d becomes
// linalg.conv_2d_nhwc_fhwc (F x (KH*KW*C) matrix), tosa.matmul a
// batch_matmul whose batch dim is kept.
// RUN: mc-opt %s --pass-pipeline="builtin.module(func.func(tosa-to-arith, tosa-to-linalg-named, tosa-to-linalg), canonicalize, mc-quantize, mc-compression-report)" 2>&1 | FileCheck %s
// CHECK: conv_2d_nhwc_fhwc_0 conv_2d_nhwc_fhwc 4x3x3x3 108 432 124 9.19 0.0% - 13.8k 13.8k exact
// CHECK: batch_matmul_0 batch_matmul 1x16x5 80 320 100 10.00 0.0% - 640 640 exact
// CHECK: %[[W:.*]] = mc.decode %{{.*}} : !mc.compressed<4x27xf32, #mc.uniform<i8, axis = 0, narrow>> -> tensor<4x27xf32>
// CHECK: %[[F:.*]] = tensor.expand_shape %[[W]] {{\[}}[0], [1, 2, 3]]
// CHECK: linalg.conv_2d_nhwc_fhwc {{.*}} ins(%{{.*}}, %[[F]] :
// CHECK: mc.decode %{{.*}} : !mc.compressed<1x16x5xf32, #mc.uniform<i8, axis = 2, narrow>>
// CHECK: linalg.batch_matmul
func.func @tosa_model(%x: tensor<1x8x8x3xf32>, %a: tensor<1x4x16xf32>) -> (tensor<1x8x8x4xf32>, tensor<1x4x5xf32>) {
  %w = "tosa.const"() {values = dense<0.5> : tensor<4x3x3x3xf32>} : () -> tensor<4x3x3x3xf32>
  %b = "tosa.const"() {values = dense<0.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %zp = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %y = tosa.conv2d %x, %w, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x8x8x3xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x8x8x4xf32>
  %m = "tosa.const"() {values = dense<0.25> : tensor<1x16x5xf32>} : () -> tensor<1x16x5xf32>
  %z1 = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %r = tosa.matmul %a, %m, %z1, %z1 : (tensor<1x4x16xf32>, tensor<1x16x5xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x5xf32>
  return %y, %r : tensor<1x8x8x4xf32>, tensor<1x4x5xf32>
}

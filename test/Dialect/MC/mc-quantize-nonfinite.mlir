// A weight with inf or NaN, or f64 values beyond f32's range, has no f32
// scale or table: the layer stays as it is, with a remark (it failed the
// verifier with an infinite scale before). Unscaled fp16 has no scale: the
// float encoder saturates inf to its largest finite value.
// RUN: mc-opt %s -split-input-file -verify-diagnostics --mc-quantize
// RUN: mc-opt %s -split-input-file -verify-diagnostics --mc-quantize="method=kmeans bits=4"
// RUN: mc-opt %s -split-input-file --mc-quantize=type=fp16 | FileCheck %s --check-prefix=FP16
// FP16-LABEL: func.func @inf
// FP16: arith.constant dense<{{\[\[}}6.550400e+04, 5.000000e-01]
// FP16: mc.decode

func.func @inf(%x: tensor<2x4xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<[[0x7F800000, 0.5], [1.0, 2.0], [0.25, 1.0], [1.0, 1.0]]> : tensor<4x2xf32>
  %z = arith.constant dense<0.0> : tensor<2x2xf32>
  // expected-remark @+1 {{mc: layer 'fc' not quantized: its weight is not finite in f32 (inf, NaN, or an f64 value beyond f32's range)}}
  %y = linalg.matmul {mc.layer = "fc"} ins(%x, %w : tensor<2x4xf32>, tensor<4x2xf32>) outs(%z : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

func.func @f64_beyond_f32(%x: tensor<2x4xf64>) -> tensor<2x2xf64> {
  %w = arith.constant dense<[[1.0e300, 0.5], [1.0, 2.0], [0.25, 1.0], [1.0, 1.0]]> : tensor<4x2xf64>
  %z = arith.constant dense<0.0> : tensor<2x2xf64>
  // expected-remark @+1 {{mc: layer 'fc' not quantized: its weight is not finite in f32}}
  %y = linalg.matmul {mc.layer = "fc"} ins(%x, %w : tensor<2x4xf64>, tensor<4x2xf64>) outs(%z : tensor<2x2xf64>) -> tensor<2x2xf64>
  return %y : tensor<2x2xf64>
}

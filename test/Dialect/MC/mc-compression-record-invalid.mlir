// A malformed `mc.compression` record (the passes write it, but the IR may
// come from anywhere) is an error, not a crash; empty layers and slices
// outside their source are skipped.
// RUN: mc-opt %s --split-input-file --mc-quantize -verify-diagnostics
// RUN: mc-opt %s --split-input-file --mc-prune=sparsity=0.5 -verify-diagnostics
// RUN: mc-opt %s --split-input-file --mc-factorize=rank=1 -verify-diagnostics
// RUN: mc-opt %s --split-input-file --mc-compression-report=output=- -verify-diagnostics

func.func @record(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %z = arith.constant dense<0.0> : tensor<1x2xf32>
  // expected-error @below {{malformed 'mc.compression' record: expected integers dense_params, dense_bytes, dense_flops (and extra_bytes) and floats signal and noise}}
  %y = linalg.matmul {mc.compression = {noise = 1 : i64}} ins(%x, %w : tensor<1x2xf32>, tensor<2x2xf32>) outs(%z : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

func.func @empty(%x: tensor<2x0xf32>) -> tensor<2x8xf32> {
  %w = arith.constant dense<1.5> : tensor<0x8xf32>
  %z = arith.constant dense<0.0> : tensor<2x8xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x0xf32>, tensor<0x8xf32>) outs(%z : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

func.func @outside(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %c = arith.constant dense<1.0> : tensor<4x2xf32>
  %w = tensor.extract_slice %c[0, 0] [2, 2] [-100000000, 1] : tensor<4x2xf32> to tensor<2x2xf32>
  %z = arith.constant dense<0.0> : tensor<1x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<1x2xf32>, tensor<2x2xf32>) outs(%z : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

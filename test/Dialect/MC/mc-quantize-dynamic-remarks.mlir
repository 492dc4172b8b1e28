// Layers activations=dynamic does not take keep f32 activations (and their
// quantized weight), with a remark saying why.
// RUN: mc-opt %s -split-input-file -verify-diagnostics --mc-prune="mode=nm" --mc-quantize="activations=dynamic granularity=group group-size=4"
// RUN: mc-opt %s -split-input-file -verify-diagnostics --mc-prune="mode=nm" --mc-quantize="activations=dynamic bits=4 granularity=group group-size=4"

// Group products of N:M kept values are not products of groups of K.
func.func @nm_group(%x: tensor<3x8xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[0.1, -0.2], [0.9, 0.4], [-0.7, 0.3], [0.05, -0.8],
                             [0.6, 0.2], [-0.1, 0.5], [0.3, -0.9], [0.8, 0.1]]> : tensor<8x2xf32>
  %z = arith.constant dense<0.0> : tensor<3x2xf32>
  // expected-remark @+1 {{mc: layer 'fc' keeps f32 activations: activations=dynamic with granularity=group needs a dense weight; an N:M weight takes granularity=channel or tensor}}
  %y = linalg.matmul {mc.layer = "fc"} ins(%x, %w : tensor<3x8xf32>, tensor<8x2xf32>) outs(%z : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// Not a plain linalg.matmul.
func.func @batch(%x: tensor<2x3x8xf32>) -> tensor<2x3x2xf32> {
  %w = arith.constant dense<0.5> : tensor<2x8x2xf32>
  %z = arith.constant dense<0.0> : tensor<2x3x2xf32>
  // expected-remark @+1 {{mc: layer 'bmm' keeps f32 activations: activations=dynamic handles plain linalg.matmul with a K x N weight (dense, or N:M along K)}}
  %y = linalg.batch_matmul {mc.layer = "bmm"} ins(%x, %w : tensor<2x3x8xf32>, tensor<2x8x2xf32>) outs(%z : tensor<2x3x2xf32>) -> tensor<2x3x2xf32>
  return %y : tensor<2x3x2xf32>
}

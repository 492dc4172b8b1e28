// Each bad option is one error on the module and the pass fails.
// RUN: not mc-opt %s --mc-prune="mode=random" 2>&1 | FileCheck %s --check-prefix=MODE
// RUN: not mc-opt %s --mc-prune="sparsity=1.0" 2>&1 | FileCheck %s --check-prefix=S1
// RUN: not mc-opt %s --mc-prune="sparsity=-0.25" 2>&1 | FileCheck %s --check-prefix=SNEG
// RUN: not mc-opt %s --mc-prune="scope=model" 2>&1 | FileCheck %s --check-prefix=SCOPE
// RUN: not mc-opt %s --mc-prune="mode=channel criterion=max" 2>&1 | FileCheck %s --check-prefix=CRIT
// RUN: not mc-opt %s --mc-prune="mode=nm n=5 m=4" 2>&1 | FileCheck %s --check-prefix=NGTM
// RUN: not mc-opt %s --mc-prune="mode=nm n=0" 2>&1 | FileCheck %s --check-prefix=NZERO
// RUN: not mc-opt %s --mc-prune="mode=nm n=2 m=256" 2>&1 | FileCheck %s --check-prefix=MBIG
// RUN: not mc-opt %s --mc-prune="mode=nm n=2 m=8" 2>&1 | FileCheck %s --check-prefix=MDIV
// RUN: not mc-opt %s --mc-prune="mode=nm n=1 m=3 layers=fc2" 2>&1 | FileCheck %s --check-prefix=MDIV2
// RUN: not mc-opt %s --mc-prune="mode=channel scope=global sparsity=0.5" 2>&1 | FileCheck %s --check-prefix=GLOBAL
// RUN: not mc-opt %s --mc-prune="layers=fc(1" 2>&1 | FileCheck %s --check-prefix=REGEX
// RUN: not mc-opt %s --mc-prune="min-params=-1" 2>&1 | FileCheck %s --check-prefix=MINP
// Layers that channel pruning cannot shrink are skipped with a remark.
// RUN: mc-opt %s --mc-prune="mode=channel sparsity=0.5" -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK

// MODE: error: mc-prune: unknown mode 'random': expected unstructured, nm or channel
// MODE-NOT: error
// S1: error: mc-prune: sparsity must be in [0, 1), got 1
// S1-NOT: error
// SNEG: error: mc-prune: sparsity must be in [0, 1), got -0.25
// SNEG-NOT: error
// SCOPE: error: mc-prune: unknown scope 'model': expected layer or global
// SCOPE-NOT: error
// CRIT: error: mc-prune: unknown criterion 'max': expected l1 or l2
// CRIT-NOT: error
// NGTM: error: mc-prune: n must not exceed m, got n=5 m=4
// NGTM-NOT: error
// NZERO: error: mc-prune: n must be at least 1, got 0
// NZERO-NOT: error
// MBIG: error: mc-prune: m must be at most 128 (positions take at most 7 bits), got 256
// MBIG-NOT: error
// GLOBAL: error: mc-prune: scope=global is only supported with mode=unstructured
// GLOBAL-NOT: error
// REGEX: error: mc-prune: invalid layers regex 'fc(1': parentheses not balanced
// REGEX-NOT: error
// MINP: error: mc-prune: min-params must be non-negative, got -1
// MINP-NOT: error

// K = 12 of fc1 is not a multiple of 8; the first offending layer is named
// and nothing is rewritten.
// MDIV: mc-prune-invalid.mlir:[[@LINE+13]]:8: error: mc-prune: m=8 does not divide K=12 of layer 'fc1'
// MDIV-NOT: error
// MDIV2: mc-prune-invalid.mlir:[[@LINE+14]]:8: error: mc-prune: m=3 does not divide K=4 of layer 'fc2'
// MDIV2-NOT: error
// REMARK: remark: mc-prune: layer 'fc2' not channel-pruned: its result reaches 'func.return'
// REMARK: remark: mc-prune: layer 'conv' not channel-pruned: its result reaches 'tensor.collapse_shape'
// REMARK-NOT: remark: mc-prune
func.func @mlp(%x: tensor<2x12xf32>, %img: tensor<1x3x3x2xf32>) -> (tensor<2x3xf32>, tensor<4xf32>) {
  %zero = arith.constant 0.0 : f32
  %w1 = arith.constant dense<1.0> : tensor<12x4xf32>
  %w2 = arith.constant dense<2.0> : tensor<4x3xf32>
  %e1 = tensor.empty() : tensor<2x4xf32>
  %i1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<2x4xf32>) -> tensor<2x4xf32>
  %h = linalg.matmul {mc.layer = "fc1"} ins(%x, %w1 : tensor<2x12xf32>, tensor<12x4xf32>) outs(%i1 : tensor<2x4xf32>) -> tensor<2x4xf32>
  %e2 = tensor.empty() : tensor<2x3xf32>
  %i2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<2x3xf32>) -> tensor<2x3xf32>
  %y = linalg.matmul {mc.layer = "fc2"} ins(%h, %w2 : tensor<2x4xf32>, tensor<4x3xf32>) outs(%i2 : tensor<2x3xf32>) -> tensor<2x3xf32>
  // A conv whose output is flattened: not a supported path.
  %wc = arith.constant dense<1.0> : tensor<3x3x2x4xf32>
  %ec = tensor.empty() : tensor<1x1x1x4xf32>
  %ic = linalg.fill ins(%zero : f32) outs(%ec : tensor<1x1x1x4xf32>) -> tensor<1x1x1x4xf32>
  %c = linalg.conv_2d_nhwc_hwcf {mc.layer = "conv", dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%img, %wc : tensor<1x3x3x2xf32>, tensor<3x3x2x4xf32>) outs(%ic : tensor<1x1x1x4xf32>) -> tensor<1x1x1x4xf32>
  %flat = tensor.collapse_shape %c [[0, 1, 2, 3]] : tensor<1x1x1x4xf32> into tensor<4xf32>
  return %y, %flat : tensor<2x3xf32>, tensor<4xf32>
}

// RUN: mc-opt %s -split-input-file --mc-prune="sparsity=0.5" | FileCheck %s --check-prefix=UNS
// RUN: mc-opt %s -split-input-file --mc-prune="sparsity=0.29" | FileCheck %s --check-prefix=ROUND
// RUN: mc-opt %s -split-input-file --mc-prune="sparsity=0.5 scope=global" | FileCheck %s --check-prefix=GLOBAL
// RUN: mc-opt %s -split-input-file --mc-prune="sparsity=0.5 layers=fc2" | FileCheck %s --check-prefix=SEL
// RUN: mc-opt %s -split-input-file --mc-prune="sparsity=0.5 min-params=10" | FileCheck %s --check-prefix=MIN
// RUN: mc-opt %s -split-input-file --mc-prune="mode=nm" | FileCheck %s --check-prefix=NM
// RUN: mc-opt %s -split-input-file --mc-prune="mode=channel sparsity=0.5" 2>/dev/null | FileCheck %s --check-prefix=CH
// RUN: mc-opt %s -split-input-file --mc-prune="sparsity=0" | FileCheck %s --check-prefix=ZERO

// Ties: |w| = 0.5 (twice) and 1.0 (three times) straddle the threshold.
// UNS-LABEL: func @tie
// UNS: %[[W:.*]] = arith.constant dense<{{\[}}[0.000000e+00, -2.000000e+00], [0.000000e+00, 3.000000e+00], [0.000000e+00, 4.000000e+00], [0.000000e+00, -1.000000e+00]]> : tensor<4x2xf32>
// UNS: linalg.matmul {mc.compression = {dense_bytes = {{[0-9]+}} : i64, dense_flops = 48 : i64, dense_params = 8 : i64, noise = 2.500000e+00 : f64, signal = 3.250000e+01 : f64}, mc.layer = "matmul_0"} ins(%{{.*}}, %[[W]] :
// UNS-NOT: arith.constant dense<{{\[}}[1.000000e+00
// 2:4 along K: column 0 keeps the two 1.0 (positions 0 and 3, over 0.5 at 1),
// column 1 keeps 3.0 and 4.0 (positions 1, 2).
// NM-LABEL: func @tie
// Positions are i2 (printed signed: 3 is -1, 2 is -2).
// NM: %[[I:.*]] = arith.constant dense<{{\[}}[0, 1], [-1, -2]]> : tensor<2x2xi2>
// NM: %[[V:.*]] = arith.constant dense<{{\[}}[1.000000e+00, 3.000000e+00], [1.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
// NM: %[[A:.*]] = mc.assemble %[[I]], %[[V]] : (tensor<2x2xi2>, tensor<2x2xf32>) -> !mc.compressed<4x2xf32, #mc.nm<2:4, axis = 0>>
// NM: %[[D:.*]] = mc.decode %[[A]] : !mc.compressed<4x2xf32, #mc.nm<2:4, axis = 0>> -> tensor<4x2xf32>
// NM: linalg.matmul {{.*}} ins(%{{.*}}, %[[D]] : tensor<3x4xf32>, tensor<4x2xf32>)
// sparsity=0 changes nothing (the layer gets its mc.layer name only).
// ZERO-LABEL: func @tie
// ZERO: arith.constant dense<{{\[}}[1.000000e+00, -2.000000e+00], [5.000000e-01, 3.000000e+00], [-5.000000e-01, 4.000000e+00], [1.000000e+00, -1.000000e+00]]> : tensor<4x2xf32>
// ZERO-NOT: mc.compression
func.func @tie(%x: tensor<3x4xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.5, 3.0], [-0.5, 4.0], [1.0, -1.0]]> : tensor<4x2xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<3x4xf32>, tensor<4x2xf32>) outs(%i : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// 1..100: sparsity 0.29 zeroes exactly 29 weights, 1..29 (the double
// product 0.29 * 100 is 28.999999999999996; a plain floor would give 28).
// ROUND-LABEL: func @round
// ROUND: arith.constant dense<{{\[}}[0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 3.000000e+01], [3.100000e+01, 
func.func @round(%x: tensor<1x20xf32>) -> tensor<1x5xf32> {
  %w = arith.constant dense<[[1.0, 2.0, 3.0, 4.0, 5.0], [6.0, 7.0, 8.0, 9.0, 10.0], [11.0, 12.0, 13.0, 14.0, 15.0], [16.0, 17.0, 18.0, 19.0, 20.0], [21.0, 22.0, 23.0, 24.0, 25.0], [26.0, 27.0, 28.0, 29.0, 30.0], [31.0, 32.0, 33.0, 34.0, 35.0], [36.0, 37.0, 38.0, 39.0, 40.0], [41.0, 42.0, 43.0, 44.0, 45.0], [46.0, 47.0, 48.0, 49.0, 50.0], [51.0, 52.0, 53.0, 54.0, 55.0], [56.0, 57.0, 58.0, 59.0, 60.0], [61.0, 62.0, 63.0, 64.0, 65.0], [66.0, 67.0, 68.0, 69.0, 70.0], [71.0, 72.0, 73.0, 74.0, 75.0], [76.0, 77.0, 78.0, 79.0, 80.0], [81.0, 82.0, 83.0, 84.0, 85.0], [86.0, 87.0, 88.0, 89.0, 90.0], [91.0, 92.0, 93.0, 94.0, 95.0], [96.0, 97.0, 98.0, 99.0, 100.0]]> : tensor<20x5xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x5xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<1x5xf32>) -> tensor<1x5xf32>
  %y = linalg.matmul ins(%x, %w : tensor<1x20xf32>, tensor<20x5xf32>) outs(%i : tensor<1x5xf32>) -> tensor<1x5xf32>
  return %y : tensor<1x5xf32>
}

// -----

// Global: one ranking over fc1 and fc2. The 12.0 of fc1 and the two 12.0 of
// fc2 tie at the threshold (12 of 24 weights): layer order, then flat index,
// decide, so fc2 keeps the later one.
// GLOBAL-LABEL: func @two
// GLOBAL: %[[W1:.*]] = arith.constant dense<{{\[}}[0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00], [2.000000e+01, 2.100000e+01, 2.200000e+01, 2.300000e+01], [2.400000e+01, 2.500000e+01, 2.600000e+01, 2.700000e+01]]> : tensor<4x4xf32>
// GLOBAL: linalg.matmul {mc.compression = {{.*}}, mc.layer = "fc1"} ins(%{{.*}}, %[[W1]] :
// GLOBAL: %[[W2:.*]] = arith.constant dense<{{\[}}[0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00], [1.200000e+01, 1.300000e+01], [3.000000e+01, 3.100000e+01]]> : tensor<4x2xf32>
// GLOBAL: linalg.matmul {mc.compression = {{.*}}, mc.layer = "fc2"} ins(%{{.*}}, %[[W2]] :
// layers=fc2: fc1 keeps its weights.
// SEL-LABEL: func @two
// SEL: %[[W1:.*]] = arith.constant dense<{{\[}}[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00],
// SEL: linalg.matmul {mc.layer = "fc1"} ins(%{{.*}}, %[[W1]] :
// SEL: %[[W2:.*]] = arith.constant dense<{{\[}}[0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00], [1.200000e+01, 1.300000e+01], [3.000000e+01, 3.100000e+01]]> : tensor<4x2xf32>
// SEL: linalg.matmul {mc.compression = {{.*}}, mc.layer = "fc2"} ins(%{{.*}}, %[[W2]] :
// min-params=10: fc1 (16 weights) is pruned, fc2 (8) is not.
// MIN-LABEL: func @two
// MIN: %[[W2:.*]] = arith.constant dense<{{\[}}[-8.500000e+00, -9.000000e+00], [1.000000e+01, 1.200000e+01], [1.200000e+01, 1.300000e+01], [3.000000e+01, 3.100000e+01]]> : tensor<4x2xf32>
// MIN: %[[W1:.*]] = arith.constant dense<{{\[}}[0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00], [2.000000e+01,
// MIN: linalg.matmul {mc.compression = {{.*}}, mc.layer = "fc1"} ins(%{{.*}}, %[[W1]] :
// MIN: linalg.matmul {mc.layer = "fc2"} ins(%{{.*}}, %[[W2]] :
// Channels: fc1's column L1 norms are 50, 54, 58, 66; half go, and fc2
// loses the matching rows.
// CH-LABEL: func @two
// CH: %[[E:.*]] = tensor.empty() : tensor<1x2xf32>
// CH: %[[F:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E]] : tensor<1x2xf32>) -> tensor<1x2xf32>
// CH: %[[W1:.*]] = arith.constant dense<{{\[}}[3.000000e+00, 4.000000e+00], [7.000000e+00, 1.200000e+01], [2.200000e+01, 2.300000e+01], [2.600000e+01, 2.700000e+01]]> : tensor<4x2xf32>
// CH: %[[H:.*]] = linalg.matmul {{.*}}mc.layer = "fc1"} ins(%{{.*}}, %[[W1]] : tensor<1x4xf32>, tensor<4x2xf32>) outs(%[[F]] : tensor<1x2xf32>) -> tensor<1x2xf32>
// CH: %[[W2:.*]] = arith.constant dense<{{\[}}[1.200000e+01, 1.300000e+01], [3.000000e+01, 3.100000e+01]]> : tensor<2x2xf32>
// CH: linalg.matmul {{.*}}mc.layer = "fc2"} ins(%[[H]], %[[W2]] : tensor<1x2xf32>, tensor<2x2xf32>)
// CH-NOT: tensor<4x4xf32>
func.func @two(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %w1 = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 12.0], [20.0, 21.0, 22.0, 23.0], [24.0, 25.0, 26.0, 27.0]]> : tensor<4x4xf32>
  %w2 = arith.constant dense<[[-8.5, -9.0], [10.0, 12.0], [12.0, 13.0], [30.0, 31.0]]> : tensor<4x2xf32>
  %z = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<1x4xf32>
  %i1 = linalg.fill ins(%z : f32) outs(%e1 : tensor<1x4xf32>) -> tensor<1x4xf32>
  %h = linalg.matmul {mc.layer = "fc1"} ins(%x, %w1 : tensor<1x4xf32>, tensor<4x4xf32>) outs(%i1 : tensor<1x4xf32>) -> tensor<1x4xf32>
  %e2 = tensor.empty() : tensor<1x2xf32>
  %i2 = linalg.fill ins(%z : f32) outs(%e2 : tensor<1x2xf32>) -> tensor<1x2xf32>
  %y = linalg.matmul {mc.layer = "fc2"} ins(%h, %w2 : tensor<1x4xf32>, tensor<4x2xf32>) outs(%i2 : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// conv_2d_nchw_fchw: the matrix view is [F, C*KH*KW] (channels first), so
// N:M groups run along axis 1 and the result is expanded back to FCHW.
// NM-LABEL: func @conv_nchw
// NM: %[[I:.*]] = arith.constant dense<{{\[}}[-2, -1], [0, -2]]> : tensor<2x2xi2>
// NM: %[[V:.*]] = arith.constant dense<{{\[}}[3.000000e+00, 4.000000e+00], [-4.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
// NM: %[[A:.*]] = mc.assemble %[[I]], %[[V]] : (tensor<2x2xi2>, tensor<2x2xf32>) -> !mc.compressed<2x4xf32, #mc.nm<2:4, axis = 1>>
// NM: %[[D:.*]] = mc.decode %[[A]]
// NM: %[[X:.*]] = tensor.expand_shape %[[D]] {{\[}}[0], [1, 2, 3]] output_shape [2, 2, 1, 2] : tensor<2x4xf32> into tensor<2x2x1x2xf32>
// NM: linalg.conv_2d_nchw_fchw {{.*}} ins(%{{.*}}, %[[X]] :
// Unstructured works on the matrix view too.
// UNS-LABEL: func @conv_nchw
// UNS: %[[W:.*]] = arith.constant dense<{{\[}}[0.000000e+00, 0.000000e+00, 3.000000e+00, 4.000000e+00], [-4.000000e+00, 0.000000e+00, 4.000000e+00, 0.000000e+00]]> : tensor<2x4xf32>
// UNS: %[[X:.*]] = tensor.expand_shape %[[W]] {{\[}}[0], [1, 2, 3]] output_shape [2, 2, 1, 2]
// UNS: linalg.conv_2d_nchw_fchw {{.*}} ins(%{{.*}}, %[[X]] :
func.func @conv_nchw(%x: tensor<1x2x1x3xf32>) -> tensor<1x2x1x2xf32> {
  %w = arith.constant dense<[[[[1.0, 2.0]], [[3.0, 4.0]]], [[[-4.0, 0.5]], [[4.0, -0.5]]]]> : tensor<2x2x1x2xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2x1x2xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<1x2x1x2xf32>) -> tensor<1x2x1x2xf32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x2x1x3xf32>, tensor<2x2x1x2xf32>) outs(%i : tensor<1x2x1x2xf32>) -> tensor<1x2x1x2xf32>
  return %y : tensor<1x2x1x2xf32>
}

// -----

// Channels through bias add + relu: fc1's L1 norms are 6.2, 17.4, 10.6 and
// 9.3, so channels 0 and 3 go: fc1's columns, the bias entries, the generic's
// shapes and fc2's rows shrink; fc2 (its result is returned) stays whole.
// CH-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CH-DAG: #[[COL:.*]] = affine_map<(d0, d1) -> (d1)>
// CH-LABEL: func @mlp
// CH-SAME: (%[[X:.*]]: tensor<2x8xf32>) -> tensor<2x3xf32>
// CH: %[[F1:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<2x2xf32>) -> tensor<2x2xf32>
// CH: %[[W1:.*]] = arith.constant dense<{{\[}}[-2.000000e+00, 5.000000e-01], [4.000000e+00, 1.000000e+00], [2.000000e-01, 3.000000e-01], [2.500000e+00, -3.500000e+00], [-2.000000e+00, 5.000000e-01], [4.000000e+00, 1.000000e+00], [2.000000e-01, 3.000000e-01], [2.500000e+00, -3.500000e+00]]> : tensor<8x2xf32>
// CH: %[[H:.*]] = linalg.matmul {mc.compression = {dense_bytes = {{[0-9]+}} : i64, dense_flops = 128 : i64, dense_params = 32 : i64, {{.*}}}, mc.layer = "fc1"} ins(%[[X]], %[[W1]] : tensor<2x8xf32>, tensor<8x2xf32>) outs(%[[F1]] : tensor<2x2xf32>) -> tensor<2x2xf32>
// CH: %[[B:.*]] = arith.constant dense<[2.000000e-01, 3.000000e-01]> : tensor<2xf32>
// CH: %[[E:.*]] = tensor.empty() : tensor<2x2xf32>
// CH: %[[A:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[COL]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[H]], %[[B]] : tensor<2x2xf32>, tensor<2xf32>) outs(%[[E]] : tensor<2x2xf32>)
// CH: arith.addf
// CH: arith.maximumf
// CH: } -> tensor<2x2xf32>
// CH: %[[W2:.*]] = arith.constant dense<{{\[}}[4.000000e+00, 5.000000e+00, 6.000000e+00], [7.000000e+00, 8.000000e+00, 9.000000e+00]]> : tensor<2x3xf32>
// CH: %[[Y:.*]] = linalg.matmul {{.*}}mc.layer = "fc2"} ins(%[[A]], %[[W2]] : tensor<2x2xf32>, tensor<2x3xf32>)
// CH: return %[[Y]] : tensor<2x3xf32>
// CH-NOT: tensor<2x4xf32>
func.func @mlp(%x: tensor<2x8xf32>) -> tensor<2x3xf32> {
  %w1 = arith.constant dense<[[1.0, -2.0, 0.5, 3.0], [-0.5, 4.0, 1.0, -1.0], [0.1, 0.2, 0.3, 0.4], [1.5, 2.5, -3.5, 0.25], [1.0, -2.0, 0.5, 3.0], [-0.5, 4.0, 1.0, -1.0], [0.1, 0.2, 0.3, 0.4], [1.5, 2.5, -3.5, 0.25]]> : tensor<8x4xf32>
  %b1 = arith.constant dense<[0.1, 0.2, 0.3, 0.4]> : tensor<4xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  %h = linalg.matmul {mc.layer = "fc1"} ins(%x, %w1 : tensor<2x8xf32>, tensor<8x4xf32>) outs(%f : tensor<2x4xf32>) -> tensor<2x4xf32>
  %e2 = tensor.empty() : tensor<2x4xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%h, %b1 : tensor<2x4xf32>, tensor<4xf32>) outs(%e2 : tensor<2x4xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %s = arith.addf %p, %q : f32
    %r = arith.maximumf %s, %z : f32
    linalg.yield %r : f32
  } -> tensor<2x4xf32>
  %w2 = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], [10.0, 11.0, 12.0]]> : tensor<4x3xf32>
  %e3 = tensor.empty() : tensor<2x3xf32>
  %f3 = linalg.fill ins(%z : f32) outs(%e3 : tensor<2x3xf32>) -> tensor<2x3xf32>
  %y = linalg.matmul {mc.layer = "fc2"} ins(%a, %w2 : tensor<2x4xf32>, tensor<4x3xf32>) outs(%f3 : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// Nothing to prune: unchanged in every mode.
// UNS-LABEL: func @no_layers
// UNS-NEXT: %[[Y:.*]] = arith.addf %{{.*}}, %{{.*}} : tensor<4xf32>
// UNS-NEXT: return %[[Y]] : tensor<4xf32>
// CH-LABEL: func @no_layers
// CH-NEXT: arith.addf
// CH-NEXT: return
// NM-LABEL: func @no_layers
// NM-NEXT: arith.addf
// NM-NEXT: return
func.func @no_layers(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = arith.addf %x, %x : tensor<4xf32>
  return %y : tensor<4xf32>
}

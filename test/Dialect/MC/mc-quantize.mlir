// RUN: mc-opt %s -split-input-file --mc-quantize | FileCheck %s
// RUN: mc-opt %s -split-input-file --mc-quantize="bits=4 granularity=group group-size=2 layers=dense1|matmul_0|conv.*" | FileCheck %s --check-prefix=GROUP
// RUN: mc-opt %s -split-input-file --mc-quantize="symmetric=false granularity=tensor" | FileCheck %s --check-prefix=ASYM
// RUN: mc-opt %s -split-input-file --mc-quantize="type=fp8e4m3" | FileCheck %s --check-prefix=FP8
// RUN: mc-opt %s -split-input-file --mc-quantize="type=bf16" | FileCheck %s --check-prefix=BF16
// RUN: mc-opt %s -split-input-file --mc-quantize="layers=dense.* min-params=6" | FileCheck %s --check-prefix=SELECT
// RUN: mc-opt %s -split-input-file --mc-quantize="min-params=7" | FileCheck %s --check-prefix=MINP
// RUN: mc-opt %s -split-input-file --mc-quantize="method=kmeans bits=2 granularity=tensor" | FileCheck %s --check-prefix=KMEANS
// RUN: mc-opt %s -split-input-file --mc-quantize="method=log2 bits=3" | FileCheck %s --check-prefix=LOG2
// RUN: mc-opt %s -split-input-file --mc-quantize="bits=1 granularity=group group-size=2 layers=dense1|matmul_0" | FileCheck %s --check-prefix=BINARY

// Per-channel int8 of a K x N matmul weight: one scale per column.
// CHECK-LABEL: func @matmul
// CHECK-DAG: %[[Q:.*]] = arith.constant dense<{{\[}}[127, -127, 64], [64, 0, -127]]> : tensor<2x3xi8>
// CHECK-DAG: %[[S:.*]] = arith.constant dense<[0.0157480314, 0.0157480314, 0.0314960629]> : tensor<3xf32>
// CHECK: %[[C:.*]] = mc.assemble %[[Q]], %[[S]] : (tensor<2x3xi8>, tensor<3xf32>) -> !mc.compressed<2x3xf32, #mc.uniform<i8, axis = 1, narrow>>
// CHECK: %[[W:.*]] = mc.decode %[[C]]
// CHECK: linalg.matmul {{.*}}mc.layer = "dense1"{{.*}} ins(%{{.*}}, %[[W]] :
// GROUP-LABEL: func @matmul
// GROUP: !mc.compressed<2x3xf32, #mc.uniform<i4, block = [2, 1], narrow>>
// ASYM-LABEL: func @matmul
// Asymmetric per tensor: lo = -4, hi = 2, s = 6/255, zp = 170; the unsigned
// payload [[255, 85, 255], [212, 170, 0]] prints as signless i8.
// ASYM-DAG: arith.constant dense<{{\[}}[-1, 85, -1], [-44, -86, 0]]> : tensor<2x3xi8>
// ASYM-DAG: arith.constant dense<170> : tensor<i32>
// ASYM: !mc.compressed<2x3xf32, #mc.uniform<ui8, zero_point>>
// FP8-LABEL: func @matmul
// FP8: !mc.compressed<2x3xf32, #mc.float<f8E4M3FN, axis = 1>>
// BF16-LABEL: func @matmul
// BF16: arith.constant dense<{{.*}}> : tensor<2x3xbf16>
// BF16: mc.assemble %{{.*}} : (tensor<2x3xbf16>) -> !mc.compressed<2x3xf32, #mc.float<bf16>>
// SELECT-LABEL: func @matmul
// SELECT: mc.decode
// MINP-LABEL: func @matmul
// MINP-NOT: mc.decode
// MINP-LABEL: func @matmul_transposed
// k-means, 4 entries for the 6 weights: clusters {-4}, {-2}, {0, 1}, {2, 2}.
// KMEANS-LABEL: func @matmul
// KMEANS-DAG: %[[Q:.*]] = arith.constant dense<{{\[}}[-1, 1, -1], [-2, -2, 0]]> : tensor<2x3xi2>
// KMEANS-DAG: %[[T:.*]] = arith.constant dense<[-4.000000e+00, -2.000000e+00, 5.000000e-01, 2.000000e+00]> : tensor<4xf32>
// KMEANS: %[[C:.*]] = mc.assemble %[[Q]], %[[T]] : (tensor<2x3xi2>, tensor<4xf32>) -> !mc.compressed<2x3xf32, #mc.codebook<ui2>>
// KMEANS: mc.decode %[[C]]
// Power-of-two levels per channel, s = max|w| = 2, 2, 4: entry 2c + sign is
// +-s * 2^-c for c < 3, then +0 and -0; 0 is index 6 (printed -2 in i3).
// LOG2-LABEL: func @matmul
// LOG2-DAG: %[[Q:.*]] = arith.constant dense<{{\[}}[0, 1, 2], [2, -2, 1]]> : tensor<2x3xi3>
// LOG2-DAG: %[[T:.*]] = arith.constant dense<{{\[}}[2.000000e+00, -2.000000e+00, 1.000000e+00, -1.000000e+00, 5.000000e-01, -5.000000e-01, 0.000000e+00, -0.000000e+00], [2.000000e+00, -2.000000e+00, 1.000000e+00, -1.000000e+00, 5.000000e-01, -5.000000e-01, 0.000000e+00, -0.000000e+00], [4.000000e+00, -4.000000e+00, 2.000000e+00, -2.000000e+00, 1.000000e+00, -1.000000e+00, 0.000000e+00, -0.000000e+00]]> : tensor<3x8xf32>
// LOG2: mc.assemble %[[Q]], %[[T]] : (tensor<2x3xi3>, tensor<3x8xf32>) -> !mc.compressed<2x3xf32, #mc.codebook<ui3, axis = 1>>
// Binary groups of 2 along K: {+a, -a} with a = mean|w| (1.5, 1, 3); the
// index is the sign bit, sign(0) = +1.
// BINARY-LABEL: func @matmul
// BINARY-DAG: %[[Q:.*]] = arith.constant dense<{{\[}}[false, true, false], [false, false, true]]> : tensor<2x3xi1>
// BINARY-DAG: %[[T:.*]] = arith.constant dense<{{\[}}{{\[}}[1.500000e+00, -1.500000e+00], [1.000000e+00, -1.000000e+00], [3.000000e+00, -3.000000e+00]]]> : tensor<1x3x2xf32>
// BINARY: mc.assemble %[[Q]], %[[T]] : (tensor<2x3xi1>, tensor<1x3x2xf32>) -> !mc.compressed<2x3xf32, #mc.codebook<ui1, block = [2, 1]>>
func.func @matmul(%x: tensor<4x2xf32>) -> tensor<4x3xf32> {
  %w = arith.constant dense<[[2.0, -2.0, 2.0], [1.0, 0.0, -4.0]]> : tensor<2x3xf32>
  %z = arith.constant dense<0.0> : tensor<4x3xf32>
  %y = linalg.matmul {mc.layer = "dense1"} ins(%x, %w : tensor<4x2xf32>, tensor<2x3xf32>) outs(%z : tensor<4x3xf32>) -> tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}

// -----

// A transposed (N x K) weight written with indexing maps: the channel is
// dimension 0. The name is generated and attached to the op.
// CHECK-LABEL: func @matmul_transposed
// CHECK: !mc.compressed<3x2xf32, #mc.uniform<i8, axis = 0, narrow>>
// CHECK: linalg.matmul {{.*}}mc.layer = "matmul_0"
// GROUP-LABEL: func @matmul_transposed
// GROUP: #mc.uniform<i4, block = [1, 2], narrow>
// SELECT-LABEL: func @matmul_transposed
// SELECT-NOT: mc.decode
// Channels first: groups run along dimension 1.
// BINARY-LABEL: func @matmul_transposed
// BINARY: mc.assemble %{{.*}}, %{{.*}} : (tensor<3x2xi1>, tensor<3x1x2xf32>) -> !mc.compressed<3x2xf32, #mc.codebook<ui1, block = [1, 2]>>
func.func @matmul_transposed(%x: tensor<4x2xf32>) -> tensor<4x3xf32> {
  %w = arith.constant dense<[[2.0, 1.0], [-2.0, 0.0], [2.0, -4.0]]> : tensor<3x2xf32>
  %z = arith.constant dense<0.0> : tensor<4x3xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<4x2xf32>, tensor<3x2xf32>) outs(%z : tensor<4x3xf32>) -> tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}

// -----

// HWCF conv filters become a (KH*KW*C) x F matrix and are expanded back.
// CHECK-LABEL: func @conv_nhwc
// CHECK: %[[D:.*]] = mc.decode %{{.*}} : !mc.compressed<18x4xf32, #mc.uniform<i8, axis = 1, narrow>> -> tensor<18x4xf32>
// CHECK: %[[F:.*]] = tensor.expand_shape %[[D]] {{\[}}[0, 1, 2], [3]] output_shape [3, 3, 2, 4] : tensor<18x4xf32> into tensor<3x3x2x4xf32>
// CHECK: linalg.conv_2d_nhwc_hwcf {{.*}} ins(%{{.*}}, %[[F]] :
// GROUP-LABEL: func @conv_nhwc
// GROUP: #mc.uniform<i4, block = [2, 1], narrow>
// SELECT-LABEL: func @conv_nhwc
// SELECT-NOT: mc.decode
// MINP-LABEL: func @conv_nhwc
// MINP: mc.decode
func.func @conv_nhwc(%x: tensor<1x8x8x2xf32>) -> tensor<1x6x6x4xf32> {
  %w = arith.constant dense<0.5> : tensor<3x3x2x4xf32>
  %z = arith.constant dense<0.0> : tensor<1x6x6x4xf32>
  %y = linalg.conv_2d_nhwc_hwcf ins(%x, %w : tensor<1x8x8x2xf32>, tensor<3x3x2x4xf32>) outs(%z : tensor<1x6x6x4xf32>) -> tensor<1x6x6x4xf32>
  return %y : tensor<1x6x6x4xf32>
}

// -----

// FCHW filters are F x (C*KH*KW); depthwise HWC filters (KH*KW) x C.
// CHECK-LABEL: func @conv_nchw_depthwise
// CHECK: mc.decode %{{.*}} : !mc.compressed<4x18xf32, #mc.uniform<i8, axis = 0, narrow>>
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2, 3]]
// CHECK: mc.decode %{{.*}} : !mc.compressed<9x2xf32, #mc.uniform<i8, axis = 1, narrow>>
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2]]
func.func @conv_nchw_depthwise(%x: tensor<1x2x8x8xf32>, %x2: tensor<1x8x8x2xf32>) -> (tensor<1x4x6x6xf32>, tensor<1x6x6x2xf32>) {
  %w = arith.constant dense<0.5> : tensor<4x2x3x3xf32>
  %z = arith.constant dense<0.0> : tensor<1x4x6x6xf32>
  %y = linalg.conv_2d_nchw_fchw ins(%x, %w : tensor<1x2x8x8xf32>, tensor<4x2x3x3xf32>) outs(%z : tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32>
  %wd = arith.constant dense<0.25> : tensor<3x3x2xf32>
  %zd = arith.constant dense<0.0> : tensor<1x6x6x2xf32>
  %yd = linalg.depthwise_conv_2d_nhwc_hwc ins(%x2, %wd : tensor<1x8x8x2xf32>, tensor<3x3x2xf32>) outs(%zd : tensor<1x6x6x2xf32>) -> tensor<1x6x6x2xf32>
  return %y, %yd : tensor<1x4x6x6xf32>, tensor<1x6x6x2xf32>
}

// -----

// Weights seen through views and from a constant global; batch_matmul keeps
// its batch dim; matvec's matrix is N x K.
// CHECK-LABEL: func @views
// CHECK: mc.decode %{{.*}} : !mc.compressed<2x3xf32, #mc.uniform<i8, axis = 1, narrow>>
// CHECK: mc.decode %{{.*}} : !mc.compressed<2x2x3xf32, #mc.uniform<i8, axis = 2, narrow>>
// CHECK: mc.decode %{{.*}} : !mc.compressed<3x2xf32, #mc.uniform<i8, axis = 0, narrow>>
ml_program.global private @g(dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]> : tensor<3x2xf32>) : tensor<3x2xf32>
func.func @views(%x: tensor<4x2xf32>, %xb: tensor<2x4x2xf32>, %v: tensor<2xf32>) -> (tensor<4x3xf32>, tensor<2x4x3xf32>, tensor<3xf32>) {
  %g = ml_program.global_load_const @g : tensor<3x2xf32>
  %e = tensor.empty() : tensor<2x3xf32>
  %t = linalg.transpose ins(%g : tensor<3x2xf32>) outs(%e : tensor<2x3xf32>) permutation = [1, 0]
  %z = arith.constant dense<0.0> : tensor<4x3xf32>
  %y = linalg.matmul ins(%x, %t : tensor<4x2xf32>, tensor<2x3xf32>) outs(%z : tensor<4x3xf32>) -> tensor<4x3xf32>
  %wb = arith.constant dense<1.0> : tensor<2x2x3xf32>
  %zb = arith.constant dense<0.0> : tensor<2x4x3xf32>
  %yb = linalg.batch_matmul ins(%xb, %wb : tensor<2x4x2xf32>, tensor<2x2x3xf32>) outs(%zb : tensor<2x4x3xf32>) -> tensor<2x4x3xf32>
  %zv = arith.constant dense<0.0> : tensor<3xf32>
  %yv = linalg.matvec ins(%g, %v : tensor<3x2xf32>, tensor<2xf32>) outs(%zv : tensor<3xf32>) -> tensor<3xf32>
  return %y, %yb, %yv : tensor<4x3xf32>, tensor<2x4x3xf32>, tensor<3xf32>
}

// -----

// Nothing to quantize: the module is unchanged.
// CHECK-LABEL: func @no_weights
// CHECK-NOT: mc.decode
func.func @no_weights(%x: tensor<4x2xf32>, %w: tensor<2x3xf32>) -> tensor<4x3xf32> {
  %z = arith.constant dense<0.0> : tensor<4x3xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x2xf32>, tensor<2x3xf32>) outs(%z : tensor<4x3xf32>) -> tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}

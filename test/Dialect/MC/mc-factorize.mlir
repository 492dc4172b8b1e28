// RUN: mc-opt %s -split-input-file --mc-factorize=rank=1 2>/dev/null | FileCheck %s
// RUN: mc-opt %s -split-input-file --mc-factorize="rank=1 layers=enc|conv.*" 2>/dev/null | FileCheck %s --check-prefix=LAYERS
// RUN: mc-opt %s -split-input-file --mc-factorize="rank=1 min-params=100" 2>/dev/null | FileCheck %s --check-prefix=PARAMS
// RUN: mc-opt %s -split-input-file --mc-factorize="rank=2 min-savings=0.5" 2>/dev/null | FileCheck %s --check-prefix=SAVINGS
// RUN: mc-opt %s -split-input-file --mc-factorize="rank=2 min-savings=0.5" 2>&1 >/dev/null | FileCheck %s --check-prefix=REMARK

// A weight with a known SVD: sigma = (4, 1, 0), so rank 1 gives
// U = 2 e1 and V = 2 e1^T (sqrt(sigma) on both sides).

// CHECK-LABEL: func.func @exact
// CHECK-SAME: (%[[X:.*]]: tensor<2x4xf32>)
// CHECK-NOT: tensor<4x3xf32>
// CHECK-DAG: %[[U:.*]] = arith.constant dense<{{\[\[}}2.000000e+00], [0.000000e+00], [0.000000e+00], [0.000000e+00]]> : tensor<4x1xf32>
// CHECK-DAG: %[[INIT:.*]] = linalg.fill {{.*}} -> tensor<2x3xf32>
// CHECK-DAG: %[[ZERO:.*]] = linalg.fill {{.*}} -> tensor<2x1xf32>
// CHECK: %[[T:.*]] = linalg.matmul
// CHECK-SAME: mc.compression = {dense_bytes = 48 : i64, dense_flops = 48 : i64, dense_params = 12 : i64, noise = 1.000000e+00 : f64, rank = 1 : i64, signal = 1.700000e+01 : f64}
// CHECK-SAME: mc.layer = "fc.u", mc.rank = 1 : i64
// CHECK-SAME: ins(%[[X]], %[[U]] : tensor<2x4xf32>, tensor<4x1xf32>) outs(%[[ZERO]] : tensor<2x1xf32>)
// CHECK: %[[V:.*]] = arith.constant dense<{{\[\[}}2.000000e+00, 0.000000e+00, 0.000000e+00]]> : tensor<1x3xf32>
// CHECK: %[[Y:.*]] = linalg.matmul
// CHECK-SAME: mc.compression = {dense_bytes = 0 : i64, dense_flops = 0 : i64, dense_params = 0 : i64, noise = 0.000000e+00 : f64, rank = 1 : i64, signal = 0.000000e+00 : f64}
// CHECK-SAME: mc.layer = "fc.v", mc.rank = 1 : i64
// CHECK-SAME: ins(%[[T]], %[[V]] : tensor<2x1xf32>, tensor<1x3xf32>) outs(%[[INIT]] : tensor<2x3xf32>)
// CHECK: return %[[Y]]
func.func @exact(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<[[4.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]> : tensor<4x3xf32>
  %e = tensor.empty() : tensor<2x3xf32>
  %c0 = arith.constant 0.0 : f32
  %z = linalg.fill ins(%c0 : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  %y = linalg.matmul {mc.layer = "fc"} ins(%x, %w : tensor<2x4xf32>, tensor<4x3xf32>) outs(%z : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// The weight stored N x K (transposed maps): U is stored r x K in the same
// layout, the second op is a plain matmul.

// CHECK-LABEL: func.func @transposed
// CHECK: %[[T:.*]] = linalg.matmul indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}] {{{.*}}mc.layer = "matmul_0.u", mc.rank = 1 : i64} ins(%{{.*}}, %{{.*}} : tensor<8x16xf32>, tensor<1x16xf32>) outs(%{{.*}} : tensor<8x1xf32>)
// CHECK: linalg.matmul {{{.*}}mc.layer = "matmul_0.v", mc.rank = 1 : i64} ins(%[[T]], %{{.*}} : tensor<8x1xf32>, tensor<1x12xf32>) outs(%{{.*}} : tensor<8x12xf32>)
func.func @transposed(%x: tensor<8x16xf32>, %init: tensor<8x12xf32>) -> tensor<8x12xf32> {
  %w = arith.constant dense<0.5> : tensor<12x16xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                      affine_map<(m, n, k) -> (n, k)>,
                                      affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<8x16xf32>, tensor<12x16xf32>)
         outs(%init : tensor<8x12xf32>) -> tensor<8x12xf32>
  return %y : tensor<8x12xf32>
}

// -----

// The weight as the left operand: y = W x becomes V^T (U^T x).

// CHECK-LABEL: func.func @weight_lhs
// CHECK: %[[T:.*]] = linalg.matmul {{{.*}}mc.layer = "matmul_0.u"{{.*}}} ins(%{{.*}}, %{{.*}} : tensor<1x16xf32>, tensor<16x8xf32>) outs(%{{.*}} : tensor<1x8xf32>)
// CHECK: linalg.matmul {{{.*}}mc.layer = "matmul_0.v"{{.*}}} ins(%{{.*}}, %[[T]] : tensor<12x1xf32>, tensor<1x8xf32>) outs(%{{.*}} : tensor<12x8xf32>)
func.func @weight_lhs(%x: tensor<16x8xf32>, %init: tensor<12x8xf32>) -> tensor<12x8xf32> {
  %w = arith.constant dense<0.5> : tensor<12x16xf32>
  %y = linalg.matmul ins(%w, %x : tensor<12x16xf32>, tensor<16x8xf32>)
         outs(%init : tensor<12x8xf32>) -> tensor<12x8xf32>
  return %y : tensor<12x8xf32>
}

// -----

// CHECK-LABEL: func.func @vecmat
// CHECK: %[[T:.*]] = linalg.vecmat {{{.*}}mc.layer = "vecmat_0.u"{{.*}}} ins(%{{.*}}, %{{.*}} : tensor<16xf32>, tensor<16x1xf32>) outs(%{{.*}} : tensor<1xf32>)
// CHECK: linalg.vecmat {{{.*}}mc.layer = "vecmat_0.v"{{.*}}} ins(%[[T]], %{{.*}} : tensor<1xf32>, tensor<1x12xf32>) outs(%{{.*}} : tensor<12xf32>)
func.func @vecmat(%x: tensor<16xf32>, %init: tensor<12xf32>) -> tensor<12xf32> {
  %w = arith.constant dense<0.5> : tensor<16x12xf32>
  %y = linalg.vecmat ins(%x, %w : tensor<16xf32>, tensor<16x12xf32>)
         outs(%init : tensor<12xf32>) -> tensor<12xf32>
  return %y : tensor<12xf32>
}

// -----

// CHECK-LABEL: func.func @matvec
// CHECK: %[[T:.*]] = linalg.matvec {{{.*}}mc.layer = "matvec_0.u"{{.*}}} ins(%{{.*}}, %{{.*}} : tensor<1x16xf32>, tensor<16xf32>) outs(%{{.*}} : tensor<1xf32>)
// CHECK: linalg.vecmat {{{.*}}mc.layer = "matvec_0.v"{{.*}}} ins(%[[T]], %{{.*}} : tensor<1xf32>, tensor<1x12xf32>) outs(%{{.*}} : tensor<12xf32>)
func.func @matvec(%x: tensor<16xf32>, %init: tensor<12xf32>) -> tensor<12xf32> {
  %w = arith.constant dense<0.5> : tensor<12x16xf32>
  %y = linalg.matvec ins(%w, %x : tensor<12x16xf32>, tensor<16xf32>)
         outs(%init : tensor<12xf32>) -> tensor<12xf32>
  return %y : tensor<12xf32>
}

// -----

// One SVD per batch matrix, one rank for all.

// CHECK-LABEL: func.func @batch
// CHECK: %[[T:.*]] = linalg.batch_matmul {{{.*}}mc.layer = "batch_matmul_0.u"{{.*}}} ins(%{{.*}}, %{{.*}} : tensor<2x4x16xf32>, tensor<2x16x1xf32>) outs(%{{.*}} : tensor<2x4x1xf32>)
// CHECK: linalg.batch_matmul {{{.*}}mc.layer = "batch_matmul_0.v"{{.*}}} ins(%[[T]], %{{.*}} : tensor<2x4x1xf32>, tensor<2x1x12xf32>) outs(%{{.*}} : tensor<2x4x12xf32>)
func.func @batch(%x: tensor<2x4x16xf32>, %init: tensor<2x4x12xf32>) -> tensor<2x4x12xf32> {
  %w = arith.constant dense<0.5> : tensor<2x16x12xf32>
  %y = linalg.batch_matmul ins(%x, %w : tensor<2x4x16xf32>, tensor<2x16x12xf32>)
         outs(%init : tensor<2x4x12xf32>) -> tensor<2x4x12xf32>
  return %y : tensor<2x4x12xf32>
}

// -----

// A generic contraction: the first op is the generic with U, the second a
// matmul.

// CHECK-LABEL: func.func @generic
// CHECK: %[[T:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<4x16xf32>, tensor<16x1xf32>) outs(%{{.*}} : tensor<4x1xf32>) attrs = {{{.*}}mc.layer = "generic_0.u"
// CHECK: linalg.matmul {{{.*}}mc.layer = "generic_0.v"{{.*}}} ins(%[[T]], %{{.*}} : tensor<4x1xf32>, tensor<1x12xf32>) outs(%{{.*}} : tensor<4x12xf32>)
func.func @generic(%x: tensor<4x16xf32>, %init: tensor<4x12xf32>) -> tensor<4x12xf32> {
  %w = arith.constant dense<0.5> : tensor<16x12xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                        affine_map<(m, n, k) -> (k, n)>,
                                        affine_map<(m, n, k) -> (m, n)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
         ins(%x, %w : tensor<4x16xf32>, tensor<16x12xf32>) outs(%init : tensor<4x12xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<4x12xf32>
  return %y : tensor<4x12xf32>
}

// -----

// The kernel as (KH*KW*C) x F: a conv with r filters (same strides and
// dilations), then a 1x1 conv from r to F channels into the original init.

// CHECK-LABEL: func.func @conv_nhwc
// CHECK-SAME: (%[[X:.*]]: tensor<1x9x9x4xf32>, %[[INIT:.*]]: tensor<1x4x4x8xf32>)
// CHECK-NOT: tensor<3x3x4x8xf32>
// CHECK: %[[T:.*]] = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, {{.*}}mc.layer = "conv_2d_nhwc_hwcf_0.u", mc.rank = 1 : i64, strides = dense<2> : tensor<2xi64>} ins(%[[X]], %{{.*}} : tensor<1x9x9x4xf32>, tensor<3x3x4x1xf32>) outs(%{{.*}} : tensor<1x4x4x1xf32>)
// CHECK: %[[Y:.*]] = linalg.conv_2d_nhwc_hwcf {{{.*}}mc.layer = "conv_2d_nhwc_hwcf_0.v", mc.rank = 1 : i64} ins(%[[T]], %{{.*}} : tensor<1x4x4x1xf32>, tensor<1x1x1x8xf32>) outs(%[[INIT]] : tensor<1x4x4x8xf32>)
// CHECK: return %[[Y]]
func.func @conv_nhwc(%x: tensor<1x9x9x4xf32>, %init: tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> {
  %k = arith.constant dense<0.25> : tensor<3x3x4x8xf32>
  %y = linalg.conv_2d_nhwc_hwcf {strides = dense<2> : tensor<2xi64>, dilations = dense<1> : tensor<2xi64>}
         ins(%x, %k : tensor<1x9x9x4xf32>, tensor<3x3x4x8xf32>)
         outs(%init : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %y : tensor<1x4x4x8xf32>
}

// -----

// CHECK-LABEL: func.func @conv_nchw
// CHECK: %[[T:.*]] = linalg.conv_2d_nchw_fchw {{{.*}}mc.layer = "conv_2d_nchw_fchw_0.u"{{.*}}} ins(%{{.*}}, %{{.*}} : tensor<1x4x9x9xf32>, tensor<1x4x3x3xf32>) outs(%{{.*}} : tensor<1x1x7x7xf32>)
// CHECK: linalg.conv_2d_nchw_fchw {{{.*}}mc.layer = "conv_2d_nchw_fchw_0.v"{{.*}}} ins(%[[T]], %{{.*}} : tensor<1x1x7x7xf32>, tensor<8x1x1x1xf32>) outs(%{{.*}} : tensor<1x8x7x7xf32>)
func.func @conv_nchw(%x: tensor<1x4x9x9xf32>, %init: tensor<1x8x7x7xf32>) -> tensor<1x8x7x7xf32> {
  %k = arith.constant dense<0.25> : tensor<8x4x3x3xf32>
  %y = linalg.conv_2d_nchw_fchw ins(%x, %k : tensor<1x4x9x9xf32>, tensor<8x4x3x3xf32>)
         outs(%init : tensor<1x8x7x7xf32>) -> tensor<1x8x7x7xf32>
  return %y : tensor<1x8x7x7xf32>
}

// -----

// Depthwise: the channel indexes the input too; left alone.

// CHECK-LABEL: func.func @depthwise
// CHECK: linalg.depthwise_conv_2d_nhwc_hwc {{{.*}}mc.layer = "depthwise_conv_2d_nhwc_hwc_0"
// CHECK-NOT: mc.rank
func.func @depthwise(%x: tensor<1x9x9x8xf32>, %init: tensor<1x7x7x8xf32>) -> tensor<1x7x7x8xf32> {
  %k = arith.constant dense<0.25> : tensor<3x3x8xf32>
  %y = linalg.depthwise_conv_2d_nhwc_hwc ins(%x, %k : tensor<1x9x9x8xf32>, tensor<3x3x8xf32>)
         outs(%init : tensor<1x7x7x8xf32>) -> tensor<1x7x7x8xf32>
  return %y : tensor<1x7x7x8xf32>
}

// -----

// Selection by name (layers=) and size (min-params=): enc has 16x12 = 192
// parameters, dec 12x4 = 48.

// CHECK-LABEL: func.func @select
// CHECK: mc.layer = "enc.u"
// CHECK: mc.layer = "enc.v"
// CHECK: mc.layer = "dec.u"
// CHECK: mc.layer = "dec.v"

// LAYERS-LABEL: func.func @select
// LAYERS: mc.layer = "enc.u"
// LAYERS: mc.layer = "enc.v"
// LAYERS: linalg.matmul {mc.layer = "dec"} ins(%{{.*}}, %{{.*}} : tensor<2x12xf32>, tensor<12x4xf32>)

// PARAMS-LABEL: func.func @select
// PARAMS: mc.layer = "enc.u"
// PARAMS: mc.layer = "enc.v"
// PARAMS: linalg.matmul {mc.layer = "dec"} ins(%{{.*}}, %{{.*}} : tensor<2x12xf32>, tensor<12x4xf32>)
func.func @select(%x: tensor<2x16xf32>) -> tensor<2x4xf32> {
  %w1 = arith.constant dense<0.5> : tensor<16x12xf32>
  %w2 = arith.constant dense<0.5> : tensor<12x4xf32>
  %c0 = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<2x12xf32>
  %z1 = linalg.fill ins(%c0 : f32) outs(%e1 : tensor<2x12xf32>) -> tensor<2x12xf32>
  %h = linalg.matmul {mc.layer = "enc"} ins(%x, %w1 : tensor<2x16xf32>, tensor<16x12xf32>) outs(%z1 : tensor<2x12xf32>) -> tensor<2x12xf32>
  %e2 = tensor.empty() : tensor<2x4xf32>
  %z2 = linalg.fill ins(%c0 : f32) outs(%e2 : tensor<2x4xf32>) -> tensor<2x4xf32>
  %y = linalg.matmul {mc.layer = "dec"} ins(%h, %w2 : tensor<2x12xf32>, tensor<12x4xf32>) outs(%z2 : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// min-savings=0.5 at rank 2: 32x32 -> 2*64 = 128 of 1024 parameters (saves
// 87.5%) is factorized; 8x6 -> 2*14 = 28 of 48 (saves 41.7%) is not; and a
// rank clamped to min(m, n) saves nothing.

// SAVINGS-LABEL: func.func @savings
// SAVINGS: linalg.matmul {{{.*}}mc.layer = "big.u", mc.rank = 2 : i64} ins(%{{.*}}, %{{.*}} : tensor<2x32xf32>, tensor<32x2xf32>)
// SAVINGS: linalg.matmul {{{.*}}mc.layer = "big.v", mc.rank = 2 : i64} ins(%{{.*}}, %{{.*}} : tensor<2x2xf32>, tensor<2x32xf32>)
// SAVINGS: linalg.matmul {mc.layer = "small"} ins(%{{.*}}, %{{.*}} : tensor<2x8xf32>, tensor<8x6xf32>)
// SAVINGS: linalg.matmul {mc.layer = "thin"} ins(%{{.*}}, %{{.*}} : tensor<2x6xf32>, tensor<6x1xf32>)

// REMARK: remark: mc: layer 'small' not factorized: at rank 2 (of 6) the factors have 28 parameters per matrix against 48 dense (saving 41.7%, min-savings 0.5)
// REMARK: remark: mc: layer 'thin' not factorized: at rank 1 (of 1) the factors have 7 parameters per matrix against 6 dense (saving -16.7%, min-savings 0.5)
func.func @savings(%x: tensor<2x32xf32>) -> tensor<2x1xf32> {
  %w1 = arith.constant dense<0.5> : tensor<32x32xf32>
  %w2 = arith.constant dense<0.5> : tensor<8x6xf32>
  %w3 = arith.constant dense<0.5> : tensor<6x1xf32>
  %c0 = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<2x32xf32>
  %z1 = linalg.fill ins(%c0 : f32) outs(%e1 : tensor<2x32xf32>) -> tensor<2x32xf32>
  %h1 = linalg.matmul {mc.layer = "big"} ins(%x, %w1 : tensor<2x32xf32>, tensor<32x32xf32>) outs(%z1 : tensor<2x32xf32>) -> tensor<2x32xf32>
  %s = tensor.extract_slice %h1[0, 0] [2, 8] [1, 1] : tensor<2x32xf32> to tensor<2x8xf32>
  %e2 = tensor.empty() : tensor<2x6xf32>
  %z2 = linalg.fill ins(%c0 : f32) outs(%e2 : tensor<2x6xf32>) -> tensor<2x6xf32>
  %h2 = linalg.matmul {mc.layer = "small"} ins(%s, %w2 : tensor<2x8xf32>, tensor<8x6xf32>) outs(%z2 : tensor<2x6xf32>) -> tensor<2x6xf32>
  %e3 = tensor.empty() : tensor<2x1xf32>
  %z3 = linalg.fill ins(%c0 : f32) outs(%e3 : tensor<2x1xf32>) -> tensor<2x1xf32>
  %y = linalg.matmul {mc.layer = "thin"} ins(%h2, %w3 : tensor<2x6xf32>, tensor<6x1xf32>) outs(%z3 : tensor<2x1xf32>) -> tensor<2x1xf32>
  return %y : tensor<2x1xf32>
}

// -----

// Nothing to factorize: unchanged, no error.

// CHECK-LABEL: func.func @no_layers
// CHECK-NEXT: arith.addf
// CHECK-NEXT: return
func.func @no_layers(%a: f32) -> f32 {
  %b = arith.addf %a, %a : f32
  return %b : f32
}

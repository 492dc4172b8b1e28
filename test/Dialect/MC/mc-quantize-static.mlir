// Static activations: the dynamic form's IR with one calibrated constant
// scale per layer, max(|min|, |max|) / 127 in f32.
// RUN: rm -rf %t && split-file %s %t
// RUN: mc-opt %t/model.mlir --mc-quantize="activations=static calibration=%t/ok.json" | FileCheck %s
// RUN: mc-opt %t/model.mlir --mc-quantize="activations=static calibration=%t/ok.json bits=4 granularity=group group-size=4" | FileCheck %s --check-prefix=GROUP
// Several files (batches): the largest max |x| per layer, here 4 for fc1.
// RUN: mc-opt %t/model.mlir --mc-quantize="activations=static calibration=%t/ok.json,%t/wider.json,%t/nofc2.json" | FileCheck %s --check-prefix=MERGE

// CHECK-LABEL: func.func @mlp
// 3 / 127 for fc1 (min -3, max 2)
// CHECK: %[[S1:.*]] = arith.constant dense<0.0236220472> : tensor<2xf32>
// CHECK: %[[C1:.*]] = mc.encode %{{.*}}, %[[S1]] : (tensor<2x8xf32>, tensor<2xf32>) -> !mc.compressed<2x8xf32, #mc.uniform<i8, axis = 0, narrow>>
// CHECK: %[[Q1:.*]]:2 = mc.disassemble %[[C1]]
// CHECK: %[[A1:.*]] = linalg.matmul {{.*}}mc.layer = "fc1"} ins(%[[Q1]]#0, %{{.*}} : tensor<2x8xi8>, tensor<8x8xi8>)
// CHECK: linalg.generic {{.*}} ins(%[[A1]], %[[S1]], %{{.*}} : tensor<2x8xi32>, tensor<2xf32>, tensor<8xf32>)
// an all-zero range takes scale 1 (fc2)
// CHECK: %[[S2:.*]] = arith.constant dense<1.000000e+00> : tensor<2xf32>
// CHECK: mc.encode %{{.*}}, %[[S2]]
// CHECK-NOT: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]

// MERGE: arith.constant dense<0.0314960629> : tensor<2xf32>
// MERGE: arith.constant dense<1.000000e+00> : tensor<2xf32>

// GROUP: %[[S1:.*]] = arith.constant dense<0.0236220472> : tensor<2xf32>
// GROUP: mc.encode %{{.*}}, %[[S1]]
// GROUP: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<2x2x4xi8>, tensor<2x4x8xi4>){{.*}}mc.layer = "fc1"
// GROUP: linalg.generic {{.*}} ins(%{{.*}}, %[[S1]] : tensor<2x8xf32>, tensor<2xf32>)

// Asymmetric activations: [min(lo, 0), max(hi, 0)] / 255 and the zero point
// round(-lo / s) - 128 (fc1: 5 / 255 and 153 - 128 = 25; fc2's empty range:
// scale 1, zero point -128); the zero point's share zx * sum_k qw[k, n]
// comes off the i32 products before the rescale.
// RUN: mc-opt %t/model.mlir --mc-quantize="activations=static activation-symmetric=false calibration=%t/ok.json" | FileCheck %s --check-prefix=ASYM
// ASYM: %[[S:.*]] = arith.constant dense<0.0196078438> : tensor<2xf32>
// ASYM: %[[Z:.*]] = arith.constant dense<25> : tensor<2xi32>
// ASYM: mc.encode %{{.*}}, %[[S]], %[[Z]] : (tensor<2x8xf32>, tensor<2xf32>, tensor<2xi32>) -> !mc.compressed<2x8xf32, #mc.uniform<i8, axis = 0, zero_point>>
// ASYM: %[[A:.*]] = linalg.matmul {{.*}}mc.layer = "fc1"
// ASYM: %[[T:.*]] = arith.constant dense<[19100, -6300, -6300, 13500, 19100, -6300, -6300, 13500]> : tensor<8xi32>
// ASYM: linalg.generic {{.*}} ins(%[[A]], %[[S]], %{{.*}}, %[[T]] : tensor<2x8xi32>, tensor<2xf32>, tensor<8xf32>, tensor<8xi32>)
// ASYM: ^bb0(%[[ACC:.*]]: i32, %{{.*}}: f32, %{{.*}}: f32, %[[ZT:.*]]: i32, %{{.*}}: f32):
// ASYM: arith.subi %[[ACC]], %[[ZT]] : i32
// ASYM: arith.constant dense<1.000000e+00> : tensor<2xf32>
// ASYM: arith.constant dense<-128> : tensor<2xi32>
// Dynamic activations have symmetric row scales; group products and N:M
// weights take symmetric activations only.
// RUN: not mc-opt %t/model.mlir --mc-quantize="activations=dynamic activation-symmetric=false" 2>&1 | FileCheck %s --check-prefix=ASYMDYN
// ASYMDYN: error: mc-quantize: activation-symmetric=false needs activations=static (dynamic activations have symmetric row scales)
// RUN: not mc-opt %t/model.mlir --mc-quantize="activations=static activation-symmetric=false calibration=%t/ok.json granularity=group group-size=4" 2>&1 | FileCheck %s --check-prefix=ASYMGROUP
// ASYMGROUP: error: mc-quantize: activation-symmetric=false needs granularity=tensor or channel: the group products take symmetric activations
// RUN: mc-opt %t/model.mlir --mc-prune="mode=nm n=2 m=4" --mc-quantize="activations=static activation-symmetric=false calibration=%t/ok.json" 2>&1 | FileCheck %s --check-prefix=ASYMNM
// ASYMNM: remark: mc: layer 'fc1' keeps f32 activations: activation-symmetric=false needs a dense weight

// Convolutions: a per-tensor scale, the i8 convolution of the same kind on
// the int8 filter in its own layout, sw per output channel.
// RUN: mc-opt %t/conv.mlir --mc-quantize="activations=static calibration=%t/conv.json" | FileCheck %s --check-prefix=CONV
// CONV-LABEL: func.func @nhwc
// CONV: %[[S:.*]] = arith.constant dense<0.0236220472> : tensor<f32>
// CONV: mc.encode %{{.*}}, %[[S]] : (tensor<1x4x4x2xf32>, tensor<f32>) -> !mc.compressed<1x4x4x2xf32, #mc.uniform<i8, narrow>>
// CONV: %[[A:.*]] = linalg.conv_2d_nhwc_hwcf {{.*}}mc.layer = "c1"{{.*}}strides = dense<2> : tensor<2xi64>{{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x4x4x2xi8>, tensor<2x2x2x3xi8>) outs(%{{.*}} : tensor<1x2x2x3xi32>)
// CONV: linalg.generic {{.*}} ins(%[[A]], %[[S]], %{{.*}} : tensor<1x2x2x3xi32>, tensor<f32>, tensor<3xf32>)
// CONV-LABEL: func.func @nchw
// CONV: linalg.conv_2d_nchw_fchw {{.*}}mc.layer = "c2"{{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x2x4x4xi8>, tensor<3x2x2x2xi8>) outs(%{{.*}} : tensor<1x3x3x3xi32>)
// Group scales along a filter's K have no integer convolution.
// RUN: mc-opt %t/conv.mlir --mc-quantize="activations=static calibration=%t/conv.json granularity=group group-size=4" 2>&1 | FileCheck %s --check-prefix=CONVGROUP
// CONVGROUP: remark: mc: layer 'c1' keeps f32 activations: activations=static on a convolution needs granularity=tensor or channel (and N:M along the filter's K)

// An N:M filter (pruned along K = (kh, kw, c), or (c, kh, kw) for FCHW):
// the integer convolution takes its kept values decoded as i8 and expanded
// to the filter's shape, so the structure stays visible (to the report and
// the 2:4 kernel). Asymmetric activations need a dense filter, as for a
// matmul.
// RUN: mc-opt %t/conv.mlir --mc-prune="mode=nm n=2 m=4" --mc-quantize="activations=static calibration=%t/conv.json" | FileCheck %s --check-prefix=CONVNM
// CONVNM-LABEL: func.func @nhwc
// CONVNM: %[[K:.*]] = mc.assemble %{{.*}}, %{{.*}} : (tensor<4x3xi2>, tensor<4x3xi8>) -> !mc.compressed<8x3xi8, #mc.nm<2:4, axis = 0>>
// CONVNM: %[[D:.*]] = mc.decode %[[K]] : !mc.compressed<8x3xi8, #mc.nm<2:4, axis = 0>> -> tensor<8x3xi8>
// CONVNM: %[[F:.*]] = tensor.expand_shape %[[D]] {{\[\[}}0, 1, 2], [3]] output_shape [2, 2, 2, 3] : tensor<8x3xi8> into tensor<2x2x2x3xi8>
// CONVNM: linalg.conv_2d_nhwc_hwcf {{.*}}mc.layer = "c1"{{.*}} ins(%{{.*}}, %[[F]] : tensor<1x4x4x2xi8>, tensor<2x2x2x3xi8>) outs(%{{.*}} : tensor<1x2x2x3xi32>)
// CONVNM-LABEL: func.func @nchw
// CONVNM: mc.decode %{{.*}} : !mc.compressed<3x8xi8, #mc.nm<2:4, axis = 1>> -> tensor<3x8xi8>
// CONVNM: linalg.conv_2d_nchw_fchw {{.*}}mc.layer = "c2"{{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x2x4x4xi8>, tensor<3x2x2x2xi8>) outs(%{{.*}} : tensor<1x3x3x3xi32>)
// RUN: mc-opt %t/conv.mlir --mc-prune="mode=nm n=2 m=4" --mc-quantize="activations=static activation-symmetric=false calibration=%t/conv.json" 2>&1 | FileCheck %s --check-prefix=CONVNMASYM
// CONVNMASYM: remark: mc: layer 'c1' keeps f32 activations: activation-symmetric=false needs a dense weight

// Bad options and calibration files: one clear error each.
// RUN: not mc-opt %t/model.mlir --mc-quantize="activations=static" 2>&1 | FileCheck %s --check-prefix=NOFILE
// NOFILE: error: mc-quantize: activations=static needs calibration=FILE, the activation ranges that `mc-run --calibrate=FILE` records
// RUN: not mc-opt %t/model.mlir --mc-quantize="calibration=%t/ok.json" 2>&1 | FileCheck %s --check-prefix=UNUSED
// UNUSED: error: mc-quantize: calibration={{.*}}ok.json is only read with activations=static
// RUN: not mc-opt %t/model.mlir --mc-quantize="activations=static calibration=%t/ok.json method=kmeans" 2>&1 | FileCheck %s --check-prefix=CODEBOOK
// CODEBOOK: error: mc-quantize: activations=static needs uniform int8 weights: method=kmeans makes a codebook, which has no integer dot product
// RUN: not mc-opt %t/model.mlir --mc-quantize="activations=static calibration=%t/ok.json granularity=group group-size=6" 2>&1 | FileCheck %s --check-prefix=GSIZE
// GSIZE: error: mc-quantize: activations=static needs a group-size that is a multiple of 4 (the integer dot products sum 4 k at a time), got 6
// RUN: not mc-opt %t/model.mlir --mc-quantize="activations=static calibration=%t/missing.json" 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: error: mc-quantize: calibration file '{{.*}}missing.json' cannot be read: No such file or directory
// RUN: not mc-opt %t/model.mlir --mc-quantize="activations=static calibration=%t/notjson.json" 2>&1 | FileCheck %s --check-prefix=NOTJSON
// NOTJSON: error: mc-quantize: calibration file '{{.*}}notjson.json' is not JSON: {{.*}}
// RUN: not mc-opt %t/model.mlir --mc-quantize="activations=static calibration=%t/nolayers.json" 2>&1 | FileCheck %s --check-prefix=NOLAYERS
// NOLAYERS: error: mc-quantize: calibration file '{{.*}}nolayers.json' has no "layers" object
// RUN: not mc-opt %t/model.mlir --mc-quantize="activations=static calibration=%t/nonumber.json" 2>&1 | FileCheck %s --check-prefix=NONUMBER
// NONUMBER: error: mc-quantize: calibration file '{{.*}}nonumber.json' gives layer 'fc1' no numbers "min" and "max"
// RUN: not mc-opt %t/model.mlir --mc-quantize="activations=static calibration=%t/reversed.json" 2>&1 | FileCheck %s --check-prefix=REVERSED
// REVERSED: error: mc-quantize: calibration file '{{.*}}reversed.json' gives layer 'fc1' the range [2, -3]: expected min <= max, both finite f32
// RUN: not mc-opt %t/model.mlir --mc-quantize="activations=static calibration=%t/huge.json" 2>&1 | FileCheck %s --check-prefix=HUGE
// HUGE: error: mc-quantize: calibration file '{{.*}}huge.json' gives layer 'fc1' the range [0, 1e+39]: expected min <= max, both finite f32
// RUN: not mc-opt %t/model.mlir --mc-quantize="activations=static calibration=%t/nofc2.json" 2>&1 | FileCheck %s --check-prefix=NOFC2
// NOFC2: error: mc-quantize: no range for layer 'fc2' in calibration={{.*}}nofc2.json

//--- model.mlir
func.func @mlp(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %w1 = arith.constant dense<[[0.5, -1.0, 0.25, 2.0, 0.5, -1.0, 0.25, 2.0], [1.0, 0.5, -0.5, 0.125, 1.0, 0.5, -0.5, 0.125], [0.5, -1.0, 0.25, 2.0, 0.5, -1.0, 0.25, 2.0], [1.0, 0.5, -0.5, 0.125, 1.0, 0.5, -0.5, 0.125], [0.5, -1.0, 0.25, 2.0, 0.5, -1.0, 0.25, 2.0], [1.0, 0.5, -0.5, 0.125, 1.0, 0.5, -0.5, 0.125], [0.5, -1.0, 0.25, 2.0, 0.5, -1.0, 0.25, 2.0], [1.0, 0.5, -0.5, 0.125, 1.0, 0.5, -0.5, 0.125]]> : tensor<8x8xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x8xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<2x8xf32>) -> tensor<2x8xf32>
  %y1 = linalg.matmul {mc.layer = "fc1"} ins(%x, %w1 : tensor<2x8xf32>, tensor<8x8xf32>) outs(%f : tensor<2x8xf32>) -> tensor<2x8xf32>
  %y2 = linalg.matmul {mc.layer = "fc2"} ins(%y1, %w1 : tensor<2x8xf32>, tensor<8x8xf32>) outs(%f : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y2 : tensor<2x8xf32>
}
//--- conv.mlir
func.func @nhwc(%x: tensor<1x4x4x2xf32>) -> tensor<1x2x2x3xf32> {
  %w = arith.constant dense<[[[[0.5, -1.0, 0.25], [2.0, 0.5, -1.0]], [[0.25, 2.0, 1.0], [0.5, -0.5, 0.125]]], [[[1.0, 0.5, -0.5], [0.125, 0.5, -1.0]], [[0.25, 2.0, 0.5], [-1.0, 0.25, 2.0]]]]> : tensor<2x2x2x3xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2x2x3xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32>
  %y = linalg.conv_2d_nhwc_hwcf {mc.layer = "c1", dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%x, %w : tensor<1x4x4x2xf32>, tensor<2x2x2x3xf32>) outs(%f : tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32>
  return %y : tensor<1x2x2x3xf32>
}
func.func @nchw(%x: tensor<1x2x4x4xf32>) -> tensor<1x3x3x3xf32> {
  %w = arith.constant dense<[[[[0.5, -1.0], [0.25, 2.0]], [[0.5, -1.0], [0.25, 2.0]]], [[[1.0, 0.5], [-0.5, 0.125]], [[1.0, 0.5], [-0.5, 0.125]]], [[[0.25, 2.0], [0.5, -1.0]], [[0.25, 2.0], [0.5, -1.0]]]]> : tensor<3x2x2x2xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x3x3x3xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x3x3x3xf32>) -> tensor<1x3x3x3xf32>
  %y = linalg.conv_2d_nchw_fchw {mc.layer = "c2", dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x2x4x4xf32>, tensor<3x2x2x2xf32>) outs(%f : tensor<1x3x3x3xf32>) -> tensor<1x3x3x3xf32>
  return %y : tensor<1x3x3x3xf32>
}
//--- conv.json
{"layers": {"c1": {"min": -3, "max": 2}, "c2": {"min": 0, "max": 1}}}
//--- ok.json
{"entry": "mlp", "layers": {"fc1": {"min": -3, "max": 2}, "fc2": {"min": 0, "max": 0}}}
//--- notjson.json
{"layers": {"fc1": 
//--- nolayers.json
{"entry": "mlp"}
//--- nonumber.json
{"layers": {"fc1": {"min": "low", "max": 2}}}
//--- reversed.json
{"layers": {"fc1": {"min": 2, "max": -3}}}
//--- huge.json
{"layers": {"fc1": {"min": 0, "max": 1e39}}}
//--- wider.json
{"layers": {"fc1": {"min": -1, "max": 4}, "fc2": {"min": 0, "max": 0}}}
//--- nofc2.json
{"layers": {"fc1": {"min": -3, "max": 2}}}

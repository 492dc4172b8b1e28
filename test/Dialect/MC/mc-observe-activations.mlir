// RUN: mc-opt %s --split-input-file --verify-diagnostics --mc-observe-activations | FileCheck %s
// RUN: mc-opt %s --split-input-file --mc-observe-activations="layers=fc2" | FileCheck %s --check-prefix=FILTER

// Each layer's activations reduce to [min, max] (NaN-propagating), returned
// after the function's own results, in layer order; result attributes stay.
// CHECK-LABEL: func.func @mlp
// CHECK-SAME: (%[[X:.*]]: tensor<2x8xf32>) -> (tensor<2x4xf32> {my.attr}, tensor<2xf32>, tensor<2xf32>)
// CHECK-SAME: mc.observed = ["fc1", "fc2"]
// CHECK: %[[INF:.*]] = arith.constant 0x7F800000 : f32
// CHECK: %[[LO:.*]] = linalg.fill ins(%[[INF]] : f32) outs(%{{.*}} : tensor<f32>)
// CHECK: %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[HI:.*]] = linalg.fill ins(%[[NINF]] : f32) outs(%{{.*}} : tensor<f32>)
// CHECK: %[[R1:.*]]:2 = linalg.generic {{.*}}iterator_types = ["reduction", "reduction"]{{.*}} ins(%[[X]] : tensor<2x8xf32>) outs(%[[LO]], %[[HI]] : tensor<f32>, tensor<f32>)
// CHECK: arith.minimumf
// CHECK: arith.maximumf
// CHECK: %[[MIN1:.*]] = tensor.extract %[[R1]]#0[]
// CHECK: %[[MAX1:.*]] = tensor.extract %[[R1]]#1[]
// CHECK: %[[S1:.*]] = tensor.from_elements %[[MIN1]], %[[MAX1]] : tensor<2xf32>
// CHECK: %[[Y1:.*]] = linalg.matmul {mc.layer = "fc1"} ins(%[[X]],
// CHECK: linalg.generic {{.*}} ins(%[[Y1]] : tensor<2x8xf32>)
// CHECK: %[[S2:.*]] = tensor.from_elements
// CHECK: %[[Y2:.*]] = linalg.matmul {mc.layer = "fc2"} ins(%[[Y1]],
// CHECK: return %[[Y2]], %[[S1]], %[[S2]]
// FILTER-LABEL: func.func @mlp
// FILTER-SAME: -> (tensor<2x4xf32> {my.attr}, tensor<2xf32>)
// FILTER-SAME: mc.observed = ["fc2"]
func.func @mlp(%x: tensor<2x8xf32>) -> (tensor<2x4xf32> {my.attr}) {
  %w1 = arith.constant dense<0.5> : tensor<8x8xf32>
  %w2 = arith.constant dense<0.25> : tensor<8x4xf32>
  %z = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<2x8xf32>
  %f1 = linalg.fill ins(%z : f32) outs(%e1 : tensor<2x8xf32>) -> tensor<2x8xf32>
  %y1 = linalg.matmul {mc.layer = "fc1"} ins(%x, %w1 : tensor<2x8xf32>, tensor<8x8xf32>) outs(%f1 : tensor<2x8xf32>) -> tensor<2x8xf32>
  %e2 = tensor.empty() : tensor<2x4xf32>
  %f2 = linalg.fill ins(%z : f32) outs(%e2 : tensor<2x4xf32>) -> tensor<2x4xf32>
  %y2 = linalg.matmul {mc.layer = "fc2"} ins(%y1, %w2 : tensor<2x8xf32>, tensor<8x4xf32>) outs(%f2 : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y2 : tensor<2x4xf32>
}

// -----

// Functions that are called or private keep their signatures; integer
// activations are not observed (static quantization takes f32 ones).
// CHECK-LABEL: func.func @called
// CHECK-SAME: -> tensor<2x4xf32> {
// CHECK-LABEL: func.func private @hidden
// CHECK-SAME: -> tensor<2x4xf32> {
// CHECK-LABEL: func.func @caller
// CHECK-SAME: -> tensor<2x4xf32> {
// CHECK-LABEL: func.func @integer
// CHECK-SAME: -> tensor<2x4xi32> {
func.func @called(%x: tensor<2x8xf32>) -> tensor<2x4xf32> {
  %w = arith.constant dense<0.5> : tensor<8x4xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  // expected-remark @below {{mc: layer 'a' not observed: only layers directly in the body of a public function that nothing calls are}}
  %y = linalg.matmul {mc.layer = "a"} ins(%x, %w : tensor<2x8xf32>, tensor<8x4xf32>) outs(%f : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}
func.func private @hidden(%x: tensor<2x8xf32>) -> tensor<2x4xf32> {
  %w = arith.constant dense<0.5> : tensor<8x4xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  // expected-remark @below {{mc: layer 'b' not observed}}
  %y = linalg.matmul {mc.layer = "b"} ins(%x, %w : tensor<2x8xf32>, tensor<8x4xf32>) outs(%f : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}
func.func @caller(%x: tensor<2x8xf32>) -> tensor<2x4xf32> {
  %a = func.call @called(%x) : (tensor<2x8xf32>) -> tensor<2x4xf32>
  %b = func.call @hidden(%x) : (tensor<2x8xf32>) -> tensor<2x4xf32>
  %s = arith.addf %a, %b : tensor<2x4xf32>
  return %s : tensor<2x4xf32>
}
func.func @integer(%x: tensor<2x8xi8>) -> tensor<2x4xi32> {
  %w = arith.constant dense<3> : tensor<8x4xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<2x4xi32>
  %f = linalg.fill ins(%z : i32) outs(%e : tensor<2x4xi32>) -> tensor<2x4xi32>
  %y = linalg.matmul {mc.layer = "c"} ins(%x, %w : tensor<2x8xi8>, tensor<8x4xi8>) outs(%f : tensor<2x4xi32>) -> tensor<2x4xi32>
  return %y : tensor<2x4xi32>
}

// -----

// A layer in a nested region has no value that dominates the return.
// CHECK-LABEL: func.func @nested
// CHECK-SAME: -> tensor<2x4xf32> {
func.func @nested(%x: tensor<2x8xf32>, %c: i1) -> tensor<2x4xf32> {
  %r = scf.if %c -> tensor<2x4xf32> {
    %w = arith.constant dense<0.5> : tensor<8x4xf32>
    %z = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<2x4xf32>
    %f = linalg.fill ins(%z : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
    // expected-remark @below {{mc: layer 'd' not observed}}
    %y = linalg.matmul {mc.layer = "d"} ins(%x, %w : tensor<2x8xf32>, tensor<8x4xf32>) outs(%f : tensor<2x4xf32>) -> tensor<2x4xf32>
    scf.yield %y : tensor<2x4xf32>
  } else {
    %e = tensor.empty() : tensor<2x4xf32>
    scf.yield %e : tensor<2x4xf32>
  }
  return %r : tensor<2x4xf32>
}

// -----

// 2-D convolutions are observed too (activations=static quantizes them).
// CHECK-LABEL: func.func @conv
// CHECK-SAME: -> (tensor<1x3x3x2xf32>, tensor<2xf32>) attributes {mc.observed = ["c"]}
// CHECK: linalg.generic {{.*}}iterator_types = ["reduction", "reduction", "reduction", "reduction"]{{.*}} ins(%{{.*}} : tensor<1x4x4x2xf32>)
func.func @conv(%x: tensor<1x4x4x2xf32>) -> tensor<1x3x3x2xf32> {
  %w = arith.constant dense<0.5> : tensor<2x2x2x2xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x3x3x2xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x3x3x2xf32>) -> tensor<1x3x3x2xf32>
  %y = linalg.conv_2d_nhwc_hwcf {mc.layer = "c", dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x4x4x2xf32>, tensor<2x2x2x2xf32>) outs(%f : tensor<1x3x3x2xf32>) -> tensor<1x3x3x2xf32>
  return %y : tensor<1x3x3x2xf32>
}

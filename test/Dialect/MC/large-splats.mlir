// Constants of a billion elements as splats: the verifier checks a splat
// scale once, and canonicalization leaves an encode that large to run
// time instead of expanding it (both took minutes or gigabytes before).
// RUN: mc-opt %s --split-input-file --canonicalize | FileCheck %s

// CHECK-LABEL: func.func @large_encode
// CHECK: mc.encode
func.func @large_encode() -> tensor<1000000000xf32> {
  %x = arith.constant dense<1.5> : tensor<1000000000xf32>
  %s = arith.constant dense<0.5> : tensor<f32>
  %c = mc.encode %x, %s : (tensor<1000000000xf32>, tensor<f32>) -> !mc.compressed<1000000000xf32, #mc.uniform<i8>>
  %d = mc.decode %c : !mc.compressed<1000000000xf32, #mc.uniform<i8>> -> tensor<1000000000xf32>
  return %d : tensor<1000000000xf32>
}

// -----

// CHECK-LABEL: func.func @large_scale
// CHECK: mc.assemble
func.func @large_scale() -> !mc.compressed<1x1000000000xf32, #mc.uniform<i8, axis = 1>> {
  %q = arith.constant dense<1> : tensor<1x1000000000xi8>
  %s = arith.constant dense<2.0> : tensor<1000000000xf32>
  %c = mc.assemble %q, %s : (tensor<1x1000000000xi8>, tensor<1000000000xf32>) -> !mc.compressed<1x1000000000xf32, #mc.uniform<i8, axis = 1>>
  return %c : !mc.compressed<1x1000000000xf32, #mc.uniform<i8, axis = 1>>
}

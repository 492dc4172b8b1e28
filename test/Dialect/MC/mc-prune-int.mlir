// RUN: mc-opt %s --mc-prune="mode=nm" | FileCheck %s --check-prefix=NM
// RUN: mc-opt %s --mc-prune="sparsity=0.5" | FileCheck %s --check-prefix=UNS

// Integer (already quantized) weights are pruned in place and keep their
// type: mc's encodings express float values, and the 2:4 int8 kernels
// (CPU and GPU) take dense i8 constants that are 2:4 along K.
// 2:4 along K: column 0 keeps -128 and 7 (positions 0, 2), column 1 keeps
// 9 and -9 (positions 1, 3; the lower position wins the tie of |9|).
// NM-LABEL: func @int8
// NM: %[[W:.*]] = arith.constant dense<{{\[}}[-128, 0], [0, 9], [7, 0], [0, -9]]> : tensor<4x2xi8>
// NM: linalg.matmul {mc.compression = {{.*}}} ins(%{{.*}}, %[[W]] : tensor<3x4xi8>, tensor<4x2xi8>)
// NM-NOT: mc.assemble
// UNS-LABEL: func @int8
// UNS: arith.constant dense<{{\[}}[-128, 0], [0, 9], [7, 0], [0, -9]]> : tensor<4x2xi8>
func.func @int8(%x: tensor<3x4xi8>) -> tensor<3x2xi32> {
  %w = arith.constant dense<[[-128, 1], [3, 9], [7, -2], [-1, -9]]> : tensor<4x2xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<3x2xi32>
  %i = linalg.fill ins(%z : i32) outs(%e : tensor<3x2xi32>) -> tensor<3x2xi32>
  %y = linalg.matmul ins(%x, %w : tensor<3x4xi8>, tensor<4x2xi8>)
                     outs(%i : tensor<3x2xi32>) -> tensor<3x2xi32>
  return %y : tensor<3x2xi32>
}

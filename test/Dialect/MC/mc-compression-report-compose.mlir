// RUN: mc-opt %s --mc-factorize="rank=1 layers=wide" --mc-prune="mode=nm layers=deep" --mc-quantize="bits=4 granularity=group group-size=4 layers=deep" --mc-compression-report -o /dev/null 2>&1 | FileCheck %s

// The rank-1 factors of the 8x8 "wide" weight: 8 + 8 parameters instead of
// 64 (4 bits per original weight); the .v op carries no dense baseline of its own, so the totals hold.
// 2:4 with int4 kept values in groups of 4: 16 positions of 2 bits, 16 int4
// values and 4 f32 scales = 4 + 8 + 16 = 28 bytes for 32 weights (7 bits/w).
// CHECK: layer {{.*}} rank {{.*}} SQNR dB
// CHECK-NEXT: wide.u matmul 8x1 8 256 32 4.00 0.0% 1 512 64 {{[0-9.]+}}
// CHECK-NEXT: wide.v matmul 1x8 8 0 32 0.00 0.0% 1 0 64 -
// CHECK-NEXT: deep matmul 8x4 32 128 28 7.00 50.0% - 256 256 {{[0-9.]+}}
// CHECK-NEXT: total 48 384 92 768 384
func.func @f(%x: tensor<4x8xf32>) -> tensor<4x4xf32> {
  %w1 = arith.constant dense<[[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
                              [2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0],
                              [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
                              [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
                              [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0],
                              [1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0],
                              [2.0, 7.0, 1.0, 8.0, 2.0, 8.0, 1.0, 8.0],
                              [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]]> : tensor<8x8xf32>
  %z1 = arith.constant dense<0.0> : tensor<4x8xf32>
  %h = linalg.matmul {mc.layer = "wide"} ins(%x, %w1 : tensor<4x8xf32>, tensor<8x8xf32>) outs(%z1 : tensor<4x8xf32>) -> tensor<4x8xf32>
  %w2 = arith.constant dense<[[0.3, -1.1, 0.2, 0.9], [0.7, 2.9, -0.4, 0.1], [-0.2, 0.05, 0.6, -0.8], [0.4, 0.3, -0.9, 0.5],
                              [0.1, -0.2, 0.3, -0.4], [0.5, 0.6, -0.7, 0.8], [-0.9, 1.0, 0.2, -0.3], [0.6, -0.5, 0.4, 0.7]]> : tensor<8x4xf32>
  %z2 = arith.constant dense<0.0> : tensor<4x4xf32>
  %y = linalg.matmul {mc.layer = "deep"} ins(%h, %w2 : tensor<4x8xf32>, tensor<8x4xf32>) outs(%z2 : tensor<4x4xf32>) -> tensor<4x4xf32>
  return %y : tensor<4x4xf32>
}

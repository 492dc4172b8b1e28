// RUN: mc-opt %s --split-input-file --mc-cpu-kernels=isa=generic --cse | FileCheck %s --check-prefixes=CHECK,GENERIC
// RUN: mc-opt %s --split-input-file --mc-cpu-kernels=isa=avx512-vnni --cse --mlir-elide-elementsattrs-if-larger=16 | FileCheck %s --check-prefixes=CHECK,AVX512
// RUN: mc-opt %s --split-input-file --mc-cpu-kernels=isa=avx2 --cse --mlir-elide-elementsattrs-if-larger=16 | FileCheck %s --check-prefixes=CHECK,AVX2

// Dense f32 GEMV. generic: panels of 12 columns (3 vectors of 4), one
// after the other, each panel's K rows in order, zero past N: columns
// 0..11, then 12..13. The full panel runs in an scf.forall, the partial one
// after it; per k, 3 weight vectors and x broadcast into 3 FMAs, and a
// prefetch of the row 4 KiB (86 rows of 48 bytes) ahead, clamped to K - 1.
// On AVX-512 and AVX2 the 14 columns are less than a panel (48, 16): no
// forall, one partial zmm or two ymm.
// GENERIC: memref.global "private" constant @__mc_f32_weights : memref<2x2x12xf32> = dense<{{\[\[\[}}1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00, 5.000000e+00, 6.000000e+00, 7.000000e+00, 8.000000e+00, 9.000000e+00, 1.000000e+01, 1.100000e+01, 1.200000e+01], [1.500000e+01, 1.600000e+01, 1.700000e+01, 1.800000e+01, 1.900000e+01, 2.000000e+01, 2.100000e+01, 2.200000e+01, 2.300000e+01, 2.400000e+01, 2.500000e+01, 2.600000e+01]], {{\[\[}}1.300000e+01, 1.400000e+01, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00], [2.700000e+01, 2.800000e+01, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00]]]> {alignment = 64 : i64}
// AVX512: memref.global "private" constant @__mc_f32_weights : memref<1x2x48xf32>
// AVX2: memref.global "private" constant @__mc_f32_weights : memref<1x2x16xf32>
// CHECK-LABEL: func.func @gemv
// CHECK-NOT: linalg.matmul
// CHECK: %[[W:.*]] = memref.get_global @__mc_f32_weights
// GENERIC: scf.forall (%[[P:.*]]) in (1)
// GENERIC:   scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args({{.*}}) -> (vector<4xf32>, vector<4xf32>, vector<4xf32>)
// GENERIC:     %[[C86:.*]] = arith.constant 86 : index
// GENERIC:     %[[AHEAD:.*]] = arith.addi %[[K]], %[[C86]] : index
// GENERIC:     %[[ROW:.*]] = arith.minui %[[AHEAD]], %{{.*}} : index
// GENERIC:     memref.prefetch %[[W]][%[[P]], %[[ROW]], %{{.*}}], read, locality<3>, data
// GENERIC:     %[[W0:.*]] = vector.load %[[W]][%[[P]], %[[K]], %{{.*}}] : memref<2x2x12xf32>, vector<4xf32>
// GENERIC:     %[[W1:.*]] = vector.load %[[W]][%[[P]], %[[K]], %{{.*}}]
// GENERIC:     %[[W2:.*]] = vector.load %[[W]][%[[P]], %[[K]], %{{.*}}]
// GENERIC:     %[[X:.*]] = tensor.extract %{{.*}}[%{{.*}}, %[[K]]] : tensor<1x2xf32>
// GENERIC:     %[[XS:.*]] = vector.broadcast %[[X]] : f32 to vector<4xf32>
// GENERIC:     vector.fma %[[W0]], %[[XS]], %{{.*}} : vector<4xf32>
// GENERIC:     vector.fma %[[W1]], %[[XS]], %{{.*}} : vector<4xf32>
// GENERIC:     vector.fma %[[W2]], %[[XS]], %{{.*}} : vector<4xf32>
// GENERIC-COUNT-3: vector.transfer_write %{{.*}} {in_bounds = [true]} : vector<4xf32>, tensor<1x12xf32>
// GENERIC: scf.forall.in_parallel
// GENERIC: tensor.extract_slice %{{.*}}[0, 12] [1, 2] [1, 1]
// GENERIC: scf.for {{.*}} -> (vector<4xf32>)
// GENERIC: vector.transfer_write %{{.*}} : vector<4xf32>, tensor<1x2xf32>
// AVX512-NOT: scf.forall
// AVX512: scf.for {{.*}} -> (vector<16xf32>) {
// AVX512: vector.transfer_write %{{.*}} : vector<16xf32>, tensor<1x14xf32>
// AVX2-NOT: scf.forall
// AVX2: scf.for {{.*}} -> (vector<8xf32>, vector<8xf32>)
func.func @gemv(%x: tensor<1x2xf32>) -> tensor<1x14xf32> {
  %w = arith.constant dense<[[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0], [15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0]]> : tensor<2x14xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x14xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<1x14xf32>) -> tensor<1x14xf32>
  %y = linalg.matmul ins(%x, %w : tensor<1x2xf32>, tensor<2x14xf32>) outs(%i : tensor<1x14xf32>) -> tensor<1x14xf32>
  return %y : tensor<1x14xf32>
}

// -----

// A GEMM with a fused bias + ReLU. AVX-512: panels of 48 columns (2 in
// parallel, then 4 columns), tiles of 8 rows x 3 zmm (a loop) and a 1-row
// tail. A panel's weights (1400 x 48 f32, 262 KB) are above 256 KB, so K
// goes in 2 blocks of 700: the first starts from the fill value and stores
// partial sums, the last reads them and applies the consumer in the store.
// AVX2 (panels of 16): 1400 x 16 fits, one block; tiles of 6 rows x 2 ymm.
// Weights reused by several row tiles are not prefetched.
// AVX512: memref.global "private" constant @__mc_f32_weights : memref<3x1400x48xf32>
// AVX2: memref.global "private" constant @__mc_f32_weights : memref<7x1400x16xf32>
// CHECK-LABEL: func.func @gemm_blocked
// CHECK-NOT: linalg.generic
// CHECK-NOT: memref.prefetch
// AVX512: scf.forall (%[[P:.*]]) in (2) shared_outs(%[[OUT:.*]] = %{{.*}})
// AVX512:   %[[SLICE:.*]] = tensor.extract_slice %[[OUT]][0, %{{.*}}] [9, 48] [1, 1]
// AVX512:   scf.for %[[ROW:.*]] = %[[C0:.*]] to %[[C8:.*]] step %[[C8]] iter_args(%{{.*}} = %[[SLICE]])
// AVX512:     %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<16xf32>
// AVX512:     %[[C700:.*]] = arith.constant 700 : index
// AVX512:     scf.for %[[K:.*]] = %[[C0]] to %[[C700]] step %{{.*}} iter_args(%{{.*}} = %[[ZERO]], {{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// AVX512-COUNT-3: vector.load %{{.*}}[%[[P]], %[[K]], %{{.*}}] : memref<3x1400x48xf32>, vector<16xf32>
// AVX512-COUNT-8: vector.fma
// AVX512:       scf.yield
// AVX512-NOT: arith.maximumf
// AVX512-COUNT-24: vector.transfer_write %{{.*}} {in_bounds = [true]} : vector<16xf32>, tensor<9x48xf32>
// AVX512: scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>)
// AVX512: scf.for %{{.*}} = %[[C0]] to %[[C8]] step %[[C8]]
// AVX512:   %[[PART:.*]] = vector.transfer_read %{{.*}} {in_bounds = [true]} : tensor<9x48xf32>, vector<16xf32>
// AVX512:   %[[C1400:.*]] = arith.constant 1400 : index
// AVX512:   scf.for %{{.*}} = %{{.*}} to %[[C1400]] step %{{.*}} iter_args(%{{.*}} = %[[PART]],
// AVX512:   vector.transfer_read %{{.*}} : tensor<100xf32>, vector<16xf32>
// AVX512:   arith.addf
// AVX512:   arith.maximumf
// AVX512:   vector.transfer_write
// AVX512: scf.forall.in_parallel
// AVX512: tensor.extract_slice %{{.*}}[0, 96] [9, 4] [1, 1]
// AVX2: scf.forall (%{{.*}}) in (6)
// AVX2:   tensor.extract_slice %{{.*}}[0, %{{.*}}] [9, 16] [1, 1]
// AVX2:   scf.for %{{.*}} = %{{.*}} to %[[C6:.*]] step %[[C6]]
// AVX2:     scf.for {{.*}} -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// AVX2:     arith.maximumf
// AVX2:   scf.for {{.*}} -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// AVX2: scf.forall.in_parallel
// AVX2: tensor.extract_slice %{{.*}}[0, 96] [9, 4] [1, 1]
func.func @gemm_blocked(%x: tensor<9x1400xf32>, %bias: tensor<100xf32>) -> tensor<9x100xf32> {
  %w = arith.constant dense<1.0> : tensor<1400x100xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<9x100xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<9x100xf32>) -> tensor<9x100xf32>
  %y = linalg.matmul ins(%x, %w : tensor<9x1400xf32>, tensor<1400x100xf32>) outs(%i : tensor<9x100xf32>) -> tensor<9x100xf32>
  %o = tensor.empty() : tensor<9x100xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%y, %bias : tensor<9x100xf32>, tensor<100xf32>) outs(%o : tensor<9x100xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %c0 = arith.constant 0.0 : f32
    %s = arith.addf %a, %b : f32
    %m = arith.maximumf %s, %c0 : f32
    linalg.yield %m : f32
  } -> tensor<9x100xf32>
  return %r : tensor<9x100xf32>
}

// -----

// Accumulating into the matmul's input: the tiles start from it.
// CHECK-LABEL: func.func @accumulate
// AVX2: scf.forall (%{{.*}}) in (1) shared_outs(%[[OUT:.*]] = %arg1)
// AVX2:   %[[SLICE:.*]] = tensor.extract_slice %[[OUT]]
// AVX2:   scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[TILE:.*]] = %[[SLICE]])
// AVX2:     %[[C0:.*]] = vector.transfer_read %[[TILE]][%{{.*}}, %{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<7x16xf32>, vector<8xf32>
// AVX2:     scf.for {{.*}} iter_args(%{{.*}} = %[[C0]],
func.func @accumulate(%x: tensor<7x10xf32>, %c: tensor<7x20xf32>) -> tensor<7x20xf32> {
  %w = arith.constant dense<2.0> : tensor<10x20xf32>
  %y = linalg.matmul ins(%x, %w : tensor<7x10xf32>, tensor<10x20xf32>) outs(%c : tensor<7x20xf32>) -> tensor<7x20xf32>
  return %y : tensor<7x20xf32>
}

// -----

// Left alone: f16, a dynamic weight.
// CHECK-LABEL: func.func @not_taken
// CHECK-NOT: __mc_f32_weights
// CHECK-COUNT-2: linalg.matmul
func.func @not_taken(%x: tensor<2x4xf32>, %w: tensor<4x?xf32>, %c: tensor<2x?xf32>, %xh: tensor<2x4xf16>, %ch: tensor<2x8xf16>) -> (tensor<2x?xf32>, tensor<2x8xf16>) {
  %y = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x?xf32>) outs(%c : tensor<2x?xf32>) -> tensor<2x?xf32>
  %wh = arith.constant dense<1.0> : tensor<4x8xf16>
  %yh = linalg.matmul ins(%xh, %wh : tensor<2x4xf16>, tensor<4x8xf16>) outs(%ch : tensor<2x8xf16>) -> tensor<2x8xf16>
  return %y, %yh : tensor<2x?xf32>, tensor<2x8xf16>
}

// -----

// A weight that is not a constant: per panel, its columns are copied into
// a K x panel-width tensor (the vectors that hold them, the last one read
// past N as zeros), which the register tiles read in place of the packed
// global.
// CHECK-LABEL: func.func @runtime_weight
// CHECK-SAME:    (%[[X:.*]]: tensor<9x5xf32>, %[[W:.*]]: tensor<5x20xf32>, %{{.*}}: tensor<9x20xf32>)
// CHECK-NOT:   memref.global
// AVX512:      %[[E:.*]] = tensor.empty() : tensor<5x48xf32>
// AVX512:      %[[P:.*]] = scf.for %[[K:[a-z0-9_]+]] = %{{.*}} iter_args(%[[D:.*]] = %[[E]]) -> (tensor<5x48xf32>)
// AVX512:        %[[V0:.*]] = vector.transfer_read %[[W]][%[[K]], %{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<5x20xf32>, vector<16xf32>
// AVX512:        %[[D0:.*]] = vector.transfer_write %[[V0]], %[[D]][%[[K]], %{{.*}}] {in_bounds = [true]}
// AVX512:        %[[V1:.*]] = vector.transfer_read %[[W]][%[[K]], %{{.*}}], %{{.*}} : tensor<5x20xf32>, vector<16xf32>
// AVX512:        vector.transfer_write %[[V1]], %[[D0]]
// AVX512-NOT:    vector.transfer_read %[[W]]
// AVX512:      scf.for
// AVX512:        scf.for %[[KK:[a-z0-9_]+]] =
// AVX512:          vector.transfer_read %[[P]][%[[KK]], %{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<5x48xf32>, vector<16xf32>
// AVX512:          vector.fma
// CHECK-NOT:   linalg.matmul
func.func @runtime_weight(%x: tensor<9x5xf32>, %w: tensor<5x20xf32>, %c: tensor<9x20xf32>) -> tensor<9x20xf32> {
  %y = linalg.matmul ins(%x, %w : tensor<9x5xf32>, tensor<5x20xf32>) outs(%c : tensor<9x20xf32>) -> tensor<9x20xf32>
  return %y : tensor<9x20xf32>
}

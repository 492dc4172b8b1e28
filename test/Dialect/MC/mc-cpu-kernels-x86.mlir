// RUN: mc-opt %s --split-input-file --mc-cpu-kernels=isa=avx-vnni --canonicalize --cse | FileCheck %s --check-prefix=AVXVNNI
// RUN: mc-opt %s --split-input-file --mc-cpu-kernels=isa=avx2 --canonicalize --cse | FileCheck %s --check-prefix=AVX2

// isa=avx-vnni: the avx512-vnni kernel on ymm. Weights + 128 (3 ^ 0x80 =
// 0x83) in groups of 2 vectors of 8 columns x 4 k (40 columns: 2 parallel
// groups of 16 and a tail of 8); rows start at -128 * sum_k a[m, k] (32-byte
// chunks); register tiles of 6 rows x 2 vectors; K = 7 is one step of 4 and a
// zero-padded one.
// AVXVNNI-LABEL: func.func @gemm
// AVXVNNI-DAG: %[[ONES:.*]] = arith.constant dense<1> : vector<32xi8>
// AVXVNNI-DAG: %[[B:.*]] = arith.constant dense<"0x83838383{{.*}}"> : tensor<3x2x64xi8>
// AVXVNNI: %[[ROWS:.*]] = scf.for
// AVXVNNI:   vector.transfer_read %{{.*}} : tensor<9x7xi8>, vector<32xi8>
// AVXVNNI:   mc.dot4 %{{.*}}, %[[ONES]], %{{.*}} {lhs_unsigned} : vector<32xi8> into vector<8xi32>
// AVXVNNI:   arith.muli %{{.*}}, %c-128_i32
// AVXVNNI: scf.forall (%[[G:.*]]) in (2)
// AVXVNNI:   tensor.extract %[[ROWS]]
// AVXVNNI:   vector.transfer_read %[[B]][%[[G]], %c0, %c0]{{.*}}in_bounds = [true]{{.*}} : tensor<3x2x64xi8>, vector<32xi8>
// AVXVNNI:   vector.transfer_read %[[B]][%[[G]], %c0, %c32]
// AVXVNNI-COUNT-12: mc.dot4 {{.*}} {lhs_unsigned} : vector<32xi8> into vector<8xi32>
// AVXVNNI:   vector.transfer_read %{{.*}}[%{{.*}}, %c4], %c0_i8 : tensor<9x7xi8>, vector<4xi8>
// AVXVNNI-COUNT-12: mc.dot4 {{.*}} {lhs_unsigned}
// AVXVNNI-COUNT-12: vector.transfer_write {{.*}} {in_bounds = [true]} : vector<8xi32>, tensor<9x16xi32>
// AVXVNNI: scf.forall.in_parallel
// AVXVNNI: tensor.extract_slice %{{.*}}[0, 32] [9, 8] [1, 1]
// AVXVNNI-NOT: linalg.matmul

// isa=avx2: 2 k per i32 lane (weights unchanged: no offset), a sign-extended
// to i16 once; per step one 16-byte weight load and sign extension per
// vector, the two i16 of each row broadcast, mc.dot2 (vpmaddwd + vpaddd);
// K = 7 is 3 steps of 2 and a zero-padded one.
// AVX2-LABEL: func.func @gemm
// AVX2-NOT: lhs_unsigned
// AVX2-DAG: %[[B:.*]] = arith.constant dense<"0x03030303{{.*}}"> : tensor<3x4x32xi8>
// AVX2-DAG: %[[A:.*]] = arith.extsi %arg0 : tensor<9x7xi8> to tensor<9x7xi16>
// AVX2: scf.forall (%[[G:.*]]) in (2)
// AVX2:   scf.for %[[K:.*]] = %c0 to %c3 step %c1
// AVX2:     %[[W0:.*]] = vector.transfer_read %[[B]][%[[G]], %[[K]], %c0]{{.*}} : tensor<3x4x32xi8>, vector<16xi8>
// AVX2:     %[[W1:.*]] = vector.transfer_read %[[B]][%[[G]], %[[K]], %c16]
// AVX2:     %[[COL:.*]] = arith.muli %[[K]], %c2
// AVX2:     %[[X:.*]] = vector.transfer_read %[[A]][%c0, %[[COL]]], %c0_i16 {in_bounds = [true]} : tensor<9x7xi16>, vector<2xi16>
// AVX2:     %[[XW:.*]] = vector.bitcast %[[X]] : vector<2xi16> to vector<1xi32>
// AVX2:     vector.broadcast %{{.*}} : i32 to vector<8xi32>
// AVX2:     %[[XB:.*]] = vector.bitcast %{{.*}} : vector<8xi32> to vector<16xi16>
// AVX2:     %[[W0E:.*]] = arith.extsi %[[W0]] : vector<16xi8> to vector<16xi16>
// AVX2:     mc.dot2 %{{.*}}, %[[W0E]], %[[XB]] : vector<16xi16> into vector<8xi32>
// AVX2-COUNT-11: mc.dot2
// AVX2:   vector.transfer_read %[[A]][%c0, %c6], %c0_i16 : tensor<9x7xi16>, vector<2xi16>
// AVX2-COUNT-12: mc.dot2
// AVX2-COUNT-12: vector.transfer_write {{.*}} {in_bounds = [true]} : vector<8xi32>, tensor<9x16xi32>
// AVX2-NOT: linalg.matmul
func.func @gemm(%a: tensor<9x7xi8>) -> tensor<9x40xi32> {
  %b = arith.constant dense<3> : tensor<7x40xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<9x40xi32>
  %c = linalg.fill ins(%z : i32) outs(%e : tensor<9x40xi32>) -> tensor<9x40xi32>
  %r = linalg.matmul ins(%a, %b : tensor<9x7xi8>, tensor<7x40xi8>) outs(%c : tensor<9x40xi32>) -> tensor<9x40xi32>
  return %r : tensor<9x40xi32>
}

// -----

// Convolutions reach the same kernels through im2col.
// AVXVNNI-LABEL: func.func @conv
// AVXVNNI: tensor.collapse_shape %{{.*}} : tensor<1x4x4x3x3x8xi8> into tensor<16x72xi8>
// AVXVNNI: mc.dot4 {{.*}} {lhs_unsigned} : vector<32xi8> into vector<8xi32>
// AVXVNNI: vector.transfer_write {{.*}} : vector<8xi32>, tensor<16x16xi32>
// AVXVNNI-NOT: linalg.conv
// AVX2-LABEL: func.func @conv
// AVX2: arith.extsi %{{.*}} : tensor<16x72xi8> to tensor<16x72xi16>
// AVX2: mc.dot2 {{.*}} : vector<16xi16> into vector<8xi32>
// AVX2: vector.transfer_write {{.*}} : vector<8xi32>, tensor<16x16xi32>
// AVX2-NOT: linalg.conv
func.func @conv(%x: tensor<1x6x6x8xi8>) -> tensor<1x4x4x16xi32> {
  %w = arith.constant dense<-2> : tensor<3x3x8x16xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x4x4x16xi32>
  %c = linalg.fill ins(%z : i32) outs(%e : tensor<1x4x4x16xi32>) -> tensor<1x4x4x16xi32>
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x6x6x8xi8>, tensor<3x3x8x16xi8>) outs(%c : tensor<1x4x4x16xi32>) -> tensor<1x4x4x16xi32>
  return %r : tensor<1x4x4x16xi32>
}

// -----

// The requantizing consumer of a matmul is applied to the 8-lane tiles.
// AVXVNNI-LABEL: func.func @requant
// AVXVNNI: mc.dot4
// AVXVNNI: arith.sitofp %{{.*}} : vector<8xi32> to vector<8xf32>
// AVXVNNI: arith.fptosi %{{.*}} : vector<8xf32> to vector<8xi8>
// AVXVNNI: vector.transfer_write {{.*}} : vector<8xi8>, tensor<5x16xi8>
// AVXVNNI-NOT: linalg.generic
// AVX2-LABEL: func.func @requant
// AVX2: mc.dot2
// AVX2: arith.sitofp %{{.*}} : vector<8xi32> to vector<8xf32>
// AVX2: vector.transfer_write {{.*}} : vector<8xi8>, tensor<5x16xi8>
// AVX2-NOT: linalg.generic
#mn = affine_map<(d0, d1) -> (d0, d1)>
func.func @requant(%a: tensor<5x12xi8>) -> tensor<5x16xi8> {
  %b = arith.constant dense<7> : tensor<12x16xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<5x16xi32>
  %c = linalg.fill ins(%z : i32) outs(%e : tensor<5x16xi32>) -> tensor<5x16xi32>
  %r = linalg.matmul ins(%a, %b : tensor<5x12xi8>, tensor<12x16xi8>) outs(%c : tensor<5x16xi32>) -> tensor<5x16xi32>
  %o = tensor.empty() : tensor<5x16xi8>
  %q = linalg.generic {indexing_maps = [#mn, #mn], iterator_types = ["parallel", "parallel"]}
      ins(%r : tensor<5x16xi32>) outs(%o : tensor<5x16xi8>) {
  ^bb0(%acc: i32, %out: i8):
    %s = arith.constant 0.01 : f32
    %lo = arith.constant -128.0 : f32
    %hi = arith.constant 127.0 : f32
    %f = arith.sitofp %acc : i32 to f32
    %m = arith.mulf %f, %s : f32
    %rd = math.roundeven %m : f32
    %cl = arith.maximumf %rd, %lo : f32
    %ch = arith.minimumf %cl, %hi : f32
    %i = arith.fptosi %ch : f32 to i8
    linalg.yield %i : i8
  } -> tensor<5x16xi8>
  return %q : tensor<5x16xi8>
}

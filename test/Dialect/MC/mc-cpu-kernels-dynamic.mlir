// The per-group dynamic-activation form of --mc-quantize (exact i32 group
// products, a += f32(P) * sw over the groups, then y = C + a * sx) becomes
// one kernel: weights packed
// per panel of 32 columns and group (32 f32 scales, then per 4 k the
// mc.dot4 operands: int4 nibbles q + 8, int8 bytes q + 128 on VNNI), the
// offset taken off through accumulators that start at -offset * sum_g qx,
// and the f32 sums and the final y = C + a * sx in the reference's order. On VNNI the int4 high
// nibbles are used in place (16 (q + 8): a mask, no shift), with scales / 16
// and 16 times the compensation, when every s / 16 is exact. Row tiles of
// up to 8 rows. The packed weights are a private global, loaded with
// vector.load and prefetched ahead along the whole stream.
// RUN: mc-opt %s --mc-cpu-kernels=isa=avx512-vnni | FileCheck %s
// RUN: mc-opt %s --mc-cpu-kernels='isa=avx512-vnni cpu=znver4' | FileCheck %s --check-prefix=ZEN4
// RUN: mc-opt %s --mc-cpu-kernels=isa=generic | FileCheck %s --check-prefix=GENERIC
// RUN: mc-opt %s --mc-cpu-kernels=isa=neon-dotprod | FileCheck %s --check-prefix=NEON
// RUN: mc-opt %s --mc-cpu-kernels=isa=neon-i8mm | FileCheck %s --check-prefix=I8MM
// RUN: mc-opt %s --mc-cpu-kernels=isa=neon-i8mm,neon-dotprod | FileCheck %s --check-prefix=BOTH

// int4: q = -3 is nibble 5 in both halves of each byte (columns c and
// c + 16), whose scales 0.5 are stored as 0.5 / 16; the 8 columns of the
// second panel past N = 40 hold nibble 8 (q = 0) and scale 0.
// CHECK-DAG: memref.global "private" constant @[[W8:__mc_dynamic_group_weights.*]] : memref<2x512xi8> = dense<"0x0000003F{{(0000003F){31}(1C){128}()}}{{.*}}"> {alignment = 64 : i64}
// CHECK-DAG: memref.global "private" constant @[[W4:__mc_dynamic_group_weights.*]] : memref<2x384xi8> = dense<"0x0000003F{{(0000003F){15}(0000003D){16}(55){64}()}}{{.*}}{{(0000003F){8}(00000000){24}(85){32}(88){32}()}}"> {alignment = 64 : i64}
// CHECK-LABEL: func.func @int4
// CHECK: %[[PACKED:.*]] = memref.get_global @[[W4]] : memref<2x384xi8>
// CHECK: %[[STREAM:.*]] = memref.collapse_shape %[[PACKED]] {{\[\[}}0, 1]] : memref<2x384xi8> into memref<768xi8>
// CHECK: %[[SUMS:.*]] = scf.for {{.*}} -> (tensor<3x2x2xi32>)
// CHECK: arith.extsi %{{.*}} : vector<4xi8> to vector<4xi32>
// CHECK: %[[SUM:.*]] = vector.reduction <add>
// CHECK: %[[M8:.*]] = arith.constant -8 : i32
// CHECK: arith.muli %[[SUM]], %[[M8]]
// CHECK: %[[M128:.*]] = arith.constant -128 : i32
// CHECK: arith.muli %[[SUM]], %[[M128]]
// CHECK: scf.forall (%[[P:.*]]) in (1)
// CHECK: %[[A:.*]]:6 = scf.for {{.*}} iter_args(%[[A0:arg[0-9]+]] = {{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// Prefetches 4096 bytes ahead in the stream of all panels, clamped to its
// end: per group the 2 lines of its scales (at most 768 - 128), then per
// step its line (at most 768 - 64), just before the step's load.
// CHECK: %[[AHEAD:.*]] = arith.addi %{{.*}}, %c4096
// CHECK: %[[AT:.*]] = arith.minui %[[AHEAD]], %c640
// CHECK: memref.prefetch %[[STREAM]][%[[AT]]], read, locality<3>, data : memref<768xi8>
// CHECK: memref.prefetch %[[STREAM]]
// CHECK-NOT: memref.prefetch
// CHECK: %[[S0:.*]] = vector.bitcast %{{.*}} : vector<64xi8> to vector<16xf32>
// CHECK: %[[S1:.*]] = vector.bitcast %{{.*}} : vector<64xi8> to vector<16xf32>
// CHECK: %[[C0:.*]] = tensor.extract %[[SUMS]][%{{.*}}, %{{.*}}, %c0{{.*}}]
// CHECK: %[[ACC0:.*]] = vector.broadcast %[[C0]] : i32 to vector<16xi32>
// CHECK: %[[C1:.*]] = tensor.extract %[[SUMS]][%{{.*}}, %{{.*}}, %c1{{.*}}]
// CHECK: %[[ACC1:.*]] = vector.broadcast %[[C1]] : i32 to vector<16xi32>
// CHECK: %[[STEPAHEAD:.*]] = arith.addi %{{.*}}, %c4096
// CHECK: %[[STEPAT:.*]] = arith.minui %[[STEPAHEAD]], %c704
// CHECK-NEXT: memref.prefetch %[[STREAM]][%[[STEPAT]]], read, locality<3>, data : memref<768xi8>
// CHECK-NEXT: %[[W:.*]] = vector.load %[[PACKED]][%[[P]], %{{.*}}] : memref<2x384xi8>, vector<64xi8>
// CHECK: %[[WORDS:.*]] = vector.bitcast %[[W]] : vector<64xi8> to vector<16xi32>
// CHECK-NOT: arith.shrui
// CHECK: %[[LOMASK:.*]] = arith.constant dense<252645135> : vector<16xi32>
// CHECK: %[[LO:.*]] = arith.andi %[[WORDS]], %[[LOMASK]]
// CHECK: %[[LOB:.*]] = vector.bitcast %[[LO]] : vector<16xi32> to vector<64xi8>
// CHECK: %[[HIMASK:.*]] = arith.constant dense<-252645136> : vector<16xi32>
// CHECK: %[[HI:.*]] = arith.andi %[[WORDS]], %[[HIMASK]]
// CHECK: %[[HIB:.*]] = vector.bitcast %[[HI]] : vector<16xi32> to vector<64xi8>
// CHECK: %[[X:.*]] = vector.bitcast %{{.*}} : vector<16xi32> to vector<64xi8>
// CHECK: %[[D0:.*]] = mc.dot4 %[[ACC0]], %[[LOB]], %[[X]] {lhs_unsigned} : vector<64xi8> into vector<16xi32>
// CHECK: mc.dot4 %[[ACC1]], %[[HIB]], %[[X]] {lhs_unsigned}
// CHECK: %[[F:.*]] = arith.sitofp %[[D0]] : vector<16xi32> to vector<16xf32>
// CHECK-NEXT: %[[FS:.*]] = arith.mulf %[[F]], %[[S0]]
// CHECK-NEXT: arith.addf %[[A0]], %[[FS]]
// sx once, after the groups: y = C + a * sx (C = 0 here).
// CHECK: %[[SX0:.*]] = tensor.extract %{{.*}}[%{{.*}}] : tensor<3xf32>
// CHECK: %[[RS0:.*]] = vector.broadcast %[[SX0]] : f32 to vector<16xf32>
// CHECK: %[[Y0:.*]] = arith.mulf %[[A]]#0, %[[RS0]]
// CHECK: arith.addf %{{.*}}, %[[Y0]]
// The last 8 columns: a panel after the forall, one masked store per row
// (the second vector lies past N).
// CHECK: tensor.extract_slice %{{.*}}[0, 32] [3, 8] [1, 1]
// CHECK-COUNT-3: vector.transfer_write %{{.*}}[%{{.*}}, %{{.*}}] : vector<16xf32>, tensor<3x8xf32>
// CHECK-NOT: vector<16xf32>, tensor<3x8xf32>
// CHECK: return

// 9 rows: a loop of 8-row tiles (2 x 8 f32 sums) and a tile of 1. The
// scale 1e-45 is subnormal (s / 16 is not exact): the high nibbles are
// shifted down, the scales and the compensation stay as they are.
// CHECK-LABEL: func.func @int4_rows9
// CHECK: arith.constant -8 : i32
// CHECK-NOT: arith.constant -128 : i32
// CHECK: scf.forall
// CHECK: scf.for %{{.*}} = %c0{{.*}} to %c8{{.*}} step %c8{{.*}} iter_args(%{{.*}}) -> (tensor<9x32xf32>)
// CHECK: scf.for {{.*}} -> ({{(vector<16xf32>, ){15}()}}vector<16xf32>)
// CHECK: arith.shrui
// CHECK: scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>)
// CHECK: return

// int8 with an init C and a bias + ReLU consumer: q = -100 is byte 28
// (q + 128) on VNNI and the accumulators start at -128 * sum_g qx; C is
// added after the groups, the consumer is applied before the store.
// CHECK-LABEL: func.func @int8_init_epilogue
// CHECK: memref.get_global @[[W8]] : memref<2x512xi8>
// CHECK: arith.constant -128 : i32
// CHECK: scf.forall
// CHECK: mc.dot4 {{.*}} {lhs_unsigned}
// CHECK: %[[CT:.*]] = vector.transfer_read %arg2{{.*}} : tensor<3x40xf32>, vector<16xf32>
// CHECK: %[[AX:.*]] = arith.mulf
// CHECK: arith.addf %[[CT]], %[[AX]]
// CHECK: arith.maximumf
// CHECK-NOT: linalg.generic
// CHECK: return

// GENERIC: memref.global "private" constant @{{.*}} : memref<2x512xi8> = dense<"0x0000003F{{(0000003F){31}(9C){128}()}}
// GENERIC-LABEL: func.func @int4
// GENERIC: arith.constant -8 : i32
// GENERIC-NOT: arith.constant -128 : i32
// GENERIC: arith.shrui
// GENERIC: mc.dot4
// GENERIC-NOT: lhs_unsigned
// GENERIC-LABEL: func.func @int8_init_epilogue
// GENERIC-NOT: arith.constant -128 : i32
// GENERIC-NOT: lhs_unsigned
// GENERIC: mc.dot4

// neon-dotprod: `sdot` (s8 x s8, so int8 bytes are q, no offset) on 4 i32
// lanes, panels of 8 columns, row tiles of up to 4 rows; the high nibbles
// by a byte shift; with 4 steps a loop (G % 16 == 0), 16 bytes of x serve
// them, a lane each (`sdot` by element).
// NEON-DAG: memref.global "private" constant @{{.*}} : memref<5x96xi8> = dense<"0x0000003F{{(0000003F){7}(55){16}()}}
// NEON-DAG: memref.global "private" constant @{{.*}} : memref<5x128xi8> = dense<"0x0000003F{{(0000003F){7}(9C){32}()}}
// NEON-LABEL: func.func @int4
// NEON-NOT: mc.dot4
// NEON: %[[LO:.*]] = arith.andi %[[B:.*]], %{{.*}} : vector<16xi8>
// NEON: %[[HI:.*]] = arith.shrui %[[B]], %{{.*}} : vector<16xi8>
// NEON: arm_neon.intr.sdot %{{.*}}, %[[LO]], %{{.*}} : vector<16xi8>, vector<16xi8> to vector<4xi32>
// NEON: arm_neon.intr.sdot %{{.*}}, %[[HI]], %{{.*}} : vector<16xi8>, vector<16xi8> to vector<4xi32>
// NEON-LABEL: func.func @int4_quads
// NEON: arith.shrui
// NEON: vector.transfer_read %{{.*}}[%{{.*}}, %[[K:.*]]], %{{.*}} : tensor<1x32xi8>, vector<16xi8>
// NEON: vector.shuffle %{{.*}} [0, 0, 0, 0] : vector<4xi32>
// NEON: vector.transfer_read %{{.*}}[%{{.*}}, %[[K]]], %{{.*}} : tensor<1x32xi8>, vector<16xi8>
// NEON: vector.shuffle %{{.*}} [1, 1, 1, 1] : vector<4xi32>
// NEON: vector.transfer_read %{{.*}}[%{{.*}}, %[[K]]], %{{.*}} : tensor<1x32xi8>, vector<16xi8>
// NEON: vector.shuffle %{{.*}} [2, 2, 2, 2] : vector<4xi32>
// NEON: vector.transfer_read %{{.*}}[%{{.*}}, %[[K]]], %{{.*}} : tensor<1x32xi8>, vector<16xi8>
// NEON: vector.shuffle %{{.*}} [3, 3, 3, 3] : vector<4xi32>
// NEON-LABEL: func.func @int8_init_epilogue
// NEON-NOT: arith.constant -128 : i32
// NEON: arm_neon.intr.sdot

// neon-i8mm: `smmla` on row pairs (a half pair repeats its row), 4 blocks
// of 2 x 2 per pair, each operand 2 columns x 8 k (int4: columns 4v + {0,
// 1} in the low nibbles of vector v, 4v + {2, 3} in the high); block h's
// scales [s(2h), s(2h + 1)] twice, its accumulators start at the two rows'
// compensations, and rows are unzipped from the blocks after the groups.
// Groups of 4 k (not a multiple of 8) keep the reference form.
// I8MM-DAG: memref.global "private" constant @{{.*}} : memref<1x128xi8> = dense<"0x0000003F{{(0000003F){7}(55){32}()}}
// I8MM-LABEL: func.func @int4
// I8MM-NOT: arm_neon
// I8MM: linalg.generic
// I8MM-LABEL: func.func @int4_quads
// I8MM: arm_neon.intr.smmla
// I8MM-LABEL: func.func @int4_pairs
// I8MM: vector.shuffle %[[S0:.*]], %[[S0]] [0, 1, 0, 1] : vector<4xf32>
// I8MM: vector.shuffle %[[S0]], %[[S0]] [2, 3, 2, 3] : vector<4xf32>
// I8MM: %[[C0:.*]] = tensor.extract %{{.*}}[%{{.*}}, %{{.*}}, %c0{{.*}}] : tensor<3x2x2xi32>
// I8MM: %[[C1:.*]] = tensor.extract %{{.*}}[%{{.*}}, %{{.*}}, %c0{{.*}}] : tensor<3x2x2xi32>
// I8MM: vector.from_elements %[[C0]], %[[C0]], %[[C1]], %[[C1]] : vector<4xi32>
// I8MM: %[[LO:.*]] = arith.andi %{{.*}} : vector<16xi8>
// I8MM: %[[HI:.*]] = arith.shrui %{{.*}} : vector<16xi8>
// I8MM: %[[X:.*]] = vector.shuffle %{{.*}} [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] : vector<8xi8>, vector<8xi8>
// I8MM-NEXT: arm_neon.intr.smmla %{{.*}}, %[[X]], %[[LO]] : vector<16xi8> to vector<4xi32>
// I8MM-NEXT: arm_neon.intr.smmla %{{.*}}, %[[X]], %[[HI]] : vector<16xi8> to vector<4xi32>
// I8MM-COUNT-6: arm_neon.intr.smmla
// I8MM: vector.shuffle %{{.*}}#0, %{{.*}}#1 [0, 1, 4, 5]
// I8MM: vector.shuffle %{{.*}}#2, %{{.*}}#3 [0, 1, 4, 5]
// I8MM: vector.shuffle %{{.*}}#0, %{{.*}}#1 [2, 3, 6, 7]
// I8MM: vector.shuffle %{{.*}}#2, %{{.*}}#3 [2, 3, 6, 7]
// I8MM: vector.shuffle %{{.*}}#4, %{{.*}}#5 [0, 1, 4, 5]
// I8MM-NOT: [2, 3, 6, 7]
// I8MM: return

// neon-i8mm with neon-dotprod: `sdot` for a GEMV and groups of 4 k,
// `smmla` for row pairs.
// BOTH-LABEL: func.func @int4
// BOTH: arm_neon.intr.sdot
// BOTH-LABEL: func.func @int4_quads
// BOTH-NOT: smmla
// BOTH: arm_neon.intr.sdot
// BOTH-LABEL: func.func @int4_pairs
// BOTH-NOT: sdot
// BOTH: arm_neon.intr.smmla
// BOTH-LABEL: func.func @int4_rows9

// Tuned for Zen 4, tiles of fewer than 5 rows leave the stream to the
// hardware prefetcher: @int4's 3-row tile, @int4_rows9's 1-row tile (its
// 8-row tile prefetches).
// ZEN4-LABEL: func.func @int4(
// ZEN4-NOT: memref.prefetch
// ZEN4-LABEL: func.func @int4_rows9
// ZEN4: scf.for {{.*}} -> ({{(vector<16xf32>, ){15}()}}vector<16xf32>)
// ZEN4: memref.prefetch
// ZEN4: scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>)
// ZEN4-NOT: memref.prefetch
// ZEN4: return

#x3 = affine_map<(m, g, n, t) -> (m, g, t)>
#w3 = affine_map<(m, g, n, t) -> (g, t, n)>
#p3 = affine_map<(m, g, n, t) -> (m, g, n)>
#p = affine_map<(m, n, g) -> (m, g, n)>
#s = affine_map<(m, n, g) -> (g, n)>
#a = affine_map<(m, n, g) -> (m, n)>
#mn = affine_map<(m, n) -> (m, n)>
#m = affine_map<(m, n) -> (m)>

func.func @int4(%qx: tensor<3x8xi8>, %sx: tensor<3xf32>) -> tensor<3x40xf32> {
  %x3 = tensor.expand_shape %qx [[0], [1, 2]] output_shape [3, 2, 4] : tensor<3x8xi8> into tensor<3x2x4xi8>
  %qw = arith.constant dense<-3> : tensor<2x4x40xi4>
  %sw = arith.constant dense<0.5> : tensor<2x40xf32>
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<3x2x40xi32>
  %z = linalg.fill ins(%c0 : i32) outs(%e : tensor<3x2x40xi32>) -> tensor<3x2x40xi32>
  %pg = linalg.generic {indexing_maps = [#x3, #w3, #p3], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%x3, %qw : tensor<3x2x4xi8>, tensor<2x4x40xi4>) outs(%z : tensor<3x2x40xi32>) {
  ^bb0(%a: i8, %b: i4, %acc: i32):
    %0 = arith.extsi %a : i8 to i32
    %1 = arith.extsi %b : i4 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  } -> tensor<3x2x40xi32>
  %f0 = arith.constant 0.0 : f32
  %ea = tensor.empty() : tensor<3x40xf32>
  %za = linalg.fill ins(%f0 : f32) outs(%ea : tensor<3x40xf32>) -> tensor<3x40xf32>
  %sums = linalg.generic {indexing_maps = [#p, #s, #a], iterator_types = ["parallel", "parallel", "reduction"]} ins(%pg, %sw : tensor<3x2x40xi32>, tensor<2x40xf32>) outs(%za : tensor<3x40xf32>) {
  ^bb0(%p: i32, %s: f32, %out: f32):
    %0 = arith.sitofp %p : i32 to f32
    %1 = arith.mulf %0, %s : f32
    %2 = arith.addf %out, %1 : f32
    linalg.yield %2 : f32
  } -> tensor<3x40xf32>
  %ey = tensor.empty() : tensor<3x40xf32>
  %zy = linalg.fill ins(%f0 : f32) outs(%ey : tensor<3x40xf32>) -> tensor<3x40xf32>
  %y = linalg.generic {indexing_maps = [#mn, #m, #mn], iterator_types = ["parallel", "parallel"]} ins(%sums, %sx : tensor<3x40xf32>, tensor<3xf32>) outs(%zy : tensor<3x40xf32>) {
  ^bb0(%v: f32, %r: f32, %out: f32):
    %0 = arith.mulf %v, %r : f32
    %1 = arith.addf %out, %0 : f32
    linalg.yield %1 : f32
  } -> tensor<3x40xf32>
  return %y : tensor<3x40xf32>
}

func.func @int4_quads(%qx: tensor<1x32xi8>, %sx: tensor<1xf32>) -> tensor<1x8xf32> {
  %x3 = tensor.expand_shape %qx [[0], [1, 2]] output_shape [1, 2, 16] : tensor<1x32xi8> into tensor<1x2x16xi8>
  %qw = arith.constant dense<-3> : tensor<2x16x8xi4>
  %sw = arith.constant dense<0.5> : tensor<2x8xf32>
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<1x2x8xi32>
  %z = linalg.fill ins(%c0 : i32) outs(%e : tensor<1x2x8xi32>) -> tensor<1x2x8xi32>
  %pg = linalg.generic {indexing_maps = [#x3, #w3, #p3], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%x3, %qw : tensor<1x2x16xi8>, tensor<2x16x8xi4>) outs(%z : tensor<1x2x8xi32>) {
  ^bb0(%a: i8, %b: i4, %acc: i32):
    %0 = arith.extsi %a : i8 to i32
    %1 = arith.extsi %b : i4 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  } -> tensor<1x2x8xi32>
  %f0 = arith.constant 0.0 : f32
  %ea = tensor.empty() : tensor<1x8xf32>
  %za = linalg.fill ins(%f0 : f32) outs(%ea : tensor<1x8xf32>) -> tensor<1x8xf32>
  %sums = linalg.generic {indexing_maps = [#p, #s, #a], iterator_types = ["parallel", "parallel", "reduction"]} ins(%pg, %sw : tensor<1x2x8xi32>, tensor<2x8xf32>) outs(%za : tensor<1x8xf32>) {
  ^bb0(%p: i32, %s: f32, %out: f32):
    %0 = arith.sitofp %p : i32 to f32
    %1 = arith.mulf %0, %s : f32
    %2 = arith.addf %out, %1 : f32
    linalg.yield %2 : f32
  } -> tensor<1x8xf32>
  %ey = tensor.empty() : tensor<1x8xf32>
  %zy = linalg.fill ins(%f0 : f32) outs(%ey : tensor<1x8xf32>) -> tensor<1x8xf32>
  %y = linalg.generic {indexing_maps = [#mn, #m, #mn], iterator_types = ["parallel", "parallel"]} ins(%sums, %sx : tensor<1x8xf32>, tensor<1xf32>) outs(%zy : tensor<1x8xf32>) {
  ^bb0(%v: f32, %r: f32, %out: f32):
    %0 = arith.mulf %v, %r : f32
    %1 = arith.addf %out, %0 : f32
    linalg.yield %1 : f32
  } -> tensor<1x8xf32>
  return %y : tensor<1x8xf32>
}

func.func @int4_pairs(%qx: tensor<3x16xi8>, %sx: tensor<3xf32>) -> tensor<3x8xf32> {
  %x3 = tensor.expand_shape %qx [[0], [1, 2]] output_shape [3, 2, 8] : tensor<3x16xi8> into tensor<3x2x8xi8>
  %qw = arith.constant dense<-3> : tensor<2x8x8xi4>
  %sw = arith.constant dense<0.5> : tensor<2x8xf32>
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<3x2x8xi32>
  %z = linalg.fill ins(%c0 : i32) outs(%e : tensor<3x2x8xi32>) -> tensor<3x2x8xi32>
  %pg = linalg.generic {indexing_maps = [#x3, #w3, #p3], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%x3, %qw : tensor<3x2x8xi8>, tensor<2x8x8xi4>) outs(%z : tensor<3x2x8xi32>) {
  ^bb0(%a: i8, %b: i4, %acc: i32):
    %0 = arith.extsi %a : i8 to i32
    %1 = arith.extsi %b : i4 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  } -> tensor<3x2x8xi32>
  %f0 = arith.constant 0.0 : f32
  %ea = tensor.empty() : tensor<3x8xf32>
  %za = linalg.fill ins(%f0 : f32) outs(%ea : tensor<3x8xf32>) -> tensor<3x8xf32>
  %sums = linalg.generic {indexing_maps = [#p, #s, #a], iterator_types = ["parallel", "parallel", "reduction"]} ins(%pg, %sw : tensor<3x2x8xi32>, tensor<2x8xf32>) outs(%za : tensor<3x8xf32>) {
  ^bb0(%p: i32, %s: f32, %out: f32):
    %0 = arith.sitofp %p : i32 to f32
    %1 = arith.mulf %0, %s : f32
    %2 = arith.addf %out, %1 : f32
    linalg.yield %2 : f32
  } -> tensor<3x8xf32>
  %ey = tensor.empty() : tensor<3x8xf32>
  %zy = linalg.fill ins(%f0 : f32) outs(%ey : tensor<3x8xf32>) -> tensor<3x8xf32>
  %y = linalg.generic {indexing_maps = [#mn, #m, #mn], iterator_types = ["parallel", "parallel"]} ins(%sums, %sx : tensor<3x8xf32>, tensor<3xf32>) outs(%zy : tensor<3x8xf32>) {
  ^bb0(%v: f32, %r: f32, %out: f32):
    %0 = arith.mulf %v, %r : f32
    %1 = arith.addf %out, %0 : f32
    linalg.yield %1 : f32
  } -> tensor<3x8xf32>
  return %y : tensor<3x8xf32>
}

func.func @int4_rows9(%qx: tensor<9x8xi8>, %sx: tensor<9xf32>) -> tensor<9x32xf32> {
  %x3 = tensor.expand_shape %qx [[0], [1, 2]] output_shape [9, 2, 4] : tensor<9x8xi8> into tensor<9x2x4xi8>
  %qw = arith.constant dense<-3> : tensor<2x4x32xi4>
  %sw = arith.constant dense<1.0e-45> : tensor<2x32xf32>
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<9x2x32xi32>
  %z = linalg.fill ins(%c0 : i32) outs(%e : tensor<9x2x32xi32>) -> tensor<9x2x32xi32>
  %pg = linalg.generic {indexing_maps = [#x3, #w3, #p3], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%x3, %qw : tensor<9x2x4xi8>, tensor<2x4x32xi4>) outs(%z : tensor<9x2x32xi32>) {
  ^bb0(%a: i8, %b: i4, %acc: i32):
    %0 = arith.extsi %a : i8 to i32
    %1 = arith.extsi %b : i4 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  } -> tensor<9x2x32xi32>
  %f0 = arith.constant 0.0 : f32
  %ea = tensor.empty() : tensor<9x32xf32>
  %za = linalg.fill ins(%f0 : f32) outs(%ea : tensor<9x32xf32>) -> tensor<9x32xf32>
  %sums = linalg.generic {indexing_maps = [#p, #s, #a], iterator_types = ["parallel", "parallel", "reduction"]} ins(%pg, %sw : tensor<9x2x32xi32>, tensor<2x32xf32>) outs(%za : tensor<9x32xf32>) {
  ^bb0(%p: i32, %s: f32, %out: f32):
    %0 = arith.sitofp %p : i32 to f32
    %1 = arith.mulf %0, %s : f32
    %2 = arith.addf %out, %1 : f32
    linalg.yield %2 : f32
  } -> tensor<9x32xf32>
  %ey = tensor.empty() : tensor<9x32xf32>
  %zy = linalg.fill ins(%f0 : f32) outs(%ey : tensor<9x32xf32>) -> tensor<9x32xf32>
  %y = linalg.generic {indexing_maps = [#mn, #m, #mn], iterator_types = ["parallel", "parallel"]} ins(%sums, %sx : tensor<9x32xf32>, tensor<9xf32>) outs(%zy : tensor<9x32xf32>) {
  ^bb0(%v: f32, %r: f32, %out: f32):
    %0 = arith.mulf %v, %r : f32
    %1 = arith.addf %out, %0 : f32
    linalg.yield %1 : f32
  } -> tensor<9x32xf32>
  return %y : tensor<9x32xf32>
}

func.func @int8_init_epilogue(%qx: tensor<3x8xi8>, %sx: tensor<3xf32>, %c: tensor<3x40xf32>, %bias: tensor<40xf32>) -> tensor<3x40xf32> {
  %x3 = tensor.expand_shape %qx [[0], [1, 2]] output_shape [3, 2, 4] : tensor<3x8xi8> into tensor<3x2x4xi8>
  %qw = arith.constant dense<-100> : tensor<2x4x40xi8>
  %sw = arith.constant dense<0.5> : tensor<2x40xf32>
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<3x2x40xi32>
  %z = linalg.fill ins(%c0 : i32) outs(%e : tensor<3x2x40xi32>) -> tensor<3x2x40xi32>
  %pg = linalg.generic {indexing_maps = [#x3, #w3, #p3], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%x3, %qw : tensor<3x2x4xi8>, tensor<2x4x40xi8>) outs(%z : tensor<3x2x40xi32>) {
  ^bb0(%a: i8, %b: i8, %acc: i32):
    %0 = arith.extsi %a : i8 to i32
    %1 = arith.extsi %b : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %acc, %2 : i32
    linalg.yield %3 : i32
  } -> tensor<3x2x40xi32>
  %f0 = arith.constant 0.0 : f32
  %ea = tensor.empty() : tensor<3x40xf32>
  %za = linalg.fill ins(%f0 : f32) outs(%ea : tensor<3x40xf32>) -> tensor<3x40xf32>
  %sums = linalg.generic {indexing_maps = [#p, #s, #a], iterator_types = ["parallel", "parallel", "reduction"]} ins(%pg, %sw : tensor<3x2x40xi32>, tensor<2x40xf32>) outs(%za : tensor<3x40xf32>) {
  ^bb0(%p: i32, %s: f32, %out: f32):
    %0 = arith.sitofp %p : i32 to f32
    %1 = arith.mulf %0, %s : f32
    %2 = arith.addf %out, %1 : f32
    linalg.yield %2 : f32
  } -> tensor<3x40xf32>
  %y = linalg.generic {indexing_maps = [#mn, #m, #mn], iterator_types = ["parallel", "parallel"]} ins(%sums, %sx : tensor<3x40xf32>, tensor<3xf32>) outs(%c : tensor<3x40xf32>) {
  ^bb0(%v: f32, %r: f32, %out: f32):
    %0 = arith.mulf %v, %r : f32
    %1 = arith.addf %out, %0 : f32
    linalg.yield %1 : f32
  } -> tensor<3x40xf32>
  %o = tensor.empty() : tensor<3x40xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%y, %bias : tensor<3x40xf32>, tensor<40xf32>) outs(%o : tensor<3x40xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %c0f = arith.constant 0.0 : f32
    %0 = arith.addf %a, %b : f32
    %1 = arith.maximumf %0, %c0f : f32
    linalg.yield %1 : f32
  } -> tensor<3x40xf32>
  return %r : tensor<3x40xf32>
}

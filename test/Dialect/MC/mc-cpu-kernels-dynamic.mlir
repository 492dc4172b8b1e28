// The per-group dynamic-activation form of --mc-quantize (exact i32 group
// products, then y += (f32(P) * sw) * sx) becomes one kernel: weights packed
// per panel of 32 columns and group (32 f32 scales, then per 4 k the
// mc.dot4 operands: int4 nibbles q + 8, int8 bytes q + 128 on VNNI), the
// offset taken off through accumulators that start at -offset * sum_g qx,
// and the f32 combine in the reference's order. The packed weights are a
// private global, loaded with vector.load and prefetched ahead.
// RUN: mc-opt %s --mc-cpu-kernels=isa=avx512-vnni | FileCheck %s
// RUN: mc-opt %s --mc-cpu-kernels=isa=generic | FileCheck %s --check-prefix=GENERIC
// RUN: mc-opt %s --mc-cpu-kernels=isa=neon-dotprod | FileCheck %s --check-prefix=NEON

// int4: q = -3 is nibble 5 in both halves of each byte (columns c and
// c + 16); the 8 columns of the second panel past N = 40 hold nibble 8
// (q = 0) and scale 0.
// CHECK-DAG: memref.global "private" constant @[[W8:__mc_dynamic_group_weights.*]] : memref<2x512xi8> = dense<"0x0000003F{{(0000003F){31}(1C){128}()}}{{.*}}"> {alignment = 64 : i64}
// CHECK-DAG: memref.global "private" constant @[[W4:__mc_dynamic_group_weights.*]] : memref<2x384xi8> = dense<"0x0000003F{{(0000003F){31}(55){64}()}}{{.*}}{{(0000003F){8}(00000000){24}(85){32}(88){32}()}}"> {alignment = 64 : i64}
// CHECK-LABEL: func.func @int4
// CHECK: %[[PACKED:.*]] = memref.get_global @[[W4]] : memref<2x384xi8>
// CHECK: %[[SUMS:.*]] = scf.for
// CHECK: arith.extsi %{{.*}} : vector<4xi8> to vector<4xi32>
// CHECK: vector.reduction <add>
// CHECK: arith.constant -8 : i32
// CHECK: scf.forall (%[[P:.*]]) in (1)
// CHECK: scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK: memref.prefetch %[[PACKED]][%[[P]], %{{.*}}], read, locality<3>, data
// CHECK: %[[S0:.*]] = vector.bitcast %{{.*}} : vector<64xi8> to vector<16xf32>
// CHECK: %[[S1:.*]] = vector.bitcast %{{.*}} : vector<64xi8> to vector<16xf32>
// CHECK: %[[C:.*]] = tensor.extract %[[SUMS]]
// CHECK: %[[ACC:.*]] = vector.broadcast %[[C]] : i32 to vector<16xi32>
// CHECK: %[[W:.*]] = vector.load %[[PACKED]][%[[P]], %{{.*}}] : memref<2x384xi8>, vector<64xi8>
// CHECK: %[[WORDS:.*]] = vector.bitcast %[[W]] : vector<64xi8> to vector<16xi32>
// CHECK: %[[HI:.*]] = arith.shrui %[[WORDS]]
// CHECK: %[[LO:.*]] = arith.andi %[[WORDS]]
// CHECK: %[[LOB:.*]] = vector.bitcast %[[LO]] : vector<16xi32> to vector<64xi8>
// CHECK: %[[HIM:.*]] = arith.andi %[[HI]]
// CHECK: %[[HIB:.*]] = vector.bitcast %[[HIM]] : vector<16xi32> to vector<64xi8>
// CHECK: %[[X:.*]] = vector.bitcast %{{.*}} : vector<16xi32> to vector<64xi8>
// CHECK: %[[D0:.*]] = mc.dot4 %[[ACC]], %[[LOB]], %[[X]] {lhs_unsigned} : vector<64xi8> into vector<16xi32>
// CHECK: mc.dot4 %[[ACC]], %[[HIB]], %[[X]] {lhs_unsigned}
// CHECK: %[[F:.*]] = arith.sitofp %[[D0]] : vector<16xi32> to vector<16xf32>
// CHECK-NEXT: %[[FS:.*]] = arith.mulf %[[F]], %[[S0]]
// CHECK-NEXT: %[[FX:.*]] = arith.mulf %[[FS]], %{{.*}}
// CHECK-NEXT: arith.addf %{{.*}}, %[[FX]]
// The last 8 columns: a panel after the forall, one masked store per row
// (the second vector lies past N).
// CHECK: tensor.extract_slice %{{.*}}[0, 32] [3, 8] [1, 1]
// CHECK-COUNT-3: vector.transfer_write %{{.*}}[%{{.*}}, %{{.*}}] : vector<16xf32>, tensor<3x8xf32>
// CHECK-NOT: vector<16xf32>, tensor<3x8xf32>
// CHECK: return

// int8 with an init C and a bias + ReLU consumer: q = -100 is byte 28
// (q + 128) on VNNI and the accumulators start at -128 * sum_g qx; C is
// the start of the f32 sums, the consumer is applied before the store.
// CHECK-LABEL: func.func @int8_init_epilogue
// CHECK: memref.get_global @[[W8]] : memref<2x512xi8>
// CHECK: arith.constant -128 : i32
// CHECK: scf.forall
// CHECK: vector.transfer_read %arg2{{.*}} : tensor<3x40xf32>, vector<16xf32>
// CHECK: mc.dot4 {{.*}} {lhs_unsigned}
// CHECK: arith.maximumf
// CHECK-NOT: linalg.generic
// CHECK: return

// GENERIC: memref.global "private" constant @{{.*}} : memref<2x512xi8> = dense<"0x0000003F{{(0000003F){31}(9C){128}()}}
// GENERIC-LABEL: func.func @int4
// GENERIC: arith.constant -8 : i32
// GENERIC: mc.dot4
// GENERIC-NOT: lhs_unsigned
// GENERIC-LABEL: func.func @int8_init_epilogue
// GENERIC-NOT: arith.constant -128 : i32
// GENERIC-NOT: lhs_unsigned
// GENERIC: mc.dot4

// Other ISAs keep the reference form.
// NEON-NOT: mc.dot4
// NEON: linalg.generic

#x3 = affine_map<(m, g, n, t) -> (m, g, t)>
#w3 = affine_map<(m, g, n, t) -> (g, t, n)>
#p3 = affine_map<(m, g, n, t) -> (m, g, n)>
#p = affine_map<(m, n, g) -> (m, g, n)>
#s = affine_map<(m, n, g) -> (g, n)>
#r = affine_map<(m, n, g) -> (m)>
#y = affine_map<(m, n, g) -> (m, n)>

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
  %ey = tensor.empty() : tensor<3x40xf32>
  %zy = linalg.fill ins(%f0 : f32) outs(%ey : tensor<3x40xf32>) -> tensor<3x40xf32>
  %y = linalg.generic {indexing_maps = [#p, #s, #r, #y], iterator_types = ["parallel", "parallel", "reduction"]} ins(%pg, %sw, %sx : tensor<3x2x40xi32>, tensor<2x40xf32>, tensor<3xf32>) outs(%zy : tensor<3x40xf32>) {
  ^bb0(%p: i32, %s: f32, %r: f32, %out: f32):
    %0 = arith.sitofp %p : i32 to f32
    %1 = arith.mulf %0, %s : f32
    %2 = arith.mulf %1, %r : f32
    %3 = arith.addf %out, %2 : f32
    linalg.yield %3 : f32
  } -> tensor<3x40xf32>
  return %y : tensor<3x40xf32>
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
  %y = linalg.generic {indexing_maps = [#p, #s, #r, #y], iterator_types = ["parallel", "parallel", "reduction"]} ins(%pg, %sw, %sx : tensor<3x2x40xi32>, tensor<2x40xf32>, tensor<3xf32>) outs(%c : tensor<3x40xf32>) {
  ^bb0(%p: i32, %s: f32, %r: f32, %out: f32):
    %0 = arith.sitofp %p : i32 to f32
    %1 = arith.mulf %0, %s : f32
    %2 = arith.mulf %1, %r : f32
    %3 = arith.addf %out, %2 : f32
    linalg.yield %3 : f32
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

// RUN: mc-opt %s --split-input-file --mc-cpu-kernels="isa=avx512-vnni" --canonicalize --cse | FileCheck %s

// int4, groups of 16 along K, one row. Packed per panel of 16 columns and
// per group: 16 scales (0.5 = 0x3F000000), then 2 steps of 8 k as one i32
// per column of nibbles q + 8 (-3 + 8 = 5). x is pre-scaled by 2^-4j and
// summed per group (for the -8 * sum_g x offset term). Panels run in
// parallel; groups carry the row's vector; the 8 k of a step go to 8
// partial sums (one row), which are added, offset and scaled once a group.
// The packed weights are a private global; a GEMV prefetches its stream
// (clamped to the last group, 768 - 192) at the start of each group.
// CHECK: memref.global "private" constant @[[W4:__mc_weight_only_weights.*]] : memref<2x384xi8> = dense<"0x0000003F0000003F{{(0000003F)+}}5555555555555555{{(55)+}}0000003F{{.*}}"> {alignment = 64 : i64}
// CHECK-LABEL: func.func @int4_gemv
// CHECK-DAG: %[[OFFSET:.*]] = arith.constant dense<-8.000000e+00> : vector<16xf32>
// CHECK-DAG: %[[NIB0:.*]] = arith.constant dense<15> : vector<16xi32>
// CHECK-DAG: %[[NIB7:.*]] = arith.constant dense<-268435456> : vector<16xi32>
// CHECK-DAG: %[[FACTORS:.*]] = arith.constant dense<[1.000000e+00, 6.250000e-02, {{.*}}, 3.7252903E-9, 1.000000e+00, {{.*}}]> : tensor<32xf32>
// CHECK-DAG: %[[W:.*]] = memref.get_global @[[W4]] : memref<2x384xi8>
// CHECK-DAG: %[[STREAM:.*]] = memref.collapse_shape %[[W]] {{\[\[}}0, 1]] : memref<2x384xi8> into memref<768xi8>
// CHECK: %[[XS:.*]] = scf.for
// CHECK:   arith.mulf {{.*}} : vector<16xf32>
// CHECK: %[[SUMS:.*]] = scf.for
// CHECK:   vector.reduction <add>
// CHECK:   tensor.insert {{.*}} : tensor<1x2xf32>
// CHECK: scf.forall (%[[P:.*]]) in (2) shared_outs
// CHECK:   scf.for %[[G:.*]] = %c0 to %c2 step %c1 iter_args(%[[Y:.*]] = %{{.*}}) -> (vector<16xf32>)
// Prefetches 4096 bytes ahead in the stream, clamped to its end: the
// group's header line, then each step's line.
// CHECK:     %[[AT:.*]] = arith.minui %{{.*}}, %c704 : index
// CHECK:     memref.prefetch %[[STREAM]][%[[AT]]], read, locality<3>, data : memref<768xi8>
// CHECK:     %[[SCALE:.*]] = vector.bitcast {{.*}} : vector<64xi8> to vector<16xf32>
// CHECK:     %[[PART:.*]]:8 = scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK:       %[[STEPAT:.*]] = arith.minui %{{.*}}, %c704 : index
// CHECK:       memref.prefetch %[[STREAM]][%[[STEPAT]]], read, locality<3>, data : memref<768xi8>
// CHECK:       vector.load %[[W]][%[[P]], %{{.*}}] : memref<2x384xi8>, vector<64xi8>
// CHECK:       %[[WORDS:.*]] = vector.bitcast {{.*}} : vector<64xi8> to vector<16xi32>
// CHECK:       arith.andi %[[WORDS]], %[[NIB0]]
// CHECK:       arith.uitofp
// CHECK:       arith.andi %[[WORDS]], %[[NIB7]]
// CHECK:       tensor.extract %[[XS]]
// CHECK-COUNT-8: vector.fma
// CHECK:     arith.addf %[[PART]]#0, %[[PART]]#1
// CHECK:     tensor.extract %[[SUMS]][%c0, %[[G]]]
// CHECK:     %[[A:.*]] = vector.fma %[[OFFSET]], {{.*}}
// CHECK:     vector.fma %[[A]], %[[SCALE]], %[[Y]]
// CHECK:   vector.transfer_write {{.*}} {in_bounds = [true]} : vector<16xf32>, tensor<1x16xf32>
// CHECK:   tensor.parallel_insert_slice
// CHECK-NOT: mc.decode
// CHECK-NOT: linalg.matmul
func.func @int4_gemv(%x: tensor<1x32xf32>) -> tensor<1x32xf32> {
  %q = arith.constant dense<-3> : tensor<32x32xi4>
  %s = arith.constant dense<5.000000e-01> : tensor<2x32xf32>
  %c = mc.assemble %q, %s : (tensor<32x32xi4>, tensor<2x32xf32>) -> !mc.compressed<32x32xf32, #mc.uniform<i4, block = [16, 1], narrow>>
  %w = mc.decode %c : !mc.compressed<32x32xf32, #mc.uniform<i4, block = [16, 1], narrow>> -> tensor<32x32xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x32xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<1x32xf32>) -> tensor<1x32xf32>
  %y = linalg.matmul ins(%x, %w : tensor<1x32xf32>, tensor<32x32xf32>) outs(%i : tensor<1x32xf32>) -> tensor<1x32xf32>
  return %y : tensor<1x32xf32>
}

// -----

// uint8 with zero points, per channel, 3 rows: per group 16 scales, 16 i32
// zero points (7), then a byte per weight (200 = 0xC8) in steps of 8 k;
// zero-extended, zero point subtracted in i32, converted. 3 rows take 2
// partial sums each. 36 columns: two parallel panels and a partial one
// (zero-padded weights, masked stores) after the loop. One group: the
// group loop folds away.
// CHECK: memref.global "private" constant @[[W8:__mc_weight_only_weights.*]] : memref<3x384xi8> = dense<"0x0000803F{{.*}}07000000{{.*}}C8C8C8C8{{.*}}">
// CHECK-LABEL: func.func @uint8_zero_point
// CHECK: %[[W:.*]] = memref.get_global @[[W8]] : memref<3x384xi8>
// CHECK: scf.forall (%{{.*}}) in (2)
// CHECK:     %[[ZP:.*]] = vector.bitcast {{.*}} : vector<64xi8> to vector<16xi32>
// CHECK:     scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK:       vector.load %[[W]]{{.*}} : memref<3x384xi8>, vector<16xi8>
// CHECK:       arith.extui {{.*}} : vector<16xi8> to vector<16xi32>
// CHECK:       arith.subi %{{.*}}, %[[ZP]]
// CHECK:       arith.sitofp
// CHECK: tensor.extract_slice %{{.*}}[0, 32] [3, 4] [1, 1]
// CHECK: vector.transfer_write %{{.*}}[%{{.*}}, %c0] : vector<16xf32>, tensor<3x4xf32>
// CHECK: tensor.insert_slice
// CHECK-NOT: linalg.matmul
func.func @uint8_zero_point(%x: tensor<3x16xf32>) -> tensor<3x36xf32> {
  %q = arith.constant dense<-56> : tensor<16x36xi8>
  %s = arith.constant dense<1.0> : tensor<36xf32>
  %zp = arith.constant dense<7> : tensor<36xi32>
  %c = mc.assemble %q, %s, %zp : (tensor<16x36xi8>, tensor<36xf32>, tensor<36xi32>) -> !mc.compressed<16x36xf32, #mc.uniform<ui8, axis = 1, zero_point>>
  %w = mc.decode %c : !mc.compressed<16x36xf32, #mc.uniform<ui8, axis = 1, zero_point>> -> tensor<16x36xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x36xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<3x36xf32>) -> tensor<3x36xf32>
  %y = linalg.matmul ins(%x, %w : tensor<3x16xf32>, tensor<16x36xf32>) outs(%i : tensor<3x36xf32>) -> tensor<3x36xf32>
  return %y : tensor<3x36xf32>
}

// -----

// The element-wise consumer (bias + ReLU) is applied to the tile before the
// store and disappears.
// CHECK-LABEL: func.func @epilogue
// CHECK: scf.forall
// CHECK:   vector.transfer_read %{{.*}} : tensor<32xf32>, vector<16xf32>
// CHECK:   arith.addf
// CHECK:   arith.maximumf {{.*}} : vector<16xf32>
// CHECK:   vector.transfer_write
// CHECK-NOT: linalg.generic
#mn = affine_map<(i, j) -> (i, j)>
#n = affine_map<(i, j) -> (j)>
func.func @epilogue(%x: tensor<2x32xf32>, %b: tensor<32xf32>) -> tensor<2x32xf32> {
  %q = arith.constant dense<1> : tensor<32x32xi4>
  %s = arith.constant dense<1.0> : tensor<1x32xf32>
  %c = mc.assemble %q, %s : (tensor<32x32xi4>, tensor<1x32xf32>) -> !mc.compressed<32x32xf32, #mc.uniform<i4, block = [32, 1]>>
  %w = mc.decode %c : !mc.compressed<32x32xf32, #mc.uniform<i4, block = [32, 1]>> -> tensor<32x32xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x32xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<2x32xf32>) -> tensor<2x32xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x32xf32>, tensor<32x32xf32>) outs(%i : tensor<2x32xf32>) -> tensor<2x32xf32>
  %r = linalg.generic {indexing_maps = [#mn, #n, #mn], iterator_types = ["parallel", "parallel"]}
      ins(%y, %b : tensor<2x32xf32>, tensor<32xf32>) outs(%e : tensor<2x32xf32>) {
  ^bb0(%a: f32, %bb: f32, %o: f32):
    %c0 = arith.constant 0.0 : f32
    %sum = arith.addf %a, %bb : f32
    %relu = arith.maximumf %sum, %c0 : f32
    linalg.yield %relu : f32
  } -> tensor<2x32xf32>
  return %r : tensor<2x32xf32>
}

// -----

// Not for the weight-only kernel: per-k scales (axis 0), groups below 8 k,
// a payload that is not a constant (those three are decoded by the
// reference lowering for the f32 kernel), and a non-f32 expressed type.
// CHECK-LABEL: func.func @unsupported
// CHECK-NOT: scf.forall
// CHECK-COUNT-3: vector.fma
// CHECK-NOT: vector.fma
// CHECK: linalg.matmul
// CHECK-NOT: linalg.matmul
func.func @unsupported(%x: tensor<1x16xf32>, %p: tensor<16x16xi8>, %xh: tensor<1x16xf16>) -> (tensor<1x16xf32>, tensor<1x16xf32>, tensor<1x16xf32>, tensor<1x16xf16>) {
  %q = arith.constant dense<1> : tensor<16x16xi4>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x16xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<1x16xf32>) -> tensor<1x16xf32>

  %s0 = arith.constant dense<1.0> : tensor<16xf32>
  %c0 = mc.assemble %q, %s0 : (tensor<16x16xi4>, tensor<16xf32>) -> !mc.compressed<16x16xf32, #mc.uniform<i4, axis = 0>>
  %w0 = mc.decode %c0 : !mc.compressed<16x16xf32, #mc.uniform<i4, axis = 0>> -> tensor<16x16xf32>
  %y0 = linalg.matmul ins(%x, %w0 : tensor<1x16xf32>, tensor<16x16xf32>) outs(%i : tensor<1x16xf32>) -> tensor<1x16xf32>

  %s1 = arith.constant dense<1.0> : tensor<4x16xf32>
  %c1 = mc.assemble %q, %s1 : (tensor<16x16xi4>, tensor<4x16xf32>) -> !mc.compressed<16x16xf32, #mc.uniform<i4, block = [4, 1]>>
  %w1 = mc.decode %c1 : !mc.compressed<16x16xf32, #mc.uniform<i4, block = [4, 1]>> -> tensor<16x16xf32>
  %y1 = linalg.matmul ins(%x, %w1 : tensor<1x16xf32>, tensor<16x16xf32>) outs(%i : tensor<1x16xf32>) -> tensor<1x16xf32>

  %c2 = mc.assemble %p, %s0 : (tensor<16x16xi8>, tensor<16xf32>) -> !mc.compressed<16x16xf32, #mc.uniform<i8, axis = 1>>
  %w2 = mc.decode %c2 : !mc.compressed<16x16xf32, #mc.uniform<i8, axis = 1>> -> tensor<16x16xf32>
  %y2 = linalg.matmul ins(%x, %w2 : tensor<1x16xf32>, tensor<16x16xf32>) outs(%i : tensor<1x16xf32>) -> tensor<1x16xf32>

  %s3 = arith.constant dense<1.0> : tensor<16xf16>
  %c3 = mc.assemble %q, %s3 : (tensor<16x16xi4>, tensor<16xf16>) -> !mc.compressed<16x16xf16, #mc.uniform<i4, axis = 1>>
  %w3 = mc.decode %c3 : !mc.compressed<16x16xf16, #mc.uniform<i4, axis = 1>> -> tensor<16x16xf16>
  %zh = arith.constant 0.0 : f16
  %eh = tensor.empty() : tensor<1x16xf16>
  %ih = linalg.fill ins(%zh : f16) outs(%eh : tensor<1x16xf16>) -> tensor<1x16xf16>
  %y3 = linalg.matmul ins(%xh, %w3 : tensor<1x16xf16>, tensor<16x16xf16>) outs(%ih : tensor<1x16xf16>) -> tensor<1x16xf16>
  return %y0, %y1, %y2, %y3 : tensor<1x16xf32>, tensor<1x16xf32>, tensor<1x16xf32>, tensor<1x16xf16>
}

// -----

// f8E4M3FN per channel: the payload keeps its bytes (0.5 = 0x30), the
// scales are packed * 2^8 (2.0 -> 512.0 = 0x44000000), and each two rows
// of 16 bytes widen through f16 together: sext, << 7, clear bit 14, then
// extf of each half.
// CHECK: memref.global "private" constant @[[WF:__mc_weight_only_weights.*]] : memref<1x320xi8> = dense<"0x{{(00000044)+}}{{(30)+}}">
// CHECK-LABEL: func.func @e4m3_gemv
// CHECK-DAG: %[[CLEAR:.*]] = arith.constant dense<-16385> : vector<32xi16>
// CHECK-DAG: %[[SEVEN:.*]] = arith.constant dense<7> : vector<32xi16>
// CHECK-DAG: %[[W:.*]] = memref.get_global @[[WF]] : memref<1x320xi8>
// CHECK: scf.for
// CHECK:   vector.load %[[W]]{{.*}} : memref<1x320xi8>, vector<32xi8>
// CHECK:   %[[WIDE:.*]] = arith.extsi {{.*}} : vector<32xi8> to vector<32xi16>
// CHECK:   %[[SHIFTED:.*]] = arith.shli %[[WIDE]], %[[SEVEN]]
// CHECK:   %[[HALF:.*]] = arith.andi %[[SHIFTED]], %[[CLEAR]]
// CHECK:   %[[F16:.*]] = arith.bitcast %[[HALF]] : vector<32xi16> to vector<32xf16>
// CHECK:   %[[LO:.*]] = vector.extract_strided_slice %[[F16]] {offsets = [0], sizes = [16], strides = [1]}
// CHECK:   arith.extf %[[LO]] : vector<16xf16> to vector<16xf32>
// CHECK:   %[[HI:.*]] = vector.extract_strided_slice %[[F16]] {offsets = [16], sizes = [16], strides = [1]}
// CHECK:   arith.extf %[[HI]] : vector<16xf16> to vector<16xf32>
// CHECK-NOT: mc.decode
// CHECK-NOT: linalg.matmul
func.func @e4m3_gemv(%x: tensor<1x16xf32>) -> tensor<1x16xf32> {
  %q = arith.constant dense<0.5> : tensor<16x16xf8E4M3FN>
  %s = arith.constant dense<2.0> : tensor<16xf32>
  %c = mc.assemble %q, %s : (tensor<16x16xf8E4M3FN>, tensor<16xf32>) -> !mc.compressed<16x16xf32, #mc.float<f8E4M3FN, axis = 1>>
  %w = mc.decode %c : !mc.compressed<16x16xf32, #mc.float<f8E4M3FN, axis = 1>> -> tensor<16x16xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x16xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<1x16xf32>) -> tensor<1x16xf32>
  %y = linalg.matmul ins(%x, %w : tensor<1x16xf32>, tensor<16x16xf32>) outs(%i : tensor<1x16xf32>) -> tensor<1x16xf32>
  return %y : tensor<1x16xf32>
}

// -----

// Over 8 rows the row tiles reuse the panel: no prefetches.
// CHECK-LABEL: func.func @e4m3_rows
// CHECK-NOT: memref.prefetch
// CHECK: vector.load
// CHECK-NOT: memref.prefetch
// CHECK: return
func.func @e4m3_rows(%x: tensor<9x16xf32>) -> tensor<9x16xf32> {
  %q = arith.constant dense<0.5> : tensor<16x16xf8E4M3FN>
  %s = arith.constant dense<2.0> : tensor<16xf32>
  %c = mc.assemble %q, %s : (tensor<16x16xf8E4M3FN>, tensor<16xf32>) -> !mc.compressed<16x16xf32, #mc.float<f8E4M3FN, axis = 1>>
  %w = mc.decode %c : !mc.compressed<16x16xf32, #mc.float<f8E4M3FN, axis = 1>> -> tensor<16x16xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<9x16xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<9x16xf32>) -> tensor<9x16xf32>
  %y = linalg.matmul ins(%x, %w : tensor<9x16xf32>, tensor<16x16xf32>) outs(%i : tensor<9x16xf32>) -> tensor<9x16xf32>
  return %y : tensor<9x16xf32>
}

// RUN: mc-opt %s | mc-opt | FileCheck %s
// RUN: mc-opt %s -emit-bytecode | mc-opt | FileCheck %s
// RUN: mc-opt %s -mlir-print-op-generic | mc-opt | FileCheck %s

// CHECK-LABEL: func private @encodings
// CHECK-SAME: !mc.compressed<4x8xf32, #mc.uniform<i8>>
// CHECK-SAME: !mc.compressed<4x8xf32, #mc.uniform<ui8, axis = 1, zero_point>>
// CHECK-SAME: !mc.compressed<4x8xbf16, #mc.uniform<i4, block = [1, 4], narrow>>
// CHECK-SAME: !mc.compressed<4x8xf16, #mc.uniform<ui2, block = [2, 8], zero_point, narrow>>
// CHECK-SAME: !mc.compressed<4x8xf64, #mc.uniform<i1>>
// CHECK-SAME: !mc.compressed<4x8xf32, #mc.float<f16>>
// CHECK-SAME: !mc.compressed<4x8xf32, #mc.float<bf16, scaled>>
// CHECK-SAME: !mc.compressed<4x8xf32, #mc.float<f8E4M3FN, axis = 0>>
// CHECK-SAME: !mc.compressed<4x8xf32, #mc.float<f8E5M2, block = [4, 2]>>
// CHECK-SAME: !mc.compressed<f32, #mc.uniform<i8>>
func.func private @encodings(
  !mc.compressed<4x8xf32, #mc.uniform<i8>>,
  !mc.compressed<4x8xf32, #mc.uniform<ui8, zero_point, axis = 1>>,
  !mc.compressed<4x8xbf16, #mc.uniform<i4, block = [1, 4], narrow>>,
  !mc.compressed<4x8xf16, #mc.uniform<ui2, narrow, zero_point, block = [2, 8]>>,
  !mc.compressed<4x8xf64, #mc.uniform<i1>>,
  !mc.compressed<4x8xf32, #mc.float<f16>>,
  !mc.compressed<4x8xf32, #mc.float<bf16, scaled>>,
  !mc.compressed<4x8xf32, #mc.float<f8E4M3FN, axis = 0>>,
  !mc.compressed<4x8xf32, #mc.float<f8E5M2, block = [4, 2]>>,
  !mc.compressed<f32, #mc.uniform<i8>>)

// CHECK-LABEL: func @ops
func.func @ops(%x: tensor<4x8xf32>, %q: tensor<4x8xi8>, %s: tensor<8xf32>,
               %zp: tensor<8xi32>, %st: tensor<f32>)
    -> (tensor<4x8xf32>, tensor<4x8xi8>, tensor<4x8xf32>, tensor<4x8xf32>) {
  // CHECK: %[[A:.*]] = mc.assemble %{{.*}}, %{{.*}}, %{{.*}} : (tensor<4x8xi8>, tensor<8xf32>, tensor<8xi32>) -> !mc.compressed<4x8xf32, #mc.uniform<ui8, axis = 1, zero_point>>
  %a = mc.assemble %q, %s, %zp : (tensor<4x8xi8>, tensor<8xf32>, tensor<8xi32>)
         -> !mc.compressed<4x8xf32, #mc.uniform<ui8, axis = 1, zero_point>>
  // CHECK: mc.decode %[[A]] : !mc.compressed<4x8xf32, #mc.uniform<ui8, axis = 1, zero_point>> -> tensor<4x8xf32>
  %d = mc.decode %a : !mc.compressed<4x8xf32, #mc.uniform<ui8, axis = 1, zero_point>> -> tensor<4x8xf32>
  // CHECK: %[[E:.*]] = mc.encode %{{.*}}, %{{.*}} : (tensor<4x8xf32>, tensor<f32>) -> !mc.compressed<4x8xf32, #mc.uniform<i8, narrow>>
  %e = mc.encode %x, %st : (tensor<4x8xf32>, tensor<f32>) -> !mc.compressed<4x8xf32, #mc.uniform<i8, narrow>>
  // CHECK: mc.disassemble %[[E]] : !mc.compressed<4x8xf32, #mc.uniform<i8, narrow>> -> tensor<4x8xi8>, tensor<f32>
  %p, %ps = mc.disassemble %e : !mc.compressed<4x8xf32, #mc.uniform<i8, narrow>> -> tensor<4x8xi8>, tensor<f32>
  // CHECK: mc.fake_quant #mc.uniform<i8, axis = 1> %{{.*}}, %{{.*}} : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %f = mc.fake_quant #mc.uniform<i8, axis = 1> %x, %s : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  // CHECK: %[[H:.*]] = mc.encode %{{.*}} : (tensor<4x8xf32>) -> !mc.compressed<4x8xf32, #mc.float<f16>>
  %h = mc.encode %x : (tensor<4x8xf32>) -> !mc.compressed<4x8xf32, #mc.float<f16>>
  %hd = mc.decode %h : !mc.compressed<4x8xf32, #mc.float<f16>> -> tensor<4x8xf32>
  return %d, %p, %f, %hd : tensor<4x8xf32>, tensor<4x8xi8>, tensor<4x8xf32>, tensor<4x8xf32>
}

// N:M sparsity: parts are the i8 indices then the kept values (or, nested,
// the kept values' encoding's parts), dimension `axis` scaled by N/M.
// CHECK-LABEL: func private @nm_encodings
// CHECK-SAME: !mc.compressed<8x4xf32, #mc.nm<2:4, axis = 0>>
// CHECK-SAME: !mc.compressed<4x16xbf16, #mc.nm<4:8, axis = 1>>
// CHECK-SAME: !mc.compressed<2x3x8xf16, #mc.nm<1:1, axis = 2>>
// CHECK-SAME: !mc.compressed<4x32xf32, #mc.nm<2:4, axis = 1, values = #mc.uniform<i4, block = [1, 8], narrow>>>
// CHECK-SAME: !mc.compressed<8x4xf32, #mc.nm<1:2, axis = 0, values = #mc.float<f8E4M3FN, axis = 1>>>
// CHECK-SAME: !mc.compressed<8x4xi8, #mc.nm<2:4, axis = 0>>
func.func private @nm_encodings(
  !mc.compressed<8x4xf32, #mc.nm<2:4, axis = 0>>,
  !mc.compressed<4x16xbf16, #mc.nm<4:8, axis = 1>>,
  !mc.compressed<2x3x8xf16, #mc.nm<1:1, axis = 2>>,
  !mc.compressed<4x32xf32, #mc.nm<2:4, values = #mc.uniform<i4, narrow, block = [1, 8]>, axis = 1>>,
  !mc.compressed<8x4xf32, #mc.nm<1:2, axis = 0, values = #mc.float<f8E4M3FN, axis = 1>>>,
  !mc.compressed<8x4xi8, #mc.nm<2:4, axis = 0>>)

// CHECK-LABEL: func @nm_ops
func.func @nm_ops(%i: tensor<4x4xi2>, %v: tensor<4x4xf32>, %q: tensor<4x16xi4>,
                  %s: tensor<4x2xf32>) -> (tensor<8x4xf32>, tensor<4x32xf32>) {
  // CHECK: %[[A:.*]] = mc.assemble %{{.*}}, %{{.*}} : (tensor<4x4xi2>, tensor<4x4xf32>) -> !mc.compressed<8x4xf32, #mc.nm<2:4, axis = 0>>
  %a = mc.assemble %i, %v : (tensor<4x4xi2>, tensor<4x4xf32>) -> !mc.compressed<8x4xf32, #mc.nm<2:4, axis = 0>>
  // CHECK: mc.decode %[[A]] : !mc.compressed<8x4xf32, #mc.nm<2:4, axis = 0>> -> tensor<8x4xf32>
  %d = mc.decode %a : !mc.compressed<8x4xf32, #mc.nm<2:4, axis = 0>> -> tensor<8x4xf32>
  // CHECK: %[[B:.*]] = mc.assemble %{{.*}}, %{{.*}}, %{{.*}} : (tensor<4x16xi2>, tensor<4x16xi4>, tensor<4x2xf32>) -> !mc.compressed<4x32xf32, #mc.nm<2:4, axis = 1, values = #mc.uniform<i4, block = [1, 8]>>>
  // Valid constant indices: in [0, 4), increasing within each pair.
  %ibt = arith.constant dense<[[0, 3, 1, 2, 0, 1, 2, 3, 0, 2, 1, 3, 0, 1, 0, 1],
                              [0, 3, 1, 2, 0, 1, 2, 3, 0, 2, 1, 3, 0, 1, 0, 1],
                              [0, 3, 1, 2, 0, 1, 2, 3, 0, 2, 1, 3, 0, 1, 0, 1],
                              [0, 3, 1, 2, 0, 1, 2, 3, 0, 2, 1, 3, 0, 1, 0, 1]]> : tensor<4x16xi2>
  %b = mc.assemble %ibt, %q, %s : (tensor<4x16xi2>, tensor<4x16xi4>, tensor<4x2xf32>) -> !mc.compressed<4x32xf32, #mc.nm<2:4, axis = 1, values = #mc.uniform<i4, block = [1, 8]>>>
  // CHECK: mc.disassemble %[[B]] : !mc.compressed<4x32xf32, #mc.nm<2:4, axis = 1, values = #mc.uniform<i4, block = [1, 8]>>> -> tensor<4x16xi2>, tensor<4x16xi4>, tensor<4x2xf32>
  %p:3 = mc.disassemble %b : !mc.compressed<4x32xf32, #mc.nm<2:4, axis = 1, values = #mc.uniform<i4, block = [1, 8]>>> -> tensor<4x16xi2>, tensor<4x16xi4>, tensor<4x2xf32>
  %bd = mc.decode %b : !mc.compressed<4x32xf32, #mc.nm<2:4, axis = 1, values = #mc.uniform<i4, block = [1, 8]>>> -> tensor<4x32xf32>
  return %d, %bd : tensor<8x4xf32>, tensor<4x32xf32>
}

// Codebooks: indices iN/uiN (N = 1..8) and one table of 2^N entries per
// tensor, axis or block, shaped [scale shape..., 2^N].
// CHECK-LABEL: func private @codebook_encodings
// CHECK-SAME: !mc.compressed<4x8xf32, #mc.codebook<ui4>>
// CHECK-SAME: !mc.compressed<4x8xf32, #mc.codebook<ui1, axis = 1>>
// CHECK-SAME: !mc.compressed<4x8xbf16, #mc.codebook<i3, block = [2, 4]>>
// CHECK-SAME: !mc.compressed<4x8xf64, #mc.codebook<ui8, axis = 0>>
func.func private @codebook_encodings(
  !mc.compressed<4x8xf32, #mc.codebook<ui4>>,
  !mc.compressed<4x8xf32, #mc.codebook<ui1, axis = 1>>,
  !mc.compressed<4x8xbf16, #mc.codebook<i3, block = [2, 4]>>,
  !mc.compressed<4x8xf64, #mc.codebook<ui8, axis = 0>>)

// CHECK-LABEL: func @codebook_ops
func.func @codebook_ops(%x: tensor<4x8xf32>, %q: tensor<4x8xi2>, %t: tensor<8x4xf32>,
                        %tb: tensor<2x2x4xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  // CHECK: %[[A:.*]] = mc.assemble %{{.*}}, %{{.*}} : (tensor<4x8xi2>, tensor<8x4xf32>) -> !mc.compressed<4x8xf32, #mc.codebook<ui2, axis = 1>>
  %a = mc.assemble %q, %t : (tensor<4x8xi2>, tensor<8x4xf32>) -> !mc.compressed<4x8xf32, #mc.codebook<ui2, axis = 1>>
  // CHECK: mc.decode %[[A]] : !mc.compressed<4x8xf32, #mc.codebook<ui2, axis = 1>> -> tensor<4x8xf32>
  %d = mc.decode %a : !mc.compressed<4x8xf32, #mc.codebook<ui2, axis = 1>> -> tensor<4x8xf32>
  // CHECK: %[[E:.*]] = mc.encode %{{.*}}, %{{.*}} : (tensor<4x8xf32>, tensor<2x2x4xf32>) -> !mc.compressed<4x8xf32, #mc.codebook<ui2, block = [2, 4]>>
  %e = mc.encode %x, %tb : (tensor<4x8xf32>, tensor<2x2x4xf32>) -> !mc.compressed<4x8xf32, #mc.codebook<ui2, block = [2, 4]>>
  // CHECK: mc.disassemble %[[E]] : !mc.compressed<4x8xf32, #mc.codebook<ui2, block = [2, 4]>> -> tensor<4x8xi2>, tensor<2x2x4xf32>
  %p:2 = mc.disassemble %e : !mc.compressed<4x8xf32, #mc.codebook<ui2, block = [2, 4]>> -> tensor<4x8xi2>, tensor<2x2x4xf32>
  // CHECK: mc.fake_quant #mc.codebook<ui2, axis = 1> %{{.*}}, %{{.*}} : (tensor<4x8xf32>, tensor<8x4xf32>) -> tensor<4x8xf32>
  %f = mc.fake_quant #mc.codebook<ui2, axis = 1> %x, %t : (tensor<4x8xf32>, tensor<8x4xf32>) -> tensor<4x8xf32>
  return %d, %f : tensor<4x8xf32>, tensor<4x8xf32>
}

// CHECK-LABEL: func.func @dot4
// CHECK: mc.dot4 %{{.*}}, %{{.*}}, %{{.*}} {lhs_unsigned} : vector<64xi8> into vector<16xi32>
// CHECK: mc.dot4 %{{.*}}, %{{.*}}, %{{.*}} : vector<16xi8> into vector<4xi32>
func.func @dot4(%acc: vector<16xi32>, %a: vector<64xi8>, %acc4: vector<4xi32>, %c: vector<16xi8>)
    -> (vector<16xi32>, vector<4xi32>) {
  %0 = mc.dot4 %acc, %a, %a {lhs_unsigned} : vector<64xi8> into vector<16xi32>
  %1 = mc.dot4 %acc4, %c, %c : vector<16xi8> into vector<4xi32>
  return %0, %1 : vector<16xi32>, vector<4xi32>
}

// CHECK-LABEL: func.func @dot2
// CHECK: mc.dot2 %{{.*}}, %{{.*}}, %{{.*}} : vector<16xi16> into vector<8xi32>
func.func @dot2(%acc: vector<8xi32>, %a: vector<16xi16>) -> vector<8xi32> {
  %0 = mc.dot2 %acc, %a, %a : vector<16xi16> into vector<8xi32>
  return %0 : vector<8xi32>
}

// CHECK-LABEL: func.func @byte_shuffle
// CHECK: mc.byte_shuffle %{{.*}}, %{{.*}} : vector<64xi8>
// CHECK: mc.byte_shuffle %{{.*}}, %{{.*}} : vector<16xi8>
func.func @byte_shuffle(%t: vector<64xi8>, %i: vector<64xi8>, %u: vector<16xi8>)
    -> (vector<64xi8>, vector<16xi8>) {
  %0 = mc.byte_shuffle %t, %i : vector<64xi8>
  %1 = mc.byte_shuffle %u, %u : vector<16xi8>
  return %0, %1 : vector<64xi8>, vector<16xi8>
}

// CHECK-LABEL: func.func @table_lookup
// CHECK: mc.table_lookup %{{.*}}, %{{.*}} : vector<64xi8>, vector<64xi8>
// CHECK: mc.table_lookup %{{.*}}, %{{.*}} : vector<48xi8>, vector<16xi8>
// CHECK: mc.table_lookup %{{.*}}, %{{.*}} : vector<16xi8>, vector<8xi8>
func.func @table_lookup(%t: vector<64xi8>, %t3: vector<48xi8>, %u: vector<16xi8>, %v: vector<8xi8>)
    -> (vector<64xi8>, vector<16xi8>, vector<8xi8>) {
  %0 = mc.table_lookup %t, %t : vector<64xi8>, vector<64xi8>
  %1 = mc.table_lookup %t3, %u : vector<48xi8>, vector<16xi8>
  %2 = mc.table_lookup %u, %v : vector<16xi8>, vector<8xi8>
  return %0, %1, %2 : vector<64xi8>, vector<16xi8>, vector<8xi8>
}

// CHECK-LABEL: func.func @permute
// CHECK: mc.permute %{{.*}}, %{{.*}} : vector<32xf32>, vector<16xi32>
// CHECK: mc.permute %{{.*}}, %{{.*}} : vector<16xf32>, vector<16xi32>
func.func @permute(%t: vector<32xf32>, %u: vector<16xf32>, %i: vector<16xi32>)
    -> (vector<16xf32>, vector<16xf32>) {
  %0 = mc.permute %t, %i : vector<32xf32>, vector<16xi32>
  %1 = mc.permute %u, %i : vector<16xf32>, vector<16xi32>
  return %0, %1 : vector<16xf32>, vector<16xf32>
}

// CHECK-LABEL: func.func @sparse_mma
// CHECK: mc.sparse_mma %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : vector<16x16xi8>, vector<16x2xi16>, vector<8x32xi8> into vector<16x8xi32>
// CHECK: mc.sparse_mma %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : vector<16x16xf16>, vector<16x2xi16>, vector<8x32xf16> into vector<16x8xf32>
func.func @sparse_mma(%v: vector<16x16xi8>, %m: vector<16x2xi16>, %b: vector<8x32xi8>, %c: vector<16x8xi32>,
                      %vh: vector<16x16xf16>, %bh: vector<8x32xf16>, %ch: vector<16x8xf32>)
    -> (vector<16x8xi32>, vector<16x8xf32>) {
  %0 = mc.sparse_mma %v, %m, %b, %c : vector<16x16xi8>, vector<16x2xi16>, vector<8x32xi8> into vector<16x8xi32>
  %1 = mc.sparse_mma %vh, %m, %bh, %ch : vector<16x16xf16>, vector<16x2xi16>, vector<8x32xf16> into vector<16x8xf32>
  return %0, %1 : vector<16x8xi32>, vector<16x8xf32>
}

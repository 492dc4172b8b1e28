// RUN: mc-opt %s -canonicalize -split-input-file | FileCheck %s

// Compile-time encode: ties to even, saturation at both ends, NaN -> 0.
// CHECK-LABEL: func @fold_encode_ties
// CHECK-DAG: %[[S:.*]] = arith.constant dense<1.000000e+00> : tensor<f32>
// CHECK-DAG: %[[P:.*]] = arith.constant dense<[0, 2, 2, 0, -2, 127, -128, 1, 0]> : tensor<9xi8>
// CHECK: mc.assemble %[[P]], %[[S]]
// CHECK-NOT: mc.encode
func.func @fold_encode_ties() -> !mc.compressed<9xf32, #mc.uniform<i8>> {
  %x = arith.constant dense<[0.5, 1.5, 2.5, -0.5, -2.5, 300.0, -300.0, 1.4, 0x7FC00000]> : tensor<9xf32>
  %s = arith.constant dense<1.0> : tensor<f32>
  %c = mc.encode %x, %s : (tensor<9xf32>, tensor<f32>) -> !mc.compressed<9xf32, #mc.uniform<i8>>
  return %c : !mc.compressed<9xf32, #mc.uniform<i8>>
}

// -----

// CHECK-LABEL: func @fold_encode_narrow
// CHECK: arith.constant dense<[-127, 127, -4]> : tensor<3xi8>
func.func @fold_encode_narrow() -> !mc.compressed<3xf32, #mc.uniform<i8, narrow>> {
  %x = arith.constant dense<[-300.0, 300.0, -1.0]> : tensor<3xf32>
  %s = arith.constant dense<0.25> : tensor<f32>
  %c = mc.encode %x, %s : (tensor<3xf32>, tensor<f32>) -> !mc.compressed<3xf32, #mc.uniform<i8, narrow>>
  return %c : !mc.compressed<3xf32, #mc.uniform<i8, narrow>>
}

// -----

// Unsigned storage with a zero point: x/s = [0.5, 1.5, -128.5, 200, -200, 0]
// -> [0, 2, -128, 200, -200, 0] + 128 -> clamp to [0, 255]
// -> [128, 130, 0, 255, 0, 128], printed as signless i8.
// CHECK-LABEL: func @fold_encode_unsigned_zp
// CHECK: arith.constant dense<[-128, -126, 0, -1, 0, -128]> : tensor<6xi8>
func.func @fold_encode_unsigned_zp() -> !mc.compressed<6xf32, #mc.uniform<ui8, zero_point>> {
  %x = arith.constant dense<[0.25, 0.75, -64.25, 100.0, -100.0, 0.0]> : tensor<6xf32>
  %s = arith.constant dense<0.5> : tensor<f32>
  %zp = arith.constant dense<128> : tensor<i32>
  %c = mc.encode %x, %s, %zp : (tensor<6xf32>, tensor<f32>, tensor<i32>) -> !mc.compressed<6xf32, #mc.uniform<ui8, zero_point>>
  return %c : !mc.compressed<6xf32, #mc.uniform<ui8, zero_point>>
}

// -----

// Per-axis int4: row 0 by 1.0, row 1 by 0.5.
// CHECK-LABEL: func @fold_encode_per_axis
// CHECK: arith.constant dense<{{\[}}[7, -8, 3], [2, -2, 7]]> : tensor<2x3xi4>
func.func @fold_encode_per_axis() -> !mc.compressed<2x3xf32, #mc.uniform<i4, axis = 0>> {
  %x = arith.constant dense<[[7.5, -8.5, 3.0], [1.0, -1.25, 4.0]]> : tensor<2x3xf32>
  %s = arith.constant dense<[1.0, 0.5]> : tensor<2xf32>
  %c = mc.encode %x, %s : (tensor<2x3xf32>, tensor<2xf32>) -> !mc.compressed<2x3xf32, #mc.uniform<i4, axis = 0>>
  return %c : !mc.compressed<2x3xf32, #mc.uniform<i4, axis = 0>>
}

// -----

// Per-block [1, 2]: columns 0-1 use the first scale of a row, 2-3 the second.
// CHECK-LABEL: func @fold_encode_per_block
// CHECK: arith.constant dense<{{\[}}[1, 2, 4, 8], [-1, -1, 0, 0]]> : tensor<2x4xi8>
func.func @fold_encode_per_block() -> !mc.compressed<2x4xf32, #mc.uniform<i8, block = [1, 2]>> {
  %x = arith.constant dense<[[1.0, 2.0, 1.0, 2.0], [-1.0, -1.0, 1.0, 1.5]]> : tensor<2x4xf32>
  %s = arith.constant dense<[[1.0, 0.25], [1.0, 4.0]]> : tensor<2x2xf32>
  %c = mc.encode %x, %s : (tensor<2x4xf32>, tensor<2x2xf32>) -> !mc.compressed<2x4xf32, #mc.uniform<i8, block = [1, 2]>>
  return %c : !mc.compressed<2x4xf32, #mc.uniform<i8, block = [1, 2]>>
}

// -----

// Float storage saturates to the largest finite value; NaN stays NaN.
// CHECK-LABEL: func @fold_encode_f16
// CHECK: arith.constant dense<[1.000000e+00, 6.550400e+04, -6.550400e+04, 0x7E00]> : tensor<4xf16>
func.func @fold_encode_f16() -> !mc.compressed<4xf32, #mc.float<f16>> {
  %x = arith.constant dense<[1.0, 1.0e6, 0xFF800000, 0x7FC00000]> : tensor<4xf32>
  %c = mc.encode %x : (tensor<4xf32>) -> !mc.compressed<4xf32, #mc.float<f16>>
  return %c : !mc.compressed<4xf32, #mc.float<f16>>
}

// -----

// 1.0625 is a tie between 1.0 and 1.125 in f8E4M3FN: even is 1.0. 1000/2
// saturates to 448.
// CHECK-LABEL: func @fold_encode_f8
// CHECK: arith.constant dense<[1.000000e+00, 4.480000e+02]> : tensor<2xf8E4M3FN>
func.func @fold_encode_f8() -> !mc.compressed<2xf32, #mc.float<f8E4M3FN, scaled>> {
  %x = arith.constant dense<[2.125, 1000.0]> : tensor<2xf32>
  %s = arith.constant dense<2.0> : tensor<f32>
  %c = mc.encode %x, %s : (tensor<2xf32>, tensor<f32>) -> !mc.compressed<2xf32, #mc.float<f8E4M3FN, scaled>>
  return %c : !mc.compressed<2xf32, #mc.float<f8E4M3FN, scaled>>
}

// -----

// Encoding is lossy: decode(encode(x)) and fake_quant are never folded.
// CHECK-LABEL: func @no_fold
// CHECK: mc.encode
// CHECK: mc.decode
// CHECK: mc.fake_quant
func.func @no_fold(%x: tensor<4xf32>, %s: tensor<f32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %c = mc.encode %x, %s : (tensor<4xf32>, tensor<f32>) -> !mc.compressed<4xf32, #mc.uniform<i8>>
  %d = mc.decode %c : !mc.compressed<4xf32, #mc.uniform<i8>> -> tensor<4xf32>
  %f = mc.fake_quant #mc.uniform<i8> %x, %s : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %d, %f : tensor<4xf32>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func @fold_disassemble
// CHECK-SAME: (%[[Q:.*]]: tensor<4xi8>, %[[S:.*]]: tensor<f32>)
// CHECK-NEXT: return %[[Q]], %[[S]]
func.func @fold_disassemble(%q: tensor<4xi8>, %s: tensor<f32>) -> (tensor<4xi8>, tensor<f32>) {
  %c = mc.assemble %q, %s : (tensor<4xi8>, tensor<f32>) -> !mc.compressed<4xf32, #mc.uniform<i8>>
  %p, %ps = mc.disassemble %c : !mc.compressed<4xf32, #mc.uniform<i8>> -> tensor<4xi8>, tensor<f32>
  return %p, %ps : tensor<4xi8>, tensor<f32>
}

// -----

// Compile-time codebook encode: the nearest entry, the first one on ties
// (0.25 is halfway between 0.0 and 0.5, 1.0 between 0.5 and 1.5); the
// duplicate 0.5 at index 3 is never chosen; NaN -> 0; +-inf saturate to
// the largest and smallest entry. Indices print as signless i2.
// CHECK-LABEL: func @fold_encode_codebook
// CHECK-DAG: %[[T:.*]] = arith.constant dense<[0.000000e+00, 5.000000e-01, 1.500000e+00, 5.000000e-01]> : tensor<4xf32>
// CHECK-DAG: %[[P:.*]] = arith.constant dense<[0, 1, 1, -2, 0, -2, 0, 0]> : tensor<8xi2>
// CHECK: mc.assemble %[[P]], %[[T]]
// CHECK-NOT: mc.encode
func.func @fold_encode_codebook() -> !mc.compressed<8xf32, #mc.codebook<ui2>> {
  %x = arith.constant dense<[0.25, 1.0, 0.6, 9.0, -3.0, 0x7F800000, 0xFF800000, 0x7FC00000]> : tensor<8xf32>
  %t = arith.constant dense<[0.0, 0.5, 1.5, 0.5]> : tensor<4xf32>
  %c = mc.encode %x, %t : (tensor<8xf32>, tensor<4xf32>) -> !mc.compressed<8xf32, #mc.codebook<ui2>>
  return %c : !mc.compressed<8xf32, #mc.codebook<ui2>>
}

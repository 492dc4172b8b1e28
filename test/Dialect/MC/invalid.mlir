// RUN: mc-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{unsupported storage type 'i16': expected i1...i8 or ui1...ui8}}
func.func private @f(!mc.compressed<4xf32, #mc.uniform<i16>>)

// -----

// expected-error @+1 {{storage type must be an integer type, got 'f16'}}
func.func private @f(!mc.compressed<4xf32, #mc.uniform<f16>>)

// -----

// expected-error @+1 {{unsupported storage type 'f32': expected f16, bf16, f8E4M3FN or f8E5M2}}
func.func private @f(!mc.compressed<4xf32, #mc.float<f32>>)

// -----

// expected-error @+1 {{storage type must be a float type, got 'i8'}}
func.func private @f(!mc.compressed<4xf32, #mc.float<i8>>)

// -----

// expected-error @+1 {{unknown encoding parameter 'symmetric'}}
func.func private @f(!mc.compressed<4xf32, #mc.uniform<i8, symmetric>>)

// -----

// expected-error @+1 {{duplicate encoding parameter 'narrow'}}
func.func private @f(!mc.compressed<4xf32, #mc.uniform<i8, narrow, narrow>>)

// -----

// expected-error @+1 {{'axis' and 'block' are mutually exclusive}}
func.func private @f(!mc.compressed<4xf32, #mc.uniform<i8, axis = 0, block = [2]>>)

// -----

// expected-error @+1 {{axis must be non-negative, got -1}}
func.func private @f(!mc.compressed<4xf32, #mc.uniform<i8, axis = -1>>)

// -----

// expected-error @+1 {{block sizes must be positive, got 0}}
func.func private @f(!mc.compressed<4xf32, #mc.uniform<i8, block = [0]>>)

// -----

// expected-error @+1 {{narrow range needs a storage type of at least 2 bits}}
func.func private @f(!mc.compressed<4xf32, #mc.uniform<i1, narrow>>)

// -----

// expected-error @+1 {{'scaled' is implied by 'axis' or 'block'}}
func.func private @f(!mc.compressed<4xf32, #mc.float<f16, scaled, axis = 0>>)

// -----

// expected-error @+1 {{axis 2 is out of range for a rank-2 tensor}}
func.func private @f(!mc.compressed<4x8xf32, #mc.uniform<i8, axis = 2>>)

// -----

// expected-error @+1 {{block has 1 sizes but the tensor has rank 2}}
func.func private @f(!mc.compressed<4x8xf32, #mc.uniform<i8, block = [4]>>)

// -----

// expected-error @+1 {{block size 3 does not divide dimension 1 of size 8}}
func.func private @f(!mc.compressed<4x8xf32, #mc.uniform<i4, block = [1, 3]>>)

// -----

// expected-error @+1 {{expressed type must be f16, bf16, f32 or f64, got 'i32'}}
func.func private @f(!mc.compressed<4xi32, #mc.uniform<i8>>)

// -----

// expected-error @+1 {{compressed tensors must have a static shape}}
func.func private @f(!mc.compressed<?x4xf32, #mc.uniform<i8>>)

// -----

// expected-error @+1 {{expected an mc encoding attribute, got 1 : i32}}
func.func private @f(!mc.compressed<4xf32, 1 : i32>)

// -----

func.func @assemble_count(%q: tensor<4x8xi8>, %s: tensor<8xf32>) {
  // expected-error @+1 {{'mc.assemble' op expected 3 parts (payload, scales, zero_points) for '!mc.compressed<4x8xf32, #mc.uniform<i8, axis = 1, zero_point>>', got 2}}
  %a = mc.assemble %q, %s : (tensor<4x8xi8>, tensor<8xf32>) -> !mc.compressed<4x8xf32, #mc.uniform<i8, axis = 1, zero_point>>
  return
}

// -----

func.func @assemble_scale_shape(%q: tensor<4x8xi8>, %s: tensor<4xf32>) {
  // expected-error @+1 {{'mc.assemble' op scales must have type 'tensor<8xf32>' (per-axis (axis 1) encoding of 'tensor<4x8xf32>'), got 'tensor<4xf32>'}}
  %a = mc.assemble %q, %s : (tensor<4x8xi8>, tensor<4xf32>) -> !mc.compressed<4x8xf32, #mc.uniform<i8, axis = 1>>
  return
}

// -----

func.func @assemble_block_scale_shape(%q: tensor<4x8xi4>, %s: tensor<4x4xf32>) {
  // expected-error @+1 {{'mc.assemble' op scales must have type 'tensor<4x2xf32>' (per-block [1, 4] encoding of 'tensor<4x8xf32>'), got 'tensor<4x4xf32>'}}
  %a = mc.assemble %q, %s : (tensor<4x8xi4>, tensor<4x4xf32>) -> !mc.compressed<4x8xf32, #mc.uniform<i4, block = [1, 4]>>
  return
}

// -----

func.func @assemble_per_tensor_scale_shape(%q: tensor<4x8xi8>, %s: tensor<1xf32>) {
  // expected-error @+1 {{'mc.assemble' op scales must have type 'tensor<f32>' (per-tensor encoding of 'tensor<4x8xf32>'), got 'tensor<1xf32>'}}
  %a = mc.assemble %q, %s : (tensor<4x8xi8>, tensor<1xf32>) -> !mc.compressed<4x8xf32, #mc.uniform<i8>>
  return
}

// -----

func.func @assemble_zp_shape(%q: tensor<4x8xi8>, %s: tensor<4xf32>, %zp: tensor<8xi32>) {
  // expected-error @+1 {{'mc.assemble' op zero_points must have type 'tensor<4xi32>' (per-axis (axis 0) encoding of 'tensor<4x8xf32>'), got 'tensor<8xi32>'}}
  %a = mc.assemble %q, %s, %zp : (tensor<4x8xi8>, tensor<4xf32>, tensor<8xi32>) -> !mc.compressed<4x8xf32, #mc.uniform<ui8, axis = 0, zero_point>>
  return
}

// -----

func.func @assemble_payload(%q: tensor<4x8xi8>, %s: tensor<f32>) {
  // expected-error @+1 {{'mc.assemble' op payload must have type 'tensor<4x8xi4>' (per-tensor encoding of 'tensor<4x8xf32>'), got 'tensor<4x8xi8>'}}
  %a = mc.assemble %q, %s : (tensor<4x8xi8>, tensor<f32>) -> !mc.compressed<4x8xf32, #mc.uniform<i4>>
  return
}

// -----

func.func @assemble_negative_scale(%q: tensor<4xi8>) {
  %s = arith.constant dense<[1.0, 2.0, -0.5, 1.0]> : tensor<4xf32>
  // expected-error @+1 {{'mc.assemble' op scales must be positive and finite, got -0.5 at index 2}}
  %a = mc.assemble %q, %s : (tensor<4xi8>, tensor<4xf32>) -> !mc.compressed<4xf32, #mc.uniform<i8, axis = 0>>
  return
}

// -----

func.func @assemble_zero_scale(%q: tensor<4xi8>) {
  %s = arith.constant dense<0.0> : tensor<f32>
  // expected-error @+1 {{'mc.assemble' op scales must be positive and finite, got 0 at index 0}}
  %a = mc.assemble %q, %s : (tensor<4xi8>, tensor<f32>) -> !mc.compressed<4xf32, #mc.uniform<i8>>
  return
}

// -----

func.func @assemble_inf_scale(%q: tensor<4xf8E4M3FN>) {
  %s = arith.constant dense<0x7F800000> : tensor<f32>
  // expected-error @+1 {{'mc.assemble' op scales must be positive and finite, got +Inf at index 0}}
  %a = mc.assemble %q, %s : (tensor<4xf8E4M3FN>, tensor<f32>) -> !mc.compressed<4xf32, #mc.float<f8E4M3FN, scaled>>
  return
}

// -----

func.func @encode_nan_scale(%x: tensor<4xf32>) {
  %s = arith.constant dense<0x7FC00000> : tensor<f32>
  // expected-error @+1 {{'mc.encode' op scales must be positive and finite, got NaN at index 0}}
  %a = mc.encode %x, %s : (tensor<4xf32>, tensor<f32>) -> !mc.compressed<4xf32, #mc.uniform<i8>>
  return
}

// -----

func.func @assemble_zp_range(%q: tensor<4xi8>, %s: tensor<f32>) {
  %zp = arith.constant dense<300> : tensor<i32>
  // expected-error @+1 {{'mc.assemble' op zero point 300 at index 0 is outside the storage range [-128, 127]}}
  %a = mc.assemble %q, %s, %zp : (tensor<4xi8>, tensor<f32>, tensor<i32>) -> !mc.compressed<4xf32, #mc.uniform<i8, zero_point>>
  return
}

// -----

func.func @encode_zp_range_unsigned(%x: tensor<4xf32>, %s: tensor<2xf32>) {
  %zp = arith.constant dense<[3, -1]> : tensor<2xi32>
  // expected-error @+1 {{'mc.encode' op zero point -1 at index 1 is outside the storage range [0, 15]}}
  %a = mc.encode %x, %s, %zp : (tensor<4xf32>, tensor<2xf32>, tensor<2xi32>) -> !mc.compressed<4xf32, #mc.uniform<ui4, block = [2], zero_point>>
  return
}

// -----

func.func @fake_quant_zp_range_narrow(%x: tensor<4xf32>, %s: tensor<f32>) -> tensor<4xf32> {
  %zp = arith.constant dense<-128> : tensor<i32>
  // expected-error @+1 {{'mc.fake_quant' op zero point -128 at index 0 is outside the storage range [-127, 127]}}
  %y = mc.fake_quant #mc.uniform<i8, zero_point, narrow> %x, %s, %zp : (tensor<4xf32>, tensor<f32>, tensor<i32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @encode_input(%x: tensor<4xf16>, %s: tensor<f32>) {
  // expected-error @+1 {{'mc.encode' op input must have type 'tensor<4xf32>', got 'tensor<4xf16>'}}
  %a = mc.encode %x, %s : (tensor<4xf16>, tensor<f32>) -> !mc.compressed<4xf32, #mc.uniform<i8>>
  return
}

// -----

func.func @encode_params(%x: tensor<4xf32>) {
  // expected-error @+1 {{'mc.encode' op expected 1 parameters (scales) for '!mc.compressed<4xf32, #mc.uniform<i8>>', got 0}}
  %a = mc.encode %x : (tensor<4xf32>) -> !mc.compressed<4xf32, #mc.uniform<i8>>
  return
}

// -----

func.func @encode_unscaled_float(%x: tensor<4xf32>, %s: tensor<f32>) {
  // expected-error @+1 {{'mc.encode' op expected 0 parameters () for '!mc.compressed<4xf32, #mc.float<f16>>', got 1}}
  %a = mc.encode %x, %s : (tensor<4xf32>, tensor<f32>) -> !mc.compressed<4xf32, #mc.float<f16>>
  return
}

// -----

func.func @decode_result(%c: !mc.compressed<4xf32, #mc.uniform<i8>>) {
  // expected-error @+1 {{'mc.decode' op result must have type 'tensor<4xf32>', got 'tensor<4xf16>'}}
  %d = mc.decode %c : !mc.compressed<4xf32, #mc.uniform<i8>> -> tensor<4xf16>
  return
}

// -----

func.func @disassemble_results(%c: !mc.compressed<4xf32, #mc.uniform<i8>>) {
  // expected-error @+1 {{'mc.disassemble' op expected 2 results (payload, scales) for '!mc.compressed<4xf32, #mc.uniform<i8>>', got 1}}
  %p = mc.disassemble %c : !mc.compressed<4xf32, #mc.uniform<i8>> -> tensor<4xi8>
  return
}

// -----

func.func @fake_quant_result(%x: tensor<4xf32>, %s: tensor<f32>) -> tensor<4xf16> {
  // expected-error @+1 {{'mc.fake_quant' op result type 'tensor<4xf16>' must match the input type 'tensor<4xf32>'}}
  %y = mc.fake_quant #mc.uniform<i8> %x, %s : (tensor<4xf32>, tensor<f32>) -> tensor<4xf16>
  return %y : tensor<4xf16>
}

// -----

func.func @fake_quant_axis(%x: tensor<4xf32>, %s: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'mc.fake_quant' op axis 1 is out of range for a rank-1 tensor}}
  %y = mc.fake_quant #mc.uniform<i8, axis = 1> %x, %s : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @fake_quant_int(%x: tensor<4xi32>, %s: tensor<i32>) -> tensor<4xi32> {
  // expected-error @+1 {{'mc.fake_quant' op expressed type must be f16, bf16, f32 or f64, got 'i32'}}
  %y = mc.fake_quant #mc.uniform<i8> %x, %s : (tensor<4xi32>, tensor<i32>) -> tensor<4xi32>
  return %y : tensor<4xi32>
}

// -----

func.func @fake_quant_not_encoding(%x: tensor<4xf32>, %s: tensor<f32>) -> tensor<4xf32> {
  // expected-error @+1 {{invalid kind of attribute specified}}
  %y = mc.fake_quant 1 : i32 %x, %s : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

//===----------------------------------------------------------------------===//
// #mc.nm
//===----------------------------------------------------------------------===//

// expected-error @+1 {{N must be at least 1, got 0:4}}
func.func private @f(!mc.compressed<8xf32, #mc.nm<0:4, axis = 0>>)

// -----

// expected-error @+1 {{N must not exceed M, got 5:4}}
func.func private @f(!mc.compressed<8xf32, #mc.nm<5:4, axis = 0>>)

// -----

// expected-error @+1 {{M must be at most 128 (positions take at most 7 bits), got 256}}
func.func private @f(!mc.compressed<256xf32, #mc.nm<2:256, axis = 0>>)

// -----

// expected-error @+1 {{axis must be non-negative, got -1}}
func.func private @f(!mc.compressed<8xf32, #mc.nm<2:4, axis = -1>>)

// -----

// expected-error @+1 {{missing 'axis = A': the dimension along which groups of M elements run}}
func.func private @f(!mc.compressed<8xf32, #mc.nm<2:4>>)

// -----

// expected-error @+1 {{unknown encoding parameter 'narrow'}}
func.func private @f(!mc.compressed<8xf32, #mc.nm<2:4, axis = 0, narrow>>)

// -----

// expected-error @+1 {{duplicate encoding parameter 'axis'}}
func.func private @f(!mc.compressed<8xf32, #mc.nm<2:4, axis = 0, axis = 0>>)

// -----

// expected-error @+1 {{expected an mc encoding attribute for 'values', got 1 : i32}}
func.func private @f(!mc.compressed<8xf32, #mc.nm<2:4, axis = 0, values = 1 : i32>>)

// -----

// expected-error @+1 {{axis 1 is out of range for a rank-1 tensor}}
func.func private @f(!mc.compressed<8xf32, #mc.nm<2:4, axis = 1>>)

// -----

// expected-error @+1 {{M = 4 does not divide dimension 0 of size 6}}
func.func private @f(!mc.compressed<6x4xf32, #mc.nm<2:4, axis = 0>>)

// -----

// expected-error @+1 {{expressed type must be f16, bf16, f32, f64 or a signless integer, got 'ui8'}}
func.func private @f(!mc.compressed<8xui8, #mc.nm<2:4, axis = 0>>)

// -----

// Integer kept values are plain: encodings express float values.
// expected-error @+1 {{kept values with a 'values' encoding need a float expressed type, got 'i8'}}
func.func private @f(!mc.compressed<8xi8, #mc.nm<2:4, axis = 0, values = #mc.uniform<i8>>>)

// -----

// The nested encoding describes the kept values, 4x4 here.
// expected-error @+1 {{kept values 'tensor<4x4xf32>': block size 8 does not divide dimension 1 of size 4}}
func.func private @f(!mc.compressed<4x8xf32, #mc.nm<2:4, axis = 1, values = #mc.uniform<i4, block = [1, 8]>>>)

// -----

func.func @nm_count(%i: tensor<2x8xi2>) {
  // expected-error @+1 {{'mc.assemble' op expected 2 parts (indices, values) for '!mc.compressed<4x8xf32, #mc.nm<2:4, axis = 0>>', got 1}}
  %a = mc.assemble %i : (tensor<2x8xi2>) -> !mc.compressed<4x8xf32, #mc.nm<2:4, axis = 0>>
  return
}

// -----

func.func @nm_indices_type(%i: tensor<2x8xi32>, %v: tensor<2x8xf32>) {
  // expected-error @+1 {{'mc.assemble' op indices must have type 'tensor<2x8xi2>' (2:4 along axis 0 encoding of 'tensor<4x8xf32>'), got 'tensor<2x8xi32>'}}
  %a = mc.assemble %i, %v : (tensor<2x8xi32>, tensor<2x8xf32>) -> !mc.compressed<4x8xf32, #mc.nm<2:4, axis = 0>>
  return
}

// -----

func.func @nm_indices_shape(%i: tensor<4x8xi2>, %v: tensor<2x8xf32>) {
  // expected-error @+1 {{'mc.assemble' op indices must have type 'tensor<2x8xi2>' (2:4 along axis 0 encoding of 'tensor<4x8xf32>'), got 'tensor<4x8xi2>'}}
  %a = mc.assemble %i, %v : (tensor<4x8xi2>, tensor<2x8xf32>) -> !mc.compressed<4x8xf32, #mc.nm<2:4, axis = 0>>
  return
}

// -----

func.func @nm_values_type(%i: tensor<4x4xi2>, %v: tensor<4x4xf16>) {
  // expected-error @+1 {{'mc.assemble' op values must have type 'tensor<4x4xf32>' (2:4 along axis 1 encoding of 'tensor<4x8xf32>'), got 'tensor<4x4xf16>'}}
  %a = mc.assemble %i, %v : (tensor<4x4xi2>, tensor<4x4xf16>) -> !mc.compressed<4x8xf32, #mc.nm<2:4, axis = 1>>
  return
}

// -----

func.func @nm_values_shape(%c: !mc.compressed<4x8xf32, #mc.nm<2:4, axis = 1>>) {
  // expected-error @+1 {{'mc.disassemble' op values must have type 'tensor<4x4xf32>' (2:4 along axis 1 encoding of 'tensor<4x8xf32>'), got 'tensor<4x8xf32>'}}
  %p:2 = mc.disassemble %c : !mc.compressed<4x8xf32, #mc.nm<2:4, axis = 1>> -> tensor<4x4xi2>, tensor<4x8xf32>
  return
}

// -----

func.func @nm_nested_scales(%i: tensor<4x4xi2>, %q: tensor<4x4xi4>, %s: tensor<4xf32>) {
  // expected-error @+1 {{'mc.assemble' op values.scales must have type 'tensor<f32>' (2:4 along axis 1, values per-tensor encoding of 'tensor<4x8xf32>'), got 'tensor<4xf32>'}}
  %a = mc.assemble %i, %q, %s : (tensor<4x4xi2>, tensor<4x4xi4>, tensor<4xf32>) -> !mc.compressed<4x8xf32, #mc.nm<2:4, axis = 1, values = #mc.uniform<i4>>>
  return
}

// -----

func.func @nm_nested_scale_value(%i: tensor<4x4xi2>, %q: tensor<4x4xi4>) {
  %s = arith.constant dense<-1.0> : tensor<f32>
  // expected-error @+1 {{'mc.assemble' op scales must be positive and finite, got -1 at index 0}}
  %a = mc.assemble %i, %q, %s : (tensor<4x4xi2>, tensor<4x4xi4>, tensor<f32>) -> !mc.compressed<4x8xf32, #mc.nm<2:4, axis = 1, values = #mc.uniform<i4>>>
  return
}

// -----

// Positions are unsigned with ceil(log2 M) bits: 3 fits i2 but not 2:3.
func.func @nm_index_range(%v: tensor<1x4xf32>) {
  %i = arith.constant dense<[[0, 1, 2, 3]]> : tensor<1x4xi2>
  // expected-error @+1 {{'mc.assemble' op indices must be in [0, 3), got 3 at index 3}}
  %a = mc.assemble %i, %v : (tensor<1x4xi2>, tensor<1x4xf32>) -> !mc.compressed<1x6xf32, #mc.nm<2:3, axis = 1>>
  return
}

// -----

// Along axis 0 the two kept values of a group are rows 2g and 2g+1: flat
// index 5 (row 1, column 1) holds 1 after 1 at flat index 1.
func.func @nm_index_order(%v: tensor<2x4xf32>) {
  %i = arith.constant dense<[[0, 1, 2, 0], [3, 1, 3, 1]]> : tensor<2x4xi2>
  // expected-error @+1 {{'mc.assemble' op indices must increase strictly within each group of 2, got 1 after 1 at index 5}}
  %a = mc.assemble %i, %v : (tensor<2x4xi2>, tensor<2x4xf32>) -> !mc.compressed<4x4xf32, #mc.nm<2:4, axis = 0>>
  return
}

// -----

func.func @nm_encode(%x: tensor<4x8xf32>, %v: tensor<2x8xf32>) {
  // expected-error @+1 {{'mc.encode' op cannot encode #mc.nm<2:4, axis = 0> from a dense tensor: choose the kept positions (e.g. with --mc-prune mode=nm) and build it with mc.assemble}}
  %c = mc.encode %x, %v : (tensor<4x8xf32>, tensor<2x8xf32>) -> !mc.compressed<4x8xf32, #mc.nm<2:4, axis = 0>>
  return
}

// -----

func.func @nm_fake_quant(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'mc.fake_quant' op cannot encode #mc.nm<2:4, axis = 0> from a dense tensor}}
  %y = mc.fake_quant #mc.nm<2:4, axis = 0> %x : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

// expected-error @+1 {{index type must be an integer type, got 'f16'}}
func.func private @f(!mc.compressed<8xf32, #mc.codebook<f16>>)

// -----

// expected-error @+1 {{unsupported index type 'i9': expected i1...i8 or ui1...ui8}}
func.func private @f(!mc.compressed<8xf32, #mc.codebook<i9>>)

// -----

// expected-error @+1 {{codebook indices are unsigned: expected i4 or ui4, got 'si4'}}
func.func private @f(!mc.compressed<8xf32, #mc.codebook<si4>>)

// -----

// expected-error @+1 {{unknown encoding parameter 'narrow'}}
func.func private @f(!mc.compressed<8xf32, #mc.codebook<ui4, narrow>>)

// -----

// expected-error @+1 {{'axis' and 'block' are mutually exclusive}}
func.func private @f(!mc.compressed<8xf32, #mc.codebook<ui4, axis = 0, block = [2]>>)

// -----

// expected-error @+1 {{axis 1 is out of range for a rank-1 tensor}}
func.func private @f(!mc.compressed<8xf32, #mc.codebook<ui4, axis = 1>>)

// -----

// expected-error @+1 {{block size 3 does not divide dimension 0 of size 8}}
func.func private @f(!mc.compressed<8xf32, #mc.codebook<ui4, block = [3]>>)

// -----

// expected-error @+1 {{expressed type must be f16, bf16, f32 or f64, got 'i8'}}
func.func private @f(!mc.compressed<8xi8, #mc.codebook<ui4>>)

// -----

func.func @codebook_count(%q: tensor<4x8xi4>) {
  // expected-error @+1 {{'mc.assemble' op expected 2 parts (indices, table) for '!mc.compressed<4x8xf32, #mc.codebook<ui4>>', got 1}}
  %a = mc.assemble %q : (tensor<4x8xi4>) -> !mc.compressed<4x8xf32, #mc.codebook<ui4>>
  return
}

// -----

func.func @codebook_indices_type(%q: tensor<4x8xi8>, %t: tensor<16xf32>) {
  // expected-error @+1 {{'mc.assemble' op indices must have type 'tensor<4x8xi4>' (per-tensor encoding of 'tensor<4x8xf32>'), got 'tensor<4x8xi8>'}}
  %a = mc.assemble %q, %t : (tensor<4x8xi8>, tensor<16xf32>) -> !mc.compressed<4x8xf32, #mc.codebook<ui4>>
  return
}

// -----

// The table has 2^N entries after the scale dimensions.
func.func @codebook_table_entries(%q: tensor<4x8xi4>, %t: tensor<8x8xf32>) {
  // expected-error @+1 {{'mc.assemble' op table must have type 'tensor<8x16xf32>' (per-axis (axis 1) encoding of 'tensor<4x8xf32>'), got 'tensor<8x8xf32>'}}
  %a = mc.assemble %q, %t : (tensor<4x8xi4>, tensor<8x8xf32>) -> !mc.compressed<4x8xf32, #mc.codebook<ui4, axis = 1>>
  return
}

// -----

func.func @codebook_table_blocks(%q: tensor<4x8xi1>, %t: tensor<4x2xf32>) {
  // expected-error @+1 {{'mc.assemble' op table must have type 'tensor<4x2x2xf32>' (per-block [1, 4] encoding of 'tensor<4x8xf32>'), got 'tensor<4x2xf32>'}}
  %a = mc.assemble %q, %t : (tensor<4x8xi1>, tensor<4x2xf32>) -> !mc.compressed<4x8xf32, #mc.codebook<ui1, block = [1, 4]>>
  return
}

// -----

// The table holds values of the expressed type.
func.func @codebook_table_element(%x: tensor<4x8xbf16>, %t: tensor<4xf32>) {
  // expected-error @+1 {{'mc.encode' op table must have type 'tensor<4xbf16>' (per-tensor encoding of 'tensor<4x8xbf16>'), got 'tensor<4xf32>'}}
  %c = mc.encode %x, %t : (tensor<4x8xbf16>, tensor<4xf32>) -> !mc.compressed<4x8xbf16, #mc.codebook<ui2>>
  return
}

// -----

func.func @codebook_table_value(%q: tensor<8xi2>) {
  %t = arith.constant dense<[-1.0, 0.0, 0x7FC00000, 1.0]> : tensor<4xf32>
  // expected-error @+1 {{'mc.assemble' op table entries must be finite, got NaN at index 2}}
  %a = mc.assemble %q, %t : (tensor<8xi2>, tensor<4xf32>) -> !mc.compressed<8xf32, #mc.codebook<ui2>>
  return
}

// -----

func.func @codebook_table_inf(%x: tensor<8xf32>) {
  %t = arith.constant dense<[0xFF800000, 1.0]> : tensor<2xf32>
  // expected-error @+1 {{'mc.fake_quant' op table entries must be finite, got -Inf at index 0}}
  %y = mc.fake_quant #mc.codebook<ui1> %x, %t : (tensor<8xf32>, tensor<2xf32>) -> tensor<8xf32>
  return
}

// -----

func.func @dot4_lanes(%acc: vector<8xi32>, %a: vector<64xi8>) -> vector<8xi32> {
  // expected-error @+1 {{'mc.dot4' op expected 4 bytes per i32 lane, got 'vector<64xi8>' for 'vector<8xi32>'}}
  %0 = mc.dot4 %acc, %a, %a : vector<64xi8> into vector<8xi32>
  return %0 : vector<8xi32>
}

// -----

func.func @dot2_lanes(%acc: vector<8xi32>, %a: vector<8xi16>) -> vector<8xi32> {
  // expected-error @+1 {{'mc.dot2' op expected 2 i16 elements per i32 lane, got 'vector<8xi16>' for 'vector<8xi32>'}}
  %0 = mc.dot2 %acc, %a, %a : vector<8xi16> into vector<8xi32>
  return %0 : vector<8xi32>
}

// -----

func.func @byte_shuffle_width(%t: vector<8xi8>) -> vector<8xi8> {
  // expected-error @+1 {{'mc.byte_shuffle' op operand #0 must be fixed-length vector of 8-bit signless integer values of length 16/32/64}}
  %0 = mc.byte_shuffle %t, %t : vector<8xi8>
  return %0 : vector<8xi8>
}

// -----

func.func @permute_table(%t: vector<8xf32>, %i: vector<16xi32>) -> vector<16xf32> {
  // expected-error @+1 {{'mc.permute' op operand #0 must be fixed-length vector of 32-bit float values of length 16/32}}
  %0 = mc.permute %t, %i : vector<8xf32>, vector<16xi32>
  return %0 : vector<16xf32>
}

// -----

func.func @permute_indices(%t: vector<32xf32>, %i: vector<8xi32>) -> vector<8xf32> {
  // expected-error @+1 {{custom op 'mc.permute' 'indices' must be fixed-length vector of 32-bit signless integer values of length 16, but got 'vector<8xi32>'}}
  %0 = mc.permute %t, %i : vector<32xf32>, vector<8xi32>
  return %0 : vector<8xf32>
}

// -----

func.func @table_lookup_table(%t: vector<24xi8>, %i: vector<16xi8>) -> vector<16xi8> {
  // expected-error @+1 {{'mc.table_lookup' op operand #0 must be fixed-length vector of 8-bit signless integer values of length 16/32/48/64}}
  %0 = mc.table_lookup %t, %i : vector<24xi8>, vector<16xi8>
  return %0 : vector<16xi8>
}

// -----

func.func @table_lookup_indices(%t: vector<32xi8>, %i: vector<12xi8>) -> vector<12xi8> {
  // expected-error @+1 {{'mc.table_lookup' op expected a multiple of 8 indices (tbl's 8 or 16 bytes per instruction), got 'vector<12xi8>'}}
  %0 = mc.table_lookup %t, %i : vector<32xi8>, vector<12xi8>
  return %0 : vector<12xi8>
}

// -----

func.func @table_lookup_type(%t: vector<16xi8>, %i: vector<16xi32>) -> vector<16xi32> {
  // expected-error @+1 {{'mc.table_lookup' op operand #1 must be fixed-length vector of 8-bit signless integer values of ranks 1, but got 'vector<16xi32>'}}
  %0 = mc.table_lookup %t, %i : vector<16xi8>, vector<16xi32>
  return %0 : vector<16xi32>
}

// -----

func.func @sparse_mma_meta(%v: vector<16x16xi8>, %m: vector<16x1xi16>, %b: vector<8x32xi8>, %c: vector<16x8xi32>) -> vector<16x8xi32> {
  // expected-error @+1 {{'mc.sparse_mma' op expected metadata of shape 16x2 for 'vector<16x16xi8>', got 'vector<16x1xi16>'}}
  %0 = mc.sparse_mma %v, %m, %b, %c : vector<16x16xi8>, vector<16x1xi16>, vector<8x32xi8> into vector<16x8xi32>
  return %0 : vector<16x8xi32>
}

// -----

func.func @sparse_mma_k(%v: vector<16x16xi8>, %m: vector<16x2xi16>, %b: vector<8x16xi8>, %c: vector<16x8xi32>) -> vector<16x8xi32> {
  // expected-error @+1 {{'mc.sparse_mma' op expected the rhs to have K = 32 columns, got 'vector<8x16xi8>'}}
  %0 = mc.sparse_mma %v, %m, %b, %c : vector<16x16xi8>, vector<16x2xi16>, vector<8x16xi8> into vector<16x8xi32>
  return %0 : vector<16x8xi32>
}

// -----

func.func @sparse_mma_acc(%v: vector<16x16xi8>, %m: vector<16x2xi16>, %b: vector<8x32xi8>, %c: vector<8x16xi32>) -> vector<8x16xi32> {
  // expected-error @+1 {{'mc.sparse_mma' op expected an accumulator of shape 16x8, got 'vector<8x16xi32>'}}
  %0 = mc.sparse_mma %v, %m, %b, %c : vector<16x16xi8>, vector<16x2xi16>, vector<8x32xi8> into vector<8x16xi32>
  return %0 : vector<8x16xi32>
}

// -----

func.func @sparse_mma_types(%v: vector<16x16xf16>, %m: vector<16x2xi16>, %b: vector<8x32xf16>, %c: vector<16x8xi32>) -> vector<16x8xi32> {
  // expected-error @+1 {{'mc.sparse_mma' op expected i32 accumulators for i8 operands and f32 for f16/bf16, got 'i32' for 'f16'}}
  %0 = mc.sparse_mma %v, %m, %b, %c : vector<16x16xf16>, vector<16x2xi16>, vector<8x32xf16> into vector<16x8xi32>
  return %0 : vector<16x8xi32>
}

// -----

func.func @sparse_mma_values(%v: vector<16x12xi8>, %m: vector<16x1xi16>, %b: vector<8x24xi8>, %c: vector<16x8xi32>) -> vector<16x8xi32> {
  // expected-error @+1 {{'mc.sparse_mma' op expected a multiple of 8 values per row, got 'vector<16x12xi8>'}}
  %0 = mc.sparse_mma %v, %m, %b, %c : vector<16x12xi8>, vector<16x1xi16>, vector<8x24xi8> into vector<16x8xi32>
  return %0 : vector<16x8xi32>
}

// -----

// Scalable vectors have no fixed byte count to shuffle.
func.func @byte_shuffle_scalable(%t: vector<[16]xi8>) -> vector<[16]xi8> {
  // expected-error @+1 {{'mc.byte_shuffle' op operand #0 must be fixed-length vector of 8-bit signless integer values of length 16/32/64, but got 'vector<[16]xi8>'}}
  %0 = mc.byte_shuffle %t, %t : vector<[16]xi8>
  return %0 : vector<[16]xi8>
}

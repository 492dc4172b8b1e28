// RUN: mc-opt %s -mc-lower-reference -split-input-file | FileCheck %s

// Per-tensor signed: divide, round half to even, NaN -> 0, clamp to the
// storage range, then convert (never the other way round).
// CHECK-LABEL: func @encode_per_tensor
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>, %[[S:.*]]: tensor<f32>) -> (tensor<4x8xi8>, tensor<f32>)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<4x8xi8>
// CHECK: %[[G:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[ID:.*]], #[[SCALAR:.*]], #[[ID]]]
// CHECK-SAME: ins(%[[X]], %[[S]] : tensor<4x8xf32>, tensor<f32>) outs(%[[E]] : tensor<4x8xi8>)
// CHECK: ^bb0(%[[IN:.*]]: f32, %[[SC:.*]]: f32, %{{.*}}: i8):
// CHECK:   %[[D:.*]] = arith.divf %[[IN]], %[[SC]] : f32
// CHECK:   %[[R:.*]] = math.roundeven %[[D]] : f32
// CHECK:   %[[NAN:.*]] = arith.cmpf uno, %[[R]], %[[R]] : f32
// CHECK:   %[[SEL:.*]] = arith.select %[[NAN]], %{{.*}}, %[[R]] : f32
// CHECK:   %[[LO:.*]] = arith.maxnumf %[[SEL]], %{{.*}} : f32
// CHECK:   %[[HI:.*]] = arith.minnumf %[[LO]], %{{.*}} : f32
// CHECK:   %[[I:.*]] = arith.fptosi %[[HI]] : f32 to i32
// CHECK:   %[[T:.*]] = arith.trunci %[[I]] : i32 to i8
// CHECK:   linalg.yield %[[T]] : i8
// CHECK: return %[[G]], %[[S]] : tensor<4x8xi8>, tensor<f32>
func.func @encode_per_tensor(%x: tensor<4x8xf32>, %s: tensor<f32>) -> !mc.compressed<4x8xf32, #mc.uniform<i8>> {
  %c = mc.encode %x, %s : (tensor<4x8xf32>, tensor<f32>) -> !mc.compressed<4x8xf32, #mc.uniform<i8>>
  return %c : !mc.compressed<4x8xf32, #mc.uniform<i8>>
}

// -----

// The clamp bounds are the storage range: [-128, 127].
// CHECK-LABEL: func @encode_bounds
// CHECK-DAG: arith.constant -1.280000e+02 : f32
// CHECK-DAG: arith.constant 1.270000e+02 : f32
func.func @encode_bounds(%x: tensor<4xf32>, %s: tensor<f32>) -> !mc.compressed<4xf32, #mc.uniform<i8>> {
  %c = mc.encode %x, %s : (tensor<4xf32>, tensor<f32>) -> !mc.compressed<4xf32, #mc.uniform<i8>>
  return %c : !mc.compressed<4xf32, #mc.uniform<i8>>
}

// -----

// Narrow int4: [-7, 7].
// CHECK-LABEL: func @encode_narrow_i4
// CHECK-DAG: arith.constant -7.000000e+00 : f32
// CHECK-DAG: arith.constant 7.000000e+00 : f32
// CHECK: arith.trunci %{{.*}} : i32 to i4
func.func @encode_narrow_i4(%x: tensor<4xf32>, %s: tensor<f32>) -> !mc.compressed<4xf32, #mc.uniform<i4, narrow>> {
  %c = mc.encode %x, %s : (tensor<4xf32>, tensor<f32>) -> !mc.compressed<4xf32, #mc.uniform<i4, narrow>>
  return %c : !mc.compressed<4xf32, #mc.uniform<i4, narrow>>
}

// -----

// Per-axis with zero points; unsigned storage decodes with extui.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[AX:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func @decode_per_axis_zp
// CHECK-SAME: (%[[Q:.*]]: tensor<4x8xi8>, %[[S:.*]]: tensor<8xf32>, %[[Z:.*]]: tensor<8xi32>) -> tensor<4x8xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[AX]], #[[AX]], #[[ID]]]
// CHECK-SAME: ins(%[[Q]], %[[S]], %[[Z]] :
// CHECK: ^bb0(%[[IN:.*]]: i8, %[[SC:.*]]: f32, %[[ZP:.*]]: i32, %{{.*}}: f32):
// CHECK:   %[[E:.*]] = arith.extui %[[IN]] : i8 to i32
// CHECK:   %[[SUB:.*]] = arith.subi %[[E]], %[[ZP]] : i32
// CHECK:   %[[F:.*]] = arith.sitofp %[[SUB]] : i32 to f32
// CHECK:   %[[M:.*]] = arith.mulf %[[F]], %[[SC]] : f32
// CHECK:   linalg.yield %[[M]] : f32
func.func @decode_per_axis_zp(%c: !mc.compressed<4x8xf32, #mc.uniform<ui8, axis = 1, zero_point>>) -> tensor<4x8xf32> {
  %d = mc.decode %c : !mc.compressed<4x8xf32, #mc.uniform<ui8, axis = 1, zero_point>> -> tensor<4x8xf32>
  return %d : tensor<4x8xf32>
}

// -----

// Per-block scales are indexed with floordiv; the bf16 expressed type
// computes in f32.
// CHECK-DAG: #[[BLK:.*]] = affine_map<(d0, d1) -> (d0, d1 floordiv 32)>
// CHECK-LABEL: func @decode_per_block
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[BLK]], #{{.*}}]
// CHECK: arith.extf %{{.*}} : bf16 to f32
// CHECK: arith.extsi %{{.*}} : i4 to i32
// CHECK: arith.mulf %{{.*}} : f32
// CHECK: arith.truncf %{{.*}} : f32 to bf16
func.func @decode_per_block(%q: tensor<2x64xi4>, %s: tensor<2x2xbf16>) -> tensor<2x64xbf16> {
  %c = mc.assemble %q, %s : (tensor<2x64xi4>, tensor<2x2xbf16>) -> !mc.compressed<2x64xbf16, #mc.uniform<i4, block = [1, 32]>>
  %d = mc.decode %c : !mc.compressed<2x64xbf16, #mc.uniform<i4, block = [1, 32]>> -> tensor<2x64xbf16>
  return %d : tensor<2x64xbf16>
}

// -----

// Float storage: saturate with NaN-propagating maximumf/minimumf, then
// truncf (round to nearest even).
// CHECK-LABEL: func @f16_encode
// CHECK: arith.divf
// CHECK: arith.maximumf %{{.*}}, %{{.*}} : f32
// CHECK: arith.minimumf %{{.*}}, %{{.*}} : f32
// CHECK: arith.truncf %{{.*}} : f32 to f16
// CHECK: linalg.generic
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: arith.mulf
func.func @f16_encode(%x: tensor<16xf32>, %s: tensor<f32>) -> tensor<16xf32> {
  %c = mc.encode %x, %s : (tensor<16xf32>, tensor<f32>) -> !mc.compressed<16xf32, #mc.float<f16, scaled>>
  %d = mc.decode %c : !mc.compressed<16xf32, #mc.float<f16, scaled>> -> tensor<16xf32>
  return %d : tensor<16xf32>
}

// -----

// 8-bit floats have no LLVM instructions: rounding works on the bits and
// decoding reads a 256-entry table, so any backend can run the result.
// CHECK-LABEL: func @f8_encode
// CHECK: arith.minimumf %{{.*}}, %{{.*}} : f32
// CHECK: arith.bitcast %{{.*}} : f32 to i32
// CHECK: math.roundeven
// CHECK: arith.trunci %{{.*}} : i32 to i8
// CHECK: arith.bitcast %{{.*}} : i8 to f8E4M3FN
// CHECK: linalg.generic
// CHECK: arith.constant dense<{{.*}}> : tensor<256xf32>
// CHECK: tensor.extract
// CHECK-NOT: arith.truncf
// CHECK-NOT: arith.extf
func.func @f8_encode(%x: tensor<16xf32>, %s: tensor<f32>) -> tensor<16xf32> {
  %c = mc.encode %x, %s : (tensor<16xf32>, tensor<f32>) -> !mc.compressed<16xf32, #mc.float<f8E4M3FN, scaled>>
  %d = mc.decode %c : !mc.compressed<16xf32, #mc.float<f8E4M3FN, scaled>> -> tensor<16xf32>
  return %d : tensor<16xf32>
}

// -----

// fake_quant is one generic: quantize then dequantize.
// CHECK-LABEL: func @fake_quant
// CHECK: linalg.generic
// CHECK: math.roundeven
// CHECK: arith.trunci %{{.*}} : i32 to i8
// CHECK: arith.extsi %{{.*}} : i8 to i32
// CHECK: arith.mulf
// CHECK-NOT: linalg.generic
// CHECK-NOT: mc.
func.func @fake_quant(%x: tensor<16xf32>, %s: tensor<f32>) -> tensor<16xf32> {
  %y = mc.fake_quant #mc.uniform<i8> %x, %s : (tensor<16xf32>, tensor<f32>) -> tensor<16xf32>
  return %y : tensor<16xf32>
}

// -----

// Compressed values crossing calls become their parts.
// CHECK-LABEL: func private @callee
// CHECK-SAME: (tensor<4xi8>, tensor<f32>) -> tensor<4xf32>
// CHECK-LABEL: func @caller
// CHECK-SAME: (%[[Q:.*]]: tensor<4xi8>, %[[S:.*]]: tensor<f32>)
// CHECK: call @callee(%[[Q]], %[[S]]) : (tensor<4xi8>, tensor<f32>) -> tensor<4xf32>
func.func private @callee(!mc.compressed<4xf32, #mc.uniform<i8>>) -> tensor<4xf32>
func.func @caller(%q: tensor<4xi8>, %s: tensor<f32>) -> tensor<4xf32> {
  %c = mc.assemble %q, %s : (tensor<4xi8>, tensor<f32>) -> !mc.compressed<4xf32, #mc.uniform<i8>>
  %d = call @callee(%c) : (!mc.compressed<4xf32, #mc.uniform<i8>>) -> tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

// N:M decode is a scatter over the dense tensor: each element reads the N
// (index, value) pairs of its group, (d0 floordiv 4) * 2 + j along the axis,
// and selects the value whose index equals its position d0 mod 4, else +0.
// The select chain runs from j = N-1 down to 0, so the first match wins.
// CHECK-DAG: #[[J0:.*]] = affine_map<(d0, d1) -> ((d0 floordiv 4) * 2, d1)>
// CHECK-DAG: #[[J1:.*]] = affine_map<(d0, d1) -> ((d0 floordiv 4) * 2 + 1, d1)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func @decode_nm
// CHECK-SAME: (%[[I:.*]]: tensor<4x3xi2>, %[[V:.*]]: tensor<4x3xf32>) -> tensor<8x3xf32>
// CHECK: %[[E:.*]] = tensor.empty() : tensor<8x3xf32>
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[J0]], #[[J0]], #[[J1]], #[[J1]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[I]], %[[V]], %[[I]], %[[V]] : tensor<4x3xi2>, tensor<4x3xf32>, tensor<4x3xi2>, tensor<4x3xf32>) outs(%[[E]] : tensor<8x3xf32>)
// CHECK: ^bb0(%[[I0:.*]]: i2, %[[V0:.*]]: f32, %[[I1:.*]]: i2, %[[V1:.*]]: f32, %{{.*}}: f32):
// CHECK:   %[[D:.*]] = linalg.index 0 : index
// CHECK:   %[[M:.*]] = arith.constant 4 : index
// CHECK:   %[[R:.*]] = arith.remui %[[D]], %[[M]] : index
// CHECK:   %[[P:.*]] = arith.index_castui %[[R]] : index to i32
// CHECK:   %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:   %[[X1:.*]] = arith.extui %[[I1]] : i2 to i32
// CHECK:   %[[C1:.*]] = arith.cmpi eq, %[[X1]], %[[P]] : i32
// CHECK:   %[[S1:.*]] = arith.select %[[C1]], %[[V1]], %[[Z]] : f32
// CHECK:   %[[X0:.*]] = arith.extui %[[I0]] : i2 to i32
// CHECK:   %[[C0:.*]] = arith.cmpi eq, %[[X0]], %[[P]] : i32
// CHECK:   %[[S0:.*]] = arith.select %[[C0]], %[[V0]], %[[S1]] : f32
// CHECK:   linalg.yield %[[S0]] : f32
// CHECK: return %[[G]] : tensor<8x3xf32>
func.func @decode_nm(%c: !mc.compressed<8x3xf32, #mc.nm<2:4, axis = 0>>) -> tensor<8x3xf32> {
  %d = mc.decode %c : !mc.compressed<8x3xf32, #mc.nm<2:4, axis = 0>> -> tensor<8x3xf32>
  return %d : tensor<8x3xf32>
}

// -----

// Integer kept values (the weight of an integer matmul) scatter the same
// way; the other elements are 0.
// CHECK-LABEL: func @decode_nm_i8
// CHECK-SAME: (%{{.*}}: tensor<4x3xi2>, %{{.*}}: tensor<4x3xi8>) -> tensor<8x3xi8>
// CHECK: linalg.generic
// CHECK: ^bb0(%{{.*}}: i2, %[[V0:.*]]: i8, %{{.*}}: i2, %[[V1:.*]]: i8, %{{.*}}: i8):
// CHECK:   %[[Z:.*]] = arith.constant 0 : i8
// CHECK:   %[[S1:.*]] = arith.select %{{.*}}, %[[V1]], %[[Z]] : i8
// CHECK:   %[[S0:.*]] = arith.select %{{.*}}, %[[V0]], %[[S1]] : i8
// CHECK:   linalg.yield %[[S0]] : i8
func.func @decode_nm_i8(%c: !mc.compressed<8x3xi8, #mc.nm<2:4, axis = 0>>) -> tensor<8x3xi8> {
  %d = mc.decode %c : !mc.compressed<8x3xi8, #mc.nm<2:4, axis = 0>> -> tensor<8x3xi8>
  return %d : tensor<8x3xi8>
}

// -----

// Nested: the kept values (4x8, int4 in blocks of 4 along axis 1) are
// decoded first, then scattered along axis 1 with groups of 8.
// CHECK-DAG: #[[BLK:.*]] = affine_map<(d0, d1) -> (d0, d1 floordiv 4)>
// CHECK-DAG: #[[K0:.*]] = affine_map<(d0, d1) -> (d0, (d1 floordiv 8) * 4)>
// CHECK-DAG: #[[K3:.*]] = affine_map<(d0, d1) -> (d0, (d1 floordiv 8) * 4 + 3)>
// CHECK-LABEL: func @decode_nm_nested
// CHECK-SAME: (%[[I:.*]]: tensor<4x8xi3>, %[[Q:.*]]: tensor<4x8xi4>, %[[S:.*]]: tensor<4x2xf32>) -> tensor<4x16xf32>
// CHECK: %[[V:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #[[BLK]], #{{.*}}]
// CHECK-SAME: ins(%[[Q]], %[[S]] : tensor<4x8xi4>, tensor<4x2xf32>)
// CHECK: arith.extsi %{{.*}} : i4 to i32
// CHECK: -> tensor<4x8xf32>
// CHECK: linalg.generic {indexing_maps = [#[[K0]], #[[K0]], #{{.*}}, #{{.*}}, #{{.*}}, #{{.*}}, #[[K3]], #[[K3]], #{{.*}}]
// CHECK-SAME: ins(%[[I]], %[[V]], %[[I]], %[[V]], %[[I]], %[[V]], %[[I]], %[[V]] :
// CHECK: linalg.index 1 : index
// CHECK: arith.constant 8 : index
// CHECK-COUNT-4: arith.select
// CHECK: -> tensor<4x16xf32>
func.func @decode_nm_nested(%c: !mc.compressed<4x16xf32, #mc.nm<4:8, axis = 1, values = #mc.uniform<i4, block = [1, 4]>>>) -> tensor<4x16xf32> {
  %d = mc.decode %c : !mc.compressed<4x16xf32, #mc.nm<4:8, axis = 1, values = #mc.uniform<i4, block = [1, 4]>>> -> tensor<4x16xf32>
  return %d : tensor<4x16xf32>
}

// -----

// Codebook decode is a gather: the indices drive a generic whose body
// extracts table[d0, d1 floordiv 4, index] from the table, captured from
// above; the i4 index is read as unsigned.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func @decode_codebook
// CHECK-SAME: (%[[Q:.*]]: tensor<4x8xi4>, %[[T:.*]]: tensor<4x2x16xf32>) -> tensor<4x8xf32>
// CHECK: %[[E:.*]] = tensor.empty() : tensor<4x8xf32>
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[Q]] : tensor<4x8xi4>) outs(%[[E]] : tensor<4x8xf32>)
// CHECK: ^bb0(%[[IN:.*]]: i4, %{{.*}}: f32):
// CHECK:   %[[D0:.*]] = linalg.index 0 : index
// CHECK:   %[[D1:.*]] = linalg.index 1 : index
// CHECK:   %[[B:.*]] = arith.divui %[[D1]], %{{.*}} : index
// CHECK:   %[[J:.*]] = arith.index_castui %[[IN]] : i4 to index
// CHECK:   %[[X:.*]] = tensor.extract %[[T]][%[[D0]], %[[B]], %[[J]]] : tensor<4x2x16xf32>
// CHECK:   linalg.yield %[[X]] : f32
// CHECK: return %[[G]] : tensor<4x8xf32>
func.func @decode_codebook(%c: !mc.compressed<4x8xf32, #mc.codebook<ui4, block = [1, 4]>>) -> tensor<4x8xf32> {
  %d = mc.decode %c : !mc.compressed<4x8xf32, #mc.codebook<ui4, block = [1, 4]>> -> tensor<4x8xf32>
  return %d : tensor<4x8xf32>
}

// -----

// Codebook encode reduces over the table entries (d2), keeping the smallest
// (key, index) pair: key |x - t| in f32 (bf16 widened), -t for x = +inf, t for
// x = -inf; a strictly smaller key or an equal key at a smaller index wins.
// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[T:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-LABEL: func @encode_codebook
// CHECK-SAME: (%[[IN:.*]]: tensor<4x8xbf16>, %[[TAB:.*]]: tensor<8x4xbf16>) -> (tensor<4x8xi2>, tensor<8x4xbf16>)
// CHECK: %[[INF:.*]] = arith.constant 0x7F800000 : f32
// CHECK: %[[K0:.*]] = linalg.fill ins(%[[INF]] : f32) outs(%{{.*}} : tensor<4x8xf32>)
// CHECK: %[[Z:.*]] = arith.constant 0 : i2
// CHECK: %[[I0:.*]] = linalg.fill ins(%[[Z]] : i2) outs(%{{.*}} : tensor<4x8xi2>)
// CHECK: %[[G:.*]]:2 = linalg.generic {indexing_maps = [#[[X]], #[[T]], #[[X]], #[[X]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[IN]], %[[TAB]] : tensor<4x8xbf16>, tensor<8x4xbf16>) outs(%[[K0]], %[[I0]] : tensor<4x8xf32>, tensor<4x8xi2>)
// CHECK: ^bb0(%[[XB:.*]]: bf16, %[[TB:.*]]: bf16, %[[BK:.*]]: f32, %[[BI:.*]]: i2):
// CHECK:   %[[XF:.*]] = arith.extf %[[XB]] : bf16 to f32
// CHECK:   %[[TF:.*]] = arith.extf %[[TB]] : bf16 to f32
// CHECK:   %[[SUB:.*]] = arith.subf %[[XF]], %[[TF]] : f32
// CHECK:   %[[DIST:.*]] = math.absf %[[SUB]] : f32
// CHECK:   %[[AX:.*]] = math.absf %[[XF]] : f32
// CHECK:   %[[ISINF:.*]] = arith.cmpf oeq, %[[AX]], %{{.*}} : f32
// CHECK:   %[[POS:.*]] = arith.cmpf ogt, %[[XF]], %{{.*}} : f32
// CHECK:   %[[NEG:.*]] = arith.negf %[[TF]] : f32
// CHECK:   %[[SAT:.*]] = arith.select %[[POS]], %[[NEG]], %[[TF]] : f32
// CHECK:   %[[KEY:.*]] = arith.select %[[ISINF]], %[[SAT]], %[[DIST]] : f32
// CHECK:   %[[D2:.*]] = linalg.index 2 : index
// CHECK:   %[[J:.*]] = arith.index_castui %[[D2]] : index to i2
// CHECK:   %[[LT:.*]] = arith.cmpf olt, %[[KEY]], %[[BK]] : f32
// CHECK:   %[[EQ:.*]] = arith.cmpf oeq, %[[KEY]], %[[BK]] : f32
// CHECK:   %[[FIRST:.*]] = arith.cmpi ult, %[[J]], %[[BI]] : i2
// CHECK:   %[[TIE:.*]] = arith.andi %[[EQ]], %[[FIRST]] : i1
// CHECK:   %[[TAKE:.*]] = arith.ori %[[LT]], %[[TIE]] : i1
// CHECK:   %[[NK:.*]] = arith.select %[[TAKE]], %[[KEY]], %[[BK]] : f32
// CHECK:   %[[NI:.*]] = arith.select %[[TAKE]], %[[J]], %[[BI]] : i2
// CHECK:   linalg.yield %[[NK]], %[[NI]] : f32, i2
// CHECK: return %[[G]]#1, %[[TAB]] : tensor<4x8xi2>, tensor<8x4xbf16>
func.func @encode_codebook(%x: tensor<4x8xbf16>, %t: tensor<8x4xbf16>) -> !mc.compressed<4x8xbf16, #mc.codebook<ui2, axis = 1>> {
  %c = mc.encode %x, %t : (tensor<4x8xbf16>, tensor<8x4xbf16>) -> !mc.compressed<4x8xbf16, #mc.codebook<ui2, axis = 1>>
  return %c : !mc.compressed<4x8xbf16, #mc.codebook<ui2, axis = 1>>
}

// -----

// fake_quant with a codebook: the encode generic, then the gather.
// CHECK-LABEL: func @fake_quant_codebook
// CHECK: %[[G:.*]]:2 = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK: linalg.generic {{.*}} ins(%[[G]]#1 : tensor<8xi1>)
// CHECK: tensor.extract %{{.*}}[%{{.*}}] : tensor<2xf32>
func.func @fake_quant_codebook(%x: tensor<8xf32>, %t: tensor<2xf32>) -> tensor<8xf32> {
  %y = mc.fake_quant #mc.codebook<ui1> %x, %t : (tensor<8xf32>, tensor<2xf32>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

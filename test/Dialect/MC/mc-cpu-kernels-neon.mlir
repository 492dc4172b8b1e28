// RUN: mc-opt %s --split-input-file --mc-cpu-kernels="isa=neon-dotprod" --canonicalize --cse | FileCheck %s --check-prefix=SDOT
// RUN: mc-opt %s --split-input-file --mc-cpu-kernels="isa=neon-i8mm" --canonicalize --cse | FileCheck %s --check-prefix=SMMLA
// RUN: mc-opt %s --split-input-file --mc-cpu-kernels="isa=neon-i8mm tile-m=3" --canonicalize --cse | FileCheck %s --check-prefix=ODD
// RUN: mc-opt %s --split-input-file --mc-cpu-kernels="isa=neon" --canonicalize --cse | FileCheck %s --check-prefix=NEON

// B[k][n] = k + 22 n (mod 256), so the packed bytes show the layout.
//
// sdot: groups of 3 vectors x 4 columns (12), 4 consecutive k per column:
// column 0 k 0..3, column 1 (22..25), column 2 (44..47), ...; K = 22 is 6
// steps (the last zero-padded). 28 columns: 2 parallel groups and a tail
// of 4. Rows in tiles of 8 (11 = 8 + 3); 4 bytes of A broadcast to every
// lane; 8 x 3 sdot per step.
// SDOT-LABEL: func.func @gemm
// SDOT: %[[B:.*]] = arith.constant dense<"0x00010203161718192C2D2E2F{{.*}}"> : tensor<3x6x48xi8>
// SDOT: scf.forall (%[[G:.*]]) in (2)
// SDOT: tensor.extract_slice %{{.*}}[0, %{{.*}}] [11, 12] [1, 1]
// SDOT: scf.for %{{.*}} = %c0 to %c5 step %c1
// SDOT:   vector.transfer_read %[[B]][%[[G]], %{{.*}}, %c0]{{.*}}in_bounds = [true]{{.*}} : tensor<3x6x48xi8>, vector<16xi8>
// SDOT:   vector.transfer_read %{{.*}} : tensor<11x22xi8>, vector<4xi8>
// SDOT:   vector.bitcast %{{.*}} : vector<4xi8> to vector<1xi32>
// SDOT:   vector.broadcast %{{.*}} : i32 to vector<4xi32>
// SDOT-COUNT-24: arm_neon.intr.sdot
// SDOT: scf.yield
// SDOT: vector.transfer_read %{{.*}}[%c0, %c20], %c0_i8 : tensor<11x22xi8>, vector<4xi8>
// SDOT: vector.transfer_write %{{.*}} {in_bounds = [true]} : vector<4xi32>, tensor<11x12xi32>
// SDOT: tensor.parallel_insert_slice
// SDOT: tensor.extract_slice %{{.*}}[0, 24] [11, 4] [1, 1]
// SDOT-NOT: smmla
// SDOT-NOT: linalg.matmul
//
// smmla: groups of 2 vectors x 4 columns (8); each pair of columns holds 8
// consecutive k per column: column 0 k 0..7, column 1 (22..29), then
// columns 2 and 3 (44..51, 66..73); K = 22 is 3 steps of 8. 28 columns: 3
// parallel groups and a tail of 4. Rows in pairs, 8 a tile (11 = 8 + 2 +
// a half pair whose second row repeats the first): two rows' 8 bytes make
// one operand; 4 pairs x 4 blocks of 2 x 2 per step. Rows come out of the
// blocks by unzipping their halves.
// SMMLA-LABEL: func.func @gemm
// SMMLA: %[[B:.*]] = arith.constant dense<"0x0001020304050607161718191A1B1C1D2C2D2E2F3031323342434445464748495{{.*}}"> : tensor<4x3x64xi8>
// SMMLA: scf.forall (%[[G:.*]]) in (3)
// SMMLA: tensor.extract_slice %{{.*}}[0, %{{.*}}] [11, 8] [1, 1]
// SMMLA: scf.for %[[K8:.*]] = %c0 to %c2 step %c1
// SMMLA:   %[[W0:.*]] = vector.transfer_read %[[B]][%[[G]], %[[K8]], %c0]{{.*}}in_bounds = [true]{{.*}} : tensor<4x3x64xi8>, vector<16xi8>
// SMMLA:   %[[W1:.*]] = vector.transfer_read %[[B]][%[[G]], %[[K8]], %c16]
// SMMLA:   %[[W2:.*]] = vector.transfer_read %[[B]][%[[G]], %[[K8]], %c32]
// SMMLA:   %[[W3:.*]] = vector.transfer_read %[[B]][%[[G]], %[[K8]], %c48]
// SMMLA:   %[[COL:.*]] = arith.muli %[[K8]], %c8
// SMMLA:   %[[R0:.*]] = vector.transfer_read %{{.*}}[%c0, %[[COL]]]{{.*}}in_bounds = [true]{{.*}} : tensor<11x22xi8>, vector<8xi8>
// SMMLA:   %[[R1:.*]] = vector.transfer_read %{{.*}}[%c1, %[[COL]]]
// SMMLA:   %[[A:.*]] = vector.shuffle %[[R0]], %[[R1]] [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] : vector<8xi8>, vector<8xi8>
// SMMLA:   arm_neon.intr.smmla %{{.*}}, %[[A]], %[[W0]] : vector<16xi8> to vector<4xi32>
// SMMLA:   arm_neon.intr.smmla %{{.*}}, %[[A]], %[[W1]]
// SMMLA:   arm_neon.intr.smmla %{{.*}}, %[[A]], %[[W2]]
// SMMLA:   arm_neon.intr.smmla %{{.*}}, %[[A]], %[[W3]]
// SMMLA-COUNT-12: arm_neon.intr.smmla
// SMMLA: scf.yield
// SMMLA: vector.transfer_read %{{.*}}[%c0, %c16], %c0_i8 : tensor<11x22xi8>, vector<8xi8>
// SMMLA: %[[M0:.*]] = arm_neon.intr.smmla %{{.*}}#0
// SMMLA: %[[M1:.*]] = arm_neon.intr.smmla %{{.*}}#1
// SMMLA: %[[ROW0:.*]] = vector.shuffle %[[M0]], %[[M1]] [0, 1, 4, 5] : vector<4xi32>, vector<4xi32>
// SMMLA: vector.transfer_write %[[ROW0]], %{{.*}}[%c0, %c0] {in_bounds = [true]} : vector<4xi32>, tensor<11x8xi32>
// SMMLA: %[[ROW1:.*]] = vector.shuffle %[[M0]], %[[M1]] [2, 3, 6, 7] : vector<4xi32>, vector<4xi32>
// SMMLA: vector.transfer_write %[[ROW1]], %{{.*}}[%c1, %c0]
// SMMLA: %[[R10:.*]] = vector.transfer_read %{{.*}}[%c10, %{{.*}}]{{.*}} : tensor<11x22xi8>, vector<8xi8>
// SMMLA: vector.shuffle %[[R10]], %[[R10]] [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
// SMMLA: tensor.parallel_insert_slice
// SMMLA: tensor.extract_slice %{{.*}}[0, 24] [11, 4] [1, 1]
// SMMLA-NOT: sdot
// SMMLA-NOT: linalg.matmul
func.func @gemm(%a: tensor<11x22xi8>) -> tensor<11x28xi32> {
  %b = arith.constant dense<"0x00162C42586E849AB0C6DCF2081E344A60768CA2B8CEE4FA10263C5201172D43596F859BB1C7DDF3091F354B61778DA3B9CFE5FB11273D5302182E445A70869CB2C8DEF40A20364C62788EA4BAD0E6FC12283E5403192F455B71879DB3C9DFF50B21374D63798FA5BBD1E7FD13293F55041A30465C72889EB4CAE0F60C22384E647A90A6BCD2E8FE142A4056051B31475D73899FB5CBE1F70D23394F657B91A7BDD3E9FF152B4157061C32485E748AA0B6CCE2F80E243A50667C92A8BED4EA00162C4258071D33495F758BA1B7CDE3F90F253B51677D93A9BFD5EB01172D4359081E344A60768CA2B8CEE4FA10263C52687E94AAC0D6EC02182E445A091F354B61778DA3B9CFE5FB11273D53697F95ABC1D7ED03192F455B0A20364C62788EA4BAD0E6FC12283E546A8096ACC2D8EE041A30465C0B21374D63798FA5BBD1E7FD13293F556B8197ADC3D9EF051B31475D0C22384E647A90A6BCD2E8FE142A40566C8298AEC4DAF0061C32485E0D23394F657B91A7BDD3E9FF152B41576D8399AFC5DBF1071D33495F0E243A50667C92A8BED4EA00162C42586E849AB0C6DCF2081E344A600F253B51677D93A9BFD5EB01172D43596F859BB1C7DDF3091F354B6110263C52687E94AAC0D6EC02182E445A70869CB2C8DEF40A20364C6211273D53697F95ABC1D7ED03192F455B71879DB3C9DFF50B21374D6312283E546A8096ACC2D8EE041A30465C72889EB4CAE0F60C22384E6413293F556B8197ADC3D9EF051B31475D73899FB5CBE1F70D23394F65142A40566C8298AEC4DAF0061C32485E748AA0B6CCE2F80E243A5066152B41576D8399AFC5DBF1071D33495F758BA1B7CDE3F90F253B5167"> : tensor<22x28xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<11x28xi32>
  %c = linalg.fill ins(%z : i32) outs(%e : tensor<11x28xi32>) -> tensor<11x28xi32>
  %r = linalg.matmul ins(%a, %b : tensor<11x22xi8>, tensor<22x28xi8>) outs(%c : tensor<11x28xi32>) -> tensor<11x28xi32>
  return %r : tensor<11x28xi32>
}

// -----

// An odd tile-m: each tile of 3 rows is a pair and a half pair, whose
// second row repeats the first and is never stored.
// ODD-LABEL: func.func @odd_tile
// ODD: scf.for %[[ROW:.*]] = %c0 to %c6 step %c3
// ODD:   %[[A0:.*]] = vector.transfer_read %{{.*}}[%[[ROW]], %c0]
// ODD:   %[[A1:.*]] = vector.transfer_read %{{.*}}[%[[R1:.*]], %c0]
// ODD:   vector.shuffle %[[A0]], %[[A1]]
// ODD-COUNT-2: arm_neon.intr.smmla
// ODD:   %[[A2:.*]] = vector.transfer_read %{{.*}}[%[[R2:.*]], %c0]
// ODD:   vector.shuffle %[[A2]], %[[A2]]
// ODD-COUNT-2: arm_neon.intr.smmla
// ODD:   vector.transfer_write %{{.*}}[%[[ROW]], %c0]
// ODD:   vector.transfer_write %{{.*}}[%[[R1]], %c0]
// ODD:   vector.transfer_write %{{.*}}[%[[R2]], %c0]
// ODD-NOT: vector.transfer_write
// ODD:   scf.yield
func.func @odd_tile(%a: tensor<6x8xi8>) -> tensor<6x4xi32> {
  %b = arith.constant dense<1> : tensor<8x4xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<6x4xi32>
  %c = linalg.fill ins(%z : i32) outs(%e : tensor<6x4xi32>) -> tensor<6x4xi32>
  %r = linalg.matmul ins(%a, %b : tensor<6x8xi8>, tensor<8x4xi8>) outs(%c : tensor<6x4xi32>) -> tensor<6x4xi32>
  return %r : tensor<6x4xi32>
}

// -----

// An accumulator that is not a constant fill: the blocks start at zero and
// C's initial rows are added after the unzip. 3 rows: one pair and a half.
// SMMLA-LABEL: func.func @init
// SMMLA: %[[Z:.*]] = arith.constant dense<0> : vector<4xi32>
// SMMLA: arith.constant dense<{{.*}}> : tensor<1x1x64xi8>
// SMMLA: %[[B0:.*]] = arm_neon.intr.smmla %[[Z]]
// SMMLA: %[[B1:.*]] = arm_neon.intr.smmla %[[Z]]
// SMMLA: %[[H0:.*]] = vector.shuffle %[[B0]], %[[B1]] [0, 1, 4, 5]
// SMMLA: %[[C0:.*]] = vector.transfer_read %arg1[%c0, %c0]
// SMMLA: %[[S0:.*]] = arith.addi %[[H0]], %[[C0]] : vector<4xi32>
// SMMLA: vector.transfer_write %[[S0]], %arg1[%c0, %c0]
// SMMLA: vector.shuffle %[[B0]], %[[B1]] [2, 3, 6, 7]
// SMMLA: vector.transfer_write %{{.*}}[%c2, %c0]
// SMMLA-NOT: vector.transfer_write
// SDOT-LABEL: func.func @init
// SDOT: %[[C:.*]] = vector.transfer_read %arg1[%c0, %c0]
// SDOT: scf.for {{.*}} iter_args(%{{.*}} = %[[C]]
func.func @init(%a: tensor<3x8xi8>, %c: tensor<3x4xi32>) -> tensor<3x4xi32> {
  %b = arith.constant dense<1> : tensor<8x4xi8>
  %r = linalg.matmul ins(%a, %b : tensor<3x8xi8>, tensor<8x4xi8>) outs(%c : tensor<3x4xi32>) -> tensor<3x4xi32>
  return %r : tensor<3x4xi32>
}

// -----

// Codebook on AArch64 (every NEON isa): groups of 2 columns (6 columns:
// 3 parallel groups), one accumulator per column and row (a 16-lane vector
// is 4 of NEON's q registers). Indices are bytes, 2 nibbles each: K = 300
// is 9 blocks of 32 k and a tail (0x55). Each table is 4 planes of 16
// bytes (byte p of every entry; 1.5 = 0x3FC00000: planes 00, 00, C0, 3F).
// The look-up of 16 weights is 4 mc.table_lookup (tbl1) of the masked
// byte indices, one per plane, and two levels of vector.interleave (zip).
// SDOT-LABEL: func.func @codebook
// SDOT-DAG: %[[TAB:.*]] = arith.constant dense<"0x0000000000000000000000000000000000000000000000000000000000000000C0C0C0C0C0C0C0C0C0C0C0C0C0C0C0C03F3F3F3F3F3F3F3F3F3F3F3F3F3F3F3F{{.*}}"> : tensor<384xi8>
// SDOT-DAG: %[[IDX:.*]] = arith.constant dense<"0x5555{{.*}}"> : tensor<960xi8>
// SDOT-DAG: %[[MASK:.*]] = arith.constant dense<15> : vector<16xi8>
// SDOT: scf.forall (%{{.*}}) in (3)
// SDOT:   tensor.extract_slice %{{.*}}[0, %{{.*}}] [2, 2] [1, 1]
// SDOT:   %[[T0:.*]] = vector.transfer_read %[[TAB]]{{.*}} : tensor<384xi8>, vector<64xi8>
// SDOT: scf.for %{{.*}} = %c0 to %c9 step %c1 iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// SDOT:   %[[W:.*]] = vector.transfer_read %[[IDX]]{{.*}} : tensor<960xi8>, vector<16xi8>
// SDOT:   %[[Q:.*]] = arith.andi %[[W]], %[[MASK]] : vector<16xi8>
// SDOT:   %[[P0:.*]] = vector.extract_strided_slice %[[T0]] {offsets = [0], sizes = [16], strides = [1]}
// SDOT:   %[[B0:.*]] = mc.table_lookup %[[P0]], %[[Q]] : vector<16xi8>, vector<16xi8>
// SDOT:   %[[B1:.*]] = mc.table_lookup %{{.*}}, %[[Q]] : vector<16xi8>, vector<16xi8>
// SDOT:   %[[B2:.*]] = mc.table_lookup %{{.*}}, %[[Q]] : vector<16xi8>, vector<16xi8>
// SDOT:   %[[B3:.*]] = mc.table_lookup %{{.*}}, %[[Q]] : vector<16xi8>, vector<16xi8>
// SDOT:   %[[L:.*]] = vector.interleave %[[B0]], %[[B1]] : vector<16xi8> -> vector<32xi8>
// SDOT:   %[[L16:.*]] = vector.bitcast %[[L]] : vector<32xi8> to vector<16xi16>
// SDOT:   %[[H:.*]] = vector.interleave %[[B2]], %[[B3]] : vector<16xi8> -> vector<32xi8>
// SDOT:   %[[H16:.*]] = vector.bitcast %[[H]] : vector<32xi8> to vector<16xi16>
// SDOT:   %[[E:.*]] = vector.interleave %[[L16]], %[[H16]] : vector<16xi16> -> vector<32xi16>
// SDOT:   %[[F:.*]] = vector.bitcast %[[E]] : vector<32xi16> to vector<16xf32>
// SDOT:   vector.fma %[[F]], %{{.*}}, %{{.*}} : vector<16xf32>
// SDOT:   vector.fma %[[F]], %{{.*}}, %{{.*}} : vector<16xf32>
// SDOT-COUNT-4: mc.table_lookup
// SDOT-NOT: mc.table_lookup
// SDOT:   arith.shrui %{{.*}}, %{{.*}} : vector<16xi8>
// SDOT-NOT: vector.from_elements {{.*}} : vector<16xf32>
// SDOT: return
// SMMLA-LABEL: func.func @codebook
// SMMLA: mc.table_lookup %{{.*}}, %{{.*}} : vector<16xi8>, vector<16xi8>
// SMMLA-NOT: vector.from_elements {{.*}} : vector<16xf32>
// NEON-LABEL: func.func @codebook
// NEON: mc.table_lookup %{{.*}}, %{{.*}} : vector<16xi8>, vector<16xi8>
// NEON-NOT: vector.from_elements {{.*}} : vector<16xf32>
func.func @codebook(%x: tensor<2x300xf32>) -> tensor<2x6xf32> {
  %q = arith.constant dense<5> : tensor<300x6xi4>
  %t = arith.constant dense<1.5> : tensor<6x16xf32>
  %a = mc.assemble %q, %t : (tensor<300x6xi4>, tensor<6x16xf32>) -> !mc.compressed<300x6xf32, #mc.codebook<ui4, axis = 1>>
  %w = mc.decode %a : !mc.compressed<300x6xf32, #mc.codebook<ui4, axis = 1>> -> tensor<300x6xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x6xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<2x6xf32>) -> tensor<2x6xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x300xf32>, tensor<300x6xf32>) outs(%i : tensor<2x6xf32>) -> tensor<2x6xf32>
  return %y : tensor<2x6xf32>
}

// RUN: mc-opt %s --mc-lower-dot4=isa=avx512-vnni | FileCheck %s --check-prefix=VNNI
// RUN: mc-opt %s --mc-lower-dot4=isa=avx-vnni | FileCheck %s --check-prefix=AVXVNNI
// RUN: mc-opt %s --mc-lower-dot4=isa=avx2 | FileCheck %s --check-prefix=AVX2
// RUN: mc-opt %s --mc-lower-dot4 | FileCheck %s --check-prefix=PLAIN
// RUN: mc-opt %s --mc-lower-dot4=isa=neon | FileCheck %s --check-prefix=NEON
// RUN: mc-opt %s --mc-lower-dot4=isa=generic | FileCheck %s --check-prefix=PLAIN
// RUN: not mc-opt %s --mc-lower-dot4=isa=neon-dotprod 2>&1 | FileCheck %s --check-prefix=BADISA
// BADISA: mc-lower-dot4: unknown isa 'neon-dotprod' (expected generic, avx2, avx-vnni, avx512-vnni or neon)

// With VNNI, u8 x s8 becomes vpdpbusd of the vector's width; s8 x s8 has
// no such instruction and goes through i16 pairs as on AVX2.
// VNNI-LABEL: func.func @dot4
// VNNI: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%arg0, %arg1, %arg2) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
// VNNI: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.128"
// VNNI: %[[L:.*]] = arith.extsi %arg4 : vector<16xi8> to vector<16xi16>
// VNNI: %[[R:.*]] = arith.extsi %arg5 : vector<16xi8> to vector<16xi16>
// VNNI: %[[P:.*]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%[[L]], %[[R]])
// VNNI: %[[E:.*]] = vector.shuffle %[[P]], %[[P]] [0, 2, 4, 6] : vector<8xi32>, vector<8xi32>
// VNNI: %[[S:.*]] = arith.addi %arg3, %[[E]] : vector<4xi32>
// VNNI: %[[O:.*]] = vector.shuffle %[[P]], %[[P]] [1, 3, 5, 7]
// VNNI: arith.addi %[[S]], %[[O]] : vector<4xi32>

// AVX-VNNI has 256 bits: a 512-bit dot4 is two vpdpbusd.256 of its halves.
// AVXVNNI-LABEL: func.func @dot4
// AVXVNNI: %[[A0:.*]] = vector.extract_strided_slice %arg0 {offsets = [0], sizes = [8], strides = [1]} : vector<16xi32> to vector<8xi32>
// AVXVNNI: %[[L0:.*]] = vector.extract_strided_slice %arg1 {offsets = [0], sizes = [32], strides = [1]} : vector<64xi8> to vector<32xi8>
// AVXVNNI: %[[R0:.*]] = vector.extract_strided_slice %arg2 {offsets = [0], sizes = [32], strides = [1]}
// AVXVNNI: %[[D0:.*]] = llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.256"(%[[A0]], %[[L0]], %[[R0]]) : (vector<8xi32>, vector<32xi8>, vector<32xi8>) -> vector<8xi32>
// AVXVNNI: %[[S0:.*]] = vector.insert_strided_slice %[[D0]], %{{.*}} {offsets = [0], strides = [1]} : vector<8xi32> into vector<16xi32>
// AVXVNNI: vector.extract_strided_slice %arg0 {offsets = [8], sizes = [8], strides = [1]}
// AVXVNNI: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.256"
// AVXVNNI: vector.insert_strided_slice %{{.*}}, %[[S0]] {offsets = [8], strides = [1]}
// AVXVNNI: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.128"
// AVXVNNI: arith.extsi %arg4 : vector<16xi8> to vector<16xi16>
// AVXVNNI: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"

// AVX2 has no vpdpbusd: every dot4 goes through i16 pairs (vpmaddwd, in
// pieces of 256 bits) and a sum of each lane's two pairs.
// AVX2-LABEL: func.func @dot4
// AVX2: %[[L:.*]] = arith.extui %arg1 : vector<64xi8> to vector<64xi16>
// AVX2: %[[R:.*]] = arith.extsi %arg2 : vector<64xi8> to vector<64xi16>
// AVX2: %[[L0:.*]] = vector.extract_strided_slice %[[L]] {offsets = [0], sizes = [16], strides = [1]}
// AVX2: %[[R0:.*]] = vector.extract_strided_slice %[[R]] {offsets = [0], sizes = [16], strides = [1]}
// AVX2: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%[[L0]], %[[R0]]) : (vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// AVX2-COUNT-3: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// AVX2: %[[P:.*]] = vector.insert_strided_slice %{{.*}} {offsets = [24], strides = [1]} : vector<8xi32> into vector<32xi32>
// AVX2: %[[E:.*]] = vector.shuffle %[[P]], %[[P]] [0, 2, 4, {{.*}}, 30] : vector<32xi32>, vector<32xi32>
// AVX2: %[[S:.*]] = arith.addi %arg0, %[[E]] : vector<16xi32>
// AVX2: %[[O:.*]] = vector.shuffle %[[P]], %[[P]] [1, 3, 5, {{.*}}, 31]
// AVX2: arith.addi %[[S]], %[[O]] : vector<16xi32>
// AVX2: arith.extui %arg4 : vector<16xi8> to vector<16xi16>
// AVX2: arith.extsi %arg4 : vector<16xi8> to vector<16xi16>
// AVX2-LABEL: func.func @dot2

// Generic: extend (zero-extend the unsigned side), multiply, and add the
// lanes t, t + 4, t + 8, ... of the products for t = 0..3.
// PLAIN-LABEL: func.func @dot4
// PLAIN-NOT: llvm.call_intrinsic
// PLAIN: %[[L:.*]] = arith.extui %arg1 : vector<64xi8> to vector<64xi32>
// PLAIN: %[[R:.*]] = arith.extsi %arg2 : vector<64xi8> to vector<64xi32>
// PLAIN: %[[P:.*]] = arith.muli %[[L]], %[[R]] : vector<64xi32>
// PLAIN: %[[P0:.*]] = vector.shuffle %[[P]], %[[P]] [0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60]
// PLAIN: %[[S0:.*]] = arith.addi %arg0, %[[P0]] : vector<16xi32>
// PLAIN: %[[P1:.*]] = vector.shuffle %[[P]], %[[P]] [1, 5, 9,
// PLAIN: %[[S1:.*]] = arith.addi %[[S0]], %[[P1]]
// PLAIN: vector.shuffle %[[P]], %[[P]] [2, 6,
// PLAIN: vector.shuffle %[[P]], %[[P]] [3, 7,
// PLAIN: arith.extsi %{{.*}} : vector<16xi8> to vector<16xi32>
// PLAIN: arith.extsi %{{.*}} : vector<16xi8> to vector<16xi32>
func.func @dot4(%acc: vector<16xi32>, %a: vector<64xi8>, %b: vector<64xi8>,
                %acc4: vector<4xi32>, %c: vector<16xi8>, %d: vector<16xi8>)
    -> (vector<16xi32>, vector<4xi32>, vector<4xi32>) {
  %0 = mc.dot4 %acc, %a, %b {lhs_unsigned} : vector<64xi8> into vector<16xi32>
  %1 = mc.dot4 %acc4, %c, %d {lhs_unsigned} : vector<16xi8> into vector<4xi32>
  %2 = mc.dot4 %acc4, %c, %d : vector<16xi8> into vector<4xi32>
  return %0, %1, %2 : vector<16xi32>, vector<4xi32>, vector<4xi32>
}

// mc.dot2: vpmaddwd of the ISA's width (split above it) and an add; plain
// without AVX2.
// VNNI-LABEL: func.func @dot2
// VNNI: %[[P:.*]] = llvm.call_intrinsic "llvm.x86.avx512.pmaddw.d.512"(%arg1, %arg2) : (vector<32xi16>, vector<32xi16>) -> vector<16xi32>
// VNNI: arith.addi %arg0, %[[P]] : vector<16xi32>
// VNNI: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%{{.*}}) : (vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// VNNI: llvm.call_intrinsic "llvm.x86.sse2.pmadd.wd"(%{{.*}}) : (vector<8xi16>, vector<8xi16>) -> vector<4xi32>
// AVX2: %[[H0:.*]] = vector.extract_strided_slice %arg1 {offsets = [0], sizes = [16], strides = [1]} : vector<32xi16> to vector<16xi16>
// AVX2: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%[[H0]], %{{.*}}) : (vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// AVX2: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// AVX2: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// AVX2: llvm.call_intrinsic "llvm.x86.sse2.pmadd.wd"
// PLAIN-LABEL: func.func @dot2
// PLAIN-NOT: llvm.call_intrinsic
// PLAIN: %[[L:.*]] = arith.extsi %arg1 : vector<32xi16> to vector<32xi32>
// PLAIN: %[[R:.*]] = arith.extsi %arg2 : vector<32xi16> to vector<32xi32>
// PLAIN: %[[P:.*]] = arith.muli %[[L]], %[[R]] : vector<32xi32>
// PLAIN: %[[E:.*]] = vector.shuffle %[[P]], %[[P]] [0, 2, 4,
// PLAIN: %[[S:.*]] = arith.addi %arg0, %[[E]] : vector<16xi32>
// PLAIN: %[[O:.*]] = vector.shuffle %[[P]], %[[P]] [1, 3, 5,
// PLAIN: arith.addi %[[S]], %[[O]] : vector<16xi32>
func.func @dot2(%acc: vector<16xi32>, %a: vector<32xi16>, %b: vector<32xi16>,
                %acc8: vector<8xi32>, %c: vector<16xi16>,
                %acc4: vector<4xi32>, %d: vector<8xi16>)
    -> (vector<16xi32>, vector<8xi32>, vector<4xi32>) {
  %0 = mc.dot2 %acc, %a, %b : vector<32xi16> into vector<16xi32>
  %1 = mc.dot2 %acc8, %c, %c : vector<16xi16> into vector<8xi32>
  %2 = mc.dot2 %acc4, %d, %d : vector<8xi16> into vector<4xi32>
  return %0, %1, %2 : vector<16xi32>, vector<8xi32>, vector<4xi32>
}

// mc.byte_shuffle: pshufb of the vector's width with VNNI (AVX-512); else
// the low four bits of each index select byte p of its 16-byte lane (one
// static shuffle, compare and select per p), and a negative index gives 0.
// VNNI-LABEL: func.func @byte_shuffle
// VNNI: llvm.call_intrinsic "llvm.x86.avx512.pshuf.b.512"(%arg0, %arg1) : (vector<64xi8>, vector<64xi8>) -> vector<64xi8>
// VNNI: llvm.call_intrinsic "llvm.x86.avx2.pshuf.b"
// VNNI: llvm.call_intrinsic "llvm.x86.ssse3.pshuf.b.128"
// Without AVX512-BW, 64 bytes are two 32-byte pshufb (each 16-byte lane is
// shuffled on its own, so the halves are independent).
// AVX2-LABEL: func.func @byte_shuffle
// AVX2: %[[T0:.*]] = vector.extract_strided_slice %arg0 {offsets = [0], sizes = [32], strides = [1]} : vector<64xi8> to vector<32xi8>
// AVX2: %[[I0:.*]] = vector.extract_strided_slice %arg1 {offsets = [0], sizes = [32], strides = [1]} : vector<64xi8> to vector<32xi8>
// AVX2: llvm.call_intrinsic "llvm.x86.avx2.pshuf.b"(%[[T0]], %[[I0]])
// AVX2: vector.extract_strided_slice %arg0 {offsets = [32], sizes = [32], strides = [1]}
// AVX2: llvm.call_intrinsic "llvm.x86.avx2.pshuf.b"
// AVX2: llvm.call_intrinsic "llvm.x86.avx2.pshuf.b"
// AVX2: llvm.call_intrinsic "llvm.x86.ssse3.pshuf.b.128"
// PLAIN-LABEL: func.func @byte_shuffle
// PLAIN-NOT: llvm.call_intrinsic
// PLAIN: %[[LOW:.*]] = arith.andi %arg1, %{{.*}} : vector<64xi8>
// PLAIN: %[[P0:.*]] = vector.shuffle %arg0, %arg0 [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16, 16,
// PLAIN: %[[H0:.*]] = arith.cmpi eq, %[[LOW]], %{{.*}} : vector<64xi8>
// PLAIN: %[[S0:.*]] = arith.select %[[H0]], %[[P0]], %{{.*}} : vector<64xi1>, vector<64xi8>
// PLAIN: vector.shuffle %arg0, %arg0 [1, 1,
// PLAIN-COUNT-14: vector.shuffle %arg0, %arg0
// PLAIN: %[[NEG:.*]] = arith.cmpi slt, %arg1, %{{.*}} : vector<64xi8>
// PLAIN: arith.select %[[NEG]], %{{.*}}, %{{.*}} : vector<64xi1>, vector<64xi8>
// With neon: tbl1 per 16-byte lane on the indices with the sign bit and
// the low four bits kept (& 0x8F = -113), so a negative index is >= 128
// and gives 0.
// NEON-LABEL: func.func @byte_shuffle
// NEON: %[[MASK:.*]] = arith.constant dense<-113> : vector<64xi8>
// NEON: %[[I:.*]] = arith.andi %arg1, %[[MASK]] : vector<64xi8>
// NEON: %[[T0:.*]] = vector.extract_strided_slice %arg0 {offsets = [0], sizes = [16], strides = [1]} : vector<64xi8> to vector<16xi8>
// NEON: %[[I0:.*]] = vector.extract_strided_slice %[[I]] {offsets = [0], sizes = [16], strides = [1]} : vector<64xi8> to vector<16xi8>
// NEON: %[[R0:.*]] = llvm.call_intrinsic "llvm.aarch64.neon.tbl1.v16i8"(%[[T0]], %[[I0]]) : (vector<16xi8>, vector<16xi8>) -> vector<16xi8>
// NEON: vector.insert_strided_slice %[[R0]], %{{.*}} {offsets = [0], strides = [1]} : vector<16xi8> into vector<64xi8>
// NEON: vector.extract_strided_slice %arg0 {offsets = [16], sizes = [16]
// NEON-COUNT-3: llvm.call_intrinsic "llvm.aarch64.neon.tbl1.v16i8"
// NEON-COUNT-2: llvm.call_intrinsic "llvm.aarch64.neon.tbl1.v16i8"
// NEON: %[[M16:.*]] = arith.andi %arg3, %{{.*}} : vector<16xi8>
// NEON: llvm.call_intrinsic "llvm.aarch64.neon.tbl1.v16i8"(%arg3, %[[M16]])
// NEON-NOT: llvm.call_intrinsic
// NEON: return
func.func @byte_shuffle(%t: vector<64xi8>, %i: vector<64xi8>, %u: vector<32xi8>,
                        %v: vector<16xi8>)
    -> (vector<64xi8>, vector<32xi8>, vector<16xi8>) {
  %0 = mc.byte_shuffle %t, %i : vector<64xi8>
  %1 = mc.byte_shuffle %u, %u : vector<32xi8>
  %2 = mc.byte_shuffle %v, %v : vector<16xi8>
  return %0, %1, %2 : vector<64xi8>, vector<32xi8>, vector<16xi8>
}

// mc.table_lookup with neon: the table in 16-byte registers, one tbl1..4
// per 16 indices (tbl*.v8i8 for a last 8). Without: an extract per byte at
// the index clamped to the table (minui), then 0 where the index (unsigned)
// is past the table.
// NEON-LABEL: func.func @table_lookup
// NEON-DAG: %[[T0:.*]] = vector.extract_strided_slice %arg0 {offsets = [0], sizes = [16], strides = [1]} : vector<64xi8> to vector<16xi8>
// NEON-DAG: %[[T1:.*]] = vector.extract_strided_slice %arg0 {offsets = [16], sizes = [16], strides = [1]} : vector<64xi8> to vector<16xi8>
// NEON-DAG: %[[T2:.*]] = vector.extract_strided_slice %arg0 {offsets = [32], sizes = [16], strides = [1]} : vector<64xi8> to vector<16xi8>
// NEON-DAG: %[[T3:.*]] = vector.extract_strided_slice %arg0 {offsets = [48], sizes = [16], strides = [1]} : vector<64xi8> to vector<16xi8>
// NEON: %[[I0:.*]] = vector.extract_strided_slice %arg1 {offsets = [0], sizes = [16], strides = [1]} : vector<32xi8> to vector<16xi8>
// NEON: llvm.call_intrinsic "llvm.aarch64.neon.tbl4.v16i8"(%[[T0]], %[[T1]], %[[T2]], %[[T3]], %[[I0]]) : (vector<16xi8>, vector<16xi8>, vector<16xi8>, vector<16xi8>, vector<16xi8>) -> vector<16xi8>
// NEON: %[[I1:.*]] = vector.extract_strided_slice %arg1 {offsets = [16], sizes = [16], strides = [1]} : vector<32xi8> to vector<16xi8>
// NEON: llvm.call_intrinsic "llvm.aarch64.neon.tbl4.v16i8"(%[[T0]], %[[T1]], %[[T2]], %[[T3]], %[[I1]])
// NEON: llvm.call_intrinsic "llvm.aarch64.neon.tbl3.v16i8"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (vector<16xi8>, vector<16xi8>, vector<16xi8>, vector<16xi8>) -> vector<16xi8>
// NEON: %[[L8:.*]] = vector.extract_strided_slice %arg3 {offsets = [16], sizes = [8], strides = [1]} : vector<24xi8> to vector<8xi8>
// NEON: llvm.call_intrinsic "llvm.aarch64.neon.tbl3.v8i8"(%{{.*}}, %{{.*}}, %{{.*}}, %[[L8]]) : (vector<16xi8>, vector<16xi8>, vector<16xi8>, vector<8xi8>) -> vector<8xi8>
// NEON: llvm.call_intrinsic "llvm.aarch64.neon.tbl1.v8i8"(%arg4, %arg5) : (vector<16xi8>, vector<8xi8>) -> vector<8xi8>
// PLAIN-LABEL: func.func @table_lookup
// PLAIN-NOT: llvm.call_intrinsic
// PLAIN: %[[C:.*]] = arith.minui %arg1, %{{.*}} : vector<32xi8>
// PLAIN: %[[I0:.*]] = vector.extract %[[C]][0] : i8 from vector<32xi8>
// PLAIN: %[[P0:.*]] = arith.index_castui %[[I0]] : i8 to index
// PLAIN: vector.extract %arg0[%[[P0]]] : i8 from vector<64xi8>
// PLAIN: %[[V:.*]] = vector.from_elements {{.*}} : vector<32xi8>
// PLAIN: %[[IN:.*]] = arith.cmpi ult, %arg1, %{{.*}} : vector<32xi8>
// PLAIN: arith.select %[[IN]], %[[V]], %{{.*}} : vector<32xi1>, vector<32xi8>
func.func @table_lookup(%t: vector<64xi8>, %i: vector<32xi8>, %t3: vector<48xi8>,
                        %j: vector<24xi8>, %t1: vector<16xi8>, %k: vector<8xi8>)
    -> (vector<32xi8>, vector<24xi8>, vector<8xi8>) {
  %0 = mc.table_lookup %t, %i : vector<64xi8>, vector<32xi8>
  %1 = mc.table_lookup %t3, %j : vector<48xi8>, vector<24xi8>
  %2 = mc.table_lookup %t1, %k : vector<16xi8>, vector<8xi8>
  return %0, %1, %2 : vector<32xi8>, vector<24xi8>, vector<8xi8>
}

// mc.permute: vpermi2ps of the table's halves (32 lanes) or vpermps (16)
// with AVX-512; elsewhere an extract per lane at the index's low 5 or 4
// bits.
// VNNI-LABEL: func.func @permute
// VNNI: %[[LO:.*]] = vector.extract_strided_slice %arg0 {offsets = [0], sizes = [16], strides = [1]} : vector<32xf32> to vector<16xf32>
// VNNI: %[[HI:.*]] = vector.extract_strided_slice %arg0 {offsets = [16], sizes = [16], strides = [1]} : vector<32xf32> to vector<16xf32>
// VNNI: llvm.call_intrinsic "llvm.x86.avx512.vpermi2var.ps.512"(%[[LO]], %arg2, %[[HI]]) : (vector<16xf32>, vector<16xi32>, vector<16xf32>) -> vector<16xf32>
// VNNI: llvm.call_intrinsic "llvm.x86.avx512.permvar.sf.512"(%arg1, %arg2) : (vector<16xf32>, vector<16xi32>) -> vector<16xf32>
// AVX2-LABEL: func.func @permute
// AVX2-NOT: llvm.call_intrinsic
// AVX2: arith.constant dense<31> : vector<16xi32>
// PLAIN-LABEL: func.func @permute
// PLAIN-DAG: %[[M15:.*]] = arith.constant dense<15> : vector<16xi32>
// PLAIN-DAG: %[[M31:.*]] = arith.constant dense<31> : vector<16xi32>
// PLAIN: %[[J:.*]] = arith.andi %arg2, %[[M31]] : vector<16xi32>
// PLAIN: %[[J0:.*]] = vector.extract %[[J]][0] : i32 from vector<16xi32>
// PLAIN: %[[P0:.*]] = arith.index_castui %[[J0]] : i32 to index
// PLAIN: vector.extract %arg0[%[[P0]]] : f32 from vector<32xf32>
// PLAIN-COUNT-15: vector.extract %arg0
// PLAIN: vector.from_elements {{.*}} : vector<16xf32>
// PLAIN: arith.andi %arg2, %[[M15]] : vector<16xi32>
// PLAIN-COUNT-16: vector.extract %arg1
// PLAIN-NOT: llvm.call_intrinsic
func.func @permute(%t: vector<32xf32>, %u: vector<16xf32>, %i: vector<16xi32>)
    -> (vector<16xf32>, vector<16xf32>) {
  %0 = mc.permute %t, %i : vector<32xf32>, vector<16xi32>
  %1 = mc.permute %u, %i : vector<16xf32>, vector<16xi32>
  return %0, %1 : vector<16xf32>, vector<16xf32>
}

// The decoded sparse operand (kept values where the metadata's positions
// match, else zero) feeds a vector.contract.
// PLAIN-LABEL: func.func @sparse_mma
// PLAIN: %[[W:.*]] = vector.shuffle %{{.*}}, %{{.*}} [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1,
// PLAIN: %[[S1:.*]] = arith.shrui %[[W]], %{{.*}} : vector<32xi16>
// PLAIN: %[[P1:.*]] = arith.andi %[[S1]], %{{.*}} : vector<32xi16>
// PLAIN: %[[A1:.*]] = arith.cmpi eq, %[[P1]], %{{.*}} : vector<32xi16>
// PLAIN: %[[V1:.*]] = vector.shuffle %{{.*}}, %{{.*}} [1, 1, 1, 1, 3, 3, 3, 3, 5, 5, 5, 5, 7, 7, 7, 7, 9, 9
// PLAIN: %[[D1:.*]] = arith.select %[[A1]], %[[V1]], %{{.*}} : vector<32xi1>, vector<32xi8>
// PLAIN: %[[A0:.*]] = arith.cmpi eq
// PLAIN: %[[V0:.*]] = vector.shuffle %{{.*}}, %{{.*}} [0, 0, 0, 0, 2, 2, 2, 2, 4, 4, 4, 4, 6, 6, 6, 6, 8, 8
// PLAIN: %[[D:.*]] = arith.select %[[A0]], %[[V0]], %[[D1]] : vector<32xi1>, vector<32xi8>
// PLAIN: %[[L:.*]] = vector.shape_cast %[[D]] : vector<32xi8> to vector<1x32xi8>
// PLAIN: vector.contract {{.*}} %[[L]], %{{.*}}, %{{.*}} : vector<1x32xi8>, vector<2x32xi8> into vector<1x2xi32>
// PLAIN-NOT: mc.sparse_mma
func.func @sparse_mma(%v: vector<1x16xi8>, %m: vector<1x2xi16>, %b: vector<2x32xi8>,
                      %c: vector<1x2xi32>) -> vector<1x2xi32> {
  %0 = mc.sparse_mma %v, %m, %b, %c : vector<1x16xi8>, vector<1x2xi16>, vector<2x32xi8> into vector<1x2xi32>
  return %0 : vector<1x2xi32>
}

// small_lhs (every lhs byte in [0, 127]): without VNNI vpmaddubsw's exact
// i16 pair sums and vpmaddwd by ones, in pieces of 256 bits on AVX2; with
// VNNI vpdpbusd even without lhs_unsigned; plain arithmetic as before.
// VNNI-LABEL: func.func @dot4_small_lhs
// VNNI: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%arg0, %arg1, %arg2)
// AVX2-LABEL: func.func @dot4_small_lhs
// AVX2-NOT: arith.ext
// AVX2: %[[ONES:.*]] = arith.constant dense<1> : vector<16xi16>
// AVX2: %[[L0:.*]] = vector.extract_strided_slice %arg1 {offsets = [0], sizes = [32], strides = [1]}
// AVX2: %[[R0:.*]] = vector.extract_strided_slice %arg2 {offsets = [0], sizes = [32], strides = [1]}
// AVX2: %[[P0:.*]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.ub.sw"(%[[L0]], %[[R0]]) : (vector<32xi8>, vector<32xi8>) -> vector<16xi16>
// AVX2: %[[Q0:.*]] = llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"(%[[P0]], %[[ONES]]) : (vector<16xi16>, vector<16xi16>) -> vector<8xi32>
// AVX2: arith.addi %{{.*}}, %[[Q0]] : vector<8xi32>
// AVX2: llvm.call_intrinsic "llvm.x86.avx2.pmadd.ub.sw"
// AVX2: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// AVX2: llvm.call_intrinsic "llvm.x86.ssse3.pmadd.ub.sw.128"({{.*}}) : (vector<16xi8>, vector<16xi8>) -> vector<8xi16>
// AVX2: llvm.call_intrinsic "llvm.x86.sse2.pmadd.wd"
// PLAIN-LABEL: func.func @dot4_small_lhs
// PLAIN-NOT: llvm.call_intrinsic
// PLAIN: arith.extsi %arg1 : vector<64xi8> to vector<64xi32>
func.func @dot4_small_lhs(%acc: vector<16xi32>, %a: vector<64xi8>,
                          %b: vector<64xi8>, %acc4: vector<4xi32>,
                          %c: vector<16xi8>, %d: vector<16xi8>)
    -> (vector<16xi32>, vector<4xi32>) {
  %0 = mc.dot4 %acc, %a, %b {small_lhs} : vector<64xi8> into vector<16xi32>
  %1 = mc.dot4 %acc4, %c, %d {small_lhs} : vector<16xi8> into vector<4xi32>
  return %0, %1 : vector<16xi32>, vector<4xi32>
}

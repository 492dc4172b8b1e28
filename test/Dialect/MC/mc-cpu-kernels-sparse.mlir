// RUN: mc-opt %s --split-input-file --mc-cpu-kernels=isa=avx512-vnni --cse | FileCheck %s
// RUN: mc-opt %s --split-input-file --mc-cpu-kernels=isa=avx2 | FileCheck %s --check-prefixes=NOEXPAND,AVX2
// RUN: mc-opt %s --split-input-file --mc-cpu-kernels=isa=neon-dotprod | FileCheck %s --check-prefixes=NOEXPAND,NEON

// Without AVX-512's vexpandps (LLVM would scalarize vector.expandload) there
// are no bitmask blocks: the dense f32 kernel takes the weights, but on
// AVX2 where every row tile has 3-8 rows and reads compressed columns (ymm
// FMAs only: @sparse_csc; M = 1 and M = 10, a tail of 2, stay dense).
// NOEXPAND-NOT: vector.expandload
// NEON-NOT: __mc_sparse
// AVX2-NOT: __mc_sparse

// Bitmask sparse GEMV: 4 nonzeros of 100. Per panel of 16 columns and k, a
// 16-bit mask (masks[group][k][4 panels]); the nonzeros of a group's panels
// in one stream, k by k (panel 1's value at k = 2 follows panel 0's two at
// k = 0). A panel's offset is the group's plus the popcount of the bits
// before its mask in the k's 64-bit mask word; the group's offset advances
// by the word's popcount. 20 columns are less than a group of 64: no
// forall. K = 5 is one unrolled step of 4 and one k.
// CHECK-DAG: memref.global "private" constant @__mc_sparse_starts : memref<1xi64> = dense<0> {alignment = 64 : i64}
// CHECK-DAG: memref.global "private" constant @__mc_sparse_masks : memref<20xi16> = dense<[9, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0]>
// CHECK-DAG: memref.global "private" constant @__mc_sparse_values : memref<20xf32> = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00, 0.000000e+00
// CHECK-LABEL: func.func @sparse_gemv
// CHECK-NOT: linalg.matmul
// CHECK-NOT: scf.forall
// CHECK-DAG: %[[VALUES:.*]] = memref.get_global @__mc_sparse_values
// CHECK-DAG: %[[MASKS:.*]] = memref.get_global @__mc_sparse_masks
// CHECK: scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %[[OFF:.*]] = %{{.*}}) -> (vector<16xf32>, vector<16xf32>, index)
// CHECK:   tensor.extract %{{.*}}[%{{.*}}, %[[K]]] : tensor<1x5xf32>
// CHECK:   memref.load %[[MASKS]]
// CHECK:   %[[MASK0:.*]] = vector.bitcast %{{.*}} : vector<1xi16> to vector<16xi1>
// CHECK:   memref.load %[[MASKS]]
// CHECK:   %[[MASK1:.*]] = vector.bitcast %{{.*}} : vector<1xi16> to vector<16xi1>
// CHECK:   %[[QUAD:.*]] = vector.load %[[MASKS]][%{{.*}}] : memref<20xi16>, vector<4xi16>
// CHECK:   %[[WORD64:.*]] = vector.bitcast %[[QUAD]] : vector<4xi16> to vector<1xi64>
// CHECK:   %[[WORD:.*]] = vector.extract %[[WORD64]][0] : i64 from vector<1xi64>
// CHECK:   vector.expandload %[[VALUES]][%[[OFF]]], %[[MASK0]], %{{.*}} : memref<20xf32>, vector<16xi1>, vector<16xf32> into vector<16xf32>
// CHECK:   vector.fma
// CHECK:   %[[LOW:.*]] = arith.andi %[[WORD]], %{{.*}} : i64
// CHECK:   %[[BEFORE:.*]] = math.ctpop %[[LOW]] : i64
// CHECK:   %[[N1:.*]] = arith.index_castui %[[BEFORE]] : i64 to index
// CHECK:   %[[OFF1:.*]] = arith.addi %[[OFF]], %[[N1]] : index
// CHECK:   vector.expandload %[[VALUES]][%[[OFF1]]], %[[MASK1]]
// CHECK:   vector.fma
// CHECK:   math.ctpop %[[WORD]] : i64
// CHECK-COUNT-6: vector.expandload
// CHECK:   scf.yield
// CHECK-COUNT-2: vector.expandload
// CHECK: vector.transfer_write %{{.*}} {in_bounds = [true]} : vector<16xf32>, tensor<1x20xf32>
// CHECK: vector.transfer_write %{{.*}} : vector<16xf32>, tensor<1x20xf32>
func.func @sparse_gemv(%x: tensor<1x5xf32>) -> tensor<1x20xf32> {
  %w = arith.constant dense<[[1.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 3.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 4.0]]> : tensor<5x20xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x20xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<1x20xf32>) -> tensor<1x20xf32>
  %y = linalg.matmul ins(%x, %w : tensor<1x5xf32>, tensor<5x20xf32>) outs(%i : tensor<1x20xf32>) -> tensor<1x20xf32>
  return %y : tensor<1x20xf32>
}

// -----

// Slots: 5 nonzeros of 800, in 2 windows of 32 k (the second of 8). Per
// group, window and panel a count of slots (8-bit, [window][4 panels]):
// the most nonzeros any of the panel's 16 columns has in the window.
// Slot i is 16 values (zero where a column ran out) and their k from the
// window's start (bytes). Window 0, panel 0: column 0 has k = 0, 3 and
// column 5 k = 1, so 2 slots; window 1: column 2 at k = 39 (index 7) and,
// in panel 1, column 17 at k = 33. Per window, x's 32 values are a table
// (read past K as zeros); per slot, vpermi2ps of it at the slot's indices
// and one FMA. An inf or NaN x takes the fix-up: NaN where the weight is
// zero at that k.
// A slot loop runs a few times (here 0-2): LLVM does not unroll it.
// CHECK-DAG: #[[NOUNROLL:.*]] = #llvm.loop_annotation<unroll = #{{.*}}>
// CHECK-DAG: memref.global "private" constant @__mc_sparse_slot_starts : memref<1xi64> = dense<0>
// CHECK-DAG: memref.global "private" constant @__mc_sparse_slot_counts : memref<8xi8> = dense<[2, 0, 0, 0, 1, 1, 0, 0]>
// CHECK-DAG: memref.global "private" constant @__mc_sparse_slot_indices : memref<80xi8> = dense<[0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7, 0,
// CHECK-DAG: memref.global "private" constant @__mc_sparse_slot_values : memref<80xf32> = dense<[1.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 3.000000e+00,
// CHECK-LABEL: func.func @sparse_slots
// CHECK-NOT: vector.expandload
// CHECK-DAG: %[[VALUES:.*]] = memref.get_global @__mc_sparse_slot_values
// CHECK-DAG: %[[INDICES:.*]] = memref.get_global @__mc_sparse_slot_indices
// CHECK-DAG: %[[COUNTS:.*]] = memref.get_global @__mc_sparse_slot_counts
// Per row of X whether it is finite, once per call (not per column group).
// CHECK: %[[ROWS:.*]] = scf.for {{.*}} -> (tensor<1xi1>)
// CHECK:   scf.for {{.*}} -> (vector<32xi1>)
// CHECK:     arith.cmpf olt
// CHECK:   vector.reduction <and>
// CHECK: %[[R:.*]]:3 = scf.for %[[W:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[A0:.*]] = %{{.*}}, %[[A1:.*]] = %{{.*}}, %[[OFF:.*]] = %{{.*}}) -> (vector<16xf32>, vector<16xf32>, index)
// CHECK:   %[[TABLE:.*]] = vector.transfer_read %arg0[%{{.*}}, %{{.*}}], %{{.*}} : tensor<1x40xf32>, vector<32xf32>
// CHECK:   %[[C0:.*]] = memref.load %[[COUNTS]]
// CHECK:   %[[N0:.*]] = arith.index_castui %[[C0]] : i8 to index
// CHECK:   %[[END0:.*]] = arith.addi %[[OFF]], %[[N0]] : index
// CHECK:   %[[P0:.*]] = scf.for %[[S:.*]] = %[[OFF]] to %[[END0]] step %{{.*}} iter_args(%[[ACC:.*]] = %[[A0]]) -> (vector<16xf32>)
// CHECK:     %[[AT:.*]] = arith.muli %[[S]], %{{.*}} : index
// CHECK:     %[[V:.*]] = vector.load %[[VALUES]][%[[AT]]] : memref<80xf32>, vector<16xf32>
// CHECK:     %[[I8:.*]] = vector.load %[[INDICES]][%[[AT]]] : memref<80xi8>, vector<16xi8>
// CHECK:     %[[I32:.*]] = arith.extui %[[I8]] : vector<16xi8> to vector<16xi32>
// CHECK:     %[[X:.*]] = mc.permute %[[TABLE]], %[[I32]] : vector<32xf32>, vector<16xi32>
// CHECK:     vector.fma %[[V]], %[[X]], %[[ACC]] : vector<16xf32>
// CHECK:   } {loop_annotation = #[[NOUNROLL]]}
// CHECK:   memref.load %[[COUNTS]]
// CHECK:   scf.for %{{.*}} = %[[END0]] to
// CHECK:     mc.permute
// CHECK: %[[OK:.*]] = tensor.extract %[[ROWS]][%{{.*}}] : tensor<1xi1>
// CHECK: scf.if %[[OK]] -> (vector<16xf32>, vector<16xf32>) {
// CHECK: } else {
// CHECK:   arith.cmpi eq, %{{.*}}, %{{.*}} : vector<16xi8>
// CHECK:   arith.cmpf une
// CHECK: vector.transfer_write %{{.*}} {in_bounds = [true]} : vector<16xf32>, tensor<1x20xf32>
// CHECK: vector.transfer_write %{{.*}} : vector<16xf32>, tensor<1x20xf32>
func.func @sparse_slots(%x: tensor<1x40xf32>) -> tensor<1x20xf32> {
  %w = arith.constant dense<[[1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 3.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 4.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 5.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]> : tensor<40x20xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x20xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<1x20xf32>) -> tensor<1x20xf32>
  %y = linalg.matmul ins(%x, %w : tensor<1x40xf32>, tensor<40x20xf32>) outs(%i : tensor<1x20xf32>) -> tensor<1x20xf32>
  return %y : tensor<1x20xf32>
}

// -----

// 130 columns: 2 groups of 64 in parallel, then a group of 2 columns.
// Rows in tiles of 8 (a loop) from the compressed columns, X transposed
// once for all tiles; a tail of 2 rows from the slots (none: the weight
// is all zeros; one window of K = 9 and per panel a loop of 2 look-ups
// and FMAs). The accumulators start from the matmul's init.
// CHECK-LABEL: func.func @sparse_gemm
// CHECK-DAG: %[[RECORDS:.*]] = memref.get_global @__mc_sparse_csc_records : memref<6xi8>
// CHECK-DAG: %[[STARTS:.*]] = memref.get_global @__mc_sparse_csc_starts : memref<49xi64>
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (tensor<2x9x8xf32>, tensor<2xi1>)
// CHECK: scf.forall (%{{.*}}) in (2) shared_outs(%[[OUT:.*]] = %{{.*}})
// CHECK:   %[[SLICE:.*]] = tensor.extract_slice %[[OUT]][0, %{{.*}}] [10, 64] [1, 1]
// CHECK:   scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %[[SLICE]])
// CHECK:     tensor.empty() : tensor<64x8xf32>
// CHECK-COUNT-4: vector.transpose %{{.*}}, [1, 0] : vector<8x16xf32> to vector<16x8xf32>
// CHECK:     scf.for
// CHECK:       scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %{{.*}}) -> (tensor<64x8xf32>)
// CHECK:         memref.load %[[STARTS]]
// CHECK:         scf.for {{.*}} -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK-COUNT-4: vector.fma {{.*}} : vector<8xf32>
// CHECK:     scf.if %{{.*}} -> (tensor<64x8xf32>)
// CHECK-COUNT-4: vector.transpose %{{.*}}, [1, 0] : vector<16x8xf32> to vector<8x16xf32>
// CHECK:   scf.for %{{.*}} iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, index)
// CHECK-COUNT-4: scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>)
// CHECK-NOT: vector.expandload
// CHECK-COUNT-2: tensor.extract %{{.*}} : tensor<10xi1>
// CHECK-COUNT-2: vector.transfer_write
// CHECK:   scf.forall.in_parallel
// CHECK: tensor.extract_slice %{{.*}}[0, 128] [10, 2] [1, 1]
// CHECK: tensor.insert_slice %{{.*}}[0, 128] [10, 2] [1, 1]
func.func @sparse_gemm(%x: tensor<10x9xf32>, %c: tensor<10x130xf32>) -> tensor<10x130xf32> {
  %w = arith.constant dense<0.0> : tensor<9x130xf32>
  %y = linalg.matmul ins(%x, %w : tensor<10x9xf32>, tensor<9x130xf32>) outs(%c : tensor<10x130xf32>) -> tensor<10x130xf32>
  return %y : tensor<10x130xf32>
}

// -----

// 3 rows read the compressed columns: per set of 4 columns and block of
// up to 512 k, the records {f32 value, u16 k} of each column in turn (L
// per column, the longest column's count), zero values at a zero k where a
// column is shorter or past N. Set 0 (columns 0-3): (1.0, k 0), (2.0, k 1),
// two padding records; set 1 (column 4): (3.0, k 1) and 3 padding records;
// sets 2-15 of the group are empty. One record more keeps the global
// non-empty.
// CHECK-DAG: memref.global "private" constant @__mc_sparse_csc_starts : memref<17xi64> = dense<[0, 4, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8]>
// CHECK-DAG: memref.global "private" constant @__mc_sparse_csc_records : memref<54xi8> = dense<[0, 0, -128, 63, 0, 0, 0, 0, 0, 64, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 64, 64, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]>
// CHECK-LABEL: func.func @sparse_csc
// AVX2: memref.global "private" constant @__mc_sparse_csc_{{starts|records}}
// AVX2-LABEL: func.func @sparse_csc
// AVX2: vector.fma {{.*}} : vector<8xf32>
// AVX2-NOT: __mc_sparse_masks
// CHECK-NOT: vector.expandload
// CHECK: vector.from_elements {{.*}} : vector<8xf32>
// CHECK: vector.transfer_write {{.*}} : vector<8xf32>, tensor<1x2x8xf32>
// CHECK: vector.reduction <and>
// CHECK: scf.for
// CHECK:   scf.for
// CHECK:     vector.load %{{.*}} : memref<54xi8>, vector<4xi8>
// CHECK:     vector.bitcast %{{.*}} : vector<4xi8> to vector<1xf32>
// CHECK:     vector.load %{{.*}} : memref<54xi8>, vector<2xi8>
// CHECK:     vector.bitcast %{{.*}} : vector<2xi8> to vector<1xi16>
// CHECK:     arith.extui %{{.*}} : i16 to i32
// CHECK:     vector.transfer_read %{{.*}} : tensor<1x2x8xf32>, vector<8xf32>
// CHECK:     vector.broadcast %{{.*}} : f32 to vector<8xf32>
// CHECK:     vector.fma
// CHECK-NOT: vector.expandload
func.func @sparse_csc(%x: tensor<3x2xf32>) -> tensor<3x5xf32> {
  %w = arith.constant dense<[[1.0, 0.0, 0.0, 0.0, 0.0], [0.0, 2.0, 0.0, 0.0, 3.0]]> : tensor<2x5xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x5xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<3x5xf32>) -> tensor<3x5xf32>
  %y = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x5xf32>) outs(%i : tensor<3x5xf32>) -> tensor<3x5xf32>
  return %y : tensor<3x5xf32>
}

// -----

// Below 70 % zeros (60 %): left to the dense f32 kernel.
// CHECK: memref.global "private" constant @__mc_f32_weights
// CHECK-LABEL: func.func @not_sparse_enough
// CHECK-NOT: vector.expandload
// CHECK: memref.get_global @__mc_f32_weights
func.func @not_sparse_enough(%x: tensor<1x2xf32>) -> tensor<1x5xf32> {
  %w = arith.constant dense<[[1.0, 0.0, 2.0, 0.0, 0.0], [0.0, 3.0, 0.0, 4.0, 0.0]]> : tensor<2x5xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x5xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<1x5xf32>) -> tensor<1x5xf32>
  %y = linalg.matmul ins(%x, %w : tensor<1x2xf32>, tensor<2x5xf32>) outs(%i : tensor<1x5xf32>) -> tensor<1x5xf32>
  return %y : tensor<1x5xf32>
}

// -----

// Codebook, a 16-entry table per column, K = 300: blocks of 128 k (8
// nibbles per i32 lane: 0x55555555), 4 columns per group with their tables
// in registers, 2 rows sharing each look-up. The look-up is a
// from_elements of dynamic extracts (vpermd); columns are reduced at the
// end and stored 4 at a time; 6 columns are a group of 4 and a tail of 2.
// CHECK-LABEL: func.func @codebook
// Without AVX-512, each 8 lanes look up both 8-entry halves of the table
// (ymm vpermps) and select by index bit 3.
// AVX2-LABEL: func.func @codebook
// AVX2: %[[LO:.*]] = vector.extract_strided_slice %[[T:.*]] {offsets = [0], sizes = [8], strides = [1]} : vector<16xf32> to vector<8xf32>
// AVX2: %[[HI:.*]] = vector.extract_strided_slice %[[T]] {offsets = [8], sizes = [8], strides = [1]} : vector<16xf32> to vector<8xf32>
// AVX2: %[[I:.*]] = vector.extract_strided_slice %{{.*}} {offsets = [0], sizes = [8], strides = [1]} : vector<16xi32> to vector<8xi32>
// AVX2: %[[IN:.*]] = arith.cmpi ult, %[[I]], %{{.*}} : vector<8xi32>
// AVX2: arith.select %[[IN]], %{{.*}}, %{{.*}} : vector<8xi1>, vector<8xf32>
// AVX2: vector.extract_strided_slice %{{.*}} {offsets = [8], sizes = [8], strides = [1]} : vector<16xi32> to vector<8xi32>
// CHECK-NOT: mc.decode
// CHECK-DAG: %[[IDX:.*]] = arith.constant dense<"0x55555555{{.*}}"> : tensor<384xi32>
// CHECK-DAG: %[[TAB:.*]] = arith.constant dense<"0x0000C03F{{.*}}"> : tensor<128xf32>
// CHECK: scf.forall (%{{.*}}) in (1) shared_outs(%[[OUT:.*]] = %{{.*}})
// CHECK:   tensor.extract_slice %[[OUT]][0, %{{.*}}] [2, 4] [1, 1]
// CHECK-COUNT-4: vector.transfer_read %[[TAB]]
// CHECK:   scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-COUNT-4: vector.transfer_read %[[IDX]]
// CHECK:     vector.transfer_read %{{.*}} {in_bounds = [true]} : tensor<2x300xf32>, vector<16xf32>
// CHECK:     arith.andi %{{.*}}, %{{.*}} : vector<16xi32>
// CHECK-NOT: mc.table_lookup
// CHECK:     vector.extract %{{.*}}[15] : i32 from vector<16xi32>
// CHECK:     vector.from_elements {{.*}} : vector<16xf32>
// CHECK:     vector.fma
// CHECK:     vector.fma
// CHECK:     arith.shrui
// CHECK:   scf.yield
// CHECK:   vector.transfer_read %{{.*}} : tensor<2x300xf32>, vector<16xf32>
// CHECK:   vector.reduction <add>
// CHECK:   vector.from_elements {{.*}} : vector<4xf32>
// CHECK:   vector.transfer_write %{{.*}} {in_bounds = [true]} : vector<4xf32>, tensor<2x4xf32>
// CHECK:   scf.forall.in_parallel
// CHECK: tensor.extract_slice %{{.*}}[0, 4] [2, 2] [1, 1]
// CHECK: vector.transfer_write %{{.*}} : vector<4xf32>, tensor<2x2xf32>
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

// -----

// Codebooks the look-up kernel does not take are decoded by the reference
// lowering for the f32 kernel (run-time weights): a table per k (axis 0:
// a different table in every lane) and 5-bit indices (32 entries, more
// than one register).
// CHECK-LABEL: func.func @codebook_axis0
// CHECK: %[[W:.*]] = mc.decode
// CHECK: vector.transfer_read %[[W]]
// CHECK: vector.fma
// CHECK-NOT: linalg.matmul
func.func @codebook_axis0(%x: tensor<1x32xf32>) -> tensor<1x4xf32> {
  %q = arith.constant dense<1> : tensor<32x4xi4>
  %t = arith.constant dense<1.0> : tensor<32x16xf32>
  %a = mc.assemble %q, %t : (tensor<32x4xi4>, tensor<32x16xf32>) -> !mc.compressed<32x4xf32, #mc.codebook<ui4, axis = 0>>
  %w = mc.decode %a : !mc.compressed<32x4xf32, #mc.codebook<ui4, axis = 0>> -> tensor<32x4xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<1x4xf32>) -> tensor<1x4xf32>
  %y = linalg.matmul ins(%x, %w : tensor<1x32xf32>, tensor<32x4xf32>) outs(%i : tensor<1x4xf32>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

// CHECK-LABEL: func.func @codebook_5bit
// CHECK: %[[W:.*]] = mc.decode
// CHECK: vector.transfer_read %[[W]]
// CHECK: vector.fma
// CHECK-NOT: linalg.matmul
func.func @codebook_5bit(%x: tensor<1x32xf32>) -> tensor<1x4xf32> {
  %q = arith.constant dense<1> : tensor<32x4xi5>
  %t = arith.constant dense<1.0> : tensor<32xf32>
  %a = mc.assemble %q, %t : (tensor<32x4xi5>, tensor<32xf32>) -> !mc.compressed<32x4xf32, #mc.codebook<ui5>>
  %w = mc.decode %a : !mc.compressed<32x4xf32, #mc.codebook<ui5>> -> tensor<32x4xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<1x4xf32>) -> tensor<1x4xf32>
  %y = linalg.matmul ins(%x, %w : tensor<1x32xf32>, tensor<32x4xf32>) outs(%i : tensor<1x4xf32>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

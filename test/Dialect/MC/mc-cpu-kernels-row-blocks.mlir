// RUN: mc-opt %s --mc-cpu-kernels="isa=avx512-vnni tile-m=4 tile-n=2 block-m=8" --canonicalize --cse | FileCheck %s
// RUN: not mc-opt %s --mc-cpu-kernels="block-m=-1" 2>&1 | FileCheck %s --check-prefix=NEGATIVE

// NEGATIVE: mc-cpu-kernels: block-m must not be negative

// With block-m (or, by default, when A does not fit L2), blocks of rows run
// in parallel and each goes through the column groups in turn: 22 rows are
// blocks of 8, 8 and 6. In a block, the full register tiles of 4 rows up to
// min(block end, 20), then the 2 tail rows in the block that ends at 22.
// The tiles read A and the row sums at absolute rows and write the block's
// slice at rows relative to its start.
// CHECK-LABEL: func.func @row_blocks
// CHECK: scf.forall (%[[BLK:.*]]) in (3) shared_outs(%[[OUT:.*]] = %{{.*}})
// CHECK:   %[[R0:.*]] = arith.muli %[[BLK]], %c8
// CHECK:   %[[END0:.*]] = arith.addi %[[R0]], %c8
// CHECK:   %[[END:.*]] = arith.minsi %[[END0]], %c22
// CHECK:   %[[ROWS:.*]] = arith.subi %[[END]], %[[R0]]
// CHECK:   %[[BLOCK:.*]] = tensor.extract_slice %[[OUT]][%[[R0]], 0] [%[[ROWS]], 70] [1, 1]
// CHECK:   scf.for %{{.*}} = %c0 to %c2 step %c1 iter_args(%[[ACC:.*]] = %[[BLOCK]])
// CHECK:     tensor.extract_slice %[[ACC]][0, %{{.*}}] [%[[ROWS]], 32] [1, 1] : tensor<?x70xi32> to tensor<?x32xi32>
// CHECK:     %[[FULL:.*]] = arith.minsi %[[END]], %c20
// CHECK:     scf.for %[[ROW:.*]] = %[[R0]] to %[[FULL]] step %c4
// CHECK:       mc.dot4
// CHECK:       %[[LOCAL:.*]] = arith.subi %[[ROW]], %[[R0]]
// CHECK:       vector.transfer_write %{{.*}}[%[[LOCAL]], %c0] {in_bounds = [true]} : vector<16xi32>, tensor<?x32xi32>
// CHECK:     %[[TAIL:.*]] = arith.cmpi eq, %[[END]], %c22
// CHECK:     scf.if %[[TAIL]]
// CHECK:       arith.subi %c20, %[[R0]]
// CHECK:     tensor.insert_slice %{{.*}}[0, %{{.*}}] [%[[ROWS]], 32] [1, 1]
// CHECK:   tensor.extract_slice %{{.*}}[0, 64] [%[[ROWS]], 6] [1, 1]
// CHECK:   scf.for %{{.*}} = %[[R0]] to %{{.*}} step %c4
// CHECK:   scf.if
// CHECK:   scf.forall.in_parallel
// CHECK-NEXT: tensor.parallel_insert_slice %{{.*}} into %[[OUT]][%[[R0]], 0] [%[[ROWS]], 70] [1, 1]
// CHECK-NOT: linalg.matmul
func.func @row_blocks(%a: tensor<22x12xi8>) -> tensor<22x70xi32> {
  %b = arith.constant dense<3> : tensor<12x70xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<22x70xi32>
  %c = linalg.fill ins(%z : i32) outs(%e : tensor<22x70xi32>) -> tensor<22x70xi32>
  %r = linalg.matmul ins(%a, %b : tensor<22x12xi8>, tensor<12x70xi8>) outs(%c : tensor<22x70xi32>) -> tensor<22x70xi32>
  return %r : tensor<22x70xi32>
}

// The f32 kernel (tiles of 8 rows x 3 zmm, panels of 48 columns, which
// tile-m and tile-n do not change): 21 rows in blocks of 8, 8 and 5. A
// panel's weights (2800 x 48 f32) are above 512 KB (the bound with row
// blocks), so K goes in 2 blocks of 1400, and in a row block each K block
// goes through the panels in turn (2 full ones in a loop, then 4 columns):
// the first K block starts from the fill value and stores partial sums at
// rows relative to the block, the last reads them back and applies the bias
// + ReLU before the store. The tail tile of the last 5 rows runs in the
// block that ends at 21.
// CHECK-LABEL: func.func @f32_row_blocks
// CHECK: %[[W:.*]] = memref.get_global @__mc_f32_weights : memref<3x2800x48xf32>
// CHECK: scf.forall (%[[BLK:.*]]) in (3) shared_outs(%[[OUT:.*]] = %{{.*}})
// CHECK:   %[[R0:.*]] = arith.muli %[[BLK]], %c8
// CHECK:   %[[END0:.*]] = arith.addi %[[R0]], %c8
// CHECK:   %[[END:.*]] = arith.minsi %[[END0]], %c21
// CHECK:   %[[ROWS:.*]] = arith.subi %[[END]], %[[R0]]
// CHECK:   %[[BLOCK:.*]] = tensor.extract_slice %[[OUT]][%[[R0]], 0] [%[[ROWS]], 100] [1, 1]
// CHECK:   scf.for %[[P:.*]] = %c0 to %c2 step %c1 iter_args(%[[ACC:.*]] = %[[BLOCK]])
// CHECK:     tensor.extract_slice %[[ACC]][0, %{{.*}}] [%[[ROWS]], 48] [1, 1] : tensor<?x100xf32> to tensor<?x48xf32>
// CHECK:     %[[FULL:.*]] = arith.minsi %[[END]], %c16
// CHECK:     scf.for %[[ROW:.*]] = %[[R0]] to %[[FULL]] step %c8
// CHECK:       %[[LOCAL:.*]] = arith.subi %[[ROW]], %[[R0]]
// CHECK:       scf.for %[[K:.*]] = %c0 to %c1400 step %c1 iter_args(
// CHECK-COUNT-3: vector.load %[[W]][%[[P]], %[[K]], %{{.*}}] : memref<3x2800x48xf32>, vector<16xf32>
// CHECK:         tensor.extract %arg0[%[[ROW]], %[[K]]] : tensor<21x2800xf32>
// CHECK-NOT: arith.maximumf
// CHECK:       vector.transfer_write %{{.*}}[%[[LOCAL]], %c0] {in_bounds = [true]} : vector<16xf32>, tensor<?x48xf32>
// CHECK:     %[[TAIL:.*]] = arith.cmpi eq, %[[END]], %c21
// CHECK:     scf.if %[[TAIL]]
// CHECK:       arith.subi %c16, %[[R0]]
// CHECK:       scf.for %{{.*}} = %c0 to %c1400 step %c1 {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK:   tensor.extract_slice %{{.*}}[0, 96] [%[[ROWS]], 4] [1, 1]
// CHECK:   scf.for %{{.*}} = %[[R0]] to %{{.*}} step %c8
// CHECK:     scf.for %{{.*}} = %c0 to %c1400 step %c1
// CHECK:   scf.if
// CHECK:   scf.for %[[P2:.*]] = %c0 to %c2 step %c1
// CHECK:     scf.for %[[ROW2:.*]] = %[[R0]] to %{{.*}} step %c8
// CHECK:       %[[LOCAL2:.*]] = arith.subi %[[ROW2]], %[[R0]]
// CHECK:       %[[PART:.*]] = vector.transfer_read %{{.*}}[%[[LOCAL2]], %c0], %{{.*}} {in_bounds = [true]} : tensor<?x48xf32>, vector<16xf32>
// CHECK:       scf.for %{{.*}} = %c1400 to %c2800 step %c1 iter_args(%{{.*}} = %[[PART]],
// CHECK:       vector.transfer_read %arg1[%{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<100xf32>, vector<16xf32>
// CHECK:       arith.maximumf
// CHECK:       vector.transfer_write %{{.*}}[%[[LOCAL2]], %c0] {in_bounds = [true]} : vector<16xf32>, tensor<?x48xf32>
// CHECK:     scf.if
// CHECK:   tensor.extract_slice %{{.*}}[0, 96] [%{{.*}}, 4] [1, 1]
// CHECK:   scf.for %{{.*}} = %c1400 to %c2800 step %c1
// CHECK:   arith.maximumf
// CHECK:   scf.if
// CHECK:   scf.forall.in_parallel
// CHECK-NEXT: tensor.parallel_insert_slice %{{.*}} into %[[OUT]][%[[R0]], 0] [%[[ROWS]], 100] [1, 1]
// CHECK-NOT: linalg.matmul
// CHECK-NOT: linalg.generic
func.func @f32_row_blocks(%x: tensor<21x2800xf32>, %bias: tensor<100xf32>) -> tensor<21x100xf32> {
  %w = arith.constant dense<1.0> : tensor<2800x100xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<21x100xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<21x100xf32>) -> tensor<21x100xf32>
  %y = linalg.matmul ins(%x, %w : tensor<21x2800xf32>, tensor<2800x100xf32>) outs(%i : tensor<21x100xf32>) -> tensor<21x100xf32>
  %o = tensor.empty() : tensor<21x100xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]} ins(%y, %bias : tensor<21x100xf32>, tensor<100xf32>) outs(%o : tensor<21x100xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %c0 = arith.constant 0.0 : f32
    %s = arith.addf %a, %b : f32
    %m = arith.maximumf %s, %c0 : f32
    linalg.yield %m : f32
  } -> tensor<21x100xf32>
  return %r : tensor<21x100xf32>
}

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

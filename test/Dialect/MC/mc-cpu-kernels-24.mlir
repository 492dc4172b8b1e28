// RUN: mc-opt %s --split-input-file --mc-cpu-kernels="isa=avx512-vnni tile-m=4 tile-n=2" --canonicalize --cse | FileCheck %s
// RUN: mc-opt %s --split-input-file --mc-cpu-kernels="isa=generic tile-m=4 tile-n=2" --canonicalize --cse | FileCheck %s --check-prefix=GENERIC

// 2:4 along K (at most 2 nonzeros in every aligned 4 k; K = 10 ends with a
// zero-padded group). Per column and 8 k, the kept weights (signed) fill 4
// bytes and their positions in the 8 k the matching 4 bytes of an index
// vector (0x80 for empty slots): column 0 keeps k = 1, 3, 6 (3, 5, 6),
// column 1 k = 0 (1), column 2 k = 2, 6 (-4, 7), column 3 k = 0 (2). Groups
// of 2 vectors x 16 columns: 72 columns are 2 groups in parallel and a
// tail of 8; 2 steps of 8 k, 2 x 64 bytes per vector and step. The
// compensation is -128 * sum_k w[k, n] per column; A + 128 is copied once,
// padded to 16 k.
// CHECK-LABEL: func.func @gemm
// CHECK-DAG: %[[FLIP:.*]] = arith.constant dense<-128> : vector<64xi8>
// CHECK-DAG: %[[COMP:.*]] = arith.constant dense<[-1792, -128, -384, -2432, {{.*}}]> : tensor<96xi32>
// CHECK-DAG: %[[B:.*]] = arith.constant dense<"0x0305060001000000FC07000002000000{{.*}}"> : tensor<3x2x256xi8>
// CHECK: %[[A:.*]] = scf.for %{{.*}} = %c0 to %c9 step %c1 iter_args(%{{.*}} = %{{.*}}) -> (tensor<9x16xi8>)
// CHECK:   vector.transfer_read %arg0[%{{.*}}, %c0], %c0_i8 : tensor<9x10xi8>, vector<64xi8>
// CHECK:   arith.xori %{{.*}}, %[[FLIP]] : vector<64xi8>
// CHECK:   vector.transfer_write %{{.*}} : vector<64xi8>, tensor<9x16xi8>
// CHECK: scf.forall (%[[G:.*]]) in (2)
// CHECK:   scf.for %{{.*}} = %c0 to %c8 step %c4
// CHECK:     vector.transfer_read %[[COMP]]
// CHECK:     scf.for %[[S:.*]] = %c0 to %c2 step %c1 iter_args
// CHECK:       %[[W0:.*]] = vector.transfer_read %[[B]][%[[G]], %[[S]], %c0]{{.*}}in_bounds = [true]{{.*}} : tensor<3x2x256xi8>, vector<64xi8>
// CHECK:       %[[I0:.*]] = vector.transfer_read %[[B]][%[[G]], %[[S]], %c64]
// CHECK:       %[[W1:.*]] = vector.transfer_read %[[B]][%[[G]], %[[S]], %c128]
// CHECK:       %[[I1:.*]] = vector.transfer_read %[[B]][%[[G]], %[[S]], %c192]
// CHECK:       vector.transfer_read %[[A]][%{{.*}}, %{{.*}}], %c0_i8 {in_bounds = [true]} : tensor<9x16xi8>, vector<8xi8>
// CHECK:       %[[Q:.*]] = vector.broadcast %{{.*}} : i64 to vector<8xi64>
// CHECK:       %[[T:.*]] = vector.bitcast %[[Q]] : vector<8xi64> to vector<64xi8>
// CHECK:       %[[X0:.*]] = mc.byte_shuffle %[[T]], %[[I0]] : vector<64xi8>
// CHECK:       mc.dot4 %{{.*}}, %[[X0]], %[[W0]] {lhs_unsigned} : vector<64xi8> into vector<16xi32>
// CHECK:       %[[X1:.*]] = mc.byte_shuffle %[[T]], %[[I1]] : vector<64xi8>
// CHECK:       mc.dot4 %{{.*}}, %[[X1]], %[[W1]] {lhs_unsigned}
// CHECK-COUNT-6: mc.byte_shuffle
// CHECK:     scf.yield
// CHECK-COUNT-8: vector.transfer_write {{.*}} {in_bounds = [true]} : vector<16xi32>, tensor<9x32xi32>
// CHECK:   scf.forall.in_parallel
// CHECK: tensor.extract_slice %{{.*}}[0, 64] [9, 8] [1, 1]
// CHECK: vector.transfer_write %{{.*}} : vector<16xi32>, tensor<9x8xi32>
// CHECK-NOT: linalg.matmul
// The generic ISA has no byte shuffle: the dense kernel.
// GENERIC-LABEL: func.func @gemm
// GENERIC-NOT: mc.byte_shuffle
// GENERIC: mc.dot4 %{{.*}} : vector<64xi8> into vector<16xi32>
func.func @gemm(%a: tensor<9x10xi8>) -> tensor<9x72xi32> {
  %b = arith.constant dense<"0x00010002000C7A9D7800C2005C7FFB000000000B0000E800FD0032007C0067370000DC2C7F0000002F007600000000000000005400FE0000F20055000000005000004C0000000000030000007395F4FC00000042000000530000395FACF400000F00000000000000FAAF7600007F85C9AC6800232F03724E00000000A000C7FF00B400E27C72AE97F24C0000B8D9764E0000FC0088000000EB37D8000055D80045E501004300003300063B4E2BB1E14E005C00F637F30000000000009700960E8EB1C8003ADD69AE00A76A0000350A00F0080F120000E4D70500000000000000008A002E570000F6900000000016B44A00690020008400004B0000000000992100F64CEB002B00000E2680C5000000002A0000CB6C0000000000000ABE0D000000000000BF56B40000000000002300BE00EB62930000D00001FDBB0000007F000FC900008B00970A852700850000000000B4000000000012F000000000000DFD00EBA8BEE60037D600000000000067001F8F00001E310000A5005E00000000006A00000000470042A4009173834B0000A3000000A000EB13138D23B3AD0AAC00B9901A9950007900C900000E0000004D060007000000009700002C4DC60016C4E00D0000E01200D70000000824C9000000C0078300B7A7000085A10088860000000000004E00B88D00000000967D0000CE009A0000A9000000000000CF090039ECDE020E00001300000000BEA1DD366A00E670CF5D00F073000000000000002600007A1F0047904B1E0091C400F6000000ED4F2200C7003900780000A8507600000000085349406CDC458D94257A2C63302295922ADEA3DB75581570E16259F24A4A0E02B12688F4B749D69C6676C6C1E6A39153EB47E0CF7477EE23C52F1D32FD4CA36ADBBE1A2000000009C5F385C61C5AA5FA5676FDB688DD4FCFFA127800CB23E332D7F1BBA02FC0882B3E58C288B28FF6A649BE68F50269E2E8B2EA3950E1BBB28FE9B72C8CC2C7F57FD0E43567"> : tensor<10x72xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<9x72xi32>
  %c = linalg.fill ins(%z : i32) outs(%e : tensor<9x72xi32>) -> tensor<9x72xi32>
  %r = linalg.matmul ins(%a, %b : tensor<9x10xi8>, tensor<10x72xi8>) outs(%c : tensor<9x72xi32>) -> tensor<9x72xi32>
  return %r : tensor<9x72xi32>
}

// -----

// Three nonzeros in one aligned group of 4 (k = 4..6 of column 1): the
// dense kernel, with its row compensation.
// CHECK-LABEL: func.func @not_2_4
// CHECK-NOT: mc.byte_shuffle
// CHECK: vector.reduction <add>
// CHECK: mc.dot4
func.func @not_2_4(%a: tensor<4x8xi8>) -> tensor<4x2xi32> {
  %b = arith.constant dense<[[1, 0], [0, 0], [2, 0], [0, 0], [0, 1], [0, 2], [0, 3], [0, 0]]> : tensor<8x2xi8>
  %z = arith.constant 0 : i32
  %e = tensor.empty() : tensor<4x2xi32>
  %c = linalg.fill ins(%z : i32) outs(%e : tensor<4x2xi32>) -> tensor<4x2xi32>
  %r = linalg.matmul ins(%a, %b : tensor<4x8xi8>, tensor<8x2xi8>) outs(%c : tensor<4x2xi32>) -> tensor<4x2xi32>
  return %r : tensor<4x2xi32>
}

// -----

// A non-constant accumulator is read per tile and the compensation added to
// it; the element-wise consumer (i32 -> f32 scale per column) is fused into
// the store.
// CHECK-LABEL: func.func @init_epilogue
// CHECK-NOT: linalg.generic
// CHECK: vector.transfer_read %arg1[%{{.*}}, %{{.*}}], %{{.*}} : tensor<5x16xi32>, vector<16xi32>
// CHECK: arith.addi %{{.*}}, %{{.*}} : vector<16xi32>
// CHECK: mc.byte_shuffle
// CHECK: arith.sitofp %{{.*}} : vector<16xi32> to vector<16xf32>
// CHECK: arith.mulf %{{.*}}, %{{.*}} : vector<16xf32>
// CHECK: vector.transfer_write %{{.*}} : vector<16xf32>, tensor<5x16xf32>
#mn = affine_map<(d0, d1) -> (d0, d1)>
#n = affine_map<(d0, d1) -> (d1)>
func.func @init_epilogue(%a: tensor<5x4xi8>, %c: tensor<5x16xi32>, %s: tensor<16xf32>) -> tensor<5x16xf32> {
  %b = arith.constant dense<[[1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]> : tensor<4x16xi8>
  %r = linalg.matmul ins(%a, %b : tensor<5x4xi8>, tensor<4x16xi8>) outs(%c : tensor<5x16xi32>) -> tensor<5x16xi32>
  %o = tensor.empty() : tensor<5x16xf32>
  %y = linalg.generic {indexing_maps = [#mn, #n, #mn], iterator_types = ["parallel", "parallel"]}
      ins(%r, %s : tensor<5x16xi32>, tensor<16xf32>) outs(%o : tensor<5x16xf32>) {
  ^bb0(%acc: i32, %sc: f32, %out: f32):
    %f = arith.sitofp %acc : i32 to f32
    %m = arith.mulf %f, %sc : f32
    linalg.yield %m : f32
  } -> tensor<5x16xf32>
  return %y : tensor<5x16xf32>
}

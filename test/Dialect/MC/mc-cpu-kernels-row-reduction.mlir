// RUN: mc-opt %s --split-input-file --mc-cpu-kernels=isa=avx512-vnni --cse | FileCheck %s --check-prefixes=CHECK,AVX512
// RUN: mc-opt %s --split-input-file --mc-cpu-kernels=isa=avx2 --cse | FileCheck %s --check-prefixes=CHECK,AVX2

// The row abs-max of dynamic activation quantization: per row, 4
// accumulators from the init over blocks of 4 vectors, combined with the
// body's max, one vector.reduction, inserted into the init.
// CHECK-LABEL: func.func @absmax
// CHECK-NOT: linalg.generic
// CHECK: %[[FILL:.*]] = linalg.fill
// CHECK: scf.for %[[R:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[D:.*]] = %[[FILL]]) -> (tensor<8xf32>)
// CHECK:   %[[I:.*]] = tensor.extract %[[D]][%[[R]]] : tensor<8xf32>
// AVX512:  %[[B:.*]] = vector.broadcast %[[I]] : f32 to vector<16xf32>
// AVX512:  %[[ACC:.*]]:4 = scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[A0:.*]] = %[[B]], %{{.*}} = %[[B]], %{{.*}} = %[[B]], %{{.*}} = %[[B]]) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// AVX512:    %[[X:.*]] = vector.transfer_read %{{.*}}[%[[R]], %[[K]]], %{{.*}} {in_bounds = [true]} : tensor<8x4096xf32>, vector<16xf32>
// AVX512:    %[[ABS:.*]] = math.absf %[[X]] : vector<16xf32>
// AVX512:    arith.maximumf %[[A0]], %[[ABS]] : vector<16xf32>
// AVX512-COUNT-3: math.absf
// AVX512:    scf.yield
// AVX512:  %[[M0:.*]] = arith.maximumf %[[ACC]]#0, %[[ACC]]#1 : vector<16xf32>
// AVX512:  %[[M1:.*]] = arith.maximumf %[[M0]], %[[ACC]]#2 : vector<16xf32>
// AVX512:  %[[M2:.*]] = arith.maximumf %[[M1]], %[[ACC]]#3 : vector<16xf32>
// AVX512:  %[[S:.*]] = vector.reduction <maximumf>, %[[M2]] : vector<16xf32> into f32
// AVX2:    vector.transfer_read {{.*}} : tensor<8x4096xf32>, vector<8xf32>
// AVX2:    vector.reduction <maximumf>, %{{.*}} : vector<8xf32> into f32
// CHECK:   tensor.insert %{{.*}} into %[[D]][%[[R]]] : tensor<8xf32>
func.func @absmax(%x: tensor<8x4096xf32>) -> tensor<8xf32> {
  %c0 = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8xf32>
  %z = linalg.fill ins(%c0 : f32) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(m, k) -> (m, k)>, affine_map<(m, k) -> (m)>], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<8x4096xf32>) outs(%z : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %abs = math.absf %a : f32
    %m = arith.maximumf %o, %abs : f32
    linalg.yield %m : f32
  } -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// -----

// 37 f32 per row on AVX-512: no block loop; vectors at 0 and 16, then the
// last 5 padded with the row's first element (a repeat changes no min).
// The body's constant stays scalar until it meets a vector.
// CHECK-LABEL: func.func @tail
// AVX512:   %[[R0:.*]] = vector.transfer_read %[[X:.*]][%[[R:.*]], %{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<3x37xf32>, vector<16xf32>
// AVX512:   arith.mulf %[[R0]], %{{.*}} : vector<16xf32>
// AVX512:   arith.minimumf
// AVX512:   vector.transfer_read %[[X]][%[[R]], %{{.*}}], %{{.*}} {in_bounds = [true]}
// AVX512:   %[[FIRST:.*]] = tensor.extract %[[X]][%[[R]], %{{.*}}] : tensor<3x37xf32>
// AVX512:   vector.transfer_read %[[X]][%[[R]], %{{.*}}], %[[FIRST]] : tensor<3x37xf32>, vector<16xf32>
// AVX512:   vector.reduction <minimumf>
func.func @tail(%x: tensor<3x37xf32>, %init: tensor<3xf32>) -> tensor<3xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(m, k) -> (m, k)>, affine_map<(m, k) -> (m)>], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<3x37xf32>) outs(%init : tensor<3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %c = arith.constant -3.0 : f32
    %p = arith.mulf %a, %c : f32
    %m = arith.minimumf %p, %o : f32
    linalg.yield %m : f32
  } -> tensor<3xf32>
  return %r : tensor<3xf32>
}

// -----

// Integers: one register of i8 is 64 (AVX-512) or 32 (AVX2) lanes; rank 3
// runs a loop per parallel dimension.
// CHECK-LABEL: func.func @bytes
// CHECK:     scf.for
// CHECK:       scf.for
// AVX512:        arith.maxsi %{{.*}}, %{{.*}} : vector<64xi8>
// AVX512:        vector.reduction <maxsi>, %{{.*}} : vector<64xi8> into i8
// AVX2:          vector.reduction <maxsi>, %{{.*}} : vector<32xi8> into i8
// CHECK:         tensor.insert %{{.*}} : tensor<2x3xi8>
func.func @bytes(%x: tensor<2x3x300xi8>, %init: tensor<2x3xi8>) -> tensor<2x3xi8> {
  %r = linalg.generic {indexing_maps = [affine_map<(a, b, k) -> (a, b, k)>, affine_map<(a, b, k) -> (a, b)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x : tensor<2x3x300xi8>) outs(%init : tensor<2x3xi8>) {
  ^bb0(%a: i8, %o: i8):
    %m = arith.maxsi %o, %a : i8
    linalg.yield %m : i8
  } -> tensor<2x3xi8>
  return %r : tensor<2x3xi8>
}

// -----

// A full reduction to a 0-d tensor: no row loop.
// CHECK-LABEL: func.func @full
// CHECK-NOT:   scf.for {{.*}} -> (tensor<f32>)
// CHECK:       vector.reduction <maximumf>
// CHECK:       tensor.insert %{{.*}} into %{{.*}}[] : tensor<f32>
func.func @full(%x: tensor<1000xf32>, %init: tensor<f32>) -> tensor<f32> {
  %r = linalg.generic {indexing_maps = [affine_map<(k) -> (k)>, affine_map<(k) -> ()>], iterator_types = ["reduction"]} ins(%x : tensor<1000xf32>) outs(%init : tensor<f32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %o, %a : f32
    linalg.yield %m : f32
  } -> tensor<f32>
  return %r : tensor<f32>
}

// -----

// Left to the reference: a sum (the kernel would reassociate it), maxnumf
// (no defined order of -0 and +0), the output used twice, a reduction
// over the outer dimension, and a second input.
// CHECK-LABEL: func.func @others
// CHECK-NOT: vector.reduction
// CHECK-COUNT-5: linalg.generic
func.func @others(%x: tensor<4x64xf32>, %y: tensor<4x64xf32>, %init: tensor<4xf32>, %cols: tensor<64xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<64xf32>, tensor<4xf32>) {
  %sum = linalg.generic {indexing_maps = [affine_map<(m, k) -> (m, k)>, affine_map<(m, k) -> (m)>], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<4x64xf32>) outs(%init : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.addf %o, %a : f32
    linalg.yield %m : f32
  } -> tensor<4xf32>
  %num = linalg.generic {indexing_maps = [affine_map<(m, k) -> (m, k)>, affine_map<(m, k) -> (m)>], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<4x64xf32>) outs(%init : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maxnumf %o, %a : f32
    linalg.yield %m : f32
  } -> tensor<4xf32>
  %twice = linalg.generic {indexing_maps = [affine_map<(m, k) -> (m, k)>, affine_map<(m, k) -> (m)>], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<4x64xf32>) outs(%init : tensor<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %p = arith.mulf %a, %o : f32
    %m = arith.maximumf %o, %p : f32
    linalg.yield %m : f32
  } -> tensor<4xf32>
  %outer = linalg.generic {indexing_maps = [affine_map<(k, n) -> (k, n)>, affine_map<(k, n) -> (n)>], iterator_types = ["reduction", "parallel"]} ins(%x : tensor<4x64xf32>) outs(%cols : tensor<64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %o, %a : f32
    linalg.yield %m : f32
  } -> tensor<64xf32>
  %two = linalg.generic {indexing_maps = [affine_map<(m, k) -> (m, k)>, affine_map<(m, k) -> (m, k)>, affine_map<(m, k) -> (m)>], iterator_types = ["parallel", "reduction"]} ins(%x, %y : tensor<4x64xf32>, tensor<4x64xf32>) outs(%init : tensor<4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.subf %a, %b : f32
    %m = arith.maximumf %o, %d : f32
    linalg.yield %m : f32
  } -> tensor<4xf32>
  return %sum, %num, %twice, %outer, %two : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<64xf32>, tensor<4xf32>
}

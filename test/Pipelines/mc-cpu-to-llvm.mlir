// RUN: mc-opt %s --mc-cpu-to-llvm | FileCheck %s --check-prefix=MALLOC
// RUN: mc-opt %s --mc-cpu-to-llvm=alloc-cache=true | FileCheck %s --check-prefix=CACHE

// The intermediate tensor is a buffer of the call: malloc / free by default,
// mc's runtime buffer cache with alloc-cache=true (lib/Runtime/MCAlloc.c).

// MALLOC-LABEL: llvm.func @f(
// MALLOC: llvm.call @malloc(
// MALLOC: llvm.call @free(
// MALLOC-LABEL: llvm.func @_mlir_ciface_f(
// MALLOC-NOT: _mlir_memref_to_llvm

// CACHE-LABEL: llvm.func @f(
// CACHE: llvm.call @_mlir_memref_to_llvm_alloc(
// CACHE: llvm.call @_mlir_memref_to_llvm_free(
// CACHE-NOT: llvm.call @malloc
// CACHE-NOT: llvm.call @free
func.func @f(%x: tensor<64x64xf32>) -> tensor<64xf32> {
  %e = tensor.empty() : tensor<64x64xf32>
  %sq = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                        iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<64x64xf32>) outs(%e : tensor<64x64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.mulf %a, %a : f32
    linalg.yield %m : f32
  } -> tensor<64x64xf32>
  %z = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<64xf32>
  %f = linalg.fill ins(%z : f32) outs(%e1 : tensor<64xf32>) -> tensor<64xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(i, j) -> (j, i)>, affine_map<(i, j) -> (i)>],
                       iterator_types = ["parallel", "reduction"]}
      ins(%sq : tensor<64x64xf32>) outs(%f : tensor<64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %o : f32
    linalg.yield %r : f32
  } -> tensor<64xf32>
  return %s : tensor<64xf32>
}

// An int8 GEMM for mc's tensor-core kernel (M, N, K multiples of 128, 64, 64);
// B is an argument, so a transpose kernel runs first.
func.func @gemm(%a: tensor<256x128xi8>, %b: tensor<128x128xi8>) -> tensor<256x128xi32> {
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<256x128xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<256x128xi32>) -> tensor<256x128xi32>
  %r = linalg.matmul ins(%a, %b : tensor<256x128xi8>, tensor<128x128xi8>) outs(%f : tensor<256x128xi32>) -> tensor<256x128xi32>
  return %r : tensor<256x128xi32>
}

// An int8 GEMM whose weight is a constant: transposed at compile time and
// copied to the GPU once, on the first call.
func.func @gemm(%a: tensor<256x128xi8>) -> tensor<256x128xi32> {
  %b = arith.constant dense<3> : tensor<128x128xi8>
  %c0 = arith.constant 0 : i32
  %e = tensor.empty() : tensor<256x128xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<256x128xi32>) -> tensor<256x128xi32>
  %r = linalg.matmul ins(%a, %b : tensor<256x128xi8>, tensor<128x128xi8>) outs(%f : tensor<256x128xi32>) -> tensor<256x128xi32>
  return %r : tensor<256x128xi32>
}

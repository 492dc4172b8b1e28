func.func @f(%x: tensor<256xf32>) -> tensor<256xf32> {
  %y = arith.addf %x, %x : tensor<256xf32>
  return %y : tensor<256xf32>
}

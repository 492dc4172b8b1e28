// A strided copy: host code calls memrefCopy, which reads and writes the
// buffers itself, so mc-run --device=cuda gives them managed memory.
func.func @f(%a: tensor<8x64xf32>) -> tensor<4x64xf32> {
  %s = tensor.extract_slice %a[0, 0] [4, 64] [2, 1] : tensor<8x64xf32> to tensor<4x64xf32>
  return %s : tensor<4x64xf32>
}

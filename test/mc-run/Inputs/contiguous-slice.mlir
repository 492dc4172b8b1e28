// A contiguous copy: host code copies with memcpy, which mc-run
// --device=cuda turns into a device-to-device cuMemcpy.
func.func @f(%a: tensor<8x64xf32>) -> tensor<4x64xf32> {
  %s = tensor.extract_slice %a[2, 0] [4, 64] [1, 1] : tensor<8x64xf32> to tensor<4x64xf32>
  return %s : tensor<4x64xf32>
}

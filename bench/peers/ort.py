"""ONNX Runtime com.microsoft MatMulNBits (weight-only int4/int8 with block
scales), one InferenceSession per weight set and thread count."""
import numpy as np


def version():
    try:
        import onnxruntime
        return onnxruntime.__version__
    except ImportError:
        return "(not installed)"


def pack(q, bits):
    """mc's symmetric int payload q (K x N, int8 in [-2^(b-1)+1, 2^(b-1)-1])
    in MatMulNBits' layout: B[N, K/bs, bs*bits/8] uint8 holding q + 2^(b-1)
    (the default zero point), two 4-bit values a byte, low nibble first."""
    qu = (q.T.astype(np.int16) + (1 << (bits - 1))).astype(np.uint8)
    if bits == 4:
        qu = qu[:, 0::2] | (qu[:, 1::2] << 4)
    return np.ascontiguousarray(qu)


def bytes_of(k, n, bits, block):
    return k * n * bits // 8 + (k // block) * n * 4


class MatMulNBits:
    """y = x . decode(q, s) with mc's payload q (K x N) and group scales s
    (K/bs x N): the same quantized weights mc's case uses. The session takes
    any number of rows M."""

    def __init__(self, q, s, bits, threads, accuracy_level=0):
        import onnxruntime as ort
        from onnx import TensorProto, helper, numpy_helper
        k, n = q.shape
        bs = k // s.shape[0]
        b = pack(q, bits).reshape(n, k // bs, bs * bits // 8)
        scales = np.ascontiguousarray(s.T).reshape(-1)
        node = helper.make_node("MatMulNBits", ["A", "B", "scales"], ["Y"],
                                domain="com.microsoft", K=k, N=n, bits=bits,
                                block_size=bs, accuracy_level=accuracy_level)
        graph = helper.make_graph(
            [node], "wq",
            [helper.make_tensor_value_info("A", TensorProto.FLOAT, ["M", k])],
            [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["M", n])],
            initializer=[numpy_helper.from_array(b, "B"),
                         numpy_helper.from_array(scales, "scales")])
        # IR version 10: what this onnxruntime accepts, whatever onnx's default.
        model = helper.make_model(graph, ir_version=10, opset_imports=[
            helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)])
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        self.sess = ort.InferenceSession(model.SerializeToString(), opts,
                                         providers=["CPUExecutionProvider"])
        self.n = n

    def bind(self, x):
        x = np.ascontiguousarray(x)
        out = np.zeros((x.shape[0], self.n), np.float32)
        binding = self.sess.io_binding()
        binding.bind_cpu_input("A", x)
        binding.bind_output("Y", "cpu", 0, np.float32, out.shape,
                            out.ctypes.data)
        run = self.sess.run_with_iobinding

        def call():
            run(binding)
            return out
        call.keep = (x, binding)
        return call

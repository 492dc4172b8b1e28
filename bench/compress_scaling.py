"""Compression-time scaling: builds models of L layers of D x D f32 matmuls
as MLIR bytecode (weights as dense_resource blobs), runs mc-opt with a
compression pipeline on one core, and reports wall time and peak memory
against the model's f32 size, for three sizes.

    python3 bench/compress_scaling.py [--bin build/bin] [--pipeline ...]

The largest default size is 24 x 2048 x 2048 (100.7M parameters, 403 MB)."""
import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def write_model(path, layers, dim, rng):
    """Writes the model as text with hex resource blobs (not timed)."""
    with open(path, "w") as f:
        t = f"tensor<{dim}x{dim}xf32>"
        f.write(f"func.func @model(%x: tensor<1x{dim}xf32>) -> tensor<1x{dim}xf32> {{\n")
        f.write(f"  %zero = arith.constant dense<0.0> : tensor<1x{dim}xf32>\n")
        value = "%x"
        for i in range(layers):
            f.write(f"  %w{i} = arith.constant dense_resource<w{i}> : {t}\n")
            f.write(f"  %y{i} = linalg.matmul ins({value}, %w{i} : tensor<1x{dim}xf32>, {t}) "
                    f"outs(%zero : tensor<1x{dim}xf32>) -> tensor<1x{dim}xf32>\n")
            value = f"%y{i}"
        f.write(f"  return {value} : tensor<1x{dim}xf32>\n}}\n")
        f.write("{-#\n  dialect_resources: {\n    builtin: {\n")
        for i in range(layers):
            w = (rng.standard_normal((dim, dim)) * 0.02).astype(np.float32)
            # A resource blob: 4-byte alignment header, then the data.
            f.write(f'      w{i}: "0x04000000')
            f.write(w.tobytes().hex())
            f.write('"' + ("," if i + 1 < layers else "") + "\n")
        f.write("    }\n  }\n#-}\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=os.path.join(HERE, "..", "build", "bin"))
    parser.add_argument("--pipeline", default="mc-quantize{bits=4 granularity=group group-size=128}")
    parser.add_argument("--sizes", default="6x2048,12x2048,24x2048",
                        help="comma-separated LAYERSxDIM")
    args = parser.parse_args()
    mc_opt = os.path.join(args.bin, "mc-opt")
    rng = np.random.default_rng(0)
    print(f"pipeline: {args.pipeline}")
    print(f"{'model':>12} {'params':>8} {'f32 MB':>8} {'wall s':>7} "
          f"{'peak MB':>8} {'peak/f32':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes.split(","):
            layers, dim = map(int, size.split("x"))
            text = os.path.join(tmp, "model.mlir")
            bc = os.path.join(tmp, "model.mlirbc")
            write_model(text, layers, dim, rng)
            subprocess.run([mc_opt, text, "--emit-bytecode", "-o", bc], check=True)
            os.remove(text)
            f32_mb = layers * dim * dim * 4 / 1e6
            # One core, as the target says; peak RSS of the child alone.
            cmd = ["taskset", "-c", "0", "/usr/bin/time", "-f", "%e %M", mc_opt, bc,
                   f"--pass-pipeline=builtin.module({args.pipeline})",
                   "--emit-bytecode", "-o", os.path.join(tmp, "out.mlirbc")]
            proc = subprocess.run(cmd, check=True, capture_output=True, text=True)
            wall, peak_kb = proc.stderr.strip().splitlines()[-1].split()
            peak_mb = int(peak_kb) / 1e3
            print(f"{size:>12} {layers * dim * dim / 1e6:>7.1f}M {f32_mb:>8.0f} "
                  f"{float(wall):>7.2f} {peak_mb:>8.0f} {peak_mb / f32_mb:>7.2f}x")
            os.remove(bc)


if __name__ == "__main__":
    main()

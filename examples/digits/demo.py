"""The mc demo: compress a real digits classifier with several recipes of
mc's passes, JIT-run every variant with mc-run on the held-out digits, and
print size, accuracy (top-1 and macro F1, from mc.metrics) and latency
side by side."""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "python"))
import mc  # noqa: E402
from data import load_split  # noqa: E402
from mlp_ir import build, load_weights  # noqa: E402

# name -> mc-opt pass options. K is 64, 128 and 64 for the three layers.
# {calibration} is the activation ranges `mc-run --calibrate` records on
# CALIBRATION_IMAGES training images.
CALIBRATION_IMAGES = 256
RECIPES = {
    "f32": [],
    "int8 per-channel": ["--mc-quantize"],
    "int8 W8A8 dynamic": ["--mc-quantize=activations=dynamic"],
    "int8 W8A8 static": ["--mc-quantize=activations=static "
                         "calibration={calibration}"],
    "int8 W8A8 static asym": ["--mc-quantize=activations=static "
                              "activation-symmetric=false "
                              "calibration={calibration}"],
    "int4 group-64": ["--mc-quantize=bits=4 granularity=group group-size=64"],
    "int4 group-64 mse": ["--mc-quantize=bits=4 granularity=group group-size=64 method=mse"],
    "2:4 + int8": ["--mc-prune=mode=nm n=2 m=4", "--mc-quantize"],
    "2:4 + int4 group-32": ["--mc-prune=mode=nm n=2 m=4",
                            "--mc-quantize=bits=4 granularity=group group-size=32"],
    "low-rank 0.95 + int8": ["--mc-factorize=energy=0.95", "--mc-quantize"],
    "50% channels + int8": ["--mc-prune=mode=channel sparsity=0.5 layers=fc1|fc2",
                            "--mc-quantize"],
    "k-means 4-bit": ["--mc-quantize=bits=4 method=kmeans granularity=tensor"],
    "log2 4-bit": ["--mc-quantize=bits=4 method=log2 granularity=tensor"],
    "binary per-channel": ["--mc-quantize=bits=1"],
    "fp8 e4m3 per-channel": ["--mc-quantize=type=fp8e4m3"],
}


def calibrate(mc_run, tmp, weights, biases, images):
    """Runs the f32 model on `images` with `mc-run --calibrate` and returns
    the path of the activation ranges it wrote (keyed by layer name, so the
    calibration model's batch size is its own)."""
    model, x_path = os.path.join(tmp, "calib.mlir"), os.path.join(tmp, "c.npy")
    stats = os.path.join(tmp, "calibration.json")
    with open(model, "w") as f:
        f.write(build(weights, biases, len(images)))
    np.save(x_path, images)
    subprocess.run([mc_run, model, "--entry=mlp", "--input=" + x_path,
                    "--output=" + os.path.join(tmp, "c-out.npy"),
                    "--calibrate=" + stats],
                   check=True, capture_output=True, text=True)
    return stats


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bin", default=os.path.join(HERE, "..", "..",
                                                      "build", "bin"))
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    mc_opt = os.path.join(args.bin, "mc-opt")
    mc_run = os.path.join(args.bin, "mc-run")

    weights, biases = load_weights(os.path.join(HERE, "weights.npz"))
    x_train, _, x_test, y_test = load_split()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        calibration = calibrate(mc_run, tmp, weights, biases,
                                x_train[:CALIBRATION_IMAGES])
        x_path = os.path.join(tmp, "x.npy")
        np.save(x_path, x_test)
        model = os.path.join(tmp, "model.mlir")
        with open(model, "w") as f:
            f.write(build(weights, biases, len(x_test)))
        for recipe, passes in RECIPES.items():
            passes = [p.format(calibration=calibration) for p in passes]
            compressed = os.path.join(tmp, "compressed.mlir")
            report = os.path.join(tmp, "report.json")
            subprocess.run([mc_opt, model, *passes,
                            f"--mc-compression-report=output={report}",
                            "-o", compressed],
                           check=True, capture_output=True, text=True)
            with open(report) as f:
                total = json.load(f)["total"]
            out = os.path.join(tmp, "logits.npy")
            proc = subprocess.run(
                [mc_run, compressed, "--entry=mlp", "--input=" + x_path,
                 "--output=" + out, f"--repeat={args.repeat}",
                 "--num-threads=1"],
                check=True, capture_output=True, text=True)
            ms = float(re.search(r"median ([0-9.]+) ms", proc.stdout).group(1))
            logits = np.load(out)
            rows.append((recipe, total["bytes_after"], total["bytes_before"],
                         total["flops_after"],
                         mc.top_k_accuracy(logits, y_test),
                         mc.f1_score(logits.argmax(axis=1), y_test), ms,
                         logits))

    base = rows[0]
    print(f"digits MLP 64-128-64-10 (weights {base[2]:.0f} bytes f32), "
          f"{len(x_test)} held-out images, mc-run --repeat={args.repeat} "
          "--num-threads=1\n(this CPU's kernels for the matmuls, the "
          "reference lowering for the rest; a tiny model: see bench/ for "
          "kernel speed)\n")
    print(f"{'recipe':<22} {'weight bytes':>12} {'ratio':>6} {'MFLOP':>6} "
          f"{'top-1':>7} {'delta':>7} {'F1':>6} {'max|dlogit|':>11} "
          f"{'ms/call':>8}")
    for recipe, size, _, flops, acc, f1, ms, logits in rows:
        print(f"{recipe:<22} {size:>12.0f} {base[1] / size:>5.1f}x "
              f"{flops / 1e6:>6.2f} {acc * 100:>6.2f}% "
              f"{(acc - base[4]) * 100:>+6.2f}% {f1:>6.4f} "
              f"{np.abs(logits - base[7]).max():>11.4f} {ms:>8.3f}")


if __name__ == "__main__":
    main()

"""The mc demo: quantize a real digits classifier several ways, lower mc's
ops with their exact reference semantics, JIT-run every variant with mc-run
on the held-out digits, and print size, accuracy and latency side by side."""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from data import load_split  # noqa: E402
from mlp_ir import RECIPES, build, load_weights, weight_bytes  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bin", default=os.path.join(HERE, "..", "..",
                                                      "build", "bin"))
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    mc_run = os.path.join(args.bin, "mc-run")

    weights, biases = load_weights(os.path.join(HERE, "weights.npz"))
    _, _, x_test, y_test = load_split()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        x_path = os.path.join(tmp, "x.npy")
        np.save(x_path, x_test)
        for recipe in RECIPES:
            src = os.path.join(tmp, "model.mlir")
            with open(src, "w") as f:
                f.write(build(weights, biases, len(x_test), recipe))
            out = os.path.join(tmp, "logits.npy")
            proc = subprocess.run(
                [mc_run, src, "--entry=mlp", "--input=" + x_path,
                 "--output=" + out, f"--repeat={args.repeat}"],
                check=True, capture_output=True, text=True)
            ms = float(re.search(r"median ([0-9.]+) ms", proc.stdout).group(1))
            logits = np.load(out)
            rows.append((recipe, weight_bytes(recipe, weights),
                         np.mean(logits.argmax(axis=1) == y_test), ms, logits))

    base = rows[0]
    print(f"digits MLP 64-128-64-10, {len(x_test)} held-out images, "
          f"mc-run --repeat={args.repeat} (reference lowering, 1 thread)\n")
    print(f"{'variant':<22} {'weight bytes':>12} {'ratio':>6} {'top-1':>7} "
          f"{'delta':>7} {'max|dlogit|':>11} {'ms/call':>8}")
    for recipe, size, acc, ms, logits in rows:
        print(f"{recipe:<22} {size:>12.0f} {base[1] / size:>5.1f}x "
              f"{acc * 100:>6.2f}% {(acc - base[2]) * 100:>+6.2f}% "
              f"{np.abs(logits - base[4]).max():>11.4f} {ms:>8.3f}")


if __name__ == "__main__":
    main()

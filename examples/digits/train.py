"""Trains the demo network: a 64-128-64-10 MLP on scikit-learn's bundled
8x8 handwritten digits (nothing is downloaded), in plain numpy with a fixed
seed, and writes weights.npz. The weights are committed; rerunning this
script reproduces them."""
import os

import numpy as np

from data import load_split


def main():
    x_train, y_train, x_test, y_test = load_split()
    rng = np.random.default_rng(0)
    sizes = [64, 128, 64, 10]
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        params.append(rng.standard_normal((fan_in, fan_out)) *
                      np.sqrt(2.0 / fan_in))
        params.append(np.zeros(fan_out))
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    lr, beta1, beta2, eps, step = 1e-3, 0.9, 0.999, 1e-8, 0
    onehot = np.eye(10)[y_train]
    for epoch in range(150):
        order = rng.permutation(len(x_train))
        for start in range(0, len(order), 32):
            idx = order[start:start + 32]
            acts = [x_train[idx]]
            for i in range(0, len(params), 2):
                z = acts[-1] @ params[i] + params[i + 1]
                acts.append(np.maximum(z, 0) if i + 2 < len(params) else z)
            logits = acts[-1] - acts[-1].max(axis=1, keepdims=True)
            prob = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
            grad = (prob - onehot[idx]) / len(idx)
            grads = [None] * len(params)
            for i in range(len(params) - 2, -1, -2):
                grads[i] = acts[i // 2].T @ grad + 1e-4 * params[i]
                grads[i + 1] = grad.sum(axis=0)
                if i:
                    grad = (grad @ params[i].T) * (acts[i // 2] > 0)
            step += 1
            for p, g, mm, vv in zip(params, grads, m, v):
                mm[:] = beta1 * mm + (1 - beta1) * g
                vv[:] = beta2 * vv + (1 - beta2) * g * g
                p -= lr * (mm / (1 - beta1 ** step)) / (
                    np.sqrt(vv / (1 - beta2 ** step)) + eps)
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "weights.npz")
    np.savez(out, **{f"w{i // 2}" if i % 2 == 0 else f"b{i // 2}":
                     p.astype(np.float32) for i, p in enumerate(params)})
    acts = x_test
    for i in range(0, len(params), 2):
        acts = acts @ params[i] + params[i + 1]
        if i + 2 < len(params):
            acts = np.maximum(acts, 0)
    print(f"test accuracy {np.mean(acts.argmax(axis=1) == y_test):.4f}, "
          f"wrote {out}")


if __name__ == "__main__":
    main()

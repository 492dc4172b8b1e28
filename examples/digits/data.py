"""The held-out split of scikit-learn's bundled digits used by the demo."""
import numpy as np


def load_split():
    """Returns (x_train, y_train, x_test, y_test): pixels scaled to [0, 1]
    as float32, a fixed 80/20 split."""
    from sklearn.datasets import load_digits
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    y = digits.target
    order = np.random.default_rng(42).permutation(len(x))
    split = int(0.8 * len(x))
    train, test = order[:split], order[split:]
    return x[train], y[train], x[test], y[test]

# mc.metrics against independent implementations: scikit-learn's
# top_k_accuracy_score and f1_score, scikit-image's mean_squared_error,
# peak_signal_noise_ratio and structural_similarity (Gaussian weights,
# sigma 1.5, population covariances: Wang et al.'s definition); ties,
# every error, and the command line (python3 -m mc).
# RUN: %python %s | FileCheck %s
# CHECK: classification: ok
# CHECK: comparison: ok
# CHECK: errors: ok
# CHECK: cli: ok
import os
import subprocess
import sys
import tempfile

import numpy as np
from skimage import metrics as skm
from sklearn import metrics as sk

import mc

rng = np.random.default_rng(5)
for n, c in ((1, 2), (50, 3), (400, 10), (300, 1000)):
    logits = rng.standard_normal((n, c)).astype(np.float32)
    labels = rng.integers(0, c, n)
    for k in range(1, min(5, c - 1) + 1) if c > 2 else ():
        want = sk.top_k_accuracy_score(labels, logits, k=k,
                                       labels=np.arange(c))
        got = mc.top_k_accuracy(logits, labels, k)
        assert np.isclose(got, want), (n, c, k, got, want)
    assert mc.top_k_accuracy(logits, labels, c) == 1.0
    assert mc.top_k_accuracy(logits, labels) == np.mean(
        logits.argmax(1) == labels)
    predicted = logits.argmax(1)
    for average in ("macro", "micro", "weighted"):
        got = mc.f1_score(predicted, labels, average)
        want = sk.f1_score(labels, predicted, average=average,
                           labels=np.union1d(labels, predicted),
                           zero_division=0)
        assert np.isclose(got, want), (n, c, average, got, want)
# Ties go to the lower class index (np.argmax's rule).
tied = np.array([[1.0, 1.0, 0.0], [0.0, 2.0, 2.0]])
assert mc.top_k_accuracy(tied, np.array([1, 1]), 1) == 0.5
assert mc.top_k_accuracy(tied, np.array([1, 2]), 2) == 1.0
# A class only predicted, never true, counts (F1 0) in the macro mean.
assert mc.f1_score(np.array([0, 2]), np.array([0, 0])) == (2 / 3 + 0) / 2
print("classification: ok")

for shape, axis in (((11, 11), None), ((32, 45), None), ((24, 20, 3), 2),
                    ((3, 16, 13), 0)):
    for span in (1.0, 255.0):
        ref = rng.random(shape) * span
        out = np.clip(ref + 0.05 * span * rng.standard_normal(shape), 0, span)
        assert np.isclose(mc.mse(ref, out), skm.mean_squared_error(ref, out))
        assert np.isclose(mc.psnr(ref, out, span),
                          skm.peak_signal_noise_ratio(ref, out,
                                                      data_range=span))
        want = skm.structural_similarity(
            ref, out, data_range=span, gaussian_weights=True, sigma=1.5,
            use_sample_covariance=False, channel_axis=axis)
        got = mc.ssim(ref, out, span, channel_axis=axis)
        assert np.isclose(got, want, rtol=1e-12, atol=1e-12), (shape, got,
                                                               want)
same = rng.random((12, 12)).astype(np.float32)
assert mc.psnr(same, same, 1.0) == float("inf")
assert np.isclose(mc.ssim(same, same, 1.0), 1.0)
print("comparison: ok")


def raises(fn, message):
    try:
        fn()
    except ValueError as error:
        assert message in str(error), (message, str(error))
        return
    raise AssertionError("no error: " + message)


logits = rng.standard_normal((4, 3))
raises(lambda: mc.top_k_accuracy(logits[0], [0]), "logits must be N x C")
raises(lambda: mc.top_k_accuracy(logits, [0, 1, 2]), "labels must be 4 integers")
raises(lambda: mc.top_k_accuracy(logits, [0.0, 1, 2, 0]), "labels must be 4 integers")
raises(lambda: mc.top_k_accuracy(logits, [0, 1, 2, 3]), "labels must be in 0..2")
raises(lambda: mc.top_k_accuracy(logits, [0, 1, 2, 0], k=4), "k must be in 1..3")
raises(lambda: mc.top_k_accuracy(np.full((4, 3), np.nan), [0, 1, 2, 0]),
       "logits has NaN or infinite values")
raises(lambda: mc.f1_score([], []), "predicted must be N > 0 labels")
raises(lambda: mc.f1_score([0, 1], [0, 1], "binary"), "unknown average 'binary'")
raises(lambda: mc.mse(np.zeros(3), np.zeros(4)), "must have one non-empty shape")
raises(lambda: mc.mse(np.zeros(3), [0, np.inf, 0]), "output has NaN or infinite")
raises(lambda: mc.psnr(np.zeros(3), np.zeros(3), 0), "data_range must be positive")
raises(lambda: mc.ssim(np.zeros((10, 12)), np.zeros((10, 12)), 1.0),
       "both sides >= 11")
raises(lambda: mc.ssim(np.zeros((12, 12)), np.zeros((12, 12)), 1.0, 0),
       "an image with channels must have 3 axes")
print("errors: ok")

with tempfile.TemporaryDirectory() as tmp:
    def save(name, array):
        path = os.path.join(tmp, name)
        np.save(path, array)
        return path

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "mc", *args],
                              capture_output=True, text=True)

    logits = rng.standard_normal((30, 10)).astype(np.float32)
    labels = rng.integers(0, 10, 30)
    out = cli("classify", "--logits", save("l.npy", logits),
              "--labels", save("y.npy", labels))
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        f"top-1 {mc.top_k_accuracy(logits, labels, 1):.6f}",
        f"top-5 {mc.top_k_accuracy(logits, labels, 5):.6f}",
        f"f1-macro {mc.f1_score(logits.argmax(1), labels):.6f}"], out.stdout
    images = rng.random((2, 16, 16, 3))
    noisy = np.clip(images + 0.1 * rng.standard_normal(images.shape), 0, 1)
    out = cli("compare", "--reference", save("r.npy", images), "--output",
              save("o.npy", noisy), "--data-range", "1", "--images", "nhwc")
    assert out.returncode == 0, out.stderr
    ssim = np.mean([mc.ssim(a, b, 1.0, channel_axis=2)
                    for a, b in zip(images, noisy)])
    assert out.stdout.splitlines() == [
        f"mse {mc.mse(images, noisy):.9g}",
        f"psnr {mc.psnr(images, noisy, 1.0):.6f} dB (data range 1)",
        f"ssim {ssim:.6f}"], out.stdout
    out = cli("classify", "--logits", save("bad.npy", logits[:, 0]),
              "--labels", os.path.join(tmp, "y.npy"))
    assert out.returncode == 1 and out.stderr.startswith(
        "mc: error: logits must be N x C"), out.stderr
    out = cli("compare", "--reference", os.path.join(tmp, "missing.npy"),
              "--output", os.path.join(tmp, "o.npy"))
    assert out.returncode == 1 and out.stderr.startswith("mc: error:"), out
print("cli: ok")

"""Metrics for testing compressed models against labels or against the
uncompressed model's outputs: top-k accuracy and F1 for classifiers; MSE,
PSNR and SSIM for outputs compared with a reference (e.g. the f32 model's,
or images).

Every function takes numpy arrays (or anything `np.asarray` takes),
computes in float64, and raises ValueError on inputs it cannot score
(mismatched shapes, NaN, an empty batch, a non-positive data range).

The same from the command line (`python3 -m mc --help`):

    python3 -m mc classify --logits Y.npy --labels L.npy [--k 5]
    python3 -m mc compare --reference R.npy --output Y.npy \\
        [--data-range 1.0] [--images nhwc|nchw|nhw|hwc|hw]
"""
import numpy as np

__all__ = ["top_k_accuracy", "f1_score", "mse", "psnr", "ssim"]


def _finite(name, array):
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} has NaN or infinite values")


def _labels(labels, n):
    labels = np.asarray(labels)
    if labels.shape != (n,) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be {n} integers, got shape "
                         f"{labels.shape} of {labels.dtype}")
    return labels.astype(np.int64)


def top_k_accuracy(logits, labels, k=1):
    """Fraction of rows of `logits` (N x C scores) whose label is among the
    k highest scores. Ties go to the lower class index, as np.argmax does,
    so k = 1 is `mean(argmax(logits, 1) == labels)`."""
    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim != 2 or logits.shape[0] == 0:
        raise ValueError(f"logits must be N x C with N > 0, got shape "
                         f"{logits.shape}")
    n, c = logits.shape
    labels = _labels(labels, n)
    if not 1 <= k <= c:
        raise ValueError(f"k must be in 1..{c}, got {k}")
    if labels.min() < 0 or labels.max() >= c:
        raise ValueError(f"labels must be in 0..{c - 1}")
    _finite("logits", logits)
    own = logits[np.arange(n), labels][:, None]
    index = np.arange(c)[None, :]
    ahead = (logits > own) | ((logits == own) & (index < labels[:, None]))
    return float(np.mean(ahead.sum(axis=1) < k))


def f1_score(predicted, labels, average="macro"):
    """F1 of predicted class labels against the true ones, over the classes
    either contains. Per class F1 = 2 TP / (2 TP + FP + FN); `macro` is
    their mean, `weighted` their mean weighted by each class's true count,
    `micro` the F1 of the pooled counts (the accuracy, for one label per
    sample)."""
    predicted = np.asarray(predicted)
    if predicted.ndim != 1 or predicted.size == 0:
        raise ValueError(f"predicted must be N > 0 labels, got shape "
                         f"{predicted.shape}")
    predicted = _labels(predicted, predicted.size)
    labels = _labels(labels, predicted.size)
    classes = np.union1d(predicted, labels)
    tp = np.array([np.sum((predicted == c) & (labels == c)) for c in classes])
    fp = np.array([np.sum((predicted == c) & (labels != c)) for c in classes])
    fn = np.array([np.sum((predicted != c) & (labels == c)) for c in classes])
    if average == "micro":
        return float(2 * tp.sum() / (2 * tp.sum() + fp.sum() + fn.sum()))
    per_class = 2 * tp / (2 * tp + fp + fn)  # never 0 / 0: c is in one of them
    if average == "macro":
        return float(per_class.mean())
    if average == "weighted":
        return float(np.sum(per_class * (tp + fn)) / predicted.size)
    raise ValueError(f"unknown average '{average}': expected macro, micro "
                     "or weighted")


def _pair(reference, output):
    reference = np.asarray(reference, dtype=np.float64)
    output = np.asarray(output, dtype=np.float64)
    if reference.shape != output.shape or reference.size == 0:
        raise ValueError(f"reference and output must have one non-empty "
                         f"shape, got {reference.shape} and {output.shape}")
    _finite("reference", reference)
    _finite("output", output)
    return reference, output


def mse(reference, output):
    """Mean squared difference."""
    reference, output = _pair(reference, output)
    return float(np.mean((reference - output) ** 2))


def psnr(reference, output, data_range):
    """Peak signal-to-noise ratio in dB: 10 log10(data_range^2 / MSE);
    inf for identical arrays. `data_range` is the span of valid values
    (1.0 for images in [0, 1], 255 for 8-bit ones)."""
    if not data_range > 0:
        raise ValueError(f"data_range must be positive, got {data_range}")
    error = mse(reference, output)
    return float("inf") if error == 0 else float(
        10 * np.log10(data_range ** 2 / error))


def _gaussian_window(size=11, sigma=1.5):
    x = np.arange(size) - (size - 1) / 2
    g = np.exp(-x ** 2 / (2 * sigma ** 2))
    return g / g.sum()


def _filter_valid(image, g):
    """`image` (H x W) convolved with the separable window g x g, only where
    the window fits (no padding)."""
    rows = np.apply_along_axis(np.convolve, 0, image, g, mode="valid")
    return np.apply_along_axis(np.convolve, 1, rows, g, mode="valid")


def _ssim_2d(x, y, data_range):
    g = _gaussian_window()
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    mx, my = _filter_valid(x, g), _filter_valid(y, g)
    vx = _filter_valid(x * x, g) - mx * mx
    vy = _filter_valid(y * y, g) - my * my
    cov = _filter_valid(x * y, g) - mx * my
    s = ((2 * mx * my + c1) * (2 * cov + c2)) / (
        (mx * mx + my * my + c1) * (vx + vy + c2))
    return s.mean()


def ssim(reference, output, data_range, channel_axis=None):
    """Mean structural similarity (Wang et al. 2004): an 11 x 11 Gaussian
    window with sigma 1.5, K1 = 0.01, K2 = 0.03, population (co)variances,
    averaged over the positions where the window fits the image. The images
    are H x W, or have one channel axis `channel_axis` (the channels'
    mean). Both sides must be at least 11 pixels."""
    if not data_range > 0:
        raise ValueError(f"data_range must be positive, got {data_range}")
    reference, output = _pair(reference, output)
    if channel_axis is not None:
        if reference.ndim != 3:
            raise ValueError(f"an image with channels must have 3 axes, got "
                             f"shape {reference.shape}")
        reference = np.moveaxis(reference, channel_axis, -1)
        output = np.moveaxis(output, channel_axis, -1)
        return float(np.mean([
            ssim(reference[..., c], output[..., c], data_range)
            for c in range(reference.shape[-1])]))
    if reference.ndim != 2 or min(reference.shape) < 11:
        raise ValueError(f"an image must be H x W with both sides >= 11, got "
                         f"shape {reference.shape}")
    return float(_ssim_2d(reference, output, data_range))

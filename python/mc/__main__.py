"""`python3 -m mc`: scores a model's outputs (.npy files) with mc.metrics."""
import argparse
import sys

import numpy as np

from .metrics import _pair, f1_score, mse, psnr, ssim, top_k_accuracy

# `--images` layouts: (batch axis or None, channel axis of one image or None)
_LAYOUTS = {"nhwc": (0, 2), "nchw": (0, 0), "nhw": (0, None),
            "hwc": (None, 2), "hw": (None, None)}


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python3 -m mc",
        description="Score a model's outputs (.npy files).")
    sub = parser.add_subparsers(dest="command", required=True)
    classify = sub.add_parser(
        "classify", help="top-1, top-k accuracy and F1 of N x C logits")
    classify.add_argument("--logits", required=True)
    classify.add_argument("--labels", required=True)
    classify.add_argument("--k", type=int, default=5)
    compare = sub.add_parser(
        "compare", help="MSE, PSNR (and SSIM for images) against a reference")
    compare.add_argument("--reference", required=True)
    compare.add_argument("--output", required=True)
    compare.add_argument("--data-range", type=float,
                         help="span of valid values (default: the "
                              "reference's max - min)")
    compare.add_argument("--images", choices=sorted(_LAYOUTS),
                         help="also the mean SSIM, the arrays being images "
                              "in this layout")
    args = parser.parse_args(argv)
    try:
        if args.command == "classify":
            logits, labels = np.load(args.logits), np.load(args.labels)
            predicted = np.argmax(logits, axis=1) if logits.ndim == 2 else None
            k = min(args.k, logits.shape[-1]) if logits.ndim == 2 else args.k
            print(f"top-1 {top_k_accuracy(logits, labels, 1):.6f}")
            print(f"top-{k} {top_k_accuracy(logits, labels, k):.6f}")
            print(f"f1-macro {f1_score(predicted, labels, 'macro'):.6f}")
            return 0
        reference, output = np.load(args.reference), np.load(args.output)
        span = args.data_range
        if span is None:
            reference, output = _pair(reference, output)
            span = float(reference.max() - reference.min())
        print(f"mse {mse(reference, output):.9g}")
        print(f"psnr {psnr(reference, output, span):.6f} dB "
              f"(data range {span:.9g})")
        if args.images:
            batch, channel = _LAYOUTS[args.images]
            images = (zip(reference, output) if batch is not None
                      else [(reference, output)])
            scores = [ssim(r, o, span, channel) for r, o in images]
            print(f"ssim {np.mean(scores):.6f}")
        return 0
    except (ValueError, OSError) as error:
        print(f"mc: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

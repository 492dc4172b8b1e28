"""mc's Python package. `mc.metrics` scores compressed models: top-k
accuracy and F1 against labels, MSE, PSNR and SSIM against a reference
output (see its docstring) and `python3 -m mc` does the same from the
command line (`python3 -m mc --help`). The package is
pure Python on numpy: put this directory's parent (`python/`) on
PYTHONPATH."""
from .metrics import f1_score, mse, psnr, ssim, top_k_accuracy

__all__ = ["top_k_accuracy", "f1_score", "mse", "psnr", "ssim"]

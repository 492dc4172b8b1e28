#!/usr/bin/env bash
# Installs everything mc needs on Debian 12 (run as root, or with sudo).
# Idempotent: installs only what is missing.
set -euo pipefail

apt_packages=(
  libmlir-22-dev mlir-22-tools llvm-22-dev llvm-22-tools clang-22 lld-22
  libomp-22-dev
  cmake ninja-build ccache python3 libeigen3-dev gcc libc6-dev
  # AArch64: the cross compiler links the tests' programs and builds mc's
  # OpenMP runtime for AArch64 (lib/Runtime); qemu runs them.
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
)
python_packages=(numpy ml_dtypes scikit-learn scikit-image)

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
python=${PYTHON:-python3}
command -v "$python" >/dev/null && "$python" -m pip --version >/dev/null 2>&1 \
  || missing+=(python3-pip)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! "$python" -c "import numpy, ml_dtypes, sklearn, skimage" 2>/dev/null; then
  echo "setup: pip installing ${python_packages[*]}"
  # Debian's own python3 is "externally managed"; a pyenv/venv python is not.
  "$python" -m pip install -q "${python_packages[@]}" 2>/dev/null \
    || "$python" -m pip install -q --break-system-packages "${python_packages[@]}"
fi

# GPU checks (no GPU needed): cuobjdump/nvdisasm for SASS come from PyPI;
# ptxas comes with the CUDA toolkit (/usr/local/cuda), which the GPU tests
# skip without.
if ! "$python" -c "import nvidia, glob, sys; sys.exit(not any(glob.glob(d + '/*/bin/cuobjdump') for d in nvidia.__path__))" 2>/dev/null; then
  echo "setup: pip installing nvidia-cuda-cuobjdump nvidia-cuda-nvdisasm"
  "$python" -m pip install -q nvidia-cuda-cuobjdump nvidia-cuda-nvdisasm 2>/dev/null \
    || "$python" -m pip install -q --break-system-packages nvidia-cuda-cuobjdump nvidia-cuda-nvdisasm \
    || echo "setup: warning: no cuobjdump; the SASS tests will be skipped"
fi

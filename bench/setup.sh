#!/usr/bin/env bash
# Installs the peers bench/run.py compares mc with. Idempotent: what is
# already installed is skipped. Not run by CI (the tests need no peers).
#   apt:  libdnnl-dev (oneDNN 2.6), libopenblas-dev (OpenBLAS)
#   pip:  onnxruntime, onnx, llama-cpp-python (its bundled ggml, built from
#         source for this CPU: -march=native, AVX-512 / VNNI where present)
# Building llama-cpp-python from source took 1646 s (27 min) here, on 2 cores
# shared with other builds; it also builds llama.cpp's tools (mtmd).
set -euo pipefail

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi

missing=()
for pkg in libdnnl-dev libopenblas-dev; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" \
    || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "setup: apt packages present (libdnnl-dev libopenblas-dev)"
fi

have() { python3 -c "import $1" 2>/dev/null; }

for mod in numpy onnx onnxruntime; do
  if have "$mod"; then
    echo "setup: python module $mod present"
  else
    echo "setup: pip install $mod"
    python3 -m pip install -q "$mod"
  fi
done

if have llama_cpp; then
  echo "setup: llama-cpp-python present"
else
  # ggml for the native CPU; OpenMP threading (ggml's default). The build
  # needs cmake and a C++ compiler (Debian's build-essential, cmake).
  export CMAKE_ARGS="-DGGML_NATIVE=ON -DGGML_AVX512=ON -DGGML_AVX512_VNNI=ON -DGGML_OPENMP=ON -DLLAMA_CURL=OFF"
  export CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)"
  echo "setup: pip install llama-cpp-python (build from source, CMAKE_ARGS=$CMAKE_ARGS)"
  start=$(date +%s)
  python3 -m pip install -q --no-cache-dir --no-binary llama-cpp-python llama-cpp-python
  echo "setup: llama-cpp-python built in $(( $(date +%s) - start )) s"
fi

# ggml's public headers, for bench/peers/ggml_shim.c: the wheel may not ship
# them; then take them from the same version's source distribution.
here="$(cd "$(dirname "$0")" && pwd)"
inc="$here/.cache/ggml-include"
read -r ver shipped < <(python3 - <<'PY'
import glob, os, llama_cpp
root = os.path.dirname(llama_cpp.__file__)
print(llama_cpp.__version__, int(bool(glob.glob(os.path.join(root, "**", "ggml-cpu.h"), recursive=True))))
PY
)
if [ "$shipped" = 1 ]; then
  echo "setup: ggml headers ship with llama-cpp-python $ver"
elif [ -f "$inc/ggml-cpu.h" ] && [ "$(cat "$inc/VERSION" 2>/dev/null)" = "$ver" ]; then
  echo "setup: ggml headers present in $inc"
else
  echo "setup: ggml headers from the llama-cpp-python $ver source distribution -> $inc"
  tmp=$(mktemp -d)
  python3 -m pip download -q --no-deps --no-binary :all: "llama-cpp-python==$ver" -d "$tmp"
  tar -xzf "$tmp"/llama_cpp_python-*.tar.gz -C "$tmp" --wildcards '*/vendor/llama.cpp/ggml/include/*.h'
  mkdir -p "$inc"
  cp "$tmp"/*/vendor/llama.cpp/ggml/include/*.h "$inc/"
  echo "$ver" > "$inc/VERSION"
  rm -rf "$tmp"
fi

lib=$(python3 - <<'PY'
import glob, os, llama_cpp
root = os.path.dirname(llama_cpp.__file__)
print(" ".join(sorted(glob.glob(os.path.join(root, "**", "libggml*.so*"), recursive=True))))
PY
)
echo "setup: ggml libraries: $lib"
echo "setup: done"

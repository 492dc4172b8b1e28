#!/usr/bin/env bash
# Sets up, builds and runs the demo: a digits classifier quantized several
# ways, lowered with mc's exact reference semantics and run with mc-run.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
bash scripts/build.sh
"${PYTHON:-python3}" examples/digits/demo.py --bin build/bin "$@"

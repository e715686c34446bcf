#!/usr/bin/env bash
# Installs the model factory's Python packages (requirements.txt). CPU wheels of torch suffice; where a
# local package mirror is configured (as on our build machines) torch's CPU build comes from it, elsewhere
# from PyPI's CPU index. Skips the install when everything is importable already.
set -euo pipefail
cd "$(dirname "$0")"
if python3 -c "import torch, numpy, scipy, soundfile, librosa, soxr, onnx, onnxruntime, matplotlib, pytest" 2>/dev/null; then
  echo "model factory Python packages: already installed"; exit 0
fi
args=(-r requirements.txt)
if [ -d /opt/pypi/simple ]; then
  args+=(--index-url file:///opt/pypi/simple)
  [ -d /opt/pypi-more/simple ] && args+=(--extra-index-url file:///opt/pypi-more/simple)
  [ -d /opt/wheels ] && args+=(--find-links /opt/wheels)
else
  args+=(--extra-index-url https://download.pytorch.org/whl/cpu)
fi
python3 -m pip install "${args[@]}"

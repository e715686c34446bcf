#!/usr/bin/env bash
# The model factory, one stage per command (each resumable and seeded), or all of them:
#   bash models/training/run.sh all            # synth -> label -> train tiny, small -> export -> eval
#   bash models/training/run.sh synth|label|train NAME|export NAME|eval|fixtures|test
# Needs ../shared (corpora + teachers), python3 with requirements.txt, ffmpeg, opus-tools, espeak-ng, flite.
set -euo pipefail
cd "$(dirname "$0")"
py() { python3 -m "callmos_factory.$@"; }
MODELS=${CALLMOS_MODELS:-"tiny small"}
case "${1:-all}" in
  deps) bash install-deps.sh ;;
  synth) py synth --train "${TRAIN_CLIPS:-7200}" --val 200 --test 400 ;;
  label) py label && py label --splits test --p835 ;;
  train) py train "$2" --epochs "${EPOCHS:-12}" --minutes "${MINUTES:-60}" ;;
  export) py export "$2" ;;
  fixtures) py fixtures ;;
  eval) py evaluate $MODELS ;;
  test) python3 -m pytest -q tests ;;
  all)
    py synth --train "${TRAIN_CLIPS:-7200}" --val 200 --test 400
    py label
    py label --splits test --p835
    py fixtures
    for m in $MODELS; do py train "$m" --epochs "${EPOCHS:-12}" --minutes "${MINUTES:-60}"; py export "$m"; done
    py evaluate $MODELS ;;
  *) echo "usage: run.sh all|deps|synth|label|train NAME|export NAME|fixtures|eval|test" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# The model factory, one stage per command (each resumable and seeded), or all of them:
#   bash models/training/run.sh all            # synth -> label -> train tiny, small, lite, base -> export -> eval
#   bash models/training/run.sh synth|label|train NAME|export NAME|eval|fixtures|test
#   bash models/training/run.sh prune          # issue 8: pruning ladders of small vs distillation (after all)
#   bash models/training/run.sh families       # issue 14: the family-held-out split, labelled and evaluated
#   bash models/training/run.sh finetune NAME  # issue 14: go on from the shipped NAME on today's corpus
# Needs ../shared (corpora + teachers), python3 with requirements.txt, ffmpeg, opus-tools, espeak-ng, flite;
# the family-held-out split also sptk and GStreamer's webrtcdsp (gstreamer1.0-plugins-bad, gstreamer1.0-tools).
set -euo pipefail
cd "$(dirname "$0")"
py() { python3 -m "callmos_factory.$@"; }
MODELS=${CALLMOS_MODELS:-"tiny small lite base"}  # lite and base after small: they start from small's conv front end
# lite (issue 14's browser default) and base (the server's GPU model): small's trained conv front end (learning at
# 0.3 x the rate) under a new back end, smaller (lite) or wider and deeper (base)
extra() { case "$1" in lite|base) echo "--init-front-from work/runs/small/best.pt --front-lr 0.3" ;; esac; }
# fp32 (export.py FP32_RULE); base's ~15 MB with its weights stored as float16, computing in float32 (weight_storage.py)
storage() { [ "$1" = base ] && echo "--fp16-weights" || echo "--fp32"; }
# what evaluate reports on: the distilled students and any pruned one prune_report.py shipped beside them
shipped() { echo ${CALLMOS_MODELS:-tiny lite small base} $(cd .. && ls -d -- *-pruned 2>/dev/null || true); }
case "${1:-all}" in
  deps) bash install-deps.sh ;;
  synth) py synth --train "${TRAIN_CLIPS:-15000}" --val 200 --test 400 ;;
  label) py label && py label --splits test --p835 ;;
  train) py train "$2" --epochs "${EPOCHS:-12}" --minutes "${MINUTES:-60}" $(extra "$2") ;;
  export) py export "$2" $(storage "$2") && py streaming export "$2" ;;
  finetune)  # resumable (work/runs/NAME/last.pt); nice, THREADS (default 1) so the machine stays usable
    nice -n 5 python3 -m callmos_factory.train "$2" --init-from "../$2" --init-lr "${INIT_LR:-0.3}" \
      --epochs "${EPOCHS:-6}" --minutes "${MINUTES:-60}" --threads "${THREADS:-1}" ;;
  fixtures) py fixtures ;;
  eval) py evaluate $(shipped) ;;
  families)
    py synth --train 0 --val 0 --test 0 --families "${FAMILY_CLIPS:-300}"
    py label --splits families
    py evaluate_families $(shipped) ;;
  test) python3 -m pytest -q tests ;;
  prune)  # resumable and time-budgeted per method (PRUNE_MINUTES of wall time each), 1 thread, nice
    # a from-scratch student below tiny, so the distilled curve spans the ladder's > 10x too (1.0 recipe)
    [ -f work/runs/micro/best.pt ] || nice -n 5 python3 -m callmos_factory.train micro --epochs 8 --minutes 35 --threads 1 --serving-aug 0
    for m in taylor magnitude; do nice -n 5 python3 -m callmos_factory.prune run "$m" --minutes "${PRUNE_MINUTES:-60}"; done
    nice -n 5 python3 -m callmos_factory.prune report
    py evaluate $(shipped) ;;
  all)
    py synth --train "${TRAIN_CLIPS:-15000}" --val 200 --test 400
    py label
    py label --splits test --p835
    py fixtures
    for m in $MODELS; do py train "$m" --epochs "${EPOCHS:-12}" --minutes "${MINUTES:-60}" $(extra "$m"); py export "$m" $(storage "$m"); py streaming export "$m"; done
    py evaluate $(shipped)
    py synth --train 0 --val 0 --test 0 --families "${FAMILY_CLIPS:-300}"
    py label --splits families
    py evaluate_families $(shipped) ;;
  *) echo "usage: run.sh all|deps|synth|label|train NAME|finetune NAME|export NAME|fixtures|eval|families|test|prune" >&2; exit 2 ;;
esac

"""A student checkpoint (.pt: a trained, fine-tuned or pruned Student) on every labelled split, before export.

    python -m callmos_factory.checkpoint_eval CKPT [CKPT ...]

Pearson r and RMSE against the teacher target on val (where a choice may be made), test and the
family-held-out split's clips of variants no student trained on (report only, evaluate_families' proxy), every split as the SDK serves it (the serving response applied, as
evaluate_families does). With --finetune, the first checkpoint is fine-tuned STEPS more steps on the
teacher-labelled train split (prune.py's steps: batch 8, AdamW 2e-4), read every 200 steps and saved to OUT
each time (resume by passing OUT as the checkpoint). Used to judge pruned points as browser-class students
(issue 14) without shipping them: models/REPORT.md's tables come from the shipped ONNX files.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from .dataset import cached_features
from .evaluate_families import variant_of
from .families import SEEN_IN_TRAINING
from .prune import load_checkpoint
from .serving_response import feature_gain
from .student import Student, count_params
from .train import pearson, predict

SPLITS = ("val", "test", "families")


def scores(model: Student) -> dict:
    gain = feature_gain()[None, None, :, None]
    out = {"params": count_params(model)}
    for split in SPLITS:
        s, feats = cached_features(split)
        pm = predict(model.eval(), np.asarray(feats) * gain)[0]
        keep = np.ones(len(s.ids), bool)
        if split == "families":  # the proxy is its clips of variants no student trained on, as evaluate_families reads
            keep = np.array([variant_of(m) not in SEEN_IN_TRAINING for m in s.meta])
        p, t = pm[keep], s.target[keep]
        out[split] = {"r": round(pearson(p, t), 4), "rmse": round(float(np.sqrt(np.mean((p - t) ** 2))), 4), "clips": int(keep.sum())}
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoints", nargs="+", type=Path)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    for path in a.checkpoints:
        model, ck = load_checkpoint(path)
        print(json.dumps({"checkpoint": str(path), "steps": ck.get("steps", 0), **scores(model)}), flush=True)


if __name__ == "__main__":
    main()

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
from .report_sections import write_section
from .serving_response import feature_gain
from .student import Student, count_params
from .train import pearson, predict

SPLITS = ("val", "test", "families")


def served_splits() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per split: its features as the SDK serves them and the target, over the clips read (loaded once).
    The family-held-out split also gives "families:<family>" entries, one per held-out family."""
    gain = feature_gain()[None, None, :, None]
    out = {}
    for split in SPLITS:
        s, feats = cached_features(split)
        keep = np.ones(len(s.ids), bool)
        if split == "families":  # the proxy is its clips of variants no student trained on, as evaluate_families reads
            keep = np.array([variant_of(m) not in SEEN_IN_TRAINING for m in s.meta])
        out[split] = (np.asarray(feats)[keep] * gain, s.target[keep])
        if split == "families":
            family = np.array([variant_of(m).split(":")[0] for m in s.meta])
            for f in sorted(set(family[keep])):
                sel = keep & (family == f)
                out[f"families:{f}"] = (np.asarray(feats)[sel] * gain, s.target[sel])
    return out


def scores(model: Student, splits: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict:
    out = {"params": count_params(model)}
    for split, (feats, target) in splits.items():
        p = predict(model.eval(), feats)[0]
        out[split] = {"r": round(pearson(p, target), 4), "rmse": round(float(np.sqrt(np.mean((p - target) ** 2))), 4),
                      "clips": len(target)}
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoints", nargs="+", type=Path)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--section", help="also write the table as this section of models/REPORT.md (models/report/NAME.md)")
    ap.add_argument("--intro", default="", help="the section's opening paragraph (with --section)")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    splits = served_splits()
    rows = []
    for path in a.checkpoints:
        model, ck = load_checkpoint(path)
        rows.append({"checkpoint": str(path), "steps": ck.get("steps", 0), **scores(model, splits)})
        print(json.dumps(rows[-1]), flush=True)
    if a.section:
        write_section(a.section, section_markdown(rows, a.intro, " ".join(["python -m callmos_factory.checkpoint_eval", *map(str, a.checkpoints)])))


def section_markdown(rows: list[dict], intro: str, command: str) -> str:
    """The checkpoints' r table (as served) for a REPORT.md section."""
    families = sorted(k.split(":", 1)[1] for k in rows[0] if k.startswith("families:"))
    head = ["checkpoint", "params", "val r", "test r", "family-held-out r (RMSE)", *(f"{f} r" for f in families)]
    lines = [intro.strip(), "", f"`{command}` (as served: the serving response applied; family-held-out: the clips of "
             "variants no student trained on).", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        fam = r["families"]
        cells = [r["checkpoint"], f"{r['params']:,}", str(r["val"]["r"]), str(r["test"]["r"]), f"**{fam['r']}** ({fam['rmse']})",
                 *(f"{r[f'families:{f}']['r']} (n = {r[f'families:{f}']['clips']})" for f in families)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()

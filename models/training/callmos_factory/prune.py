"""Stage 6 (issue 8): a ladder of structurally pruned students, Taylor vs magnitude, against distillation.

    python -m callmos_factory.prune run taylor [--minutes 30]     # resumable: one checkpoint per removal
    python -m callmos_factory.prune run magnitude [--minutes 30]
    python -m callmos_factory.prune report                        # ONNX, test r, speed, figures, shipping

Both methods start from the largest distilled student (small, work/runs/small-v1-backup/best.pt) and run
the same schedule: fine-tune FT_STEPS steps on the teacher-labelled train split, then remove groups
(conv channels, attention heads, FFN units; pruning.py) worth STEP_FRACTION of the remaining parameters,
and rebuild the student as a smaller dense network, until it is under the last size in TARGETS.
Taylor scores a group by |sum over its gate of w * dL/dw|, smoothed with factor SMOOTH across the
fine-tuning steps, and removes the lowest score per parameter over the whole network (the ladder is
compared at matched parameter counts): data-driven widths. Magnitude removes the same share of every
layer's groups, the lowest L1 of gate in each (Li et al. 2017): uniform widths. Whenever the student first gets under a size in TARGETS a copy is
fine-tuned FINAL_STEPS more steps and kept as a point of the ladder (work/prune/<method>/ladder/).
"""
from __future__ import annotations

import argparse
import copy
import json
import math
import os
import shutil
import time
from pathlib import Path

import numpy as np
import torch

from .dataset import cached_features
from .paths import WORK_DIR
from .pruning import as_slim, magnitude_scores, n_groups, select_global, select_uniform, shrink, taylor_scores
from .student import Student, config_from_dict, count_params
from .train import pearson, predict

PRUNE_DIR = Path(os.environ.get("CALLMOS_PRUNE_DIR", WORK_DIR / "prune"))
# Snapshots of the shipped students (their work/runs checkpoints get retrained): small 1.0.0 is the parent.
DISTILLED_DIR = WORK_DIR / "prune" / "distilled"
PARENT = DISTILLED_DIR / "small.pt"  # = work/runs/small-v1-backup/best.pt, the shipped small 1.0.0 (test r 0.8656)
# taylor-macs: Taylor importance per multiply-add rather than per parameter (issue 14: a browser student must be
# cheap to run, not only to download; per parameter, Taylor keeps the conv front end whole, whose cost dominates)
METHODS = ("taylor", "magnitude", "taylor-macs")
# Sizes spanning > 10x below the parent's 1,290,535; 131,703 is the distilled tiny, for a matched pair.
TARGETS = (900_000, 600_000, 400_000, 250_000, 131_703, 95_000)
# Of the remaining parameters per removal step: ~25 steps to 1/13 of the parent. A share of the groups (the
# paper's 0.5 %) paces badly here: groups range from 160 parameters (a first-layer channel) to 37k (a head).
STEP_FRACTION = 0.10
FT_STEPS = 30
FINAL_STEPS = 60
BATCH = 8  # a CPU shared by two training jobs: 30 small steps between removals rather than fewer big ones
LR = 2e-4
SMOOTH = 0.9


class Batches:
    """Random teacher-labelled train batches; reseeded per removal step so a resumed run draws the same."""

    def __init__(self):
        self.split, self.feats = cached_features("train")
        self.rng = np.random.default_rng(0)

    def reseed(self, *key: int) -> None:
        self.rng = np.random.default_rng(list(key))
        torch.manual_seed(hash(key) % 2**31)

    def next(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        idx = np.sort(self.rng.choice(len(self.split.ids), BATCH, replace=False))
        x = torch.from_numpy(np.ascontiguousarray(self.feats[idx])).contiguous(memory_format=torch.channels_last)
        return x, torch.from_numpy(self.split.target[idx]), torch.from_numpy(self.split.dims[idx])


def finetune(model: Student, batches: Batches, steps: int, on_grad=None, cosine: bool = False) -> float:
    """The distillation loss of train.py (MSE on the ensemble MOS + 0.5 x MSE on the dims), AdamW."""
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=1e-2)
    losses = []
    for s in range(steps):
        if cosine:
            opt.param_groups[0]["lr"] = LR * 0.5 * (1 + math.cos(math.pi * s / steps))
        x, target, dims = batches.next()
        mos, d = model(x)
        loss = torch.nn.functional.mse_loss(mos, target) + 0.5 * torch.nn.functional.mse_loss(d, dims)
        opt.zero_grad()
        loss.backward()
        if on_grad:
            on_grad(model)
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        losses.append(float(loss.detach()))
    return float(np.mean(losses))


def load_checkpoint(path: Path) -> tuple[Student, dict]:
    ck = torch.load(path, weights_only=False)
    model = Student(config_from_dict(ck["config"]))
    model.load_state_dict(ck["model"])
    return model.eval(), ck


def _save_point(model: Student, method: str, step: int, batches: Batches, fval: np.ndarray, val_target: np.ndarray,
                out: Path) -> dict:
    point = copy.deepcopy(model)
    batches.reseed(2, step)
    loss = finetune(point, batches, FINAL_STEPS, cosine=True)
    r = pearson(predict(point.eval(), fval)[0], val_target)
    params = count_params(point)
    info = {"method": method, "prune_step": step, "params": params, "val_r": r, "final_loss": loss,
            "finetune_steps": step * FT_STEPS + FINAL_STEPS}
    (out / "ladder").mkdir(parents=True, exist_ok=True)
    torch.save({"model": point.state_dict(), "config": point.cfg.to_dict(), **info},
               out / "ladder" / f"p{params:07d}.pt")
    print(f"  ladder point: {params:,} params, val r {r:.4f}", flush=True)
    return info


def snapshot_distilled() -> None:
    """Keep the distilled students the ladder is compared with (and pruned from) as they are now: train.py
    may rewrite work/runs/<name>/ later."""
    DISTILLED_DIR.mkdir(parents=True, exist_ok=True)
    for name in ("tiny", "small"):
        if not (DISTILLED_DIR / f"{name}.pt").exists():
            shutil.copy2(WORK_DIR / "runs" / name / "best.pt", DISTILLED_DIR / f"{name}.pt")


def run(method: str, minutes: float, parent: Path) -> None:
    torch.set_num_threads(1)
    out = PRUNE_DIR / method
    out.mkdir(parents=True, exist_ok=True)
    state_path = out / "state.pt"
    batches = Batches()
    val, fval = cached_features("val")
    if state_path.exists():
        st = torch.load(state_path, weights_only=False)
        model = Student(config_from_dict(st["config"]))
        model.load_state_dict(st["model"])
        print(f"{method}: resumed at removal step {st['step']} ({count_params(model):,} params)", flush=True)
    else:
        snapshot_distilled()
        model = as_slim(load_checkpoint(parent)[0])
        st = {"step": 0, "scores": None, "done": [], "log": [], "seconds": 0.0, "parent": str(parent)}
    model = model.to(memory_format=torch.channels_last)
    t0 = time.time() - st["seconds"]
    while True:
        params = count_params(model)
        crossed = [t for t in TARGETS if params <= t and t not in st["done"]]
        if crossed:
            st["log"].append({"point": _save_point(model, method, st["step"], batches, fval, val.target, out)})
            st["done"] += crossed
            torch.save({**st, "model": model.state_dict(), "config": model.cfg.to_dict()}, state_path)
        if params <= TARGETS[-1]:
            print(f"{method}: done, {params:,} params after {st['step']} removal steps", flush=True)
            break
        if time.time() - t0 > minutes * 60:
            print(f"{method}: time budget of {minutes} min reached at {params:,} params", flush=True)
            break
        scores = st["scores"]

        def smooth_taylor(m: Student) -> None:
            nonlocal scores
            now = taylor_scores(m)
            scores = now if scores is None else {
                k: [SMOOTH * a + (1 - SMOOTH) * b for a, b in zip(scores[k], now[k])] for k in now}

        batches.reseed(1, st["step"])
        loss = finetune(model, batches, FT_STEPS, on_grad=smooth_taylor if method.startswith("taylor") else None)
        if method == "magnitude":
            scores = magnitude_scores(model)
            keep = select_uniform(scores, model.cfg, STEP_FRACTION)
        else:
            keep = select_global(scores, model.cfg, STEP_FRACTION, by_macs=method == "taylor-macs")
        count = n_groups(model.cfg) - sum(len(k) for ks in keep.values() for k in ks)
        st["scores"] = {k: [v[kk] for v, kk in zip(scores[k], keep[k])] for k in keep}
        model = shrink(model, keep).to(memory_format=torch.channels_last)
        st["step"] += 1
        st["seconds"] = time.time() - t0
        st["log"].append({"step": st["step"], "loss": loss, "removed": count, "params": count_params(model),
                          "groups": n_groups(model.cfg), "seconds": round(st["seconds"])})
        print(json.dumps(st["log"][-1]), flush=True)
        torch.save({**st, "model": model.state_dict(), "config": model.cfg.to_dict()}, state_path)
    (out / "log.json").write_text(json.dumps({"method": method, "parent": str(parent), "seconds": st["seconds"],
                                              "schedule": {"step_fraction": STEP_FRACTION, "ft_steps": FT_STEPS,
                                                           "final_steps": FINAL_STEPS, "batch": BATCH, "lr": LR,
                                                           "smooth": SMOOTH},
                                              "log": st["log"]}, indent=1))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("method", choices=METHODS)
    r.add_argument("--minutes", type=float, default=30.0, help="stop (resumably) after this much time")
    r.add_argument("--parent", type=Path, default=PARENT)
    sub.add_parser("report")
    a = ap.parse_args(argv)
    if a.cmd == "run":
        run(a.method, a.minutes, a.parent)
    else:
        from .prune_report import report
        report()


if __name__ == "__main__":
    main()

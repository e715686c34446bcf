"""Stage 3: distil the teacher ensemble into a student (resumable, seeded, time-budgeted).

    python -m callmos_factory.train tiny [--epochs 12] [--minutes 40] [--threads 2]

Augmentation: half the clips of each batch get the core resampler's band edge (serving_response.py),
the response every stream in the SDK passes, so the students do not read it as coloration.

Loss: MSE on the ensemble MOS target + 0.5 x MSE on the dims (NISQA dims, PLCMOS). Validation and the
kept weights use an exponential moving average of the weights (decay 0.998, BatchNorm statistics
included): the students are data-limited and overfit within a few epochs, and the average generalises
better than any single step. The checkpoint with the best validation Pearson r is kept
(work/runs/<name>/best.pt); last.pt resumes.
"""
from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
import torch
from torch.optim.swa_utils import AveragedModel

from .dataset import cached_features
from .serving_response import feature_gain
from .paths import WORK_DIR
from .from_onnx import student_from_onnx
from .student import LADDER, Student, config_from_dict, count_params

EMA_DECAY = 0.998  # ~500-step horizon: 2-4 epochs at 32 clips per step


def ema_step(averaged: torch.Tensor, current: torch.Tensor, n: torch.Tensor | int) -> torch.Tensor:
    # warm-up (decay (1 + n) / (10 + n) early on) so the random initial weights leave the average quickly
    # even in short runs; a fixed 0.998 keeps 32 % of them after 2 epochs.
    decay = min(EMA_DECAY, (1.0 + float(n)) / (10.0 + float(n)))
    return averaged * decay + current * (1.0 - decay)


DEFAULTS = {"micro": {"lr": 2e-3, "batch": 32}, "tiny": {"lr": 2e-3, "batch": 32}, "small": {"lr": 1e-3, "batch": 32},
            "lite": {"lr": 1e-3, "batch": 32}, "base": {"lr": 5e-4, "batch": 32}}


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    return float((a * b).sum() / (np.sqrt((a * a).sum() * (b * b).sum()) + 1e-12))


def warm_restarts(state: dict) -> list[dict]:
    """Every warm restart of a run, oldest first (a run restarted once before the list existed has only "restart")."""
    return state.get("restarts") or ([state["restart"]] if "restart" in state else [])


def predict(model: Student, feats: np.ndarray, batch: int = 64) -> tuple[np.ndarray, np.ndarray]:
    model.eval()
    mos, dims = [], []
    with torch.no_grad():
        for i in range(0, len(feats), batch):
            # a copy: feats may be the cache's read-only memory map, which torch will not wrap silently
            m, d = model(torch.from_numpy(np.array(feats[i: i + batch], dtype=np.float32)))
            mos.append(m.numpy())
            dims.append(d.numpy())
    return np.concatenate(mos), np.concatenate(dims)


def _from_shipped(model_dir: Path, cfg, ftrain, rng: np.random.Generator, state: dict, lr_scale: float) -> Student:
    """The shipped student of model_dir as the starting point; the run's state records it (the card says it)."""
    card = json.loads((model_dir / "card.json").read_text())
    if config_from_dict(card["training"]["architecture"]) != cfg:
        raise SystemExit(f"{model_dir}: its architecture is not {cfg.name}'s")
    sample = np.sort(rng.choice(len(ftrain), size=min(256, len(ftrain)), replace=False))
    model = student_from_onnx(model_dir / "model.onnx", cfg, np.asarray(ftrain[sample]))
    state["init_from"] = {"name": card["name"], "version": card["version"], "trainClips": card["training"].get("data")}
    state["restarts"] = [{"epoch": 0, "scale": lr_scale}]
    state["restart"] = state["restarts"][0]
    print(f"fine-tuning {card['name']} {card['version']} (from {model_dir}); lr from {lr_scale} x peak", flush=True)
    return model


def _front_from(model: Student, checkpoint: Path, state: dict) -> None:
    """Copies a trained student's conv front end (same channels) into a new student; the run's state records it."""
    ck = torch.load(checkpoint, weights_only=False)
    front = {k: v for k, v in ck["model"].items() if k.startswith("convs.")}
    mine = {k for k in model.state_dict() if k.startswith("convs.")}
    if set(front) != mine:
        raise SystemExit(f"{checkpoint}: its conv front end is not {model.cfg.name}'s")
    model.load_state_dict(front, strict=False)
    state["front_from"] = {"checkpoint": str(checkpoint), "config": ck.get("config"), "val_r": ck.get("val_r")}
    print(f"conv front end from {checkpoint} (val r {ck.get('val_r')})", flush=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("name", choices=sorted(LADDER))
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--minutes", type=float, default=120.0, help="stop after this much training time")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--serving-aug", type=float, default=0.5,
                    help="fraction of training clips given the SDK resampler's response (0 disables)")
    ap.add_argument("--reset-ema", action="store_true",
                    help="on resume, restart the weight average from the current weights")
    ap.add_argument("--warm-restart", type=float, default=0.0, metavar="SCALE",
                    help="on resume, a new cosine schedule from SCALE x the peak lr down to 0 over the epochs left "
                         "(to go on from a finished run, e.g. on a grown corpus); kept in last.pt")
    ap.add_argument("--init-from", metavar="MODEL_DIR", default=None,
                    help="start a new run from a shipped fp32 student (its model.onnx and card.json; from_onnx.py) "
                         "instead of random weights: fine-tuning on a grown corpus when the run that made it is gone")
    ap.add_argument("--init-lr", type=float, default=0.3, metavar="SCALE",
                    help="with --init-from: the cosine schedule starts at SCALE x the peak learning rate")
    ap.add_argument("--init-front-from", metavar="CHECKPOINT", default=None,
                    help="start a new run with the conv front end of a trained student's best.pt (same channels)")
    ap.add_argument("--front-lr", type=float, default=1.0, metavar="SCALE",
                    help="the conv front end learns at SCALE x the others' rate (with --init-front-from: < 1 keeps "
                         "more of what it learnt)")
    ap.add_argument("--run", metavar="RUN_NAME", default=None,
                    help="the run's folder under work/runs (default: the model's name): side-by-side runs of one model")
    ap.add_argument("--without", metavar="TYPE", action="append", default=[],
                    help="leave out the train clips whose chain has a degradation of this type (a control run that "
                         "measures what one corpus addition brings, on the same clips otherwise); repeatable")
    ap.add_argument("--clean-repeat", type=int, default=1, metavar="K",
                    help="each undegraded train clip is seen K times an epoch (a small student fine-tuned on a corpus "
                         "of ever more degradation kinds drifts low on clean speech, which every clean call shows)")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    cfg, hp = LADDER[a.name], DEFAULTS[a.name]
    run = WORK_DIR / "runs" / (a.run or a.name)
    run.mkdir(parents=True, exist_ok=True)

    train, ftrain = cached_features("train")
    val, fval = cached_features("val")
    # the clips trained on, as indices into the split (and its feature cache)
    keep = np.array([i for i in range(len(train.ids)) if not a.without
                     or not any(d["type"] in a.without for d in train.meta[i]["degradations"])], dtype=np.int64)
    without = f" (without {', '.join(a.without)}: {len(train.ids) - len(keep)} left out)" if a.without else ""
    repeated = {}  # what --clean-repeat did, for history.json (the card counts the distinct clips)
    if a.clean_repeat > 1:
        clean = keep[[not train.meta[i]["degradations"] for i in keep]]
        repeated = {"distinct_train_clips": len(keep), "clean_repeat": a.clean_repeat, "clean_clips": len(clean)}
        keep = np.sort(np.concatenate([keep, *[clean] * (a.clean_repeat - 1)]))
        without += f" ({len(clean)} clean clips seen {a.clean_repeat} times)"
    print(f"train {len(keep)} clips{without}, val {len(val.ids)} clips", flush=True)
    # channels_last lets oneDNN run the convs ~1.6x faster on CPU (measured on the tiny student)
    state = {"epoch": 0, "best_r": -1.0, "history": [], "train_seconds": 0.0}
    if a.init_from and not (run / "last.pt").exists():
        model = _from_shipped(Path(a.init_from), cfg, ftrain, rng, state, a.init_lr)
    else:
        model = Student(cfg)
        if a.init_front_from and not (run / "last.pt").exists():
            _front_from(model, Path(a.init_front_from), state)
            state["front_lr"] = a.front_lr
    model = model.to(memory_format=torch.channels_last)
    ema = AveragedModel(model, avg_fn=ema_step, use_buffers=True)
    # one parameter group unless the front end's rate differs: older runs' last.pt resume as they were saved
    groups = [{"params": [p for n, p in model.named_parameters() if n.startswith("convs.")], "lr": hp["lr"] * a.front_lr},
              {"params": [p for n, p in model.named_parameters() if not n.startswith("convs.")]}]
    opt = torch.optim.AdamW(groups if a.front_lr != 1.0 else model.parameters(), lr=hp["lr"], weight_decay=1e-2)
    steps_per_epoch = math.ceil(len(keep) / hp["batch"])

    def schedule(restart: dict | None) -> torch.optim.lr_scheduler.LambdaLR:
        """Warm-up then cosine to 0 at a.epochs; after a warm restart its step count starts at the restart."""
        first, scale = (restart["epoch"], restart["scale"]) if restart else (0, 1.0)
        total = steps_per_epoch * max(1, a.epochs - first)
        return torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: scale * min(1.0, (s + 1) / 100) * 0.5 * (1 + math.cos(math.pi * min(s, total) / total)))

    sched = schedule(state.get("restart"))
    if (run / "last.pt").exists():
        ck = torch.load(run / "last.pt", weights_only=False)
        model.load_state_dict(ck["model"]); ema.load_state_dict(ck["ema"]); opt.load_state_dict(ck["opt"])
        state = ck["state"]
        rng = np.random.default_rng([a.seed, state["epoch"]])
        if a.warm_restart > 0:  # the loaded optimiser keeps initial_lr = the peak: the new curve scales it
            # every restart is kept (the card tells the whole schedule); "restart" is the curve in force
            state["restarts"] = [*warm_restarts(state), {"epoch": state["epoch"], "scale": a.warm_restart}]
            state["restart"] = state["restarts"][-1]
            sched = schedule(state["restart"])  # a fresh step count: the new curve starts here
        else:
            sched = schedule(state.get("restart"))
            sched.load_state_dict(ck["sched"])
            for g, lr in zip(opt.param_groups, sched.get_last_lr()):
                g["lr"] = lr  # building the scheduler stepped it once: put back the saved point's lr
        if a.reset_ema:
            ema = AveragedModel(model, avg_fn=ema_step, use_buffers=True)
            state["best_r"] = -1.0  # the restarted average is judged afresh
        print(f"resumed at epoch {state['epoch']}{' (weight average restarted)' if a.reset_ema else ''}"
              f"{f' (lr restarted at {a.warm_restart} x peak)' if a.warm_restart > 0 else ''}", flush=True)

    gain = feature_gain()[None, None, :, None]  # [1, 1, 161, 1] over [B, 2, 161, T]
    fval_served = np.asarray(fval) * gain  # the validation clips as the SDK would see them
    t_start = time.time() - state["train_seconds"]
    while state["epoch"] < a.epochs:
        model.train()
        order = keep[rng.permutation(len(keep))]
        losses = []
        for i in range(0, len(order), hp["batch"]):
            idx = np.sort(order[i: i + hp["batch"]])
            xb = ftrain[idx]  # fancy indexing copies out of the read-only memory map: ours to scale
            served = rng.random(len(idx)) < a.serving_aug
            xb[served] *= gain
            x = torch.from_numpy(xb).contiguous(memory_format=torch.channels_last)
            mos, dims = model(x)
            loss = torch.nn.functional.mse_loss(mos, torch.from_numpy(train.target[idx])) + \
                0.5 * torch.nn.functional.mse_loss(dims, torch.from_numpy(train.dims[idx]))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            sched.step()
            ema.update_parameters(model)
            losses.append(float(loss.detach()))
        state["epoch"] += 1
        pm, _ = predict(ema.module, fval)
        r = pearson(pm, val.target)
        rmse = float(np.sqrt(np.mean((pm - val.target) ** 2)))
        ps, _ = predict(ema.module, fval_served)
        r_served, bias_served = pearson(ps, val.target), float(np.mean(ps - pm))
        state["train_seconds"] = time.time() - t_start
        state["history"].append({"epoch": state["epoch"], "loss": float(np.mean(losses)), "val_r": r,
                                 **({"clean_repeat": a.clean_repeat} if a.clean_repeat > 1 else {}),
                                 "val_rmse": rmse, "val_r_served": r_served, "served_minus_native": bias_served,
                                 "seconds": round(state["train_seconds"]), "train_clips": len(keep),
                                 "threads": a.threads})
        print(json.dumps(state["history"][-1]), flush=True)
        if r > state["best_r"]:
            state["best_r"] = r
            torch.save({"model": ema.module.state_dict(), "config": cfg.to_dict(), "epoch": state["epoch"],
                        "val_r": r, "params": count_params(model)}, run / "best.pt")
        torch.save({"model": model.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
                    "state": state}, run / "last.pt")
        if state["train_seconds"] > a.minutes * 60:
            print(f"time budget of {a.minutes} min reached after epoch {state['epoch']}", flush=True)
            break
    (run / "history.json").write_text(json.dumps({**state, "train_clips": len(keep), "without": a.without, **repeated,
                                                  "val_clips": len(val.ids), "params": count_params(model)}, indent=1))
    print(f"best val r {state['best_r']:.4f}; checkpoint {run / 'best.pt'}")


if __name__ == "__main__":
    main()

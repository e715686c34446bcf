"""The pruning ladder against distillation: every point exported to fp32 ONNX, scored on the held-out test
split, timed in ONNX Runtime (1 thread), plotted; a pruned model is shipped where it beats the distilled
student of its size. Writes models/report/pruning.{json,md}, the two figures and REPORT.md's section.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort

from .dataset import cached_features
from .evaluate import metrics, predict_onnx
from .export import export_onnx, parity, write_model
from .paths import MODELS_DIR, WORK_DIR
from .prune import BATCH, DISTILLED_DIR, FINAL_STEPS, FT_STEPS, METHODS, PARENT, PRUNE_DIR, SMOOTH, STEP_FRACTION, load_checkpoint
from .report_sections import SECTIONS_DIR, write_section

# The distilled students trained from scratch by train.py, as shipped (snapshots of their work/runs/<name>/best.pt),
# the pruning parent among them; a from-scratch student at another size joins the comparison by being listed here.
# "micro" (65 k params, below the ladder's smallest sizes) is trained by run.sh prune for this comparison
# only, with the 1.0 recipe (no serving-response augmentation) like the other two.
DISTILLED = {"micro": WORK_DIR / "runs" / "micro" / "best.pt", "tiny": DISTILLED_DIR / "tiny.pt", "small": PARENT}
SIZE_CLASS = 0.7  # a pruned model "is of the size" of a distilled one with 0.7x .. 1x its parameters
TIMING_ROUNDS, TIMING_RUNS = 10, 5
TIMING_PERCENTILE = 10  # of the runs: the CPU is shared, and other processes only ever add time


def _points() -> list[dict]:
    pts = [{"id": f"distilled-{n}", "method": "distilled", "label": n, "ckpt": p} for n, p in DISTILLED.items() if p.exists()]
    for m in METHODS:
        for p in sorted((PRUNE_DIR / m / "ladder").glob("p*.pt")):
            pts.append({"id": f"{m}-{p.stem}", "method": m, "label": f"{m} {p.stem}", "ckpt": p})
    return pts


def _session(path: Path) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def _time_ms(paths: dict[str, Path], window: np.ndarray) -> dict[str, float]:
    """ms per batch-1 window (TIMING_PERCENTILE of the runs), 1 thread; rounds interleave the models so that
    load from other processes on the shared CPU spreads over all of them rather than biasing one."""
    sessions = {k: _session(p) for k, p in paths.items()}
    samples: dict[str, list[float]] = {k: [] for k in paths}
    for s in sessions.values():
        s.run(["mos"], {"frames": window})
    for _ in range(TIMING_ROUNDS):
        for k, s in sessions.items():
            for _ in range(TIMING_RUNS):
                t0 = time.perf_counter()
                s.run(["mos"], {"frames": window})
                samples[k].append((time.perf_counter() - t0) * 1000)
    return {k: float(np.percentile(v, TIMING_PERCENTILE)) for k, v in samples.items()}


def measure() -> list[dict]:
    test, ftest = cached_features("test")
    _, fval = cached_features("val")
    onnx_dir = PRUNE_DIR / "onnx"
    onnx_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for pt in _points():
        model, ck = load_checkpoint(pt["ckpt"])
        path = onnx_dir / f"{pt['id']}.onnx"
        if not path.exists() or path.stat().st_mtime < pt["ckpt"].stat().st_mtime:
            export_onnx(model, path)
        err = parity(model, _session(path), fval)
        if err > 1e-4:
            raise SystemExit(f"{path}: ONNX parity {err:.2e} > 1e-4")
        pred, _ = predict_onnx(path, ftest)
        m = metrics(pred, test.target)
        rows.append({"id": pt["id"], "method": pt["method"], "label": pt["label"], "params": int(ck["params"]),
                     "onnxBytes": path.stat().st_size, "testPearson": m["pearson"], "testRmse": m["rmse"],
                     "valPearson": round(float(ck["val_r"]), 4), "pruneStep": ck.get("prune_step"),
                     "fineTuneSteps": ck.get("finetune_steps"), "config": ck["config"],
                     "checkpoint": str(pt["ckpt"].relative_to(WORK_DIR)), "onnx": path})
        print(f"{pt['id']}: {m} ({ck['params']:,} params)", flush=True)
    ms = _time_ms({r["id"]: r["onnx"] for r in rows}, np.ascontiguousarray(ftest[:1]).astype(np.float32))
    parent_ms = ms["distilled-small"]
    for r in rows:
        r["msPerWindow"] = round(ms[r["id"]], 2)
        r["speedupVsSmall"] = round(parent_ms / ms[r["id"]], 2)
        r["onnx"] = str(r["onnx"].relative_to(WORK_DIR))
    return rows


def _figures(rows: list[dict]) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    style = {"taylor": ("o-", "pruned (Taylor)"), "magnitude": ("s--", "pruned (magnitude, L1)"),
             "distilled": ("D", "distilled from scratch")}
    out = []
    for x_key, x_label, name in (("params", "parameters", "pruning-params.png"),
                                 ("msPerWindow", "ONNX Runtime ms per second of audio (1 thread)", "pruning-speed.png")):
        fig, ax = plt.subplots(figsize=(6, 4.2), dpi=110)
        parent = next(r for r in rows if r["id"] == "distilled-small")
        for method, (fmt, label) in style.items():
            pts = sorted((r for r in rows if r["method"] == method), key=lambda r: r[x_key])
            if method != "distilled":
                pts = sorted(pts + [parent], key=lambda r: r[x_key])  # every ladder starts at its parent
            ax.plot([r[x_key] for r in pts], [r["testPearson"] for r in pts], fmt, label=label, ms=5)
            if method == "distilled":
                for r in pts:
                    ax.annotate(r["label"], (r[x_key], r["testPearson"]), textcoords="offset points", xytext=(5, -12))
        ax.set_xscale("log")
        ax.set_xlabel(x_label)
        ax.set_ylabel("Pearson r vs teacher ensemble (test split)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(loc="lower right")
        fig.tight_layout()
        SECTIONS_DIR.mkdir(parents=True, exist_ok=True)
        fig.savefig(SECTIONS_DIR / name)
        plt.close(fig)
        out.append(f"report/{name}")
    return out


def _matches(rows: list[dict]) -> list[dict]:
    """Per distilled student: the best pruned point of its size class, per method."""
    out = []
    for d in (r for r in rows if r["method"] == "distilled"):
        entry = {"distilled": d, "pruned": {}}
        for m in METHODS:
            cands = [r for r in rows if r["method"] == m and SIZE_CLASS * d["params"] <= r["params"] <= d["params"]]
            if cands:
                entry["pruned"][m] = max(cands, key=lambda r: r["testPearson"])
        out.append(entry)
    return out


def _ship(matches: list[dict]) -> list[str]:
    shipped = []
    small_card = json.loads((MODELS_DIR / "small" / "card.json").read_text())
    for e in matches:
        d = e["distilled"]
        best = max(e["pruned"].values(), key=lambda r: r["testPearson"], default=None)
        if best is None or best["testPearson"] <= d["testPearson"]:
            continue
        name = f"{d['label']}-pruned"
        model, ck = load_checkpoint(WORK_DIR / best["checkpoint"])
        training = {"data": small_card["training"]["data"], "valPearson": round(float(ck["val_r"]), 4),
                    "fineTuneSteps": ck["finetune_steps"]}
        extra = {"method": "pruned",
                 "pruning": {"criterion": best["method"], "parent": "small",
                             "parentVersion": small_card["version"], "parentParams": small_card["params"],
                             "structured": "conv channels, attention heads, FFN units",
                             "removalSteps": ck["prune_step"], "schedule": _schedule(),
                             "beats": {"model": d["label"], "params": d["params"], "testPearson": d["testPearson"]}}}
        desc = (f"callmos {name}: the small student structurally pruned ({best['method']} importance) to "
                f"{best['params']:,} parameters and fine-tuned on the teacher-labelled data")
        write_model(model, ck, name, training, description=desc, extra=extra)
        shipped.append(name)
    return shipped


def _schedule() -> dict:
    return {"stepFractionOfParams": STEP_FRACTION, "fineTuneStepsBetween": FT_STEPS,
            "fineTuneStepsPerPoint": FINAL_STEPS, "taylorSmoothing": SMOOTH}


def _section(rows: list[dict], figs: list[str], matches: list[dict], shipped: list[str]) -> str:
    parent = next(r for r in rows if r["id"] == "distilled-small")
    logs = {m: json.loads((PRUNE_DIR / m / "log.json").read_text()) for m in METHODS
            if (PRUNE_DIR / m / "log.json").exists()}
    sizes = [r["params"] for r in rows]
    lines = ["## Pruning vs distillation (issue 8)", "",
             "Made by `npm run models:prune` (models/training/callmos_factory/prune.py, pruning.py, prune_report.py). "
             f"Structured pruning of the distilled small ({parent['params']:,} parameters): whole conv channels "
             "(with their BatchNorm, the next conv's input channels or the projection's input features), attention "
             "heads and FFN units are removed and the student is rebuilt as a smaller dense network, so the ONNX "
             "file is smaller and faster with the same dense kernels.", "",
             f"- **Taylor**: a group's importance is |sum over its gate of w * dL/dw|, smoothed with factor {SMOOTH} "
             "across fine-tuning steps. The gate is the weights that scale the group's whole output (BatchNorm "
             "gamma and beta of a channel, out_proj columns of a head, the linear2 column of an FFN unit): the conv "
             "kernel in front of a BatchNorm is scale-invariant, so its own sum of w * dL/dw is zero whatever the "
             "channel is worth. Groups are removed over the whole network, lowest importance per parameter first, "
             "so the widths of each layer are chosen by the data.",
             "- **Magnitude** (baseline): the same share of every layer's groups is removed, the lowest L1 of gate "
             "in each layer (|gamma| for channels, as in network slimming): uniform widths.",
             f"- **Schedule** (both): fine-tune {FT_STEPS} steps (batch {BATCH}, AdamW, lr 2e-4, the distillation loss "
             f"of train.py on the teacher-labelled train split), then remove groups worth {STEP_FRACTION:.0%} of the "
             "remaining parameters, until under 95k parameters. Each time the student first gets under a size of "
             f"the ladder, a copy is fine-tuned {FINAL_STEPS} more steps (cosine lr) and kept. Why not the paper's "
             "0.5 % of the groups per step: groups range from ~160 parameters (a first-layer channel) to ~37k (a "
             "head), so a share of the groups is no steady pace in size, and 0.5 % steps to a 13x smaller model "
             "take several hundred removals (~8 CPU hours at 30 steps each on this 2-core machine); "
             f"{STEP_FRACTION:.0%} of the parameters takes about 25.",
             "- **Compared** on the held-out test split (400 clips, Pearson r against the teacher ensemble, as "
             "evaluate.py), every model as fp32 ONNX. Speed: ONNX Runtime CPU, 1 thread, batch 1, the "
             f"{TIMING_PERCENTILE}th percentile of {TIMING_ROUNDS * TIMING_RUNS} runs interleaved across models (the "
             "CPU is shared with training jobs, whose load only ever adds time); the SDK scores one 4 s "
             "window per second of audio, so ms per window = ms per second of audio. The distilled points are "
             "the 1.0 students (copied to work/prune/distilled/ before the 1.1 retraining), the same recipe and "
             "budget as the ladder's parent; the shipped 1.1 students (serving-response augmentation, more epochs "
             "for small) are in the summary table above.", ""]
    for m, lg in logs.items():
        steps = [e for e in lg["log"] if "step" in e]
        lines.append(f"- {m}: {len(steps)} removal steps, {lg['seconds'] / 60:.0f} min wall on one shared CPU core.")
    lines += ["", f"![r vs parameters]({figs[0]})", "", f"![r vs time]({figs[1]})", "",
              "| model | params | fp32 ONNX | test r | RMSE | val r | ms / s of audio | speed-up vs small | widths (conv; heads; FFN) |",
              "|---|---|---|---|---|---|---|---|---|"]
    for r in sorted(rows, key=lambda r: (-r["params"], r["method"])):
        c = r["config"]
        heads = c.get("heads_per_layer") or [c["heads"]] * c["layers"]
        ff = c.get("ff_per_layer") or [c["ff"]] * c["layers"]
        lines.append(f"| {r['method']} {r['label'] if r['method'] == 'distilled' else ''} | {r['params']:,} | "
                     f"{r['onnxBytes'] / 1e6:.2f} MB | {r['testPearson']} | {r['testRmse']} | {r['valPearson']} | "
                     f"{r['msPerWindow']} | {r['speedupVsSmall']}x | {list(c['channels'])}; {list(heads)}; {list(ff)} |")
    lines += ["", f"Sizes span {max(sizes) / min(sizes):.1f}x ({min(sizes):,} .. {max(sizes):,} parameters).", "",
              "### Where pruning wins, where distillation wins", ""]
    for e in matches:
        d = e["distilled"]
        if not e["pruned"]:
            lines.append(f"- {d['label']} ({d['params']:,}): no pruned point within {SIZE_CLASS}x..1x its size.")
            continue
        parts = [f"{m} {r['params']:,} params r {r['testPearson']} ({r['msPerWindow']} ms)" for m, r in e["pruned"].items()]
        best = max(e["pruned"].values(), key=lambda r: r["testPearson"])
        verdict = "pruning wins" if best["testPearson"] > d["testPearson"] else "distillation wins"
        lines.append(f"- at the size of the distilled {d['label']} ({d['params']:,} params, r {d['testPearson']}, "
                     f"{d['msPerWindow']} ms): {'; '.join(parts)}: **{verdict}**.")
    for r in sorted((r for r in rows if r["method"] != "distilled"), key=lambda r: -r["params"]):
        bigger = [d for d in rows if d["method"] == "distilled" and d["params"] > r["params"]]
        d = min(bigger, key=lambda d: d["params"], default=None)
        if d and r["testPearson"] >= d["testPearson"] - 0.005:  # 0.005: below what 400 test clips resolve
            lines.append(f"- {r['method']} {r['params']:,} params ({r['params'] / d['params']:.2f}x of {d['label']}) keeps "
                         f"{d['label']}'s accuracy: r {r['testPearson']} vs {d['testPearson']}, {r['speedupVsSmall']}x "
                         f"faster than small; not shipped, since no distilled student of its size exists to beat.")
    lines += ["", "Shipped: " + (", ".join(f"`models/{s}` (card: \"method\": \"pruned\", parent small)" for s in shipped)
                                 if shipped else "nothing (no pruned model beat the distilled student of its size).")]
    return "\n".join(lines)


def report() -> None:
    rows = measure()
    figs = _figures(rows)
    matches = _matches(rows)
    shipped = _ship(matches)
    SECTIONS_DIR.mkdir(parents=True, exist_ok=True)
    (SECTIONS_DIR / "pruning.json").write_text(json.dumps({"schedule": _schedule(), "rows": rows, "shipped": shipped},
                                                          indent=1) + "\n")
    write_section("pruning", _section(rows, figs, matches, shipped))
    print(f"wrote {SECTIONS_DIR / 'pruning.md'}, figures {figs}, shipped {shipped or 'nothing'}")

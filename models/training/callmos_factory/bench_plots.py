"""PNG plots of `npm run bench`'s results.json (matplotlib, headless). One figure per bench section;
a section that was skipped or failed gets no figure. Returns the file names written."""
from __future__ import annotations

import json
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

OURS, REF = "#1f77b4", "#ff7f0e"


def _save(fig, out_dir: str, name: str, files: list[str]) -> None:
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, name), dpi=110)
    plt.close(fig)
    files.append(name)


def plot_dsp(r: dict, out_dir: str, files: list[str]) -> None:
    d = r.get("dsp") or {}
    bars = [(k, v["xRealTime"], c) for k, v, c in
            [("@callmos/core (streaming, TS)", d.get("core", {}), OURS), ("numpy + scipy (whole clip)", d.get("numpy", {}), REF)]
            if isinstance(v, dict) and "xRealTime" in v]
    if not bars:
        return
    fig, ax = plt.subplots(figsize=(7, 2.4))
    ax.barh([b[0] for b in bars], [b[1] for b in bars], color=[b[2] for b in bars])
    for i, b in enumerate(bars):
        ax.text(b[1], i, f" {b[1]:.0f}x", va="center")
    ax.set_xlabel("x real time, one thread (higher is better)")
    ax.set_title("Resample 48->16 kHz + compressed STFT")
    ax.set_xlim(0, max(b[1] for b in bars) * 1.2)
    _save(fig, out_dir, "bench-dsp.png", files)


def plot_models(r: dict, out_dir: str, files: list[str]) -> None:
    m = r.get("models") or {}
    bars = [(f"{x['model']} - {x['runtime'].split(' (')[0]}", x["rtf"], OURS) for x in m.get("rows", []) if "rtf" in x]
    bars += [(f"{x['model'].split(' (')[0]} - {x['runtime'].split(',')[0]}", x["rtf"], REF) for x in m.get("references", []) if "rtf" in x]
    if not bars:
        return
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(bars) + 1.4))
    ax.barh([b[0] for b in bars], [b[1] for b in bars], color=[b[2] for b in bars])
    for i, b in enumerate(bars):
        ax.text(b[1], i, f" {b[1]:.3f}", va="center")
    ax.set_xscale("log")
    ax.axvline(1.0, color="grey", ls="--", lw=1)
    ax.invert_yaxis()
    ax.set_xlabel("real-time factor = CPU s per audio s, 1 thread\n(log scale; lower is better; dashed: a whole core)")
    ax.set_title("Inference cost (blue: callmos, orange: references)")
    ax.set_xlim(min(b[1] for b in bars) / 2, max(2.0, max(b[1] for b in bars) * 3))
    _save(fig, out_dir, "bench-models.png", files)


def plot_floor(r: dict, out_dir: str, files: list[str]) -> None:
    rows = (r.get("floor") or {}).get("rows", [])
    if not rows:
        return
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(rows) + 1.4))
    labels = [f"{x['model'].split(' (')[0]} - {x['runtime'].split(' (')[0].split(',')[0]}" for x in rows]
    ax.barh(labels, [x["pctOfPeak"] for x in rows], color=[REF if "v7" in x["model"] else OURS for x in rows])
    for i, x in enumerate(rows):
        ax.text(x["pctOfPeak"], i, f" {x['pctOfPeak']:.1f} % ({x['gflopsPerAudioSecond']:.2f} GFLOP per audio s)", va="center")
    ax.invert_yaxis()
    ax.set_xlim(0, 130)
    ax.set_xlabel(f"achieved FLOP/s as % of one thread's sgemm peak ({r['floor']['peakGflops']:.1f} GFLOP/s)")
    ax.set_title("Compute floor: share of the core's peak reached")
    _save(fig, out_dir, "bench-floor.png", files)


def plot_scale(r: dict, out_dir: str, files: list[str]) -> None:
    s = r.get("scale") or {}
    curves = s.get("curves", [])
    if not curves:
        return
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    for c, color in zip(curves, [OURS, REF, "#2ca02c", "#9467bd", "#8c564b"]):
        pts = [p for p in c["points"] if "error" not in p and "notRun" not in p and p.get("p50Ms") is not None]
        if not pts:
            continue
        n = [p["streams"] for p in pts]
        label = f"{c.get('model', s.get('model'))}, batching {c['batching'].split(' (')[0]}, {c.get('placement', 'one core').split(':')[0]}"
        axes[0].plot(n, [p["p50Ms"] for p in pts], "o-", color=color, label=f"p50, {label}")
        axes[0].plot(n, [p["p99Ms"] for p in pts], "s--", color=color, label=f"p99, {label}")
        for p in pts:
            if not p["realTime"]:
                axes[0].plot(p["streams"], p["p99Ms"], "x", color="red", ms=12, mew=2)
        axes[1].plot(n, [p["pluginCores"] + p["workerCores"] for p in pts], "o-", color=color, label=label)
        axes[2].plot(n, [p["rssPerStreamMB"] for p in pts], "o-", color=color, label=label)
    axes[0].axhline(s.get("hopMs", 1000), color="grey", ls=":", lw=1)
    axes[0].set_yscale("log")
    axes[0].set_ylabel("audio -> score latency, ms (log)")
    axes[0].set_title("p50 / p99 latency (red x: not real time)", fontsize=9)
    axes[1].axhline(1.0, color="grey", ls=":", lw=1)
    axes[1].set_ylabel("cores used (plugin + mediasoup worker)")
    axes[2].set_ylabel("resident memory per stream, MB")
    for ax in axes:
        ax.set_xlabel("concurrent streams (one core, or all cores where the label says)")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    axes[1].legend(fontsize=7)
    fig.suptitle(f"Server scale: replayed Opus RTP -> mediasoup -> plugin, models {s.get('model')}")
    _save(fig, out_dir, "bench-scale.png", files)


def plot_gpu(r: dict, out_dir: str, files: list[str]) -> None:
    g = r.get("gpu") or {}
    series = [(name, g.get(key, {}).get("rows")) for name, key in [("onnxruntime-node CUDA", "onnxruntime"), ("PyTorch CUDA", "pytorch")]]
    series = [(n, rows) for n, rows in series if rows]
    if not series:
        return
    fig, ax = plt.subplots(figsize=(6, 4))
    for (name, rows), color in zip(series, [OURS, REF]):
        ax.plot([x["batch"] for x in rows], [x["windowsPerSecond"] for x in rows], "o-", color=color, label=name)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("batch (windows per run)")
    ax.set_ylabel(f"windows/s = streams per GPU at a {g.get('hopSeconds', 1)} s hop")
    ax.set_title(f"GPU batch throughput, {g.get('model')}")
    ax.legend()
    ax.grid(alpha=0.3)
    _save(fig, out_dir, "bench-gpu.png", files)


def write_plots(results_path: str, out_dir: str) -> dict:
    with open(results_path) as f:
        r = json.load(f)
    files: list[str] = []
    for plot in (plot_dsp, plot_models, plot_floor, plot_scale, plot_gpu):
        plot(r, out_dir, files)
    return {"files": files}

"""Stage 5: evaluate shipped students on the held-out test split and write models/REPORT.md.

    python -m callmos_factory.evaluate tiny small

The test split has unseen speakers, unseen noise files and RIR, an unseen codec (speex) and unseen TTS
voices. Metrics against the ensemble target and each teacher, overall and per condition; a scatter plot
per model; the accuracy block of each card is updated.
"""
from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

import numpy as np
import onnxruntime as ort
from scipy.stats import pearsonr, spearmanr

from .dataset import cached_features
from .paths import MODELS_DIR
from .report_sections import with_sections
from .serving_response import feature_gain

TEACHERS = ["nisqa_mos", "dnsmos_p808", "dnsmos_ovrl", "plcmos"]

# Why a condition can score r < 0.5 (checked against the numbers each run prints beside them).
EXPLAINED = {
    "codec:codec2": "codec2 (700-3200 bit/s) is a parametric vocoder: every clip is heavily degraded, so the "
                    "targets span a narrow range (see its SD) and r over a dozen clips measures mostly teacher "
                    "noise; RMSE and bias stay in line with the other codecs.",
    "codec:g726": "G.726 ADPCM at 16-40 kbit/s: a narrow target range over a dozen clips, as for codec2.",
    "codec:speex": "speex is the codec held out of training: r is fine but scores are biased high (it sounds "
                   "cleaner to the student than to the teachers, NISQA above all); the wider codec families added "
                   "in factory v2 cut this bias from +0.75 to about +0.55 MOS (tiny), factory v3's wb_celp and "
                   "the grown corpus to +0.45 (small 1.2), 21000 clips to +0.38 (small 1.3).",
}


def cores_text(training: dict) -> str:
    threads = training.get("cpuThreads", [1])
    return f"{'-'.join(str(t) for t in threads)} CPU core{'s' if max(threads) > 1 else ''}"


def metrics(pred: np.ndarray, ref: np.ndarray) -> dict:
    if len(pred) < 3 or np.std(ref) < 1e-9:
        return {"n": int(len(pred))}
    return {"n": int(len(pred)), "pearson": round(float(pearsonr(pred, ref)[0]), 4),
            "spearman": round(float(spearmanr(pred, ref)[0]), 4),
            "rmse": round(float(np.sqrt(np.mean((pred - ref) ** 2))), 4)}


def conditions(meta: dict) -> list[str]:
    out = [d["type"] for d in meta["degradations"]] or ["clean"]
    out += [f"codec:{d['codec']}" for d in meta["degradations"] if d["type"] == "codec"]
    if meta["source"]["kind"] == "tts":
        out.append("tts-speech")
    return out


def predict(name: str, feats: np.ndarray) -> tuple[np.ndarray, float]:
    return predict_onnx(MODELS_DIR / name / "model.onnx", feats)


def predict_onnx(path: Path, feats: np.ndarray) -> tuple[np.ndarray, float]:
    """MOS of every window (batches of 32, ONNX Runtime CPU, 1 thread) and the seconds spent per window."""
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    s = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    out = []
    import time
    t0 = time.perf_counter()
    for i in range(0, len(feats), 32):
        out.append(s.run(["mos"], {"frames": np.ascontiguousarray(feats[i: i + 32]).astype(np.float32)})[0])
    per_window = (time.perf_counter() - t0) / len(feats)
    return np.concatenate(out), per_window


def scatter(name: str, pred: np.ndarray, target: np.ndarray, r: float, split: str = "held-out test split",
            groups: list[str] | None = None, file: str = "scatter", served: bool = False) -> str:
    """Student vs target on a split, one colour per group when given (models/report/<name>-<file>.png)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.6 if groups else 4.2, 4.2), dpi=110)
    if groups is None:
        ax.scatter(target, pred, s=6, alpha=0.5)
    else:
        for g in dict.fromkeys(groups):
            m = np.array([x == g for x in groups])
            ax.scatter(target[m], pred[m], s=7, alpha=0.6, label=g)
        ax.legend(fontsize=7, loc="upper left")
    ax.plot([1, 5], [1, 5], "k--", lw=0.8)
    ax.set_xlabel("teacher ensemble MOS")
    ax.set_ylabel(f"{name} student MOS{' (as served)' if served else ''}")
    ax.set_title(f"{name}: {split}, r = {r:.3f}")
    ax.set_xlim(1, 5); ax.set_ylim(1, 5)
    fig.tight_layout()
    rel = f"report/{name}-{file}.png"
    (MODELS_DIR / "report").mkdir(exist_ok=True)
    fig.savefig(MODELS_DIR / rel)
    plt.close(fig)
    return rel


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="+")
    a = ap.parse_args(argv)
    test, feats = cached_features("test")
    lines = ["# callmos models: report", "",
             "Made by `npm run models:eval` (models/training/callmos_factory/evaluate.py). Test split: "
             f"{len(test.ids)} clips of 4 s (one student window each) from speakers, noise files, a RIR, TTS "
             "voices and a codec (speex) never seen in training. Target: the teacher ensemble "
             "mean(NISQA MOS, DNSMOS P.808)."
             + (" A row named NAME-X.Y is a predecessor (version X.Y of NAME, no longer shipped), re-measured on the "
                "same clips and labels for comparison." if any("-" in n and n.split("-")[-1][:1].isdigit() for n in a.names) else ""),
             ""]
    summary_at = len(lines)
    trained_on: dict[str, str] = {}  # model -> its corpus (and schedule), from its card
    summary = ["| model | params | ONNX file | test Pearson r | Spearman | RMSE | r as served | r without the held-out codec | CPU ms / 4 s window (1 thread) | training |",
               "|---|---|---|---|---|---|---|---|---|---|"]
    # "as served": the same clips with the core resampler's response, as every stream in the SDK reaches
    # the model (serving_response.py); the held-out codec (speex) is the split's hardest condition
    served_feats = np.asarray(feats) * feature_gain()[None, None, :, None]
    seen_codec = np.array([not any(d.get("codec") == "speex" for d in m["degradations"]) for m in test.meta])
    for name in a.names:
        pred, sec_per_window = predict(name, feats)
        overall = metrics(pred, test.target)
        served = metrics(predict(name, served_feats)[0], test.target)
        without_held_out = metrics(pred[seen_codec], test.target[seen_codec])
        per_teacher = {t: metrics(pred[m], np.array([lab[t] for lab, mm in zip(test.labels, m) if mm]))
                       for t in TEACHERS
                       for m in [np.array([t in lab for lab in test.labels])] if m.sum() >= 3}
        groups: dict[str, list[int]] = defaultdict(list)
        for i, meta in enumerate(test.meta):
            for c in conditions(meta):
                groups[c].append(i)
        per_cond = {c: metrics(pred[idx], test.target[idx]) | {"bias": round(float(np.mean(pred[idx] - test.target[idx])), 3)}
                    for c, idx in sorted(groups.items())}
        png = scatter(name, pred, test.target, overall["pearson"])
        card_path = MODELS_DIR / name / "card.json"
        card = json.loads(card_path.read_text())
        card["accuracy"] = {"split": "test (held-out speakers and conditions)", "vsTarget": overall,
                            "vsTargetAsServed": served, "vsTargetWithoutHeldOutCodec": without_held_out,
                            "vsTeachers": per_teacher,
                            "cpuMsPerWindow1Thread": round(sec_per_window * 1000, 2)}
        card_path.write_text(json.dumps(card, indent=2) + "\n")
        tr, q = card.get("training", {}), card.get("quantization", {})
        trained_on[name] = ", ".join(filter(None, [tr.get("data", "?").split(",")[0], tr.get("schedule")]))
        size = (MODELS_DIR / name / "model.onnx").stat().st_size
        summary.append(f"| {name} | {card['params']:,} | {size / 1e6:.2f} MB {q.get('shipped', '')} | {overall['pearson']} | "
                       f"{overall['spearman']} | {overall['rmse']} | {served['pearson']} | {without_held_out['pearson']} (n = {without_held_out['n']}) | "
                       f"{sec_per_window * 1000:.1f} | "
                       f"{tr.get('epochs', '?')} epochs, {tr.get('seconds', 0) / 60:.0f} min on {cores_text(tr)} |")
        lines += [f"## {name} ({card['params']:,} parameters)", "",
                  f"Against the ensemble target: **Pearson r {overall['pearson']}**, Spearman {overall['spearman']}, "
                  f"RMSE {overall['rmse']} (n = {overall['n']}). ONNX Runtime CPU, 1 thread: "
                  f"{sec_per_window * 1000:.1f} ms per 4 s window.", "",
                  f"![scatter]({png})", "", "| against teacher | n | Pearson | Spearman | RMSE |", "|---|---|---|---|---|"]
        lines += [f"| {t} | {m['n']} | {m.get('pearson', '-')} | {m.get('spearman', '-')} | {m.get('rmse', '-')} |"
                  for t, m in per_teacher.items()]
        lines += ["", "| condition (clips containing it) | n | Pearson | RMSE | bias (pred - target) |", "|---|---|---|---|---|"]
        lines += [f"| {c} | {m['n']} | {m.get('pearson', '-')} | {m.get('rmse', '-')} | {m['bias']} |"
                  for c, m in per_cond.items()]
        low = [c for c, m in per_cond.items() if m.get("pearson", 1.0) < 0.5]
        if low:
            lines += ["", "Conditions with r < 0.5:", ""]
            for c in low:
                sd = float(np.std(test.target[groups[c]]))
                lines.append(f"- **{c}** (n = {per_cond[c]['n']}, target SD {sd:.2f} vs {np.std(test.target):.2f} "
                             f"overall): {EXPLAINED.get(c, 'NOT EXPLAINED YET: look into it before shipping.')}")
        lines.append("")
        print(f"{name}: {overall}")
    data = "; ".join(f"{n}: {d}" for n, d in trained_on.items())  # each student's own corpus and schedule
    lines[summary_at:summary_at] = summary + ["", f"Training data ({data}). The shipped students' corpus "
                                    "was made in three rounds: train clips 0-7199 drew codecs from the first ten "
                                    "entries of codecs.TRAIN_CODECS, clips 7200-8999 from the list of factory v2 "
                                    "(CELP at 8 kHz, low-rate transform codecs, ADPCM, SBC), clips 9000 and on from the "
                                    "full list (factory v3 adds wb_celp, the split-band wideband CELP family of "
                                    "AMR-WB and SILK-WB); a fresh `npm run models:build` draws every clip from the "
                                    "full list.", "",
                                    "Students of version 1.1 were trained with the serving-response augmentation: half "
                                    "of the training clips get the core resampler's 7-8 kHz band edge, which every "
                                    "stream passes in the SDK (browser capture at 44.1/48 kHz, Opus at 48 kHz) and "
                                    "which 1.0 students read as coloration (tiny 1.0: test r 0.8514 on 16 kHz clips, "
                                    "0.8418 as served, clean speech 0.13 MOS lower). 'r as served' scores the test "
                                    "clips with that response applied.", ""]
    (MODELS_DIR / "REPORT.md").write_text(with_sections("\n".join(lines) + "\n"))
    print(f"wrote {MODELS_DIR / 'REPORT.md'}")


if __name__ == "__main__":
    main()

"""Agreement with the target on the family-held-out split (families.py), beside the in-domain test split.

    python -m callmos_factory.synth --train 0 --val 0 --test 0 --families 300
    python -m callmos_factory.label --splits families
    python -m callmos_factory.evaluate_families tiny small

Writes the REPORT.md section `family-held-out` (kept by evaluate.py's rewrites), models/report/
family-held-out.json and a scatter plot per model. Scored "as served" (the core resampler's response, as
every stream in the SDK reaches a student) and on the plain 16 kHz clips.
"""
from __future__ import annotations

import argparse
import json
from collections import defaultdict

import numpy as np

from .dataset import cached_features
from .evaluate import metrics, predict, scatter
from .families import FAMILIES_SPLIT, FAMILY_NAMES, SEEN_IN_TRAINING
from .paths import MODELS_DIR
from .report_sections import SECTIONS_DIR, write_section
from .serving_response import feature_gain


def variant_of(meta: dict) -> str:
    for d in meta["degradations"]:
        if d.get("family"):
            return f"{d['family']}:{d.get('vocoder') or d.get('ns_level') or d.get('tool') or '-'}"
    raise ValueError(f"{meta['id']}: no held-out family in its chain")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="+")
    a = ap.parse_args(argv)
    split, feats = cached_features(FAMILIES_SPLIT)
    served = np.asarray(feats) * feature_gain()[None, None, :, None]
    fams = [variant_of(m).split(":")[0] for m in split.meta]
    variants = [variant_of(m) for m in split.meta]
    groups: dict[str, list[int]] = defaultdict(list)
    for i, (f, v) in enumerate(zip(fams, variants)):
        groups[f].append(i)
        if v.split(":")[1] != "-":
            groups[v].append(i)
    # the proxy: clips whose variant no model compared here was trained on (1.4 and later draw SEEN_IN_TRAINING;
    # a model card says so with training.seenFamilies), the same clips for every model
    unseen = np.array([v not in SEEN_IN_TRAINING for v in variants])
    nisqa = np.array([lab["nisqa_mos"] for lab in split.labels])
    p808 = np.array([lab["dnsmos_p808"] for lab in split.labels])
    teachers = {"NISQA vs DNSMOS P.808 (the target's two halves)": metrics(nisqa, p808)}
    results: dict = {"split": FAMILIES_SPLIT, "clips": len(split.ids), "families": FAMILY_NAMES,
                     "seenInTraining": sorted(SEEN_IN_TRAINING), "unseenClips": None,
                     "targetMean": round(float(split.target.mean()), 3), "targetSd": round(float(split.target.std()), 3),
                     "teachers": teachers, "models": {}}
    results["unseenClips"] = int(unseen.sum())
    for name in a.names:
        card = json.loads((MODELS_DIR / name / "card.json").read_text())
        pred = predict(name, served)[0]
        plain = predict(name, feats)[0]
        per = {g: metrics(pred[idx], split.target[idx]) | {"bias": round(float(np.mean(pred[idx] - split.target[idx])), 3)}
               for g, idx in sorted(groups.items())}
        overall = metrics(pred, split.target)
        held = metrics(pred[unseen], split.target[unseen]) | {"bias": round(float(np.mean(pred[unseen] - split.target[unseen])), 3)}
        results["models"][name] = {
            "heldOut": held, "seenFamilies": card.get("training", {}).get("seenFamilies", []),
            "version": card.get("version"), "params": card.get("params"),
            "inDomainTest": card.get("accuracy", {}).get("vsTarget", {}),
            "asServed": overall | {"bias": round(float(np.mean(pred - split.target)), 3)},
            "plain16k": metrics(plain, split.target), "perGroup": per,
            "scatter": scatter(name, pred, split.target, overall.get("pearson", float("nan")), split="family-held-out split",
                               groups=fams, file="families-scatter", served=True),
        }
        print(f"{name}: family-held-out {held} on {int(unseen.sum())} unseen clips; all {len(unseen)}: {overall} "
              f"(in-domain test r {results['models'][name]['inDomainTest'].get('pearson')})")
    SECTIONS_DIR.mkdir(parents=True, exist_ok=True)
    (SECTIONS_DIR / "family-held-out.json").write_text(json.dumps(results, indent=1) + "\n")
    write_section("family-held-out", render(results))


def render(res: dict) -> str:
    lines = ["## Family-held-out split (issue 14)", "",
             f"Made by `python -m callmos_factory.evaluate_families {' '.join(res['models'])}` on {res['clips']} clips of 4 s "
             f"(`synth --families {res['clips']}`, `label --splits families`). Every clip holds one degradation "
             "*family* held out of training (callmos_factory/families.py; two vocoder variants are seen since 1.4, "
             "below), on the test split's unseen "
             "speakers, voices, noises and RIRs, inside a real chain (room, noise, the family, a seen codec): "
             "vocoder resynthesis (Griffin-Lim from a 20-80 band mel spectrogram, an LPC vocoder with quantised LSFs, "
             "SPTK mel-cepstrum + MLSA), WebRTC's noise suppressor (GStreamer `webrtcdsp`, levels low..very-high, "
             "AGC on some), and NetEq-like time-scale modification (ffmpeg `atempo` / `rubberband` on 0.5-1.2 s "
             "pieces at tempos 0.7-1.4). This is the factory's proxy for conditions nobody synthesised, and the "
             "number to improve; nothing is tuned on it. Held out are these families, not every kin of them: training "
             "has codec2 (a parametric codec), its own spectral-gating denoiser and zero/repeat packet-loss "
             "concealment, so 'unseen' here means unseen processing of kinds training only touches. Since models 1.4 "
             f"training also draws {', '.join(res['seenInTraining'])} (the issue's corpus additions; "
             "Griffin-Lim's phase reconstruction stays held out, as do WebRTC's suppressor and time-scale "
             f"modification): the **held-out r** is over the {res['unseenClips']} clips whose variant no model in the "
             "table was trained on, the same clips for every model; r over all clips is kept beside it (comparable "
             "with reports before 1.4, inflated for 1.4 by its seen vocoders). Factory v5 (lite 1.1, small 1.5) adds two train-only "
             "kinds, neither a held-out algorithm: noise then a suppressor of another make (sox `noisered`, MMSE-LSA, "
             "`afftdn`; suppressors.py) and generic STFT-domain artefacts (artifacts.py: partly random or "
             "neighbour-frame phase, magnitude smoothing, dB quantisation, spectral holes). The phase edits are kin "
             "to Griffin-Lim's inconsistent phase and the holes to a suppressor's hard mask, so read the vocoder and "
             "webrtc_ns rows as 'a kin seen, the algorithm not'. A row named NAME-X.Y is a predecessor, "
             "re-measured on the same clips.",
             "",
             f"Target mean {res['targetMean']} (SD {res['targetSd']}). The teachers' agreement with each other here: "
             + "; ".join(f"{k}: r {v.get('pearson', '-')}" for k, v in res["teachers"].items()) + ".",
             "",
             f"| model | params | in-domain test r | held-out r ({res['unseenClips']} unseen clips, as served) | Spearman | RMSE | bias | r on all {res['clips']} clips | r on plain 16 kHz clips (all) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, m in res["models"].items():
        s, h = m["asServed"], m["heldOut"]
        lines.append(f"| {name} {m['version']} | {m['params']:,} | {m['inDomainTest'].get('pearson', '-')} | **{h.get('pearson', '-')}** | "
                     f"{h.get('spearman', '-')} | {h.get('rmse', '-')} | {h['bias']:+.2f} | {s.get('pearson', '-')} | {m['plain16k'].get('pearson', '-')} |")
    groups = sorted({g for m in res["models"].values() for g in m["perGroup"]})
    lines += ["", "Per family and variant (as served): Pearson r / bias (pred - target).", "",
              "| family or variant | n | " + " | ".join(res["models"]) + " |", "|---|---|" + "---|" * len(res["models"])]
    for g in groups:
        cells = []
        for m in res["models"].values():
            p = m["perGroup"].get(g, {})
            cells.append(f"{p.get('pearson', '-')} / {p.get('bias', 0):+.2f}")
        n = next(m["perGroup"][g]["n"] for m in res["models"].values() if g in m["perGroup"])
        seen = " (seen since 1.4)" if g in res.get("seenInTraining", []) else ""
        lines.append(f"| {g}{seen} | {n} | " + " | ".join(cells) + " |")
    lines += [""] + [f"![{n} family-held-out]({m['scatter']})" for n, m in res["models"].items()]
    return "\n".join(lines)


if __name__ == "__main__":
    main()

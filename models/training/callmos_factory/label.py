"""Stage 2: label every synthesised clip with the teachers (resumable).

    python -m callmos_factory.label [--jobs 2] [--splits test,val,train] [--limit N] [--p835]

Writes work/labels/<clip id>.json with every raw teacher score: NISQA (MOS + 4 dims), DNSMOS P.808 and
PLCMOS v2 always; DNSMOS P.835 (SIG, BAK, OVRL) with --p835, which merges into existing label files.
The training target is built from these raw scores in dataset.py (TARGET_KEYS) and says why there.
DNSMOS scores one 9.01 s window of the repeated 4 s clip (max_windows=1): the window already covers the
whole clip. PLCMOS averages 4 rater embeddings instead of the reference 15.
Cost here (2-core CPU, contended): NISQA + P.808 + PLCMOS ~0.4 s per clip per core; P.835 adds ~1 s,
which is why it runs on the test split only in the default recipe (run.sh).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np
import soundfile as sf

from .paths import WORK_DIR, require_shared
from .synth import clip_dir

LABEL_DIR = WORK_DIR / "labels"
PLCMOS_ROUNDS = 4
_teachers: dict = {}


def _init(p835: bool) -> None:
    import torch

    torch.set_num_threads(1)
    from .teachers.dnsmos import DNSMOS
    from .teachers.nisqa import NISQA
    from .teachers.plcmos import PLCMOS

    if p835:
        _teachers["dnsmos"] = DNSMOS(threads=1, max_windows=1, p835=True).score
    else:
        nisqa = NISQA(threads=1)
        _teachers["nisqa"] = lambda x: nisqa.score(x, 16000)
        _teachers["dnsmos"] = DNSMOS(threads=1, max_windows=1, p835=False).score
        _teachers["plcmos"] = PLCMOS(rounds=PLCMOS_ROUNDS, threads=1).score


def _needs(path: Path, p835: bool) -> bool:
    if not path.exists():
        return True
    return p835 and "dnsmos_ovrl" not in json.loads(path.read_text())


def _label(wav: str) -> str:
    cid = Path(wav).stem
    out = LABEL_DIR / f"{cid}.json"
    scores = json.loads(out.read_text()) if out.exists() else {}
    try:
        x, sr = sf.read(wav, dtype="float64")
        assert sr == 16000, f"{wav}: expected 16 kHz, got {sr}"
        for name, score in _teachers.items():
            for k, v in score(x).items():
                scores[k if k == name else f"{name}_{k}"] = v
    except Exception as e:  # a clip the teachers reject is reported and left unlabelled
        print(f"label: {cid}: {e}", file=sys.stderr)
        return ""
    scores.pop("target", None)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps({k: round(float(v), 5) for k, v in sorted(scores.items())}))
    tmp.replace(out)
    return cid


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--splits", default="test,val,train")
    ap.add_argument("--limit", type=int, default=0, help="at most this many clips per split (0: all)")
    ap.add_argument("--p835", action="store_true", help="add DNSMOS P.835 SIG/BAK/OVRL to labelled clips")
    a = ap.parse_args(argv)
    require_shared()
    LABEL_DIR.mkdir(parents=True, exist_ok=True)
    wavs: list[str] = []
    for split in a.splits.split(","):
        files = sorted(str(p) for p in clip_dir(split).glob("*.wav") if p.with_suffix(".json").exists())
        wavs += files[: a.limit] if a.limit else files
    todo = [w for w in wavs if _needs(LABEL_DIR / f"{Path(w).stem}.json", a.p835)]
    print(f"label: {len(wavs) - len(todo)} already labelled, {len(todo)} to go", flush=True)
    t0, done = time.time(), 0
    with Pool(a.jobs, initializer=_init, initargs=(a.p835,)) as pool:
        for cid in pool.imap(_label, todo, chunksize=2):
            done += 1
            if done % 100 == 0:
                rate = done / (time.time() - t0)
                print(f"label: {done}/{len(todo)} ({rate:.2f} clips/s)", flush=True)
    print(f"label: done, {len(wavs)} clips in {LABEL_DIR}")


if __name__ == "__main__":
    main()

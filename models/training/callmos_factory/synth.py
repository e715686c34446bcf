"""Stage 1: synthesise unlabeled degraded speech clips (deterministic, resumable).

    python -m callmos_factory.synth --train 2400 --val 200 --test 400 [--families 300]

Writes work/clips/<split>/<id>.wav (float32, 16 kHz, CLIP_SECONDS long) and <id>.json (source and the
degradation chain). Clip i of a split is seeded by (split, i), so a rerun skips finished clips and
regenerates missing ones identically. The family-held-out split (families.py) is made only when asked for.
"""
from __future__ import annotations

import argparse
import json
import sys
import zlib
from multiprocessing import Pool
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

from . import degradations, families, sources
from .paths import WORK_DIR, require_shared

SR = 16000
CLIP_SECONDS = 4.0  # = the students' window (400 frames): one teacher label per student window
TTS_FRACTION = 0.15
SPEED_PERTURB_FRACTION = 0.25
SPEED_RATIOS = ((10, 9), (20, 19), (19, 20), (9, 10), (8, 9), (9, 8))  # (up, down): speed down/up


def clip_dir(split: str) -> Path:
    return WORK_DIR / "clips" / split


def _speech(rng: np.random.Generator, split: str, n: int, index: int) -> tuple[np.ndarray, dict]:
    if rng.random() < TTS_FRACTION:
        x, voice = sources.tts_utterance(split, int(rng.integers(0, 40)))
        src = {"kind": "tts", "voice": voice}
    else:
        utts = sources.speech_split()[split]
        u = utts[int(rng.integers(0, len(utts)))]
        x = sources.cached_audio(u.path)
        src = {"kind": "librispeech", "speaker": u.speaker, "file": Path(u.path).name}
    if split == "train" and rng.random() < SPEED_PERTURB_FRACTION:
        # speaker variety (issue 14): speed perturbation moves pitch and formants and speaking rate together,
        # a plain resampling that adds no processing artefact of its own (not a time-scale modification)
        up, down = SPEED_RATIOS[int(rng.integers(0, len(SPEED_RATIOS)))]
        x = resample_poly(x, up, down)
        src["speed"] = round(down / up, 3)
    if len(x) < n:  # loop short utterances with a pause between repeats
        gap = np.zeros(int(0.3 * SR))
        x = np.concatenate([x, gap] * (n // (len(x) + len(gap)) + 2))
    start = int(rng.integers(0, len(x) - n + 1))
    x = x[start: start + n]
    level_db = float(rng.uniform(-30, -22))
    x = x * (10 ** (level_db / 20) / degradations.active_rms(x))
    src["level_dbfs"] = round(level_db, 1)
    return x, src


def make_clip(split: str, index: int) -> str:
    cid = f"{split}-{index:05d}"
    wav, meta_path = clip_dir(split) / f"{cid}.wav", clip_dir(split) / f"{cid}.json"
    if meta_path.exists():
        return cid
    rng = np.random.default_rng([zlib.crc32(split.encode()), index])
    n = int(CLIP_SECONDS * SR)
    if split == families.FAMILIES_SPLIT:
        x, src = _speech(rng, families.SOURCE_SPLIT, int(n * families.SOURCE_STRETCH), index)
        y, chain = families.degrade(x, rng, index, n)
    else:
        x, src = _speech(rng, split, n, index)
        y, chain = degradations.degrade(x, rng, split)
    y = np.clip(np.nan_to_num(y), -1.0, 1.0).astype(np.float32)
    sf.write(str(wav), y, SR, subtype="FLOAT")
    meta = {"id": cid, "split": split, "source": src, "degradations": chain}
    meta_path.write_text(json.dumps(meta))
    return cid


def _job(args: tuple[str, int]) -> str:
    try:
        return make_clip(*args)
    except Exception as e:  # one bad clip must not stop the stage; it is retried on the next run
        print(f"synth: {args}: {e}", file=sys.stderr)
        return ""


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", type=int, default=2400)
    ap.add_argument("--val", type=int, default=200)
    ap.add_argument("--test", type=int, default=400)
    ap.add_argument("--families", type=int, default=0, help="clips of the family-held-out split (families.py)")
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args(argv)
    require_shared()
    jobs = []
    for split, count in (("test", a.test), ("val", a.val), ("train", a.train), (families.FAMILIES_SPLIT, a.families)):
        clip_dir(split).mkdir(parents=True, exist_ok=True)
        jobs += [(split, i) for i in range(count)]
    done = 0
    with Pool(a.jobs) as pool:
        for cid in pool.imap_unordered(_job, jobs, chunksize=4):
            done += bool(cid)
            if done % 200 == 0:
                print(f"synth: {done}/{len(jobs)}", flush=True)
    print(f"synth: {done}/{len(jobs)} clips in {WORK_DIR / 'clips'}")


if __name__ == "__main__":
    main()

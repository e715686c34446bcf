"""Generic time-domain artefacts: inputs for distillation, not a model of one tool (factory v6).

artifacts.py covers what spectral processing leaves behind; the family the students still misjudge most is the
jitter buffer's time-scale modification (family-held-out r 0.857 for lite 1.1, unmoved by every addition so
far), whose artefacts are in the time domain: splices, repeated or dropped pitch periods, phasiness of
overlap-add, tempo that wavers. Coverage, not realism, is what a student needs from an input, so this draws
random time-domain edits in random strengths and lets the teachers say what each costs:

- splice: at random points a short segment (3-40 ms) is dropped or played twice, joined by a cross-fade of
  0-4 ms (0: a hard cut) with no search for a matching waveform, net duration kept;
- jitter_ola: overlap-add resynthesis (20-60 ms Hann frames, half overlap) whose analysis positions wander
  from the synthesis ones by up to 1-12 ms: the doubling and phasiness of unaligned overlap-add;
- warp: time-varying resampling (wow and flutter: 0.3-6 Hz, 0.3-3 % speed deviation): pitch and tempo
  wander together.

Every edit keeps the clip's length and tempo (no net time-scale change) and none is the held-out family's
algorithm (a jitter buffer's stretching and compressing of whole pieces with atempo's WSOLA or rubberband's
phase vocoder): tests/test_families.py checks that the held-out families stay out of training.
"""
from __future__ import annotations

import numpy as np

from .levels import match_level

SR = 16000


def _ms(rng: np.random.Generator, lo: float, hi: float) -> int:
    return int(rng.uniform(lo, hi) * SR / 1000)


def splice(x: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    n = len(x)
    fade = _ms(rng, 0, 4)
    gap_ms = (float(rng.uniform(40, 120)), float(rng.uniform(150, 400)))
    seg_ms = float(rng.uniform(8, 40))
    out = np.zeros(0)
    pos, drops, repeats = 0, 0, 0
    while len(out) < n:
        if pos >= n - SR // 100:  # the source is used up by repeats: replay its end
            pos = max(0, n - SR // 10)
        piece = x[pos: pos + _ms(rng, *gap_ms)]
        pos += len(piece)
        if fade and len(out) >= fade and len(piece) > fade:
            ramp = np.linspace(0, 1, fade)
            out[-fade:] = out[-fade:] * (1 - ramp) + piece[:fade] * ramp
            piece = piece[fade:]
        out = np.concatenate([out, piece])
        seg = _ms(rng, 3, seg_ms)
        # drop when the output runs ahead of the source, repeat when behind (so the tempo does not drift)
        behind = len(out) < pos
        if behind != (rng.random() < 0.25):
            pos = max(0, pos - seg)
            repeats += 1
        else:
            pos += seg
            drops += 1
    return out[:n], {"fade_ms": round(fade * 1000 / SR, 1), "segment_ms": round(seg_ms, 1), "drops": drops, "repeats": repeats}


def jitter_ola(x: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    n = len(x)
    frame = _ms(rng, 20, 60) // 2 * 2
    hop = frame // 2
    jitter = _ms(rng, 1, 12)
    window = np.hanning(frame)
    padded = np.pad(x, (frame + jitter, frame + jitter))
    out = np.zeros(n + frame)
    norm = np.zeros(n + frame)
    for t in range(0, n, hop):
        src = t + int(rng.integers(-jitter, jitter + 1)) + frame + jitter
        out[t: t + frame] += padded[src: src + frame] * window
        norm[t: t + frame] += window
    y = out[:n] / np.maximum(norm[:n], 1e-3)
    return y, {"frame_ms": round(frame * 1000 / SR, 1), "jitter_ms": round(jitter * 1000 / SR, 1)}


def warp(x: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    n = len(x)
    t = np.arange(n, dtype=float)
    rate = float(rng.uniform(0.3, 6.0))
    deviation = float(rng.uniform(0.003, 0.03))
    # d(t) = A sin(2 pi f t / SR): the speed deviation d'(t) peaks at A 2 pi f / SR
    amplitude = deviation * SR / (2 * np.pi * rate)
    shift = amplitude * np.sin(2 * np.pi * rate * t / SR + rng.uniform(0, 2 * np.pi))
    y = np.interp(np.clip(t + shift, 0, n - 1), t, x)
    return y, {"rate_hz": round(rate, 2), "speed_deviation": round(deviation, 4)}


EDITS = {"splice": splice, "jitter_ola": jitter_ola, "warp": warp}


def time_artifacts(x: np.ndarray, rng: np.random.Generator, split: str) -> tuple[np.ndarray, dict]:
    k = int(rng.integers(1, 3))
    edits = [str(e) for e in rng.choice(list(EDITS), size=k, replace=False)]
    params: dict = {"edits": edits}
    y = x
    for edit in edits:
        y, p = EDITS[edit](y, rng)
        params.update({f"{edit}_{key}": value for key, value in p.items()})
    return match_level(x, y), params

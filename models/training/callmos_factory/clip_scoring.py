"""Whole-clip scoring with an exported student, exactly as @callmos/core's scoreClip does it.

Used for the cards' golden scores, which the TypeScript tests reproduce (<= 1e-3): frames once for the
whole clip, windows of W frames every H frames, the speech-activity gate, the mean over scored windows,
and the short-clip rule (repeat the audio until one window fits).
"""
from __future__ import annotations

import numpy as np

from .features import HOP, N_FFT, PAD, compressed_stft, frame_peaks, num_frames, peak_gain

VAD_THRESHOLD_DB = -50.0
VAD_MIN_RATIO = 0.2


def frame_energies_db(x: np.ndarray) -> np.ndarray:
    xp = np.pad(np.asarray(x, dtype=np.float64), PAD, mode="reflect")
    n = num_frames(len(x))
    idx = np.arange(N_FFT)[None, :] + HOP * np.arange(n)[:, None]
    return 10.0 * np.log10((xp[idx] ** 2).mean(axis=1) + 1e-12)


def score_clip(session, card: dict, audio16k: np.ndarray) -> dict:
    w, h = card["input"]["windowFrames"], card["input"]["hopFrames"]
    x = np.asarray(audio16k, dtype=np.float32).astype(np.float64)
    if num_frames(len(x)) < w:  # short clip: repeat the audio (DNSMOS does the same)
        need = w * HOP + HOP
        x = np.tile(x, int(np.ceil(need / len(x))))[:need]  # exactly one window, as WindowProducer does
    feats = compressed_stft(x)
    energy = frame_energies_db(x)
    peaks = frame_peaks(x)
    windows = []
    for k in range((feats.shape[2] - w) // h + 1):
        s = k * h
        ratio = float((energy[s: s + w] > VAD_THRESHOLD_DB).mean())
        win = feats[:, :, s: s + w]
        if card["input"].get("peakNormalize"):
            win = win * np.float32(peak_gain(float(peaks[s: s + w].max())))
        windows.append((s, ratio, win))
    scored = [(s, r, win) for s, r, win in windows if r >= VAD_MIN_RATIO]
    dim_names = card["outputs"]["dims"]["names"]
    if not scored:
        return {"mos": None, "dims": {}, "windows": 0}
    batch = np.stack([win for _, _, win in scored]).astype(np.float32)
    mos, dims = session.run(["mos", "dims"], {"frames": batch})
    return {"mos": float(mos.mean()), "dims": {n: float(v) for n, v in zip(dim_names, dims.mean(axis=0))},
            "windows": len(scored)}

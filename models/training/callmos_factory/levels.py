"""Signal levels, shared by the degradations and the call-chain processing."""
from __future__ import annotations

import numpy as np


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x ** 2) + 1e-20))


def active_rms(x: np.ndarray) -> float:
    """RMS over the louder 20 ms frames (a crude active speech level)."""
    f = x[: len(x) // 320 * 320].reshape(-1, 320)
    e = np.sqrt((f ** 2).mean(axis=1) + 1e-20)
    thr = e.max() * 10 ** (-30 / 20)
    return float(np.sqrt(np.mean(e[e > thr] ** 2))) if np.any(e > thr) else rms(x)


def match_level(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """`y` (x processed) scaled back to x's active level: a stage's own level change is not what it is for."""
    return y * (active_rms(x) / (active_rms(y) + 1e-12))


def noise_at_snr(x: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """`noise` scaled so that x's active level is snr_db above the noise's RMS."""
    return noise * (active_rms(x) / (rms(noise) * 10 ** (snr_db / 20) + 1e-12))

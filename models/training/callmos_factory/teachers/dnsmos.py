"""DNSMOS P.835 (SIG, BAK, OVRL) and P.808 teachers, windowed as the published scorer does.

Windowing (from teachers/dnsmos/README.md, checked against its reference table):
- a clip shorter than 9.01 s is appended to itself (doubled) until it is at least 144160 samples;
- windows of 144160 samples every 16000 samples; their number follows the published code,
  int(floor(seconds) - 9.01) + 1, which can leave a complete last window unused: plc_good.wav (10.1 s)
  gets one window, as in the reference table (the README's floor(seconds - 9.01) + 1 would give two);
- P.835 raw outputs are mapped by the polynomials per window, P.808 is used raw; scores are window means.

Two deliberate differences from the published code, neither of which changes a score:
- window offsets are exact integers (the published float offsets make windows 7-23 one sample short,
  so it silently skips them on clips longer than 16 s);
- a doubled clip is periodic, so windows whose offsets agree modulo the clip length are identical: each
  distinct window runs once and is weighted by its count (a 4 s clip needs 4 model runs instead of 7).
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

from .common import check_audio, ort_session, teacher_file

SAMPLE_RATE = 16000
WINDOW = 144160  # 9.01 s
HOP = SAMPLE_RATE
P808_TRIM = 160  # P.808 sees the window minus its last 160 samples -> 900 mel frames
P808_N_FFT = 321
P808_HOP = 160
P808_MELS = 120

# Highest power first (np.polyval order).
POLY_SIG = (-0.08397278, 1.22083953, 0.0052439)
POLY_BAK = (-0.13166888, 1.60915514, -0.39604546)
POLY_OVRL = (-0.06766283, 1.11546468, 0.04602535)


def repeat_to_window(x: np.ndarray) -> tuple[np.ndarray, int | None]:
    """Double a short clip until it fills a window; also return its period (None when not repeated)."""
    if x.size >= WINDOW:
        return x, None
    period = x.size
    while x.size < WINDOW:
        x = np.concatenate([x, x])
    return x, period


def window_starts(n_samples: int) -> np.ndarray:
    """Start offsets of the published scorer's windows over n_samples >= WINDOW samples."""
    n_windows = max(1, n_samples // SAMPLE_RATE - 9)  # == int(floor(n / sr) - 9.01) + 1
    return HOP * np.arange(n_windows)


def p808_features(window: np.ndarray) -> np.ndarray:
    """[900, 120] log-mel input of model_v8.onnx for one 144160-sample window."""
    import librosa

    mel = librosa.feature.melspectrogram(y=window[:-P808_TRIM], sr=SAMPLE_RATE, n_fft=P808_N_FFT,
                                         hop_length=P808_HOP, n_mels=P808_MELS)
    return ((librosa.power_to_db(mel, ref=np.max) + 40.0) / 40.0).T.astype(np.float32)


class DNSMOS:
    """Scores 16 kHz audio with DNSMOS P.835 and P.808; ONNX sessions are created once.

    max_windows=None keeps the published windowing (the reference numbers); a small value (e.g. 1) caps
    the P.835 cost (about 1 s per window per core) for bulk labelling of long clips, at the price of
    scores that no longer equal the published ones.
    """

    def __init__(self, threads: int = 1, max_windows: int | None = None, root: str | Path | None = None,
                 p835: bool = True):
        if max_windows is not None and max_windows < 1:
            raise ValueError(f"max_windows must be >= 1 or None, got {max_windows}")
        self.max_windows = max_windows
        self._p835 = ort_session(teacher_file("dnsmos", "sig_bak_ovr.onnx", root), threads) if p835 else None
        self._p808 = ort_session(teacher_file("dnsmos", "model_v8.onnx", root), threads)

    def windows(self, audio16k: np.ndarray) -> list[tuple[np.ndarray, int]]:
        """Distinct windows of the published scorer with how many times each occurs."""
        x, period = repeat_to_window(check_audio(audio16k, "DNSMOS"))
        starts = window_starts(x.size)[: self.max_windows]
        counts = Counter(int(s) % period if period else int(s) for s in starts)
        return [(x[s:s + WINDOW], c) for s, c in counts.items()]

    def score(self, audio16k: np.ndarray) -> dict[str, float]:
        """dict(sig, bak, ovrl, p808) for mono float audio at 16 kHz in [-1, 1]."""
        windows = self.windows(audio16k)
        weights = np.array([c for _, c in windows], dtype=np.float64)
        weights /= weights.sum()
        out = {"p808": float(weights @ [self._run_p808(w) for w, _ in windows])}
        if self._p835 is not None:
            per_window = np.array([self._run_p835(w) for w, _ in windows])  # [windows, 3] mapped
            out.update(zip(("sig", "bak", "ovrl"), (float(v) for v in weights @ per_window)))
        return {k: out[k] for k in ("sig", "bak", "ovrl", "p808") if k in out}

    def _run_p835(self, window: np.ndarray) -> tuple[float, float, float]:
        raw = self._p835.run(None, {"input_1": window[None].astype(np.float32)})[0][0].astype(np.float64)
        sig, bak, ovrl = raw
        return np.polyval(POLY_SIG, sig), np.polyval(POLY_BAK, bak), np.polyval(POLY_OVRL, ovrl)

    def _run_p808(self, window: np.ndarray) -> float:
        return float(self._p808.run(None, {"input_1": p808_features(window)[None]})[0][0, 0])

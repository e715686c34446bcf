"""PLCMOS v2 teacher: quality of packet-loss-concealed speech, 16 kHz.

Features and rater embeddings follow teachers/plcmos/README.md. The model is conditioned on a random
"rater" embedding; the published scorer averages 15 runs whose embeddings come from numpy's legacy
RandomState seeded with 23 (15 successive normal(size=(1, 64)) draws). `rounds` takes the first N of
those draws, so fewer rounds (cheaper labelling: ~35 ms per round for 4 s on one core) stay a
deterministic prefix of the reference average rather than a different random sample.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .common import check_audio, ort_session, teacher_file

SAMPLE_RATE = 16000
N_FFT = 512
HOP = 256
REFERENCE_ROUNDS = 15
RATER_SEED = 23
EMBED_DIM = 64
MIN_FRAMES = 7  # probed: the graph's conv/pool stack rejects 6 frames (the published scorer just crashes)
MIN_SAMPLES = (MIN_FRAMES - 2) * HOP + 1  # 1281 samples, 80 ms
_LN_PER_DB = 1.0 / 10.0 / np.log10(np.e)  # dB -> natural-log power units


def rater_embeddings(rounds: int = REFERENCE_ROUNDS) -> np.ndarray:
    """[rounds, 64] float32: the first `rounds` draws of the reference scorer's seeded sequence."""
    rng = np.random.RandomState(RATER_SEED)  # same stream as np.random.seed(23); np.random.normal
    return np.concatenate([rng.normal(size=(1, EMBED_DIM)) for _ in range(rounds)]).astype(np.float32)


def features(x: np.ndarray) -> np.ndarray:
    """[frames, 257] float32 log-power spectrogram scaled by 1/20, as PLCMOS v2 expects."""
    n_frames = -(-(x.size + HOP) // HOP)  # ceil((len + 256) / 256)
    padded = np.zeros((n_frames - 1) * HOP + N_FFT)
    padded[HOP:HOP + x.size] = x
    idx = HOP * np.arange(n_frames)[:, None] + np.arange(N_FFT)[None, :]
    window = np.hamming(N_FFT + 1)[:-1]
    power = np.abs(np.fft.rfft(padded[idx] * window, n=N_FFT, axis=1)) ** 2
    positive = power > 0
    if positive.any():
        floor = np.log(power[positive].min()) - 120.0 * _LN_PER_DB
        logp = np.where(positive, np.log(np.where(positive, power, 1.0)), floor)
    else:
        logp = np.full_like(power, -80.0 * _LN_PER_DB)
    return (logp / 20.0).astype(np.float32)


class PLCMOS:
    """PLCMOS v2 on 16 kHz mono float audio; score() averages `rounds` rater embeddings (15 = reference)."""

    def __init__(self, rounds: int = REFERENCE_ROUNDS, threads: int = 1, root: str | Path | None = None):
        if not 1 <= rounds <= REFERENCE_ROUNDS:
            raise ValueError(f"rounds must be in 1..{REFERENCE_ROUNDS}, got {rounds}")
        self.rounds = rounds
        self._embeddings = rater_embeddings(rounds)
        self._session = ort_session(teacher_file("plcmos", "plcmos_v2.onnx", root), threads)

    def score(self, audio16k: np.ndarray) -> dict[str, float]:
        """dict(plcmos) for mono float audio at 16 kHz in [-1, 1] (whole clip in one run per round)."""
        x = check_audio(audio16k, "PLCMOS")
        if x.size < MIN_SAMPLES:
            raise ValueError(f"PLCMOS: clip too short ({x.size} samples): the model needs at least {MIN_FRAMES} "
                             f"frames = {MIN_SAMPLES} samples ({MIN_SAMPLES / SAMPLE_RATE * 1000:.0f} ms) at 16 kHz")
        feats = features(x)[None, None]
        outs = [self._session.run(None, {"degraded_audio": feats, "rater_embed": e[None]})[0]
                for e in self._embeddings]
        return {"plcmos": float(np.mean(outs))}

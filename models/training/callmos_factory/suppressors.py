"""Noisy speech through a noise suppressor, as a call's sender chain makes it (issue 14, factory v5).

A suppressor is there for noise: in the family-held-out split WebRTC's suppressor runs over speech at 0-20 dB
SNR, and the students over-rated its strong levels (+0.36 MOS at 'very-high'). Training drew its own
denoisers (degradations.denoiser, processing.ffmpeg_denoise) independently of the noise, so most of their clips
were clean speech through a denoiser, and strong suppression of real noise was rare. This chain always adds the
noise first (low SNRs included) and then suppresses it with one of three makes other than WebRTC's:

- sox `noisered`: spectral subtraction from a noise profile (sox's `noiseprof` of the noise alone, as a user
  records a profile from a pause);
- MMSE log-spectral amplitude (Ephraim-Malah) with a decision-directed a-priori SNR and a gain floor: the
  estimator classic phone and conferencing suppressors (speexdsp's preprocessor among them) are built on;
- ffmpeg `afftdn` at strong reductions, from a set noise floor or tracking the noise.

WebRTC's suppressor (call_chain.webrtc_ns) stays held out: tests/test_families.py checks it is never drawn.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import istft, stft
from scipy.special import exp1

from . import processing
from .levels import match_level, noise_at_snr, rms

SR = 16000
SUPPRESSORS = ("sox-noisered", "mmse-lsa", "afftdn")


def sox_noisered(noisy: np.ndarray, noise: np.ndarray, amount: float) -> np.ndarray:
    with tempfile.TemporaryDirectory() as td:
        src, nz, prof, dst = (Path(td) / n for n in ("in.wav", "noise.wav", "noise.prof", "out.wav"))
        peak = max(np.abs(noisy).max(), np.abs(noise).max(), 1e-9)
        scale = 0.9 / peak if peak > 0.9 else 1.0  # sox reads float WAV but clips on its integer path
        sf.write(str(src), (noisy * scale).astype(np.float32), SR, subtype="FLOAT")
        sf.write(str(nz), (noise * scale).astype(np.float32), SR, subtype="FLOAT")
        for cmd in (["sox", str(nz), "-n", "noiseprof", str(prof)],
                    ["sox", str(src), "-e", "floating-point", str(dst), "noisered", str(prof), f"{amount:.2f}"]):
            processing._run(cmd)
        y, _ = sf.read(str(dst), dtype="float64")
    y = y[: len(noisy)] / scale
    return np.pad(y, (0, len(noisy) - len(y)))


def mmse_lsa(noisy: np.ndarray, noise: np.ndarray, alpha: float, floor_db: float) -> np.ndarray:
    """Ephraim-Malah 1985 log-spectral amplitude gain; the noise PSD from the noise's own mean spectrum (an
    ideal estimator: the artefacts left are the gain rule's, musical noise and speech attenuation at the floor)."""
    args = dict(fs=SR, nperseg=512, noverlap=384)
    _, _, Y = stft(noisy, **args)
    _, _, N = stft(noise, **args)
    lam = np.mean(np.abs(N) ** 2, axis=1, keepdims=True) + 1e-20
    post = np.abs(Y) ** 2 / lam  # a-posteriori SNR
    gain = np.ones_like(post)
    floor = 10 ** (floor_db / 20)
    prev = np.ones(post.shape[0])  # |A_{t-1}|^2 / lambda
    for t in range(post.shape[1]):
        xi = np.maximum(alpha * prev + (1 - alpha) * np.maximum(post[:, t] - 1, 0), 1e-3)
        v = xi / (1 + xi) * post[:, t]
        g = xi / (1 + xi) * np.exp(0.5 * exp1(np.maximum(v, 1e-8)))
        gain[:, t] = np.maximum(g, floor)
        prev = gain[:, t] ** 2 * post[:, t]
    y = istft(Y * gain, **args)[1][: len(noisy)]
    return np.pad(y, (0, len(noisy) - len(y)))


def suppressed_noise(x: np.ndarray, noise: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    """`noise` (degradations.make_noise's) mixed into speech `x` at -3..20 dB SNR, then suppressed."""
    snr = float(rng.uniform(-3, 20))
    noise = noise_at_snr(x, noise, snr)
    noisy = x + noise
    make = str(rng.choice(SUPPRESSORS))
    if make == "sox-noisered":
        amount = float(rng.uniform(0.15, 0.45))
        y, q = sox_noisered(noisy, noise, amount), {"amount": round(amount, 2)}
    elif make == "mmse-lsa":
        alpha, floor_db = float(rng.uniform(0.9, 0.99)), float(rng.uniform(-35, -8))
        y, q = mmse_lsa(noisy, noise, alpha, floor_db), {"alpha": round(alpha, 3), "floor_db": round(floor_db, 1)}
    else:
        nr = float(rng.uniform(20, 60))
        # its noise floor set near the noise's level (as a user tunes it), off by up to 6 dB either way
        nf = float(np.clip(20 * np.log10(rms(noise)) + rng.uniform(-6, 6), -80, -20))
        track = bool(rng.random() < 0.5)
        y, q = processing.afftdn(noisy, nr, nf, track), {"nr_db": round(nr, 1), "nf_db": round(nf, 1), "track_noise": int(track)}
    y = match_level(x, y)  # the suppressor's own level change is not the point
    return y, {"snr_db": round(snr, 1), "suppressor": make, **q}

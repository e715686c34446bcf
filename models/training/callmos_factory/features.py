"""The student's input features: the reference definition.

This is the one definition of the compressed STFT that the TypeScript core (packages/core/src/dsp)
reproduces; golden vectors made by `python -m callmos_factory.golden` pin the two together.

- 16 kHz mono float audio in [-1, 1].
- Reflect-pad 80 samples each side (numpy 'reflect': the edge sample is not repeated), no centring.
- Frames of 320 samples, hop 160, periodic Hann window (torch.hann_window(320) / scipy hann(320, sym=False)).
- rfft n=320 -> 161 bins. Power-law compression, phase kept:  c = X * max(|X|, 1e-12) ** (0.3 - 1).
- Output float32 [2, 161, frames] (real, imag). frames = floor(len / 160) for len >= 160.
- Per-window peak normalisation (when a card asks for it) equals multiplying a window's frames by
  max(peak, PEAK_FLOOR) ** -0.3, where peak is the largest |sample| any of its frames covers.
"""
from __future__ import annotations

import numpy as np

SAMPLE_RATE = 16000
N_FFT = 320
HOP = 160
PAD = 80
N_BINS = N_FFT // 2 + 1
POWER = 0.3
MAG_FLOOR = 1e-12
PEAK_FLOOR = 1e-4


def hann_periodic(n: int = N_FFT) -> np.ndarray:
    k = np.arange(n, dtype=np.float64)
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * k / n)


def num_frames(n_samples: int) -> int:
    return max(0, (n_samples + 2 * PAD - N_FFT) // HOP + 1)


def compressed_stft(x: np.ndarray) -> np.ndarray:
    """float64 reference: audio [n] -> [2, 161, frames] float32."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1 or x.size <= PAD:
        raise ValueError(f"need 1-D audio longer than {PAD} samples, got shape {x.shape}")
    xp = np.pad(x, PAD, mode="reflect")
    n = num_frames(x.size)
    idx = np.arange(N_FFT)[None, :] + HOP * np.arange(n)[:, None]
    frames = xp[idx] * hann_periodic()[None, :]
    spec = np.fft.rfft(frames, n=N_FFT, axis=1)  # [frames, 161]
    mag = np.maximum(np.abs(spec), MAG_FLOOR)
    c = spec * mag ** (POWER - 1.0)
    return np.stack([c.real.T, c.imag.T]).astype(np.float32)


def frame_peaks(x: np.ndarray) -> np.ndarray:
    """Largest |sample| each frame covers (padding included: it only repeats real samples)."""
    xp = np.pad(np.asarray(x, dtype=np.float64), PAD, mode="reflect")
    n = num_frames(len(x))
    idx = np.arange(N_FFT)[None, :] + HOP * np.arange(n)[:, None]
    return np.abs(xp[idx]).max(axis=1)


def peak_gain(peak: float) -> float:
    return float(max(peak, PEAK_FLOOR) ** -POWER)

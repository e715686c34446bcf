"""The frequency response every served stream goes through, as a gain on the student's feature bins.

Training clips are made at 16 kHz, but a browser captures at 44.1/48 kHz and the server decodes Opus at
48 kHz: in the SDK every stream passes the core's StreamingResampler (packages/core/src/dsp/resampler.ts,
'medium' quality: Kaiser-windowed sinc, pass band to 0.875 x 8 kHz, 80 dB stop band at 8 kHz). Its
roll-off above 7 kHz is not a degradation of the call, yet a student that never saw it reads it as
coloration: the tiny student scored a clean LibriSpeech file 4.10 at 16 kHz and 3.97 after 16 -> 44.1 ->
16 kHz through the core (a 7.2 kHz sox low-pass: 3.87). Training on features with that response applied
to half the clips (teacher labels unchanged) teaches the students that this band edge is the SDK's own.

A real, zero-phase gain g(f) on the signal scales the compressed STFT c = X |X|^-0.7 by g^0.3 exactly
(for a filter short against the 20 ms frame, which this one is: ~5 ms), so the augmentation is one
multiplication of the cached features, no re-extraction.
"""
from __future__ import annotations

import numpy as np

from .features import N_BINS, N_FFT, POWER, SAMPLE_RATE
from .golden import RESAMPLER_QUALITY, resampler_design, resampler_kernel

# the SDK's default resampler quality (StreamingResampler in packages/core/src/dsp/resampler.ts); golden.py
# mirrors its design, and the golden fixtures pin that mirror to the TypeScript
QUALITY = "medium"
STOPBAND_DB, PASSBAND = RESAMPLER_QUALITY[QUALITY]


def resampler_response(in_rate: int = 48000, out_rate: int = SAMPLE_RATE) -> np.ndarray:
    """|H(f)| of the core's in_rate -> out_rate anti-aliasing filter at the student's 161 bin centres."""
    d = resampler_design(in_rate, out_rate, QUALITY)
    tau = np.arange(-d["lookahead"], d["lookahead"] + 1, dtype=np.float64)  # input samples
    h = resampler_kernel(tau, d)
    freqs = np.arange(N_BINS) * SAMPLE_RATE / N_FFT  # bin centres, Hz
    return np.abs(np.exp(-2j * np.pi * np.outer(freqs / in_rate, tau)) @ h)


def feature_gain(in_rate: int = 48000) -> np.ndarray:
    """[161] float32 multiplier for compressed-STFT features: the resampler's |H|^0.3."""
    return (np.maximum(resampler_response(in_rate), 1e-6) ** POWER).astype(np.float32)

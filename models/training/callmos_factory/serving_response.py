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

# QUALITY_PRESETS.medium of packages/core/src/dsp/resampler.ts (a test keeps the two in step)
STOPBAND_DB = 80.0
PASSBAND = 0.875


def kaiser_beta(attenuation_db: float) -> float:
    if attenuation_db > 50:
        return 0.1102 * (attenuation_db - 8.7)
    if attenuation_db >= 21:
        return 0.5842 * (attenuation_db - 21) ** 0.4 + 0.07886 * (attenuation_db - 21)
    return 0.0


def resampler_response(in_rate: int = 48000, out_rate: int = SAMPLE_RATE) -> np.ndarray:
    """|H(f)| of the core's in_rate -> out_rate anti-aliasing filter at the student's 161 bin centres."""
    nyquist = min(in_rate, out_rate) / 2
    passband_hz, stopband_hz = PASSBAND * nyquist, nyquist
    transition = (stopband_hz - passband_hz) / in_rate
    half_width = (STOPBAND_DB - 7.95) / (2.285 * 2 * np.pi * transition) / 2
    cutoff = (passband_hz + stopband_hz) / 2 / in_rate
    tau = np.arange(-np.ceil(half_width), np.ceil(half_width) + 1)
    r = np.clip(tau / half_width, -1, 1)
    beta = kaiser_beta(STOPBAND_DB)
    h = 2 * cutoff * np.sinc(2 * cutoff * tau) * np.i0(beta * np.sqrt(1 - r * r)) / np.i0(beta)
    h[np.abs(tau) > half_width] = 0.0
    freqs = np.arange(N_BINS) * SAMPLE_RATE / N_FFT  # bin centres, Hz
    response = np.abs(np.exp(-2j * np.pi * np.outer(freqs / in_rate, tau)) @ h)
    return response


def feature_gain(in_rate: int = 48000) -> np.ndarray:
    """[161] float32 multiplier for compressed-STFT features: the resampler's |H|^0.3."""
    return (np.maximum(resampler_response(in_rate), 1e-6) ** POWER).astype(np.float32)

"""Generic spectral-processing artefacts: inputs for distillation, not a model of one tool (factory v5).

A student learns its teacher only where it has seen the teacher answer. Every tool in processing.py is one
algorithm with its own artefacts, and the family-held-out split shows the students rate processing of other
makes as nearly clean (Griffin-Lim resynthesis +0.31 MOS, WebRTC's strongest suppression +0.36). Realism is
not what distillation needs of an input, coverage is: this draws random STFT-domain edits of the kinds that
enhancement, coding and resynthesis leave behind, in random strengths, and lets the teachers say what each
costs:

- phase: a fraction of the phase replaced by random or by a neighbouring frame's (inconsistent phase: the
  phasiness and smearing of magnitude-only processing, phase vocoders and neural vocoders);
- magnitude smoothing over frequency (a coarse envelope: harmonics blurred) or over time (transients smeared);
- magnitude quantisation in dB steps (coarse spectral coding) and spectral holes (bins zeroed at random:
  the musical noise of hard masks).

Each clip gets one to three of them, on a band of the spectrum or all of it; the STFT (512 / 128, Hann) is
resynthesised by overlap-add, whose inconsistency adds its own artefacts. None of the family-held-out
algorithms (Griffin-Lim's iterations, WebRTC's suppressor, time-scale modification) is among them:
tests/test_families.py checks that the held-out families stay out of training.
"""
from __future__ import annotations

import numpy as np
from scipy.ndimage import uniform_filter1d
from scipy.signal import istft, stft

from .levels import match_level

SR = 16000
EDITS = ("phase", "smooth_freq", "smooth_time", "quantise", "holes")


def _band(n_bins: int, rng: np.random.Generator) -> slice:
    """All bins, or the ones above a random edge (processing often leaves the low band alone)."""
    if rng.random() < 0.5:
        return slice(0, n_bins)
    return slice(int(rng.uniform(0.1, 0.6) * n_bins), n_bins)


def stft_artifacts(x: np.ndarray, rng: np.random.Generator, split: str) -> tuple[np.ndarray, dict]:
    args = dict(fs=SR, nperseg=512, noverlap=384)
    _, _, Z = stft(x, **args)
    mag, phase = np.abs(Z), np.angle(Z)
    k = int(rng.integers(1, 4))
    edits = [str(e) for e in rng.choice(EDITS, size=k, replace=False)]
    params: dict = {"edits": edits}
    for edit in edits:
        band = _band(mag.shape[0], rng)
        params[f"{edit}_from_bin"] = band.start
        if edit == "phase":
            amount = float(rng.uniform(0.2, 1.0))
            if rng.random() < 0.5:
                other = rng.uniform(-np.pi, np.pi, phase[band].shape)
                params["phase_source"] = "random"
            else:
                other = np.roll(phase[band], int(rng.integers(1, 4)), axis=1)
                params["phase_source"] = "neighbour frame"
            mix = np.exp(1j * phase[band]) * (1 - amount) + np.exp(1j * other) * amount
            phase[band] = np.angle(mix)
            params["phase_amount"] = round(amount, 2)
        elif edit == "smooth_freq":
            width = int(rng.integers(3, 16))
            mag[band] = uniform_filter1d(mag[band], width, axis=0)
            params["freq_bins"] = width
        elif edit == "smooth_time":
            width = int(rng.integers(2, 9))
            mag[band] = uniform_filter1d(mag[band], width, axis=1)
            params["time_frames"] = width
        elif edit == "quantise":
            step = float(rng.uniform(2, 8))
            db = 20 * np.log10(mag[band] + 1e-9)
            mag[band] = 10 ** (np.round(db / step) * step / 20)
            params["step_db"] = round(step, 1)
        else:  # holes
            p = float(rng.uniform(0.05, 0.4))
            mag[band] *= rng.random(mag[band].shape) >= p
            params["hole_fraction"] = round(p, 2)
    y = istft(mag * np.exp(1j * phase), **args)[1][: len(x)]
    y = np.pad(y, (0, len(x) - len(y)))
    return match_level(x, y), params

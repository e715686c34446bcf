"""The serving-response augmentation mirrors the core resampler it stands for."""
import re
from pathlib import Path

import numpy as np

from callmos_factory import serving_response as sr
from callmos_factory.features import compressed_stft

RESAMPLER_TS = Path(__file__).resolve().parents[3] / "packages/core/src/dsp/resampler.ts"


def test_constants_are_the_core_medium_preset():
    m = re.search(r"medium:\s*\{\s*stopbandDb:\s*([\d.]+),\s*passband:\s*([\d.]+)\s*\}", RESAMPLER_TS.read_text())
    assert m, "QUALITY_PRESETS.medium not found in resampler.ts"
    assert float(m.group(1)) == sr.STOPBAND_DB
    assert float(m.group(2)) == sr.PASSBAND


def test_response_shape_flat_pass_band_half_at_cutoff_stop_at_nyquist():
    for rate in (44100, 48000):
        h = sr.resampler_response(rate)
        assert h.shape == (161,)
        assert np.allclose(h[:140], 1.0, atol=1e-3)  # up to 7 kHz
        assert abs(h[150] - 0.5) < 0.01  # 7.5 kHz: the -6 dB cutoff
        assert h[160] < 1e-3  # 8 kHz: the stop band edge


def test_gain_equals_filtering_the_audio():
    # A zero-phase filter with |H| = the response at the bin centres, applied to audio, changes the
    # compressed STFT by |H|^0.3 per bin (up to the frame's leakage between neighbouring bins).
    rng = np.random.default_rng(0)
    x = rng.standard_normal(16000 * 2) * 0.1
    spectrum = np.fft.rfft(x)
    f = np.fft.rfftfreq(x.size, 1 / 16000)
    h = np.interp(f, np.arange(161) * 50.0, sr.resampler_response())
    y = np.fft.irfft(spectrum * h, n=x.size)
    cx, cy = compressed_stft(x), compressed_stft(y)
    predicted = cx * sr.feature_gain()[None, :, None]
    inner = slice(0, 130)  # the pass band, a few bins (the Hann leakage) away from the band edge
    frames = slice(2, -2)  # the edge frames see the circular filter's wrap-around
    assert np.allclose(cy[:, inner, frames], predicted[:, inner, frames], atol=1e-3)
    # in the band edge, power per bin follows the gain within a few per cent
    edge = slice(141, 155)  # to 7.7 kHz; beyond it the bins hold leakage from their louder neighbours
    ratio = np.mean(np.abs(cy[:, edge]) ** 2, axis=(0, 2)) / np.mean(np.abs(predicted[:, edge]) ** 2, axis=(0, 2))
    assert np.all(np.abs(ratio - 1) < 0.1), ratio

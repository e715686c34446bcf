"""Golden vectors that pin the TypeScript DSP (packages/core/src/dsp) to the Python references.

    cd models/training && python3 -m callmos_factory.golden

writes small JSON fixtures to packages/core/test/fixtures/dsp/:
- stft-<signal>.json: features.compressed_stft, frame peaks and frame energies of deterministic signals;
- peaknorm-<case>.json: compressed_stft of a peak-normalised waveform (window from frame 0);
- resample-<rate>.json: <rate> -> 16 kHz for each resampler quality, via scipy.signal.resample_poly
  with the resampler's own Kaiser-windowed-sinc kernel (its design is repeated here, see
  `resampler_design`, and cross-checked against a direct windowed-sinc sum).

Numbers are written with 8 significant digits. Inputs are rounded to 8 digits and then to float32
before the reference runs on them, so the TypeScript side (Float32Array.from(json)) sees the same samples.
Deterministic: the same numpy/scipy give the same files.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
from scipy.signal import chirp, resample_poly

from . import features as F

FIXTURES_DIR = Path(__file__).resolve().parents[3] / "packages" / "core" / "test" / "fixtures" / "dsp"
RESAMPLE_RATES = (8000, 11025, 22050, 24000, 32000, 44100, 48000)
FEATURE_RATE = F.SAMPLE_RATE

# Resampler presets: (stop-band attenuation dB, pass-band edge as a fraction of the lower Nyquist).
# Must equal QUALITY_PRESETS in packages/core/src/dsp/resampler.ts.
RESAMPLER_QUALITY = {"low": (65.0, 0.8), "medium": (80.0, 0.875), "high": (100.0, 0.91)}


def _digits8(values) -> list[float]:
    return [float(f"{v:.8g}") for v in np.asarray(values, dtype=np.float64).ravel()]


def _as_input(x: np.ndarray) -> np.ndarray:
    """What the TS side will hold: 8 significant digits, then float32."""
    return np.asarray(_digits8(x), dtype=np.float64).astype(np.float32).astype(np.float64)


def _write(name: str, payload: dict) -> None:
    FIXTURES_DIR.mkdir(parents=True, exist_ok=True)
    path = FIXTURES_DIR / name
    path.write_text(json.dumps(payload, separators=(",", ":")) + "\n")
    print(f"{path.relative_to(FIXTURES_DIR.parents[4])}: {path.stat().st_size / 1024:.0f} KB")


# ---------------------------------------------------------------- features


def frame_energies_db(x: np.ndarray) -> np.ndarray:
    """The speech gate's per-frame energy (docs/ARCHITECTURE.md): 10 log10(mean square of the 320
    raw samples a frame covers, reflect padding included, + 1e-12)."""
    xp = np.pad(np.asarray(x, dtype=np.float64), F.PAD, mode="reflect")
    n = F.num_frames(len(x))
    idx = np.arange(F.N_FFT)[None, :] + F.HOP * np.arange(n)[:, None]
    return 10.0 * np.log10(np.mean(xp[idx] ** 2, axis=1) + 1e-12)


def stft_signals() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(20261123)
    t4000 = np.arange(4000) / FEATURE_RATE
    t2333 = np.arange(2333) / FEATURE_RATE
    harmonics = sum(np.sin(2 * np.pi * 140 * h * t2333) / h for h in range(1, 12))
    return {
        "chirp": 0.5 * chirp(t4000, f0=100, t1=t4000[-1], f1=7900, method="linear"),
        "noise": 0.1 * rng.standard_normal(3000),
        # 1000 samples: 6 frames, the last ones reaching into the right padding
        "short": 0.8 * np.sin(2 * np.pi * 440 * np.arange(1000) / FEATURE_RATE) * np.exp(-np.arange(1000) / 400),
        # length not a multiple of 160, amplitude-modulated harmonics (speech-like) plus noise
        "odd": 0.3 * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t2333)) * harmonics / 3 + 0.01 * rng.standard_normal(2333),
    }


def write_stft_fixtures() -> None:
    for name, signal in stft_signals().items():
        x = _as_input(signal)
        spec = F.compressed_stft(x)
        _write(f"stft-{name}.json", {
            "signal": name,
            "input": _digits8(x),
            "frames": int(spec.shape[2]),
            "data": _digits8(spec),  # [2, 161, frames] flattened, frames fastest
            "peaks": _digits8(F.frame_peaks(x)),
            "energiesDb": _digits8(frame_energies_db(x)),
        })


def write_peaknorm_fixtures(window_frames: int = 12) -> None:
    rng = np.random.default_rng(7)
    t = np.arange(2000) / FEATURE_RATE
    cases = {
        "quiet": 0.05 * np.sin(2 * np.pi * 300 * t) + 0.01 * rng.standard_normal(t.size),
        # peak below PEAK_FLOOR: the gain is capped at PEAK_FLOOR^-0.3
        "floor": 3e-5 * np.sin(2 * np.pi * 1200 * t) + 5e-6 * rng.standard_normal(t.size),
    }
    for name, signal in cases.items():
        x = _as_input(signal)
        peak = float(F.frame_peaks(x)[:window_frames].max())
        normalised = x / max(peak, F.PEAK_FLOOR)
        spec = F.compressed_stft(normalised)[:, :, :window_frames]
        _write(f"peaknorm-{name}.json", {
            "case": name,
            "input": _digits8(x),
            "windowFrames": window_frames,
            "peak": peak,
            "gain": F.peak_gain(peak),
            "data": _digits8(spec),  # [2, 161, windowFrames]
        })


# ---------------------------------------------------------------- resampler


def kaiser_beta(attenuation_db: float) -> float:
    if attenuation_db > 50:
        return 0.1102 * (attenuation_db - 8.7)
    if attenuation_db >= 21:
        return 0.5842 * (attenuation_db - 21) ** 0.4 + 0.07886 * (attenuation_db - 21)
    return 0.0


def resampler_design(in_rate: int, out_rate: int, quality: str) -> dict:
    """Same numbers as designResamplerFilter in resampler.ts (Kaiser's window-design formulas)."""
    stopband_db, passband = RESAMPLER_QUALITY[quality]
    g = math.gcd(in_rate, out_rate)
    nyquist = min(in_rate, out_rate) / 2
    passband_hz, stopband_hz = passband * nyquist, nyquist
    transition = (stopband_hz - passband_hz) / in_rate  # cycles per input sample
    half_width = (stopband_db - 7.95) / (2.285 * 2 * np.pi * transition) / 2
    return {
        "up": out_rate // g,
        "down": in_rate // g,
        "cutoff": (passband_hz + stopband_hz) / 2 / in_rate,
        "kaiserBeta": kaiser_beta(stopband_db),
        "halfWidth": half_width,
        "lookahead": math.ceil(half_width),
    }


def resampler_kernel(tau: np.ndarray, d: dict) -> np.ndarray:
    """h(tau) = 2 fc sinc(2 fc tau) kaiser(tau / halfWidth), tau in input samples."""
    r = tau / d["halfWidth"]
    inside = np.abs(r) < 1
    window = np.where(inside, np.i0(d["kaiserBeta"] * np.sqrt(np.clip(1 - r * r, 0, None))), 0) / np.i0(d["kaiserBeta"])
    return 2 * d["cutoff"] * np.sinc(2 * d["cutoff"] * tau) * window


def resample_reference(x: np.ndarray, d: dict) -> np.ndarray:
    up, down, k = d["up"], d["down"], d["lookahead"]
    half_len = k * up
    # resample_poly filters the zero-stuffed signal at up * in_rate with `window` (times up) centred at
    # half_len: y[n] = sum_j x[j] h((n down - j up) / up), i.e. output n at input time n down / up.
    h = resampler_kernel((np.arange(2 * half_len + 1) - half_len) / up, d) / up
    y = resample_poly(x, up, down, window=h)
    # independent check: the direct windowed-sinc sum over the 2 k inputs nearest each output time
    t = np.arange(y.size) * down / up
    taps = np.floor(t).astype(np.int64)[:, None] + np.arange(-k + 1, k + 1)[None, :]
    valid = (taps >= 0) & (taps < x.size)
    direct = np.sum(np.where(valid, x[np.clip(taps, 0, x.size - 1)], 0) * resampler_kernel(t[:, None] - taps, d), axis=1)
    assert np.max(np.abs(direct - y)) < 1e-9, "resample_poly and the direct windowed-sinc sum disagree"
    return y


def resample_signal(rate: int) -> np.ndarray:
    rng = np.random.default_rng(rate)
    n = int(0.06 * rate) + 7  # not a multiple of the decimation factor
    t = np.arange(n) / rate
    tones = [(440, 0.3), (2500, 0.2), (6800, 0.15), (11000, 0.15), (19000, 0.1)]
    x = sum(a * np.sin(2 * np.pi * f * t + f) for f, a in tones if f < rate / 2)
    x = x + 0.05 * rng.standard_normal(n)
    x[n // 3] += 0.2  # a click: broadband
    return x


def write_resampler_fixtures() -> None:
    for rate in RESAMPLE_RATES:
        x = _as_input(resample_signal(rate))
        outputs, designs = {}, {}
        for quality in RESAMPLER_QUALITY:
            d = resampler_design(rate, FEATURE_RATE, quality)
            designs[quality] = d
            outputs[quality] = _digits8(resample_reference(x, d))
        _write(f"resample-{rate}.json", {
            "inRate": rate,
            "outRate": FEATURE_RATE,
            "input": _digits8(x),
            "designs": designs,
            "outputs": outputs,
        })


def main() -> None:
    write_stft_fixtures()
    write_peaknorm_fixtures()
    write_resampler_fixtures()


if __name__ == "__main__":
    main()

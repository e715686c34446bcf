"""Source-filter vocoder resynthesis: speech rebuilt from a coarse parametric description, the artefacts of
parametric speech codecs and TTS vocoders (buzziness, smeared formants, lost harmonics) that no codec in
codecs.py makes. Each returns (audio, params) like degradations.py. Since models 1.4 training draws both
(processing.vocoder); the family-held-out split keeps them in its vocoder family, reported apart as seen.
Phase-reconstruction vocoding (Griffin-Lim, griffin_lim.py) stays held out.

- An LPC vocoder: per-frame LPC envelope with quantised line spectral frequencies, excited by a pulse train
  at a coarsened pitch or by noise (LPC-10 / MELP's family).
- SPTK mel-cepstral analysis and MLSA-filter resynthesis with a low-order, quantised envelope and a
  smoothed pitch track (the HTS / STRAIGHT-era parametric TTS vocoder).
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from scipy.signal import lfilter

SR = 16000


# --- LPC vocoder ----------------------------------------------------------------------------------------
def _lpc(frame: np.ndarray, order: int) -> np.ndarray:
    """Autocorrelation-method LPC (Levinson-Durbin) with a little lag windowing for stability."""
    r = np.correlate(frame, frame, "full")[len(frame) - 1: len(frame) + order]
    r = r * np.exp(-0.5 * (2 * np.pi * 60 / SR * np.arange(order + 1)) ** 2)
    r[0] = r[0] * 1.0001 + 1e-9
    a = np.zeros(order + 1)
    a[0], err = 1.0, r[0]
    for i in range(1, order + 1):
        k = -(r[i] + a[1:i] @ r[1:i][::-1]) / err
        a[1:i + 1] = a[1:i + 1] + k * np.concatenate([a[1:i][::-1], [1.0]])
        err *= 1 - k * k
    return a


def _poly_to_lsf(a: np.ndarray) -> np.ndarray:
    p = np.concatenate([a, [0.0]]) + np.concatenate([[0.0], a[::-1]])
    q = np.concatenate([a, [0.0]]) - np.concatenate([[0.0], a[::-1]])
    w = np.angle(np.concatenate([np.roots(p), np.roots(q)]))
    return np.sort(w[(w > 1e-6) & (w < np.pi - 1e-6)])


def _lsf_to_poly(lsf: np.ndarray) -> np.ndarray:
    p, q = np.array([1.0]), np.array([1.0])
    for i, w in enumerate(lsf):
        c = np.array([1.0, -2 * np.cos(w), 1.0])
        if i % 2 == 0:
            p = np.convolve(p, c)
        else:
            q = np.convolve(q, c)
    p = np.convolve(p, [1.0, 1.0])
    q = np.convolve(q, [1.0, -1.0])
    return ((p + q) / 2)[: len(lsf) + 1]


def _pitch(frame: np.ndarray) -> tuple[float, float]:
    """(period in samples, voicing strength 0..1) from the normalised autocorrelation, 60-400 Hz."""
    lo, hi = SR // 400, SR // 60
    r = np.correlate(frame, frame, "full")[len(frame) - 1:]
    if r[0] <= 1e-12 or len(r) <= hi:
        return 0.0, 0.0
    lag = lo + int(np.argmax(r[lo:hi]))
    return float(lag), float(r[lag] / r[0])


def lpc_vocoder(x: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    order = int(rng.choice([10, 12, 16]))
    lsf_step_hz = float(rng.choice([0.0, 25.0, 50.0, 100.0]))  # 0: unquantised envelope
    frame_ms = int(rng.choice([10, 20, 30]))
    pitch_step = float(rng.choice([0.0, 0.05, 0.1]))  # period quantised in log steps of this size
    voicing = float(rng.uniform(0.3, 0.5))
    hop = SR * frame_ms // 1000
    win = np.hanning(2 * hop + 1)[:-1]
    xp = np.pad(x, (hop, 2 * hop))
    pre = lfilter([1.0, -0.9], [1.0], xp)  # pre-emphasis for the envelope, undone after synthesis
    y = np.zeros(len(x) + 2 * hop)
    zi = np.zeros(order)
    phase = 0.0
    for t in range(0, len(x), hop):
        seg = pre[t: t + 2 * hop] * win
        a = _lpc(seg, order)
        if lsf_step_hz > 0:
            lsf = _poly_to_lsf(a)
            if len(lsf) == order:
                step = 2 * np.pi * lsf_step_hz / SR
                q = np.round(lsf / step) * step
                q = np.clip(q + np.arange(order) * 1e-3, 1e-3, np.pi - 1e-3)  # keep them ordered and apart
                a = _lsf_to_poly(np.sort(q))
        residual = lfilter(a, [1.0], seg)
        gain = float(np.sqrt(np.mean(residual ** 2) + 1e-20))
        period, strength = _pitch(xp[t: t + 2 * hop] * win)
        if pitch_step > 0 and period > 0:
            period = float(np.exp(np.round(np.log(period) / pitch_step) * pitch_step))
        exc = np.zeros(hop)
        if strength > voicing and period > 0:
            for i in range(hop):  # pulse train continuing its phase across frames
                phase += 1.0 / period
                if phase >= 1.0:
                    phase -= 1.0
                    exc[i] = np.sqrt(period)
        else:
            exc = rng.standard_normal(hop)
        exc *= gain / (np.sqrt(np.mean(exc ** 2)) + 1e-12)
        out, zi = lfilter([1.0], a, exc, zi=zi)
        y[t: t + hop] = out
    y = lfilter([1.0], [1.0, -0.9], y)[: len(x)]
    return y, {"vocoder": "lpc", "order": order, "lsf_step_hz": lsf_step_hz, "frame_ms": frame_ms,
               "pitch_step": pitch_step}


# --- SPTK mel-cepstrum + MLSA ---------------------------------------------------------------------------
def _sptk(cmd: list[str], data: bytes) -> bytes:
    r = subprocess.run(["sptk", *cmd], input=data, capture_output=True)
    if r.returncode != 0:
        raise RuntimeError(f"sptk {cmd[0]} failed: {r.stderr.decode(errors='replace')[-300:]}")
    return r.stdout


def sptk_available() -> bool:
    return shutil.which("sptk") is not None


def mlsa(x: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    """SPTK 3.x: frame | window | mcep -> quantise; pitch (RAPT) -> smooth; excite | mlsadf."""
    order = int(rng.choice([12, 16, 24]))
    alpha = 0.42
    hop = 80
    mcep_step = float(rng.choice([0.0, 0.05, 0.1]))
    f0_smooth = int(rng.choice([1, 5, 9]))  # frames of a median filter over the period track
    peak = max(1e-9, float(np.abs(x).max()))
    scale = 32768.0 / peak
    # a dither 80 dB under the peak: frames of exact zeros (a gate or suppressor before it) gave mcep
    # coefficients that made mlsadf diverge (inf), as did a wide cepstral range at order 24 with the default
    # 4th-order Pade approximation (-P 5 below); its own generator, so the chain's draws do not move
    x = x + 1e-4 * peak * np.random.default_rng(len(x)).standard_normal(len(x))
    raw = (x * scale).astype(np.float32).tobytes()
    with tempfile.TemporaryDirectory() as td:
        frames = _sptk(["frame", "-l", "512", "-p", str(hop)], raw)
        windowed = _sptk(["window", "-l", "512", "-L", "512"], frames)
        mc = np.frombuffer(_sptk(["mcep", "-l", "512", "-m", str(order), "-a", str(alpha), "-e", "1e-8"], windowed),
                           dtype=np.float32).reshape(-1, order + 1).copy()
        if mcep_step > 0:
            mc[:, 1:] = np.round(mc[:, 1:] / mcep_step) * mcep_step
        period = np.frombuffer(_sptk(["pitch", "-a", "0", "-s", "16", "-p", str(hop), "-L", "60", "-H", "400", "-o", "0"], raw),
                               dtype=np.float32).copy()
        if f0_smooth > 1 and len(period) >= f0_smooth:
            from scipy.signal import medfilt
            period = medfilt(period, f0_smooth).astype(np.float32)
        n = min(len(period), len(mc))
        exc = _sptk(["excite", "-p", str(hop)], period[:n].tobytes())
        mcp = Path(td) / "mc"
        mcp.write_bytes(mc[:n].tobytes())
        y = np.frombuffer(_sptk(["mlsadf", "-P", "5", "-m", str(order), "-a", str(alpha), "-p", str(hop), str(mcp)], exc),
                          dtype=np.float32).astype(np.float64) / scale
    y = y[: len(x)]
    if len(y) < len(x):
        y = np.pad(y, (0, len(x) - len(y)))
    return y, {"vocoder": "mlsa", "order": order, "mcep_step": mcep_step, "f0_median": f0_smooth}

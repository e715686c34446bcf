"""Processing a real call chain applies to speech, made by the tools that real chains use. Each returns
(audio, params) like degradations.py.

- WebRTC's own audio processing module (GStreamer's `webrtcdsp`, gstreamer1.0-plugins-bad): its noise
  suppressor at the four levels browsers expose, with or without its adaptive digital gain control.
- NetEq-style time-scale modification: a jitter buffer that accelerates or stretches stretches of speech
  (0.5-1.2 s pieces at tempos 0.7-1.4) with ffmpeg's WSOLA `atempo` or its `rubberband` filter.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

SR = 16000
NS_LEVELS = ("low", "moderate", "high", "very-high")


def _run(cmd: list[str]) -> None:
    r = subprocess.run(cmd, capture_output=True)
    if r.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed: {r.stderr.decode(errors='replace')[-400:]}")


def webrtc_available() -> bool:
    if shutil.which("gst-inspect-1.0") is None:
        return False
    return subprocess.run(["gst-inspect-1.0", "webrtcdsp"], capture_output=True).returncode == 0


def webrtc_ns(x: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    level = str(rng.choice(NS_LEVELS))
    agc = bool(rng.random() < 0.4)
    with tempfile.TemporaryDirectory() as td:
        src, dst = Path(td) / "in.wav", Path(td) / "out.wav"
        sf.write(str(src), (np.clip(x, -1, 1) * 32767).astype(np.int16), SR, subtype="PCM_16")
        _run(["gst-launch-1.0", "-q", "filesrc", f"location={src}", "!", "wavparse", "!", "audioconvert", "!",
              f"audio/x-raw,rate={SR},channels=1,format=S16LE", "!",
              "webrtcdsp", "echo-cancel=false", "high-pass-filter=true", "noise-suppression=true",
              f"noise-suppression-level={level}", f"gain-control={'true' if agc else 'false'}",
              "gain-control-mode=adaptive-digital", "!", "audioconvert", "!", "wavenc", "!",
              "filesink", f"location={dst}"])
        y, _ = sf.read(str(dst), dtype="float64")
    y = y[: len(x)]  # webrtcdsp works on 10 ms frames with no added delay
    if len(y) < len(x):
        y = np.pad(y, (0, len(x) - len(y)))
    return y, {"processor": "webrtc-apm", "ns_level": level, "agc": agc}


def _tempo(x: np.ndarray, factor: float, tool: str) -> np.ndarray:
    with tempfile.TemporaryDirectory() as td:
        src, dst = Path(td) / "in.wav", Path(td) / "out.wav"
        sf.write(str(src), x.astype(np.float32), SR, subtype="FLOAT")
        filt = f"atempo={factor:.4f}" if tool == "atempo" else f"rubberband=tempo={factor:.4f}"
        _run(["ffmpeg", "-v", "error", "-y", "-i", str(src), "-af", filt, "-c:a", "pcm_f32le", str(dst)])
        y, _ = sf.read(str(dst), dtype="float64")
    return y


def time_stretch(x: np.ndarray, rng: np.random.Generator, n_out: int) -> tuple[np.ndarray, dict]:
    """Pieces of `x` at their own tempo, joined with 5 ms cross-fades, until `n_out` samples are made."""
    tool = str(rng.choice(["atempo", "rubberband"]))
    fade = SR * 5 // 1000
    out = np.zeros(0)
    pos, factors = 0, []
    while len(out) < n_out + fade and pos < len(x) - SR // 4:
        piece_len = int(rng.uniform(0.5, 1.2) * SR)
        # NetEq mostly plays at 1.0 and accelerates or stretches some pieces, more often when the jitter is high
        factor = 1.0 if rng.random() < 0.35 else float(np.clip(rng.choice([rng.uniform(0.7, 0.92), rng.uniform(1.08, 1.4)]), 0.5, 2.0))
        piece = x[pos: pos + piece_len]
        pos += len(piece)
        y = piece if factor == 1.0 else _tempo(piece, factor, tool)
        factors.append(round(factor, 2))
        if len(out) >= fade and len(y) > fade:
            ramp = np.linspace(0, 1, fade)
            out[-fade:] = out[-fade:] * (1 - ramp) + y[:fade] * ramp
            y = y[fade:]
        out = np.concatenate([out, y])
    if len(out) < n_out:
        out = np.pad(out, (0, n_out - len(out)))
    return out[:n_out], {"processor": "time-stretch", "tool": tool, "tempos": factors}

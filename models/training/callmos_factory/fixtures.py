"""Small example clips the project makes itself (TTS + degradations), for golden tests and the demo.

    python -m callmos_factory.fixtures    -> models/fixtures/*.wav (16 kHz, 16-bit PCM)
"""
from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

from . import codecs
from .degradations import active_rms, coloured_noise
from .paths import MODELS_DIR
from .sources import load_mono

FIXTURES_DIR = MODELS_DIR / "fixtures"
TEXT = ("Glue the sheet to the dark blue background. The birch canoe slid on the smooth planks. "
        "Four hours of steady work faced us.")


def tts(text: str, voice: str = "en-us") -> np.ndarray:
    with tempfile.TemporaryDirectory() as td:
        raw = Path(td) / "tts.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(raw), text], check=True, capture_output=True)
        x = load_mono(raw)
    return x * (10 ** (-26 / 20) / active_rms(x))


def make_all() -> list[Path]:
    FIXTURES_DIR.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    clean = tts(TEXT)
    noise = coloured_noise(len(clean), rng, 1.0)
    noisy = clean + noise * (active_rms(clean) / (np.sqrt(np.mean(noise ** 2)) * 10 ** (0 / 20)))
    lossy = codecs.opus(clean, 6, 20.0)
    clips = {
        "clean-tts.wav": clean,
        "noisy-tts.wav": noisy,
        "opus6k-loss20-tts.wav": lossy,
        "short-tts.wav": tts("Hello there."),
        "silence.wav": np.zeros(16000 * 5),
    }
    out = []
    for name, x in clips.items():
        p = FIXTURES_DIR / name
        sf.write(str(p), np.clip(x, -1, 32767 / 32768), 16000, subtype="PCM_16")
        out.append(p)
    return out


if __name__ == "__main__":
    for p in make_all():
        print(p)

"""Speech, noise and RIR sources, split by speaker / file so the test split holds unseen conditions."""
from __future__ import annotations

import hashlib
import subprocess
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

from .paths import CORPORA_DIR, WORK_DIR

SR = 16000
SPLITS = ("train", "val", "test")

# Held out entirely for the test split: unseen noise files, an unseen RIR, an unseen codec (codecs.py).
TEST_NOISES = {"bg-traffic.wav", "esc50-5-156999-C-19.wav", "sb-noise5.wav"}
VAL_NOISES = {"esc50-4-156993-A-19.wav"}
TEST_RIRS = {"sb-rir4.wav"}

# Harvard sentences (IEEE 1969, public domain) for TTS speech.
SENTENCES = [
    "The birch canoe slid on the smooth planks.", "Glue the sheet to the dark blue background.",
    "It's easy to tell the depth of a well.", "These days a chicken leg is a rare dish.",
    "Rice is often served in round bowls.", "The juice of lemons makes fine punch.",
    "The box was thrown beside the parked truck.", "The hogs were fed chopped corn and garbage.",
    "Four hours of steady work faced us.", "A large size in stockings is hard to sell.",
    "The boy was there when the sun rose.", "A rod is used to catch pink salmon.",
    "The source of the huge river is the clear spring.", "Kick the ball straight and follow through.",
    "Help the woman get back to her feet.", "A pot of tea helps to pass the evening.",
    "Smoky fires lack flame and heat.", "The soft cushion broke the man's fall.",
    "The salt breeze came across from the sea.", "The girl at the booth sold fifty bonds.",
    "The small pup gnawed a hole in the sock.", "The fish twisted and turned on the bent hook.",
    "Press the pants and sew a button on the vest.", "The swan dive was far short of perfect.",
    "The beauty of the view stunned the young boy.", "Two blue fish swam in the tank.",
    "Her purse was full of useless trash.", "The colt reared and threw the tall rider.",
    "It snowed, rained, and hailed the same morning.", "Read verse out loud for pleasure.",
]
# TTS voices, split by voice: (engine, voice)
TTS_VOICES = {
    "train": [("espeak-ng", "en-us"), ("espeak-ng", "en"), ("espeak-ng", "de"), ("espeak-ng", "fr"),
              ("espeak-ng", "es"), ("flite", "kal16"), ("flite", "awb"), ("flite", "rms")],
    "val": [("espeak-ng", "it")],
    "test": [("espeak-ng", "nl"), ("flite", "slt")],
}


def _stable_hash(s: str) -> int:
    return int(hashlib.sha1(s.encode()).hexdigest()[:8], 16)


def load_mono(path: Path, sr: int = SR) -> np.ndarray:
    x, fs = sf.read(str(path), dtype="float64", always_2d=True)
    x = x.mean(axis=1)
    if fs != sr:
        g = np.gcd(fs, sr)
        x = resample_poly(x, sr // g, fs // g)
    return x


@dataclass(frozen=True)
class Utterance:
    path: str
    speaker: str


@lru_cache(maxsize=1)
def speech_split() -> dict[str, list[Utterance]]:
    """Split LibriSpeech by speaker: test-other speakers + 20 train-clean ones -> test, 20 -> val."""
    root = CORPORA_DIR / "speech" / "librispeech-subset"
    out: dict[str, list[Utterance]] = {s: [] for s in SPLITS}
    for f in sorted(root.rglob("*.flac")):
        spk = f.name.split("-")[0]
        if "test-other" in f.parts:
            split = "test"
        else:
            h = _stable_hash(spk) % 251
            split = "test" if h < 20 else "val" if h < 40 else "train"
        out[split].append(Utterance(str(f), spk))
    return out


@lru_cache(maxsize=None)
def noise_files(split: str) -> list[str]:
    files = sorted(p for p in (CORPORA_DIR / "noise").iterdir() if p.suffix in (".wav", ".flac"))
    if split == "test":
        return [str(p) for p in files if p.name in TEST_NOISES]
    if split == "val":
        return [str(p) for p in files if p.name in VAL_NOISES]
    return [str(p) for p in files if p.name not in TEST_NOISES | VAL_NOISES]


@lru_cache(maxsize=None)
def rir_files(split: str) -> list[str]:
    files = sorted(str(p) for p in (CORPORA_DIR / "rir").glob("*.wav"))
    if split == "test":
        return [f for f in files if Path(f).name in TEST_RIRS]
    return [f for f in files if Path(f).name not in TEST_RIRS]


@lru_cache(maxsize=64)
def cached_audio(path: str) -> np.ndarray:
    return load_mono(Path(path))


def tts_utterance(split: str, index: int) -> tuple[np.ndarray, str]:
    """A TTS utterance (cached on disk): two sentences from one voice of the split."""
    voices = TTS_VOICES[split]
    engine, voice = voices[index % len(voices)]
    s1 = SENTENCES[(index * 7) % len(SENTENCES)]
    s2 = SENTENCES[(index * 11 + 3) % len(SENTENCES)]
    cache = WORK_DIR / "tts" / f"{split}-{index:04d}.wav"
    if not cache.exists():
        cache.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as td:
            raw = Path(td) / "raw.wav"
            text = f"{s1} {s2}"
            if engine == "espeak-ng":
                speed = 140 + (index * 13) % 60
                cmd = ["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(raw), text]
            else:
                cmd = ["flite", "-voice", voice, "-t", text, "-o", str(raw)]
            subprocess.run(cmd, check=True, capture_output=True)
            x = load_mono(raw)
        sf.write(str(cache), x.astype(np.float32), SR, subtype="FLOAT")
    return load_mono(cache), f"{engine}:{voice}"

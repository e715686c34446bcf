"""Labelled clips as arrays: compressed-STFT features (the SDK's exact input) and teacher targets."""
from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import soundfile as sf
import torch

from .features import HOP, MAG_FLOOR, N_FFT, PAD, POWER, hann_periodic, num_frames
from .label import LABEL_DIR
from .paths import WORK_DIR
from .synth import clip_dir

# The distillation target: mean(NISQA MOS, DNSMOS P.808). NISQA is the strongest single teacher on
# human ratings (teachers/nisqa/README.md) and P.808 disagrees with it enough (r ~0.79, DESIGN.md) that
# their mean cancels part of each one's bias. The three-way mean with P.835 OVRL rates better still, but
# P.835 costs ~1 s per clip per core, 70 % of all labelling here: on a 2-core CPU that buys 2.5x fewer
# clips, and the students are data-limited (DESIGN.md). P.835 is kept as a reference on the test split.
TARGET_KEYS = ("nisqa_mos", "dnsmos_p808")

# student dims head, in card order, and the teacher score each one learns (1..5 scales)
DIM_SOURCES = {
    "noisiness": "nisqa_noi",
    "coloration": "nisqa_col",
    "discontinuity": "nisqa_dis",
    "loudness": "nisqa_loud",
    "plc": "plcmos",
}


def ensemble_target(label: dict) -> float:
    return float(np.mean([label[k] for k in TARGET_KEYS]))


def torch_features(audio: torch.Tensor) -> torch.Tensor:
    """Batched float32 twin of features.compressed_stft: [B, n] -> [B, 2, 161, frames] (tested equal)."""
    xp = torch.nn.functional.pad(audio[:, None, :], (PAD, PAD), mode="reflect")[:, 0]
    win = torch.tensor(hann_periodic(), dtype=torch.float32)
    spec = torch.stft(xp, N_FFT, HOP, window=win, center=False, return_complex=True)
    c = spec * spec.abs().clamp_min(MAG_FLOOR) ** (POWER - 1.0)
    return torch.stack([c.real, c.imag], dim=1)


@dataclass
class Split:
    ids: list[str]
    audio: np.ndarray  # [N, n] float32
    target: np.ndarray  # [N]
    dims: np.ndarray  # [N, D]
    labels: list[dict]
    meta: list[dict]

    def features(self, out: np.ndarray, batch: int = 64) -> np.ndarray:
        """Features of every clip, written batch by batch into `out` (a memory-mapped .npy: never all in RAM)."""
        for i in range(0, len(self.ids), batch):
            out[i: i + batch] = torch_features(torch.from_numpy(self.audio[i: i + batch])).numpy()
        return out


def load_split(split: str, limit: int = 0) -> Split:
    ids, audio, target, dims, labels, meta = [], [], [], [], [], []
    for meta_path in sorted(clip_dir(split).glob("*.json")):
        lab_path = LABEL_DIR / f"{meta_path.stem}.json"
        if not lab_path.exists():
            continue
        lab = json.loads(lab_path.read_text())
        x, _ = sf.read(str(meta_path.with_suffix(".wav")), dtype="float32")
        ids.append(meta_path.stem)
        audio.append(x)
        target.append(ensemble_target(lab))
        dims.append([lab[s] for s in DIM_SOURCES.values()])
        labels.append(lab)
        meta.append(json.loads(meta_path.read_text()))
        if limit and len(ids) >= limit:
            break
    if not ids:
        raise SystemExit(f"no labelled clips in split {split!r}: run the synth and label stages first")
    return Split(ids, np.stack(audio), np.asarray(target, np.float32), np.asarray(dims, np.float32), labels, meta)


def cached_features(split: str) -> tuple[Split, np.ndarray]:
    """Features are a pure function of the audio: cache them per split, keyed by the clip ids.

    The features come back memory-mapped (several GB for the train split; processes training side by side
    share the page cache) and the split's audio is dropped once they exist (nothing downstream needs it).
    """
    s = load_split(split)
    cache = WORK_DIR / "features" / f"{split}.npy"
    ids_file = cache.with_suffix(".ids")
    if not (cache.exists() and ids_file.exists() and ids_file.read_text() == "\n".join(s.ids)):
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".tmp.npy")
        # straight into a memory-mapped file: the features are 2x the audio (7.7 GB for 15000 clips), and
        # building them in memory first took the process past this machine's 24 GB with the audio beside it
        frames = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float32,
                                           shape=(len(s.ids), 2, N_FFT // 2 + 1, num_frames(s.audio.shape[1])))
        s.features(frames)
        frames.flush()
        del frames
        tmp.replace(cache)  # atomic: a concurrent reader never sees a half-written cache
        ids_file.write_text("\n".join(s.ids))
    s.audio = np.zeros((0, 0), np.float32)
    return s, np.load(cache, mmap_mode="r")

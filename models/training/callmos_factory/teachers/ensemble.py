"""All teachers on one 16 kHz clip: the raw scores the labeller stores and the distillation target.

`python -m callmos_factory.teachers [seconds]` prints the per-clip cost of each teacher (1 thread).
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from .common import check_audio
from .dnsmos import DNSMOS, SAMPLE_RATE
from .nisqa import NISQA, NISQATTS
from .plcmos import PLCMOS

TARGET_KEYS = ("nisqa_mos", "dnsmos_p808", "dnsmos_ovrl")


def _prefixed(prefix: str, scores: dict[str, float]) -> dict[str, float]:
    """nisqa + mos -> nisqa_mos; a score named like its teacher (plcmos) keeps its name."""
    return {k if k == prefix else f"{prefix}_{k}": v for k, v in scores.items()}


class TeacherEnsemble:
    """Labels 16 kHz clips with NISQA (upsampled to 48 kHz), DNSMOS P.835 + P.808 and PLCMOS v2.

    `target` = mean(nisqa_mos, dnsmos_p808, dnsmos_ovrl). Why: in a held-out evaluation on human-rated
    clips (teachers/nisqa/README.md) NISQA was the strongest single teacher, ahead of DNSMOS P.835 and
    P.808, and the mean of NISQA, P.808 and P.835 OVRL was better still; the teachers also disagree
    (NISQA vs P.808 r 0.79 in DESIGN.md), so averaging them cancels part of each one's own bias.
    PLCMOS and the other dimensions are stored raw for diagnostics and multi-task students.

    rounds_plcmos: rater embeddings averaged by PLCMOS (reference 15; first N of the same seeded draws).
    dnsmos_max_windows: None = published DNSMOS windowing (a 4 s clip is doubled to 16 s: 7 windows,
        4 distinct, ~4 P.835 runs); 1 = one window (~4x cheaper P.835, scores shift slightly).
    with_tts: also run NISQA-TTS (naturalness); off by default since the target does not use it.
    threads: per-model intra-op threads; torch's count is process-wide and is set too.
    `last_cost_s` holds the seconds each teacher took on the last clip.
    """

    def __init__(self, rounds_plcmos: int = 4, threads: int = 1, with_tts: bool = False,
                 dnsmos_max_windows: int | None = None, root: str | Path | None = None):
        nisqa = NISQA(root=root, threads=threads)
        self.teachers = {
            "nisqa": lambda x: nisqa.score(x, SAMPLE_RATE),
            "dnsmos": DNSMOS(threads=threads, max_windows=dnsmos_max_windows, root=root).score,
            "plcmos": PLCMOS(rounds=rounds_plcmos, threads=threads, root=root).score,
        }
        if with_tts:
            tts = NISQATTS(root=root)
            self.teachers["nisqa_tts"] = lambda x: tts.score(x, SAMPLE_RATE)
        self.last_cost_s: dict[str, float] = {}

    def label(self, audio16k: np.ndarray) -> dict[str, float]:
        """Raw scores prefixed by teacher (nisqa_mos ... dnsmos_p808, plcmos[, nisqa_tts_naturalness]) + target."""
        x = check_audio(audio16k, "TeacherEnsemble")
        out: dict[str, float] = {}
        for name, score in self.teachers.items():
            t0 = time.perf_counter()
            scores = score(x)
            self.last_cost_s[name] = time.perf_counter() - t0
            out.update(_prefixed(name, scores))
        out["target"] = float(np.mean([out[k] for k in TARGET_KEYS]))
        return out


def measure_cost(seconds: float = 4.0, repeats: int = 3, **kwargs) -> dict[str, float]:
    """Median seconds per clip of each teacher, and their total without NISQA-TTS, on a synthetic clip.

    Cost depends on the clip length only, not its content, so a modulated noise clip stands in for speech.
    """
    import torch

    torch.set_num_threads(kwargs.get("threads", 1))
    rng = np.random.default_rng(0)
    n = int(seconds * SAMPLE_RATE)
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 3.0 * np.arange(n) / SAMPLE_RATE)
    clip = 0.05 * rng.standard_normal(n) * envelope
    ens = TeacherEnsemble(**kwargs)
    ens.label(clip)  # warm-up: librosa's lazy imports and first-run allocations
    runs = []
    for _ in range(repeats):
        ens.label(clip)
        runs.append(dict(ens.last_cost_s, total=sum(v for k, v in ens.last_cost_s.items() if k != "nisqa_tts")))
    return {k: float(np.median([r[k] for r in runs])) for k in runs[0]}


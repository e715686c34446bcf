"""The family-held-out split (issue 14): whole degradation *families* that no training clip contains.

The test split holds out speakers, noise files, a RIR and one codec; its conditions are otherwise the
training ones, so it over-states how a student carries to processing nobody synthesised (tiny: r 0.869 on
it, 0.69 agreement with its own target on real recordings). This split is the factory's proxy for
"conditions we did not think of": every clip holds one family from HELD_OUT_FAMILIES, on the test split's
speakers, voices, noises and RIRs, over the seen degradations a real chain puts around it. It is reported on
its own (evaluate_families.py) and is the number to improve; nothing may tune on it.

A variant listed here must never be drawn for train or val (degradations.DEGRADATIONS / TRAIN_ONLY,
codecs.TRAIN_CODECS) unless it is in SEEN_IN_TRAINING: tests/test_families.py checks it. When the corpus grows
new families, they go to training or here; one moved to training is named in SEEN_IN_TRAINING and reported
as seen.
"""
from __future__ import annotations

import numpy as np

from . import call_chain, degradations, griffin_lim, vocoders

FAMILIES_SPLIT = "families"
SOURCE_SPLIT = "test"  # speakers, TTS voices, noise files and RIRs that training never sees either
SOURCE_STRETCH = 1.5  # a clip's source is this much longer than the clip, for time-scale modification

# family -> its variants (each a function (x, rng) -> (y, params), or (x, rng, n_out) for time_stretch)
HELD_OUT_FAMILIES = {
    "vocoder": {"griffin-lim": griffin_lim.griffin_lim, "lpc": vocoders.lpc_vocoder, "mlsa": vocoders.mlsa},
    "webrtc_ns": {"webrtc-apm": call_chain.webrtc_ns},
    "time_stretch": {"neteq-like": call_chain.time_stretch},
}
FAMILY_NAMES = list(HELD_OUT_FAMILIES)
# Variants training draws since models 1.4 (processing.vocoder: the corpus additions). The split's clips
# do not change; evaluate_families reports r over the clips whose variant no compared model has seen (the
# proxy) beside r over all of them (comparable with the reports before 1.4).
SEEN_IN_TRAINING = frozenset({"vocoder:lpc", "vocoder:mlsa"})


def family_of(index: int) -> str:
    """Clips cycle through the families, so every family has the same number of clips."""
    return FAMILY_NAMES[index % len(FAMILY_NAMES)]


def degrade(x: np.ndarray, rng: np.random.Generator, index: int, n_out: int) -> tuple[np.ndarray, list[dict]]:
    """A real chain around the held-out family: room, noise, the family, a codec; speech level kept."""
    family = family_of(index)
    variants = HELD_OUT_FAMILIES[family]
    variant = str(rng.choice(list(variants)))
    level = degradations.active_rms(x[:n_out])
    chain: list[dict] = []
    if rng.random() < 0.15:
        x, p = degradations.reverb(x, rng, SOURCE_SPLIT)
        chain.append({"type": "reverb", **p})
    # a noise suppressor is there for noise; the others see noise as often as calls carry it
    if rng.random() < (0.9 if family == "webrtc_ns" else 0.3):
        snr = float(rng.uniform(0, 20)) if family == "webrtc_ns" else float(rng.uniform(5, 30))
        x, p = degradations.add_noise(x, rng, SOURCE_SPLIT, snr_db=snr)
        chain.append({"type": "noise", **p})
    if family != "time_stretch":
        x, p = variants[variant](x, rng)
        chain.append({"type": family, "family": family, **p})
    if rng.random() < 0.3:  # the tandem a call adds after it (seen codecs only)
        x, p = degradations.codec(x, rng, "train")
        chain.append({"type": "codec", **p})
    if family == "time_stretch":  # the jitter buffer, last in the chain, on the receiver
        x, p = variants[variant](x, rng, n_out)
        chain.append({"type": family, "family": family, **p})
    y = x[:n_out]
    y = y * (level / (degradations.active_rms(y) + 1e-12))
    return y, chain

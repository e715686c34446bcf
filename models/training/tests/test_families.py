"""The family-held-out split: its families never reach training, each clip holds exactly one, and the new
degradations (vocoders, WebRTC's noise suppressor, time-scale modification) do what they say."""
import shutil

import numpy as np
import pytest

from callmos_factory import call_chain, codecs, degradations, families, griffin_lim, processing, vocoders
from callmos_factory.paths import CORPORA_DIR

needs_shared = pytest.mark.skipif(not CORPORA_DIR.is_dir(), reason=f"../shared corpora not found at {CORPORA_DIR}")
needs_tools = pytest.mark.skipif(
    not (vocoders.sptk_available() and call_chain.webrtc_available() and shutil.which("ffmpeg")),
    reason="sptk, GStreamer's webrtcdsp (gstreamer1.0-plugins-bad) or ffmpeg not installed",
)


def _speechlike(n: int = 32000, seed: int = 0) -> np.ndarray:
    """Voiced bursts (a 130 Hz pulse train through two formants) and pauses, at about -26 dBFS."""
    from scipy.signal import lfilter

    rng = np.random.default_rng(seed)
    pulses = np.zeros(n)
    pulses[:: 16000 // 130] = 1.0
    y = pulses
    for f, bw in ((700, 90), (1200, 110)):
        r = np.exp(-np.pi * bw / 16000)
        y = lfilter([1.0], [1, -2 * r * np.cos(2 * np.pi * f / 16000), r * r], y)
    envelope = (np.sin(np.arange(n) * 2 * np.pi * 3 / 16000) > -0.3).astype(float)
    y = y * envelope + 1e-4 * rng.standard_normal(n)
    return 0.05 * y / np.sqrt(np.mean(y ** 2))


def test_held_out_families_are_not_training_degradations():
    """Whole families stay out of training; of the vocoder family, training draws exactly SEEN_IN_TRAINING."""
    training = set(degradations.DEGRADATIONS) | set(degradations.TRAIN_ONLY)
    fully_held = {f for f, variants in families.HELD_OUT_FAMILIES.items() if not any(f"{f}:{v}" in families.SEEN_IN_TRAINING for v in variants)}
    assert fully_held == {"webrtc_ns", "time_stretch"}
    assert not fully_held & training
    assert not set(families.HELD_OUT_FAMILIES) & set(codecs.TRAIN_CODECS)
    assert {f"vocoder:{v}" for v in processing.TRAIN_VOCODERS} == families.SEEN_IN_TRAINING
    assert {f"vocoder:{v}" for v in families.HELD_OUT_FAMILIES["vocoder"]} - families.SEEN_IN_TRAINING == {"vocoder:griffin-lim"}
    assert families.FAMILIES_SPLIT not in __import__("callmos_factory.sources", fromlist=["x"]).SPLITS
    assert [families.family_of(i) for i in range(6)] == families.FAMILY_NAMES * 2


def test_only_the_families_split_reaches_the_held_out_modules():
    """No module of the factory but the families split's own imports the held-out variants' code: training
    (train.py reads the train and val splits through dataset.py) cannot draw them, whatever it imports."""
    import re
    from pathlib import Path

    package = Path(families.__file__).parent
    # the families split's makers and its evaluators (which train nothing)
    allowed = {"families.py", "synth.py", "evaluate_families.py", "checkpoint_eval.py", "griffin_lim.py", "call_chain.py"}
    pattern = re.compile(r"\b(griffin_lim|call_chain|families)\b")
    for path in sorted(package.rglob("*.py")):
        imports = [line for line in path.read_text().splitlines() if line.lstrip().startswith(("import ", "from ")) and pattern.search(line)]
        assert path.name in allowed or not imports, f"{path.name} imports held-out code: {imports}"
    # synth.py makes a families clip only for the families split
    synth_text = (package / "synth.py").read_text()
    assert "if split == families.FAMILIES_SPLIT:" in synth_text


def test_lsf_round_trip_and_quantised_lpc_stays_stable():
    x = _speechlike()
    a = vocoders._lpc(x[4000:4640] * np.hanning(640), 12)
    lsf = vocoders._poly_to_lsf(a)
    assert len(lsf) == 12 and np.all(np.diff(lsf) > 0)
    np.testing.assert_allclose(vocoders._lsf_to_poly(lsf), a, atol=1e-6)
    step = 2 * np.pi * 100 / 16000
    q = vocoders._lsf_to_poly(np.round(lsf / step) * step + np.arange(12) * 1e-3)
    assert np.all(np.abs(np.roots(q)) < 1.0)  # the synthesis filter 1/A(z) is stable


@pytest.mark.parametrize("fn", [griffin_lim.griffin_lim, vocoders.lpc_vocoder], ids=["griffin_lim", "lpc_vocoder"])
def test_python_vocoders_keep_length_and_resynthesise(fn):
    x = _speechlike()
    y, params = fn(x, np.random.default_rng(1))
    assert y.shape == x.shape and np.isfinite(y).all()
    assert not np.allclose(y, x) and params["vocoder"]
    # the same sound, rebuilt: the long-term spectra stay close, the waveform does not
    sx, sy = (np.abs(np.fft.rfft(s))[:4000] for s in (x, y))
    assert np.corrcoef(np.log(sx + 1e-6), np.log(sy + 1e-6))[0, 1] > 0.5


@needs_tools
def test_tool_families_keep_length():
    x = _speechlike(48000)
    rng = np.random.default_rng(2)
    for f in (vocoders.mlsa, call_chain.webrtc_ns):
        y, params = f(x, rng)
        assert y.shape == x.shape and np.isfinite(y).all() and np.abs(y).max() > 0, f.__name__
    y, params = call_chain.time_stretch(x, rng, 32000)
    assert y.shape == (32000,) and len(params["tempos"]) >= 2


@needs_shared
@needs_tools
def test_each_families_clip_holds_exactly_one_held_out_family(tmp_path, monkeypatch):
    from callmos_factory import synth

    monkeypatch.setattr(synth, "clip_dir", lambda split: tmp_path / split)
    (tmp_path / families.FAMILIES_SPLIT).mkdir()
    import json

    for i in range(3):
        cid = synth.make_clip(families.FAMILIES_SPLIT, i)
        meta = json.loads((tmp_path / families.FAMILIES_SPLIT / f"{cid}.json").read_text())
        held = [d for d in meta["degradations"] if d["type"] in families.HELD_OUT_FAMILIES]
        assert [d["type"] for d in held] == [families.family_of(i)]
        assert meta["source"].get("speaker") is None or meta["source"]["speaker"] in {
            u.speaker for u in __import__("callmos_factory.sources", fromlist=["x"]).speech_split()["test"]}

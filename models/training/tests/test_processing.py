"""The call-chain processing training sees (processing.py): real tools, recorded recipes, train split only."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from callmos_factory import degradations, processing

needs_tools = pytest.mark.skipif(not (shutil.which("ffmpeg") and shutil.which("opusenc")), reason="ffmpeg and opus-tools")


def _speechlike(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(64000) / 16000
    voiced = sum(np.sin(2 * np.pi * 140 * k * t) / k for k in range(1, 20))
    envelope = np.clip(np.sin(2 * np.pi * 2.5 * t), 0, None) ** 2
    return 0.03 * voiced * envelope + 1e-3 * rng.standard_normal(len(t))


@needs_tools
@pytest.mark.parametrize("name", sorted(degradations.TRAIN_ONLY))
def test_each_processing_keeps_length_and_changes_the_audio(name):
    x = _speechlike()
    fn = degradations.TRAIN_ONLY[name][0]
    y, params = fn(x, np.random.default_rng(3), "train")
    assert len(y) == len(x) and np.all(np.isfinite(y))
    assert params and all(isinstance(k, str) for k in params)
    assert np.abs(y - x).max() > 1e-4, "the processing did nothing"


@needs_tools
def test_colorations_keep_the_active_level_within_6_db():
    x = _speechlike(1)
    for fn in (processing.device, processing.dynamics):
        for seed in range(4):
            y, _ = fn(x, np.random.default_rng(seed), "train")
            ratio_db = 20 * np.log10(degradations.active_rms(y) / degradations.active_rms(x))
            assert abs(ratio_db) <= 6.01


def test_test_and_val_draw_the_old_recipe_only(monkeypatch):
    """Other splits never draw the train-only processing and make the draws the recipe made before it existed
    (their clips regenerate sample for sample, so in-domain r stays comparable across versions)."""
    def recorder(name):
        return lambda x, rng, split: (x, {})
    for table in (degradations.DEGRADATIONS, degradations.TRAIN_ONLY):
        for name, (_, w) in list(table.items()):
            monkeypatch.setitem(table, name, (recorder(name), w))

    def old_recipe(rng):
        k = int(rng.choice([0, 1, 2, 3], p=[0.1, 0.35, 0.35, 0.2]))
        names = list(degradations.DEGRADATIONS)
        w = np.array([degradations.DEGRADATIONS[n][1] for n in names])
        return set(rng.choice(names, size=k, replace=False, p=w / w.sum())) if k else set()

    train_drew = set()
    for seed in range(300):
        for split in ("test", "val"):
            _, chain = degradations.degrade(np.zeros(8), np.random.default_rng(seed), split)
            assert {c["type"] for c in chain} == old_recipe(np.random.default_rng(seed))
        train_drew |= {c["type"] for c in degradations.degrade(np.zeros(8), np.random.default_rng(seed), "train")[1]}
    assert set(degradations.TRAIN_ONLY) <= train_drew
    assert set(degradations.ORDER) == set(degradations.DEGRADATIONS) | set(degradations.TRAIN_ONLY)


def test_a_shipped_student_rebuilds_from_its_graph(tmp_path):
    """from_onnx.py: the exported graph (BatchNorm folded, linears transposed) back into torch, same outputs,
    and BatchNorm statistics that match real activations (training mode starts where the model is)."""
    import torch

    from callmos_factory.export import export_onnx
    from callmos_factory.from_onnx import parity_error, student_from_onnx
    from callmos_factory.student import LADDER
    from students import trained_like_student

    cfg = LADDER["micro"]
    original = trained_like_student("micro", seed=0)
    path = tmp_path / "model.onnx"
    export_onnx(original, path)
    feats = np.abs(np.random.default_rng(0).standard_normal((24, 2, 161, 400))).astype(np.float32) ** 0.3
    rebuilt = student_from_onnx(path, cfg, feats[:16])
    assert parity_error(rebuilt, path, feats[16:]) < 1e-4
    bn = rebuilt.convs[1]
    with torch.no_grad():
        out = rebuilt.convs[0](torch.from_numpy(feats[:16]))
    assert torch.allclose(bn.running_mean, out.mean(dim=(0, 2, 3)), atol=1e-4)


def test_an_int8_student_rebuilds_with_its_weights_dequantised(tmp_path):
    """small ships int8-dynamic (export.quantize_if_free): fine-tuning it (issue 14) starts from its weights
    dequantised, (q - zero_point) x scale under the fp32 graph's node names; the rebuilt float student then
    agrees with the int8 graph to within its activation quantisation, and far closer than any other start."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from callmos_factory.export import export_onnx
    from callmos_factory.from_onnx import _weights_by_node, parity_error, quantization_of, student_from_onnx
    from callmos_factory.student import LADDER, Student

    torch.manual_seed(0)
    cfg = LADDER["micro"]
    original = Student(cfg).eval()
    fp32, int8 = tmp_path / "model.onnx", tmp_path / "model.int8.onnx"
    export_onnx(original, fp32)
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8)
    assert quantization_of(int8) == "int8-dynamic" and quantization_of(fp32) is None
    exact, dequantized = _weights_by_node(fp32), _weights_by_node(int8)
    checked = 0
    for name, weights in exact.items():
        if name in dequantized and weights and weights[0].ndim >= 2:  # each weight within half a step of the original
            w = weights[0] if dequantized[name][0].shape == weights[0].shape else weights[0].T
            step = np.abs(w).max() / 127
            checked += 1
            assert np.abs(dequantized[name][0] - w).max() <= step / 2 + 1e-6, name
    assert checked >= 4
    feats = np.abs(np.random.default_rng(0).standard_normal((24, 2, 161, 400))).astype(np.float32) ** 0.3
    rebuilt = student_from_onnx(int8, cfg, feats[:16])
    assert parity_error(rebuilt, int8, feats[16:]) < 0.1
    assert parity_error(rebuilt, fp32, feats[16:]) < 0.1


@needs_tools
@pytest.mark.skipif(not shutil.which("sox"), reason="sox")
def test_each_suppressor_removes_noise_from_noisy_speech():
    """The suppressed-noise chain (suppressors.py) mixes its noise in and each make takes part of it out again."""
    from callmos_factory import suppressors
    x = _speechlike(2)
    noise = np.random.default_rng(5).standard_normal(len(x))
    noise = degradations.noise_at_snr(x, noise, 5.0)
    noisy = x + noise
    outs = {"sox-noisered": suppressors.sox_noisered(noisy, noise, 0.3),
            "mmse-lsa": suppressors.mmse_lsa(noisy, noise, 0.98, -20.0),
            "afftdn": processing.afftdn(noisy, 30.0, 20 * np.log10(degradations.rms(noise)), False)}
    assert set(outs) == set(suppressors.SUPPRESSORS)
    for make, y in outs.items():
        assert len(y) == len(x) and np.all(np.isfinite(y)), make
        assert degradations.rms(y - x) < 0.7 * degradations.rms(noise), f"{make} left the noise in"
    seen = {degradations.suppressed_noise(x, np.random.default_rng(s), "train")[1]["suppressor"] for s in range(12)}
    assert seen == set(suppressors.SUPPRESSORS)


def _draws_every_edit_keeping_length_and_level(degrade, edits) -> None:
    """A generic-artefact kind (artifacts.py, time_artifacts.py) draws each of its edits over a few seeds and
    keeps the clip's length and level while changing the audio."""
    x = _speechlike(3)
    drawn = set()
    for seed in range(20):
        y, params = degrade(x, np.random.default_rng(seed), "train")
        drawn |= set(params["edits"])
        assert len(y) == len(x) and np.all(np.isfinite(y))
        assert abs(20 * np.log10(degradations.active_rms(y) / degradations.active_rms(x))) < 0.01
        assert degradations.rms(y - x) > 0.01 * degradations.rms(x), params
    assert drawn == set(edits)


def test_stft_artifacts_draw_every_edit_and_keep_the_level():
    from callmos_factory import artifacts
    _draws_every_edit_keeping_length_and_level(artifacts.stft_artifacts, artifacts.EDITS)


def test_time_artifacts_draw_every_edit_and_keep_length_level_and_tempo():
    """Time-domain artefacts: every edit drawn, length and level kept, and the splices keep the tempo: the
    output's speech envelope stays aligned with the input's (no net stretch)."""
    from callmos_factory import time_artifacts
    _draws_every_edit_keeping_length_and_level(time_artifacts.time_artifacts, time_artifacts.EDITS)
    x = _speechlike(3)
    for seed in range(5):
        y, _ = time_artifacts.splice(x, np.random.default_rng(seed))
        env = lambda s: np.convolve(np.abs(s), np.ones(800) / 800, "same")
        lags = np.arange(-1600, 1601, 80)
        best = max(lags, key=lambda lag: float(np.dot(env(x)[3200:-3200], np.roll(env(y), -lag)[3200:-3200])))
        assert abs(best) <= 800, f"splices moved the speech by {best} samples"

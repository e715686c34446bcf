"""Fast tests of the factory's own code (features, degradations, student, export, clip scoring)."""
from __future__ import annotations

import json

import numpy as np
import onnxruntime as ort
import pytest
import torch

from callmos_factory import features
from callmos_factory.clip_scoring import frame_energies_db, score_clip
from callmos_factory.dataset import torch_features
from callmos_factory.degradations import band_limit, clipping, echo, packet_loss
from callmos_factory.export import export_onnx
from callmos_factory.paths import CORPORA_DIR
from callmos_factory.rooms import image_method_rir
from callmos_factory.student import DIMS, LADDER, Student, count_params

needs_shared = pytest.mark.skipif(not CORPORA_DIR.is_dir(), reason=f"../shared corpora not found at {CORPORA_DIR}")


def test_features_match_torch_twin():
    x = np.random.default_rng(0).standard_normal(16000 * 2).astype(np.float32) * 0.1
    ref = features.compressed_stft(x)
    twin = torch_features(torch.from_numpy(x[None]))[0].numpy()
    assert ref.shape == (2, 161, 200)
    assert np.abs(ref - twin).max() < 1e-5


def test_frame_count_and_peak_normalisation_is_spectral_scaling():
    x = np.sin(np.arange(4000) * 0.05) * 0.3
    assert features.num_frames(len(x)) == 25
    g = 0.3
    scaled = features.compressed_stft(x / g)
    assert np.allclose(scaled, features.compressed_stft(x) * features.peak_gain(g), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", ["tiny", "small"])
def test_ladder_sizes(name):
    n = count_params(Student(LADDER[name]))
    assert n <= {"tiny": 150_000, "small": 1_500_000}[name]


def test_student_outputs_in_mos_range_for_any_batch():
    m = Student(LADDER["tiny"]).eval()
    with torch.no_grad():
        mos, dims = m(torch.randn(3, 2, 161, 400))
    assert mos.shape == (3,) and dims.shape == (3, len(DIMS))
    assert float(mos.min()) >= 1 and float(mos.max()) <= 5


def test_onnx_export_parity_and_dynamic_batch(tmp_path):
    torch.manual_seed(0)
    m = Student(LADDER["tiny"]).eval()
    p = tmp_path / "m.onnx"
    export_onnx(m, p)
    s = ort.InferenceSession(str(p), providers=["CPUExecutionProvider"])
    x = np.random.default_rng(1).standard_normal((5, 2, 161, 400)).astype(np.float32)
    om, od = s.run(["mos", "dims"], {"frames": x})
    with torch.no_grad():
        tm, td = m(torch.from_numpy(x))
    assert np.abs(om - tm.numpy()).max() < 1e-4 and np.abs(od - td.numpy()).max() < 1e-4


def test_clip_scoring_gates_silence_and_repeats_short_clips(tmp_path):
    torch.manual_seed(0)
    m = Student(LADDER["tiny"]).eval()
    p = tmp_path / "m.onnx"
    export_onnx(m, p)
    s = ort.InferenceSession(str(p), providers=["CPUExecutionProvider"])
    card = {"input": {"windowFrames": 400, "hopFrames": 100, "peakNormalize": False},
            "outputs": {"dims": {"names": DIMS}}}
    assert score_clip(s, card, np.zeros(16000 * 5))["windows"] == 0
    rng = np.random.default_rng(2)
    short = rng.standard_normal(16000) * 0.1
    assert score_clip(s, card, short)["windows"] == 1
    long = rng.standard_normal(16000 * 6) * 0.1
    assert score_clip(s, card, long)["windows"] == 3
    assert frame_energies_db(np.zeros(1600)).max() < -100


def test_degradations_keep_length_and_change_signal():
    rng = np.random.default_rng(3)
    x = np.sin(np.arange(64000) * 0.03) * 0.1 + rng.standard_normal(64000) * 0.01
    for f in (band_limit, clipping, echo, packet_loss):
        y, params = f(x.copy(), rng, "train")
        assert y.shape == x.shape and np.isfinite(y).all()
        assert not np.allclose(y, x), f.__name__
        assert isinstance(params, dict)


def test_image_method_rir_has_direct_path_first():
    h = image_method_rir(np.array([5.0, 4.0, 3.0]), np.array([1.0, 1.0, 1.5]), np.array([3.0, 2.5, 1.5]), 0.5)
    direct = int(np.round(np.sqrt(4 + 2.25) / 343 * 16000))
    assert abs(int(np.argmax(h > 0)) - direct) <= 1
    assert h.max() == pytest.approx(1.0)


@needs_shared
def test_synth_is_deterministic(tmp_path, monkeypatch):
    from callmos_factory import synth

    monkeypatch.setattr(synth, "clip_dir", lambda split: tmp_path / split)
    (tmp_path / "val").mkdir()
    synth.make_clip("val", 7)
    a = (tmp_path / "val" / "val-00007.wav").read_bytes()
    (tmp_path / "val" / "val-00007.json").unlink()
    synth.make_clip("val", 7)
    assert (tmp_path / "val" / "val-00007.wav").read_bytes() == a


@pytest.mark.skipif(__import__("shutil").which("ffmpeg") is None, reason="ffmpeg not installed")
@pytest.mark.parametrize("name", sorted(set(__import__("callmos_factory.codecs", fromlist=["x"]).TRAIN_CODECS) - {"opus"}))
def test_codec_round_trip_keeps_length_and_alignment(name):
    """Every codec's decoded audio must line up with its input, or its teacher labels describe other content."""
    import soundfile as sf

    from callmos_factory import codecs
    from callmos_factory.fixtures import FIXTURES_DIR

    x, _ = sf.read(str(FIXTURES_DIR / "clean-tts.wav"), dtype="float64")
    x = x[:64000]
    y, params = codecs.apply_codec(x, name, np.random.default_rng(1))
    assert y.shape == x.shape and np.isfinite(y).all() and isinstance(params, dict)
    if name != "codec2":  # a parametric vocoder: it keeps the spectral envelope, not the waveform
        assert np.corrcoef(x, y)[0, 1] > 0.8, name


def test_training_resumes_and_warm_restarts_its_schedule(tmp_path, monkeypatch):
    """A finished run goes on with --warm-restart: a new cosine from SCALE x peak to 0, recorded in last.pt."""
    import torch

    from callmos_factory import export, train
    from callmos_factory.dataset import DIM_SOURCES, Split

    rng = np.random.default_rng(0)

    def fake_split(split: str):
        n = 64 if split == "train" else 16
        feats = rng.standard_normal((n, 2, 161, 60)).astype(np.float32) * 0.1
        target = (3 + feats[:, 0, :20].mean(axis=(1, 2)) * 40).astype(np.float32)  # learnable from the input
        dims = np.tile(target[:, None], (1, len(DIM_SOURCES)))
        return Split([f"{split}-{i}" for i in range(n)], np.zeros((0, 0), np.float32), target, dims, [], []), feats

    monkeypatch.setattr(train, "cached_features", fake_split)
    monkeypatch.setattr(train, "WORK_DIR", tmp_path)
    train.main(["micro", "--epochs", "1", "--threads", "1"])
    first = torch.load(tmp_path / "runs" / "micro" / "last.pt", weights_only=False)
    assert first["state"]["epoch"] == 1 and "restart" not in first["state"]
    assert first["sched"]["_last_lr"][0] < 1e-6  # the cosine ended at 0

    train.main(["micro", "--epochs", "3", "--threads", "1", "--warm-restart", "0.5"])
    ck = torch.load(tmp_path / "runs" / "micro" / "last.pt", weights_only=False)
    assert ck["state"]["epoch"] == 3 and ck["state"]["restart"] == {"epoch": 1, "scale": 0.5}
    assert ck["sched"]["last_epoch"] == 2 * 2  # two epochs of 2 steps since the restart
    assert ck["sched"]["_last_lr"][0] < 1e-6
    assert len(ck["state"]["history"]) == 3

    # a second restart (the corpus grew again): both are kept, and the card tells the whole schedule
    train.main(["micro", "--epochs", "4", "--threads", "1", "--warm-restart", "0.25"])
    ck = torch.load(tmp_path / "runs" / "micro" / "last.pt", weights_only=False)
    assert ck["state"]["restarts"] == [{"epoch": 1, "scale": 0.5}, {"epoch": 3, "scale": 0.25}]
    assert ck["state"]["restart"] == {"epoch": 3, "scale": 0.25} and ck["sched"]["last_epoch"] == 2
    history = json.loads((tmp_path / "runs" / "micro" / "history.json").read_text())
    assert export.restart_text(history) == (
        "epochs 1-1 on the corpus of the time; "
        "epochs 2-3 on 64 clips after a warm restart (cosine from 0.5 x the peak learning rate to 0); "
        "epochs 4-4 on 64 clips after a warm restart (cosine from 0.25 x the peak learning rate to 0)")


def test_a_control_run_leaves_out_the_clips_of_one_degradation(tmp_path, monkeypatch):
    """--without TYPE trains on the other clips only (a control for one corpus addition), in its own --run folder."""
    from callmos_factory import train
    from callmos_factory.dataset import DIM_SOURCES, Split

    rng = np.random.default_rng(0)
    meta = [{"degradations": [{"type": "suppressed_noise"}] if i % 4 == 0 else [{"type": "codec"}]} for i in range(64)]

    def fake_split(split: str):
        n = 64 if split == "train" else 16
        feats = rng.standard_normal((n, 2, 161, 60)).astype(np.float32) * 0.1
        target = (3 + feats[:, 0, :20].mean(axis=(1, 2)) * 40).astype(np.float32)
        if split == "train":
            target[::4] = np.nan  # the left-out clips: a batch holding one would make the loss NaN
        dims = np.tile(target[:, None], (1, len(DIM_SOURCES)))
        return Split([f"{split}-{i}" for i in range(n)], np.zeros((0, 0), np.float32), target, dims, [],
                     meta if split == "train" else [{"degradations": []}] * n), feats

    monkeypatch.setattr(train, "cached_features", fake_split)
    monkeypatch.setattr(train, "WORK_DIR", tmp_path)
    train.main(["micro", "--epochs", "1", "--threads", "1", "--run", "ctl", "--without", "suppressed_noise"])
    history = json.loads((tmp_path / "runs" / "ctl" / "history.json").read_text())
    assert history["train_clips"] == 48 and history["without"] == ["suppressed_noise"]
    assert np.isfinite(history["history"][0]["loss"])
    assert not (tmp_path / "runs" / "micro").exists()


def test_clean_repeat_shows_the_undegraded_clips_k_times_and_the_schedule_counts_them_once(tmp_path, monkeypatch):
    """--clean-repeat K: every undegraded train clip K times an epoch; history and the card's schedule say so."""
    from callmos_factory import export, train
    from callmos_factory.dataset import DIM_SOURCES, Split

    rng = np.random.default_rng(1)
    meta = [{"degradations": [] if i % 8 == 0 else [{"type": "codec"}]} for i in range(64)]  # 8 clean clips

    def fake_split(split: str):
        n = 64 if split == "train" else 16
        feats = rng.standard_normal((n, 2, 161, 60)).astype(np.float32) * 0.1
        target = (3 + feats[:, 0, :20].mean(axis=(1, 2)) * 40).astype(np.float32)
        dims = np.tile(target[:, None], (1, len(DIM_SOURCES)))
        return Split([f"{split}-{i}" for i in range(n)], np.zeros((0, 0), np.float32), target, dims, [],
                     meta if split == "train" else [{"degradations": []}] * n), feats

    monkeypatch.setattr(train, "cached_features", fake_split)
    monkeypatch.setattr(train, "WORK_DIR", tmp_path)
    train.main(["micro", "--epochs", "1", "--threads", "1", "--clean-repeat", "3"])
    history = json.loads((tmp_path / "runs" / "micro" / "history.json").read_text())
    assert history["train_clips"] == 64 + 2 * 8
    assert (history["distinct_train_clips"], history["clean_clips"], history["clean_repeat"]) == (64, 8, 3)
    assert history["history"][0]["clean_repeat"] == 3 and np.isfinite(history["history"][0]["loss"])
    # as a fine-tune of a shipped model (--init-from) records it: the schedule names the distinct clips
    history["init_from"] = {"name": "micro", "version": "1.0.0", "trainClips": "64 clips"}
    history["restarts"] = [{"epoch": 0, "scale": 0.3}]
    assert export.restart_text(history) == (
        "fine-tuned from the shipped micro 1.0.0 (64 clips); epochs 1-1 on 64 clips (cosine from 0.3 x the peak learning rate to 0)")


def test_feature_cache_is_written_in_place_and_reused(tmp_path, monkeypatch):
    """The cache is filled batch by batch into a memory-mapped .npy and only rebuilt when the clip ids change."""
    import torch

    from callmos_factory import dataset

    audio = np.random.default_rng(3).standard_normal((5, 16000)).astype(np.float32) * 0.1
    ids = [f"val-{i}" for i in range(5)]

    def fake_load(split: str, limit: int = 0):
        return dataset.Split(list(ids), audio[: len(ids)].copy(), np.zeros(len(ids), np.float32), np.zeros((len(ids), 5), np.float32), [], [])

    monkeypatch.setattr(dataset, "load_split", fake_load)
    monkeypatch.setattr(dataset, "WORK_DIR", tmp_path)
    _, f = dataset.cached_features("val")
    assert isinstance(f, np.memmap) and f.shape == (5, 2, 161, 100)
    np.testing.assert_allclose(f, dataset.torch_features(torch.from_numpy(audio)).numpy(), atol=1e-6)
    mtime = (tmp_path / "features" / "val.npy").stat().st_mtime_ns
    dataset.cached_features("val")
    assert (tmp_path / "features" / "val.npy").stat().st_mtime_ns == mtime
    ids.pop()
    _, f = dataset.cached_features("val")
    assert f.shape[0] == 4

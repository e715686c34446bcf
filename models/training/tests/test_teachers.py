"""The teacher wrappers reproduce the reference tables of ../shared/teachers/*/README.md.

Needs ../shared/teachers (or $CALLMOS_TEACHERS_DIR); those cases skip when it is absent.
"""
from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
import torch

from callmos_factory.teachers import DNSMOS, NISQA, NISQATTS, PLCMOS, TeacherEnsemble, teachers_dir
from callmos_factory.teachers.common import ENV_VAR, teacher_file
from callmos_factory.teachers.dnsmos import WINDOW, repeat_to_window, window_starts
from callmos_factory.teachers.plcmos import rater_embeddings

torch.set_num_threads(1)

# clip: (SIG, BAK, OVRL, P.808); teachers/dnsmos/README.md, clips under plcmos/example_wavs
DNSMOS_REF = {
    "clean": (3.6127, 4.2259, 3.3994, 4.0758),
    "plc_good": (3.4222, 4.1838, 3.1940, 4.1173),
    "plc_poor": (3.3141, 4.1279, 3.0565, 3.9844),
}
PLCMOS_REF = {"clean": 4.4978, "plc_good": 4.1240, "plc_poor": 2.7408}
# clip: (mos, noi, dis, col, loud, tts mos); teachers/nisqa/README.md
NISQA_REF = {
    0: (4.5854, 4.2865, 4.5136, 4.0159, 4.3575, 3.8886),
    1: (4.1272, 4.4374, 4.1571, 4.0318, 4.1067, 4.2758),
    2: (3.3926, 3.5924, 3.9743, 3.5050, 4.0295, 3.4831),
    3: (4.3248, 4.3546, 4.3193, 4.1127, 4.3034, 3.6797),
    4: (4.6173, 4.4062, 4.4427, 4.2322, 4.4032, 4.1635),
    5: (2.8365, 2.9724, 4.1104, 3.4023, 4.0587, 4.3454),
    6: (3.8179, 3.7944, 4.2728, 3.6566, 4.2358, 4.3496),
    7: (4.6850, 4.4984, 4.6253, 4.3973, 4.4556, 4.2987),
    8: (3.8613, 3.9883, 4.3777, 3.9224, 4.3039, 4.2719),
    9: (4.6273, 4.5496, 4.5286, 4.2336, 4.4571, 3.8633),
}


@pytest.fixture(scope="module")
def root():
    path = teachers_dir()
    if not path.is_dir():
        pytest.skip(f"../shared/teachers not found: {path} (set {ENV_VAR} to run the teacher tests)")
    return path


def read(root, rel):
    x, sr = sf.read(root / rel, dtype="float64")
    return x, sr


@pytest.fixture(scope="module")
def dnsmos(root):
    return DNSMOS(threads=1, root=root)


@pytest.fixture(scope="module")
def p808_only(root):
    return DNSMOS(threads=1, root=root, p835=False)


@pytest.fixture(scope="module")
def plcmos(root):
    return PLCMOS(rounds=15, threads=1, root=root)


@pytest.fixture(scope="module")
def nisqa(root):
    return NISQA(root=root)


@pytest.fixture(scope="module")
def nisqa_tts(root):
    return NISQATTS(root=root)


# ------------------------------------------------------------ reference tables

@pytest.mark.parametrize("clip", sorted(DNSMOS_REF))
def test_dnsmos_reference(dnsmos, root, clip):
    x, sr = read(root, f"plcmos/example_wavs/{clip}.wav")
    assert sr == 16000
    assert len(window_starts(x.size)) == 1  # the table's "windows" column
    got = dnsmos.score(x)
    sig, bak, ovrl, p808 = DNSMOS_REF[clip]
    np.testing.assert_allclose([got["sig"], got["bak"], got["ovrl"]], [sig, bak, ovrl], atol=1e-3, rtol=0)
    assert got["p808"] == pytest.approx(p808, abs=1e-2)


@pytest.mark.parametrize("clip", sorted(PLCMOS_REF))
def test_plcmos_reference(plcmos, root, clip):
    x, sr = read(root, f"plcmos/example_wavs/{clip}.wav")
    assert sr == 16000
    assert plcmos.score(x)["plcmos"] == pytest.approx(PLCMOS_REF[clip], abs=1e-3)


@pytest.mark.parametrize("clip", sorted(NISQA_REF))
def test_nisqa_reference(nisqa, nisqa_tts, root, clip):
    x, sr = read(root, f"nisqa/example_wavs/{clip}.wav")
    assert sr == 48000
    got = nisqa.score(x, sr)
    assert list(got) == ["mos", "noi", "dis", "col", "loud"]
    np.testing.assert_allclose(list(got.values()), NISQA_REF[clip][:5], atol=1e-3, rtol=0)
    assert nisqa_tts.score(x, sr)["naturalness"] == pytest.approx(NISQA_REF[clip][5], abs=1e-3)


# ------------------------------------------------------------ windowing and rater draws (no teacher files)

def test_dnsmos_window_count_follows_published_code():
    assert len(window_starts(161520)) == 1  # 10.1 s: one window, as in the reference table
    assert len(window_starts(175999)) == 1
    assert len(window_starts(176000)) == 2
    assert len(window_starts(WINDOW)) == 1


def test_dnsmos_short_clip_is_doubled():
    x = np.arange(64000, dtype=np.float64)  # 4 s -> 8 s -> 16 s
    rep, period = repeat_to_window(x)
    assert rep.size == 256000 and period == 64000
    np.testing.assert_array_equal(rep[64000:128000], x)
    assert len(window_starts(rep.size)) == 7


def test_plcmos_rater_embeddings_are_the_legacy_global_draws():
    state = np.random.get_state()
    try:
        np.random.seed(23)
        expected = np.concatenate([np.random.normal(size=(1, 64)) for _ in range(15)])
    finally:
        np.random.set_state(state)
    np.testing.assert_allclose(rater_embeddings(15), expected, atol=1e-6)
    np.testing.assert_array_equal(rater_embeddings(4), rater_embeddings(15)[:4])


def test_teachers_dir_env_var(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    assert teachers_dir() == tmp_path
    with pytest.raises(FileNotFoundError, match=ENV_VAR):
        teacher_file("dnsmos", "sig_bak_ovr.onnx")


# ------------------------------------------------------------ short clips and bad input

def test_dnsmos_distinct_windows_equal_all_windows(p808_only, root):
    """A doubled 4 s clip has 7 windows but only 4 distinct ones: scoring those 4, weighted, is exact."""
    x, _ = read(root, "plcmos/example_wavs/plc_poor.wav")
    x = x[:64000]
    assert len(p808_only.windows(x)) == 4
    rep, _ = repeat_to_window(x)
    every = np.mean([p808_only._run_p808(rep[s:s + WINDOW]) for s in window_starts(rep.size)])
    assert p808_only.score(x)["p808"] == pytest.approx(every, abs=1e-6)


def test_very_short_clips(dnsmos, plcmos, nisqa, nisqa_tts, root):
    """DNSMOS repeats any clip; PLCMOS needs 7 frames (80 ms); NISQA one 15-frame segment (0.14 s)."""
    x, _ = read(root, "plcmos/example_wavs/clean.wav")
    tiny = x[48000:48000 + 800]  # 50 ms at 16 kHz
    assert all(np.isfinite(v) for v in dnsmos.score(tiny).values())
    assert all(np.isfinite(v) for v in dnsmos.score(tiny[:1]).values())
    with pytest.raises(ValueError, match="too short"):
        plcmos.score(tiny)
    assert np.isfinite(plcmos.score(x[48000:48000 + 1281])["plcmos"])
    for model in (nisqa, nisqa_tts):
        with pytest.raises(ValueError, match="too short"):
            model.score(tiny, 16000)
        assert all(np.isfinite(v) for v in model.score(x[48000:48000 + 2240], 16000).values())  # 0.14 s


def _all_scorers(dnsmos, plcmos, nisqa, nisqa_tts):
    return [dnsmos.score, plcmos.score, lambda a: nisqa.score(a, 16000), lambda a: nisqa_tts.score(a, 16000)]


@pytest.mark.parametrize("audio, message", [
    (np.zeros(0), "empty"),
    (np.array([0.1] * 8000 + [np.nan] + [0.1] * 8000), "NaN"),
    (np.array([0.1] * 8000 + [np.inf] + [0.1] * 8000), "infinite"),
    (np.zeros((2, 16000)), "1-D"),
    (np.zeros(16000, dtype=np.int16), "float"),
])
def test_bad_input_raises(dnsmos, plcmos, nisqa, nisqa_tts, audio, message):
    for score in _all_scorers(dnsmos, plcmos, nisqa, nisqa_tts):
        with pytest.raises(ValueError, match=message):
            score(audio)


# ------------------------------------------------------------ ensemble

def test_ensemble_labels_a_4s_clip(root, nisqa):
    x, _ = read(root, "plcmos/example_wavs/plc_good.wav")
    clip = x[16000:80000]
    ens = TeacherEnsemble(rounds_plcmos=4, threads=1, root=root)
    out = ens.label(clip)
    assert set(out) == {"nisqa_mos", "nisqa_noi", "nisqa_dis", "nisqa_col", "nisqa_loud", "dnsmos_sig",
                        "dnsmos_bak", "dnsmos_ovrl", "dnsmos_p808", "plcmos", "target"}
    assert out["target"] == pytest.approx(np.mean([out["nisqa_mos"], out["dnsmos_p808"], out["dnsmos_ovrl"]]))
    assert out["nisqa_mos"] == pytest.approx(nisqa.score(clip, 16000)["mos"], abs=1e-6)
    assert all(0.5 < v < 5.5 for v in out.values())
    assert set(ens.last_cost_s) == {"nisqa", "dnsmos", "plcmos"}
    with pytest.raises(ValueError, match="NaN"):
        ens.label(np.full(64000, np.nan))

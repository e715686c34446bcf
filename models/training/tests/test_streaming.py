"""streaming.py: a hop cache of the conv front end gives a window model's features and scores exactly."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from callmos_factory import streaming
from callmos_factory.student import LADDER, Student
from students import trained_like_student


@pytest.mark.parametrize("name", ["micro", "small"])
def test_hop_cache_reproduces_the_window_model(name):
    model = trained_like_student(name, seed=1, bias=0.3)
    front, back = streaming.Front(model), streaming.Back(model)
    p = streaming.plan(model)
    assert p["stride"] == 4 and p["contextFrames"] % p["stride"] == 0
    rng = np.random.default_rng(0)
    stream = torch.from_numpy(np.abs(rng.standard_normal((1, 2, 161, 700))).astype(np.float32) ** 0.3)
    cache = streaming.FeatureCache(front, p)
    checked = 0
    with torch.no_grad():
        for end in range(100, 701, 100):
            cache.hop(stream, end)
            if end < 400:
                continue
            window = stream[..., end - 400:end]
            got = cache.window(stream, end - 400)
            assert torch.allclose(front(window), got, atol=1e-4)
            assert torch.allclose(model(window)[0], back(got)[0], atol=1e-4)
            checked += 1
    assert checked == 4


def test_without_the_edge_run_the_window_edge_differs():
    """The left-edge run is not optional: the window model zero-pads its first frames' past."""
    torch.manual_seed(2)
    model = Student(LADDER["micro"]).eval()
    front = streaming.Front(model)
    p = streaming.plan(model)
    stream = torch.from_numpy(np.abs(np.random.default_rng(1).standard_normal((1, 2, 161, 600))).astype(np.float32))
    cache = streaming.FeatureCache(front, p)
    with torch.no_grad():
        for end in (100, 200, 300, 400, 500):
            cache.hop(stream, end)
        cached = torch.stack([cache.steps[25 + i] for i in range(100)])[None]
        assert not torch.allclose(front(stream[..., 100:500])[:, : p["edgeSteps"]], cached[:, : p["edgeSteps"]], atol=1e-4)


def test_window_features_as_core_assembles_them_match_the_window_model():
    """window_features is the algorithm packages/core's StreamedFeatures runs: previous window's features shifted
    by one hop, the newest hop run over its context, the left-edge run; exact on consecutive windows."""
    torch.manual_seed(3)
    model = Student(LADDER["micro"]).eval()
    front = streaming.Front(model)
    block = streaming.card_block(model, model.cfg.d_model)
    stream = np.abs(np.random.default_rng(2).standard_normal((2, 161, 800))).astype(np.float32) ** 0.3

    def front_run(x):
        with torch.no_grad():
            return front(torch.from_numpy(np.ascontiguousarray(x[None])))[0].numpy()

    prev = None
    for start in range(0, 401, 100):
        x = stream[..., start:start + 400]
        prev = streaming.window_features(block, x, prev, front_run)
        np.testing.assert_allclose(prev, front_run(x), atol=1e-4)

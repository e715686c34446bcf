"""Streaming student inference (issue 17): the convolutional front end once per new hop, not four times.

A window model scores 400 frames every 100 (4 s windows, 1 s hop): each frame goes through the conv stack in
four windows. The conv stack is local (3x3 kernels, time strides at two layers: one output step per 4
frames, receptive field +-RF frames), so a window's conv features are, away from its edges, the features of
the stream, and can be computed once per hop and cached:

- interior steps: one front-end run per hop over the hop's frames with CONTEXT frames of the past before
  them (real audio, as in the window) and zero padding after them (as at the window's right edge: exact
  for the newest window, and recomputed with real context by the next hop's run, which starts CONTEXT
  frames earlier);
- the window's first EDGE steps see the window model's zero padding on their left: one small front-end run
  over the window's first frames gives them exactly.

The front end includes the per-step linear projection (exact per step like the convs, and it shrinks what a
stream caches from C*F' to d_model floats per step); the back end (transformer, pooling, heads) then runs
on the assembled [100, d_model] features. `check` measures, on real features, that the assembled features
and scores equal the window model's; `cost` what one hop costs beside one window in onnxruntime (1 thread);
`export` writes the shipped student's pair (front.onnx, back.onnx) beside its model.onnx and the card's
`streaming` block that core's StreamedFeatures follows (packages/core/src/model/streaming-plan.ts,
streamed-features.ts):

    python -m callmos_factory.streaming check tiny [--clips 8]
    python -m callmos_factory.streaming cost tiny
    python -m callmos_factory.streaming export tiny
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .student import Student

HOP_FRAMES = 100
WINDOW_FRAMES = 400


def receptive_half_width(model: Student) -> int:
    """Input frames on each side one output step of the conv stack depends on (3x3 kernels, pad 1)."""
    width, jump = 0, 1  # the receptive field's half width and the input frames between adjacent outputs
    for m in model.convs:
        if isinstance(m, nn.Conv2d):
            width += jump * (m.kernel_size[1] // 2)
            jump *= m.stride[1]
    return width


def time_stride(model: Student) -> int:
    s = 1
    for m in model.convs:
        if isinstance(m, nn.Conv2d):
            s *= m.stride[1]
    return s


class Front(nn.Module):
    """frames [B, 2, 161, T] -> projected conv features [B, T / stride, d_model] (what Student.encoder takes)."""

    def __init__(self, model: Student):
        super().__init__()
        self.convs, self.proj = model.convs, model.proj

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        h = self.convs(frames)
        b, c, f, t = h.shape
        return self.proj(h.permute(0, 3, 1, 2).reshape(b, t, c * f))


class Back(nn.Module):
    """features [B, steps, d_model] -> (mos [B], dims [B, D]), Student.forward after its projection."""

    def __init__(self, model: Student):
        super().__init__()
        self.model = model

    def forward(self, feats: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        m = self.model
        z = m.pool(m.norm(m.encoder(feats)))
        return 1.0 + 4.0 * torch.sigmoid(m.mos_head(z)).squeeze(-1), 1.0 + 4.0 * torch.sigmoid(m.dims_head(z))


def plan(model: Student) -> dict:
    """The frames of the past a hop run starts with (CONTEXT, on the stride grid) and the steps of a window's
    left edge that see its zero padding (EDGE), for this architecture.

    A hop run's first steps see its own zero padding on the left, and the previous run's last steps saw it
    on the right: CONTEXT must be wide enough that the first exact step of a run comes no later than the
    first step the previous run got wrong, i.e. 2 x the receptive half width."""
    rf, stride = receptive_half_width(model), time_stride(model)
    context = -(-2 * rf // stride) * stride + stride
    edge = -(-rf // stride) + 1  # steps whose receptive field reaches before the window's first frame
    return {"receptiveFrames": rf, "stride": stride, "contextFrames": context, "edgeSteps": edge,
            "edgeFrames": edge * stride + rf + stride}


class FeatureCache:
    """A stream's conv features, step by step, as hop runs leave them (what the TS runtime keeps)."""

    def __init__(self, front: Front, p: dict):
        self.front, self.p = front, p
        self.steps: dict[int, torch.Tensor] = {}

    @torch.no_grad()
    def hop(self, stream: torch.Tensor, end: int) -> None:
        """The hop ending at frame `end` has arrived: one run over [end - hop - context, end)."""
        stride, rf = self.p["stride"], self.p["receptiveFrames"]
        lo = max(0, end - HOP_FRAMES - self.p["contextFrames"])
        out = self.front(stream[..., lo:end])[0]
        first_exact = 0 if lo == 0 else -(-(lo + rf) // stride) - lo // stride  # steps before it saw the run's padding
        for i in range(first_exact, out.shape[0]):
            self.steps[lo // stride + i] = out[i]  # the newest run's value wins: it saw more of the future

    @torch.no_grad()
    def window(self, stream: torch.Tensor, start: int) -> torch.Tensor:
        stride, edge = self.p["stride"], self.p["edgeSteps"]
        feats = torch.stack([self.steps[start // stride + i] for i in range(WINDOW_FRAMES // stride)])[None]
        feats[:, :edge] = self.front(stream[..., start: start + self.p["edgeFrames"]])[:, :edge]
        return feats


def card_block(model: Student, feature_size: int) -> dict:
    """The card's `streaming` block: the pair's files and names, and the plan core follows."""
    p = plan(model)
    return {"front": {"file": "front.onnx", "input": "frames", "output": "features"},
            "back": {"file": "back.onnx", "input": "features"},
            "featureSize": feature_size, "stride": p["stride"], "receptiveFrames": p["receptiveFrames"],
            "contextFrames": p["contextFrames"], "edgeSteps": p["edgeSteps"], "edgeFrames": p["edgeFrames"]}


def window_features(block: dict, window: np.ndarray, prev: np.ndarray | None, front_run) -> np.ndarray:
    """One window's features as core assembles them (packages/core/src/model/streamed-features.ts), from the
    window's own frames [2, 161, W] and the previous window's features [steps, d] (None: a full front run),
    one hop (the card's hopFrames: HOP_FRAMES) after it.
    `front_run(frames [2, 161, T]) -> [T / stride, d]`."""
    if prev is None:
        return front_run(window)
    stride, w = block["stride"], window.shape[-1]
    steps, hop_steps = w // stride, HOP_FRAMES // stride
    lo = w - HOP_FRAMES - block["contextFrames"]
    exact_from = lo // stride + -(-block["receptiveFrames"] // stride)
    out = np.empty_like(prev)
    out[: steps - hop_steps] = prev[hop_steps:]  # the stream's exact steps, computed by earlier hops
    out[exact_from:] = front_run(window[..., lo:])[exact_from - lo // stride:]
    out[: block["edgeSteps"]] = front_run(window[..., : block["edgeFrames"]])[: block["edgeSteps"]]
    return out


def _student(name: str, feats: np.ndarray) -> tuple[Student, str]:
    """The shipped student when its graph is fp32 (from_onnx.py), else its architecture with random weights
    (exactness and cost depend on the architecture, not on the weights)."""
    from .from_onnx import student_from_onnx
    from .paths import MODELS_DIR
    from .student import LADDER

    cfg = LADDER[name]
    try:
        return student_from_onnx(MODELS_DIR / name / "model.onnx", cfg, feats[:64]), "shipped"
    except (ValueError, KeyError, FileNotFoundError):
        torch.manual_seed(0)
        return Student(cfg).eval(), "random"


def check(name: str, clips: int) -> dict:
    """Scores a stream of `clips` test clips back to back window by window and from the hop cache."""
    from .dataset import cached_features

    _, feats = cached_features("test")
    model, weights = _student(name, np.asarray(feats[:64]))
    model.eval()
    front, back = Front(model), Back(model)
    p = plan(model)
    # clips back to back: windows straddle clip boundaries like a live call's
    stream = torch.from_numpy(np.concatenate([np.asarray(feats[i]) for i in range(clips)], axis=-1)[None].astype(np.float32))
    cache = FeatureCache(front, p)
    feat_err, mos_err, windows = 0.0, 0.0, 0
    with torch.no_grad():
        for end in range(HOP_FRAMES, stream.shape[-1] + 1, HOP_FRAMES):
            cache.hop(stream, end)
            start = end - WINDOW_FRAMES
            if start < 0:
                continue
            window = stream[..., start:end]
            got = cache.window(stream, start)
            feat_err = max(feat_err, float((front(window) - got).abs().max()))
            mos_err = max(mos_err, float((model(window)[0] - back(got)[0]).abs().max()))
            windows += 1
    return {"model": name, "weights": weights, **p, "windows": windows, "maxFeatureDiff": feat_err, "maxMosDiff": mos_err}


def export_pair(model: Student, out_dir: Path) -> tuple[Path, Path]:
    front, back = Front(model).eval(), Back(model).eval()
    fp, bp = out_dir / "front.onnx", out_dir / "back.onnx"
    torch.onnx.export(front, (torch.zeros(1, 2, 161, 112),), str(fp), input_names=["frames"], output_names=["features"],
                      dynamic_axes={"frames": {0: "batch", 3: "frames"}, "features": {0: "batch", 1: "steps"}}, opset_version=17, dynamo=False)
    steps = WINDOW_FRAMES // time_stride(model)
    with torch.no_grad():
        width = front(torch.zeros(1, 2, 161, WINDOW_FRAMES)).shape[-1]
    torch.onnx.export(back, (torch.zeros(1, steps, width),), str(bp), input_names=["features"], output_names=["mos", "dims"],
                      dynamic_axes={"features": {0: "batch"}, "mos": {0: "batch"}, "dims": {0: "batch"}}, opset_version=17, dynamo=False)
    return fp, bp


def cost(name: str, runs: int = 40) -> dict:
    """ms per window of the window model vs ms per hop of the streamed pair, onnxruntime, 1 thread, batch 1."""
    import tempfile

    import onnxruntime as ort

    from .dataset import cached_features
    from .export import export_onnx

    model, _ = _student(name, np.asarray(cached_features("test")[1][:64]))
    p = plan(model)
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    with tempfile.TemporaryDirectory() as td:
        wp = Path(td) / "window.onnx"
        export_onnx(model, wp)
        fp, bp = export_pair(model, Path(td))
        window, front, back = (ort.InferenceSession(str(x), so, providers=["CPUExecutionProvider"]) for x in (wp, fp, bp))
        rng = np.random.default_rng(0)
        x = rng.random((1, 2, 161, WINDOW_FRAMES), dtype=np.float32)
        hop_in = x[..., : HOP_FRAMES + p["contextFrames"]].copy()
        edge_in = x[..., : p["edgeFrames"]].copy()
        feats = front.run(["features"], {"frames": x})[0]

        def timed(fn) -> float:
            for _ in range(5):
                fn()
            t0 = time.perf_counter()
            for _ in range(runs):
                fn()
            return (time.perf_counter() - t0) * 1000 / runs

        window_ms = timed(lambda: window.run(["mos"], {"frames": x}))
        hop_ms = timed(lambda: (front.run(["features"], {"frames": hop_in}), front.run(["features"], {"frames": edge_in}),
                                back.run(["mos"], {"features": feats})))
    return {"model": name, "runtime": f"onnxruntime {ort.__version__} (Python, CPU, 1 thread)", "windowMs": window_ms,
            "perHopMs": hop_ms, "ratio": hop_ms / window_ms}


def export(name: str, clips: int) -> dict:
    """Writes models/NAME/front.onnx and back.onnx from the shipped student (float graphs only: a quantised one's
    dynamic activation scales differ between a hop run and a window run), checks them in onnxruntime against
    the shipped model.onnx on `clips` test clips back to back, and writes the card's `streaming` block."""
    import onnxruntime as ort

    from .dataset import cached_features
    from .paths import MODELS_DIR

    card_path = MODELS_DIR / name / "card.json"
    card = json.loads(card_path.read_text())
    shipped = card.get("quantization", {}).get("shipped", "fp32")
    if shipped not in ("fp32", "fp16-weights"):  # float arithmetic both; fp16-weights only stores them smaller
        raise SystemExit(f"{name} ships {shipped}: only a float student streams exactly")
    _, feats = cached_features("test")
    model, weights = _student(name, np.asarray(feats[:64]))
    if weights != "shipped":
        raise SystemExit(f"{name}: models/{name}/model.onnx did not rebuild")
    fp, bp = export_pair(model.eval(), MODELS_DIR / name)
    if shipped == "fp16-weights":  # the pair stores the same float16 weights (rebuilt from them, so rounding back)
        from .weight_storage import store_weights_fp16

        store_weights_fp16(fp)
        store_weights_fp16(bp)
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    window, front, back = (ort.InferenceSession(str(x), so, providers=["CPUExecutionProvider"])
                           for x in (MODELS_DIR / name / "model.onnx", fp, bp))
    block = card_block(model, int(model.cfg.d_model))
    stream = np.concatenate([np.asarray(feats[i]) for i in range(clips)], axis=-1).astype(np.float32)

    def front_run(x: np.ndarray) -> np.ndarray:
        return front.run(["features"], {"frames": np.ascontiguousarray(x[None])})[0][0]

    prev, worst, n = None, 0.0, 0
    for start in range(0, stream.shape[-1] - WINDOW_FRAMES + 1, HOP_FRAMES):
        x = stream[..., start:start + WINDOW_FRAMES]
        prev = window_features(block, x, prev, front_run)
        want = window.run(["mos", "dims"], {"frames": x[None]})
        got = back.run(["mos", "dims"], {"features": prev[None]})
        worst = max(worst, float(np.abs(want[0] - got[0]).max()), float(np.abs(want[1] - got[1]).max()))
        n += 1
    if worst > 1e-3:
        raise SystemExit(f"{name}: the streamed pair differs from model.onnx by {worst:.2e} MOS")
    block["check"] = {"windows": n, "maxDiff": float(f"{worst:.3g}"), "what": "streamed vs window model, test clips back to back, onnxruntime"}
    card["streaming"] = block
    card_path.write_text(json.dumps(card, indent=2) + "\n")
    return {"model": name, **block}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["check", "cost", "export"])
    ap.add_argument("name")
    ap.add_argument("--clips", type=int, default=8)
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    run = {"check": lambda: check(a.name, a.clips), "cost": lambda: cost(a.name), "export": lambda: export(a.name, a.clips)}
    print(json.dumps(run[a.what]()))


if __name__ == "__main__":
    main()

"""Small ONNX graphs for the TypeScript contract tests (packages/core/test/fixtures/models).

They are not MOS models: random weights, a few hundred parameters, only the I/O contract of a callmos
student (ARCHITECTURE.md: input `frames` float32 [batch, 2, 161, W], outputs `mos` [batch] and `dims`
[batch, D]). One graph honours the contract; the others each break one part of it, so the tests can
check that `validateCardAgainstSession` names the mismatch.

Run:  cd models/training && python3 -m callmos_factory.testmodels
The graphs are committed (each well under 50 KB); rerun only when the contract changes.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

FIXTURE_DIR = Path(__file__).resolve().parents[3] / "packages" / "core" / "test" / "fixtures" / "models"

# Short windows keep the streaming tests fast: 100 frames = 1 s, a window every 0.5 s.
WINDOW_FRAMES = 100
HOP_FRAMES = 50
BINS = 161
DIM_NAMES = ["noisiness", "coloration", "discontinuity", "loudness", "sig", "bak"]
SEED = 1234


@dataclass(frozen=True)
class Variant:
    file: str
    input_name: str = "frames"
    bins: int = BINS
    n_dims: int = len(DIM_NAMES)
    what: str = ""


VARIANTS = [
    Variant("tiny-ok.onnx", what="honours the contract"),
    Variant("wrong-input-name.onnx", input_name="spec", what="input named 'spec' instead of 'frames'"),
    Variant("wrong-bins.onnx", bins=129, what="129 frequency bins instead of 161"),
    Variant("wrong-dims.onnx", n_dims=4, what="4 dims outputs where the card names 6"),
]


class TinyScorer(nn.Module):
    """Conv + mean/SD pooling + linear, scaled to 1..5 like a student head.

    SD pooling over time keeps the output sensitive to every frame, so the chunk-invariance tests would
    notice a frame computed differently.
    """

    def __init__(self, n_dims: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(2, 8, kernel_size=(5, 3), stride=(2, 1), padding=(2, 1))
        self.act = nn.LeakyReLU(0.1)
        self.head = nn.Linear(16, 1 + n_dims)

    def forward(self, frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.act(self.conv(frames))  # [B, 8, F', W]
        h = h.mean(dim=2)  # [B, 8, W]
        pooled = torch.cat([h.mean(dim=2), h.std(dim=2)], dim=1)  # [B, 16]
        y = 1.0 + 4.0 * torch.sigmoid(self.head(pooled) * 4.0)
        return y[:, 0], y[:, 1:]


def export(variant: Variant) -> Path:
    torch.manual_seed(SEED)
    model = TinyScorer(variant.n_dims).eval()
    example = torch.randn(2, 2, variant.bins, WINDOW_FRAMES)
    out = FIXTURE_DIR / variant.file
    torch.onnx.export(
        model,
        (example,),
        str(out),
        input_names=[variant.input_name],
        output_names=["mos", "dims"],
        dynamic_axes={variant.input_name: {0: "batch"}, "mos": {0: "batch"}, "dims": {0: "batch"}},
        opset_version=17,
        dynamo=False,  # the TorchScript exporter: no onnxscript needed, and a plain static-shape graph
    )
    return out


def card() -> dict:
    """The card that matches tiny-ok.onnx (the other graphs are checked against it too)."""
    return {
        "cardVersion": 1,
        "name": "test-tiny",
        "version": "0.0.1",
        "params": sum(p.numel() for p in TinyScorer(len(DIM_NAMES)).parameters()),
        "description": "Random-weight contract fixture made by callmos_factory.testmodels; not a MOS model.",
        "sampleRate": 16000,
        "input": {"name": "frames", "kind": "compressed-stft", "channels": 2, "bins": BINS,
                  "windowFrames": WINDOW_FRAMES, "hopFrames": HOP_FRAMES, "peakNormalize": False},
        "outputs": {"mos": {"name": "mos", "range": [1, 5]}, "dims": {"name": "dims", "names": DIM_NAMES}},
        "shortClip": "repeat",
    }


def main() -> None:
    FIXTURE_DIR.mkdir(parents=True, exist_ok=True)
    for v in VARIANTS:
        path = export(v)
        size = path.stat().st_size
        assert size < 50_000, f"{path.name} is {size} bytes; fixtures must stay under 50 KB"
        print(f"{path.relative_to(FIXTURE_DIR.parents[4])}  {size} B  ({v.what})")
    card_path = FIXTURE_DIR / "tiny-ok.card.json"
    card_path.write_text(json.dumps(card(), indent=2) + "\n")
    print(card_path.relative_to(FIXTURE_DIR.parents[4]))


if __name__ == "__main__":
    main()

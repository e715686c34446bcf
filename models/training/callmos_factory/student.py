"""The student: DESIGN.md's conv-transformer on compressed-STFT frames, in a ladder of sizes.

Conv stack (3x3, BatchNorm, LeakyReLU 0.1): the first layer keeps resolution, each later one halves the
frequency axis, and the layers listed in `time_stride_at` also halve time (DESIGN: the last one; the
larger students halve time earlier too, to stay trainable on a 2-core CPU). Then a linear projection
per time step, a transformer encoder, attention pooling over time and two heads: MOS and the diagnostic
dims, each a sigmoid scaled to 1 + 4y (the MOS range).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from .features import N_BINS

DIMS = ["noisiness", "coloration", "discontinuity", "loudness", "plc"]


@dataclass(frozen=True)
class StudentConfig:
    name: str
    channels: tuple[int, ...]
    time_stride_at: tuple[int, ...]
    d_model: int
    layers: int
    heads: int
    ff: int
    dropout: float = 0.1
    n_dims: int = len(DIMS)

    def to_dict(self) -> dict:
        return asdict(self)


# Both CPU-trainable students halve time at conv 1 and 3 (DESIGN's v7 does it only at the last conv):
# the full-resolution convs dominate the cost, and 40 ms steps are still finer than any degradation we
# score. "small" spends its extra parameters in the transformer, which runs on 50 steps per 4 s window.
LADDER = {
    "tiny": StudentConfig("tiny", (12, 16, 32, 48, 64), (1, 3), 64, 1, 2, 128),
    "small": StudentConfig("small", (16, 32, 48, 64, 96, 128), (1, 3), 192, 3, 4, 384),
    "base": StudentConfig("base", (64, 64, 128, 128, 256, 256), (2, 5), 256, 4, 4, 1024),
}


def _freq_after(n: int, layers: int) -> int:
    for _ in range(layers - 1):
        n = (n - 1) // 2 + 1
    return n


class AttentionPool(nn.Module):
    def __init__(self, d: int):
        super().__init__()
        self.score = nn.Sequential(nn.Linear(d, d), nn.Tanh(), nn.Linear(d, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # [B, T, D] -> [B, D]
        a = torch.softmax(self.score(x), dim=1)
        return (a * x).sum(dim=1)


class Student(nn.Module):
    def __init__(self, cfg: StudentConfig):
        super().__init__()
        self.cfg = cfg
        convs: list[nn.Module] = []
        c_in = 2
        for i, c in enumerate(cfg.channels):
            stride = (1 if i == 0 else 2, 2 if i in cfg.time_stride_at else 1)
            convs += [nn.Conv2d(c_in, c, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(c),
                      nn.LeakyReLU(0.1)]
            c_in = c
        self.convs = nn.Sequential(*convs)
        f = _freq_after(N_BINS, len(cfg.channels))
        self.proj = nn.Linear(c_in * f, cfg.d_model)
        layer = nn.TransformerEncoderLayer(cfg.d_model, cfg.heads, cfg.ff, cfg.dropout, batch_first=True,
                                           norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, cfg.layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(cfg.d_model)
        self.pool = AttentionPool(cfg.d_model)
        self.mos_head = nn.Linear(cfg.d_model, 1)
        self.dims_head = nn.Linear(cfg.d_model, cfg.n_dims)

    def forward(self, frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """frames [B, 2, 161, T] -> (mos [B], dims [B, D]), both on the 1..5 scale."""
        h = self.convs(frames)  # [B, C, F', T']
        b, c, f, t = h.shape
        h = h.permute(0, 3, 1, 2).reshape(b, t, c * f)
        h = self.encoder(self.proj(h))
        z = self.pool(self.norm(h))
        mos = 1.0 + 4.0 * torch.sigmoid(self.mos_head(z)).squeeze(-1)
        dims = 1.0 + 4.0 * torch.sigmoid(self.dims_head(z))
        return mos, dims


def count_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())

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
    # Per-layer widths of a structurally pruned student (prune.py); empty/0 = the uniform `heads`, `ff`
    # and d_model // heads of a distilled one. Any of them set selects the SlimEncoder, whose parameter
    # names match nn.TransformerEncoder's, so a full-width slim student loads a distilled state dict as is.
    heads_per_layer: tuple[int, ...] = ()
    ff_per_layer: tuple[int, ...] = ()
    head_dim: int = 0

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def slim(self) -> bool:
        return bool(self.heads_per_layer or self.ff_per_layer or self.head_dim)

    def widths(self) -> tuple[tuple[int, ...], tuple[int, ...], int]:
        """(heads per layer, FFN units per layer, head dim), explicit for both kinds of config."""
        return (self.heads_per_layer or (self.heads,) * self.layers, self.ff_per_layer or (self.ff,) * self.layers,
                self.head_dim or self.d_model // self.heads)


# Both CPU-trainable students halve time at conv 1 and 3 (DESIGN's v7 does it only at the last conv):
# the full-resolution convs dominate the cost, and 40 ms steps are still finer than any degradation we
# score. "small" spends its extra parameters in the transformer, which runs on 50 steps per 4 s window.
LADDER = {
    # "micro" exists for the pruning comparison (issue 8): a from-scratch point below tiny, not shipped
    "micro": StudentConfig("micro", (8, 12, 24, 32, 40), (1, 3), 48, 1, 2, 96),
    "tiny": StudentConfig("tiny", (12, 16, 32, 48, 64), (1, 3), 64, 1, 2, 128),
    "small": StudentConfig("small", (16, 32, 48, 64, 96, 128), (1, 3), 192, 3, 4, 384),
    # issue 14's browser candidate: small's conv front end (where the pruning study found held-out
    # generalisation lives) with a back end a third of small's, under 1 M parameters and cheap per hop when
    # streamed (issue 17: the front end runs once per hop, the back end on every window)
    "lite": StudentConfig("lite", (16, 32, 48, 64, 96, 128), (1, 3), 128, 2, 4, 256),
    # issue 14's server model, trainable on this CPU (one thread, ~10 min an epoch): small's conv front end
    # again (started from small's trained one, as lite was: the held-out split rewarded it), a back end of
    # 3.3 M parameters (d 256, 4 layers, FFN 1024) for the sequence model the streamed server runs per window.
    # The former entry (convs of 64-256 channels at full resolution) is GPU work: ~100x the cost per window.
    "base": StudentConfig("base", (16, 32, 48, 64, 96, 128), (1, 3), 256, 4, 4, 1024),
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


class SlimAttention(nn.Module):
    """Multi-head self-attention with any number of heads (0 included) of a fixed head dim, laid out like
    nn.MultiheadAttention (in_proj rows [q; k; v], head h at rows h*hd..(h+1)*hd of each) so weights carry over."""

    def __init__(self, d: int, heads: int, head_dim: int, dropout: float):
        super().__init__()
        self.heads, self.head_dim = heads, head_dim
        inner = heads * head_dim
        self.in_proj_weight = nn.Parameter(torch.empty(3 * inner, d))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * inner))
        self.out_proj = nn.Linear(inner, d)
        self.dropout = nn.Dropout(dropout)
        if inner:
            nn.init.xavier_uniform_(self.in_proj_weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.heads == 0:  # every head pruned: only the output bias is left
            return self.out_proj.bias.expand_as(x)
        b, t, _ = x.shape
        qkv = nn.functional.linear(x, self.in_proj_weight, self.in_proj_bias)
        qkv = qkv.reshape(b, t, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        a = self.dropout(torch.softmax(q @ k.transpose(-1, -2) * self.head_dim ** -0.5, dim=-1))
        return self.out_proj((a @ v).transpose(1, 2).reshape(b, t, self.heads * self.head_dim))


class SlimEncoderLayer(nn.Module):
    """nn.TransformerEncoderLayer(norm_first=True, ReLU) with its own head count and FFN width."""

    def __init__(self, d: int, heads: int, head_dim: int, ff: int, dropout: float):
        super().__init__()
        self.self_attn = SlimAttention(d, heads, head_dim, dropout)
        self.linear1, self.linear2 = nn.Linear(d, ff), nn.Linear(ff, d)
        self.norm1, self.norm2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.dropout, self.dropout1, self.dropout2 = nn.Dropout(dropout), nn.Dropout(dropout), nn.Dropout(dropout)
        self.ff = ff

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.dropout1(self.self_attn(self.norm1(x)))
        if self.ff == 0:  # every FFN unit pruned
            return x + self.dropout2(self.linear2.bias.expand_as(x))
        return x + self.dropout2(self.linear2(self.dropout(torch.relu(self.linear1(self.norm2(x))))))


class SlimEncoder(nn.Module):
    def __init__(self, cfg: StudentConfig):
        super().__init__()
        heads, ff, hd = cfg.widths()
        self.layers = nn.ModuleList(SlimEncoderLayer(cfg.d_model, h, hd, f, cfg.dropout) for h, f in zip(heads, ff))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x)
        return x


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
        if cfg.slim:
            self.encoder: nn.Module = SlimEncoder(cfg)
        else:
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


def config_from_dict(d: dict) -> StudentConfig:
    """A checkpoint's saved config (JSON lists back to tuples; older checkpoints lack the slim fields)."""
    return StudentConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})


def count_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())

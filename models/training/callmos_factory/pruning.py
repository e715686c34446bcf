"""Structured pruning surgery on a Student: which groups exist, what each costs, how important each is,
and a genuinely smaller dense Student without some of them.

A group is one conv output channel (with its BatchNorm entry, the next conv's input channel or the
projection's input features), one attention head (its q, k, v rows and out_proj columns) or one FFN unit
(its linear1 row and linear2 column). Every group has *gate* weights that scale its whole output: the
BatchNorm weight and bias of a channel (the conv kernel before a BatchNorm is scale-invariant, so its
sum of w * dL/dw is zero whatever the channel is worth), the out_proj columns of a head, the linear2
column of an FFN unit. Zeroing the gate removes the group exactly, so |sum over the gate of w * dL/dw|
is the first-order (Taylor) estimate of the loss change from removing it, in the same units for all
three kinds.
"""
from __future__ import annotations

import dataclasses

import torch

from .features import N_BINS
from .student import Student, StudentConfig, _freq_after, count_params

KINDS = ("conv", "head", "ff")


def as_slim(model: Student) -> Student:
    """The same network as a slim (per-layer widths) Student; a distilled one loads its weights unchanged."""
    if model.cfg.slim:
        return model
    heads, ff, hd = model.cfg.widths()
    slim = Student(dataclasses.replace(model.cfg, heads_per_layer=heads, ff_per_layer=ff, head_dim=hd))
    slim.load_state_dict(model.state_dict())
    return slim.train(model.training)


def widths(cfg: StudentConfig) -> dict[str, list[int]]:
    heads, ff, _ = cfg.widths()
    return {"conv": list(cfg.channels), "head": list(heads), "ff": list(ff)}


def group_costs(cfg: StudentConfig) -> dict[str, list[int]]:
    """Parameters removed with one group of each layer, at the config's current widths."""
    heads, ff, hd = cfg.widths()
    d, f_last = cfg.d_model, _freq_after(N_BINS, len(cfg.channels))
    ch = list(cfg.channels)
    conv = [(2 if i == 0 else ch[i - 1]) * 9 + 2 + (ch[i + 1] * 9 if i + 1 < len(ch) else f_last * d)
            for i in range(len(ch))]
    return {"conv": conv, "head": [4 * hd * d + 3 * hd] * len(heads), "ff": [2 * d + 1] * len(ff)}


def group_macs(cfg: StudentConfig, window_frames: int = 400) -> dict[str, list[int]]:
    """Multiply-adds per 4 s window (400 frames) removed with one group of each layer, at the config's current
    widths: what a group costs a browser or a server, where group_costs is what it costs the download. A conv
    channel of layer i runs at that layer's resolution (frequency halves after the first layer, time at
    time_stride_at) and feeds the next layer (or the projection); a head and an FFN unit run per time step."""
    heads, ff, hd = cfg.widths()
    ch, d = list(cfg.channels), cfg.d_model
    f = [_freq_after(N_BINS, i + 1) for i in range(len(ch))]
    t, n = [], window_frames
    for i in range(len(ch)):
        n = (n - 1) // 2 + 1 if i in cfg.time_stride_at else n
        t.append(n)
    seq = t[-1]
    conv = [(2 if i == 0 else ch[i - 1]) * 9 * f[i] * t[i] + (ch[i + 1] * 9 * f[i + 1] * t[i + 1] if i + 1 < len(ch) else f[-1] * d * seq)
            for i in range(len(ch))]
    return {"conv": conv, "head": [4 * hd * d * seq + 2 * seq * seq * hd] * len(heads), "ff": [2 * d * seq] * len(ff)}


def _bns(model: Student) -> list[torch.nn.BatchNorm2d]:
    return [m for m in model.convs if isinstance(m, torch.nn.BatchNorm2d)]


def _gates(model: Student) -> dict[str, list[list[tuple[torch.Tensor, int]]]]:
    """Per kind and layer: (gate tensor, the axis that indexes groups), grouped by head for attention."""
    out: dict[str, list] = {"conv": [[(bn.weight, 0), (bn.bias, 0)] for bn in _bns(model)], "head": [], "ff": []}
    for layer in model.encoder.layers:
        out["head"].append([(layer.self_attn.out_proj.weight, 1)])
        out["ff"].append([(layer.linear2.weight, 1)])
    return out


def _per_group(model: Student, fn) -> dict[str, list[torch.Tensor]]:
    """Sum fn(gate) over each group's gate weights -> per kind, per layer, one value per group."""
    _, _, hd = model.cfg.widths()
    out: dict[str, list[torch.Tensor]] = {}
    for kind, layers in _gates(model).items():
        out[kind] = []
        for gates in layers:
            total = sum(fn(w).sum(dim=1 - axis) if w.dim() == 2 else fn(w) for w, axis in gates)
            if kind == "head":
                total = total.reshape(-1, hd).sum(dim=1)
            out[kind].append(total.detach().clone())
    return out


def taylor_scores(model: Student) -> dict[str, list[torch.Tensor]]:
    """|sum over the gate of w * dL/dw| per group, from the gradients of the last backward pass."""
    def w_dw(w: torch.Tensor) -> torch.Tensor:
        return w * w.grad if w.grad is not None else torch.zeros_like(w)  # unused gates (0-width) get no grad

    return {k: [v.abs() for v in vs] for k, vs in _per_group(model, w_dw).items()}


def magnitude_scores(model: Student) -> dict[str, list[torch.Tensor]]:
    """L1 of each group's gate (BatchNorm |gamma| for a channel, as in network slimming)."""
    gammas = {id(bn.weight) for bn in _bns(model)}
    return _per_group(model, lambda w: w.abs() if id(w) in gammas or w.dim() == 2 else torch.zeros_like(w))


def shrink(model: Student, keep: dict[str, list[torch.Tensor]]) -> Student:
    """A dense Student with only the kept groups (sorted index tensors per kind and layer), weights copied."""
    model = as_slim(model)
    cfg = model.cfg
    _, _, hd = cfg.widths()
    new_cfg = dataclasses.replace(cfg, channels=tuple(len(k) for k in keep["conv"]),
                                  heads_per_layer=tuple(len(k) for k in keep["head"]),
                                  ff_per_layer=tuple(len(k) for k in keep["ff"]), head_dim=hd)
    sd = {k: v.clone() for k, v in model.state_dict().items()}
    prev = None
    for i, kc in enumerate(keep["conv"]):
        w = sd[f"convs.{3 * i}.weight"][kc]
        sd[f"convs.{3 * i}.weight"] = w if prev is None else w[:, prev]
        for name in ("weight", "bias", "running_mean", "running_var"):
            sd[f"convs.{3 * i + 1}.{name}"] = sd[f"convs.{3 * i + 1}.{name}"][kc]
        prev = kc
    f_last = _freq_after(N_BINS, len(cfg.channels))
    cols = (prev[:, None] * f_last + torch.arange(f_last)[None]).reshape(-1)  # proj input is channel-major
    sd["proj.weight"] = sd["proj.weight"][:, cols]
    heads, _, _ = cfg.widths()
    for li, (kh, kf) in enumerate(zip(keep["head"], keep["ff"])):
        p = f"encoder.layers.{li}."
        inner = heads[li] * hd
        dims = (kh[:, None] * hd + torch.arange(hd)[None]).reshape(-1)
        rows = torch.cat([j * inner + dims for j in range(3)])
        sd[p + "self_attn.in_proj_weight"] = sd[p + "self_attn.in_proj_weight"][rows]
        sd[p + "self_attn.in_proj_bias"] = sd[p + "self_attn.in_proj_bias"][rows]
        sd[p + "self_attn.out_proj.weight"] = sd[p + "self_attn.out_proj.weight"][:, dims]
        sd[p + "linear1.weight"] = sd[p + "linear1.weight"][kf]
        sd[p + "linear1.bias"] = sd[p + "linear1.bias"][kf]
        sd[p + "linear2.weight"] = sd[p + "linear2.weight"][:, kf]
    small = Student(new_cfg)
    small.load_state_dict(sd)
    return small.train(model.training)


def keep_all(cfg: StudentConfig) -> dict[str, list[torch.Tensor]]:
    return {k: [torch.arange(n) for n in ns] for k, ns in widths(cfg).items()}


def params_of(cfg: StudentConfig) -> int:
    with torch.device("meta"):
        return count_params(Student(cfg))


def _with_widths(cfg: StudentConfig, w: dict[str, list[int]]) -> StudentConfig:
    _, _, hd = cfg.widths()
    return dataclasses.replace(cfg, channels=tuple(w["conv"]), heads_per_layer=tuple(w["head"]),
                               ff_per_layer=tuple(w["ff"]), head_dim=hd)


def _keep_without(scores: dict[str, list[torch.Tensor]], drop: set[tuple[str, int, int]]) -> dict[str, list[torch.Tensor]]:
    return {k: [torch.tensor([g for g in range(len(s)) if (k, li, g) not in drop], dtype=torch.long)
                for li, s in enumerate(scores[k])] for k in KINDS}


def select_global(scores: dict[str, list[torch.Tensor]], cfg: StudentConfig, fraction: float,
                  by_macs: bool = False) -> dict[str, list[torch.Tensor]]:
    """Keep-sets after removing, over the whole network, the groups of lowest score per parameter they cost
    until `fraction` of the parameters is gone (by_macs: per multiply-add, until `fraction` of the groups'
    multiply-adds is gone). Every conv layer keeps one channel; heads and FFN units may all go (the block
    then adds only its output bias)."""
    costs = group_macs(cfg) if by_macs else group_costs(cfg)
    flat = sorted((float(v) / costs[kind][li], kind, li, gi)
                  for kind in KINDS for li, s in enumerate(scores[kind]) for gi, v in enumerate(s.tolist()))
    left = widths(cfg)
    total = sum(c * w for kind in KINDS for c, w in zip(costs[kind], left[kind])) if by_macs else params_of(cfg)
    budget, removed = fraction * total, 0
    drop: set[tuple[str, int, int]] = set()
    for _, kind, li, gi in flat:
        if removed >= budget:
            break
        if kind == "conv" and left[kind][li] <= 1:
            continue
        drop.add((kind, li, gi))
        left[kind][li] -= 1
        removed += costs[kind][li]
    return _keep_without(scores, drop)


def select_uniform(scores: dict[str, list[torch.Tensor]], cfg: StudentConfig, fraction: float) -> dict[str, list[torch.Tensor]]:
    """Keep-sets after removing the same share q of every layer's groups, the lowest-scoring ones of each
    layer, with q the smallest that removes `fraction` of the parameters (binary search on the width)."""
    full, n0 = widths(cfg), params_of(cfg)

    def counts(q: float) -> dict[str, list[int]]:
        # rounding staggered across the layers of a kind, so that e.g. the 3 x 4 heads go one layer at a time
        return {k: [min(int(q * n + (li + 0.5) / len(ns)), n - 1 if k == "conv" else n) for li, n in enumerate(ns)]
                for k, ns in full.items()}

    def removed(q: float) -> int:
        c = counts(q)
        return n0 - params_of(_with_widths(cfg, {k: [n - r for n, r in zip(full[k], c[k])] for k in full}))

    lo, hi = 0.0, 1.0
    for _ in range(20):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if removed(mid) >= fraction * n0 else (mid, hi)
    drop = {(k, li, int(g)) for k, rs in counts(hi).items() for li, r in enumerate(rs)
            for g in torch.argsort(scores[k][li])[:r].tolist()}
    return _keep_without(scores, drop)


def n_groups(cfg: StudentConfig) -> int:
    return sum(sum(v) for v in widths(cfg).values())

"""Structured pruning bookkeeping (pruning.py): removal of nothing is the identity, widths shrink
consistently, removed groups are really gone, and a pruned student exports to a smaller, faithful ONNX."""
from __future__ import annotations

import dataclasses

import numpy as np
import onnxruntime as ort
import pytest
import torch

from callmos_factory.export import export_onnx
from callmos_factory.pruning import (as_slim, group_costs, group_macs, keep_all, magnitude_scores, params_of,
                                     select_global, select_uniform, shrink, taylor_scores, widths)
from callmos_factory.report_sections import splice
from callmos_factory.student import LADDER, Student, count_params

CFG = dataclasses.replace(LADDER["tiny"], layers=2, heads=2)


def _student(seed: int = 0) -> Student:
    torch.manual_seed(seed)
    m = Student(CFG)
    with torch.no_grad():  # non-trivial BatchNorm statistics, so that slicing them is checked too
        for bn in (x for x in m.convs if isinstance(x, torch.nn.BatchNorm2d)):
            bn.running_mean.uniform_(-0.5, 0.5)
            bn.running_var.uniform_(0.5, 2.0)
    return m.eval()


def _x(n: int = 2) -> torch.Tensor:
    return torch.from_numpy(np.random.default_rng(1).standard_normal((n, 2, 161, 400)).astype(np.float32))


def _out(m: Student, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    with torch.no_grad():
        return m.eval()(x)


def _scores(m: Student) -> dict:
    m.train()
    mos, dims = m(_x())
    (mos.sum() + dims.sum()).backward()
    return taylor_scores(m)


def test_slim_student_equals_distilled_one():
    m = _student()
    slim = as_slim(m)
    assert slim.cfg.slim and not m.cfg.slim and count_params(slim) == count_params(m)
    x = _x()
    for a, b in zip(_out(m, x), _out(slim, x)):
        assert torch.allclose(a, b, atol=1e-5)


def test_removing_nothing_is_the_identity():
    m = _student()
    same = shrink(m, keep_all(m.cfg))
    assert widths(same.cfg) == widths(m.cfg) and count_params(same) == count_params(m)
    x = _x()
    for a, b in zip(_out(m, x), _out(same, x)):
        assert torch.allclose(a, b, atol=1e-5)


def _zero_gates(m: Student, keep: dict) -> Student:
    """The same network with the removed groups' gates zeroed: what the shrunk student must compute."""
    z = as_slim(m)
    z.load_state_dict(m.state_dict())
    with torch.no_grad():
        bns = [x for x in z.convs if isinstance(x, torch.nn.BatchNorm2d)]
        for bn, k in zip(bns, keep["conv"]):
            gone = torch.ones(len(bn.weight), dtype=torch.bool)
            gone[k] = False
            bn.weight[gone] = 0
            bn.bias[gone] = 0
        hd = z.cfg.widths()[2]
        for layer, kh, kf in zip(z.encoder.layers, keep["head"], keep["ff"]):
            gone_h = [h for h in range(layer.self_attn.heads) if h not in kh.tolist()]
            for h in gone_h:
                layer.self_attn.out_proj.weight[:, h * hd:(h + 1) * hd] = 0
            gone_f = torch.ones(layer.linear2.weight.shape[1], dtype=torch.bool)
            gone_f[kf] = False
            layer.linear2.weight[:, gone_f] = 0
    return z.eval()


@pytest.mark.parametrize("select", [select_global, select_uniform])
def test_pruned_student_is_smaller_and_equals_zeroed_groups(select):
    m = as_slim(_student())
    scores = _scores(m) if select is select_global else magnitude_scores(m)
    keep = select(scores, m.cfg, 0.3)
    small = shrink(m, keep)
    before, after = widths(m.cfg), widths(small.cfg)
    for kind in before:
        assert after[kind] == [len(k) for k in keep[kind]]
        assert all(a <= b for a, b in zip(after[kind], before[kind]))
    assert all(c >= 1 for c in after["conv"])
    assert count_params(small) == params_of(small.cfg)
    assert count_params(small) <= 0.72 * count_params(m)  # at least the asked-for share is gone (estimate +-2 %)
    x = _x()
    for a, b in zip(_out(_zero_gates(m, keep), x), _out(small, x)):
        assert torch.allclose(a, b, atol=1e-4)


def test_group_costs_are_the_parameters_a_group_takes_along():
    m = as_slim(_student())
    costs = group_costs(m.cfg)
    for kind, li in (("conv", 0), ("conv", len(m.cfg.channels) - 1), ("head", 1), ("ff", 0)):
        keep = keep_all(m.cfg)
        keep[kind][li] = keep[kind][li][1:]
        assert count_params(m) - count_params(shrink(m, keep)) == costs[kind][li]


def _module_macs(m: Student) -> int:
    """Multiply-adds of the Conv2d and Linear modules on one 4 s window, counted by forward hooks."""
    total = 0

    def hook(mod, inp, out):
        nonlocal total
        if isinstance(mod, torch.nn.Conv2d):
            total += out.numel() * mod.in_channels * mod.kernel_size[0] * mod.kernel_size[1]
        else:
            total += out.numel() // mod.out_features * mod.in_features * mod.out_features

    handles = [x.register_forward_hook(hook) for x in m.modules() if isinstance(x, (torch.nn.Conv2d, torch.nn.Linear))]
    _out(m, _x(1))
    for h in handles:
        h.remove()
    return total


def test_group_macs_are_the_multiply_adds_a_conv_channel_or_ffn_unit_takes_along():
    m = as_slim(_student())
    macs = group_macs(m.cfg)
    for kind, li in (("conv", 0), ("conv", 2), ("conv", len(m.cfg.channels) - 1), ("ff", 1)):
        keep = keep_all(m.cfg)
        keep[kind][li] = keep[kind][li][1:]
        assert _module_macs(m) - _module_macs(shrink(m, keep)) == macs[kind][li], (kind, li)
    # per multiply-add, the first layer's channels (full resolution, few parameters) are the costly ones
    assert macs["conv"][0] / group_costs(m.cfg)["conv"][0] > 10 * macs["ff"][0] / group_costs(m.cfg)["ff"][0]
    # selecting by multiply-adds removes the asked share of them
    scores = _scores(m)
    keep = select_global(scores, m.cfg, 0.2, by_macs=True)
    total = sum(c * w for k in macs for c, w in zip(macs[k], widths(m.cfg)[k]))
    removed = sum(macs[k][li] * (len(scores[k][li]) - len(keep[k][li])) for k in keep for li in range(len(keep[k])))
    assert 0.2 * total <= removed < 0.2 * total + max(max(v) for v in macs.values())


def test_every_head_and_ffn_unit_may_go_and_it_still_exports(tmp_path):
    m = as_slim(_student())
    keep = keep_all(m.cfg)
    keep["head"][0] = torch.tensor([], dtype=torch.long)
    keep["ff"][1] = torch.tensor([], dtype=torch.long)
    keep["conv"][2] = keep["conv"][2][::3]
    small = shrink(m, keep).eval()
    assert small.cfg.heads_per_layer[0] == 0 and small.cfg.ff_per_layer[1] == 0
    x = _x(3)
    for a, b in zip(_out(_zero_gates(m, keep), x), _out(small, x)):
        assert torch.allclose(a, b, atol=1e-4)
    big, little = tmp_path / "big.onnx", tmp_path / "small.onnx"
    export_onnx(m.eval(), big)
    export_onnx(small, little)
    assert little.stat().st_size < big.stat().st_size
    s = ort.InferenceSession(str(little), providers=["CPUExecutionProvider"])
    om, od = s.run(["mos", "dims"], {"frames": x.numpy()})
    tm, td = _out(small, x)
    assert np.abs(om - tm.numpy()).max() < 1e-4 and np.abs(od - td.numpy()).max() < 1e-4


def test_report_sections_survive_a_rewrite():
    text = splice("# report\n\nbody\n", "pruning", "## Pruning\nv1")
    text = splice(text, "pruning", "## Pruning\nv2")
    assert text.count("## Pruning") == 1 and "v2" in text and "v1" not in text and text.startswith("# report")

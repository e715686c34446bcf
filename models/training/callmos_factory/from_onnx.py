"""A shipped fp32 student back into torch, to fine-tune it on a grown corpus (issue 14).

The training runs that made the shipped students are gone with their sandboxes; their ONNX graphs are not.
torch's exporter folded each BatchNorm into its convolution and stored the linear layers transposed under
generated names, so the weights are found by the graph's node names (/convs/convs.<i>/Conv, /proj/MatMul, ...).
A folded convolution is split back into conv + BatchNorm whose running statistics are those its output has on
real features (measured here), so that training-mode BatchNorm starts where the shipped model is instead of
renormalising every channel on the first step. The rebuilt student reproduces the graph (parity checked).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnx import numpy_helper

from .student import Student, StudentConfig


def _weights_by_node(path: Path) -> dict[str, list[np.ndarray]]:
    m = onnx.load(str(path))
    inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    if any(i.data_type not in (onnx.TensorProto.FLOAT,) for i in m.graph.initializer if i.dims):
        raise ValueError(f"{path}: only an fp32 graph can be rebuilt (a quantised one lost its weights' precision)")
    for n in m.graph.node:  # the exporter shares equal tensors (e.g. LayerNorm scales of ones) through Identity
        if n.op_type == "Identity" and n.input[0] in inits:
            inits[n.output[0]] = inits[n.input[0]]
    return {n.name: [inits[i] for i in n.input if i in inits] for n in m.graph.node}


def _t(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.array(a, dtype=np.float32))


def student_from_onnx(path: Path, cfg: StudentConfig, feats: np.ndarray) -> Student:
    """The student of graph `path` (built by export.py from config `cfg`); `feats` [N, 2, 161, T] are real
    features for the BatchNorm statistics and the parity check."""
    if cfg.slim:
        raise ValueError("a pruned student is rebuilt by prune.py, not here")
    w = _weights_by_node(path)
    model = Student(cfg).eval()
    sd = model.state_dict()
    conv_idx = [i for i, m in enumerate(model.convs) if isinstance(m, torch.nn.Conv2d)]
    for i in conv_idx:
        weight, bias = w[f"/convs/convs.{i}/Conv"]
        sd[f"convs.{i}.weight"] = _t(weight)
        sd[f"convs.{i + 1}.bias"] = _t(bias)  # provisional: the statistics below move it
        sd[f"convs.{i + 1}.weight"] = torch.ones(len(bias))
        sd[f"convs.{i + 1}.running_mean"] = torch.zeros(len(bias))
        sd[f"convs.{i + 1}.running_var"] = torch.ones(len(bias)) - model.convs[i + 1].eps
    sd["proj.weight"] = _t(w["/proj/MatMul"][0].T)
    sd["proj.bias"] = _t(w["/proj/Add"][0])
    for layer in range(cfg.layers):
        p, e = f"/encoder/layers.{layer}", f"encoder.layers.{layer}"
        sd[f"{e}.self_attn.in_proj_weight"] = _t(w[f"{p}/self_attn/MatMul"][0].T)
        sd[f"{e}.self_attn.in_proj_bias"] = _t(w[f"{p}/self_attn/Add"][0])
        sd[f"{e}.self_attn.out_proj.weight"], sd[f"{e}.self_attn.out_proj.bias"] = map(_t, w[f"{p}/self_attn/Gemm"])
        sd[f"{e}.linear1.weight"] = _t(w[f"{p}/linear1/MatMul"][0].T)
        sd[f"{e}.linear1.bias"] = _t(w[f"{p}/linear1/Add"][0])
        sd[f"{e}.linear2.weight"] = _t(w[f"{p}/linear2/MatMul"][0].T)
        sd[f"{e}.linear2.bias"] = _t(w[f"{p}/linear2/Add"][0])
        for norm in ("norm1", "norm2"):
            sd[f"{e}.{norm}.weight"], sd[f"{e}.{norm}.bias"] = map(_t, w[f"{p}/{norm}/LayerNormalization"])
    sd["norm.weight"], sd["norm.bias"] = map(_t, w["/norm/LayerNormalization"])
    for k in (0, 2):
        sd[f"pool.score.{k}.weight"] = _t(w[f"/pool/score/score.{k}/MatMul"][0].T)
        sd[f"pool.score.{k}.bias"] = _t(w[f"/pool/score/score.{k}/Add"][0])
    sd["mos_head.weight"], sd["mos_head.bias"] = map(_t, w["/mos_head/Gemm"])
    sd["dims_head.weight"], sd["dims_head.bias"] = map(_t, w["/dims_head/Gemm"])
    model.load_state_dict(sd)
    _unfold_batchnorm(model, conv_idx, torch.from_numpy(np.array(feats, dtype=np.float32)))
    err = parity_error(model, path, feats[:16])
    if err > 1e-3:
        raise RuntimeError(f"{path}: the rebuilt student differs from the graph by {err:.2e} MOS")
    return model


@torch.no_grad()
def _unfold_batchnorm(model: Student, conv_idx: list[int], x: torch.Tensor) -> None:
    """Give each BatchNorm the mean/std its conv's output has on x, and a scale and shift that undo them:
    (Wx - m) / s * s + (m + b) = Wx + b, the folded layer, with running statistics that match the data."""
    h = x
    for i, layer in enumerate(model.convs):
        if i in conv_idx:
            out = layer(h)
            bn = model.convs[i + 1]
            m, v = out.mean(dim=(0, 2, 3)), out.var(dim=(0, 2, 3), unbiased=False)
            s = torch.sqrt(v + bn.eps)
            bn.bias.copy_(m + bn.bias)  # bn.bias still holds the folded bias b
            bn.weight.copy_(s)
            bn.running_mean.copy_(m)
            bn.running_var.copy_(v)
        h = layer(h)


def parity_error(model: Student, path: Path, feats: np.ndarray) -> float:
    x = np.ascontiguousarray(feats).astype(np.float32)
    model.eval()
    with torch.no_grad():
        tm, td = model(torch.from_numpy(x))
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    om, od = session.run(["mos", "dims"], {"frames": x})
    return float(max(np.abs(om - tm.numpy()).max(), np.abs(od - td.numpy()).max()))

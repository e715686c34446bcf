"""A shipped student back into torch, to fine-tune it on a grown corpus (issue 14).

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
from .weight_storage import fp16_weight_casts


def _weights_by_node(path: Path) -> dict[str, list[np.ndarray]]:
    m = onnx.load(str(path))
    inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    for name, half in fp16_weight_casts(m).items():  # weights stored as float16 (weight_storage.py)
        inits[name] = inits[half].astype(np.float32)
    for n in m.graph.node:  # the exporter shares equal tensors (e.g. LayerNorm scales of ones) through Identity
        if n.op_type == "Identity" and n.input[0] in inits:
            inits[n.output[0]] = inits[n.input[0]]
    w = {n.name: [inits[i] for i in n.input if i in inits] for n in m.graph.node}
    if any(n.op_type in ("ConvInteger", "MatMulInteger") for n in m.graph.node):
        w.update(_dequantized(m, inits))
    return w


def quantization_of(path: Path) -> str | None:
    """'int8-dynamic' for a graph onnxruntime's quantize_dynamic made (export.py ships small so), else None."""
    m = onnx.load(str(path))
    return "int8-dynamic" if any(n.op_type in ("ConvInteger", "MatMulInteger") for n in m.graph.node) else None


def _dequantized(m: onnx.ModelProto, inits: dict[str, np.ndarray]) -> dict[str, list[np.ndarray]]:
    """The float weights of an int8-dynamic graph, under the node names of the fp32 graph it was made from.

    quantize_dynamic turns Conv into ConvInteger + Cast + Mul + Add(bias via Reshape), MatMul into MatMulInteger
    (node X -> X_quant) and Gemm into MatMulInteger on the transposed weight (X -> X_MatMul_quant) + X_Add.
    Each weight comes back as (q - zero_point) * scale: within half a quantisation step of the original, a
    start for fine-tuning (the rebuilt student matches the int8 graph, not the lost fp32 one)."""
    produced_by = {o: n for n in m.graph.node for o in n.output}
    out: dict[str, list[np.ndarray]] = {}
    for n in m.graph.node:
        if n.op_type not in ("ConvInteger", "MatMulInteger"):
            continue
        q_name, zp_name = n.input[1], n.input[3]
        scale_name = q_name[: -len("_quantized")] + "_scale"
        w = (inits[q_name].astype(np.float32) - inits[zp_name].astype(np.float32)) * inits[scale_name].astype(np.float32)
        if n.op_type == "ConvInteger":  # X_quant -> ... -> X_output_0_bias_add(scaled, Reshape(bias))
            base = n.name[: -len("_quant")]
            add = next(a for a in m.graph.node if a.name == f"{base}_output_0_bias_add")
            reshape = produced_by[add.input[1]]
            out[base] = [w, inits[reshape.input[0]]]
        elif n.name.endswith("_MatMul_quant"):  # a Gemm (transB): weight stored as [in, out]
            base = n.name[: -len("_MatMul_quant")]
            add = next(a for a in m.graph.node if a.name == f"{base}_Add")
            out[base] = [w.T, next(inits[i] for i in add.input if i in inits)]
        else:
            out[n.name[: -len("_quant")]] = [w]
    for n in m.graph.node:  # a Gemm left in float still became MatMul + Add
        if n.op_type == "MatMul" and n.name.endswith("_MatMul") and n.input[1] in inits:
            base = n.name[: -len("_MatMul")]
            add = next((a for a in m.graph.node if a.name == f"{base}_Add"), None)
            if add is not None:
                out[base] = [inits[n.input[1]].T, next(inits[i] for i in add.input if i in inits)]
    return out


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
    # A float graph is reproduced exactly; an int8 one only to within its own activation quantisation, which
    # the float rebuild does not do (small 1.3: 0.08 MOS at most on 16 training clips).
    tolerance = 0.1 if quantization_of(path) else 1e-3
    err = parity_error(model, path, feats[:16])
    if err > tolerance:
        raise RuntimeError(f"{path}: the rebuilt student differs from the graph by {err:.2e} MOS")
    print(f"rebuilt {path} (parity {err:.2e} MOS{', int8 weights dequantised' if tolerance > 1e-3 else ''})", flush=True)
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

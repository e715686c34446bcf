"""weight_storage.py: weights stored as float16, arithmetic in float32 (base ships so: half of ~15 MB)."""
from __future__ import annotations

import shutil

import numpy as np
import onnx
import onnxruntime as ort

from callmos_factory.export import export_onnx
from callmos_factory.from_onnx import parity_error, student_from_onnx
from callmos_factory.student import LADDER
from callmos_factory.weight_storage import fp16_weight_casts, store_weights_fp16
from students import trained_like_student


def _run(path, x):
    s = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return s.run(["mos", "dims"], {"frames": x})


def test_fp16_stored_weights_halve_the_file_and_compute_as_the_rounded_float_model(tmp_path):
    cfg = LADDER["micro"]
    model = trained_like_student("micro", seed=0)
    f32, f16 = tmp_path / "f32.onnx", tmp_path / "f16.onnx"
    export_onnx(model, f32)
    shutil.copyfile(f32, f16)
    info = store_weights_fp16(f16)
    assert info["fp16Tensors"] > 0 and info["bytes"] < 0.6 * info["fp32Bytes"]

    g = onnx.load(str(f16))
    casts = fp16_weight_casts(g)
    assert len(casts) == info["fp16Tensors"]
    halves = {i.name: i for i in g.graph.initializer if i.name in casts.values()}
    assert all(h.data_type == onnx.TensorProto.FLOAT16 for h in halves.values())
    # every operator still computes in float32: only Cast nodes read the float16 tensors
    readers = {i for n in g.graph.node if n.op_type != "Cast" for i in n.input}
    assert not readers & set(halves)

    x = (np.abs(np.random.default_rng(1).standard_normal((4, 2, 161, 400))) ** 0.3).astype(np.float32)
    (m32, d32), (m16, d16) = _run(f32, x), _run(f16, x)
    assert np.abs(m32 - m16).max() < 1e-2 and np.abs(d32 - d16).max() < 1e-2
    assert np.abs(m32 - m16).max() > 0  # the weights really were rounded

    # storing again finds no large float32 weight left: nothing changes
    again = store_weights_fp16(f16)
    assert again["fp16Tensors"] == 0 and len(fp16_weight_casts(onnx.load(str(f16)))) == info["fp16Tensors"]

    # from_onnx.py reads the float16 weights back (streaming.py rebuilds the pair from them): same outputs
    rebuilt = student_from_onnx(f16, cfg, x)
    assert parity_error(rebuilt, f16, x) < 1e-4

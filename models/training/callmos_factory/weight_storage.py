"""fp16-stored weights, fp32 arithmetic: half the bytes of a large student at no measurable accuracy cost.

Dynamic int8 is not an option for the students (export.FP32_RULE: ~6x slower per window on CPU, and its
activation scales differ between a hop run and a window run, so it cannot stream exactly). Storing the weights
as float16 keeps every operator in float32: each large float initializer becomes a float16 initializer and a
Cast back to float32 at the top of the graph, which onnxruntime's constant folding (graph optimisation level
'all', as core's loaders open sessions) turns back into a float32 initializer when the session opens. The
graph computes exactly as the float32 one whose weights were rounded to float16 (relative error <= 2^-11 per
weight in float16's normal range, more for the rare weights under 6e-5); export.py measures what that costs in validation r and MOS before it ships such a file.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

FP16_SUFFIX = "_fp16"
# below this many elements a tensor (a bias, a LayerNorm scale) saves too little to be worth a Cast node
MIN_ELEMENTS = 1024


def store_weights_fp16(path: Path, min_elements: int = MIN_ELEMENTS) -> dict:
    """Rewrites the .onnx at `path` in place with its float32 initializers of >= min_elements stored as
    float16; returns what it did (tensors and bytes before and after)."""
    before = path.stat().st_size
    m = onnx.load(str(path))
    g = m.graph
    taken = {name for node in g.node for name in (node.name, *node.output)} | {i.name for i in g.initializer}
    casts, kept, converted = [], [], 0
    for init in g.initializer:
        if init.name + FP16_SUFFIX in taken or init.name + FP16_SUFFIX + "_cast" in taken:
            raise ValueError(f"{path}: {init.name}{FP16_SUFFIX} is taken (weights stored as float16 already?)")
        arr = numpy_helper.to_array(init) if init.data_type == TensorProto.FLOAT else None
        half = None if arr is None or arr.size < min_elements else arr.astype(np.float16)
        if half is None or not np.all(np.isfinite(half)):  # too small, not float, or out of float16's range
            kept.append(init)
            continue
        kept.append(numpy_helper.from_array(half, init.name + FP16_SUFFIX))
        casts.append(helper.make_node("Cast", [init.name + FP16_SUFFIX], [init.name], to=TensorProto.FLOAT,
                                      name=init.name + FP16_SUFFIX + "_cast"))
        converted += 1
    del g.initializer[:]
    g.initializer.extend(kept)
    nodes = list(g.node)
    del g.node[:]
    g.node.extend(casts + nodes)  # the casts first: the graph stays topologically sorted
    onnx.checker.check_model(m)
    onnx.save(m, str(path))
    return {"fp16Tensors": converted, "fp32Bytes": before, "bytes": path.stat().st_size}


def fp16_weight_casts(m: onnx.ModelProto) -> dict[str, str]:
    """{float32 name: float16 initializer} for the casts store_weights_fp16 added (from_onnx.py reads them back)."""
    names = {i.name for i in m.graph.initializer}
    def to_float(n: onnx.NodeProto) -> bool:
        return any(a.name == "to" and a.i == TensorProto.FLOAT for a in n.attribute)

    return {n.output[0]: n.input[0] for n in m.graph.node
            if n.op_type == "Cast" and n.input[0] in names and n.input[0].endswith(FP16_SUFFIX) and to_float(n)}

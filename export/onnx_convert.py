"""Keras -> ONNX conversion with stable tensor names, and numerical parity checks."""

from __future__ import annotations

import os
import re

# The pure-Python protobuf backend lifts the C++ backend's message size limits that big
# exports hit; it must be chosen before TensorFlow or onnx import protobuf.
os.environ.setdefault("PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION", "python")

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_OPSET = 17
BATCH_DIM = "batch"


def keras_to_onnx(
    model: Any,
    out_path: Path,
    *,
    input_name: str,
    input_shape: tuple[int, ...],
    output_names: list[str],
    opset: int = DEFAULT_OPSET,
) -> None:
    """Convert a Keras model with one input and dict outputs; batch is the dynamic first axis."""
    import onnx
    import tensorflow as tf
    import tf2onnx

    spec = tf.TensorSpec((None, *input_shape), tf.float32, name=input_name)

    @tf.function(input_signature=[spec])  # type: ignore[untyped-decorator]
    def serve(x: Any) -> dict[str, Any]:
        outputs = model(x, training=False)
        return {name: tf.identity(outputs[name], name=name) for name in output_names}

    proto, _ = tf2onnx.convert.from_function(serve, input_signature=[spec], opset=opset)
    _rename_io(proto, input_name, output_names, serve)
    _canonicalise_names(proto.graph)
    # tf2onnx records the traced function's numbered name here; keep the file reproducible.
    proto.graph.name = model.name
    proto.graph.doc_string = f"Keras model {model.name}, converted by tf2onnx"
    onnx.checker.check_model(proto)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save_model(proto, str(out_path))


def _rename_io(proto: Any, input_name: str, output_names: list[str], serve: Any) -> None:
    """Make graph input/output names exactly the requested ones, and name the batch axis."""
    graph = proto.graph
    inputs = [i for i in graph.input if i.name not in {t.name for t in graph.initializer}]
    if len(inputs) != 1:
        raise ValueError(f"expected one graph input, got {[i.name for i in inputs]}")
    renames = {inputs[0].name: input_name}
    current = [o.name for o in graph.output]
    if sorted(current) != sorted(output_names):
        # tf2onnx names outputs after the structured dict keys; if that ever changes, fall
        # back on the concrete function's flattened output order (sorted dict keys).
        flat_order = sorted(output_names)
        if len(current) != len(flat_order):
            raise ValueError(f"graph outputs {current} do not match {output_names}")
        renames.update(dict(zip(current, flat_order, strict=True)))
    for old, new in renames.items():
        if old == new:
            continue
        for node in graph.node:
            node.input[:] = [new if n == old else n for n in node.input]
            node.output[:] = [new if n == old else n for n in node.output]
        for value in [*graph.input, *graph.output]:
            if value.name == old:
                value.name = new
    for value in [*graph.input, *graph.output]:
        dim = value.type.tensor_type.shape.dim[0]
        dim.ClearField("dim_value")
        dim.dim_param = BATCH_DIM


def _canonicalise_names(graph: Any) -> None:
    """Rename internal tensors and nodes deterministically, so re-exports are byte-identical.

    tf2onnx appends a process-global counter (``__612``) to the names it makes, and Keras
    numbers each call of a model; both vary, which would change the sha256 on every rebuild.
    """
    keep = {v.name for v in [*graph.input, *graph.output]}
    used: set[str] = set(keep)

    def fresh(old: str, taken: set[str]) -> str:
        base = re.sub(r":\d+$", "", re.sub(r"__\d+", "", old))
        # Keras call-count suffixes ("model_1/", "model_2/" on a second trace) vary too.
        base = re.sub(r"_\d+(?=/|$)", "", base)
        name, k = base, 1
        while name in taken:
            name, k = f"{base}_{k}", k + 1
        taken.add(name)
        return name

    # Node outputs keep their TF-derived names minus the counter. Constants are named after
    # their first consumer instead: tf2onnx shares equal constants (ReLU6's 0 and 6) under
    # whichever name it met first, and that choice varies between runs too.
    mapping: dict[str, str] = {}
    for node in graph.node:
        for name in node.output:
            if name and name not in keep:
                mapping[name] = fresh(name, used)
    constants = {t.name for t in graph.initializer}
    for node in graph.node:
        owner = mapping.get(node.output[0], node.output[0]) if node.output else node.op_type
        for slot, name in enumerate(node.input):
            if name in constants and name not in mapping:
                mapping[name] = fresh(f"{owner}/input{slot}", used)
    node_names: set[str] = set()
    for node in graph.node:
        node.input[:] = [mapping.get(n, n) for n in node.input]
        node.output[:] = [mapping.get(n, n) for n in node.output]
        node.name = fresh(node.output[0] if node.output else node.op_type, node_names)
    for value in [*graph.initializer, *graph.value_info]:
        value.name = mapping.get(value.name, value.name)
    initializers = sorted(graph.initializer, key=lambda t: t.name)
    graph.ClearField("initializer")
    graph.initializer.extend(initializers)
    value_info = sorted(graph.value_info, key=lambda v: v.name)
    graph.ClearField("value_info")
    graph.value_info.extend(value_info)


def run_onnx(
    path: Path, feeds: Mapping[str, np.ndarray], threads: int = 2
) -> dict[str, np.ndarray]:
    """Run an ONNX model on CPU and return its outputs by name."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(names, dict(feeds)), strict=True))


def max_abs_diff(
    expected: Mapping[str, np.ndarray], actual: Mapping[str, np.ndarray]
) -> dict[str, float]:
    """Largest absolute elementwise difference per output name."""
    return {
        name: float(np.max(np.abs(np.asarray(expected[name]) - np.asarray(actual[name]))))
        for name in expected
    }

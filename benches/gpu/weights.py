#!/usr/bin/env python3
"""VGG-16's ONNX weights in half the bytes, for the GPU machine's 64 MiB carry.

  pack ONNX NPZ     the model's float32 initializers rounded to float16, its others as
                    they are, and the model without them (its graph), in one compressed
                    NumPy archive;
  unpack NPZ ONNX   the model again, its initializers float32 (the float16 values widened).

The unpacked model is the packed one's graph with weights rounded to float16 (relative error
at most 2^-11; subnormals flushed where float16 has none): good for timing and for comparing
nst's f32 and f16 runs with each other, not for byte-identical results against the original
weights, whose SHA-256 it no longer has. Needs `onnx` and `numpy`.
"""

import sys

import numpy as np
import onnx
from onnx import numpy_helper


def pack(onnx_path, npz_path):
    model = onnx.load(onnx_path)
    arrays, names = {}, []
    for i, init in enumerate(model.graph.initializer):
        a = numpy_helper.to_array(init)
        if a.dtype == np.float16:
            sys.exit(f"{onnx_path}: initializer {init.name} is already float16")
        if a.dtype == np.float32:
            if np.abs(a).max(initial=0) >= 65504:
                sys.exit(f"{onnx_path}: initializer {init.name} exceeds float16's range")
            a = a.astype(np.float16)
        arrays[f"w{i}"] = a
        names.append(init.name)
    del model.graph.initializer[:]
    graph = np.frombuffer(model.SerializeToString(), dtype=np.uint8)
    np.savez_compressed(npz_path, graph=graph, names=np.array(names), **arrays)


def unpack(npz_path, onnx_path):
    with np.load(npz_path) as z:
        model = onnx.load_from_string(z["graph"].tobytes())
        for i, name in enumerate(z["names"]):
            a = z[f"w{i}"]
            a = a.astype(np.float32) if a.dtype == np.float16 else a
            model.graph.initializer.append(numpy_helper.from_array(a, str(name)))
    onnx.save(model, onnx_path)


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("pack", "unpack"):
        sys.exit(__doc__)
    (pack if sys.argv[1] == "pack" else unpack)(sys.argv[2], sys.argv[3])

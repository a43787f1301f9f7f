#!/usr/bin/env python3
"""Write a random-weight VGG-16 ONNX file laid out like a torchvision export.

    python3 reference/make_torchvision_like.py [--out /tmp/vgg16_torchvision_like.onnx]
        [--fixed-size] [--no-check]

Layout (what `torch.onnx.export(torchvision.models.vgg16(), x, ..., opset_version=17,
input_names=["input"], output_names=["output"], dynamic_axes=...)` produces,
with a smaller classifier head):

  input  "input"  float32 NCHW [batch_size, 3, height, width]  (symbolic; --fixed-size:
                  [1, 3, 224, 224])
  /features/features.{0,2,5,7,10,12,14,17,19,21,24,26,28}/Conv  3x3, pads 1, + bias
  /features/features.{i+1}/Relu                                   after every Conv
  /features/features.{4,9,16,23,30}/MaxPool                       2x2 stride 2
  /avgpool/GlobalAveragePool   (torchvision's AdaptiveAvgPool2d((7, 7)) has no ONNX
                                op for symbolic sizes; a global pool keeps any size valid)
  /Flatten                     axis 1
  /classifier/classifier.0/Gemm   512 -> 10, transB 1
  output "output" float32 [batch_size, 10]

Initializers are ordinary graph initializers named like the PyTorch state dict
(`features.0.weight`, `features.0.bias`, ..., `classifier.0.weight`), float32,
stored inline (~58 MB, no external data). Opset 17, IR version 8.

Weights are random but sensible for the torch preprocessing (RGB, x/255, minus
mean [0.485, 0.456, 0.406], divided by std [0.229, 0.224, 0.225]): He-normal
conv weights, N(0, sqrt(2 / (9 * Cin))), so post-ReLU activations stay O(1)
through the 13 layers, plus small random biases N(0, 0.05) so the bias import
is exercised. Seeded (numpy default_rng(SEED)), so reruns are byte-identical.

Unless --no-check, the written file is then checked with onnxruntime (CPU,
1 thread): the 13 ReLU outputs and the head output vs the float64 NumPy
reference (nst_reference.py, --flavour torch) on the three score fixtures and
a 224x224 synthetic image; the relative errors are printed.

The file is a test artefact: write it outside the repository (default /tmp).
"""

import os

# Single-threaded BLAS (reproducible, polite to other jobs); before numpy.
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse
import hashlib
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nst_reference as ref  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = 20261129
DEFAULT_OUT = "/tmp/vgg16_torchvision_like.onnx"
NUM_CLASSES = 10
BIAS_STD = 0.05

# torchvision vgg16 `features`: "M" = MaxPool2d(2, 2); every conv is followed by ReLU.
CFG_D = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
         512, 512, 512, "M"]


def build_model(fixed_size: bool = False, seed: int = SEED) -> onnx.ModelProto:
    rng = np.random.default_rng(seed)
    inits, nodes = [], []

    if fixed_size:
        in_shape, out_shape = [1, 3, 224, 224], [1, NUM_CLASSES]
    else:
        in_shape, out_shape = ["batch_size", 3, "height", "width"], ["batch_size", NUM_CLASSES]

    x = "input"
    idx = 0  # index inside torchvision's `features` Sequential
    cin = 3
    for v in CFG_D:
        if v == "M":
            name = f"/features/features.{idx}/MaxPool"
            nodes.append(helper.make_node(
                "MaxPool", [x], [f"{name}_output_0"], name=name,
                ceil_mode=0, dilations=[1, 1], kernel_shape=[2, 2], pads=[0, 0, 0, 0],
                strides=[2, 2]))
            x = f"{name}_output_0"
            idx += 1
            continue
        cout = v
        w = rng.normal(0.0, np.sqrt(2.0 / (9 * cin)), size=(cout, cin, 3, 3)).astype(np.float32)
        b = rng.normal(0.0, BIAS_STD, size=(cout,)).astype(np.float32)
        wn, bn = f"features.{idx}.weight", f"features.{idx}.bias"
        inits += [numpy_helper.from_array(w, wn), numpy_helper.from_array(b, bn)]
        name = f"/features/features.{idx}/Conv"
        nodes.append(helper.make_node(
            "Conv", [x, wn, bn], [f"{name}_output_0"], name=name,
            dilations=[1, 1], group=1, kernel_shape=[3, 3], pads=[1, 1, 1, 1],
            strides=[1, 1]))
        x = f"{name}_output_0"
        name = f"/features/features.{idx + 1}/Relu"
        nodes.append(helper.make_node("Relu", [x], [f"{name}_output_0"], name=name))
        x = f"{name}_output_0"
        idx += 2
        cin = cout

    name = "/avgpool/GlobalAveragePool"
    nodes.append(helper.make_node("GlobalAveragePool", [x], [f"{name}_output_0"], name=name))
    x = f"{name}_output_0"
    name = "/Flatten"
    nodes.append(helper.make_node("Flatten", [x], [f"{name}_output_0"], name=name, axis=1))
    x = f"{name}_output_0"

    # torch.nn.Linear init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias.
    bound = 1.0 / np.sqrt(cin)
    fc_w = rng.uniform(-bound, bound, size=(NUM_CLASSES, cin)).astype(np.float32)
    fc_b = rng.uniform(-bound, bound, size=(NUM_CLASSES,)).astype(np.float32)
    inits += [numpy_helper.from_array(fc_w, "classifier.0.weight"),
              numpy_helper.from_array(fc_b, "classifier.0.bias")]
    name = "/classifier/classifier.0/Gemm"
    nodes.append(helper.make_node(
        "Gemm", [x, "classifier.0.weight", "classifier.0.bias"], ["output"], name=name,
        alpha=1.0, beta=1.0, transB=1))

    graph = helper.make_graph(
        nodes, "main_graph",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, in_shape)],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, out_shape)],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8  # what torch.onnx.export writes for opset 17
    model.producer_name = "nst reference/make_torchvision_like.py"
    model.producer_version = "1"
    onnx.checker.check_model(model)
    return model


def head_reference(feat_conv5_3: np.ndarray, fc_w: np.ndarray, fc_b: np.ndarray) -> np.ndarray:
    """float64 head: pool5 (2x2 max) -> global mean -> Linear. HWC in, [1, classes] out."""
    p = ref.maxpool2x2(feat_conv5_3)
    g = p.reshape(-1, p.shape[2]).mean(axis=0)
    return (fc_w.astype(np.float64) @ g + fc_b.astype(np.float64))[None]


def synthetic_224() -> np.ndarray:
    """Deterministic smooth-ish 224x224 RGB image (gradients + blurred noise)."""
    return ref.smooth_image(224, 224, seed=SEED + 1, radius=2)


def check_with_onnxruntime(path: str) -> float:
    """Reference (float64, torch flavour) vs onnxruntime on the written file.

    Returns the worst relative error (max over layers/images of both measures).
    """
    import onnxruntime as ort

    model = onnx.load(path)
    g = model.graph
    relus = [n.output[0] for n in g.node if n.op_type == "Relu"]
    assert len(relus) == 13
    g.output.extend(helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in relus)
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
    in_shape = [d.dim_value or d.dim_param for d in g.input[0].type.tensor_type.shape.dim]

    weights = ref.load_vgg_weights(path)
    inits = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    fc_w, fc_b = inits["classifier.0.weight"], inits["classifier.0.bias"]

    images = [("synthetic 224x224", synthetic_224())]
    if not all(isinstance(d, int) for d in in_shape):  # symbolic: any size
        fx = os.path.join(ROOT, "tests", "fixtures")
        images += [(f"score_{n}.png", ref.load_image(os.path.join(fx, f"score_{n}.png")))
                   for n in ("content", "style", "image")]
    print(f"onnxruntime {ort.__version__} vs float64 reference (--flavour torch), "
          f"input shape {in_shape}")
    print("  rel_mean = mean|ref-ort|/mean|ref|, rel_max = max|ref-ort|/max|ref|")
    worst = 0.0
    for title, rgb in images:
        x = ref.preprocess(rgb, "torch").transpose(2, 0, 1)[None].astype(np.float32)
        outs = sess.run(["output"] + relus, {"input": x})
        feats = ref.vgg_features(rgb, weights, range(13), "torch")
        rows = [(name, ref.to_nchw(feats[i]), outs[1 + i])
                for i, name in enumerate(ref.LAYER_NAMES)]
        rows.append(("output", head_reference(feats[12], fc_w, fc_b), outs[0]))
        print(f"  {title} ({rgb.shape[1]}x{rgb.shape[0]}):")
        for name, r, o in rows:
            assert r.shape == o.shape, (name, r.shape, o.shape)
            assert np.abs(r).max() > 0, f"{name} is all zero"
            d = np.abs(r - o.astype(np.float64))
            rel_mean = d.mean() / np.abs(r).mean()
            rel_max = d.max() / np.abs(r).max()
            worst = max(worst, rel_mean, rel_max)
            print(f"    {name:8s} shape {list(r.shape)!s:18s} mean|ref| {np.abs(r).mean():9.4g}  "
                  f"rel_mean {rel_mean:.2e}  rel_max {rel_max:.2e}")
    print(f"worst relative error: {worst:.2e}")
    return worst


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=DEFAULT_OUT, help=f"output path (default {DEFAULT_OUT})")
    p.add_argument("--fixed-size", action="store_true",
                   help="fixed input [1, 3, 224, 224] instead of symbolic batch/height/width")
    p.add_argument("--no-check", action="store_true", help="skip the onnxruntime check")
    args = p.parse_args()

    model = build_model(args.fixed_size)
    onnx.save(model, args.out)
    h = hashlib.sha256()
    with open(args.out, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    print(f"wrote {args.out}: {os.path.getsize(args.out)} bytes, sha256 {h.hexdigest()}")
    if not args.no_check:
        worst = check_with_onnxruntime(args.out)
        if not worst < 1e-5:
            print("error: onnxruntime disagrees with the reference", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

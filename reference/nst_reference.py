#!/usr/bin/env python3
"""Independent float64 NumPy reference for the `nst` VGG-16 features and losses.

Everything here is computed in float64 with plain NumPy; the ONNX file is only
read (with the `onnx` package) to obtain the 13 conv weights and biases. No
onnxruntime / torch is used, so this is an independent check of both the Rust
implementation and onnxruntime (see make_fixtures.py for the cross-check).

Conventions (matching the Keras/Caffe ImageNet VGG-16 the ONNX file holds):
  * input: RGB image, HxWx3, values 0..255 (float64);
  * preprocessing, by weight flavour:
      caffe (default): RGB -> BGR, minus the BGR mean [103.939, 116.779, 123.68];
      torch (torchvision): RGB, x / 255, minus the mean [0.485, 0.456, 0.406],
        divided by the std [0.229, 0.224, 0.225] (per channel, RGB order);
  * 13 x (conv 3x3, stride 1, pad 1, + bias, ReLU), max pool 2x2 stride 2
    (odd sizes floored) after conv1_2, conv2_2, conv3_3, conv4_3 (and conv5_3);
  * a layer's activation is the output AFTER its ReLU;
  * internally activations are HWC; `to_nchw` converts to [1, C, H, W].

Losses (x = the image being scored, F(.) = activation of a layer):
  content = mean over content layers of mean((F(x) - F(content))^2)
  gram(F) = F^T F with F reshaped to [H*W, C]  (C x C; optionally / (H*W*C))
  style   = mean over style layers of mean((gram(F(x)) - gram(F(style)))^2)
  denoise = sum |x[i+1,j]-x[i,j]| + sum |x[i,j+1]-x[i,j]|  (0..255 RGB, all channels)

CLI:
  nst_reference.py score --weights W --content C --style S [--flavour caffe|torch] \
      [--content-layers conv3_1] [--style-layers a,b,...] [--gram-normalize] IMAGE
  nst_reference.py activations --weights W [--flavour caffe|torch] [--layers ...] \
      [--out-dir D] IMAGE
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

LAYER_NAMES = [
    "conv1_1", "conv1_2",
    "conv2_1", "conv2_2",
    "conv3_1", "conv3_2", "conv3_3",
    "conv4_1", "conv4_2", "conv4_3",
    "conv5_1", "conv5_2", "conv5_3",
]
# Conv indices followed by a 2x2/2 max pool.
POOL_AFTER = frozenset({1, 3, 6, 9, 12})
# Caffe ImageNet mean, BGR order.
BGR_MEAN = np.array([103.939, 116.779, 123.68], dtype=np.float64)
# torchvision ImageNet normalisation, RGB order, for inputs scaled to 0..1.
TORCH_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float64)
TORCH_STD = np.array([0.229, 0.224, 0.225], dtype=np.float64)
# Weight flavours (how the weights expect their input); the first is the default.
FLAVOURS = ("caffe", "torch")

DEFAULT_CONTENT_LAYERS = ["conv3_1"]
DEFAULT_STYLE_LAYERS = list(LAYER_NAMES)

# Bytes of float64 im2col patches built at once (rows are chunked to fit).
_IM2COL_BUDGET = 64 << 20


# --------------------------------------------------------------------------
# Weights
# --------------------------------------------------------------------------

def load_vgg_weights(path: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """Read the 13 Conv nodes (graph order) of the ONNX file.

    Returns a list of (w, b) in float64 with w of shape [3*3*Cin, Cout]
    (rows ordered ky, kx, cin to match `_im2col`) and b of shape [Cout].
    Also checks the graph has the expected VGG-16 structure.
    """
    import onnx
    from onnx import numpy_helper

    model = onnx.load(path)
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}

    convs = []
    pool_after = set()
    for node in graph.node:
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        if node.op_type == "Conv":
            assert attrs.get("kernel_shape") == [3, 3], attrs
            assert attrs.get("pads", [0] * 4) == [1, 1, 1, 1], attrs
            assert attrs.get("strides", [1, 1]) == [1, 1], attrs
            assert attrs.get("dilations", [1, 1]) == [1, 1], attrs
            assert attrs.get("group", 1) == 1, attrs
            assert len(node.input) == 3, "conv without bias"
            w = numpy_helper.to_array(inits[node.input[1]]).astype(np.float64)
            b = numpy_helper.to_array(inits[node.input[2]]).astype(np.float64)
            convs.append((w, b))
        elif node.op_type == "MaxPool" and convs:
            assert attrs.get("kernel_shape") == [2, 2], attrs
            assert attrs.get("strides") == [2, 2], attrs
            assert attrs.get("pads", [0] * 4) == [0, 0, 0, 0], attrs
            assert attrs.get("ceil_mode", 0) == 0, attrs
            pool_after.add(len(convs) - 1)

    if len(convs) != len(LAYER_NAMES):
        raise ValueError(f"expected 13 Conv nodes, found {len(convs)}")
    if pool_after != POOL_AFTER:
        raise ValueError(f"unexpected MaxPool positions {sorted(pool_after)}")

    weights = []
    cin = 3
    for w, b in convs:
        cout = w.shape[0]
        assert w.shape == (cout, cin, 3, 3), w.shape
        # OIHW -> (kh, kw, I, O) -> [9*I, O]
        weights.append((np.ascontiguousarray(w.transpose(2, 3, 1, 0)).reshape(9 * cin, cout), b))
        cin = cout
    return weights


# --------------------------------------------------------------------------
# Forward pass (HWC, float64)
# --------------------------------------------------------------------------

def preprocess(rgb: np.ndarray, flavour: str = "caffe") -> np.ndarray:
    """RGB 0..255 HxWx3 -> what the weights expect, float64 HxWx3.

    caffe: BGR, minus the BGR mean.  torch: RGB, (x / 255 - mean) / std.
    """
    rgb = np.asarray(rgb, dtype=np.float64)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected HxWx3 image, got {rgb.shape}")
    if flavour == "caffe":
        return rgb[:, :, ::-1] - BGR_MEAN
    if flavour == "torch":
        return (rgb / 255.0 - TORCH_MEAN) / TORCH_STD
    raise ValueError(f"unknown weight flavour {flavour!r}; use {' or '.join(FLAVOURS)}")


def conv3x3_relu(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """3x3 conv, stride 1, zero pad 1, + bias, ReLU. x: [H, W, Cin] -> [H, W, Cout].

    im2col + matmul, chunked over output rows to bound memory.
    """
    h, wd, cin = x.shape
    cout = w.shape[1]
    xp = np.pad(x, ((1, 1), (1, 1), (0, 0)))
    out = np.empty((h, wd, cout), dtype=np.float64)
    rows = max(1, min(h, _IM2COL_BUDGET // (wd * 9 * cin * 8)))
    for r0 in range(0, h, rows):
        r1 = min(h, r0 + rows)
        # patches[r, c, ky, kx, ci] = xp[r + ky, c + kx, ci]
        patches = np.empty((r1 - r0, wd, 3, 3, cin), dtype=np.float64)
        for ky in range(3):
            for kx in range(3):
                patches[:, :, ky, kx, :] = xp[r0 + ky:r1 + ky, kx:kx + wd, :]
        y = patches.reshape(-1, 9 * cin) @ w
        y += b
        np.maximum(y, 0.0, out=y)
        out[r0:r1] = y.reshape(r1 - r0, wd, cout)
    return out


def maxpool2x2(x: np.ndarray) -> np.ndarray:
    """2x2 max pool, stride 2, odd trailing row/column dropped. [H, W, C]."""
    h, w, c = x.shape
    h2, w2 = h // 2, w // 2
    return x[:2 * h2, :2 * w2].reshape(h2, 2, w2, 2, c).max(axis=(1, 3))


def vgg_features(rgb: np.ndarray, weights, layers, flavour: str = "caffe") -> dict[int, np.ndarray]:
    """Activations (HWC float64, after ReLU) of the requested layer indices.

    `flavour` selects the preprocessing (see `preprocess`). Runs the network
    only up to the deepest requested layer.
    """
    wanted = set(layers)
    x = preprocess(rgb, flavour)
    feats = {}
    for i in range(max(wanted) + 1):
        w, b = weights[i]
        x = conv3x3_relu(x, w, b)
        if i in wanted:
            feats[i] = x
        if i in POOL_AFTER and i < max(wanted):
            x = maxpool2x2(x)
    return feats


def to_nchw(f: np.ndarray) -> np.ndarray:
    """[H, W, C] -> [1, C, H, W]."""
    return np.ascontiguousarray(f.transpose(2, 0, 1))[None]


# --------------------------------------------------------------------------
# Losses
# --------------------------------------------------------------------------

def gram(f: np.ndarray, normalize: bool = False) -> np.ndarray:
    """F^T F with F = f reshaped to [H*W, C]; optionally divided by H*W*C."""
    h, w, c = f.shape
    m = f.reshape(h * w, c)
    g = m.T @ m
    if normalize:
        g /= h * w * c
    return g


def content_layer_loss(fx: np.ndarray, fc: np.ndarray) -> float:
    return float(np.mean((fx - fc) ** 2))


def style_layer_loss(fx: np.ndarray, fs: np.ndarray, normalize: bool = False) -> float:
    return float(np.mean((gram(fx, normalize) - gram(fs, normalize)) ** 2))


def mask_at_layer(mask: np.ndarray, layer: int) -> np.ndarray:
    """An HxW mask (0..1) at the resolution of `layer`'s activations: 2x2 average pooling
    (odd sizes floored) at every pool before the layer."""
    m = np.asarray(mask, dtype=np.float64)
    for pool in sorted(POOL_AFTER):
        if pool < layer:
            h, w = m.shape[0] // 2 * 2, m.shape[1] // 2 * 2
            m = m[:h, :w].reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))
    return m


def guided_style_layer_loss(fx: np.ndarray, fs: np.ndarray, mask: np.ndarray,
                            normalize: bool = False) -> float:
    """Gatys et al. 2017's guided Gram loss of one style in one region: the features weighted
    by the mask (at the layer's resolution), their Gram divided by mean(mask^2)."""
    guided = gram(fx * mask[:, :, None], normalize) / np.mean(mask ** 2)
    return float(np.mean((guided - gram(fs, normalize)) ** 2))


def denoise_loss(rgb: np.ndarray) -> float:
    """Anisotropic total variation (L1) of the 0..255 image, all channels."""
    x = np.asarray(rgb, dtype=np.float64)
    return float(np.abs(np.diff(x, axis=0)).sum() + np.abs(np.diff(x, axis=1)).sum())


def score(image, content, style, weights,
          content_layers=DEFAULT_CONTENT_LAYERS, style_layers=DEFAULT_STYLE_LAYERS,
          gram_normalize: bool = False, flavour: str = "caffe", mask=None) -> dict:
    """All losses for `image` (RGB 0..255 arrays). Layers: names or indices.

    `flavour` ("caffe" or "torch") selects the preprocessing the weights expect. With `mask`
    (HxW, 0..1, the image's size), the style acts only in that region (guided Gram matrices).
    """
    image = np.asarray(image, dtype=np.float64)
    content = np.asarray(content, dtype=np.float64)
    style = np.asarray(style, dtype=np.float64)
    if image.shape != content.shape:
        raise ValueError(f"image is {image.shape[1]}x{image.shape[0]} (WxH) but content is "
                         f"{content.shape[1]}x{content.shape[0]}; sizes must match")
    ci = parse_layers(content_layers)
    si = parse_layers(style_layers)

    fx = vgg_features(image, weights, set(ci) | set(si), flavour)
    fc = vgg_features(content, weights, ci, flavour)
    fs = vgg_features(style, weights, si, flavour)

    c_per = {LAYER_NAMES[i]: content_layer_loss(fx[i], fc[i]) for i in ci}
    if mask is None:
        s_per = {LAYER_NAMES[i]: style_layer_loss(fx[i], fs[i], gram_normalize) for i in si}
    else:
        s_per = {LAYER_NAMES[i]: guided_style_layer_loss(fx[i], fs[i], mask_at_layer(mask, i),
                                                         gram_normalize) for i in si}
    return {
        "content_loss": float(np.mean(list(c_per.values()))),
        "style_loss": float(np.mean(list(s_per.values()))),
        "denoise_loss": denoise_loss(image),
        "content_layers": c_per,
        "style_layers": s_per,
    }


# --------------------------------------------------------------------------
# I/O helpers
# --------------------------------------------------------------------------

def parse_layers(spec) -> list[int]:
    """'conv3_1,4' / ['conv3_1', 4] -> [4, 4] deduplicated, order kept."""
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    out = []
    for item in items:
        s = str(item).strip()
        if not s:
            continue
        if s.isdigit():
            idx = int(s)
            if not 0 <= idx < len(LAYER_NAMES):
                raise ValueError(f"layer index out of range: {s}")
        elif s in LAYER_NAMES:
            idx = LAYER_NAMES.index(s)
        else:
            raise ValueError(f"unknown layer {s!r}; use {', '.join(LAYER_NAMES)} or 0-12")
        if idx not in out:
            out.append(idx)
    if not out:
        raise ValueError("empty layer list")
    return out


def load_image(path: str) -> np.ndarray:
    """Pillow -> RGB 8-bit -> float64 HxWx3, native size."""
    from PIL import Image

    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"), dtype=np.float64)


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------

def _cmd_score(args) -> int:
    weights = load_vgg_weights(args.weights)
    image, content, style = (load_image(p) for p in (args.image, args.content, args.style))
    result = score(image, content, style, weights, args.content_layers,
                   args.style_layers, args.gram_normalize, args.flavour)
    print(json.dumps(result, indent=2))
    return 0


def _cmd_activations(args) -> int:
    weights = load_vgg_weights(args.weights)
    idx = parse_layers(args.layers)
    feats = vgg_features(load_image(args.image), weights, idx, args.flavour)
    summary = {}
    for i in idx:
        f = to_nchw(feats[i])
        name = LAYER_NAMES[i]
        summary[name] = {"shape": list(f.shape), "mean": float(f.mean()), "max": float(f.max())}
        if args.out_dir:
            os.makedirs(args.out_dir, exist_ok=True)
            f.astype("<f4").tofile(os.path.join(args.out_dir, f"vgg_{name}.f32"))
    print(json.dumps(summary, indent=2))
    return 0



def smooth_image(h: int, w: int, seed: int, radius: int) -> np.ndarray:
    """Deterministic smooth-ish HxWx3 test image, float64 in 0..255: color gradients plus
    box-blurred (size 2*radius+1) Gaussian noise, rounded."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    grad = np.stack([255 * xx / (w - 1), 255 * yy / (h - 1),
                     255 * (1 - (xx + yy) / (w + h - 2))], axis=-1)
    noise = rng.normal(0.0, 60.0, size=(h, w, 3))
    k = 2 * radius + 1
    padded = np.pad(noise, ((radius, radius), (radius, radius), (0, 0)), mode="edge")
    blurred = sum(padded[dy:dy + h, dx:dx + w] for dy in range(k) for dx in range(k)) / k**2
    return np.clip(np.rint(0.8 * grad + 25 + blurred), 0, 255)

def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("score", help="print losses of IMAGE as JSON")
    s.add_argument("--weights", required=True, help="VGG-16 ONNX file")
    s.add_argument("--content", required=True)
    s.add_argument("--style", required=True)
    s.add_argument("--content-layers", default=",".join(DEFAULT_CONTENT_LAYERS))
    s.add_argument("--style-layers", default=",".join(DEFAULT_STYLE_LAYERS))
    s.add_argument("--gram-normalize", action="store_true", help="divide grams by H*W*C")
    s.add_argument("--flavour", choices=FLAVOURS, default=FLAVOURS[0],
                   help="preprocessing the weights expect (default caffe)")
    s.add_argument("image")
    s.set_defaults(func=_cmd_score)

    a = sub.add_parser("activations", help="print activation stats; optionally write NCHW f32")
    a.add_argument("--weights", required=True)
    a.add_argument("--layers", default="conv1_1,conv3_1,conv5_3")
    a.add_argument("--flavour", choices=FLAVOURS, default=FLAVOURS[0],
                   help="preprocessing the weights expect (default caffe)")
    a.add_argument("--out-dir", help="write vgg_<layer>.f32 (LE float32, [1,C,H,W]) here")
    a.add_argument("image")
    a.set_defaults(func=_cmd_activations)

    args = p.parse_args(argv)
    try:
        return args.func(args)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

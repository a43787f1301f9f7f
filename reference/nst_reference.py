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

Other style losses (/tmp/spec/style_losses.md; F = activation as [N, C], Fs = style's [M, C]):
  w2      = Gaussian Wasserstein-2: |mu - mu_s|^2 / C
            + trace(Sigma + Sigma_s - 2 sqrtm(A Sigma A)) / C, A = sqrtm(Sigma_s),
            Sigma = F^T F / N - mu mu^T + 1e-4 I; mean over style layers
  sliced  = sliced Wasserstein: project on C unit directions (splitmix64 + Box-Muller from
            (seed, draw, layer)), mean squared difference of the sorted projections and the
            style's quantiles at N points; mean over style layers
  histogram (extra term) = the same with identity directions, mean over its layers

CLI:
  nst_reference.py score --weights W --content C --style S [--flavour caffe|torch] \
      [--content-layers conv3_1] [--style-layers a,b,...] [--gram-normalize] \
      [--style-loss gram|w2|sliced] [--seed N] [--draw N] [--histogram-layers a,b] IMAGE
  nst_reference.py selfcheck   (analytic checks of the w2 / sliced / histogram losses)
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
DEFAULT_HISTOGRAM_LAYERS = ["conv1_1", "conv4_1"]
# Style losses (the first is the default) and the name of their term in score reports.
STYLE_LOSSES = ("gram", "w2", "sliced")
STYLE_TERM = {"gram": "style", "w2": "w2", "sliced": "sliced"}
# The W2 covariance regulariser.
W2_EPS = 1e-4

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


# --------------------------------------------------------------------------
# Gaussian Wasserstein-2 (W2) style loss
# --------------------------------------------------------------------------

def _as_rows(f: np.ndarray) -> np.ndarray:
    """An HWC activation (or an already flat [N, C] matrix) as float64 [N, C]."""
    f = np.asarray(f, dtype=np.float64)
    return f.reshape(-1, f.shape[-1])


def w2_stats(f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mu, S) of the features: mu = F.mean(0) (C), S = F^T F / N (C x C, raw second moment)."""
    m = _as_rows(f)
    n = m.shape[0]
    return m.mean(axis=0), (m.T @ m) / n


def w2_blend_stats(stats, blend) -> tuple[np.ndarray, np.ndarray]:
    """Several styles: mu and S blended with the blend weights (normalised to sum 1)."""
    w = np.asarray(blend, dtype=np.float64)
    w = w / w.sum()
    mu = sum(wi * st[0] for wi, st in zip(w, stats))
    s = sum(wi * st[1] for wi, st in zip(w, stats))
    return mu, s


def w2_sigma(mu: np.ndarray, s: np.ndarray, eps: float = W2_EPS) -> np.ndarray:
    """Sigma = S - outer(mu, mu) + eps * I."""
    return s - np.outer(mu, mu) + eps * np.eye(len(mu))


def sqrtm_psd(a: np.ndarray) -> np.ndarray:
    """Exact float64 square root of a symmetric matrix: V diag(sqrt(max(w, 0))) V^T from
    `np.linalg.eigh` (symmetrised first; negative eigenvalues clipped to 0)."""
    a = np.asarray(a, dtype=np.float64)
    w, v = np.linalg.eigh((a + a.T) / 2)
    return (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T


def w2_layer_loss(fx: np.ndarray, fs_stats, eps: float = W2_EPS) -> float:
    """W2 distance between the Gaussians of the image's and the style's features, per channel:

        |mu - mu_s|^2 / C + trace(Sigma + Sigma_s - 2 sqrtm(A Sigma A)) / C,  A = sqrtm(Sigma_s)

    `fx`: the image's activation (HWC or [N, C]); `fs_stats`: the style's (mu_s, S_s) from
    `w2_stats` (or `w2_blend_stats`).
    """
    mu, s = w2_stats(fx)
    mu_s, s_s = fs_stats
    c = len(mu)
    sigma = w2_sigma(mu, s, eps)
    sigma_s = w2_sigma(np.asarray(mu_s, dtype=np.float64), np.asarray(s_s, dtype=np.float64), eps)
    a = sqrtm_psd(sigma_s)
    cross = sqrtm_psd(a @ sigma @ a)
    d = mu - mu_s
    return float(d @ d / c + np.trace(sigma + sigma_s - 2.0 * cross) / c)


# --------------------------------------------------------------------------
# Sliced Wasserstein and histogram style losses
# --------------------------------------------------------------------------

_U64 = 0xFFFFFFFFFFFFFFFF


class SplitMix64:
    """splitmix64 on Python ints masked to u64 (wrapping arithmetic, as in the spec)."""

    def __init__(self, state: int):
        self.state = state & _U64

    def next_u64(self) -> int:
        self.state = (self.state + 0x9E3779B97F4A7C15) & _U64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _U64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _U64
        return z ^ (z >> 31)

    def uniform(self) -> float:
        """(next >> 11) * 2^-53, a float64 in [0, 1)."""
        return (self.next_u64() >> 11) * (1.0 / 9007199254740992.0)


def direction_stream(seed: int, draw: int, layer: int) -> SplitMix64:
    """The generator of (seed, draw, layer): s = seed; s = splitmix64(s ^ draw) (the output);
    s = splitmix64(s ^ layer) (the output); then a splitmix64 stream from state s."""
    for x in (seed, draw, layer):
        if not 0 <= x <= _U64:
            raise ValueError(f"seed, draw and layer must be u64, got {x}")
    s = seed
    s = SplitMix64(s ^ draw).next_u64()
    s = SplitMix64(s ^ layer).next_u64()
    return SplitMix64(s)


def sliced_directions(seed: int, draw: int, layer: int, k: int, c: int) -> np.ndarray:
    """K x C float64 unit directions of (seed, draw, layer), bit-exact to the spec.

    Box-Muller pairs (u1 = 1 - uniform(), u2 = uniform(), r = sqrt(-2 ln u1),
    z0 = r cos(2 pi u2), z1 = r sin(2 pi u2)) fill the matrix row-major with z0, z1, z0, ...
    (the last z1 dropped when K*C is odd); each row is then divided by its L2 norm (squares
    summed sequentially along the row, then sqrt).
    """
    import math

    rng = direction_stream(seed, draw, layer)
    total = k * c
    vals = []
    two_pi = 2.0 * math.pi
    while len(vals) < total:
        u1 = 1.0 - rng.uniform()
        u2 = rng.uniform()
        r = math.sqrt(-2.0 * math.log(u1))
        vals.append(r * math.cos(two_pi * u2))
        vals.append(r * math.sin(two_pi * u2))
    d = np.array(vals[:total], dtype=np.float64).reshape(k, c)
    for row in d:
        acc = 0.0
        for v in row.tolist():
            acc += v * v
        row /= math.sqrt(acc)
    return d


def quantiles_at(b_sorted: np.ndarray, n: int) -> np.ndarray:
    """Quantiles of the sorted columns `b_sorted` ([M, K]) at n points: t_j = (j + 0.5) * M / n
    - 0.5 clamped to [0, M-1], linear interpolation between floor(t_j) and the next row.
    Returns [n, K]; M == n gives b_sorted itself."""
    m = b_sorted.shape[0]
    j = np.arange(n, dtype=np.float64)
    t = np.clip((j + 0.5) * m / n - 0.5, 0.0, m - 1)
    lo = np.floor(t).astype(np.int64)
    hi = np.minimum(lo + 1, m - 1)
    f = (t - lo)[:, None]
    return b_sorted[lo] * (1.0 - f) + b_sorted[hi] * f


def _sorted_match_loss(p: np.ndarray, ps: np.ndarray) -> float:
    """mean over j, k of (sort(p[:, k])_j - q_j)^2, q the quantiles of sort(ps[:, k]) at N points."""
    a = np.sort(p, axis=0)
    q = quantiles_at(np.sort(ps, axis=0), a.shape[0])
    return float(np.mean((a - q) ** 2))


def sliced_layer_loss(fx: np.ndarray, fs: np.ndarray, directions: np.ndarray) -> float:
    """Sliced Wasserstein loss of one layer: P = F D^T, Ps = Fs D^T, then per direction the
    sorted projections against the style's quantiles (see `quantiles_at`)."""
    d = np.asarray(directions, dtype=np.float64)
    return _sorted_match_loss(_as_rows(fx) @ d.T, _as_rows(fs) @ d.T)


def histogram_layer_loss(fx: np.ndarray, fs: np.ndarray) -> float:
    """Histogram loss (Risser et al. 2017) of one layer: mean over i, c of (F[i,c] - R[i,c])^2,
    R[i,c] = the style column's quantile at F[i,c]'s rank. Summed in sorted order, i.e. exactly
    `sliced_layer_loss` with identity directions."""
    return _sorted_match_loss(_as_rows(fx), _as_rows(fs))


def denoise_loss(rgb: np.ndarray) -> float:
    """Anisotropic total variation (L1) of the 0..255 image, all channels."""
    x = np.asarray(rgb, dtype=np.float64)
    return float(np.abs(np.diff(x, axis=0)).sum() + np.abs(np.diff(x, axis=1)).sum())


def score(image, content, style, weights,
          content_layers=DEFAULT_CONTENT_LAYERS, style_layers=DEFAULT_STYLE_LAYERS,
          gram_normalize: bool = False, flavour: str = "caffe", mask=None, *,
          style_loss: str = "gram", seed: int = 0, draw: int = 0,
          histogram_layers=None) -> dict:
    """All losses for `image` (RGB 0..255 arrays). Layers: names or indices.

    `flavour` ("caffe" or "torch") selects the preprocessing the weights expect. With `mask`
    (HxW, 0..1, the image's size), the style acts only in that region (guided Gram matrices;
    Gram only). `style_loss` picks the style term: "gram" (keys "style_loss"/"style_layers"),
    "w2" ("w2_loss"/"w2_layers") or "sliced" ("sliced_loss"/"sliced_layers", directions from
    `seed` and `draw`). `histogram_layers` (None = off) adds the histogram term
    ("histogram_loss"/"histogram_layers", plain mean over its layers).
    """
    if style_loss not in STYLE_LOSSES:
        raise ValueError(f"unknown style loss {style_loss!r}; use {', '.join(STYLE_LOSSES)}")
    if mask is not None and style_loss != "gram":
        raise ValueError("a style mask is only supported with the gram style loss")
    image = np.asarray(image, dtype=np.float64)
    content = np.asarray(content, dtype=np.float64)
    style = np.asarray(style, dtype=np.float64)
    if image.shape != content.shape:
        raise ValueError(f"image is {image.shape[1]}x{image.shape[0]} (WxH) but content is "
                         f"{content.shape[1]}x{content.shape[0]}; sizes must match")
    ci = parse_layers(content_layers)
    si = parse_layers(style_layers)
    hi = [] if histogram_layers is None else parse_layers(histogram_layers)

    fx = vgg_features(image, weights, set(ci) | set(si) | set(hi), flavour)
    fc = vgg_features(content, weights, ci, flavour)
    fs = vgg_features(style, weights, set(si) | set(hi), flavour)

    c_per = {LAYER_NAMES[i]: content_layer_loss(fx[i], fc[i]) for i in ci}
    if style_loss == "w2":
        s_per = {LAYER_NAMES[i]: w2_layer_loss(fx[i], w2_stats(fs[i])) for i in si}
    elif style_loss == "sliced":
        s_per = {}
        for i in si:
            c = fx[i].shape[-1]
            s_per[LAYER_NAMES[i]] = sliced_layer_loss(
                fx[i], fs[i], sliced_directions(seed, draw, i, c, c))
    elif mask is None:
        s_per = {LAYER_NAMES[i]: style_layer_loss(fx[i], fs[i], gram_normalize) for i in si}
    else:
        s_per = {LAYER_NAMES[i]: guided_style_layer_loss(fx[i], fs[i], mask_at_layer(mask, i),
                                                         gram_normalize) for i in si}
    term = STYLE_TERM[style_loss]
    out = {
        "content_loss": float(np.mean(list(c_per.values()))),
        f"{term}_loss": float(np.mean(list(s_per.values()))),
    }
    if hi:
        h_per = {LAYER_NAMES[i]: histogram_layer_loss(fx[i], fs[i]) for i in hi}
        out["histogram_loss"] = float(np.mean(list(h_per.values())))
    out["denoise_loss"] = denoise_loss(image)
    out["content_layers"] = c_per
    out[f"{term}_layers"] = s_per
    if hi:
        out["histogram_layers"] = h_per
    return out


# --------------------------------------------------------------------------
# Self-check of the w2 / sliced / histogram losses (float64, random data)
# --------------------------------------------------------------------------

def selfcheck(seed: int = 20261130, verbose: bool = True) -> dict:
    """Assert the analytic properties of the new style losses on random data; returns the
    measured errors. Raises AssertionError on failure."""
    rng = np.random.default_rng(seed)
    res = {}

    def relu_feats(n, c):
        return np.maximum(rng.normal(0.3, 1.0, size=(n, c)) * rng.uniform(0.5, 3.0, size=c), 0)

    # splitmix64 reference outputs (Vigna's splitmix64.c, seed 1234567; seed 0).
    g = SplitMix64(1234567)
    assert [g.next_u64() for _ in range(5)] == [
        6457827717110365317, 3203168211198807973, 9817491932198370423,
        4593380528125082431, 16408922859458223821]
    assert SplitMix64(0).next_u64() == 0xE220A8397B1DCDAF
    res["splitmix64_known_answers"] = True

    # W2 of identical statistics ~ 0 (relative to the size of the terms).
    worst = 0.0
    for n, c in ((50, 16), (300, 64), (7, 32)):
        f = relu_feats(n, c)
        v = w2_layer_loss(f, w2_stats(f))
        mu, s = w2_stats(f)
        scale = (mu @ mu + np.trace(w2_sigma(mu, s))) / c
        worst = max(worst, abs(v) / scale)
    assert worst < 1e-9, worst
    res["w2_identical_rel"] = worst

    # C = 1: W2 = (mu1 - mu2)^2 + (sigma1 - sigma2)^2, sigma^2 = var + eps.
    worst = 0.0
    for n1, n2 in ((40, 60), (5, 500), (100, 100)):
        f1 = rng.normal(2.0, 1.5, size=(n1, 1))
        f2 = rng.normal(-0.5, 0.7, size=(n2, 1))
        v = w2_layer_loss(f1, w2_stats(f2))
        s1 = np.sqrt(f1.var() + W2_EPS)
        s2 = np.sqrt(f2.var() + W2_EPS)
        want = (f1.mean() - f2.mean()) ** 2 + (s1 - s2) ** 2
        worst = max(worst, abs(v - want) / want)
    assert worst < 1e-12, worst
    res["w2_one_channel_rel"] = worst

    # Directions: unit rows, deterministic, K*C odd handled, Box-Muller ~ N(0, 1) before norm.
    worst = 0.0
    for args in ((0, 0, 0, 64, 64), (7, 3, 12, 512, 512), (1, 2, 3, 5, 7), (_U64, _U64, 4, 3, 3)):
        d = sliced_directions(*args)
        assert d.shape == args[3:], d.shape
        worst = max(worst, float(np.max(np.abs(np.linalg.norm(d, axis=1) - 1.0))))
    assert worst < 1e-12, worst
    assert np.array_equal(sliced_directions(7, 3, 2, 16, 16), sliced_directions(7, 3, 2, 16, 16))
    assert not np.array_equal(sliced_directions(7, 3, 2, 16, 16), sliced_directions(7, 4, 2, 16, 16))
    assert not np.array_equal(sliced_directions(7, 3, 2, 16, 16), sliced_directions(7, 3, 3, 16, 16))
    res["directions_unit_rows_maxdev"] = worst

    # Sliced with identity directions == histogram, exactly.
    for n, m, c in ((48, 56, 8), (30, 30, 16), (12, 100, 4), (100, 12, 4)):
        fx, fs = relu_feats(n, c), relu_feats(m, c)
        assert sliced_layer_loss(fx, fs, np.eye(c)) == histogram_layer_loss(fx, fs)
        # and the histogram loss in its per-pixel form (R[i, c] = q at the rank of F[i, c])
        q = quantiles_at(np.sort(fs, axis=0), n)
        r = np.empty_like(fx)
        for k in range(c):
            r[np.argsort(fx[:, k], kind="stable"), k] = q[:, k]
        per_pixel = float(np.mean((fx - r) ** 2))
        assert abs(per_pixel - histogram_layer_loss(fx, fs)) <= 1e-12 * per_pixel
    res["sliced_identity_equals_histogram"] = True

    # Sliced with M == N: mean squared difference of the sorted projections.
    for n, c in ((64, 8), (17, 32)):
        fx, fs = relu_feats(n, c), relu_feats(n, c)
        d = sliced_directions(3, 1, 5, c, c)
        want = float(np.mean((np.sort(fx @ d.T, axis=0) - np.sort(fs @ d.T, axis=0)) ** 2))
        assert sliced_layer_loss(fx, fs, d) == want
    res["sliced_equal_sizes_exact"] = True

    # Quantiles: M == 1 is constant; interpolation stays within the style's range.
    b = np.sort(rng.normal(size=(9, 3)), axis=0)
    for n in (1, 4, 9, 40):
        q = quantiles_at(b, n)
        tol = 1e-15 * np.abs(b).max()
        assert np.all(q >= b[0] - tol) and np.all(q <= b[-1] + tol)
    assert np.array_equal(quantiles_at(b[:1], 5), np.repeat(b[:1], 5, axis=0))
    res["quantiles_bounds"] = True

    if verbose:
        print(json.dumps(res, indent=2))
    return res


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


def sha256_file(path: str) -> str:
    """The hex SHA-256 of a file's bytes (the fixtures record the ONNX file's)."""
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


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
                   args.style_layers, args.gram_normalize, args.flavour,
                   style_loss=args.style_loss, seed=args.seed, draw=args.draw,
                   histogram_layers=args.histogram_layers)
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
    s.add_argument("--style-loss", choices=STYLE_LOSSES, default=STYLE_LOSSES[0],
                   help="style term: gram (default), w2 or sliced")
    s.add_argument("--seed", type=int, default=0, help="sliced directions' seed (default 0)")
    s.add_argument("--draw", type=int, default=0, help="sliced directions' draw (default 0)")
    s.add_argument("--histogram-layers", default=None,
                   help="add the histogram term at these layers (e.g. conv1_1,conv4_1)")
    s.add_argument("image")
    s.set_defaults(func=_cmd_score)

    c = sub.add_parser("selfcheck", help="assert analytic properties of w2 / sliced / histogram")
    c.set_defaults(func=lambda _args: (selfcheck(), 0)[1])

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

#!/usr/bin/env python3
"""Write the float64 NumPy reference of nst-flow's `warp` and `reliability`.

    python3 reference/make_flow_fixture.py        # writes tests/fixtures/flow_expected.json

A 40x30 forward flow (a linear, zoom-like motion with a block moving differently, some of it
leaving the frame) and its exact inverse except in a band where the inverse is zero; a 40x30 RGB image given by a formula.
The fixture holds the inputs (float32 values), `warp(image, forward)` and
`reliability(forward, inverse)` computed in float64 as the crate documents them:
- warp: out(p) = image(p + w(p)), bilinear, coordinates clamped into the image;
- reliability (artistic-videos' consistencyChecker.cpp): 0 outside (floor(p + w) and its +1
  neighbour must lie inside), -1 where |w + w^(p + w)|^2 >= 0.01(|w|^2 + |w^|^2) + 0.5, 0 where
  |grad u|^2 + |grad v|^2 > 0.01|w|^2 + 0.002 (central differences, clamped neighbours), 1
  elsewhere; then a normalised Gaussian (sigma 0.8, radius 2, border replicated) along x, then
  along y; clipped to [0, 1].
No pixel's test lies within 1e-3 of its threshold (asserted), so float32 computes the same
classes. Deterministic.
"""

import json
import os

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
W, H = 40, 30


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def bilinear(plane, x, y):
    h, w = plane.shape[:2]
    x = np.clip(x, 0, w - 1)
    y = np.clip(y, 0, h - 1)
    x0 = np.floor(x).astype(int)
    y0 = np.floor(y).astype(int)
    x1 = np.minimum(x0 + 1, w - 1)
    y1 = np.minimum(y0 + 1, h - 1)
    fx, fy = x - x0, y - y0
    if plane.ndim == 3:
        fx, fy = fx[..., None], fy[..., None]
    top = plane[y0, x0] + fx * (plane[y0, x1] - plane[y0, x0])
    bottom = plane[y1, x0] + fx * (plane[y1, x1] - plane[y1, x0])
    return top + fy * (bottom - top)


def central(p):
    pad_x = np.pad(p, ((0, 0), (1, 1)), mode="edge")
    pad_y = np.pad(p, ((1, 1), (0, 0)), mode="edge")
    return 0.5 * (pad_x[:, 2:] - pad_x[:, :-2]), 0.5 * (pad_y[2:, :] - pad_y[:-2, :])


def main():
    ys, xs = np.mgrid[0:H, 0:W].astype(np.float64)
    # Background: a zoom-like linear flow, u = a + b x, v = c + d y, whose exact inverse is
    # linear too (so bilinear sampling of it is exact): -(a + b (x' - a) / (1 + b)), ...
    a, b, c, d = 2.5, 0.02, -1.25, -0.03
    u = a + b * xs
    v = c + d * ys
    block = (xs >= 14) & (xs < 24) & (ys >= 9) & (ys < 19)
    u = np.where(block, 6.25, u)
    v = np.where(block, 3.5, v)
    u, v = f32(u), f32(v)
    # The inverse: the background's exact inverse, wrong (zero) in a band.
    iu = -(a + b * (xs - a) / (1 + b))
    iv = -(c + d * (ys - c) / (1 + d))
    band = (xs >= 28) & (xs < 36)
    iu, iv = f32(np.where(band, 0.0, iu)), f32(np.where(band, 0.0, iv))
    image = f32(np.stack([
        0.5 + 0.4 * np.sin(xs / 3.0 + ys / 5.0),
        0.5 + 0.4 * np.cos(xs / 4.0 - ys / 3.0),
        (xs + 2 * ys) / (W + 2 * H),
    ], axis=-1))

    warped = bilinear(image, xs + u, ys + v)

    ux, uy = central(u)
    vx, vy = central(v)
    edge = ux ** 2 + uy ** 2 + vx ** 2 + vy ** 2
    bx, by = xs + u, ys + v
    x1, y1 = np.floor(bx), np.floor(by)
    inside = (x1 >= 0) & (x1 + 1 < W) & (y1 >= 0) & (y1 + 1 < H)
    bu = bilinear(iu, bx, by)
    bv = bilinear(iv, bx, by)
    trip = (u + bu) ** 2 + (v + bv) ** 2
    trip_limit = 0.01 * (u ** 2 + v ** 2 + bu ** 2 + bv ** 2) + 0.5
    edge_limit = 0.01 * (u ** 2 + v ** 2) + 0.002
    assert np.all(np.abs(trip - trip_limit)[inside] > 1e-3), "a round trip sits on its threshold"
    checked = inside & (trip < trip_limit)
    assert np.all(np.abs(edge - edge_limit)[checked] > 1e-3), "a gradient sits on its threshold"
    raw = np.where(~inside, 0.0, np.where(trip >= trip_limit, -1.0, np.where(edge > edge_limit, 0.0, 1.0)))
    k = np.exp(-np.arange(-2, 3) ** 2 / (2 * 0.8 ** 2))
    k /= k.sum()
    px = np.pad(raw, ((0, 0), (2, 2)), mode="edge")
    sx = sum(k[i] * px[:, i:i + W] for i in range(5))
    py = np.pad(sx, ((2, 2), (0, 0)), mode="edge")
    smooth = sum(k[i] * py[i:i + H, :] for i in range(5))
    reliable = np.clip(smooth, 0.0, 1.0)
    counts = {name: int(np.sum(raw == value)) for name, value in [("one", 1.0), ("zero", 0.0), ("minus_one", -1.0)]}
    print("raw classes:", counts, "outside:", int(np.sum(~inside)))

    out = {
        "width": W,
        "height": H,
        "u": u.ravel().tolist(),
        "v": v.ravel().tolist(),
        "inverse_u": iu.ravel().tolist(),
        "inverse_v": iv.ravel().tolist(),
        "image": image.ravel().tolist(),
        "warped": warped.ravel().tolist(),
        "reliability": reliable.ravel().tolist(),
    }
    path = os.path.join(ROOT, "crates", "flow", "tests", "fixtures", "flow_expected.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(out, f)
    print("wrote", path)


if __name__ == "__main__":
    main()

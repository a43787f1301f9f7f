#!/usr/bin/env python3
"""Optical flow: nst-flow against OpenCV's DIS (`medium` preset) on synthetic pairs.

Builds 512x288 frame pairs with exactly known flow from ../shared/images/tubingen.jpg and
golden_gate.jpg (sub-pixel translations, zooms, rotations, a moving object over a still
background), writes them with their truth to a temporary directory, runs OpenCV's DIS there
(cv2.setNumThreads(2)) and ours through the `flow_pairs` example, and prints a Markdown table:
per pair, the average endpoint error over the checkable pixels (visible in both frames, the
true target inside the frame) and the median ms per pair of each.

OpenCV is only a reference here (`pip install opencv-python-headless numpy pillow`), never
part of the product or CI. Build the example first:

    cargo build --release -p nst-flow --example flow_pairs
    python3 benches/reference/flow_opencv.py [--bin target/release/examples/flow_pairs] \
        [--runs 9] [--threads 2] [-- FIELD=VALUE ...]
"""

import argparse
import json
import math
import os
import subprocess
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

W, H = 512, 288
ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / ".." / "shared" / "images"


def load(name):
    """The photo as float64 RGB, 0..255, scaled to 576 px wide so a frame shows most of it."""
    img = Image.open(IMAGES / name).convert("RGB")
    scale = 576 / img.width
    img = img.resize((576, round(img.height * scale)), Image.LANCZOS)
    return np.asarray(img, dtype=np.float64)


def sample(photo, x, y):
    """Bilinear sampling with clamped coordinates; x and y are arrays of the same shape."""
    h, w, _ = photo.shape
    x = np.clip(x, 0, w - 1)
    y = np.clip(y, 0, h - 1)
    x0 = np.floor(x).astype(int)
    y0 = np.floor(y).astype(int)
    x1 = np.minimum(x0 + 1, w - 1)
    y1 = np.minimum(y0 + 1, h - 1)
    fx = (x - x0)[..., None]
    fy = (y - y0)[..., None]
    top = photo[y0, x0] * (1 - fx) + photo[y0, x1] * fx
    bottom = photo[y1, x0] * (1 - fx) + photo[y1, x1] * fx
    return top * (1 - fy) + bottom * fy


def to_u8(a):
    return np.clip(np.round(a), 0, 255).astype(np.uint8)


GRID_X, GRID_Y = np.meshgrid(np.arange(W, dtype=np.float64), np.arange(H, dtype=np.float64))
OFFSET = (20.0, 20.0)


def transformed(photo, forward, inverse):
    """Frame 1 shows the photo from OFFSET; frame 2 the photo moved by `forward`."""
    ox, oy = OFFSET
    a = sample(photo, GRID_X + ox, GRID_Y + oy)
    sx, sy = inverse(GRID_X, GRID_Y)
    b = sample(photo, sx + ox, sy + oy)
    tx, ty = forward(GRID_X, GRID_Y)
    valid = (tx >= 0) & (tx <= W - 1) & (ty >= 0) & (ty <= H - 1)
    return to_u8(a), to_u8(b), tx - GRID_X, ty - GRID_Y, valid


def translation(photo, dx, dy):
    return transformed(photo, lambda x, y: (x + dx, y + dy), lambda x, y: (x - dx, y - dy))


def similarity(photo, s, degrees):
    cx, cy = (W - 1) / 2, (H - 1) / 2
    c, si = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))

    def forward(x, y):
        px, py = x - cx, y - cy
        return cx + s * (c * px - si * py), cy + s * (si * px + c * py)

    def inverse(x, y):
        px, py = (x - cx) / s, (y - cy) / s
        return cx + c * px + si * py, cy - si * px + c * py

    return transformed(photo, forward, inverse)


def moving_object(background, obj, x0, y0, side_w, side_h, dx, dy):
    """A still background with a side_w x side_h piece of `obj` moving from (x0, y0) by
    (dx, dy) (sub-pixel: the object is resampled); what it covers or uncovers is not checkable."""

    def inside(ax, ay):
        return (GRID_X >= ax) & (GRID_X < ax + side_w) & (GRID_Y >= ay) & (GRID_Y < ay + side_h)

    bg = sample(background, GRID_X + 10, GRID_Y + 10)

    def frame(ax, ay):
        ob = sample(obj, 150 + GRID_X - ax, 100 + GRID_Y - ay)
        m = inside(ax, ay)[..., None]
        return to_u8(np.where(m, ob, bg))

    a, b = frame(x0, y0), frame(x0 + dx, y0 + dy)
    in_a = inside(x0, y0)
    u = np.where(in_a, dx, 0.0)
    v = np.where(in_a, dy, 0.0)
    valid = in_a | ~inside(x0 + dx, y0 + dy)
    return a, b, u, v, valid


def pairs():
    t, g = load("tubingen.jpg"), load("golden_gate.jpg")
    return {
        "translate-tubingen (3.3, -1.7)": translation(t, 3.3, -1.7),
        "translate-golden-gate (-7.6, 4.25)": translation(g, -7.6, 4.25),
        "zoom-tubingen 1.06": similarity(t, 1.06, 0.0),
        "zoom-golden-gate 0.95": similarity(g, 0.95, 0.0),
        "rotate-tubingen 4°": similarity(t, 1.0, 4.0),
        "rotate-golden-gate -3°": similarity(g, 1.0, -3.0),
        "object-over-tubingen (9.5, 5.25)": moving_object(t, g, 140, 80, 160, 110, 9.5, 5.25),
        "object-over-golden-gate (-12, 7)": moving_object(g, t, 250, 60, 140, 120, -12.0, 7.0),
    }


def epe(u, v, tu, tv, valid):
    e = np.sqrt((u - tu) ** 2 + (v - tv) ** 2)
    return float(e[valid].mean())


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--bin", default=os.environ.get("CARGO_TARGET_DIR", str(ROOT / "target"))
                   + "/release/examples/flow_pairs")
    p.add_argument("--runs", type=int, default=9)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--keep", help="write the pairs here instead of a temporary directory")
    p.add_argument("overrides", nargs="*", help="FIELD=VALUE for our FlowOptions")
    args = p.parse_args()
    cv2.setNumThreads(args.threads)
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    all_pairs = pairs()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(args.keep or tmp)
        d.mkdir(parents=True, exist_ok=True)
        names = [f"p{i}" for i in range(len(all_pairs))]
        cv_rows = {}
        for name, (label, (a, b, tu, tv, valid)) in zip(names, all_pairs.items()):
            Image.fromarray(a).save(d / f"{name}.from.png")
            Image.fromarray(b).save(d / f"{name}.to.png")
            np.save(d / f"{name}.truth.npy", np.stack([tu, tv, valid.astype(np.float64)]))
            ga = cv2.cvtColor(a, cv2.COLOR_RGB2GRAY)
            gb = cv2.cvtColor(b, cv2.COLOR_RGB2GRAY)
            f = dis.calc(ga, gb, None)
            times = []
            for _ in range(args.runs):
                s = time.perf_counter()
                f = dis.calc(ga, gb, None)
                times.append((time.perf_counter() - s) * 1e3)
            times.sort()
            cv_rows[name] = (epe(f[..., 0], f[..., 1], tu, tv, valid), times[len(times) // 2])
        (d / "pairs.txt").write_text("\n".join(names) + "\n")
        env = dict(os.environ, RAYON_NUM_THREADS=str(args.threads))
        out = subprocess.run([args.bin, str(d), str(args.runs), *args.overrides], env=env,
                             check=True, capture_output=True, text=True).stdout
        ours = {e["name"]: e["ms"] for e in json.loads(out)}
        print("| pair | EPE OpenCV DIS medium | EPE nst-flow | ms OpenCV | ms nst-flow |")
        print("|---|---:|---:|---:|---:|")
        worse = 0
        for name, (label, (_, _, tu, tv, valid)) in zip(names, all_pairs.items()):
            raw = np.fromfile(d / f"{name}.ours.f32", dtype="<f4").reshape(2, H, W)
            e = epe(raw[0].astype(np.float64), raw[1].astype(np.float64), tu, tv, valid)
            ce, cms = cv_rows[name]
            worse += e > ce
            print(f"| {label} | {ce:.3f} | {e:.3f} | {cms:.1f} | {ours[name]:.1f} |")
        print(f"\npairs where nst-flow's EPE is above OpenCV's: {worse}")


if __name__ == "__main__":
    main()

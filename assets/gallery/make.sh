#!/usr/bin/env bash
# Regenerates the README gallery from the images in assets/ (about 10 minutes on 2 CPU cores).
# Usage: assets/gallery/make.sh [path/to/nst]
set -euo pipefail
cd "$(dirname "$0")"
nst=${1:-../../target/release/nst}
run() {
    local name=$1
    shift
    "$nst" --backend cpu --size 320 --content ../chelsea.png "$@" -o "$name.png"
}
run fast --style ../starry_night.jpg
run normalized --preset normalized --style ../starry_night.jpg
run gatys --preset gatys --iterations 150 --style ../starry_night.jpg
run fast-luminance --style ../starry_night.jpg --preserve-colors luminance
run fast-hubble --style ../hubble_deep_field.jpg --style-weight 10
run fast-blend --style ../starry_night.jpg,../retina.jpg --style-blend 0.5,0.5
# One style per half: masks of the cat's size, white on one side, a 30-pixel ramp between.
python3 - <<'PY'
import numpy as np
from PIL import Image
w, h = 451, 300
left = np.clip((w / 2 + 15 - np.arange(w)[None, :].repeat(h, 0)) / 30, 0, 1)
Image.fromarray((left * 255).round().astype(np.uint8)).save("mask-left.png", optimize=True)
Image.fromarray(((1 - left) * 255).round().astype(np.uint8)).save("mask-right.png", optimize=True)
PY
run masked --style ../starry_night.jpg,../retina.jpg --style-mask mask-left.png,mask-right.png
# The style losses side by side (losses.jpg, losses-weight6.jpg) come from benches/style_losses.py.
# Photographs in the style of photographs (README, "Photographs"): the photo preset against
# Gatys's losses, on the photos of assets/photos/.
photo() {
    local name=$1 content=$2 style=$3
    "$nst" --backend cpu --size 320 --content "../photos/$content" --style "../photos/$style" \
        --preset photo -o "photo-$name.png"
    "$nst" --backend cpu --size 320 --content "../photos/$content" --style "../photos/$style" \
        --preset gatys --iterations 150 -o "photo-$name-gatys.png"
}
photo astronaut astronaut.jpg rocket.jpg
photo rocket rocket.jpg coffee.jpg

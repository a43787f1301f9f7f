#!/usr/bin/env bash
# Regenerates the README gallery from the images in assets/ (about 25 minutes on 2 CPU cores).
# Usage: assets/gallery/make.sh [path/to/nst]
set -euo pipefail
cd "$(dirname "$0")"
nst=${1:-../../target/release/nst}
run() {
    local name=$1
    shift
    "$nst" --backend cpu --size 320 --content ../chelsea.png "$@" -o "$name.png"
}
run normalized --style ../hubble_deep_field.jpg
run gatys --preset gatys --iterations 150 --style ../hubble_deep_field.jpg
run gatys-luminance --preset gatys --iterations 150 --style ../hubble_deep_field.jpg \
    --preserve-colors luminance
run gatys-histogram --preset gatys --iterations 150 --style ../hubble_deep_field.jpg \
    --preserve-colors histogram
run gatys-retina --preset gatys --iterations 150 --style ../retina.jpg
run gatys-blend --preset gatys --iterations 150 --style ../hubble_deep_field.jpg,../retina.jpg \
    --style-blend 0.5,0.5

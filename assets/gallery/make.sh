#!/usr/bin/env bash
# Regenerates the README gallery from the images in assets/ (about 5 minutes on 2 CPU cores).
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

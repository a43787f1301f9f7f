#!/usr/bin/env bash
# The default run against the `normalized` preset (the default before the `fast` preset: 100
# full-size iterations, one scale) on three pairs at 512 px: wall time of the whole command
# and the raw losses of each result under `nst score` with the default layers (content
# conv3_1, all 13 style layers). Usage:
#   benches/reference/default_quality.sh [IMAGES_DIR]   (default ../shared/images)
# with NST pointing at the binary (default target/release/nst). Then compare with
# `nst bench --backend cpu --sizes 512` on the same machine: the default's budget is 40 of
# its iterations. With OUT=DIR the results are kept there as PAIR-PRESET.png.
set -euo pipefail
nst="${NST:-target/release/nst}"
images="${1:-../shared/images}"
if [[ -n "${OUT:-}" ]]; then
    out="$OUT"
    mkdir -p "$out"
else
    out="$(mktemp -d)"
    trap 'rm -rf "$out"' EXIT
fi

pairs=(
    "cat|"
    "tubingen|--content $images/tubingen.jpg --style $images/starry_night.jpg"
    "golden_gate|--content $images/golden_gate.jpg --style $images/starry_night.jpg"
)

echo "| content (style: The Starry Night) | preset | seconds | content loss | style loss |"
echo "|---|---|---:|---:|---:|"
for pair in "${pairs[@]}"; do
    name="${pair%%|*}"
    read -r -a inputs <<<"${pair#*|}"
    for preset in normalized fast; do
        image="$out/$name-$preset.png"
        start=$(date +%s.%N)
        "$nst" --backend cpu --preset "$preset" "${inputs[@]}" -o "$image" >/dev/null 2>&1
        end=$(date +%s.%N)
        "$nst" score --backend cpu --json "${inputs[@]}" "$image" 2>/dev/null |
            python3 -c "
import json, sys
d = json.load(sys.stdin)
print(f\"| $name | $preset | {$end - $start:.1f} | {d['content_loss']:.4g} | {d['style_loss']:.4g} |\")"
    done
done

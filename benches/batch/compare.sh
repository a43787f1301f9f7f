#!/usr/bin/env bash
# One batch, two ways, one after the other on this machine: 20 items (5 photos × 4 styles) at
# 256 px painted through the one-node SLURM cluster by `nst batch` (2 shards, one task at a time
# with every core), then the same 20 items as 20 separate `nst` processes. Prints the wall
# times, the per-item times and what `nst batch status` says.
#
#   bash scripts/slurm/cluster.sh up && bash benches/batch/compare.sh [NST_BINARY]
#
# The photos: the embedded cat, tubingen and golden_gate from ../shared/images (not committed;
# the cat alone if they are missing), and two of the gallery's; the styles: the four paintings
# and photos under assets/.
set -euo pipefail
cd "$(dirname "$0")/../.."
nst=$(realpath "${1:-${CARGO_TARGET_DIR:-target}/release/nst}")
work=$(mktemp -d /tmp/nst-batch-bench.XXXXXX)
mkdir -p "$work/photos" "$work/styles"
cp assets/chelsea.png "$work/photos/cat.png"
for name in tubingen golden_gate; do
    [ -f "../shared/images/$name.jpg" ] && cp "../shared/images/$name.jpg" "$work/photos/"
done
cp assets/gallery/fast.png "$work/photos/fast.png"
cp assets/gallery/gatys.png "$work/photos/gatys.png"
cp assets/starry_night.jpg assets/hubble_deep_field.jpg assets/retina.jpg "$work/styles/"
cp tests/fixtures/score_style.png "$work/styles/"
options=(--size 256 --backend cpu)

cd "$work"
"$nst" batch plan --content photos --style styles -o out --shards 2 "${options[@]}" | tee plan.txt
items=$(python3 -c 'import json; print(json.load(open("out/plan.json"))["items"])')
hash=$(python3 -c 'import json; print(json.load(open("out/plan.json"))["sha256"])')
start=$(date +%s.%N)
job=$(NST=$nst sbatch --parsable --array=0-1%1 --cpus-per-task="$(nproc)" --mem=8G \
    --output="$work/out/.nst-batch/logs/%A_%a.log" \
    "$OLDPWD/scripts/slurm/nst-batch.sbatch" "$work/out" "$hash")
# Polled every 0.2 s: `sbatch --wait` polls every 32 s.
while squeue -h -t all -j "$job" -o %T | grep -qE 'PENDING|RUNNING|COMPLETING|CONFIGURING'; do
    sleep 0.2
done
batch=$(echo "$(date +%s.%N) - $start" | bc)
"$nst" batch status out | tee status.txt

mkdir -p lone
start=$(date +%s.%N)
for photo in photos/*; do
    for style in styles/*; do
        p=$(basename "${photo%.*}") s=$(basename "${style%.*}")
        "$nst" --content "$photo" --style "$style" -o "lone/$p--$s.png" "${options[@]}" 2>/dev/null
    done
done
lone=$(echo "$(date +%s.%N) - $start" | bc)
echo
echo "$items items at 256 px on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
printf 'nst batch through SLURM (2 shards, one at a time): %.1f s (%.2f s an item, from submission to the end of the last task)\n' "$batch" "$(echo "$batch / $items" | bc -l)"
printf 'separate nst processes:                            %.1f s (%.2f s an item)\n' "$lone" "$(echo "$lone / $items" | bc -l)"
echo "work folder: $work"

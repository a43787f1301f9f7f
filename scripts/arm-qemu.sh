#!/usr/bin/env bash
# Runs the checks that prove nst's CPU kernels on 64-bit ARM (aarch64: NEON through pulp and
# gemm), under emulation on an x86-64 Linux machine: our convolution against Burn's conv2d on
# the real weights (activations and input gradient), max pooling against Burn's, the Gram
# matrix and its gradient against sums in f64, the Winograd transforms, and the scores against
# the float64 NumPy reference.
#
#   bash scripts/arm-qemu.sh
#
# Installs Debian's qemu-user and aarch64 cross linker when missing, builds the test binaries
# for aarch64-unknown-linux-gnu (its own target folder, $NST_ARM_TARGET_DIR, default
# /var/tmp/nst-arm-target) and runs them with qemu-aarch64. The tests read the weights from the
# cache (~/.cache/nst), fetching them with the host's pip if they are missing. Not in CI: 34 min
# from cold on 2 cores, 5 of them the emulated tests (BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "$0")/.."

target=aarch64-unknown-linux-gnu
missing=()
command -v qemu-aarch64 >/dev/null 2>&1 || missing+=(qemu-user)
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || missing+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
if ((${#missing[@]})); then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
rustup target list --installed | grep -qx "$target" || rustup target add "$target" >/dev/null

export CARGO_TARGET_DIR="${NST_ARM_TARGET_DIR:-/var/tmp/nst-arm-target}"
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu"

start=$SECONDS
run() {
    echo "arm-qemu: cargo test $*" >&2
    cargo test --release --target "$target" "$@"
}
# Our layers against Burn's (forward and input gradient), max pooling, the Winograd tiles.
run -p nst-vgg16 --lib -- conv3x3 max_pool our_layers_match_burns_convolutions
# The Gram matrix and its gradient against f64 sums; the losses by hand.
run -p nst-losses --lib -- gram
run -p nst-losses --test by_hand --test gram_gradient
# The scores against the float64 NumPy reference (tests/fixtures/score_expected.json).
run -p nst-transfer --test score
echo "arm-qemu: all passed under qemu-aarch64 in $((SECONDS - start)) s" >&2

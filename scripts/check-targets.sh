#!/usr/bin/env bash
# `cargo check --release` of the library and the command for the platforms nst's users run it
# on besides this Linux x86_64 machine (which the tests build): the default features (the CPU
# and wgpu: SPIR-V on Linux and Windows, WGSL for Metal on macOS) and the library alone
# (`--no-default-features`). Installs the targets' standard libraries with rustup when missing.
# A failure names its target.
#
#   bash scripts/check-targets.sh [TARGET ...]     (default: the two below)
#
# The default pair covers every other operating system and architecture nst's code or its
# dependencies choose by: macOS (Metal, WGSL) and aarch64 (NEON) in aarch64-apple-darwin,
# Windows (DX12, SPIR-V) in x86_64-pc-windows-msvc. x86_64-apple-darwin and
# aarch64-unknown-linux-gnu only combine what those and this machine check (nst has no code
# for macOS on x86_64 or Linux on aarch64 alone); name them to check them too, at 4 to 6
# minutes each that CI's hour cannot spare.
#
# Checking needs no linker or SDK of the target: nothing is linked, and the default dependency
# trees build no C (`.ci/run` checks that). Its own target folder is kept between runs
# ($NST_TARGETS_DIR, default /var/tmp/nst-cross-target): 4 to 6 minutes a target when cold on 2
# cores (the library alone 2.5 more), seconds when warm.
set -euo pipefail
cd "$(dirname "$0")/.."

targets=("$@")
if ((${#targets[@]} == 0)); then
    targets=(aarch64-apple-darwin x86_64-pc-windows-msvc)
fi
export CARGO_TARGET_DIR="${NST_TARGETS_DIR:-/var/tmp/nst-cross-target}"

installed=$(rustup target list --installed)
for target in "${targets[@]}"; do
    grep -qx "$target" <<<"$installed" || rustup target add "$target" >/dev/null
done

failed=()
for target in "${targets[@]}"; do
    start=$SECONDS
    alone=(true)
    [ "$target" = "${targets[0]}" ] && alone=(cargo check --release --quiet -p nst --no-default-features --target "$target")
    if cargo check --release --quiet -p nst -p nst-cli --target "$target" && "${alone[@]}"; then
        echo "check-targets: $target: ok ($((SECONDS - start)) s)"
    else
        echo "check-targets: $target: FAILED (cargo check --release -p nst -p nst-cli --target $target)" >&2
        failed+=("$target")
    fi
done
if ((${#failed[@]})); then
    echo "check-targets: the default build fails for ${failed[*]}" >&2
    exit 1
fi

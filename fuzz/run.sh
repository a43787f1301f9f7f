#!/usr/bin/env bash
# Runs each fuzz target for a fixed number of executions, starting from the committed seed
# corpus (new inputs go to a scratch folder, not into the repo). Needs a nightly toolchain and
# `cargo install cargo-fuzz`.
# Usage: fuzz/run.sh [RUNS [TARGET...]]    (default: 100000 executions of every target)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-100000}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(onnx_import decode_image config_json)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for target in "${targets[@]}"; do
    mkdir -p "$scratch/$target"
    echo "== $target: $runs runs"
    cargo +nightly fuzz run --fuzz-dir fuzz --dev --sanitizer none "$target" "$scratch/$target" "fuzz/corpus/$target" -- \
        -runs="$runs" -max_len=65536 -rss_limit_mb=4096 -timeout=20 -print_final_stats=1 2>&1 |
        grep -E "^(#|stat::|==|SUMMARY|Done|INFO: seed corpus)" | tail -n 12
done

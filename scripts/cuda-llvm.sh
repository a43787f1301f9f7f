#!/usr/bin/env bash
# Installs the LLVM 23 bundle that `cargo build --features cuda` needs, without the download
# that the build would otherwise make: cubecl-cuda always builds cubecl-llvm, whose build script
# (through tracel-llvm-bundler) fetches an LLVM 23 archive unless it finds one installed in
# ${XDG_DATA_HOME:-~/.local/share}/tracel/tracel-llvm-23.1.0-4 (marked `.tracel-llvm-installed`).
# This assembles one there from two wheels of the Python package index, fetched with pip and
# checked against their SHA-256: a static LLVM 23.1.1 with the NVPTX target, its headers, and
# an `llvm-config` (a Python script). Needs python3 with pip, and about 400 MB of disk.
#
# Usage: scripts/cuda-llvm.sh            (again to reinstall; delete the folder to remove it)
set -euo pipefail

version=23.1.1.post0
dest="${XDG_DATA_HOME:-$HOME/.local/share}/tracel/tracel-llvm-23.1.0-4"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/requirements.txt" <<REQUIREMENTS
mlc-llvm-static==$version --hash=sha256:dcfec888abfaa418be77d41af585805f31463584cf9c90582992c00f392c1ac5
mlc-llvm-static-extra-targets==$version --hash=sha256:c36e834d9a4e9cf9759f27fece65711ece7a2fc2b5a96dbb15d66f5e9e787929
REQUIREMENTS
python3 -m pip download --quiet --no-deps --only-binary=:all: --require-hashes \
    -r "$work/requirements.txt" -d "$work/wheels"
for wheel in "$work"/wheels/*.whl; do
    python3 -m zipfile -e "$wheel" "$work/unpacked"
done

sdk="$work/unpacked/mlc_llvm_static/static"
chmod +x "$sdk/bin/llvm-config"
[[ $("$sdk/bin/llvm-config" --version) == 23.* ]] || {
    echo "cuda-llvm: the wheels' llvm-config is not LLVM 23" >&2
    exit 1
}
"$sdk/bin/llvm-config" --targets-built | grep -qw NVPTX || {
    echo "cuda-llvm: the wheels' LLVM lacks the NVPTX target" >&2
    exit 1
}

rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
mv "$sdk" "$dest"
touch "$dest/.tracel-llvm-installed"
echo "cuda-llvm: LLVM $("$dest/bin/llvm-config" --version) installed in $dest"

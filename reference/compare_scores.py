#!/usr/bin/env python3
"""Compare two `score` JSON outputs (e.g. `nst score --json` vs nst_reference.py score).

    python3 reference/compare_scores.py A.json B.json

Walks every number in B (the reference) and prints |A - B| / |B| for each, then
the maximum. Both files must have the same keys (content_loss, style_loss,
denoise_loss, content_layers{..}, style_layers{..}); extra keys in A are
ignored. Exit status 1 if a key is missing or a value is not finite.
"""

import json
import math
import sys


def leaves(d, prefix=""):
    for k, v in d.items():
        if isinstance(v, dict):
            yield from leaves(v, f"{prefix}{k}.")
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            yield f"{prefix}{k}", float(v)


def lookup(d, key):
    for part in key.split("."):
        d = d[part]
    return float(d)


def main(argv) -> int:
    if len(argv) != 3:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    a, b = (json.load(open(p)) for p in argv[1:])
    worst, worst_key, ok = 0.0, None, True
    for key, ref in leaves(b):
        try:
            val = lookup(a, key)
        except (KeyError, TypeError):
            print(f"{key:24s} missing in {argv[1]}")
            ok = False
            continue
        if not (math.isfinite(val) and math.isfinite(ref)):
            print(f"{key:24s} not finite: {val} vs {ref}")
            ok = False
            continue
        rel = abs(val - ref) / abs(ref) if ref != 0 else abs(val)
        print(f"{key:24s} {val:.9g}  ref {ref:.9g}  rel {rel:.2e}")
        if rel >= worst:
            worst, worst_key = rel, key
    print(f"max relative difference: {worst:.2e} ({worst_key})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))

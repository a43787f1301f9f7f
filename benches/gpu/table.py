#!/usr/bin/env python3
"""One Markdown report from the logs of benches/gpu/run.sh: python3 table.py LOGS gpu|dry.

Reads LOGS/steps.tsv (each step's outcome), machine.log, torch-*.log (torch_iteration.py
--json), bench-*.log (`nst bench`'s table), run-*.jsonl (`nst --log-json`) and *.autotune.log
(CubeCL's "Fastest result" lines). Standard library only.
"""

import json
import os
import re
import sys

AGREE = 0.02  # the f32 and f16 runs' final losses, relative


def read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def torch_rows(logs):
    """(precision, hardware, torch version, row) for each size of each torch step."""
    out = []
    for name in sorted(os.listdir(logs)):
        m = re.fullmatch(r"torch-(\w+)\.log", name)
        text = read(os.path.join(logs, name))
        start = text.find("\n{")
        if not m or start < 0:
            continue
        try:
            report = json.loads(text[start:])
        except json.JSONDecodeError:
            continue
        for row in report["rows"]:
            out.append((m.group(1), report["hardware"], report["torch"], row))
    return out


# | device | image | targets ms | first iteration ms | its evaluations | ms/iteration | GFLOP |
# GFLOP/s | peak memory | … (`nst bench`'s columns)
BENCH_ROW = re.compile(r"^\| ([^|]+) \| (\d+)×(\d+) \| ([\d.]+) \| ([\d.]+) \| (\d+) \| ([\d.]+) \| ([\d.]+) "
                       r"\| ([\d.]+) \| ([^|]*) \|")


def bench_rows(logs):
    """{(backend, precision, cache): [(device, w, h, first_ms, median_ms, gflops, memory)]}, where
    first_ms is from the run's start to the end of its first iteration (targets included)."""
    out = {}
    for name in sorted(os.listdir(logs)):
        m = re.fullmatch(r"bench-(\w+)-(f16|f32)-(cold|cached)\.log", name)
        if not m:
            continue
        rows = []
        for line in read(os.path.join(logs, name)).splitlines():
            r = BENCH_ROW.match(line.strip())
            if r:
                first = float(r[4]) + float(r[5])
                rows.append((r[1], int(r[2]), int(r[3]), first, float(r[7]), float(r[9]), r[10]))
        out[m.groups()] = rows
    return out


def last_losses(path):
    """The `*_loss` values of the last line of an `nst --log-json` file, or None."""
    lines = [l for l in read(path).splitlines() if l.strip()]
    if not lines:
        return None
    try:
        last = json.loads(lines[-1])
    except json.JSONDecodeError:
        return None
    return {k: v for k, v in last.items() if k.endswith("_loss") and isinstance(v, (int, float))}


def main(logs, mode):
    p = print
    p(f"# nst on a GPU against PyTorch ({'dry run on lavapipe' if mode == 'dry' else 'GPU run'})\n")
    p("Written by `benches/gpu/run.sh`; every figure is from this one run, one step after the other.\n")
    p("```\n" + read(os.path.join(logs, "machine.log")).strip() + "\n```\n")

    p("## Steps\n\n| step | outcome | seconds |\n|---|---|---:|")
    for line in read(os.path.join(logs, "steps.tsv")).splitlines():
        name, status, secs = line.split("\t")
        p(f"| {name} | {status} | {secs} |")

    benches, torches = bench_rows(logs), torch_rows(logs)
    p("\n## One iteration\n")
    p("The `normalized` preset's iteration (content conv3_1, all 13 style layers, Gram), 4:3 "
      "images; ms. *First, cold*: nst's targets and first iteration (two evaluations: the start's "
      "and the first step's) with an empty kernel cache (compiling and autotuning), PyTorch's "
      "first evaluation; *first, cached*: the same in a second process, from the cache the "
      "first filled; *median*: of 5 after 2 warm-up iterations (the cold process's).\n")
    p("| implementation | precision | image | first, cold | first, cached | median | GFLOP/s | peak memory |")
    p("|---|---|---|---:|---:|---:|---:|---|")
    medians = {}
    for (backend, precision, cache), rows in sorted(benches.items()):
        if cache != "cold":
            continue
        cached = {(w, h): first for _, w, h, first, *_ in benches.get((backend, precision, "cached"), [])}
        for device, w, h, first, median, gflops, memory in rows:
            warm = cached.get((w, h))
            warm = f"{warm:.0f}" if warm is not None else "—"
            p(f"| nst, {device} | {precision} | {w}×{h} | {first:.0f} | {warm} | {median:.1f} | {gflops:.0f} | {memory} |")
            medians[(f"nst {backend} {precision}", w, h)] = median
    for precision, hardware, version, row in torches:
        w, h = row["width"], row["height"]
        p(f"| PyTorch {version}, {hardware} | {precision} | {w}×{h} | {row.get('first_ms', 0):.0f} | — | "
          f"{row['median_ms']:.1f} | {row['gflops']:.0f} | {row['peak_mib']:.0f} MiB |")
        medians[(f"torch {precision}", w, h)] = row["median_ms"]

    pairs = [("nst wgpu f32", "torch fp32"), ("nst wgpu f32", "torch tf32"), ("nst wgpu f16", "torch fp16"),
             ("nst cuda f32", "torch tf32"), ("nst cuda f16", "torch fp16")]
    sizes = sorted({(w, h) for _, w, h in medians})
    ratios = [(a, b, w, h, medians[(a, w, h)] / medians[(b, w, h)])
              for a, b in pairs for w, h in sizes if (a, w, h) in medians and (b, w, h) in medians]
    if ratios:
        p("\n## Ratios (nst's median over PyTorch's; below 1: nst is faster)\n")
        p("| nst | PyTorch | image | ratio |\n|---|---|---|---:|")
        for a, b, w, h, r in ratios:
            p(f"| {a} | {b} | {w}×{h} | {r:.2f}× |")

    p("\n## The default preset in f32 and f16\n")
    f32, f16 = (last_losses(os.path.join(logs, f"run-{x}.jsonl")) for x in ("f32", "f16"))
    if f32 and f16:
        p("| final loss | f32 | f16 | relative difference |\n|---|---:|---:|---:|")
        worst = 0.0
        for key in sorted(f32.keys() & f16.keys()):
            diff = abs(f16[key] - f32[key]) / max(abs(f32[key]), 1e-30)
            worst = max(worst, diff)
            p(f"| {key} | {f32[key]:.6g} | {f16[key]:.6g} | {diff:.2%} |")
        verdict = "agree" if worst <= AGREE else "DO NOT agree"
        p(f"\nThe losses {verdict} within {AGREE:.0%} (largest difference {worst:.2%}). "
          "Pictures: f32.png, f16.png.")
    else:
        p("Not compared: a run's log is missing (see the steps above).")

    p("\n## Autotune: the fastest kernel per key\n")
    for name in sorted(os.listdir(logs)):
        if not name.endswith(".autotune.log"):
            continue
        wins = {}
        for line in read(os.path.join(logs, name)).splitlines():
            m = re.match(r"Fastest result (\S+?)-", line)
            if m:
                wins[m.group(1)] = wins.get(m.group(1), 0) + 1
        if wins:
            listed = ", ".join(f"{k} ×{v}" for k, v in sorted(wins.items(), key=lambda kv: -kv[1]))
            p(f"- {name.removesuffix('.autotune.log')}: {listed}")
    p("\nEach key's candidates and times are in logs.tar.gz (`logs/*.autotune.log`).")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[2] not in ("gpu", "dry"):
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])

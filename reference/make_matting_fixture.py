#!/usr/bin/env python3
"""Write the matting-Laplacian fixture of the `nst` crate (Deep Photo Style Transfer's
photorealism term).

    python3 reference/make_matting_fixture.py [--out tests/fixtures/matting_expected.json]

Needs numpy, scipy, pillow. Deterministic (seeded, single-threaded BLAS).

L is the matting Laplacian of Levin, Lischinski & Weiss (2008) exactly as Luan et al. build it
with getLaplacian1 (luanfujun/deep-photo-styletransfer, gen_laplacian/matting/getLaplacian1.m,
commit 16744e3631d89b4b7da135e68532cb422bf112b7; called from gen_laplacian/gen_laplacian.m
line 20 with eps = 1e-7, win_size = 1): 3x3 windows wholly inside the image (lines 29-30),
win_var = inv(winI'*winI/9 - mu*mu' + eps/9*I3) (line 39), tvals = (1 + X*win_var*X')/9 with
X the centred window colours (lines 41-42), summed into W at (win_inds x win_inds) (lines
44-48, 56), L = diag(W 1) - W (lines 58-59). See reference/matting.py for the line-by-line
port and the vectorised builder. Photo and v are in 0..1 (photo_u8 / 255, float64).

The stored lv, energy and diagonal are computed in exact rational arithmetic
(matting.levin_laplacian_exact: every float64 input taken exactly, no rounding, so window and
summation order cannot matter) and rounded once to float64. For every case the script also
checks, and refuses to write otherwise:
  * exactly (rationals): L 1 = 0, L = L^T, u^T L v = v^T L u, v^T L v >= 0, and the photo's own
    channels have I_c^T L I_c <= eps per window
  * float64 sparse L v (matting.levin_laplacian) == matrix-free He/Sun/Tang L v
    (matting.matting_product), 1e-10 relative (|diff| / |L v|, 2-norm per channel), and both
    == exact, 1e-10
  * v^T L v (sparse) == matrix-free energy sum_k [sum_j r_kj^2 + eps |a_k|^2] == exact, 1e-10
  * the literal Matlab loop (column-major, reindexed to row-major) == exact, 1e-9 (its
    X*inv(...)*X' loses ~1e-10 on grey windows)
  * float64 L: max |L 1| < 1e-9, max |L - L^T| < 1e-9 max |L|, u^T L v == v^T L u
It prints these errors per case.

Cases: random_7x9 (uniform random u8), flat_5x7 (all (120, 80, 200)), nearly_flat_9x11 (flat
(90, 140, 60) with three pixels +-1 level in one or two channels), grey_11x7 (R = G = B random:
the colour covariance is singular without eps), chelsea_15x13 (assets/chelsea.png rows 222-236,
columns 252-264, i.e. offset (y, x) = (222, 252): fur, the dark edge and the nose; v = crop/255
+ N(0, 0.02) clipped to 0..1), thin_3x3 (exactly one window), line_2x6 (no whole window: L = 0).
v is uniform in 0..1 except for chelsea; each case has its own numpy default_rng seed.

JSON written ("eps" and "cases"); per case:
  name, height, width
  photo_u8            H*W*3 ints, photo[y][x][c] (row-major, RGB interleaved)
  v                   3*H*W floats in 0..1, channel-major v[c][y][x]
  lv                  3*H*W floats, same order: L v_c for each channel c
  energy              sum_c v_c^T L v_c
  energy_per_channel  [v_c^T L v_c for c = R, G, B]
  diagonal            H*W floats, diag(L) in row-major pixel order
"""

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse
import json
import sys
from fractions import Fraction

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import matting  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EPS = 1e-7
TOL = 1e-10  # relative; float64 vs float64 and float64 vs exact
LOOP_TOL = 1e-9  # the literal Matlab loop: its inv(...) loses ~1e-10 on grey windows
CHELSEA_CROP = (222, 252)  # (row, column) of the top-left pixel: fur, a dark edge, the nose


def make_cases():
    """[(name, photo_u8 (H, W, 3) uint8, v (3, H, W) float64 in 0..1)]."""
    cases = []

    rng = np.random.default_rng(20261201)
    photo = rng.integers(0, 256, size=(7, 9, 3), dtype=np.uint8)
    cases.append(("random_7x9", photo, rng.random((3, 7, 9))))

    rng = np.random.default_rng(20261202)
    photo = np.empty((5, 7, 3), dtype=np.uint8)
    photo[:] = (120, 80, 200)
    cases.append(("flat_5x7", photo, rng.random((3, 5, 7))))

    rng = np.random.default_rng(20261203)
    photo = np.empty((9, 11, 3), dtype=np.int32)
    photo[:] = (90, 140, 60)
    photo[2, 3, 0] += 1          # one level up in R
    photo[5, 7, 1] -= 1          # one level down in G
    photo[6, 2, 0] += 1          # and one pixel changed in R and B
    photo[6, 2, 2] -= 1
    cases.append(("nearly_flat_9x11", photo.astype(np.uint8), rng.random((3, 9, 11))))

    rng = np.random.default_rng(20261204)
    grey = rng.integers(0, 256, size=(11, 7), dtype=np.uint8)
    photo = np.repeat(grey[:, :, None], 3, axis=2)
    cases.append(("grey_11x7", photo, rng.random((3, 11, 7))))

    rng = np.random.default_rng(20261205)
    with Image.open(os.path.join(ROOT, "assets", "chelsea.png")) as im:
        full = np.asarray(im.convert("RGB"), dtype=np.uint8)
    y0, x0 = CHELSEA_CROP
    photo = np.ascontiguousarray(full[y0:y0 + 15, x0:x0 + 13])
    v = np.clip(photo.transpose(2, 0, 1) / 255 + rng.normal(0, 0.02, size=(3, 15, 13)), 0, 1)
    cases.append(("chelsea_15x13", photo, v))

    rng = np.random.default_rng(20261206)
    photo = rng.integers(0, 256, size=(3, 3, 3), dtype=np.uint8)
    cases.append(("thin_3x3", photo, rng.random((3, 3, 3))))

    rng = np.random.default_rng(20261207)
    photo = rng.integers(0, 256, size=(2, 6, 3), dtype=np.uint8)
    cases.append(("line_2x6", photo, rng.random((3, 2, 6))))
    return cases


def rel(diff, ref):
    """|diff| / |ref|, or |diff| when ref is exactly zero (L = 0)."""
    return diff / ref if ref > 0 else diff


def exact_products(lap_exact, v):
    """Exact L v_c and v_c^T L v_c (Fractions) for v (3, H, W) float64, taken exactly."""
    lv, energy = [], []
    for c in range(3):
        vc = [Fraction(float(t)) for t in v[c].ravel()]
        lvc = [sum((t * vc[j] for j, t in row.items()), Fraction(0)) for row in lap_exact]
        lv.append(lvc)
        energy.append(sum((a * b for a, b in zip(vc, lvc)), Fraction(0)))
    return lv, energy


def check_case(name, photo_u8, v):
    h, w, _ = photo_u8.shape
    n = h * w
    photo = photo_u8.astype(np.float64) / 255
    res = {}

    # Exact rational L: the fixture's values are its products, correctly rounded to float64.
    lap_x = matting.levin_laplacian_exact(photo, EPS)
    lv_x, energy_x = exact_products(lap_x, v)
    lv = np.array([[float(t) for t in lvc] for lvc in lv_x]).reshape(v.shape)
    energy = np.array([float(t) for t in energy_x])
    diagonal = np.array([float(row.get(i, 0)) for i, row in enumerate(lap_x)])
    for i, row in enumerate(lap_x):  # exactly: L 1 = 0, L = L^T
        assert sum(row.values(), Fraction(0)) == 0
        assert all(lap_x[j].get(i) == t for j, t in row.items())
    u = [Fraction(float(t)) for t in np.random.default_rng(7).random(n)]
    lu = [sum((t * u[j] for j, t in row.items()), Fraction(0)) for row in lap_x]
    for c in range(3):  # exactly: u^T L v = v^T L u, v^T L v >= 0
        vc = [Fraction(float(t)) for t in v[c].ravel()]
        assert sum(a * b for a, b in zip(u, lv_x[c])) == sum(a * b for a, b in zip(vc, lu))
        assert energy_x[c] >= 0
    # The photo's own channels are linear in the colour inside every window, so
    # I_c^T L I_c <= eps per window (a = e_c, b = 0 is feasible).
    nwin = max(h - 2, 0) * max(w - 2, 0)
    _, own = exact_products(lap_x, photo.transpose(2, 0, 1))
    assert all(0 <= e <= Fraction(EPS) * nwin for e in own), own
    if nwin == 0:
        assert all(t == 0 for row in lap_x for t in row.values()) and not energy.any()

    def lv_err(got):  # max over channels of |got - exact| / |exact| (2-norms)
        return max(rel(np.linalg.norm(got[c] - lv[c]), np.linalg.norm(lv[c])) for c in range(3))

    def energy_err(got):
        return max(rel(abs(got[c] - energy[c]), energy[c]) for c in range(3))

    # float64 sparse builder (getLaplacian1's formula, vectorised)
    lap = matting.levin_laplacian(photo, EPS)
    assert lap.shape == (n, n) and lap.dtype == np.float64
    lv_sp, energy_sp = matting.quad_forms(lap, v)
    # float64 literal Matlab loop, column-major, reindexed
    loop = matting.colmajor_to_rowmajor(matting.levin_laplacian_matlab_loop(photo, EPS), h, w)
    lv_loop, _ = matting.quad_forms(loop, v)
    # float64 matrix-free (He/Sun/Tang)
    lv_free = matting.matting_product(photo, v, EPS)
    energy_free = matting.matting_energy(photo, v, EPS)
    assert np.array_equal(matting.matting_product(photo, v[1], EPS), lv_free[1])

    res["sparse_vs_free"] = max(rel(np.linalg.norm(lv_free[c] - lv_sp[c]),
                                    np.linalg.norm(lv_sp[c])) for c in range(3))
    res["energy_free_vs_vLv"] = max(rel(abs(energy_free[c] - energy_sp[c]), energy_sp[c])
                                    for c in range(3))
    res["sparse_vs_exact"] = lv_err(lv_sp)
    res["loop_vs_exact"] = lv_err(lv_loop)
    res["free_vs_exact"] = lv_err(lv_free)
    res["energy_vs_exact"] = max(energy_err(energy_sp), energy_err(energy_free))
    dense = lap.toarray()
    scale = np.abs(dense).max()
    res["l_ones"] = np.abs(lap @ np.ones(n)).max()
    res["symmetry"] = rel(np.abs(dense - dense.T).max(), scale)
    res["diag_vs_exact"] = np.abs(lap.diagonal() - diagonal).max()
    ua = np.array([float(t) for t in u])
    res["uLv_asym"] = max(rel(abs(ua @ (lap @ v[c].ravel()) - v[c].ravel() @ (lap @ ua)),
                              abs(ua @ (lap @ v[c].ravel()))) for c in range(3))
    for key in ("sparse_vs_free", "energy_free_vs_vLv", "sparse_vs_exact", "free_vs_exact",
                "energy_vs_exact", "uLv_asym"):
        assert res[key] < TOL, (name, key, res)
    assert res["loop_vs_exact"] < LOOP_TOL, res
    assert res["l_ones"] < 1e-9 and res["symmetry"] < 1e-9, res
    assert res["diag_vs_exact"] < TOL * max(1.0, np.abs(diagonal).max()), res
    assert energy_sp.min() >= 0 and energy_free.min() >= 0, (energy_sp, energy_free)

    case = {
        "name": name,
        "height": h,
        "width": w,
        "photo_u8": [int(t) for t in photo_u8.ravel()],
        "v": [float(t) for t in v.ravel()],
        "lv": [float(t) for t in lv.ravel()],
        "energy": float(sum(energy_x)),
        "energy_per_channel": [float(t) for t in energy],
        "diagonal": [float(t) for t in diagonal],
    }
    return case, res


def dump(obj, f):
    """JSON with one line per key of each case (arrays kept on one line)."""
    f.write("{\n")
    f.write(f' "eps": {json.dumps(obj["eps"])},\n')
    f.write(' "cases": [\n')
    for i, case in enumerate(obj["cases"]):
        body = ",\n".join(f'   {json.dumps(k)}: {json.dumps(val)}' for k, val in case.items())
        f.write("  {\n" + body + "\n  }" + ("," if i + 1 < len(obj["cases"]) else "") + "\n")
    f.write(" ]\n}\n")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=os.path.join(ROOT, "tests", "fixtures",
                                                 "matting_expected.json"))
    args = p.parse_args()

    out = {"eps": EPS, "cases": []}
    keys = ("sparse_vs_free", "energy_free_vs_vLv", "sparse_vs_exact", "loop_vs_exact",
            "free_vs_exact", "energy_vs_exact", "l_ones", "symmetry")
    print(f"{'case':17}" + "".join(f" {k:>18}" for k in keys) + f" {'energy':>13}")
    for name, photo_u8, v in make_cases():
        case, res = check_case(name, photo_u8, v)
        out["cases"].append(case)
        print(f"{name:17}" + "".join(f" {res[k]:18.2e}" for k in keys)
              + f" {case['energy']:13.7g}")
    with open(args.out, "w") as f:
        dump(out, f)
    with open(args.out) as f:  # round trip
        back = json.load(f)
    assert back == json.loads(json.dumps(out))
    print(f"wrote {args.out} ({os.path.getsize(args.out)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Photorealism residual of an image under a photo's matting Laplacian (float64 reference).

    python3 reference/matting_residual.py PHOTO IMAGE [--eps 1e-7]
    python3 reference/matting_residual.py --selfcheck PHOTO [IMAGE]

Both images are read with Pillow, .convert("RGB"), / 255 in float64, and must have the same
size. L is the matting Laplacian of PHOTO (reference/matting.py: getLaplacian1 of
luanfujun/deep-photo-styletransfer, 3x3 windows); v_c the channels of IMAGE. Prints JSON

    {"residual_per_pixel": sum_c v_c^T L v_c / (H W), "energy": sum_c v_c^T L v_c,
     "pixels": H W, "height": H, "width": W}

(Luan et al.'s photorealism loss is lambda times "energy"; their lambda is 1e4.)

--selfcheck: also the residual of PHOTO against itself, which is at most
3 eps (H-2)(W-2) / (H W) (each channel is exactly linear in the colour inside every window,
so only the eps |a|^2 term is left), asserted; and the matrix-free product / energy
(reference/matting.py) against the sparse L on IMAGE (or PHOTO), asserted to 1e-8 relative.
Adds the key "selfcheck". Time and peak memory go to stderr.

Needs numpy, scipy, pillow. Single-threaded: 512x384 ~2 s and 0.55 GB peak, 1024x768 ~7 s
and 2.1 GB (--selfcheck roughly doubles the time).
"""

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse
import json
import resource
import sys
import time

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import matting  # noqa: E402


def load01(path):
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"), dtype=np.float64) / 255


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("photo", help="the content photo (defines L)")
    p.add_argument("image", nargs="?", help="the image scored (required unless --selfcheck)")
    p.add_argument("--eps", type=float, default=matting.EPS)
    p.add_argument("--selfcheck", action="store_true")
    args = p.parse_args()
    if args.image is None and not args.selfcheck:
        p.error("IMAGE is required (or --selfcheck)")

    t0 = time.perf_counter()
    photo = load01(args.photo)
    image = load01(args.image) if args.image else photo
    if image.shape != photo.shape:
        p.error(f"sizes differ: PHOTO {photo.shape[1]}x{photo.shape[0]}, "
                f"IMAGE {image.shape[1]}x{image.shape[0]} (WxH)")
    h, w, _ = photo.shape
    t1 = time.perf_counter()
    lap = matting.levin_laplacian(photo, args.eps)
    t2 = time.perf_counter()
    v = np.ascontiguousarray(image.transpose(2, 0, 1))
    lv, energy_c = matting.quad_forms(lap, v)
    energy = float(energy_c.sum())
    out = {"residual_per_pixel": energy / (h * w), "energy": energy, "pixels": h * w,
           "height": h, "width": w}
    t3 = time.perf_counter()

    if args.selfcheck:
        own = float(matting.quad_forms(lap, photo.transpose(2, 0, 1))[1].sum())
        nwin = max(h - 2, 0) * max(w - 2, 0)
        bound = 3 * args.eps * nwin / (h * w)
        assert 0 <= own / (h * w) <= bound * (1 + 1e-9), (own / (h * w), bound)
        lv_free = matting.matting_product(photo, v, args.eps)
        e_free = matting.matting_energy(photo, v, args.eps)
        prod_err = float(max(np.linalg.norm(lv_free[c] - lv[c]) / max(np.linalg.norm(lv[c]),
                                                                       1e-300)
                             for c in range(3)))
        energy_err = float(abs(e_free.sum() - energy) / max(energy, 1e-300))
        ones_err = float(np.abs(lap @ np.ones(h * w)).max())
        out["selfcheck"] = {
            "photo_residual_per_pixel": own / (h * w),
            "photo_residual_bound": bound,
            "matrix_free_product_rel_err": prod_err,
            "matrix_free_energy_rel_err": energy_err,
            "l_ones_max_abs": ones_err,
            "nnz": int(lap.nnz),
        }
        assert prod_err < 1e-8 and energy_err < 1e-8 and ones_err < 1e-9, out["selfcheck"]
    t4 = time.perf_counter()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{w}x{h}: {t4 - t0:.2f} s (load {t1 - t0:.2f}, laplacian {t2 - t1:.2f}, "
          f"products {t3 - t2:.2f}, selfcheck {t4 - t3:.2f}), max RSS {rss:.0f} MiB",
          file=sys.stderr)
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

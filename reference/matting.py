"""Float64 matting Laplacian (Levin, Lischinski & Weiss 2008) as Luan et al. build it.

Shared by `make_matting_fixture.py` and `matting_residual.py` (numpy + scipy only).
Deep Photo Style Transfer's photorealism term is lambda * sum_c V_c^T L V_c, with L the
matting Laplacian of the content photo: 3x3 windows, eps = 1e-7, photo and V in 0..1.
Their L comes from the Matlab function getLaplacian1 in luanfujun/deep-photo-styletransfer,
file gen_laplacian/matting/getLaplacian1.m (commit 16744e3631d89b4b7da135e68532cb422bf112b7),
called by gen_laplacian/gen_laplacian.m line 20 as getLaplacian1(input, zeros(h, w), 1e-7, 1)
(no constrained pixels, win_size 1). Lines of getLaplacian1.m this port follows:

  16      neb_size = (2*win_size+1)^2 = 9
  22      indsM = reshape(1:img_size, h, w): pixel index i + j*h, column-major (Matlab)
  29-30   j over columns 1+win_size .. w-win_size (outer), i over rows (inner): every
          window whose 3x3 support lies wholly inside the image; none if h < 3 or w < 3
  31-33   consts is all zeros in gen_laplacian.m, so no window is skipped
  34-35   win_inds = the 9 pixel indices, column-major within the window
  36-37   winI = 9x3 window colours, same order
  38      win_mu = mean(winI, 1)'
  39      win_var = inv(winI'*winI/9 - win_mu*win_mu' + epsilon/9*eye(3))
          (uncentred covariance; eps/9 on the diagonal, i.e. Levin's eps/|w|)
  41      winI = winI - win_mu' (centred X)
  42      tvals = (1 + X*win_var*X')/9
  44-48   rows = win_inds repeated, cols = win_inds' repeated, vals = tvals(:)
  56      A = sparse(rows, cols, vals): duplicates (overlapping windows) are summed
  58-59   L = spdiags(sum(A, 2)) - A, i.e. L = diag(W 1) - W

`levin_laplacian_matlab_loop` is that loop line by line, in Matlab's column-major pixel
order (Matlab's rounding included); `levin_laplacian` is the vectorised builder used
everywhere else, in row-major (y * W + x) order, the same formula evaluated stably;
`colmajor_to_rowmajor` maps one order onto the other; `levin_laplacian_exact` is the same
formula in exact rational arithmetic (small images; the fixture's ground truth). `matting_product` /
`matting_energy` are the matrix-free He, Sun & Tang form (centred covariance, solve instead
of inv), an independent route to L v and v^T L v:

  per window k: mu_k, Sigma_k, Delta_k = (Sigma_k + eps/9 I)^-1, and for one channel v:
  vbar_k, c_k = 1/9 sum_j (I_j - mu_k)(v_j - vbar_k), a_k = Delta_k c_k,
  r_kj = (v_j - vbar_k) - a_k . (I_j - mu_k);  (L v)_i = sum_{k contains i} r_ki;
  v^T L v = sum_k [sum_j r_kj^2 + eps |a_k|^2].

Arrays: photo is H x W x 3 float64 in 0..1; a channel v is H x W (or C x H x W for several).
"""

import numpy as np
import scipy.sparse as sp

EPS = 1e-7
OFFSETS = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]  # window positions, row-major


def _windows(photo):
    """Window colours: (H-2, W-2, 9, 3), window positions in OFFSETS order (row-major)."""
    h, w, _ = photo.shape
    return np.stack([photo[1 + dy:h - 1 + dy, 1 + dx:w - 1 + dx, :] for dy, dx in OFFSETS],
                    axis=2)


def levin_laplacian(photo01, eps=EPS):
    """Sparse CSR float64 matting Laplacian, pixel index y * W + x (row-major).

    getLaplacian1.m's formula (lines 38-42, 56-59), vectorised and evaluated stably: the
    covariance from the centred colours (X^T X / 9, equal to line 39's winI'*winI/9 - mu*mu'
    in exact arithmetic) and tvals = (1 + X solve(Sigma + eps/9 I, X^T)) / 9 instead of
    X * inv(...) * X'. Matlab's literal order of operations loses up to ~1e-10 (relative) on
    grey or nearly flat windows, where Sigma + eps/9 I has condition ~1e7 and inv(...) has
    entries ~1e8 that cancel in X inv X'; this form agrees with exact rational arithmetic to
    ~1e-15 (see make_matting_fixture.py). All windows' 9x9 blocks are accumulated into a
    5x5-neighbour stencil per pixel (two pixels share a 3x3 window only if they are at most 2
    apart in each axis), then one coo_matrix.
    """
    photo = np.asarray(photo01, dtype=np.float64)
    h, w, c = photo.shape
    assert c == 3
    n = h * w
    if h < 3 or w < 3:
        return sp.csr_matrix((n, n), dtype=np.float64)
    win = _windows(photo)                                         # (kh, kw, 9, 3)
    kh, kw = h - 2, w - 2
    x = win - win.mean(axis=2, keepdims=True)                     # lines 38, 41
    m = np.einsum("abpi,abpj->abij", x, x) / 9 + eps / 9 * np.eye(3)  # line 39 (before inv)
    z = np.linalg.solve(m, np.swapaxes(x, 2, 3))                  # inv(m) X^T, (kh, kw, 3, 9)
    tvals = (1 + np.einsum("abpi,abiq->abpq", x, z)) / 9          # line 42, (kh, kw, 9, 9)
    # stencil[y, x, dy+2, dx+2] = W[(y, x), (y+dy, x+dx)]
    stencil = np.zeros((h, w, 5, 5))
    touched = np.zeros((h, w, 5, 5), dtype=bool)
    for p, (py, px) in enumerate(OFFSETS):
        for q, (qy, qx) in enumerate(OFFSETS):
            sy, sx = 1 + py, 1 + px                               # pixel p of window (a, b)
            stencil[sy:sy + kh, sx:sx + kw, qy - py + 2, qx - px + 2] += tvals[:, :, p, q]
            touched[sy:sy + kh, sx:sx + kw, qy - py + 2, qx - px + 2] = True  # line 56 (sum)
    del tvals, z
    ys, xs, dys, dxs = np.nonzero(touched)
    rows = ys * w + xs
    cols = (ys + dys - 2) * w + (xs + dxs - 2)
    wmat = sp.coo_matrix((stencil[ys, xs, dys, dxs], (rows, cols)), shape=(n, n)).tocsr()
    deg = np.asarray(wmat.sum(axis=1)).ravel()                    # line 58
    return (sp.diags(deg, format="csr") - wmat).tocsr()           # line 59


def levin_laplacian_matlab_loop(photo01, eps=EPS):
    """getLaplacian1.m lines 16-59, loop for loop, 0-based, Matlab (column-major) pixel order
    i + j * h. Slow; for small images only (checks `levin_laplacian`)."""
    img = np.asarray(photo01, dtype=np.float64)
    h, w, c = img.shape
    win_size = 1
    neb_size = (2 * win_size + 1) ** 2                                          # 16
    img_size = w * h                                                            # 19
    inds_m = np.arange(img_size).reshape((h, w), order="F")                     # 22
    rows, cols, vals = [], [], []
    for j in range(win_size, w - win_size):                                     # 29
        for i in range(win_size, h - win_size):                                 # 30
            win_inds = inds_m[i - win_size:i + win_size + 1,
                              j - win_size:j + win_size + 1].ravel(order="F")   # 34-35
            win_i = img[i - win_size:i + win_size + 1, j - win_size:j + win_size + 1, :]
            win_i = win_i.reshape((neb_size, c), order="F")                     # 36-37
            win_mu = win_i.mean(axis=0)[:, None]                                # 38
            win_var = np.linalg.inv(win_i.T @ win_i / neb_size - win_mu @ win_mu.T
                                    + eps / neb_size * np.eye(c))               # 39
            win_i = win_i - win_mu.T                                            # 41
            tvals = (1 + win_i @ win_var @ win_i.T) / neb_size                  # 42
            rows.append(np.repeat(win_inds[:, None], neb_size, axis=1).ravel(order="F"))  # 44
            cols.append(np.repeat(win_inds[None, :], neb_size, axis=0).ravel(order="F"))  # 46
            vals.append(tvals.ravel(order="F"))                                 # 48
    if vals:
        a = sp.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                          shape=(img_size, img_size)).tocsr()                   # 56
    else:
        a = sp.csr_matrix((img_size, img_size), dtype=np.float64)
    sum_a = np.asarray(a.sum(axis=1)).ravel()                                   # 58
    return (sp.diags(sum_a, format="csr") - a).tocsr()                          # 59


def colmajor_to_rowmajor(lap, h, w):
    """Reindex a Laplacian from Matlab order (i + j*h) to row-major (i*w + j)."""
    perm = np.arange(h * w).reshape((h, w), order="F").ravel()  # perm[row-major] = Matlab index
    return lap[perm][:, perm].tocsr()


def _window_solution(photo, v, eps):
    """Per window and channel: residuals r (C, kh, kw, 9) and coefficients a (C, kh, kw, 3)."""
    win = _windows(photo)                                         # (kh, kw, 9, 3)
    x = win - win.mean(axis=2, keepdims=True)
    sigma = np.einsum("abpi,abpj->abij", x, x) / 9                # centred covariance
    m = sigma + eps / 9 * np.eye(3)
    h, w = photo.shape[:2]
    vw = np.stack([v[:, 1 + dy:h - 1 + dy, 1 + dx:w - 1 + dx] for dy, dx in OFFSETS], axis=-1)
    vc = vw - vw.mean(axis=-1, keepdims=True)                     # (C, kh, kw, 9)
    cvec = np.einsum("abpi,cabp->cabi", x, vc) / 9                # (C, kh, kw, 3)
    a = np.linalg.solve(np.broadcast_to(m, cvec.shape + (3,)), cvec[..., None])[..., 0]
    r = vc - np.einsum("abpi,cabi->cabp", x, a)
    return r, a


def _as_channels(photo01, v):
    photo = np.asarray(photo01, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    single = v.ndim == 2
    v = v[None] if single else v
    assert photo.ndim == 3 and photo.shape[2] == 3 and v.shape[1:] == photo.shape[:2]
    return photo, v, single


def matting_product(photo01, v, eps=EPS):
    """Matrix-free L v for v of shape (H, W) or (C, H, W); same shape back."""
    photo, v, single = _as_channels(photo01, v)
    h, w = photo.shape[:2]
    out = np.zeros_like(v)
    if h >= 3 and w >= 3:
        r, _ = _window_solution(photo, v, eps)
        for p, (dy, dx) in enumerate(OFFSETS):
            out[:, 1 + dy:h - 1 + dy, 1 + dx:w - 1 + dx] += r[..., p]
    return out[0] if single else out


def matting_energy(photo01, v, eps=EPS):
    """Matrix-free v^T L v = sum_k [sum_j r_kj^2 + eps |a_k|^2]; per channel for (C, H, W)."""
    photo, v, single = _as_channels(photo01, v)
    h, w = photo.shape[:2]
    if h < 3 or w < 3:
        e = np.zeros(v.shape[0])
    else:
        r, a = _window_solution(photo, v, eps)
        e = (r ** 2).sum(axis=(1, 2, 3)) + eps * (a ** 2).sum(axis=(1, 2, 3))
    return float(e[0]) if single else e


def quad_forms(lap, v):
    """(L v_c, v_c^T L v_c) per channel for v (C, H, W), L row-major."""
    c = v.shape[0]
    flat = v.reshape(c, -1)
    lv = np.stack([lap @ flat[i] for i in range(c)])
    return lv.reshape(v.shape), np.einsum("ci,ci->c", flat, lv)


def levin_laplacian_exact(photo01, eps=EPS):
    """The same L in exact rational arithmetic (fractions.Fraction) for a small float64 photo:
    every float64 input (the photo's values, eps) taken exactly, getLaplacian1's formula
    (lines 38-42, 56-59) evaluated with no rounding, so the order of windows and of the sums
    is irrelevant. Returns rows: a list (row-major pixel index) of {column: Fraction}."""
    from fractions import Fraction

    photo = np.asarray(photo01, dtype=np.float64)
    h, w, c = photo.shape
    assert c == 3
    img = [[[Fraction(float(photo[y, x, k])) for k in range(3)] for x in range(w)]
           for y in range(h)]
    e9 = Fraction(float(eps)) / 9
    wmat = [dict() for _ in range(h * w)]
    for cy in range(1, h - 1):
        for cx in range(1, w - 1):
            inds = [(cy + dy) * w + (cx + dx) for dy, dx in OFFSETS]
            win = [img[cy + dy][cx + dx] for dy, dx in OFFSETS]
            mu = [sum(p[k] for p in win) / 9 for k in range(3)]
            m = [[sum(p[i] * p[j] for p in win) / 9 - mu[i] * mu[j] + (e9 if i == j else 0)
                  for j in range(3)] for i in range(3)]
            cof = [[m[(i + 1) % 3][(j + 1) % 3] * m[(i + 2) % 3][(j + 2) % 3]
                    - m[(i + 1) % 3][(j + 2) % 3] * m[(i + 2) % 3][(j + 1) % 3]
                    for j in range(3)] for i in range(3)]
            det = sum(m[0][j] * cof[0][j] for j in range(3))
            delta = [[cof[j][i] / det for j in range(3)] for i in range(3)]  # adjugate / det
            x = [[p[k] - mu[k] for k in range(3)] for p in win]
            xd = [[sum(xp[i] * delta[i][j] for i in range(3)) for j in range(3)] for xp in x]
            for p in range(9):
                row = wmat[inds[p]]
                for q in range(9):
                    t = (1 + sum(xd[p][j] * x[q][j] for j in range(3))) / 9
                    row[inds[q]] = row.get(inds[q], 0) + t
    lap = []
    for i, row in enumerate(wmat):
        deg = sum(row.values(), Fraction(0))
        out = {j: -t for j, t in row.items()}
        out[i] = out.get(i, 0) + deg
        lap.append(out)
    return lap

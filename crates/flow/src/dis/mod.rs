//! One level of DIS: patch search with propagation, then densification.

mod grid;
mod search;

pub(crate) use grid::PatchGrid;
use rayon::prelude::*;
pub(crate) use search::Level;
use search::Patch;

use crate::plane::Plane;

/// Settings of one level's search.
pub(crate) struct SearchSettings {
    pub(crate) patch_size: usize,
    pub(crate) stride: usize,
    pub(crate) iterations: usize,
    pub(crate) mean_normalize: bool,
    pub(crate) propagate: bool,
}

/// The displacement of each patch of `grid`, row by row.
///
/// Each patch starts from the initial dense flow at its centre. With propagation, a first sweep
/// runs each patch row left to right (a patch also tries its left neighbour's result) for half
/// the iterations, and a second sweep right to left (trying its right neighbour's new result
/// and its upper and lower neighbours' first-sweep results) for the rest. Rows run in parallel
/// and each reads only results fixed before it starts, so the result does not depend on the
/// thread count.
pub(crate) fn search_patches(
    level: &Level<'_>,
    grid: &PatchGrid,
    init_u: &Plane,
    init_v: &Plane,
    s: &SearchSettings,
) -> Vec<Vec<[f32; 2]>> {
    let size = grid.size;
    let half = size / 2;
    let initial: Vec<Vec<[f32; 2]>> = grid
        .ys
        .iter()
        .map(|&y| {
            grid.xs
                .iter()
                .map(|&x| {
                    let k = (y + half) * init_u.width + x + half;
                    [init_u.data[k], init_v.data[k]]
                })
                .collect()
        })
        .collect();
    let (first_iters, second_iters) = if s.propagate {
        (s.iterations / 2, s.iterations - s.iterations / 2)
    } else {
        (s.iterations, 0)
    };
    let first: Vec<Vec<[f32; 2]>> = (0..grid.ys.len())
        .into_par_iter()
        .map(|r| {
            let mut patch = Patch::default();
            let mut row: Vec<[f32; 2]> = Vec::with_capacity(grid.xs.len());
            for (c, &x) in grid.xs.iter().enumerate() {
                patch.load(level, x, grid.ys[r], size, s.mean_normalize);
                let mut candidates = vec![initial[r][c]];
                if s.propagate && c > 0 {
                    candidates.push(row[c - 1]);
                }
                let (start, ssd) = best_of(&mut patch, level, &candidates);
                row.push(patch.descend(level, start, ssd, first_iters).0);
            }
            row
        })
        .collect();
    if !s.propagate || second_iters == 0 {
        return first;
    }
    (0..grid.ys.len())
        .into_par_iter()
        .map(|r| {
            let mut patch = Patch::default();
            let n = grid.xs.len();
            let mut row = vec![[0.0f32; 2]; n];
            for c in (0..n).rev() {
                patch.load(level, grid.xs[c], grid.ys[r], size, s.mean_normalize);
                let mut candidates = vec![first[r][c]];
                if c + 1 < n {
                    candidates.push(row[c + 1]);
                }
                if r > 0 {
                    candidates.push(first[r - 1][c]);
                }
                if r + 1 < grid.ys.len() {
                    candidates.push(first[r + 1][c]);
                }
                let (start, ssd) = best_of(&mut patch, level, &candidates);
                row[c] = patch.descend(level, start, ssd, second_iters).0;
            }
            row
        })
        .collect()
}

/// The candidate with the lowest cost (the first on ties) and that cost.
fn best_of(patch: &mut Patch, level: &Level<'_>, candidates: &[[f32; 2]]) -> ([f32; 2], f32) {
    let mut best = (candidates[0], patch.ssd(level, candidates[0]));
    for &w in &candidates[1..] {
        if w == best.0 {
            continue;
        }
        let ssd = patch.ssd(level, w);
        if ssd < best.1 {
            best = (w, ssd);
        }
    }
    best
}

/// The dense flow: at each pixel, the average of the displacements of the patches that cover
/// it, each weighted by `1 / max(1, |to(p + w) − from(p)|)` (Kroeger et al., eq. 3).
pub(crate) fn densify(
    level: &Level<'_>,
    grid: &PatchGrid,
    patches: &[Vec<[f32; 2]>],
) -> (Plane, Plane) {
    let (w, h) = (level.from.width, level.from.height);
    let mut u = Plane::zeros(w, h);
    let mut v = Plane::zeros(w, h);
    u.data
        .par_chunks_mut(w)
        .zip(v.data.par_chunks_mut(w))
        .enumerate()
        .for_each(|(y, (u_row, v_row))| {
            let mut den = vec![0.0f32; w];
            let mut num_u = vec![0.0f32; w];
            let mut num_v = vec![0.0f32; w];
            for (r, &py) in grid.ys.iter().enumerate() {
                if y < py || y >= py + grid.size {
                    continue;
                }
                for (c, &px) in grid.xs.iter().enumerate() {
                    let [du, dv] = patches[r][c];
                    let yy = y as f32 + dv;
                    for x in px..px + grid.size {
                        let diff = level.to.sample(x as f32 + du, yy) - level.from.data[y * w + x];
                        let weight = 1.0 / diff.abs().max(1.0);
                        den[x] += weight;
                        num_u[x] += weight * du;
                        num_v[x] += weight * dv;
                    }
                }
            }
            for x in 0..w {
                // Every pixel is covered by at least one patch, whose weight is positive.
                u_row[x] = if den[x] > 0.0 { num_u[x] / den[x] } else { 0.0 };
                v_row[x] = if den[x] > 0.0 { num_v[x] / den[x] } else { 0.0 };
            }
        });
    (u, v)
}

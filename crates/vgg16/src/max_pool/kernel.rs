//! 2×2 max pooling and its gradient on `f32` planes.

use rayon::prelude::*;

/// The index in its window (0 to 3, row-major) of the first maximum, as Burn's and PyTorch's
/// max pooling choose it: a later value wins only if it is strictly greater.
#[inline(always)]
fn argmax(window: [f32; 4]) -> usize {
    let mut best = 0;
    for (i, &value) in window.iter().enumerate().skip(1) {
        if value > window[best] {
            best = i;
        }
    }
    best
}

/// The four values of window `(i, j)` of an `h×w` plane with width `w`.
#[inline(always)]
fn window(plane: &[f32], w: usize, i: usize, j: usize) -> [f32; 4] {
    let (top, bottom) = (&plane[2 * i * w..][..w], &plane[(2 * i + 1) * w..][..w]);
    [top[2 * j], top[2 * j + 1], bottom[2 * j], bottom[2 * j + 1]]
}

/// Pools `planes` planes of `h×w`: `planes × (h/2) × (w/2)` values.
pub(crate) fn forward(x: &[f32], [planes, h, w]: [usize; 3]) -> Vec<f32> {
    assert_eq!(x.len(), planes * h * w);
    let (oh, ow) = (h / 2, w / 2);
    let mut y = vec![0.0f32; planes * oh * ow];
    if oh * ow == 0 {
        return y;
    }
    y.par_chunks_mut(oh * ow)
        .zip(x.par_chunks(h * w))
        .for_each(|(y, x)| {
            for (i, row) in y.chunks_exact_mut(ow).enumerate() {
                for (j, y) in row.iter_mut().enumerate() {
                    let window = window(x, w, i, j);
                    *y = window[argmax(window)];
                }
            }
        });
    y
}

/// The gradient with respect to `x` of [`forward`], given the gradient of its output: each
/// window's gradient goes to its maximum, which is found again in `x`.
pub(crate) fn backward(x: &[f32], grad: &[f32], [planes, h, w]: [usize; 3]) -> Vec<f32> {
    let (oh, ow) = (h / 2, w / 2);
    assert_eq!(x.len(), planes * h * w);
    assert_eq!(grad.len(), planes * oh * ow);
    let mut dx = vec![0.0f32; planes * h * w];
    if oh * ow == 0 {
        return dx;
    }
    dx.par_chunks_mut(h * w)
        .zip(x.par_chunks(h * w).zip(grad.par_chunks(oh * ow)))
        .for_each(|(dx, (x, grad))| {
            for (i, grad) in grad.chunks_exact(ow).enumerate() {
                for (j, &g) in grad.iter().enumerate() {
                    let best = argmax(window(x, w, i, j));
                    dx[(2 * i + best / 2) * w + 2 * j + best % 2] = g;
                }
            }
        });
    dx
}

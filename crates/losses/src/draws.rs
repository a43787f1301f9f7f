//! What the sliced loss draws at each evaluation from a run's seed: unit directions (repeated
//! bit for bit by the float64 reference, `reference/nst_reference.py`, `sliced_directions`:
//! SplitMix64 and the Box–Muller transform) and, on large layers, a subset of the pixels.

/// The first state of the stream of `(seed, draw, layer)`: `mix(mix(seed ^ draw) ^ layer)`.
fn stream(seed: u64, draw: u64, layer: u64) -> u64 {
    let mix = |state: u64| {
        let mut state = state;
        splitmix64(&mut state)
    };
    mix(mix(seed ^ draw) ^ layer)
}

/// SplitMix64's next output; advances `state`.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `k` unit directions in `c` dimensions, row-major `[k][c]`, for one `layer` (its index
/// among VGG-16's convolutions) at one `draw` (an evaluation) of a run seeded with `seed`.
///
/// The stream starts at `s = mix(mix(seed ^ draw) ^ layer)` (`mix` is one SplitMix64 step
/// from a state); uniforms are the top 53 bits of its outputs; normals come in
/// Box–Muller pairs `√(−2 ln(1 − u₁))·(cos 2πu₂, sin 2πu₂)` that fill the rows in order; each
/// row is then scaled to unit length.
///
/// ```
/// let d = nst_losses::directions(7, 3, 0, 4, 8);
/// for row in d.chunks(8) {
///     let norm: f64 = row.iter().map(|v| v * v).sum();
///     assert!((norm - 1.0).abs() < 1e-12);
/// }
/// assert_ne!(d, nst_losses::directions(7, 4, 0, 4, 8));
/// ```
pub fn directions(seed: u64, draw: u64, layer: u64, k: usize, c: usize) -> Vec<f64> {
    let mut state = stream(seed, draw, layer);
    let mut uniform = || (splitmix64(&mut state) >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
    let mut values = Vec::with_capacity(k * c + 1);
    while values.len() < k * c {
        let (u1, u2) = (1.0 - uniform(), uniform());
        let r = (-2.0 * u1.ln()).sqrt();
        let angle = std::f64::consts::TAU * u2;
        values.extend([r * angle.cos(), r * angle.sin()]);
    }
    values.truncate(k * c);
    for row in values.chunks_mut(c.max(1)) {
        let norm = row.iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm > 0.0 {
            row.iter_mut().for_each(|v| *v /= norm);
        }
    }
    values
}

/// `count` distinct indices below `n`, ascending, drawn uniformly for one `layer` at one `draw`
/// of a run seeded with `seed` (a partial Fisher–Yates shuffle on its own stream, apart from
/// the directions'); all of them when `count ≥ n`.
///
/// ```
/// let subset = nst_losses::pixel_subset(7, 3, 0, 100, 10);
/// assert_eq!(subset.len(), 10);
/// assert!(subset.windows(2).all(|w| w[0] < w[1]) && subset[9] < 100);
/// assert_eq!(nst_losses::pixel_subset(7, 3, 0, 5, 10), vec![0, 1, 2, 3, 4]);
/// ```
pub fn pixel_subset(seed: u64, draw: u64, layer: u64, n: usize, count: usize) -> Vec<u32> {
    let mut indices: Vec<u32> = (0..n as u32).collect();
    if count >= n {
        return indices;
    }
    // Another stream than the directions': the high bit of the layer key is never a layer's.
    let mut state = stream(seed, draw, layer | 1 << 63);
    for i in 0..count {
        let left = (n - i) as u64;
        let pick = i + ((u128::from(splitmix64(&mut state)) * u128::from(left)) >> 64) as usize;
        indices.swap(i, pick);
    }
    indices.truncate(count);
    indices.sort_unstable();
    indices
}

//! Evaluating the objective tile by tile: memory for one tile's activations, the whole
//! image's result.
//!
//! A first pass adds up each term's statistics (Gram matrices, sums of squares) over the
//! tiles without a graph. The terms' values, the weighted total and the total's derivative
//! with respect to every statistic then come from those sums alone. A second pass runs each
//! tile with a graph and descends `Σ ⟨statistic(tile), ∂total/∂statistic⟩`, whose gradient is
//! the tile's share of the total's; the shares, halo included, add up to the whole gradient.

use burn::tensor::{DType, Tensor};
use nst_losses::Window;
use nst_vgg16::{Layer, Vgg16};

use super::term::{Activations, Value, WeightedTerm, cast};
use crate::Error;
use crate::objective::tiling::{Tile, Tiling};

/// Runs VGG-16 on `image` (`[1, 3, H, W]`, not tracked) at `layers`, one of `tiles` at a
/// time, and hands each tile's activations to `visit`.
pub(crate) fn each_tile(
    vgg: &Vgg16,
    image: &Tensor<4>,
    (layers, dtype): (&[Layer], Option<DType>),
    tiles: &[Tile],
    mut visit: impl FnMut(Activations),
) {
    for tile in tiles {
        let input = tile.input.crop(image.clone());
        visit(activations(vgg, input, tile, layers, dtype));
    }
}

/// The activations of `tile` from `input`, its part of the image (with a graph if `input`
/// is tracked).
fn activations(
    vgg: &Vgg16,
    input: Tensor<4>,
    tile: &Tile,
    layers: &[Layer],
    dtype: Option<DType>,
) -> Activations {
    let features = vgg.forward(input, layers);
    Activations::new(tile.clone(), layers.to_vec(), features, dtype)
}

/// The tiles of `image` under `tiling`; the whole image as one tile without.
pub(crate) fn tiles(image: &Tensor<4>, tiling: Option<&Tiling>) -> Vec<Tile> {
    let [_, _, height, width] = image.dims();
    match tiling {
        Some(tiling) => tiling.tiles(height, width),
        None => vec![Tile::whole(height, width)],
    }
}

/// The whole activation from its parts, each with the window it covers (row by row, as
/// [`Tiling::tiles`] orders them).
pub(crate) fn stitch(parts: Vec<(Window, Tensor<4>)>) -> Tensor<4> {
    let mut rows: Vec<Vec<Tensor<4>>> = Vec::new();
    let mut top = None;
    for (window, part) in parts {
        if top != Some(window.rows.start) {
            top = Some(window.rows.start);
            rows.push(Vec::new());
        }
        if let Some(row) = rows.last_mut() {
            row.push(part);
        }
    }
    cat(rows.into_iter().map(|row| cat(row, 3)).collect(), 2)
}

fn cat(mut parts: Vec<Tensor<4>>, dim: usize) -> Tensor<4> {
    match parts.len() {
        1 => parts.remove(0),
        _ => Tensor::cat(parts, dim),
    }
}

/// What a pass over the tiles needs of the objective: its terms, the layers they read and
/// the dtype the losses are computed in.
pub(crate) struct Terms<'a> {
    pub terms: &'a [WeightedTerm],
    pub layers: &'a [Layer],
    pub dtype: Option<DType>,
}

impl Terms<'_> {
    /// Each term's statistics added up over the tiles of `image`, without a graph.
    pub fn sums(&self, vgg: &Vgg16, image: &Tensor<4>, tiles: &[Tile]) -> Vec<Vec<Tensor<3>>> {
        let image = image.clone().autodiff();
        let mut sums: Vec<Vec<Tensor<3>>> = vec![Vec::new(); self.terms.len()];
        each_tile(
            vgg,
            &image,
            (self.layers, self.dtype),
            tiles,
            |activations| {
                for (sum, term) in sums.iter_mut().zip(self.terms) {
                    let parts = term
                        .loss
                        .partial(&activations)
                        .into_iter()
                        .map(Tensor::inner);
                    *sum = match sum.is_empty() {
                        true => parts.collect(),
                        false => sum.drain(..).zip(parts).map(|(a, b)| a + b).collect(),
                    };
                }
            },
        );
        sums
    }

    /// Each term's value from its statistics' `sums` and the whole `image`, at evaluation
    /// `draw`.
    pub fn values(
        &self,
        sums: Vec<Vec<Tensor<3>>>,
        image: &Tensor<4>,
        draw: u64,
    ) -> Result<Vec<Value>, Error> {
        let image = cast(image.clone(), self.dtype);
        self.terms
            .iter()
            .zip(sums)
            .map(|(term, sums)| term.loss.value(sums, &image, draw))
            .collect()
    }

    /// The values, the weighted `total` of them and its gradient at `x` over `tiles`.
    pub fn evaluate(
        &self,
        vgg: &Vgg16,
        x: Tensor<4>,
        tiles: &[Tile],
        draw: u64,
        total: impl FnOnce(&[Value]) -> Result<Tensor<1>, Error>,
    ) -> Result<(Vec<Value>, Tensor<1>, Tensor<4>), Error> {
        // The values, the total and its derivatives by each statistic from the sums.
        let sums: Vec<Vec<Tensor<3>>> = self
            .sums(vgg, &x, tiles)
            .into_iter()
            .map(|sums| {
                sums.into_iter()
                    .map(|s| s.autodiff().require_grad())
                    .collect()
            })
            .collect();
        let whole = x.clone().autodiff().require_grad();
        let values = self.values(sums.clone(), &whole, draw)?;
        let total = total(&values)?;
        let grads = total.clone().backward();
        let slopes: Vec<Vec<Option<Tensor<3>>>> = sums
            .iter()
            .map(|sums| sums.iter().map(|s| s.grad(&grads)).collect())
            .collect();
        // The image-only terms' gradient, then each tile's share of the others'.
        let mut gradient = whole.grad(&grads).unwrap_or_else(|| x.zeros_like());
        for tile in tiles {
            let input = tile.input.crop(x.clone()).autodiff().require_grad();
            let activations = activations(vgg, input.clone(), tile, self.layers, self.dtype);
            let surrogate = self
                .terms
                .iter()
                .zip(&slopes)
                .flat_map(|(term, slopes)| term.loss.partial(&activations).into_iter().zip(slopes))
                .filter_map(|(part, slope)| Some((part * slope.clone()?).sum()))
                .reduce(|a, b| a + b);
            let Some(surrogate) = surrogate else { continue };
            let share = input.grad(&surrogate.backward()).ok_or(Error::NoGradient)?;
            let at = [0..1, 0..3, tile.input.rows.clone(), tile.input.cols.clone()];
            let sum = gradient.clone().slice(at.clone()) + share;
            gradient = gradient.slice_assign(at, sum);
        }
        Ok((values, total, gradient))
    }
}

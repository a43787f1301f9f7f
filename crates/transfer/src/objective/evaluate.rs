//! An objective evaluated: each term's value, their weighted total, and the gradient at an
//! image (whole, through autodiff, or tile by tile), read back once per step.

use burn::tensor::Tensor;
use nst_losses::{NORMALIZATION_EPS, normalized_sum};
use nst_vgg16::Vgg16;

use super::term::{Activations, cast};
use super::tiled::{Terms, tiles};
use super::tiling::Tile;
use super::{Objective, Point, Value};
use crate::{Error, Losses, Term, Weighting};

impl Objective {
    /// Each term's raw (unweighted) value for `image`, a `[1, 3, H, W]` 0–255 tensor, at
    /// evaluation `draw`.
    pub fn values(&self, vgg: &Vgg16, image: Tensor<4>, draw: u64) -> Result<Vec<Value>, Error> {
        let tiles = tiles(&image, self.tiling.as_ref());
        let sums = self.passes().sums(vgg, &image, &tiles);
        self.passes().values(sums, &image, draw)
    }

    /// The terms as the passes over tiles see them.
    fn passes(&self) -> Terms<'_> {
        Terms {
            terms: &self.terms,
            layers: &self.layers,
            dtype: self.dtype,
        }
    }

    /// Each term's value for the whole `image`, in one pass (tracked if `image` is).
    fn values_whole(&self, vgg: &Vgg16, image: Tensor<4>, draw: u64) -> Result<Vec<Value>, Error> {
        let [_, _, height, width] = image.dims();
        let features = vgg.forward(image.clone(), &self.layers);
        let tile = Tile::whole(height, width);
        let activations = Activations::new(tile, self.layers.clone(), features, self.dtype);
        let image = cast(image, self.dtype);
        self.terms
            .iter()
            .map(|term| {
                term.loss
                    .value(term.loss.partial(&activations), &image, draw)
            })
            .collect()
    }

    /// The weighted sum the optimiser descends. Terms the weighting does not divide (see
    /// [`divided`]) enter it as `weight · value` whatever the weighting.
    fn total(&self, values: &[Value]) -> Result<Tensor<1>, Error> {
        let zero = || values[0].value.zeros_like();
        let terms = self.terms.iter().zip(values).enumerate();
        let weighted = || terms.clone().filter(|(_, (t, _))| divided(t.term));
        let total = match self.weighting {
            Weighting::Normalized => normalized_sum(
                weighted()
                    .filter(|(_, (t, _))| t.weight > 0.0)
                    .map(|(_, (t, v))| (t.weight, v.value.clone())),
            )
            .unwrap_or_else(zero),
            Weighting::Raw => weighted()
                .map(|(_, (t, v))| v.value.clone().mul_scalar(t.weight))
                .reduce(|a, b| a + b)
                .unwrap_or_else(zero),
            Weighting::Initial => {
                let initial = match self.initial.take() {
                    Some(initial) => initial,
                    None => read_back(values.iter().map(|v| v.value.clone()))?
                        .into_iter()
                        .zip(&self.floors)
                        .map(|(start, floor)| start.max(*floor))
                        .collect(),
                };
                let total = weighted()
                    .filter_map(|(i, (t, v))| {
                        let divisor = initial.get(i)? + NORMALIZATION_EPS;
                        Some(v.value.clone().mul_scalar(t.weight / divisor))
                    })
                    .reduce(|a, b| a + b)
                    .unwrap_or_else(zero);
                self.initial.set(Some(initial));
                total
            }
        };
        Ok(terms
            .filter(|(_, (t, _))| !divided(t.term))
            .fold(total, |total, (_, (t, v))| {
                total + v.value.clone().mul_scalar(t.weight)
            }))
    }

    /// The losses and the gradient of the objective at `x`, evaluation `draw` of a run: one
    /// forward and one backward pass, and one transfer to the host of the losses and of the
    /// gradient's sum (not finite if any entry is not).
    pub fn evaluate(&self, vgg: &Vgg16, x: Tensor<4>, draw: u64) -> Result<Point, Error> {
        let tiles = tiles(&x, self.tiling.as_ref());
        if tiles.len() > 1 {
            let total = |values: &[Value]| self.total(values);
            let (values, total, gradient) =
                self.passes()
                    .evaluate(vgg, x.clone().inner(), &tiles, draw, total)?;
            return self.point(x.inner(), values, total, gradient);
        }
        let tracked = x.autodiff().require_grad();
        let values = self.values_whole(vgg, tracked.clone(), draw)?;
        let total = self.total(&values)?;
        let grads = total.clone().backward();
        let gradient = tracked.grad(&grads).ok_or(Error::NoGradient)?;
        self.point(tracked.inner(), values, total, gradient)
    }

    /// The point at `image` with these values, total and gradient, after one read-back that
    /// checks they are finite.
    fn point(
        &self,
        image: Tensor<4>,
        values: Vec<Value>,
        total: Tensor<1>,
        gradient: Tensor<4>,
    ) -> Result<Point, Error> {
        let mut read = read_back(
            values
                .into_iter()
                .map(|v| v.value)
                .chain([total, gradient.clone().sum()]),
        )?;
        let (gradient_sum, total) = (read.pop(), read.pop());
        let non_finite = |what, value| Error::NonFinite {
            what,
            iteration: 0,
            value,
            last_finite: None,
        };
        let (Some(gradient_sum), Some(total)) = (gradient_sum, total) else {
            return Err(Error::device("read back fewer values than sent"));
        };
        if let Some(&value) = read.iter().chain([&total]).find(|v| !v.is_finite()) {
            return Err(non_finite("loss", value));
        }
        if !gradient_sum.is_finite() {
            return Err(non_finite("gradient", gradient_sum));
        }
        Ok(Point {
            image,
            losses: Losses {
                terms: self.keys().zip(read).collect(),
                total,
            },
            gradient,
        })
    }
}

/// One-element tensors' values, copied to the host in one transfer.
pub(crate) fn read_back(values: impl IntoIterator<Item = Tensor<1>>) -> Result<Vec<f64>, Error> {
    let values: Vec<Tensor<1>> = values.into_iter().map(Tensor::inner).collect();
    let count = values.len();
    let read = Tensor::cat(values, 0)
        .try_into_vec_as::<f64>()
        .map_err(|e| Error::device_from("cannot read back a result", e))?;
    if read.len() != count {
        return Err(Error::device(format!(
            "read back {} values, not {count}",
            read.len()
        )));
    }
    Ok(read)
}

/// Whether the weighting divides `term` by its own value: every term but the photorealism
/// term, whose value is already a per-pixel residual in 0–1 units, and whose value at the
/// usual starts (the photo, a flat image) is about 0, which would give it all the weight.
fn divided(term: Term) -> bool {
    term != Term::Photorealism
}

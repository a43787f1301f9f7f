//! The quantity the optimiser minimises: a weighted list of loss terms (content, style,
//! denoise) of an image, and its evaluation with one read-back per step.

mod content;
mod denoise;
pub(crate) mod losses;
mod style;
mod term;
mod tiled;
pub(crate) mod tiling;

use std::cell::Cell;

use burn::tensor::{DType, Tensor};
use nst_losses::{NORMALIZATION_EPS, normalized_sum};
use nst_vgg16::{Layer, Vgg16};

use crate::objective::tiling::{Tile, Tiling};
use crate::{Error, Losses, StyleTransferConfig, Term, Weighting};
use content::ContentTerm;
use denoise::DenoiseTerm;
use style::{StyleLayers, StyleTerm};
pub(crate) use term::Value;
use term::{Activations, WeightedTerm, cast};
use tiled::{Terms, tiles};

/// The terms of one run, their targets computed once from the content and style images.
pub(crate) struct Objective {
    /// Every layer the terms read, in forward order.
    layers: Vec<Layer>,
    terms: Vec<WeightedTerm>,
    weighting: Weighting,
    /// The divisors of [`Weighting::Initial`], set by the first evaluation.
    initial: Cell<Option<Vec<f64>>>,
    /// The least divisors of [`Weighting::Initial`] (see [`Objective::floors`]).
    floors: Vec<f64>,
    /// How images are cut into tiles; `None` evaluates them whole.
    tiling: Option<Tiling>,
    dtype: Option<DType>,
}

/// How an objective evaluates images.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Evaluation {
    /// In tiles that own `tile`×`tile` pixels (see
    /// [`StyleTransfer::with_tile`](crate::StyleTransfer::with_tile)), or whole.
    pub tile: Option<u32>,
    /// The losses' dtype, when not the model's (`f64` for reference values).
    pub dtype: Option<DType>,
}

/// An image, its losses and the gradient of the objective there (without autodiff).
pub(crate) struct Point {
    pub image: Tensor<4>,
    pub losses: Losses,
    pub gradient: Tensor<4>,
}

impl Objective {
    /// The content, style and denoise terms of `config`; several styles are blended with
    /// `blend` (summing to 1), or with `masks` each acts in its own region; images are
    /// evaluated as `evaluation` says.
    pub fn new(
        config: &StyleTransferConfig,
        vgg: &Vgg16,
        content: Tensor<4>,
        styles: Vec<Tensor<4>>,
        blend: &[f64],
        masks: Option<&[Tensor<4>]>,
        Evaluation { tile, dtype }: Evaluation,
    ) -> Result<Self, Error> {
        let content_image = content.clone();
        let tiling = tile.map(|side| Tiling::new(side, &config.layers()));
        let style_layers = StyleLayers {
            layers: &config.style_layers,
            weights: config.style_layer_weights.as_deref(),
            normalize: config.gram_normalize,
        };
        let terms = vec![
            WeightedTerm {
                term: Term::Content,
                weight: config.content_weight,
                loss: Box::new(ContentTerm::new(
                    vgg,
                    content,
                    &config.content_layers,
                    tiling.as_ref(),
                    dtype,
                )),
            },
            WeightedTerm {
                term: Term::Style,
                weight: config.style_weight,
                loss: Box::new(StyleTerm::new(
                    vgg,
                    styles,
                    blend,
                    masks,
                    style_layers,
                    (tiling.as_ref(), dtype),
                )),
            },
            WeightedTerm {
                term: Term::Denoise,
                weight: config.denoise_weight,
                loss: Box::new(DenoiseTerm),
            },
        ];
        let mut layers: Vec<Layer> = terms.iter().flat_map(|t| t.loss.layers()).collect();
        layers.sort();
        layers.dedup();
        let mut objective = Self {
            layers,
            terms,
            weighting: config.weighting,
            initial: Cell::new(None),
            floors: Vec::new(),
            tiling,
            dtype,
        };
        if config.weighting == Weighting::Initial {
            objective.floors = objective.floors(vgg, content_image)?;
        }
        Ok(objective)
    }

    /// The least divisors of [`Weighting::Initial`]: for a term that reads layers, its value
    /// on a flat image of the photo's mean color (how far a blank canvas is from the targets);
    /// for a term of the image alone (total variation), its value on the photo. A start
    /// image that already matches a target (the photo, for the content term) or is nearly
    /// flat (grey noise, for total variation) would otherwise divide by about zero and give
    /// that term all the weight.
    fn floors(&self, vgg: &Vgg16, content: Tensor<4>) -> Result<Vec<f64>, Error> {
        let flat = content.clone().mean_dims(&[2, 3]).expand(content.dims());
        let blank = self.values(vgg, flat);
        // The image-only terms read no layer: the photo needs no pass through the model.
        let photo = cast(content, self.dtype);
        let chosen =
            self.terms
                .iter()
                .zip(blank)
                .map(|(term, blank)| match term.loss.layers().is_empty() {
                    true => term.loss.value(Vec::new(), &photo).value,
                    false => blank.value,
                });
        read_back(chosen)
    }

    /// The divisors of [`Weighting::Initial`], once the first evaluation has set them.
    pub fn initial(&self) -> Option<Vec<f64>> {
        let initial = self.initial.take();
        self.initial.set(initial.clone());
        initial
    }

    /// Sets the divisors of [`Weighting::Initial`] (from a checkpoint).
    pub fn set_initial(&self, initial: Option<Vec<f64>>) {
        self.initial.set(initial);
    }

    /// The terms' keys, in the order [`values`](Self::values) returns them.
    pub fn keys(&self) -> impl Iterator<Item = Term> + '_ {
        self.terms.iter().map(|term| term.term)
    }

    /// Each term's raw (unweighted) value for `image`, a `[1, 3, H, W]` 0–255 tensor.
    pub fn values(&self, vgg: &Vgg16, image: Tensor<4>) -> Vec<Value> {
        let tiles = tiles(&image, self.tiling.as_ref());
        let sums = self.passes().sums(vgg, &image, &tiles);
        self.passes().values(sums, &image)
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
    fn values_whole(&self, vgg: &Vgg16, image: Tensor<4>) -> Vec<Value> {
        let [_, _, height, width] = image.dims();
        let features = vgg.forward(image.clone(), &self.layers);
        let tile = Tile::whole(height, width);
        let activations = Activations::new(tile, self.layers.clone(), features, self.dtype);
        let image = cast(image, self.dtype);
        self.terms
            .iter()
            .map(|term| term.loss.value(term.loss.partial(&activations), &image))
            .collect()
    }

    /// The weighted sum the optimiser descends.
    fn total(&self, values: &[Value]) -> Result<Tensor<1>, Error> {
        let weighted = self.terms.iter().map(|t| t.weight).zip(values);
        let zero = || values[0].value.zeros_like();
        Ok(match self.weighting {
            Weighting::Normalized => normalized_sum(
                weighted
                    .filter(|(w, _)| *w > 0.0)
                    .map(|(w, v)| (w, v.value.clone())),
            )
            .unwrap_or_else(zero),
            Weighting::Raw => weighted
                .map(|(w, v)| v.value.clone().mul_scalar(w))
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
                let total = weighted
                    .zip(&initial)
                    .map(|((w, v), l0)| v.value.clone().mul_scalar(w / (l0 + NORMALIZATION_EPS)))
                    .reduce(|a, b| a + b)
                    .unwrap_or_else(zero);
                self.initial.set(Some(initial));
                total
            }
        })
    }

    /// The losses and the gradient of the objective at `x`: one forward and one backward
    /// pass, and one transfer to the host of the losses and of the gradient's sum (not finite
    /// if any entry is not).
    pub fn evaluate(&self, vgg: &Vgg16, x: Tensor<4>) -> Result<Point, Error> {
        let tiles = tiles(&x, self.tiling.as_ref());
        if tiles.len() > 1 {
            let total = |values: &[Value]| self.total(values);
            let (values, total, gradient) =
                self.passes()
                    .evaluate(vgg, x.clone().inner(), &tiles, total)?;
            return self.point(x.inner(), values, total, gradient);
        }
        let tracked = x.autodiff().require_grad();
        let values = self.values_whole(vgg, tracked.clone());
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

//! The quantity the optimiser minimises: a weighted list of loss terms (content, style,
//! denoise) of an image, and its evaluation with one read-back per step.

mod content;
mod denoise;
mod histogram;
pub(crate) mod losses;
mod sliced;
mod style;
mod targets;
mod temporal;
mod term;
mod tiled;
pub(crate) mod tiling;
mod w2;

use std::cell::Cell;
use std::rc::Rc;

use burn::tensor::{DType, Tensor};
use nst_losses::{NORMALIZATION_EPS, normalized_sum};
use nst_vgg16::{Layer, Vgg16};

use crate::objective::tiling::{Tile, Tiling};
use crate::{Error, Losses, StyleLoss, StyleTransferConfig, Term, Weighting};
use content::ContentTerm;
use denoise::DenoiseTerm;
use histogram::HistogramTerm;
use sliced::SlicedTerm;
use style::{StyleLayers, StyleTerm};
use temporal::TemporalTerm;
pub(crate) use term::Value;
use term::{Activations, Loss, WeightedTerm, cast};
use tiled::{Terms, tiles};
use w2::W2Term;

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

/// The temporal term of a clip's frame: its weight, the previous painted frame warped to this
/// one (`[1, 3, H, W]`, 0–255) and the per-pixel reliability of that warp (`[1, 1, H, W]`).
pub(crate) struct Temporal {
    pub weight: f64,
    pub warped: Tensor<4>,
    pub weights: Tensor<4>,
}

/// An image, its losses and the gradient of the objective there (without autodiff).
pub(crate) struct Point {
    pub image: Tensor<4>,
    pub losses: Losses,
    pub gradient: Tensor<4>,
}

impl Objective {
    /// The content, style and denoise terms of `config` (and its histogram term, if
    /// weighted); several styles are blended with `blend` (summing to 1), or with `masks`
    /// each acts in its own region (Gram style loss only); images are evaluated as
    /// `evaluation` says.
    pub fn new(
        config: &StyleTransferConfig,
        vgg: &Vgg16,
        content: Tensor<4>,
        styles: Vec<Tensor<4>>,
        blend: &[f64],
        masks: Option<&[Tensor<4>]>,
        Evaluation { tile, dtype }: Evaluation,
    ) -> Result<Self, Error> {
        if tile.is_some() && !config.tiles() {
            return Err(Error::Config(
                "the sliced style loss and the histogram term compare whole feature \
                 distributions, which cannot be evaluated in tiles: use the gram or w2 style \
                 loss without the histogram term, or a size that fits without tiles"
                    .into(),
            ));
        }
        let content_image = content.clone();
        let tiling = tile.map(|side| Tiling::new(side, &config.layers()));
        let style_layers = StyleLayers {
            layers: &config.style_layers,
            weights: config.style_layer_weights.as_deref(),
            normalize: config.gram_normalize,
        };
        let style = StyleInputs {
            styles,
            blend,
            masks,
        }
        .term(config, vgg, style_layers, (tiling.as_ref(), dtype))?;
        let mut terms = vec![
            WeightedTerm {
                term: Term::Content,
                weight: config.content_weight,
                loss: Rc::new(ContentTerm::new(
                    vgg,
                    content,
                    &config.content_layers,
                    tiling.as_ref(),
                    dtype,
                )),
            },
            WeightedTerm {
                term: config.style_loss.term(),
                weight: config.style_weight,
                loss: Rc::from(style.loss),
            },
            WeightedTerm {
                term: Term::Denoise,
                weight: config.denoise_weight,
                loss: Rc::new(DenoiseTerm),
            },
        ];
        if let Some(histogram) = style.histogram {
            let loss = HistogramTerm::new(vgg, histogram, &config.histogram_layers, dtype)?;
            terms.push(WeightedTerm {
                term: Term::Histogram,
                weight: config.histogram_weight,
                loss: Rc::new(loss),
            });
        }
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

    /// The objective of another frame of a clip at the same size: the content term's
    /// targets from `content`, the style terms' shared with this objective (computed once
    /// per clip), and with `temporal`, Ruder et al.'s temporal term.
    pub fn for_frame(
        &self,
        config: &StyleTransferConfig,
        vgg: &Vgg16,
        content: Tensor<4>,
        temporal: Option<Temporal>,
    ) -> Result<Self, Error> {
        let mut terms: Vec<WeightedTerm> = self
            .terms
            .iter()
            .filter(|term| term.term != Term::Temporal)
            .map(|term| match term.term {
                Term::Content => WeightedTerm {
                    loss: Rc::new(ContentTerm::new(
                        vgg,
                        content.clone(),
                        &config.content_layers,
                        self.tiling.as_ref(),
                        self.dtype,
                    )),
                    ..term.clone()
                },
                _ => term.clone(),
            })
            .collect();
        if let Some(Temporal {
            weight,
            warped,
            weights,
        }) = temporal
        {
            terms.push(WeightedTerm {
                term: Term::Temporal,
                weight,
                loss: Rc::new(TemporalTerm::new(warped, weights)),
            });
        }
        let mut objective = Self {
            layers: self.layers.clone(),
            terms,
            weighting: self.weighting,
            initial: Cell::new(None),
            floors: Vec::new(),
            tiling: self.tiling.clone(),
            dtype: self.dtype,
        };
        if self.weighting == Weighting::Initial {
            objective.floors = objective.floors(vgg, content)?;
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
        let blank = self.values(vgg, flat, 0)?;
        // The image-only terms read no layer: the photo needs no pass through the model.
        let photo = cast(content, self.dtype);
        let chosen = self
            .terms
            .iter()
            .zip(blank)
            .map(|(term, blank)| match term.loss.layers().is_empty() {
                true => Ok(term.loss.value(Vec::new(), &photo, 0)?.value),
                false => Ok(blank.value),
            })
            .collect::<Result<Vec<_>, Error>>()?;
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

/// The style images and how they combine: blended, or each in its masked region.
struct StyleInputs<'a> {
    styles: Vec<Tensor<4>>,
    blend: &'a [f64],
    masks: Option<&'a [Tensor<4>]>,
}

/// The style term of a configuration, and the style image the histogram term matches.
struct StyleTerms {
    loss: Box<dyn Loss>,
    histogram: Option<Tensor<4>>,
}

impl StyleInputs<'_> {
    /// The style term `config.style_loss` names, and the histogram term's style if it is on;
    /// refuses what the losses cannot do (masks but with Gram matrices, several styles for
    /// the distribution losses).
    fn term(
        self,
        config: &StyleTransferConfig,
        vgg: &Vgg16,
        layers: StyleLayers,
        (tiling, dtype): (Option<&Tiling>, Option<DType>),
    ) -> Result<StyleTerms, Error> {
        let histogram = config.histogram_weight > 0.0;
        let distribution = match (config.style_loss, histogram) {
            (StyleLoss::Sliced, _) => Some(StyleLoss::Sliced.name()),
            (_, true) => Some("histogram"),
            _ => None,
        };
        if self.masks.is_some() && (config.style_loss != StyleLoss::Gram || histogram) {
            let mut refused = Vec::new();
            if config.style_loss != StyleLoss::Gram {
                refused.push(format!("the {} style loss", config.style_loss.name()));
            }
            if histogram {
                refused.push("the histogram term".to_owned());
            }
            return Err(Error::Config(format!(
                "style masks work with the gram style loss only, not with {}: each region's \
                 Gram matrix is weighted by its mask, which has no counterpart for the other \
                 statistics yet",
                refused.join(" or ")
            )));
        }
        // The one style the distribution losses match.
        let mut weighted = self
            .styles
            .iter()
            .zip(self.blend)
            .filter(|(_, w)| **w > 0.0)
            .map(|(style, _)| style.clone());
        let single = match (weighted.next(), weighted.next()) {
            (Some(style), None) => Some(style),
            _ => None,
        };
        let single = match (distribution, single) {
            (Some(loss), None) => {
                let advice = match config.style_loss {
                    StyleLoss::Sliced => "blend several styles with the gram or w2 style loss",
                    _ => "leave out --histogram-weight to blend several styles",
                };
                return Err(Error::Config(format!(
                    "the {loss} loss matches one style image's distribution; {advice}"
                )));
            }
            (_, single) => single,
        };
        let loss: Box<dyn Loss> = match config.style_loss {
            StyleLoss::Gram => Box::new(StyleTerm::new(
                vgg,
                self.styles,
                self.blend,
                self.masks,
                layers,
                (tiling, dtype),
            )),
            StyleLoss::W2 => Box::new(W2Term::new(
                vgg,
                self.styles,
                self.blend,
                layers,
                (tiling, dtype),
            )?),
            StyleLoss::Sliced => match single.clone() {
                Some(style) => Box::new(SlicedTerm::new(vgg, style, layers, config.seed, dtype)),
                // Refused above with advice; kept as an error rather than a panic.
                None => return Err(Error::Config("the sliced loss needs one style".into())),
            },
        };
        Ok(StyleTerms {
            loss,
            histogram: single.filter(|_| histogram),
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

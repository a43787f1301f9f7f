//! The quantity the optimiser minimises: a weighted list of loss terms (content, style,
//! denoise) of an image, and its evaluation with one read-back per step.

mod content;
mod denoise;
mod evaluate;
mod histogram;
pub(crate) mod losses;
mod photorealism;
mod sliced;
mod style;
mod style_inputs;
mod targets;
mod temporal;
mod term;
mod tiled;
pub(crate) mod tiling;
mod w2;

use std::cell::Cell;
use std::rc::Rc;

use burn::tensor::{DType, Tensor};
use nst_vgg16::{Layer, Vgg16};

use crate::objective::tiling::Tiling;
use crate::{Error, Losses, StyleTransferConfig, Term, Weighting};
use content::ContentTerm;
use denoise::DenoiseTerm;
pub(crate) use evaluate::read_back;
use histogram::HistogramTerm;
use photorealism::PhotorealismTerm;
use style::StyleLayers;
use style_inputs::StyleInputs;
use temporal::TemporalTerm;
pub(crate) use term::Value;
use term::{WeightedTerm, cast};

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
        if config.photorealism_weight > 0.0 {
            terms.push(photorealism(config, &content_image, dtype)?);
        }
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
                Term::Content => Ok(WeightedTerm {
                    loss: Rc::new(ContentTerm::new(
                        vgg,
                        content.clone(),
                        &config.content_layers,
                        self.tiling.as_ref(),
                        self.dtype,
                    )),
                    ..term.clone()
                }),
                Term::Photorealism => photorealism(config, &content, self.dtype),
                _ => Ok(term.clone()),
            })
            .collect::<Result<_, Error>>()?;
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
}

/// The photorealism term of `config` for `content`, the `[1, 3, H, W]` 0–255 photo at this
/// scale.
fn photorealism(
    config: &StyleTransferConfig,
    content: &Tensor<4>,
    dtype: Option<DType>,
) -> Result<WeightedTerm, Error> {
    Ok(WeightedTerm {
        term: Term::Photorealism,
        weight: config.photorealism_weight,
        loss: Rc::new(PhotorealismTerm::new(cast(content.clone(), dtype))?),
    })
}

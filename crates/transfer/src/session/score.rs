//! The raw losses of a finished image: the quality report, and the check against other
//! implementations.

use std::collections::BTreeMap;

use burn::tensor::{DType, Tensor};
use image::RgbImage;
use nst_vgg16::{Layer, Vgg16};
use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::objective::{Evaluation, Objective, read_back};
use crate::prepare::pixels::{resized, to_tensor};
use crate::prepare::{blend_weights, prepare};
use crate::{Error, StyleTransfer, Term};

/// The raw (unweighted, unnormalised) losses of an image, computed in `f64` from the model's
/// `f32` activations: one [`TermScore`] per loss term.
///
/// It serialises as today's report: `{"content_loss": …, "content_layers": {…},
/// "style_loss": …, "style_layers": {…}, "denoise_loss": …}`, a term's `…_layers` only when
/// it reads layers; with style masks, `"style_regions": [{"style_loss": …, "style_layers":
/// {…}}, …]` too.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    /// The terms, in the objective's order: `content`, `style`, `denoise`.
    pub terms: Vec<TermScore>,
    /// With style masks, each style's loss in its own region (its `style` term alone, not
    /// weighted by the blend), in the order of the styles; empty without masks.
    pub regions: Vec<TermScore>,
}

/// One loss term's score.
#[derive(Debug, Clone, PartialEq)]
pub struct TermScore {
    /// The term.
    pub term: Term,
    /// Its value: the (weighted) mean of the per-layer values, or the denoise loss.
    pub value: f64,
    /// Each layer's value, before any layer weight; empty for a term that reads no layer.
    pub layers: BTreeMap<Layer, f64>,
}

impl Scores {
    /// The score of `term`, if the objective has it.
    pub fn get(&self, term: Term) -> Option<&TermScore> {
        self.terms.iter().find(|score| score.term == term)
    }
}

impl Serialize for Scores {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for term in &self.terms {
            map.serialize_entry(&format!("{}_loss", term.term), &term.value)?;
            if !term.layers.is_empty() {
                map.serialize_entry(&format!("{}_layers", term.term), &term.layers)?;
            }
        }
        if !self.regions.is_empty() {
            let regions: Vec<Scores> = self
                .regions
                .iter()
                .map(|region| Scores {
                    terms: vec![region.clone()],
                    regions: Vec::new(),
                })
                .collect();
            map.serialize_entry("style_regions", &regions)?;
        }
        map.end()
    }
}

impl StyleTransfer {
    /// Scores `image` against `content` and `styles` (blended as in
    /// [`run_with`](Self::run_with)) without optimising anything.
    ///
    /// The inputs are resized as for a run; `image` is then resized to the content's size,
    /// except with native sizes (`size: None`), where the two must match.
    pub fn score(
        &self,
        content: &RgbImage,
        styles: &[&RgbImage],
        image: &RgbImage,
    ) -> Result<Scores, Error> {
        let config = self.config();
        let blend = blend_weights(config, styles.len())?;
        let (content, styles) = prepare(config, content, styles, config.size)?;
        if config.size.is_none() && image.dimensions() != content.dimensions() {
            let [(w, h), (cw, ch)] = [image.dimensions(), content.dimensions()];
            return Err(Error::Image {
                which: "scored",
                reason: format!("is {w}×{h} but the content image is {cw}×{ch}"),
            });
        }
        let image = resized(image, content.dimensions());
        let (vgg, objective) = self.objective(&content, &styles, &blend, Some(DType::F64))?;
        let vgg = vgg.as_ref();
        let image = to_tensor(&image, &self.device());
        let terms = term_scores(&objective, vgg, image.clone())?;
        let mut regions = Vec::new();
        if let Some(masks) = self.style_masks() {
            let device = self.device();
            let masks = masks.tensors(styles.len(), content.dimensions(), &device)?;
            for (style, mask) in styles.iter().zip(masks) {
                let region = Objective::new(
                    config,
                    vgg,
                    to_tensor(&content, &device),
                    vec![to_tensor(style, &device)],
                    &[1.0],
                    Some(&[mask]),
                    Evaluation {
                        tile: self.tile(),
                        dtype: Some(DType::F64),
                    },
                )?;
                let style = term_scores(&region, vgg, image.clone())?
                    .into_iter()
                    .find(|score| score.term == Term::Style);
                regions.extend(style);
            }
        }
        Ok(Scores { terms, regions })
    }
}

/// Each term's score of `image` under `objective`.
fn term_scores(
    objective: &Objective,
    vgg: &Vgg16,
    image: Tensor<4>,
) -> Result<Vec<TermScore>, Error> {
    let values = objective.values(vgg, image, 0)?;
    let mut terms = Vec::with_capacity(values.len());
    for (term, value) in objective.keys().zip(values) {
        let (layers, per_layer): (Vec<Layer>, Vec<_>) = value.layers.into_iter().unzip();
        let read = read_back(std::iter::once(value.value).chain(per_layer))?;
        terms.push(TermScore {
            term,
            value: read[0],
            layers: layers.into_iter().zip(read[1..].iter().copied()).collect(),
        });
    }
    Ok(terms)
}

use std::collections::BTreeMap;

use burn::tensor::{DType, Tensor};
use image::RgbImage;
use nst_vgg16::Layer;
use serde::{Deserialize, Serialize};

use crate::pixels::{resized, to_tensor};
use crate::{Error, StyleTransfer};

/// The raw (unweighted, unnormalised) losses of an image, computed in `f64` from the model's
/// `f32` activations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// Mean of the per-layer content losses.
    pub content_loss: f64,
    /// Mean of the per-layer style losses (times their layer weights, if any).
    pub style_loss: f64,
    /// Total variation of the 0–255 image.
    pub denoise_loss: f64,
    /// Each content layer's loss.
    pub content_layers: BTreeMap<Layer, f64>,
    /// Each style layer's loss, before its layer weight.
    pub style_layers: BTreeMap<Layer, f64>,
}

impl StyleTransfer {
    /// Scores `image` against `content` and `style` without optimising anything.
    ///
    /// The inputs are resized as for [`run`](Self::run); `image` is then resized to the
    /// content's size, except with native sizes (`size: None`), where the two must match.
    pub fn score(
        &self,
        content: &RgbImage,
        style: &RgbImage,
        image: &RgbImage,
    ) -> Result<Scores, Error> {
        self.score_blend(content, &[style], image)
    }

    /// [`score`](Self::score) against several style images, blended as in
    /// [`run_blend_with`](Self::run_blend_with).
    pub fn score_blend(
        &self,
        content: &RgbImage,
        styles: &[&RgbImage],
        image: &RgbImage,
    ) -> Result<Scores, Error> {
        let blend = self.blend(styles.len())?;
        let (content, styles) = self.prepare(content, styles, self.config().size)?;
        if self.config().size.is_none() && image.dimensions() != content.dimensions() {
            let [(w, h), (cw, ch)] = [image.dimensions(), content.dimensions()];
            return Err(Error::Image {
                which: "scored",
                reason: format!("is {w}×{h} but the content image is {cw}×{ch}"),
            });
        }
        let image = resized(image, content.dimensions());
        let (vgg, objective) = self.objective(&content, &styles, &blend, Some(DType::F64))?;
        let terms = objective.terms(vgg, to_tensor(&image, &self.device()));
        let value = |t: Tensor<1>| t.inner().into_scalar::<f64>();
        let per_layer = |layers: Vec<(Layer, Tensor<1>)>| -> BTreeMap<Layer, f64> {
            layers.into_iter().map(|(l, t)| (l, value(t))).collect()
        };
        Ok(Scores {
            content_loss: value(terms.content),
            style_loss: value(terms.style),
            denoise_loss: value(terms.denoise),
            content_layers: per_layer(terms.content_layers),
            style_layers: per_layer(terms.style_layers),
        })
    }
}

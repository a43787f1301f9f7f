//! The checks that make every configuration that exists a valid one.

use super::{Init, Optimizer, StyleTransferConfig, Weighting};
use crate::Error;

impl StyleTransferConfig {
    /// Checks every field; the error names the first one that is wrong.
    pub(crate) fn validate(&self) -> Result<(), Error> {
        let invalid = |message: String| Err(Error::Config(message));
        if self.style_layers.is_empty() {
            return invalid("style_layers is empty: name at least one layer".into());
        }
        for (name, value) in [
            ("content_weight", self.content_weight),
            ("style_weight", self.style_weight),
            ("denoise_weight", self.denoise_weight),
            ("histogram_weight", self.histogram_weight),
            ("photorealism_weight", self.photorealism_weight),
        ] {
            if !(value.is_finite() && value >= 0.0) {
                return invalid(format!("{name} must be a finite number ≥ 0, got {value}"));
            }
        }
        if self.content_weight + self.style_weight + self.denoise_weight + self.histogram_weight
            == 0.0
        {
            return invalid("content, style, denoise and histogram weights are all 0".into());
        }
        if self.histogram_weight > 0.0 && self.histogram_layers.is_empty() {
            return invalid("histogram_layers is empty but histogram_weight is not 0".into());
        }
        if self.content_weight > 0.0 && self.content_layers.is_empty() {
            return invalid("content_layers is empty but content_weight is not 0".into());
        }
        if !(self.step_size.is_finite() && self.step_size > 0.0) {
            return invalid(format!("step_size must be > 0, got {}", self.step_size));
        }
        if !(self.step_decay.is_finite() && self.step_decay > 0.0) {
            return invalid(format!("step_decay must be > 0, got {}", self.step_decay));
        }
        if !(0.0..1.0).contains(&self.average) {
            return invalid(format!("average must be in [0, 1), got {}", self.average));
        }
        if self.optimizer == Optimizer::Lbfgs {
            if self.history == 0 {
                return invalid("history must be ≥ 1 for lbfgs".into());
            }
            if self.weighting == Weighting::Normalized {
                return invalid(
                    "weighting `normalized` rescales the objective every iteration, which \
                     breaks lbfgs's line search: use weighting `initial` or `raw`"
                        .into(),
                );
            }
        }
        if self.multiscale.is_some() && self.weighting == Weighting::Normalized {
            return invalid(
                "weighting `normalized` makes each scale's balance of content and style depend \
                 on the image it starts from, and a coarse-to-fine run then loses the content: \
                 use weighting `initial` or `raw` with multiscale"
                    .into(),
            );
        }
        if let Some(blend) = &self.style_blend {
            if let Some(w) = blend.iter().find(|w| !(w.is_finite() && **w >= 0.0)) {
                return invalid(format!(
                    "style_blend weights must be finite and ≥ 0, got {w}"
                ));
            }
            if blend.iter().sum::<f64>() <= 0.0 {
                return invalid("style_blend weights are all 0".into());
            }
        }
        if let Some(multiscale) = &self.multiscale {
            multiscale.validate()?;
        }
        if !(self.style_scale.is_finite() && self.style_scale > 0.0) {
            return invalid(format!("style_scale must be > 0, got {}", self.style_scale));
        }
        if self.size == Some(0) {
            return invalid("size must be ≥ 1 (use no size to keep native sizes)".into());
        }
        if let Some(weights) = &self.style_layer_weights {
            if weights.len() != self.style_layers.len() {
                return invalid(format!(
                    "style_layer_weights has {} values for {} style layers",
                    weights.len(),
                    self.style_layers.len()
                ));
            }
            if let Some(w) = weights.iter().find(|w| !(w.is_finite() && **w >= 0.0)) {
                return invalid(format!(
                    "style layer weights must be finite and ≥ 0, got {w}"
                ));
            }
        }
        if let Init::Noise { low, high } = self.init
            && !(low.is_finite() && high.is_finite() && low < high)
        {
            return invalid(format!(
                "noise range [{low}, {high}) is empty or not finite"
            ));
        }
        Ok(())
    }
}

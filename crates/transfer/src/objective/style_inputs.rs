//! The style term a configuration names, built from its style images: blended, or each in
//! its masked region; and the one style image the distribution losses match.

use burn::tensor::{DType, Tensor};
use nst_vgg16::Vgg16;

use super::sliced::SlicedTerm;
use super::style::{StyleLayers, StyleTerm};
use super::term::Loss;
use super::tiling::Tiling;
use super::w2::W2Term;
use crate::{Error, StyleLoss, StyleTransferConfig};

/// The style images and how they combine: blended, or each in its masked region.
pub(super) struct StyleInputs<'a> {
    pub styles: Vec<Tensor<4>>,
    pub blend: &'a [f64],
    pub masks: Option<&'a [Tensor<4>]>,
}

/// The style term of a configuration, and the style image the histogram term matches.
pub(super) struct StyleTerms {
    pub loss: Box<dyn Loss>,
    pub histogram: Option<Tensor<4>>,
}

impl StyleInputs<'_> {
    /// The style term `config.style_loss` names, and the histogram term's style if it is on;
    /// refuses what the losses cannot do (masks but with Gram matrices, several styles for
    /// the distribution losses).
    pub fn term(
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

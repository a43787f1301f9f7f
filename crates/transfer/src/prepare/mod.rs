//! Getting the inputs ready for a run: the style blend weights, recoloring for color
//! preservation, resizing to the working size, the style masks, and the starting image.

pub(crate) mod initial;
pub(crate) mod luminance;
pub(crate) mod masks;
pub(crate) mod pixels;

use std::borrow::Cow;

use image::RgbImage;
use nst_vgg16::Vgg16;

use crate::{Error, PreserveColors, StyleTransferConfig};
use pixels::{fit_longest, resized};

/// The blend weights of `count` style images, summing to 1.
pub(crate) fn blend_weights(config: &StyleTransferConfig, count: usize) -> Result<Vec<f64>, Error> {
    if count == 0 {
        return Err(Error::Image {
            which: "style",
            reason: "is missing: give at least one".into(),
        });
    }
    let weights = match &config.style_blend {
        None => vec![1.0; count],
        Some(weights) if weights.len() == count => weights.clone(),
        Some(weights) => {
            return Err(Error::Config(format!(
                "style_blend has {} weights for {count} style images",
                weights.len()
            )));
        }
    };
    let sum: f64 = weights.iter().sum();
    Ok(weights.into_iter().map(|w| w / sum).collect())
}

/// The content and styles as the color mode needs them: grey luminance images, or styles
/// recolored to the content's palette.
pub(crate) fn recolor<'a>(
    mode: Option<PreserveColors>,
    content: &'a RgbImage,
    styles: &[&'a RgbImage],
) -> Result<(Cow<'a, RgbImage>, Vec<Cow<'a, RgbImage>>), Error> {
    check_not_empty("content", content)?;
    for style in styles {
        check_not_empty("style", style)?;
    }
    Ok(match mode {
        None => (
            Cow::Borrowed(content),
            styles.iter().map(|&s| Cow::Borrowed(s)).collect(),
        ),
        Some(PreserveColors::Histogram) => (
            Cow::Borrowed(content),
            styles
                .iter()
                .map(|s| Cow::Owned(luminance::match_colors(s, content)))
                .collect(),
        ),
        Some(PreserveColors::Luminance) => {
            let target = luminance::luma_mean_std(content);
            (
                Cow::Owned(luminance::luminance(content, None)),
                styles
                    .iter()
                    .map(|s| Cow::Owned(luminance::luminance(s, Some(target))))
                    .collect(),
            )
        }
    })
}

/// Validates the config, resizes the inputs for a content side of `side` (`None`: native
/// sizes) and checks that they are large enough for the deepest layer.
pub(crate) fn prepare(
    config: &StyleTransferConfig,
    content: &RgbImage,
    styles: &[&RgbImage],
    side: Option<u32>,
) -> Result<(RgbImage, Vec<RgbImage>), Error> {
    check_not_empty("content", content)?;
    let content = match side {
        Some(side) => {
            let (w, h) = content.dimensions();
            resized(content, fit_longest(w, h, f64::from(side))).into_owned()
        }
        None => content.clone(),
    };
    let min = Vgg16::min_input_side(&config.layers()) as u32;
    let check = |which, image: &RgbImage| {
        let (w, h) = image.dimensions();
        if w.min(h) < min {
            return Err(Error::Image {
                which,
                reason: format!(
                    "is {w}×{h} after resizing, but the deepest layer needs at least \
                     {min}×{min} pixels"
                ),
            });
        }
        Ok(())
    };
    check("content", &content)?;
    let mut resized_styles = Vec::with_capacity(styles.len());
    for style in styles {
        check_not_empty("style", style)?;
        let style_side = match side {
            Some(_) => content.width().max(content.height()),
            None => style.width().max(style.height()),
        };
        let (w, h) = style.dimensions();
        let dims = fit_longest(w, h, f64::from(style_side) * config.style_scale);
        let style = resized(style, dims).into_owned();
        check("style", &style)?;
        resized_styles.push(style);
    }
    Ok((content, resized_styles))
}

fn check_not_empty(which: &'static str, image: &RgbImage) -> Result<(), Error> {
    if image.width() == 0 || image.height() == 0 {
        return Err(Error::Image {
            which,
            reason: "is empty (0 pixels)".into(),
        });
    }
    Ok(())
}

//! The image a run starts from: noise, the content, noise with the style's statistics, or an
//! image given to the session.

use std::borrow::Cow;

use burn::tensor::{Device, Tensor, TensorData};
use image::RgbImage;
use rand::{Rng, SeedableRng, rngs::StdRng};

use crate::prepare::luminance;
use crate::prepare::pixels::{resized, to_tensor};
use crate::{Error, Init, PreserveColors, StyleTransferConfig};

/// What a starting image is made from.
pub(crate) struct Sources<'a> {
    /// The content image at the working size.
    pub content: &'a RgbImage,
    /// The styles and their `blend` weights, for the statistics of [`Init::StyleStatistics`].
    pub styles: &'a [RgbImage],
    pub blend: &'a [f64],
    /// The image of [`Init::Image`], if the session was given one.
    pub image: Option<&'a RgbImage>,
}

/// The starting image of `config` at the content's working size, on `device`.
pub(crate) fn initial_image(
    config: &StyleTransferConfig,
    Sources {
        content,
        styles,
        blend,
        image,
    }: Sources,
    device: &Device,
) -> Result<Tensor<4>, Error> {
    let (w, h) = content.dimensions();
    let from_values = |values: Vec<f32>| {
        Tensor::from_data(
            TensorData::new(values, [1, 3, h as usize, w as usize]),
            device,
        )
    };
    let mut rng = StdRng::seed_from_u64(config.seed);
    let n = w as usize * h as usize;
    Ok(match &config.init {
        Init::Noise { low, high } => {
            from_values((0..3 * n).map(|_| rng.random_range(*low..*high)).collect())
        }
        Init::StyleStatistics => {
            let stats: Vec<[(f64, f64); 3]> = styles.iter().map(channel_stats).collect();
            let mut values = Vec::with_capacity(3 * n);
            for c in 0..3 {
                let mean: f64 = stats.iter().zip(blend).map(|(s, w)| w * s[c].0).sum();
                let std: f64 = stats.iter().zip(blend).map(|(s, w)| w * s[c].1).sum();
                values.extend(
                    (0..n).map(|_| (mean + std * gaussian(&mut rng)).clamp(0.0, 255.0) as f32),
                );
            }
            from_values(values)
        }
        Init::Content => to_tensor(content, device),
        Init::Image => {
            let image = image.ok_or_else(|| Error::Image {
                which: "initial",
                reason: "is missing: the configuration starts from an image (`Init::Image`) \
                         but the session has none (`StyleTransfer::with_init_image`)"
                    .into(),
            })?;
            let image = match config.preserve_colors {
                Some(PreserveColors::Luminance) => Cow::Owned(luminance::luminance(image, None)),
                _ => Cow::Borrowed(image),
            };
            to_tensor(&resized(&image, (w, h)), device)
        }
    })
}

/// Each channel's mean and population standard deviation.
fn channel_stats(image: &RgbImage) -> [(f64, f64); 3] {
    let n = (image.width() as usize * image.height() as usize).max(1) as f64;
    std::array::from_fn(|c| {
        let values = image.pixels().map(|p| f64::from(p[c]));
        let mean = values.clone().sum::<f64>() / n;
        let var = values.map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        (mean, var.sqrt())
    })
}

/// A standard normal sample (Box–Muller).
fn gaussian(rng: &mut StdRng) -> f64 {
    let u: f64 = 1.0 - rng.random::<f64>(); // in (0, 1]
    let v: f64 = rng.random();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

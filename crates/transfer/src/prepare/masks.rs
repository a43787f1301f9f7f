//! Style masks: which region of the photo each style paints (Gatys et al., 2017).

use burn::tensor::{Device, Tensor, TensorData};
use image::GrayImage;
use image::imageops::{self, FilterType};

use crate::Error;

/// One greyscale mask per style image: white where the style applies, black where it does
/// not, grey in between. Masks are resized to the content's working size.
#[derive(Debug, Clone, PartialEq)]
pub struct StyleMasks(Vec<GrayImage>);

impl StyleMasks {
    /// The masks, in the order of the styles; each must have some white in it.
    pub fn new(masks: Vec<GrayImage>) -> Result<Self, Error> {
        for (index, mask) in masks.iter().enumerate() {
            let reason = if mask.width() == 0 || mask.height() == 0 {
                "is empty"
            } else if mask.pixels().all(|p| p.0[0] == 0) {
                "is all black: its style would apply nowhere"
            } else {
                continue;
            };
            return Err(Error::StyleMask {
                number: index + 1,
                reason: reason.into(),
            });
        }
        Ok(Self(masks))
    }

    /// How many masks there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The masks as `[1, 1, H, W]` maps in 0–1 at `(width, height)` (bilinear), for `styles`
    /// style images.
    pub(crate) fn tensors(
        &self,
        styles: usize,
        (width, height): (u32, u32),
        device: &Device,
    ) -> Result<Vec<Tensor<4>>, Error> {
        if self.0.len() != styles {
            return Err(Error::StyleMask {
                number: self.0.len().min(styles) + 1,
                reason: format!(
                    "there are {} masks for {styles} style images; give one per style",
                    self.0.len()
                ),
            });
        }
        self.0
            .iter()
            .enumerate()
            .map(|(index, mask)| {
                // The mask's shape, scaled to the content's width, must give its height to
                // within a pixel (and the other way round): the same picture's aspect.
                let (mw, mh) = (f64::from(mask.width()), f64::from(mask.height()));
                let (cw, ch) = (f64::from(width), f64::from(height));
                if (mh * cw / mw - ch).abs() > 1.0 && (mw * ch / mh - cw).abs() > 1.0 {
                    return Err(Error::StyleMask {
                        number: index + 1,
                        reason: format!(
                            "is {}×{} but the photo is {width}×{height} at this size: a mask \
                             needs the photo's aspect ratio",
                            mask.width(),
                            mask.height()
                        ),
                    });
                }
                let resized = match mask.dimensions() == (width, height) {
                    true => mask.clone(),
                    false => imageops::resize(mask, width, height, FilterType::Triangle),
                };
                if resized.pixels().all(|p| p.0[0] == 0) {
                    return Err(Error::StyleMask {
                        number: index + 1,
                        reason: format!("covers nothing once resized to {width}×{height}"),
                    });
                }
                let values: Vec<f32> = resized
                    .pixels()
                    .map(|p| f32::from(p.0[0]) / 255.0)
                    .collect();
                let shape = [1, 1, height as usize, width as usize];
                Ok(Tensor::from_data(TensorData::new(values, shape), device))
            })
            .collect()
    }
}

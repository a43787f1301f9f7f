//! The photorealism term: the image's local-affine residual against the photo's matting
//! Laplacian (Luan et al., 2017).

use burn::tensor::Tensor;
use nst_losses::{MATTING_EPS, PhotorealismLoss};
use nst_vgg16::Layer;

use super::term::{Activations, Loss, Value};
use crate::Error;

/// The photorealism term of one photo, computed on the whole image (it reads no layer and
/// costs a few passes over the pixels) even when the model runs tile by tile.
pub(crate) struct PhotorealismTerm {
    loss: PhotorealismLoss,
}

impl PhotorealismTerm {
    /// The term for `photo`, the `[1, 3, H, W]` 0–255 content image at this scale.
    pub fn new(photo: Tensor<4>) -> Result<Self, Error> {
        let loss = PhotorealismLoss::new(photo.detach(), MATTING_EPS)?;
        Ok(Self { loss })
    }
}

impl Loss for PhotorealismTerm {
    fn layers(&self) -> Vec<Layer> {
        Vec::new()
    }

    fn partial(&self, _: &Activations) -> Vec<Tensor<3>> {
        Vec::new()
    }

    fn value(&self, _: Vec<Tensor<3>>, image: &Tensor<4>, _: u64) -> Result<Value, Error> {
        Ok(Value {
            value: self.loss.forward(image.clone()),
            layers: Vec::new(),
        })
    }
}

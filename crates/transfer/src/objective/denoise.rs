//! The denoise term: the image's total variation.

use burn::tensor::Tensor;
use nst_losses::TvLoss;
use nst_vgg16::Layer;

use super::term::{Activations, Loss, Value};
use crate::Error;

/// Total variation of the 0–255 image, computed on the whole image (it is cheap) even when
/// the model runs tile by tile.
pub(crate) struct DenoiseTerm;

impl Loss for DenoiseTerm {
    fn layers(&self) -> Vec<Layer> {
        Vec::new()
    }

    fn partial(&self, _: &Activations) -> Vec<Tensor<3>> {
        Vec::new()
    }

    fn value(&self, _: Vec<Tensor<3>>, image: &Tensor<4>, _: u64) -> Result<Value, Error> {
        Ok(Value {
            value: TvLoss.forward(image.clone()),
            layers: Vec::new(),
        })
    }
}

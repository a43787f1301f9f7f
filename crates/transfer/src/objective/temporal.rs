//! The temporal term of a video frame: how far the image is from the previous painted frame
//! warped to it, where the motion is reliable.

use burn::tensor::Tensor;
use nst_losses::TemporalLoss;
use nst_vgg16::Layer;

use super::term::{Activations, Loss, Value};
use crate::Error;

/// Ruder et al.'s temporal loss on the whole 0–255 image (it reads no layer, so it is cheap
/// and tiles do not concern it).
pub(crate) struct TemporalTerm {
    loss: TemporalLoss,
}

impl TemporalTerm {
    /// The term towards `warped` (`[1, 3, H, W]`, 0–255) with per-pixel `weights`
    /// (`[1, 1, H, W]`, in [0, 1]).
    pub fn new(warped: Tensor<4>, weights: Tensor<4>) -> Self {
        Self {
            loss: TemporalLoss::new(warped, weights),
        }
    }
}

impl Loss for TemporalTerm {
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

//! The denoise term: the image's total variation.

use nst_losses::TvLoss;
use nst_vgg16::Layer;

use super::term::{Activations, Loss, Value};

/// Total variation of the 0–255 image.
pub(crate) struct DenoiseTerm;

impl Loss for DenoiseTerm {
    fn layers(&self) -> Vec<Layer> {
        Vec::new()
    }

    fn value(&self, activations: &Activations) -> Value {
        Value {
            value: TvLoss.forward(activations.image()),
            layers: Vec::new(),
        }
    }
}

//! The content term: how far the image's activations are from the content photo's.

use burn::tensor::{DType, Tensor};
use nst_losses::ContentLoss;
use nst_vgg16::{Layer, Vgg16};

use super::term::{Activations, Loss, Value, cast, layer_mean};

/// The mean over the content layers of the mean squared activation difference.
pub(crate) struct ContentTerm {
    layers: Vec<(Layer, ContentLoss)>,
}

impl ContentTerm {
    /// Targets from the content image's activations at `layers`.
    pub fn new(vgg: &Vgg16, content: Tensor<4>, layers: &[Layer], dtype: Option<DType>) -> Self {
        let features = vgg.forward(content, layers);
        Self {
            layers: layers
                .iter()
                .zip(features)
                .map(|(&layer, f)| (layer, ContentLoss::new(cast(f, dtype))))
                .collect(),
        }
    }
}

impl Loss for ContentTerm {
    fn layers(&self) -> Vec<Layer> {
        self.layers.iter().map(|(layer, _)| *layer).collect()
    }

    fn value(&self, activations: &Activations) -> Value {
        let per_layer = self
            .layers
            .iter()
            .map(|(layer, loss)| (*layer, loss.forward(activations.layer(*layer))))
            .collect();
        layer_mean(activations, per_layer, std::iter::repeat(1.0))
    }
}

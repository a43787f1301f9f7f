//! Neural style transfer (Gatys, Ecker & Bethge, "A Neural Algorithm of Artistic Style") on
//! any Burn device.
//!
//! The pixels of an image are optimised by gradient descent through a frozen VGG-16 so that its
//! deep activations match a content photo and its Gram matrices match a painting.
//! [`StyleTransferConfig`] holds the recipe, as data; a [`StyleTransfer`] session runs it on
//! a device with a model it loads once and shares (`Send + Sync`: one session serves many
//! threads). The objective is a list of loss terms ([`Term`]), which [`Losses`] and
//! [`Scores`] report by key. [`VideoTransfer`] paints a clip's frames in order, each from the
//! previous painted frame warped by the optical flow and held there by a temporal term (Ruder
//! et al., 2016). The crate takes and returns [`image::RgbImage`]s: reading files is the
//! caller's business (the `nst` facade's `nst::io`).
//!
//! ```no_run
//! use nst_transfer::{Control, StyleTransfer, StyleTransferConfig, Term};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let (content, style) = (image::RgbImage::new(64, 64), image::RgbImage::new(64, 64));
//! let session = StyleTransfer::new(StyleTransferConfig::default());
//! let result = session.run_with(&content, &[&style], |progress| {
//!     println!("{} {:?}", progress.iteration, progress.losses);
//!     match progress.losses.get(Term::Style) {
//!         Some(style) if style < 1e9 => Control::Stop,
//!         _ => Control::Continue,
//!     }
//! })?;
//! result.save("out.png")?;
//! # Ok(())
//! # }
//! ```
//!
//! Every option has a builder method; a [`Preset`] fills them all in:
//!
//! ```no_run
//! use nst_transfer::{
//!     Init, MultiScale, Optimizer, Preset, PreserveColors, StyleTransfer, StyleTransferConfig,
//!     Weighting,
//! };
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Gatys et al. as neural-style runs it: L-BFGS on the raw losses, from the content image.
//! let gatys = Preset::Gatys.builder().iterations(200).build()?;
//!
//! // The default (`Preset::Fast`: L-BFGS, coarse to fine up to 512 px) at one scale.
//! let one_scale = StyleTransferConfig::builder().multiscale(None).iterations(40).build()?;
//!
//! // The `normalized` preset with Adam, on losses divided once by their starting values.
//! let adam = Preset::Normalized
//!     .builder()
//!     .optimizer(Optimizer::Adam)
//!     .step_size(5.0) // learning rate, in pixel levels
//!     .weighting(Weighting::Initial)
//!     .build()?;
//!
//! // Start from noise with the style's colors, keep the photo's colors, paint larger
//! // strokes, and go coarse to fine from 128 px to 1024 px with 50 iterations per scale.
//! let custom = Preset::Gatys
//!     .builder()
//!     .init(Init::StyleStatistics)
//!     .preserve_colors(Some(PreserveColors::Luminance))
//!     .style_scale(1.5)
//!     .size(Some(1024))
//!     .multiscale(Some(MultiScale { iterations_per_scale: Some(50), ..MultiScale::default() }))
//!     .build()?;
//!
//! // Two styles, blended 70/30: a variation of a configuration goes through its builder.
//! # let (content, a, b) = (image::RgbImage::new(64, 64), image::RgbImage::new(64, 64), image::RgbImage::new(64, 64));
//! let blend = gatys.to_builder().style_blend(Some(vec![0.7, 0.3])).build()?;
//! let result = StyleTransfer::new(blend).run_with(&content, &[&a, &b], |_| {
//!     nst_transfer::Control::Continue
//! })?;
//! # let _ = (one_scale, adam, custom, result);
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

mod config;
mod error;
mod objective;
mod optim;
mod prepare;
mod session;
mod smooth;
mod video;

pub use config::{
    Init, MultiScale, Optimizer, PreserveColors, Preset, StyleLoss, StyleTransferConfig,
    StyleTransferConfigBuilder, Weighting,
};
pub use error::{Cause, Error, LastImage};
pub use objective::losses::{Losses, Term};
pub use prepare::masks::StyleMasks;
pub use session::StyleTransfer;
pub use session::checkpoint::Checkpoint;
pub use session::memory::{MemoryEstimate, MemoryInputs};
pub use session::observer::{Control, Progress};
pub use session::score::{Scores, TermScore};
pub use smooth::smooth;
pub use video::checkpoint::VideoCheckpoint;
pub use video::config::VideoConfig;
pub use video::{FrameProgress, VideoEvent, VideoTransfer};

pub use image;
pub use nst_vgg16::{Flavour, Layer, Pooling, Precision, Vgg16, WeightsSource};

/// The session is shared by reference among threads: a compile-time check.
const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<StyleTransfer>();
    shareable::<StyleTransferConfig>();
};

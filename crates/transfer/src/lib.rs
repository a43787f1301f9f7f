//! Neural style transfer (Gatys, Ecker & Bethge, "A Neural Algorithm of Artistic Style") on
//! any Burn device.
//!
//! The pixels of an image are optimised by gradient descent through a frozen VGG-16 so that its
//! deep activations match a content photo and its Gram matrices match a painting.
//! [`StyleTransferConfig`] holds the recipe and [`StyleTransfer`] runs it; the objective is
//! a list of named loss terms (`content`, `style`, `denoise`), which [`Losses`] and
//! [`Scores`] report by name:
//!
//! ```no_run
//! use nst_transfer::{Control, StyleTransfer, StyleTransferConfig};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let content = nst_transfer::load_rgb("photo.jpg".as_ref())?;
//! let style = nst_transfer::load_rgb("painting.jpg".as_ref())?;
//! let session = StyleTransfer::new(StyleTransferConfig::default());
//! let result = session.run_with(&content, &[&style], |progress| {
//!     println!("{} {:?}", progress.iteration, progress.losses);
//!     match progress.losses.get("style") {
//!         Some(style) if style < 1e9 => Control::Stop,
//!         _ => Control::Continue,
//!     }
//! })?;
//! result.save("out.png")?;
//! # Ok(())
//! # }
//! ```

//! Every option is a field of [`StyleTransferConfig`]; a [`Preset`] fills them all in:
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
//! // Normalised descent with a constant step and no averaging: the recipe nst began from.
//! let plain = Preset::Normalized.builder().step_decay(1.0).average(0.0).build()?;
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
//! // Two styles, blended 70/30.
//! let content = nst_transfer::load_rgb("photo.jpg".as_ref())?;
//! let a = nst_transfer::load_rgb("a.jpg".as_ref())?;
//! let b = nst_transfer::load_rgb("b.jpg".as_ref())?;
//! let blend = StyleTransferConfig { style_blend: Some(vec![0.7, 0.3]), ..gatys };
//! let result = StyleTransfer::new(blend).run_with(&content, &[&a, &b], |_| {
//!     nst_transfer::Control::Continue
//! })?;
//! # let _ = (one_scale, adam, plain, custom, result);
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

mod builder;
mod checkpoint;
mod color;
mod config;
mod decode;
mod error;
mod initial;
mod inputs;
mod losses;
mod masks;
mod memory;
mod objective;
mod observer;
mod optimise;
mod optimizer;
mod pixels;
mod preset;
mod score;
mod session;
mod tiling;

pub use builder::StyleTransferConfigBuilder;
pub use checkpoint::Checkpoint;
pub use config::{Init, MultiScale, Optimizer, PreserveColors, StyleTransferConfig, Weighting};
pub use decode::{MAX_DECODED_BYTES, decode_rgb, decode_rgb_with, load_rgb, load_rgb_with};
pub use error::{Error, LastImage};
pub use losses::Losses;
pub use masks::StyleMasks;
pub use memory::MemoryEstimate;
pub use observer::{Control, Progress};
pub use preset::Preset;
pub use score::{Scores, TermScore};
pub use session::StyleTransfer;

pub use nst_vgg16::{Flavour, Layer, Pooling};

//! Neural style transfer (Gatys, Ecker & Bethge, "A Neural Algorithm of Artistic Style") on
//! any Burn device.
//!
//! The pixels of an image are optimised by gradient descent through a frozen VGG-16 so that its
//! deep activations match a content photo and its Gram matrices match a painting.
//! [`StyleTransferConfig`] holds the recipe and [`StyleTransfer`] runs it:
//!
//! ```no_run
//! use nst_transfer::{Control, StyleTransfer, StyleTransferConfig};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let content = nst_transfer::load_rgb("photo.jpg".as_ref())?;
//! let style = nst_transfer::load_rgb("painting.jpg".as_ref())?;
//! let session = StyleTransfer::new(StyleTransferConfig::default());
//! let result = session.run_with(&content, &style, |progress| {
//!     println!("{} {:?}", progress.iteration, progress.losses);
//!     if progress.losses.style < 1e9 { Control::Stop } else { Control::Continue }
//! })?;
//! result.save("out.png")?;
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

mod colour;
mod config;
mod decode;
mod error;
mod multiscale;
mod objective;
mod observer;
mod optimizer;
mod pixels;
mod preset;
mod score;
mod transfer;

pub use colour::PreserveColors;
pub use config::{DEFAULT_ITERATIONS, Init, StyleTransferConfig, StyleTransferConfigBuilder};
pub use decode::{decode_rgb, load_rgb};
pub use error::Error;
pub use multiscale::MultiScale;
pub use objective::Weighting;
pub use observer::{Control, Losses, Progress};
pub use optimizer::{Adam, Average, Lbfgs, Optimizer, Schedule, SeedDescent};
pub use preset::Preset;
pub use score::Scores;
pub use transfer::StyleTransfer;

pub use nst_vgg16::{Flavour, Layer, Pooling};

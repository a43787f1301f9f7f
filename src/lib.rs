//! **nst**: neural style transfer in pure Rust, on Burn.
//!
//! This crate bundles the workspace so that an application needs one dependency:
//! [`vgg16`] (the feature extractor and its weights), [`losses`] (content, style and
//! total-variation losses) and [`transfer`] (the optimisation), plus the [`assets`] the CLI
//! uses by default, [`io`] helpers that write images atomically, the [`recipe`] every
//! output PNG carries and the [`backend`] a user names; it re-exports [`image`], so an
//! application needs no version of its own. The command line is the `nst-cli` crate.
//!
//! ```no_run
//! use nst::{StyleTransfer, StyleTransferConfig};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let content = nst::assets::content()?;
//! let style = nst::assets::style()?;
//! let config = StyleTransferConfig::builder().size(Some(256)).iterations(60).build()?;
//! let result = StyleTransfer::new(config).run(&content, &style)?;
//! nst::io::save_atomic(&result, "out.png".as_ref())?;
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

pub mod assets;
pub mod backend;
pub mod bench;
mod error;
pub mod io;
pub mod recipe;

pub use image;
pub use nst_losses as losses;
pub use nst_transfer as transfer;
pub use nst_vgg16 as vgg16;

pub use backend::{Backend, Selected};
pub use error::Error;
pub use nst_transfer::{
    Checkpoint, Control, Init, Losses, Preset, Progress, Scores, StyleMasks, StyleTransfer,
    StyleTransferConfig,
};
pub use nst_vgg16::{Flavour, Layer, Pooling};

/// The README's examples, compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

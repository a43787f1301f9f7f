//! The images a page uploads: decoded once to check them, then kept in a folder under their
//! SHA-256 (so that a result's recipe names a file that reruns it), and known to the server
//! by that hash alone: no request names a path. The same bytes again are recognised by their
//! hash and not decoded again.
//!
//! The folder is bounded: files older than the age limit are removed, and when a new one
//! would pass the quota the least recently used go first, except those a waiting or running
//! job holds ([`Pinned`]). Files of earlier servers in the folder count too (oldest first).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result, bail};
use nst::image::{ImageFormat, RgbImage};

/// How much the uploads folder may hold, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct UploadLimits {
    /// The most bytes of files kept.
    pub quota_bytes: u64,
    /// Files unused for longer are removed.
    pub max_age: Duration,
    /// The most memory one decoded image may take.
    pub max_decoded_bytes: u64,
}

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
    limits: UploadLimits,
    index: Mutex<Index>,
}

/// A kept file.
#[derive(Debug)]
struct Entry {
    path: PathBuf,
    bytes: u64,
    used: SystemTime,
    /// Jobs holding it; it is not removed while any does.
    pins: usize,
    /// Its size, when this server checked it (files of earlier servers are not ids).
    dimensions: Option<(u32, u32)>,
}

#[derive(Debug, Default)]
struct Index {
    entries: HashMap<String, Entry>,
    total: u64,
}

/// An upload a job holds until it is dropped: its file is kept meanwhile.
pub struct Pinned {
    uploads: Arc<Uploads>,
    id: String,
    path: PathBuf,
    dimensions: (u32, u32),
}

impl Pinned {
    /// The upload's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Its width and height.
    pub fn dimensions(&self) -> (u32, u32) {
        self.dimensions
    }
}

impl Drop for Pinned {
    fn drop(&mut self) {
        if let Some(entry) = self.uploads.lock().entries.get_mut(&self.id) {
            entry.pins = entry.pins.saturating_sub(1);
        }
    }
}

impl Uploads {
    /// Uploads kept in `folder` (created if missing, readable by this user only: the photos
    /// are theirs) within `limits`; files there from earlier servers count towards the quota.
    pub fn new(folder: PathBuf, limits: UploadLimits) -> Result<Self> {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(&folder)
            .with_context(|| format!("cannot create the uploads folder {}", folder.display()))?;
        let mut index = Index::default();
        let listing = std::fs::read_dir(&folder)
            .with_context(|| format!("cannot read the uploads folder {}", folder.display()))?;
        for file in listing.flatten() {
            let Some(id) = upload_id(&file.path()) else {
                continue;
            };
            let Ok(metadata) = file.metadata() else {
                continue;
            };
            index.total += metadata.len();
            let entry = Entry {
                path: file.path(),
                bytes: metadata.len(),
                used: metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                pins: 0,
                dimensions: None,
            };
            index.entries.insert(id, entry);
        }
        let uploads = Self {
            folder,
            limits,
            index: Mutex::new(index),
        };
        uploads.prune(0)?;
        Ok(uploads)
    }

    /// Checks that `bytes` decode to an image within the limit, and keeps them.
    pub fn add(&self, bytes: &[u8]) -> Result<Uploaded> {
        let id = nst::recipe::sha256(bytes);
        if let Some(uploaded) = self.known(&id) {
            return Ok(uploaded);
        }
        let image = nst::io::decode_rgb_with(bytes, self.limits.max_decoded_bytes)?;
        let format = nst::image::guess_format(bytes).context("not an image")?;
        self.keep(id, bytes, format, &image)
    }

    /// Keeps `image`, a server's own result, as a PNG (for a run that continues from it).
    pub fn add_result(self: &Arc<Self>, image: &RgbImage) -> Result<Pinned> {
        let bytes = nst::io::encode_with_text(image, ImageFormat::Png, &[])?;
        let id = nst::recipe::sha256(&bytes);
        let uploaded = self.keep(id, &bytes, ImageFormat::Png, image)?;
        self.pin(&uploaded.id)
    }

    /// Holds the upload `id` for a job.
    pub fn pin(self: &Arc<Self>, id: &str) -> Result<Pinned> {
        let mut index = self.lock();
        let entry = index.entries.get_mut(id);
        let Some(entry) = entry.filter(|entry| entry.dimensions.is_some()) else {
            bail!("no uploaded image has the id `{id}`: upload it again");
        };
        entry.pins += 1;
        entry.used = SystemTime::now();
        Ok(Pinned {
            uploads: Arc::clone(self),
            id: id.to_owned(),
            path: entry.path.clone(),
            dimensions: entry.dimensions.unwrap_or_default(),
        })
    }

    /// Where uploads are kept.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// The upload `id` if this server has checked it (and marks it used).
    fn known(&self, id: &str) -> Option<Uploaded> {
        let mut index = self.lock();
        let entry = index.entries.get_mut(id)?;
        let (width, height) = entry.dimensions?;
        entry.used = SystemTime::now();
        Some(Uploaded {
            id: id.to_owned(),
            width,
            height,
        })
    }

    fn keep(
        &self,
        id: String,
        bytes: &[u8],
        format: ImageFormat,
        image: &RgbImage,
    ) -> Result<Uploaded> {
        let extension = format.extensions_str().first().copied().unwrap_or("img");
        let path = self.folder.join(format!("{id}.{extension}"));
        let size = bytes.len() as u64;
        // Room is made before the file is written; the index takes it at once so that uploads
        // at once cannot pass the quota together.
        self.prune(size)?;
        let mut index = self.lock();
        if !index.entries.contains_key(&id) {
            index.total += size;
        }
        let entry = index.entries.entry(id.clone()).or_insert(Entry {
            path: path.clone(),
            bytes: size,
            used: SystemTime::now(),
            pins: 0,
            dimensions: None,
        });
        entry.dimensions = Some(image.dimensions());
        entry.used = SystemTime::now();
        // Same name, same bytes: a file already there is this image.
        if !path.is_file() {
            drop(index);
            nst::io::write_atomic(&path, |out| out.write_all(bytes))?;
        }
        Ok(Uploaded {
            id,
            width: image.width(),
            height: image.height(),
        })
    }

    /// Removes the files past the age limit, then the least recently used until `incoming`
    /// more bytes fit in the quota; refuses when the files held by jobs leave no room.
    pub fn prune(&self, incoming: u64) -> Result<()> {
        let mut index = self.lock();
        let now = SystemTime::now();
        let old = |entry: &Entry| {
            now.duration_since(entry.used)
                .is_ok_and(|age| age > self.limits.max_age)
        };
        let mut removable: Vec<(SystemTime, String)> = index
            .entries
            .iter()
            .filter(|(_, entry)| entry.pins == 0)
            .map(|(id, entry)| (entry.used, id.clone()))
            .collect();
        removable.sort();
        for (_, id) in removable {
            let entry = &index.entries[&id];
            let over = index.total.saturating_add(incoming) > self.limits.quota_bytes;
            if !over && !old(entry) {
                continue;
            }
            // A file that cannot be removed still counts (it is still there).
            if std::fs::remove_file(&entry.path).is_ok() || !entry.path.exists() {
                let bytes = entry.bytes;
                index.entries.remove(&id);
                index.total = index.total.saturating_sub(bytes);
            }
        }
        if index.total.saturating_add(incoming) > self.limits.quota_bytes {
            bail!(
                "the server's uploads are full ({} MiB): try again when runs have ended",
                self.limits.quota_bytes >> 20
            );
        }
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, Index> {
        self.index.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The id of a file named as uploads are (64 hexadecimal digits and an extension).
fn upload_id(path: &Path) -> Option<String> {
    let stem = path.file_stem()?.to_str()?;
    let named = stem.len() == 64 && stem.bytes().all(|b| b.is_ascii_hexdigit());
    (named && path.is_file() && path.extension().is_some()).then(|| stem.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(shade: u8) -> Vec<u8> {
        let image = RgbImage::from_pixel(4, 4, nst::image::Rgb([shade, 0, 0]));
        nst::io::encode_with_text(&image, ImageFormat::Png, &[]).unwrap()
    }

    fn limits(quota_bytes: u64, max_age: Duration) -> UploadLimits {
        UploadLimits {
            quota_bytes,
            max_age,
            max_decoded_bytes: 1 << 20,
        }
    }

    #[test]
    fn the_quota_removes_the_least_recently_used_but_not_what_a_job_holds() {
        let folder = tempfile::tempdir().unwrap();
        let size = png(0).len() as u64;
        // One size for every shade, so that the quota holds exactly three.
        assert!((0..10).all(|n| png(n).len() as u64 == size));
        let uploads = Arc::new(
            Uploads::new(folder.path().join("u"), limits(3 * size, Duration::MAX)).unwrap(),
        );
        let ids: Vec<String> = (0..3).map(|n| uploads.add(&png(n)).unwrap().id).collect();
        let held = uploads.pin(&ids[0]).unwrap();
        // A fourth passes the quota: the oldest not held (the second) goes.
        uploads.add(&png(3)).unwrap();
        assert!(held.path().is_file());
        assert!(uploads.pin(&ids[1]).is_err());
        assert!(uploads.pin(&ids[2]).is_ok());
        // With every file held there is no room.
        let kept: Vec<String> = uploads.lock().entries.keys().cloned().collect();
        let pins: Vec<Pinned> = kept.iter().map(|id| uploads.pin(id).unwrap()).collect();
        let message = uploads.add(&png(9)).unwrap_err().to_string();
        assert!(message.contains("full"), "{message}");
        drop(pins);
        drop(held);
        uploads.add(&png(9)).unwrap();
        let files = std::fs::read_dir(folder.path().join("u")).unwrap().count();
        assert_eq!(files, 3);
    }

    #[test]
    fn old_files_go_and_earlier_servers_files_count() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("u");
        let first = Uploads::new(path.clone(), limits(1 << 20, Duration::MAX)).unwrap();
        let id = first.add(&png(1)).unwrap().id;
        std::fs::write(path.join("notes.txt"), "not an upload").unwrap();
        // Another server on the folder counts the file but does not take its id.
        let second = Arc::new(Uploads::new(path.clone(), limits(1 << 20, Duration::MAX)).unwrap());
        assert_eq!(second.lock().total, png(1).len() as u64);
        assert!(second.pin(&id).is_err());
        // Past the age limit, files go at the next start (other files stay).
        let third = Uploads::new(path.clone(), limits(1 << 20, Duration::ZERO)).unwrap();
        assert_eq!(third.lock().total, 0);
        let left: Vec<_> = std::fs::read_dir(&path).unwrap().flatten().collect();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].file_name(), "notes.txt");
    }

    #[test]
    fn the_same_bytes_are_not_decoded_again() {
        let folder = tempfile::tempdir().unwrap();
        let uploads =
            Uploads::new(folder.path().join("u"), limits(1 << 20, Duration::MAX)).unwrap();
        let bytes = png(5);
        let id = uploads.add(&bytes).unwrap().id;
        // Marked with a size it could not decode to: a second upload answers from the index.
        uploads.lock().entries.get_mut(&id).unwrap().dimensions = Some((7, 9));
        let again = uploads.add(&bytes).unwrap();
        assert_eq!((again.width, again.height), (7, 9));
    }
}

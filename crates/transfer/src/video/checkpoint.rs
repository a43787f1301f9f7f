//! Checkpoints of a clip: the frames finished, what the next frame needs of the previous
//! ones, and the state of the frame being painted, as bytes.
//!
//! The file is `NSTVIDE1`, the length and JSON of a header (the configurations, the frames
//! finished, the caller's note and every image's size), the length and RGB bytes of the
//! images (the style images as the clip's targets were computed from them, then the previous
//! working frame and its painted result), the length and `f32` values of the previous frame's
//! pixels' ages, the length and bytes of the current frame's
//! [`Checkpoint`] (empty between frames), then the SHA-256 of everything before it.

use std::fmt;

use image::RgbImage;
use serde::{Deserialize, Serialize};

use super::motion::Plane;
use super::{ClipState, Previous, VideoConfig};
use crate::session::checkpoint::fingerprint;
use crate::session::sections::Format;
use crate::{Checkpoint, Error, StyleTransferConfig};

/// `NSTVIDE1`: a header, the images' pixels and the current frame's checkpoint.
const FORMAT: Format = Format {
    family: b"NSTVIDE",
    magic: b"NSTVIDE1",
    kind: "a checkpoint of an nst clip",
};

/// A clip's state between two iterations or two frames: taken with
/// [`FrameProgress::checkpoint`](super::FrameProgress::checkpoint) or
/// [`VideoTransfer::checkpoint`](super::VideoTransfer::checkpoint), continued with
/// [`StyleTransfer::resume_video`](crate::StyleTransfer::resume_video). The clip then ends on
/// the bytes it would have reached uninterrupted.
#[derive(Clone)]
pub struct VideoCheckpoint {
    header: Header,
    images: Vec<RgbImage>,
    /// The previous frame's pixels' ages (see [`Motion`](super::motion::Motion)).
    age: Vec<f32>,
    current: Option<Checkpoint>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    /// The session configuration's JSON.
    config: String,
    video: VideoConfig,
    frames_done: usize,
    note: String,
    /// How many of the images are style images.
    styles: usize,
    /// Every image's width and height.
    sizes: Vec<(u32, u32)>,
}

impl fmt::Debug for VideoCheckpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VideoCheckpoint")
            .field("frames_done", &self.header.frames_done)
            .field("current", &self.current)
            .finish_non_exhaustive()
    }
}

impl VideoCheckpoint {
    /// Whether `bytes` start like a clip's checkpoint (of any version).
    pub fn is_video(bytes: &[u8]) -> bool {
        bytes.starts_with(FORMAT.family)
    }

    /// The frames finished; the clip continues with the frame of this index (from 0).
    pub fn frames_done(&self) -> usize {
        self.header.frames_done
    }

    /// The state of the frame being painted, if the checkpoint was taken during one.
    pub fn current(&self) -> Option<&Checkpoint> {
        self.current.as_ref()
    }

    /// How the clip's later frames are painted.
    pub fn video(&self) -> &VideoConfig {
        &self.header.video
    }

    /// The note the caller attached (the CLI keeps its recipe and outputs there).
    pub fn note(&self) -> &str {
        &self.header.note
    }

    /// This checkpoint with `note` attached.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.header.note = note.into();
        self
    }

    /// The checkpoint as bytes (see the module's documentation).
    pub fn to_bytes(&self) -> Result<Vec<u8>, Error> {
        let header = serde_json::to_vec(&self.header)
            .map_err(|e| Error::checkpoint_from("cannot be encoded", e))?;
        let current = match &self.current {
            Some(checkpoint) => checkpoint.to_bytes()?,
            None => Vec::new(),
        };
        let pixels: Vec<u8> = self
            .images
            .iter()
            .flat_map(|i| i.as_raw())
            .copied()
            .collect();
        let age: Vec<u8> = self.age.iter().flat_map(|a| a.to_le_bytes()).collect();
        Ok(FORMAT.write(&[&header, &pixels, &age, &current]))
    }

    /// Reads [`to_bytes`](Self::to_bytes)'s output; a file of another kind, a truncated
    /// or a corrupted one is refused.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let refuse = |reason: &str| Err(Error::checkpoint(reason));
        let [header, pixels, age, current] = FORMAT.read(bytes)?;
        let age: Vec<f32> = age
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        let header: Header =
            serde_json::from_slice(header).map_err(|e| Error::checkpoint_from("is corrupt", e))?;
        let mut images = Vec::with_capacity(header.sizes.len());
        let mut at = 0usize;
        for &(w, h) in &header.sizes {
            let length = (w as usize)
                .checked_mul(h as usize)
                .and_then(|n| n.checked_mul(3))
                .ok_or_else(|| Error::checkpoint("is corrupt: an image is too large"))?;
            let image = pixels
                .get(at..at.saturating_add(length))
                .and_then(|raw| RgbImage::from_raw(w, h, raw.to_vec()));
            match image {
                Some(image) => images.push(image),
                None => return refuse("is corrupt: its images do not match their sizes"),
            }
            at = at.saturating_add(length);
        }
        if at != pixels.len() || header.styles > images.len() {
            return refuse("is corrupt: its images do not match their sizes");
        }
        let current = match current.is_empty() {
            true => None,
            false => Some(Checkpoint::from_bytes(current)?),
        };
        Ok(Self {
            header,
            images,
            age,
            current,
        })
    }

    /// The checkpoint of `clip`, painted with `config` and `video`, during a frame whose
    /// state is `current` or between frames.
    pub(crate) fn capture(
        config: &StyleTransferConfig,
        video: &VideoConfig,
        clip: &ClipState,
        current: Option<Checkpoint>,
    ) -> Result<Self, Error> {
        let mut images = clip.styles.clone();
        let mut age = Vec::new();
        if let Some(previous) = &clip.previous {
            images.extend([previous.frame.clone(), previous.painted.clone()]);
            age = previous.age.as_raw().clone();
        }
        Ok(Self {
            header: Header {
                config: fingerprint(config)?,
                video: video.clone(),
                frames_done: clip.frames_done,
                note: String::new(),
                styles: clip.styles.len(),
                sizes: images.iter().map(RgbImage::dimensions).collect(),
            },
            images,
            age,
            current,
        })
    }

    /// The clip's state, if this checkpoint was written by a clip painted with `config`.
    pub(crate) fn state(&self, config: &StyleTransferConfig) -> Result<ClipState, Error> {
        if self.header.config != fingerprint(config)? {
            return Err(Error::checkpoint(
                "was written by a run with another configuration",
            ));
        }
        let (styles, rest) = self.images.split_at(self.header.styles);
        let previous = match rest {
            [] => None,
            [frame, painted] => Some(Previous {
                frame: frame.clone(),
                painted: painted.clone(),
                age: Plane::from_raw(frame.width(), frame.height(), self.age.clone())
                    .ok_or_else(|| Error::checkpoint("is corrupt: its state is incomplete"))?,
            }),
            _ => return Err(Error::checkpoint("is corrupt: its state is incomplete")),
        };
        if self.header.frames_done > 0 && (previous.is_none() || styles.is_empty()) {
            return Err(Error::checkpoint("is corrupt: its state is incomplete"));
        }
        Ok(ClipState {
            frames_done: self.header.frames_done,
            styles: styles.to_vec(),
            previous,
        })
    }
}

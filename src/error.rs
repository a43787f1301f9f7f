use std::path::PathBuf;

use crate::io::DecodeError;

/// Errors of the `nst` facade: choosing a backend, reading and writing files, reading
/// recipes, and every error of a style transfer. An error that wraps another keeps it as its
/// [`source`](std::error::Error::source): print the chain (`{:#}` with `anyhow`) for the whole
/// story.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A style transfer failed (configuration, inputs, weights, device).
    #[error(transparent)]
    Transfer(#[from] nst_transfer::Error),

    /// The name is not a backend.
    #[error("unknown backend `{0}` (expected one of auto, cpu, ndarray, wgpu, cuda)")]
    UnknownBackend(String),

    /// The backend's cargo feature was off when this binary was built.
    #[error("this build of nst has no `{0}` backend: rebuild with `--features {0}`")]
    BackendNotCompiled(&'static str),

    /// The driver or adapter is missing or failed to start.
    #[error("could not open the {backend} backend")]
    BackendUnavailable {
        /// The backend asked for.
        backend: &'static str,
        /// What the driver said.
        #[source]
        source: nst_transfer::Cause,
    },

    /// An output's extension names no format this build can write.
    #[error(
        "cannot tell the image format of {} from its extension (use .png, .jpg, .webp, .tif or .bmp)",
        .0.display()
    )]
    UnknownFormat(PathBuf),

    /// A file could not be written.
    #[error("cannot write {}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },

    /// An output is a symlink to a missing file in a missing folder.
    #[error(
        "cannot write {}: it is a symlink to {}, whose folder does not exist",
        link.display(),
        target.display()
    )]
    DanglingSymlink {
        /// The symlink.
        link: PathBuf,
        /// The missing file it ends at.
        target: PathBuf,
    },

    /// A file that must be replaced atomically (a checkpoint) names standard output, a FIFO,
    /// a socket or a device.
    #[error("cannot replace {} atomically: it is {kind}, not a regular file", path.display())]
    NotAFile {
        /// The output as named.
        path: PathBuf,
        /// What it is: `standard output`, `a FIFO`, `a character device`…
        kind: String,
    },

    /// A file could not be read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },

    /// Image bytes could not be decoded.
    #[error("cannot decode {}", path.as_ref().map_or("the image".into(), |p| p.display().to_string()))]
    Decode {
        /// The file they came from, if any.
        path: Option<PathBuf>,
        /// Why.
        #[source]
        source: DecodeError,
    },

    /// A file given as a clip is neither a folder, a GIF nor a PNG, nor a still image: a
    /// video, which a caller that runs ffmpeg can read.
    #[error(
        "{} is not a folder of frames, a GIF or an APNG (reading a video needs ffmpeg)",
        .0.display()
    )]
    NotAClip(PathBuf),

    /// A file given as a clip is a still image (a PNG without animation, a JPEG…).
    #[error(
        "{} is a single image, not a clip (give a folder of frames, an animated GIF or APNG, or a video)",
        .0.display()
    )]
    SingleImage(PathBuf),

    /// A clip's folder holds no image files, or its animation no frames.
    #[error(
        "{} holds no frames (a folder's frames are its .png, .jpg, .jpeg, .webp, .tif, .tiff and .bmp files)",
        .0.display()
    )]
    NoFrames(PathBuf),

    /// A clip's frame has another size than its first.
    #[error(
        "the clip's frames differ in size: {frame} is {}×{} pixels, the first frame {}×{}",
        size.0, size.1, expected.0, expected.1
    )]
    FrameSize {
        /// The frame: its file, or `frame N of CLIP` (numbered from 1).
        frame: String,
        /// Its width and height.
        size: (u32, u32),
        /// The first frame's.
        expected: (u32, u32),
    },

    /// A frame of an animated GIF or APNG could not be decoded.
    #[error("cannot decode frame {frame} of {}", path.display())]
    ClipFrame {
        /// The clip.
        path: PathBuf,
        /// The frame, numbered from 1.
        frame: usize,
        /// Why.
        #[source]
        source: DecodeError,
    },

    /// Text that is not a frame rate.
    #[error("invalid frame rate `{0}` (expected frames per second: 25, 12.5 or 30000/1001)")]
    InvalidFrameRate(String),

    /// An image could not be encoded in memory.
    #[error("cannot encode the image as {format}")]
    Encode {
        /// The format.
        format: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },

    /// A PNG's text chunks could not be read.
    #[error("cannot read the PNG {}", path.display())]
    Png {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: png::DecodingError,
    },

    /// The PNG has no recipe.
    #[error("{} has no nst recipe (only PNGs written by nst carry one)", .0.display())]
    NoRecipe(PathBuf),

    /// The recipe is not valid JSON for this version, or cannot be written as JSON.
    #[error("the recipe {where_} is invalid")]
    InvalidRecipe {
        /// Where: `in FILE`, or `of this run`.
        where_: String,
        /// Why.
        #[source]
        source: serde_json::Error,
    },

    /// A batch's plan would not work: every problem found, one a line.
    #[error("the plan is refused: {}", .0.join("; "))]
    PlanRefused(Vec<String>),

    /// A batch's plan cannot be read.
    #[error("the plan in {} cannot be read: {reason}", dir.display())]
    BadPlan {
        /// The batch's folder.
        dir: PathBuf,
        /// What is wrong.
        reason: String,
    },

    /// A shard is not `I/N` with `I < N`.
    #[error("invalid shard {0}")]
    InvalidShard(String),

    /// A file differs from the one the recipe was made with.
    #[error(
        "{} has changed since the recipe was made (sha256 {actual}, recipe says {expected})",
        path.display()
    )]
    Changed {
        /// The file.
        path: PathBuf,
        /// Its hash now.
        actual: String,
        /// The recipe's hash.
        expected: String,
    },
}

impl Error {
    /// The problems of a refused plan, one a line, or none for any other error.
    pub fn problems(&self) -> &[String] {
        match self {
            Error::PlanRefused(problems) => problems,
            _ => &[],
        }
    }
}

impl From<nst_vgg16::Error> for Error {
    fn from(error: nst_vgg16::Error) -> Self {
        Self::Transfer(error.into())
    }
}

//! The images of a run, read from files or the embedded defaults, and where they came from.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use nst::image::{RgbImage, imageops};
use nst::recipe::{Input, Recipe};
use nst::{Backend, StyleMasks, StyleTransfer};

use crate::model::ModelArgs;

/// The images of a run and where they came from.
pub struct Inputs {
    /// The photo.
    pub content: RgbImage,
    /// The paintings, in the order given.
    pub styles: Vec<RgbImage>,
    sources: Vec<Input>,
    masks: Option<(StyleMasks, Vec<Input>)>,
    init: Option<(RgbImage, Input)>,
}

impl Inputs {
    /// Where each image came from: the content, then the styles.
    pub fn sources(&self) -> &[Input] {
        &self.sources
    }

    /// Each style's `(width, height)`, as the memory estimate takes them.
    pub fn style_sizes(&self) -> Vec<(u32, u32)> {
        self.styles.iter().map(RgbImage::dimensions).collect()
    }

    /// The styles, borrowed, as a run takes them.
    pub fn styles(&self) -> Vec<&RgbImage> {
        self.styles.iter().collect()
    }

    /// `session`, with the style masks and the initial image if there are any.
    pub fn onto(&self, session: StyleTransfer) -> StyleTransfer {
        let session = match &self.masks {
            Some((masks, _)) => session.with_style_masks(masks.clone()),
            None => session,
        };
        match &self.init {
            Some((image, _)) => session.with_init_image(image.clone()),
            None => session,
        }
    }

    /// Reads the image a run starts from (`--init PATH`).
    pub fn with_init_image(mut self, path: &Path, max_bytes: u64) -> Result<Self> {
        let (image, source) = load_image(Some(path), &[], max_bytes).context("initial image")?;
        self.init = Some((image, source));
        Ok(self)
    }

    /// The recipe of running `session` on these inputs.
    pub fn recipe(&self, session: &StyleTransfer, backend: Backend) -> Result<Recipe> {
        let weights = session
            .weights()
            .file()?
            .map(|path| std::path::absolute(&path).unwrap_or(path));
        Ok(Recipe {
            nst_version: env!("CARGO_PKG_VERSION").to_owned(),
            // The precision that ran, not `auto`: a rerun or a resume elsewhere computes alike.
            config: session
                .config()
                .to_builder()
                .precision(session.model()?.precision())
                .build()?,
            content: self.sources[0].clone(),
            styles: self.sources[1..].to_vec(),
            style_masks: self
                .masks
                .as_ref()
                .map(|(_, sources)| sources.clone())
                .unwrap_or_default(),
            init_image: self.init.as_ref().map(|(_, source)| source.clone()),
            weights,
            weights_sha256: session.model()?.weights_sha256().to_owned(),
            tile: session.tile(),
            backend: backend.name().to_owned(),
            video: None,
            stopped_after: None,
        })
    }
}

/// Loads the content and style images (or the embedded defaults) and hashes their bytes.
pub fn load_inputs(model: &ModelArgs) -> Result<Inputs> {
    let styles: Vec<Option<&Path>> = match model.style.as_slice() {
        [] => vec![None],
        paths => paths.iter().map(|p| Some(p.as_path())).collect(),
    };
    let masks: Vec<&Path> = model.style_mask.iter().map(PathBuf::as_path).collect();
    load_images(
        model.content.as_deref(),
        &styles,
        &masks,
        model.max_image_mib << 20,
    )
}

/// Loads a content and style images and the style masks (none, or one per style), refusing
/// any whose decoded pixels take more than `max_bytes`; `None` is the embedded default.
pub fn load_images(
    content: Option<&Path>,
    styles: &[Option<&Path>],
    masks: &[&Path],
    max_bytes: u64,
) -> Result<Inputs> {
    let (content, source) =
        load_image(content, nst::assets::CONTENT_PNG, max_bytes).context("content image")?;
    Inputs::with_styles(content, source, styles, masks, max_bytes)
}

impl Inputs {
    /// The inputs of a run on `content` (from `source`) with the style images and masks read
    /// from `styles` and `masks` (see [`load_images`]). A clip's first frame stands for its
    /// content: its size fits the run in memory and its source names the clip.
    pub fn with_styles(
        content: RgbImage,
        source: Input,
        styles: &[Option<&Path>],
        masks: &[&Path],
        max_bytes: u64,
    ) -> Result<Self> {
        if !masks.is_empty() && masks.len() != styles.len() {
            anyhow::bail!(
                "--style-mask: {} masks for {} style images; give one per style",
                masks.len(),
                styles.len()
            );
        }
        let mut inputs = Inputs {
            content,
            styles: Vec::with_capacity(styles.len()),
            sources: vec![source],
            masks: None,
            init: None,
        };
        inputs.load_styles(styles, masks, max_bytes)?;
        Ok(inputs)
    }

    fn load_styles(
        &mut self,
        styles: &[Option<&Path>],
        masks: &[&Path],
        max_bytes: u64,
    ) -> Result<()> {
        let inputs = self;
        for path in styles {
            let (style, source) =
                load_image(*path, nst::assets::STYLE_JPEG, max_bytes).context("style image")?;
            inputs.styles.push(style);
            inputs.sources.push(source);
        }
        if !masks.is_empty() {
            let mut images = Vec::with_capacity(masks.len());
            let mut sources = Vec::with_capacity(masks.len());
            for (number, path) in masks.iter().enumerate() {
                let (mask, source) = load_image(Some(path), &[], max_bytes)
                    .with_context(|| format!("style mask {}", number + 1))?;
                images.push(imageops::grayscale(&mask));
                sources.push(source);
            }
            inputs.masks = Some((StyleMasks::new(images)?, sources));
        }
        Ok(())
    }
}

fn load_image(path: Option<&Path>, default: &[u8], max_bytes: u64) -> Result<(RgbImage, Input)> {
    let (image, bytes) = match path {
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|source| nst::Error::Read {
                path: path.to_owned(),
                source,
            })?;
            let image = nst::io::decode_rgb_with(&bytes, max_bytes).map_err(|e| match e {
                nst::Error::Decode { path: None, source } => nst::Error::Decode {
                    path: Some(path.to_owned()),
                    source,
                },
                e => e,
            })?;
            (image, bytes)
        }
        None => (
            nst::io::decode_rgb_with(default, max_bytes)?,
            default.to_vec(),
        ),
    };
    let source = Input {
        path: path.map(Path::to_owned),
        sha256: nst::recipe::sha256(&bytes),
    };
    Ok((image, source))
}

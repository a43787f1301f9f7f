//! Where a run writes: the image, and the optional log, snapshots and contact sheet.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use nst::Progress;
use serde::ser::{Serialize, SerializeMap, Serializer};

/// Where a run writes (kept in a checkpoint's note, so `nst resume` writes the same).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outputs {
    pub output: PathBuf,
    pub sheet: Option<PathBuf>,
    pub log_json: Option<PathBuf>,
    pub save_every: Option<usize>,
}

impl Outputs {
    /// Only the image.
    pub fn image(output: PathBuf) -> Self {
        Self {
            output,
            sheet: None,
            log_json: None,
            save_every: None,
        }
    }

    /// The same outputs with paths from the root, which any working directory finds.
    pub fn absolute(&self) -> Result<Self> {
        let absolute = |path: &Path| {
            std::path::absolute(path).with_context(|| format!("cannot resolve {}", path.display()))
        };
        Ok(Self {
            output: absolute(&self.output)?,
            sheet: self.sheet.as_deref().map(absolute).transpose()?,
            log_json: self.log_json.as_deref().map(absolute).transpose()?,
            save_every: self.save_every,
        })
    }

    /// Checks, before the run, that every output can be written.
    pub fn check(&self) -> Result<()> {
        for image in [Some(&self.output), self.sheet.as_ref()]
            .into_iter()
            .flatten()
        {
            nst::io::output_format(image)?;
            nst::io::check_writable(image)?;
        }
        if let Some(log) = &self.log_json {
            nst::io::check_writable(log)?;
        }
        Ok(())
    }

    /// Writes the snapshot of this iteration, if one is due.
    pub fn save_snapshot(&self, progress: &Progress<'_>, text: &[(&str, &str)]) -> Result<()> {
        match self.save_every {
            Some(every) if progress.iteration.is_multiple_of(every) => {
                let path = snapshot_path(&self.output, progress.iteration);
                nst::io::save_with_text(&progress.image()?, &path, text).context("--save-every")?;
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// `out.png` → `out-0010.png`.
fn snapshot_path(output: &Path, iteration: usize) -> PathBuf {
    let stem = output.file_stem().unwrap_or_default().to_string_lossy();
    let name = match output.extension() {
        Some(ext) => format!("{stem}-{iteration:04}.{}", ext.to_string_lossy()),
        None => format!("{stem}-{iteration:04}"),
    };
    output.with_file_name(name)
}

/// One JSON line per iteration, each in the file as soon as its iteration ends (so it can be
/// followed with `tail -f`).
pub struct JsonLog {
    path: PathBuf,
    writer: BufWriter<File>,
}

/// A log line: the iteration, evaluations and scale, then `<term>_loss` for each loss term
/// (`content_loss`, `style_loss`, `denoise_loss`), the total and the elapsed seconds.
struct LogLine<'a>(&'a Progress<'a>);

impl Serialize for LogLine<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let progress = self.0;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("iteration", &progress.iteration)?;
        map.serialize_entry("evaluations", &progress.evaluations)?;
        map.serialize_entry("scale", &progress.scale)?;
        for (name, value) in &progress.losses.terms {
            map.serialize_entry(&format!("{name}_loss"), value)?;
        }
        map.serialize_entry("total", &progress.losses.total)?;
        map.serialize_entry("elapsed_s", &progress.elapsed.as_secs_f64())?;
        map.end()
    }
}

impl JsonLog {
    /// A log at `path` that keeps the first `kept` lines of the file there (those of the
    /// iterations a resumed run has done), if any.
    pub fn create(path: &Path, kept: usize) -> Result<Self> {
        let error = || format!("cannot write {}", path.display());
        let earlier = match kept {
            0 => String::new(),
            _ => std::fs::read_to_string(path).unwrap_or_default(),
        };
        let mut writer = BufWriter::new(File::create(path).with_context(error)?);
        for line in earlier.lines().take(kept) {
            writeln!(writer, "{line}").with_context(error)?;
        }
        Ok(Self {
            path: path.to_owned(),
            writer,
        })
    }

    /// Appends the line of `progress` and flushes it to the file.
    pub fn write(&mut self, progress: &Progress<'_>) -> Result<()> {
        let error = || format!("cannot write {}", self.path.display());
        serde_json::to_writer(&mut self.writer, &LogLine(progress)).with_context(error)?;
        self.writer.write_all(b"\n").with_context(error)?;
        self.writer.flush().with_context(error)?;
        Ok(())
    }
}

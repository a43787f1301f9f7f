//! Where a run writes: the image, and the optional log, snapshots and contact sheet. Each goes
//! through `nst::io`'s rule: `-` is standard output, FIFOs and devices are written in place,
//! files (a symlink's target) atomically, and the log in place, a line at a time.

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

    /// The same outputs with paths from the root, which any working directory finds
    /// (standard output, `-`, stays `-`).
    pub fn absolute(&self) -> Result<Self> {
        let absolute = |path: &Path| match path.as_os_str() == nst::io::STDOUT {
            true => Ok(path.to_owned()),
            false => std::path::absolute(path)
                .with_context(|| format!("cannot resolve {}", path.display())),
        };
        Ok(Self {
            output: absolute(&self.output)?,
            sheet: self.sheet.as_deref().map(absolute).transpose()?,
            log_json: self.log_json.as_deref().map(absolute).transpose()?,
            save_every: self.save_every,
        })
    }

    /// Checks, before the run, that every output can be written: images have a format, every
    /// folder takes a new file, every device opens; at most one output is standard output,
    /// and snapshots are named after a file.
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
        let paths = [
            Some(&self.output),
            self.sheet.as_ref(),
            self.log_json.as_ref(),
        ];
        let on_stdout = paths.iter().flatten().filter(|p| is_stdout(p)).count();
        if on_stdout > 1 {
            anyhow::bail!("only one of -o, --sheet and --log-json can be `-` (standard output)");
        }
        if self.save_every.is_some() {
            if nst::io::Target::of(&self.output)?.is_stream() {
                anyhow::bail!(
                    "--save-every names its snapshots after -o, which is {}: give -o a file name",
                    describe(&self.output)
                );
            }
            nst::io::check_writable(&snapshot_path(&self.output, 0)).context("--save-every")?;
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

fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == nst::io::STDOUT
}

/// An output as messages name it: its path, or `standard output` for `-`.
pub fn shown(path: &Path) -> String {
    match is_stdout(path) {
        true => "standard output".to_owned(),
        false => path.display().to_string(),
    }
}

/// What an output is, for messages: `standard output`, `/dev/null, a character device`, or
/// its path.
fn describe(path: &Path) -> String {
    match nst::io::Target::of(path) {
        Ok(nst::io::Target::Stream { kind, .. }) => format!("{}, a {kind}", path.display()),
        _ => shown(path),
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
    writer: BufWriter<Box<dyn Write + Send>>,
}

/// A log line: the iteration, evaluations and scale, then `<term>_loss` for each loss term
/// (`content_loss`; `style_loss`, `w2_loss` or `sliced_loss`; `denoise_loss`;
/// `histogram_loss`), the total and the elapsed seconds.
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
        // Only a file has lines to keep: a stream already took them.
        let earlier = match (kept, nst::io::Target::of(path)?) {
            (1.., nst::io::Target::File(file)) => std::fs::read_to_string(file).unwrap_or_default(),
            _ => String::new(),
        };
        let mut writer = BufWriter::new(nst::io::open_in_place(path)?);
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

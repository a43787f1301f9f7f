//! `cargo bench --bench photo`: photographs in the style of photographs, three ways per pair
//! — the `gatys` preset, that result smoothed (`nst_transfer::smooth`), and the `photo`
//! preset — with the local-affine residual of each (J/pixels, ε = 1e-7, both images in 0–1),
//! the style loss (Gram, conv1_1…conv5_1, `gatys`'s scoring) against the photo's own, the
//! mean colour shift of the smoothing and the times, as a Markdown table.
//!
//! `NST_PHOTO_PAIRS` is a comma-separated list of `PHOTO:STYLE` paths (default: Tübingen in
//! the style of the Golden Gate from `../shared/images/`, and the README's two pairs from
//! `assets/photos/`); `NST_PHOTO_SIZE` (512) and `NST_PHOTO_GATYS_ITERATIONS` (300) choose
//! the runs; with `NST_PHOTO_OUT=FOLDER` the pictures are written there as
//! `PAIR-{gatys,gatys-smoothed,photo}.png`, for `reference/matting_residual.py` to check.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use nst::burn::tensor::{DType, Device, Tensor, TensorData};
use nst::image::RgbImage;
use nst::losses::{MATTING_EPS, PhotorealismLoss};
use nst::{Preset, StyleTransfer, Term, WeightsSource};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("bench: error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn var<T: std::str::FromStr>(name: &str, default: T) -> Result<T, String> {
    match std::env::var(name) {
        Ok(value) => value
            .parse()
            .map_err(|_| format!("{name}: cannot parse `{value}`")),
        Err(_) => Ok(default),
    }
}

fn default_pairs() -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    [
        (
            "../shared/images/tubingen.jpg",
            "../shared/images/golden_gate.jpg",
        ),
        ("assets/photos/astronaut.jpg", "assets/photos/rocket.jpg"),
        ("assets/photos/rocket.jpg", "assets/photos/coffee.jpg"),
    ]
    .map(|(a, b)| format!("{root}/{a}:{root}/{b}"))
    .join(",")
}

/// The residual per pixel of `image` against `photo`'s matting Laplacian, in `f64`.
fn residual(photo: &RgbImage, image: &RgbImage) -> Result<f64, Box<dyn std::error::Error>> {
    let device = Device::flex();
    let tensor = |image: &RgbImage| {
        let (w, h) = image.dimensions();
        let pixels = (w * h) as usize;
        let mut values = vec![0.0f64; 3 * pixels];
        for (i, pixel) in image.pixels().enumerate() {
            for c in 0..3 {
                values[c * pixels + i] = f64::from(pixel[c]);
            }
        }
        let shape = [1, 3, h as usize, w as usize];
        Tensor::<4>::from_data(TensorData::new(values, shape), (&device, DType::F64))
    };
    let loss = PhotorealismLoss::new(tensor(photo), MATTING_EPS)?;
    Ok(loss.forward(tensor(image)).into_scalar::<f64>())
}

/// Each channel's mean, 0–255.
fn means(image: &RgbImage) -> [f64; 3] {
    let n = f64::from(image.width() * image.height());
    std::array::from_fn(|c| image.pixels().map(|p| f64::from(p[c])).sum::<f64>() / n)
}

fn name(path: &Path) -> String {
    path.file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned())
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let pairs: String = var("NST_PHOTO_PAIRS", default_pairs())?;
    let size: u32 = var("NST_PHOTO_SIZE", 512)?;
    let gatys_iterations: usize = var("NST_PHOTO_GATYS_ITERATIONS", 300)?;
    let out: Option<PathBuf> = std::env::var_os("NST_PHOTO_OUT").map(PathBuf::from);
    let weights = WeightsSource::Path(nst::weights::fetch(|_| {})?);
    let session = |preset: Preset, iterations: Option<usize>| {
        let mut builder = preset.builder().size(Some(size));
        if let Some(iterations) = iterations {
            builder = builder.iterations(iterations);
        }
        builder
            .build()
            .map(|config| StyleTransfer::new(config).with_weights(weights.clone()))
    };
    let gatys = session(Preset::Gatys, Some(gatys_iterations))?;
    let photo = session(Preset::Photo, None)?;
    let scorer = session(Preset::Gatys, None)?;
    println!(
        "| pair | run | seconds | residual / pixel | residual ÷ gatys's | style loss | ÷ photo's own | mean shift (levels) |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    for pair in pairs.split(',') {
        let (content_path, style_path) = pair
            .split_once(':')
            .ok_or_else(|| format!("`{pair}` is not PHOTO:STYLE"))?;
        let (content_path, style_path) = (Path::new(content_path), Path::new(style_path));
        let content = nst::image::open(content_path)?.to_rgb8();
        let style = nst::image::open(style_path)?.to_rgb8();
        let label = format!("{} ← {}", name(content_path), name(style_path));
        let timed = |f: &dyn Fn() -> Result<RgbImage, nst::transfer::Error>| {
            let started = Instant::now();
            f().map(|image| (image, started.elapsed().as_secs_f64()))
        };
        let (painted, gatys_seconds) = timed(&|| gatys.run(&content, &style))?;
        let working = nst::image::imageops::resize(
            &content,
            painted.width(),
            painted.height(),
            nst::image::imageops::FilterType::Lanczos3,
        );
        let (smoothed, smooth_seconds) =
            timed(&|| nst::transfer::smooth(&working, &painted, &Device::flex()))?;
        let (photographic, photo_seconds) = timed(&|| photo.run(&content, &style))?;
        let own_style = scorer
            .score(&content, &[&style], &working)?
            .get(Term::Style)
            .map(|s| s.value)
            .ok_or("no style term")?;
        let base = residual(&working, &painted)?;
        let before = means(&painted);
        for (run, image, seconds) in [
            ("gatys", &painted, gatys_seconds),
            ("gatys, smoothed", &smoothed, smooth_seconds),
            ("photo", &photographic, photo_seconds),
        ] {
            let r = residual(&working, image)?;
            let style_loss = scorer
                .score(&content, &[&style], image)?
                .get(Term::Style)
                .map(|s| s.value)
                .ok_or("no style term")?;
            // The smoothing's change of the mean colour (the largest channel's).
            let shift = match run {
                "gatys, smoothed" => {
                    let after = means(image);
                    let shift = (0..3).map(|c| (after[c] - before[c]).abs());
                    format!("{:.2}", shift.fold(0.0, f64::max))
                }
                _ => "—".to_owned(),
            };
            println!(
                "| {label} | {run} | {seconds:.1} | {r:.3e} | {:.4} | {style_loss:.4e} | {:.3} | {shift} |",
                r / base,
                style_loss / own_style
            );
            if let Some(out) = &out {
                std::fs::create_dir_all(out)?;
                let file = format!(
                    "{}-{}-{}.png",
                    name(content_path),
                    name(style_path),
                    run.replace(", ", "-")
                );
                image.save(out.join(file))?;
            }
        }
        if let Some(out) = &out {
            working.save(out.join(format!("{}-photo-input.png", name(content_path))))?;
        }
    }
    Ok(())
}

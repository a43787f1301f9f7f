//! A job's options as the page sends them (the command line's long names and values), read
//! by the command line's own parser, and a configuration written back as such options (the
//! presets' values, a recipe loaded into the page).

use std::collections::BTreeMap;

use anyhow::{Result, bail};
use clap::Parser;
use nst::transfer::Preset;
use nst::{Init, Layer, StyleTransferConfig};

use nst_options::TransferArgs;

/// The options a page may set: the run's, but none that names a file or a device.
pub const ALLOWED: [&str; 31] = [
    "preset",
    "size",
    "iterations",
    "optimizer",
    "step-size",
    "step-decay",
    "average",
    "history",
    "content-weight",
    "style-weight",
    "denoise-weight",
    "photorealism-weight",
    "smooth",
    "weighting",
    "init",
    "seed",
    "preserve-colors",
    "multiscale",
    "start-size",
    "scale-factor",
    "iterations-per-scale",
    "style-scale",
    "style-blend",
    "content-layers",
    "style-layers",
    "style-layer-weights",
    "style-loss",
    "histogram-weight",
    "histogram-layers",
    "gram-normalize",
    "pooling",
];

/// The command line a job's options stand for.
#[derive(Debug, Parser)]
#[command(name = "nst", no_binary_name = true)]
struct JobCommandLine {
    #[command(flatten)]
    transfer: TransferArgs,
}

/// The configuration `options` describe (empty values are left to the preset), as `nst`
/// would read them from its command line, with its messages; refused beyond the server's
/// bounds, `max_iterations` over all its scales among them.
pub fn config(
    options: &BTreeMap<String, String>,
    max_iterations: usize,
) -> Result<StyleTransferConfig> {
    let mut args = Vec::with_capacity(options.len());
    for (name, value) in options {
        if !ALLOWED.contains(&name.as_str()) {
            bail!("unknown option `{name}`");
        }
        if name == "init"
            && !matches!(
                value.as_str(),
                "" | "noise" | "content" | "style-statistics"
            )
        {
            bail!("--init {value}: not noise, content or style-statistics");
        }
        if !value.is_empty() {
            args.push(format!("--{name}={value}"));
        }
    }
    let command_line = JobCommandLine::try_parse_from(&args).map_err(|error| {
        // clap's first line (`error: …`) says it all; the rest is usage.
        let text = error.to_string();
        let line = text.lines().next().unwrap_or_default();
        anyhow::anyhow!("{}", line.trim_start_matches("error: "))
    })?;
    let config = command_line.transfer.config()?;
    within_bounds(&config, max_iterations)?;
    Ok(config)
}

/// The largest run a page may ask for: its longest side, L-BFGS history and style scale (its
/// iterations are bounded by `nst serve --max-iterations`).
pub const MAX_SIZE: u32 = 4096;
const MAX_HISTORY: usize = 1000;
const MAX_STYLE_SCALE: f64 = 4.0;

/// Refuses runs beyond the bounds a server keeps to (the command line has none: a user there
/// spends their own machine).
fn within_bounds(config: &StyleTransferConfig, max_iterations: usize) -> Result<()> {
    let size = match config.size() {
        Some(size) if size <= MAX_SIZE => size,
        _ => bail!("size: give a longest side of at most {MAX_SIZE} pixels"),
    };
    let total = config.total_iterations((size, size));
    if total > max_iterations {
        bail!("iterations: at most {max_iterations} over all scales, not {total}");
    }
    if config.history() > MAX_HISTORY {
        bail!("history: at most {MAX_HISTORY}");
    }
    if config.style_scale() > MAX_STYLE_SCALE {
        bail!("style-scale: at most {MAX_STYLE_SCALE}");
    }
    Ok(())
}

/// Every option of `config` by the command line's names, with the preset it is read on:
/// [`config`] of the result is `config` again, except for a run that started from an image
/// file (`init` is then empty).
pub fn options_of(config: &StyleTransferConfig) -> BTreeMap<&'static str, String> {
    let preset = Preset::ALL
        .into_iter()
        .find(|preset| {
            let options = written(config, *preset);
            let owned = options.iter().map(|(k, v)| ((*k).to_owned(), v.clone()));
            // The page has no precision option: the server's model decides it.
            let same = |read: StyleTransferConfig| {
                let read = read.to_builder().precision(config.precision()).build();
                read.is_ok_and(|read| read == *config)
            };
            self::config(&owned.collect(), usize::MAX).is_ok_and(same)
        })
        .unwrap_or(Preset::Fast);
    written(config, preset)
}

fn written(config: &StyleTransferConfig, preset: Preset) -> BTreeMap<&'static str, String> {
    let names = |layers: &[Layer]| join(layers.iter().map(|layer| layer.name()));
    let numbers = |values: Option<&[f64]>| values.map_or(String::new(), |v| join(v.iter()));
    let lowercase = |value: serde_json::Value| value.as_str().unwrap_or_default().to_owned();
    let mut options = BTreeMap::from([
        ("preset", preset.name().to_owned()),
        ("size", config.size().unwrap_or(0).to_string()),
        ("iterations", config.iterations().to_string()),
        ("optimizer", config.optimizer().name().to_owned()),
        ("step-size", config.step_size().to_string()),
        ("step-decay", config.step_decay().to_string()),
        ("average", config.average().to_string()),
        ("history", config.history().to_string()),
        ("content-weight", config.content_weight().to_string()),
        ("style-weight", config.style_weight().to_string()),
        ("denoise-weight", config.denoise_weight().to_string()),
        (
            "photorealism-weight",
            config.photorealism_weight().to_string(),
        ),
        ("smooth", config.smooth().to_string()),
        (
            "weighting",
            lowercase(serde_json::to_value(config.weighting()).unwrap_or_default()),
        ),
        ("seed", config.seed().to_string()),
        (
            "preserve-colors",
            config.preserve_colors().map_or(String::new(), |mode| {
                lowercase(serde_json::to_value(mode).unwrap_or_default())
            }),
        ),
        ("multiscale", config.multiscale().is_some().to_string()),
        ("style-scale", config.style_scale().to_string()),
        ("style-blend", numbers(config.style_blend())),
        ("content-layers", names(config.content_layers())),
        ("style-layers", names(config.style_layers())),
        ("style-layer-weights", numbers(config.style_layer_weights())),
        ("style-loss", config.style_loss().name().to_owned()),
        ("histogram-weight", config.histogram_weight().to_string()),
        ("histogram-layers", names(config.histogram_layers())),
        ("gram-normalize", config.gram_normalize().to_string()),
        (
            "pooling",
            lowercase(serde_json::to_value(config.pooling()).unwrap_or_default()),
        ),
    ]);
    let init = match config.init() {
        Init::Noise { .. } => "noise",
        Init::Content => "content",
        Init::StyleStatistics => "style-statistics",
        Init::Image => "",
    };
    options.insert("init", init.to_owned());
    if let Some(multiscale) = config.multiscale() {
        options.insert("start-size", multiscale.start.to_string());
        options.insert("scale-factor", multiscale.factor.to_string());
        if let Some(n) = multiscale.iterations_per_scale {
            options.insert("iterations-per-scale", n.to_string());
        }
    }
    options
}

fn join<T: ToString>(values: impl Iterator<Item = T>) -> String {
    values.map(|v| v.to_string()).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(options: BTreeMap<&str, String>) -> BTreeMap<String, String> {
        options
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect()
    }

    #[test]
    fn every_preset_and_a_changed_one_read_back_to_the_same_configuration() {
        let mut configs: Vec<_> = Preset::ALL.map(Preset::config).to_vec();
        let changed = Preset::Gatys
            .builder()
            .style_weight(123.5)
            .size(Some(300))
            .style_blend(Some(vec![0.25, 0.75]))
            .style_layer_weights(Some(vec![1.0, 2.0, 3.0, 4.0, 5.0]))
            .multiscale(Some(Default::default()))
            .preserve_colors(Some(nst::PreserveColors::Histogram))
            .style_loss(nst::transfer::StyleLoss::W2)
            .seed(7)
            .build()
            .unwrap();
        configs.push(changed);
        for config in configs {
            let options = options_of(&config);
            assert_eq!(
                super::config(&owned(options.clone()), usize::MAX).unwrap(),
                config,
                "{options:?}"
            );
        }
    }

    #[test]
    fn names_and_values_outside_the_run_options_are_refused() {
        for (name, value, expected) in [
            ("weights", "/etc/passwd", "unknown option `weights`"),
            ("content", "/etc/passwd", "unknown option `content`"),
            (
                "init",
                "/etc/passwd",
                "not noise, content or style-statistics",
            ),
            ("style-weight", "heavy", "invalid value 'heavy'"),
            ("iterations", "--content=/x", "invalid value"),
            ("size", "0", "at most 4096 pixels"),
            ("size", "5000", "at most 4096 pixels"),
            (
                "iterations",
                "10000",
                "at most 10000 over all scales, not 10064",
            ),
        ] {
            let options = BTreeMap::from([(name.to_owned(), value.to_owned())]);
            let error = config(&options, 10_000).unwrap_err().to_string();
            assert!(error.contains(expected), "{name}={value}: {error}");
            assert!(!error.contains('\n'), "{error}");
        }
    }
}

//! `nst batch plan`: the items of a batch, checked and frozen into its folder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use nst::StyleTransferConfig;
use nst::batch::{Entry, Plan, STATE_DIR};
use nst::recipe::Input;

use super::wanted::{Wanted, from_folders, from_manifest};
use super::{Settings, jobfiles, records};
use crate::args::{PlanArgs, weights_source};

/// The most shards a plan gets unless `--shards` says otherwise.
const DEFAULT_MAX_SHARDS: usize = 1000;

/// `nst batch plan`: checks every input and option, refusing the plan with every problem
/// found, one a line; otherwise writes it and prints how to run it.
pub fn plan(args: PlanArgs) -> Result<()> {
    let transfer = &args.transfer;
    let base = transfer.config()?;
    if !transfer.model.style_mask.is_empty() {
        bail!("--style-mask: masks belong to one photo; a batch has none");
    }
    if transfer.init_image().is_some() {
        bail!("--init PATH: a batch starts each item from noise, its content or style statistics");
    }
    if transfer.checkpoint.is_some() {
        bail!("--checkpoint: each item of a batch keeps its checkpoint in OUTDIR/{STATE_DIR}");
    }
    let mut settings = Settings {
        backend: transfer.model.backend()?.name().to_owned(),
        weights: match weights_source(transfer.model.weights.clone()) {
            nst::WeightsSource::Path(path) => Some(std::path::absolute(&path)?),
            _ => None,
        },
        tile: transfer.model.tile,
        max_memory: transfer.max_memory_bytes(),
        max_image_bytes: transfer.model.max_image_mib << 20,
        checkpoint_every: transfer.checkpoint_every,
    };
    let mut problems = Vec::new();
    let wanted = match (&args.manifest, &args.retry_failed) {
        (Some(manifest), _) => from_manifest(manifest, &mut problems)?,
        (None, Some(old)) => {
            let (wanted, old_settings) = records::failed_items(old)?;
            settings = old_settings;
            wanted
        }
        (None, None) => from_folders(transfer, args.pairs, &mut problems)?,
    };
    let (entries, configs) = entries(&wanted, &base, settings.max_image_bytes, &mut problems);
    let shards = match args.shards {
        Some(n) => n as usize,
        None => entries.len().clamp(1, DEFAULT_MAX_SHARDS),
    };
    let settings_json = serde_json::to_value(&settings)?;
    let plan = match Plan::new(entries, configs, shards, settings_json) {
        Ok(plan) if problems.is_empty() => plan,
        Ok(_) => refuse(problems)?,
        Err(error) if !error.problems().is_empty() => {
            problems.extend_from_slice(error.problems());
            refuse(problems)?
        }
        Err(error) => return Err(error.into()),
    };
    if plan.items.is_empty() {
        bail!("the plan has no items: no photo or no style was found");
    }
    let dir = std::path::absolute(&args.output)?;
    plan.write(&dir)?;
    let logs = dir.join(STATE_DIR).join("logs");
    std::fs::create_dir_all(&logs).with_context(|| format!("cannot create {}", logs.display()))?;
    if args.print_sbatch {
        print!("{}", jobfiles::sbatch(&plan, &dir, args.at_once));
    } else if args.print_kubernetes {
        print!("{}", jobfiles::kubernetes(&plan, &dir));
    } else {
        print_commands(&plan, &dir, args.at_once);
    }
    Ok(())
}

/// Prints every problem on a line of its own, and fails.
fn refuse<T>(problems: Vec<String>) -> Result<T> {
    for problem in &problems {
        eprintln!("nst: error: {problem}");
    }
    bail!(
        "the plan is refused: {} problem{} above; nothing was written",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    )
}

fn print_commands(plan: &Plan, dir: &Path, at_once: u64) {
    let (items, shards, hash) = (plan.items.len(), plan.shards, plan.hash());
    println!(
        "planned {items} items in {shards} shards into {} (plan {hash})",
        dir.display()
    );
    println!(
        "on SLURM:       {}",
        jobfiles::sbatch_command(plan, dir, at_once)
    );
    println!(
        "on Kubernetes:  nst batch plan … --print-kubernetes | kubectl apply -f - \
         (deploy/kubernetes/nst-batch-job.yaml filled in)"
    );
    println!(
        "by hand:        nst batch run {} --shard I/{shards} --plan {hash}   (I = 0 … {})",
        dir.display(),
        shards - 1
    );
    println!("progress:       nst batch status {}", dir.display());
}

/// The plan's entries and configurations; every input is read, decoded and hashed once, and
/// every item's options checked.
fn entries(
    wanted: &[Wanted],
    base: &StyleTransferConfig,
    max_image_bytes: u64,
    problems: &mut Vec<String>,
) -> (Vec<Entry>, Vec<StyleTransferConfig>) {
    let mut inputs: BTreeMap<&Path, Option<Input>> = BTreeMap::new();
    for item in wanted {
        for path in std::iter::once(&item.content).chain(&item.styles) {
            inputs.entry(path).or_insert(None);
        }
    }
    for (path, input) in inputs.iter_mut() {
        match check_image(path, max_image_bytes) {
            Ok(checked) => *input = Some(checked),
            Err(error) => problems.push(nst_options::one_line(&error)),
        }
    }
    let mut configs: Vec<StyleTransferConfig> = Vec::new();
    let mut entries = Vec::with_capacity(wanted.len());
    for item in wanted {
        let config = match (&item.config, &item.blend) {
            (Some(config), _) => Ok(config.clone()),
            (None, None) => Ok(base.clone()),
            (None, Some(blend)) => base.to_builder().style_blend(Some(blend.clone())).build(),
        };
        let name = item.name.clone().unwrap_or_else(|| output_name(item));
        let config = match config {
            Ok(config) => config,
            Err(error) => {
                problems.push(format!("{}: {error}", name.display()));
                continue;
            }
        };
        if let Some(blend) = config.style_blend()
            && blend.len() != item.styles.len()
        {
            problems.push(format!(
                "{}: {} style weights for {} styles",
                name.display(),
                blend.len(),
                item.styles.len()
            ));
            continue;
        }
        if name.is_absolute()
            || name.components().any(|c| c.as_os_str() == "..")
            || name.extension().is_none_or(|e| e != "png")
        {
            problems.push(format!(
                "{}: an output must be a .png name inside OUTDIR",
                name.display()
            ));
            continue;
        }
        let (Some(Some(content)), Some(styles)) = (
            inputs.get(item.content.as_path()),
            item.styles
                .iter()
                .map(|s| inputs.get(s.as_path()).cloned().flatten())
                .collect::<Option<Vec<_>>>(),
        ) else {
            continue; // its unreadable input is a problem already
        };
        let index = match configs.iter().position(|c| *c == config) {
            Some(index) => index,
            None => {
                configs.push(config);
                configs.len() - 1
            }
        };
        entries.push(Entry {
            content: content.clone(),
            styles,
            config: index,
            name,
        });
    }
    (entries, configs)
}

/// Reads, decodes and hashes an input image; its path from the root.
fn check_image(path: &Path, max_bytes: u64) -> Result<Input> {
    let bytes = std::fs::read(path).map_err(|source| nst::Error::Read {
        path: path.to_owned(),
        source,
    })?;
    nst::io::decode_rgb_with(&bytes, max_bytes)
        .with_context(|| format!("{}: not an image nst can read", path.display()))?;
    Ok(Input {
        path: Some(std::path::absolute(path)?),
        sha256: nst::recipe::sha256(&bytes),
    })
}

/// `photo--style.png`, `photo--style1+style2.png`.
fn output_name(item: &Wanted) -> PathBuf {
    let stem = |path: &Path| {
        path.file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned()
    };
    let styles: Vec<String> = item.styles.iter().map(|s| stem(s)).collect();
    PathBuf::from(format!("{}--{}.png", stem(&item.content), styles.join("+")))
}

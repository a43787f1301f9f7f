//! Computes the flow of frame pairs written by `benches/reference/flow_opencv.py` and prints
//! JSON: per pair its name and the median milliseconds of the timed runs; each flow is written
//! beside its frames as `NAME.ours.f32` (u then v, row-major, little-endian f32).
//!
//! ```sh
//! cargo run --release -p nst-flow --example flow_pairs -- DIR [RUNS] [FIELD=VALUE ...]
//! ```
//!
//! `DIR/pairs.txt` lists one pair name a line; the frames are `DIR/NAME.from.png` and
//! `DIR/NAME.to.png`. `FIELD=VALUE` overrides a field of the default `FlowOptions` (for tuning).

use std::time::Instant;

use nst_flow::{FlowOptions, flow_with};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(
        args.next()
            .ok_or("usage: flow_pairs DIR [RUNS] [FIELD=VALUE ...]")?,
    );
    let rest: Vec<String> = args.collect();
    let mut runs = 5usize;
    let mut options = FlowOptions::default();
    for arg in &rest {
        let Some((key, value)) = arg.split_once('=') else {
            runs = arg.parse()?;
            continue;
        };
        match key {
            "patch_size" => options.patch_size = value.parse()?,
            "patch_stride" => options.patch_stride = value.parse()?,
            "smoothing" => options.smoothing = value.parse()?,
            "finest_search_level" => options.finest_search_level = value.parse()?,
            "finest_level" => options.finest_level = value.parse()?,
            "search_iterations" => options.search_iterations = value.parse()?,
            "mean_normalization" => options.mean_normalization = value.parse()?,
            "spatial_propagation" => options.spatial_propagation = value.parse()?,
            "refinement_iterations" => options.refinement_iterations = value.parse()?,
            "finest_refinement_iterations" => {
                options.finest_refinement_iterations = value.parse()?
            }
            "sor_iterations" => options.sor_iterations = value.parse()?,
            "alpha" => options.alpha = value.parse()?,
            "gamma" => options.gamma = value.parse()?,
            "delta" => options.delta = value.parse()?,
            _ => return Err(format!("unknown option {key}").into()),
        }
    }
    let names = std::fs::read_to_string(dir.join("pairs.txt"))?;
    let mut entries = Vec::new();
    for name in names.lines().filter(|l| !l.is_empty()) {
        let from = image::open(dir.join(format!("{name}.from.png")))?.into_rgb8();
        let to = image::open(dir.join(format!("{name}.to.png")))?.into_rgb8();
        let mut times = Vec::with_capacity(runs);
        let mut result = flow_with(&from, &to, &options)?; // warm-up, not timed
        for _ in 0..runs {
            let start = Instant::now();
            result = flow_with(&from, &to, &options)?;
            times.push(start.elapsed().as_secs_f64() * 1e3);
        }
        times.sort_by(f64::total_cmp);
        let bytes: Vec<u8> = result
            .u()
            .iter()
            .chain(result.v())
            .flat_map(|x| x.to_le_bytes())
            .collect();
        std::fs::write(dir.join(format!("{name}.ours.f32")), bytes)?;
        let median = times.get(times.len() / 2).copied().unwrap_or(f64::NAN);
        entries.push(format!("{{\"name\": \"{name}\", \"ms\": {median:.3}}}"));
    }
    println!("[{}]", entries.join(", "));
    Ok(())
}

//! `nst batch` as a render wrangler meets it: plans refused with every problem, job files that
//! match the command, a bad photo that fails alone, and (`slurm_*`) a real one-node SLURM
//! cluster running the committed sbatch file: outputs equal to lone runs, a task stopped
//! mid-item resuming to the same pixels, a resubmission that skips everything.
//!
//! The SLURM tests need the cluster `scripts/slurm/cluster.sh up` brings up (`.ci/run` does).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use nst::image::{self, RgbImage};

mod common;

use common::{fixture, weights};

/// `nst ARGS` with the real weights, from `dir`.
fn nst_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nst"))
        .current_dir(dir)
        .env("NST_VGG16_ONNX", weights())
        .args(args)
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn assert_ok(output: &Output) -> String {
    assert!(output.status.success(), "{}", stderr(output));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Two photos and four styles, small, in `dir/photos` and `dir/styles`.
fn inputs(dir: &Path) {
    let asset = |name: &str| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../assets")
            .join(name)
    };
    let sources = [
        ("photos/cat.png", asset("chelsea.png")),
        ("photos/scene.png", fixture("score_content.png")),
        ("styles/starry.png", asset("starry_night.jpg")),
        ("styles/hubble.png", asset("hubble_deep_field.jpg")),
        ("styles/retina.png", asset("retina.jpg")),
        ("styles/plain.png", fixture("score_style.png")),
    ];
    for (name, source) in sources {
        let image = nst::io::load_rgb(&source).unwrap();
        let small = image::imageops::thumbnail(&image, 96, 72);
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        small.save(&path).unwrap();
    }
}

/// The options every batch here runs with: 64 px, a few iterations on the CPU.
const RUN: [&str; 8] = [
    "--backend",
    "cpu",
    "--preset",
    "normalized",
    "--size",
    "64",
    "--seed",
    "7",
];

/// Plans the eight items (2 photos × 4 styles) into `dir/out`; returns the plan's hash.
fn plan(dir: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        "batch",
        "plan",
        "--content",
        "photos",
        "--style",
        "styles",
        "-o",
        "out",
    ];
    args.extend(RUN);
    args.extend(extra);
    assert_ok(&nst_in(dir, &args));
    plan_hash(&dir.join("out"))
}

fn plan_hash(out: &Path) -> String {
    let header: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("plan.json")).unwrap()).unwrap();
    header["sha256"].as_str().unwrap().to_owned()
}

fn pixels(path: &Path) -> RgbImage {
    nst::io::load_rgb(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The outputs of the plan in `out`, by name.
fn outputs(out: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    found.sort();
    found
}

#[test]
fn a_plan_with_problems_is_refused_whole_with_one_line_each() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    inputs(dir);
    std::fs::write(dir.join("styles/garbage.png"), b"not an image").unwrap();
    let manifest = [
        r#"{"content": "photos/cat.png", "styles": ["styles/starry.png"], "output": "same.png"}"#,
        r#"{"content": "photos/scene.png", "styles": ["styles/hubble.png"], "output": "same.png"}"#,
        r#"{"content": "photos/missing.png", "styles": ["styles/starry.png"]}"#,
        r#"{"content": "photos/cat.png", "styles": ["styles/garbage.png"]}"#,
        r#"{"content": "photos/cat.png", "styles": ["styles/starry.png", "styles/hubble.png"], "style_blend": [1.0]}"#,
    ]
    .join("\n");
    std::fs::write(dir.join("items.jsonl"), manifest).unwrap();
    let mut args = vec!["batch", "plan", "--manifest", "items.jsonl", "-o", "out"];
    args.extend(RUN);
    let output = nst_in(dir, &args);
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "four problems and the refusal: {text}");
    assert!(
        lines.iter().all(|l| l.starts_with("nst: error: ")),
        "{text}"
    );
    for needle in [
        "missing.png",
        "garbage.png",
        "same.png: two items write it",
        "1 style weights for 2 styles",
        "4 problems",
    ] {
        assert!(text.contains(needle), "{needle:?} in {text}");
    }
    assert!(!dir.join("out/plan.json").exists(), "nothing is written");
}

#[test]
fn plans_are_stable_and_job_files_are_the_committed_ones_filled_in() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    inputs(dir);
    let hash = plan(dir, &["--shards", "3"]);
    assert_eq!(
        plan(dir, &["--shards", "3"]),
        hash,
        "the same inputs make the same plan"
    );
    assert_ne!(plan(dir, &["--shards", "4"]), hash);
    let header: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("out/plan.json")).unwrap()).unwrap();
    assert_eq!(header["items"], 8);

    let mut args = vec![
        "batch",
        "plan",
        "--content",
        "photos",
        "--style",
        "styles",
        "-o",
        "out",
        "--shards",
        "3",
        "--at-once",
        "2",
        "--iterations",
        "2",
        "--print-sbatch",
    ];
    args.extend(RUN);
    let printed = assert_ok(&nst_in(dir, &args));
    let hash = plan_hash(&dir.join("out"));
    let out = std::path::absolute(dir.join("out")).unwrap();
    let committed = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/slurm/nst-batch.sbatch"),
    )
    .unwrap();
    let expected: Vec<String> = committed
        .lines()
        .map(|line| match line {
            l if l.starts_with("#SBATCH --array=") => "#SBATCH --array=0-2%2".to_owned(),
            l if l.starts_with("#SBATCH --output=") => format!(
                "#SBATCH --output={}/.nst-batch/logs/%A_%a.log",
                out.display()
            ),
            "dir=${1:-}" => format!("dir=${{1:-{}}}", out.display()),
            "plan=${2:-}" => format!("plan=${{2:-{hash}}}"),
            l => l.to_owned(),
        })
        .collect();
    assert_eq!(printed.lines().collect::<Vec<_>>(), expected);
    assert_ne!(
        committed.lines().collect::<Vec<_>>(),
        expected,
        "four lines are filled in"
    );

    let args: Vec<&str> = args
        .iter()
        .map(|a| {
            if *a == "--print-sbatch" {
                "--print-kubernetes"
            } else {
                a
            }
        })
        .collect();
    let printed = assert_ok(&nst_in(dir, &args));
    let committed = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/kubernetes/nst-batch-job.yaml"),
    )
    .unwrap();
    let command = format!(
        r#"command: ["nst", "batch", "run", "{}", "--shard", "auto", "--plan", "{hash}"]"#,
        out.display()
    );
    let changed: Vec<(&str, &str)> = committed
        .lines()
        .zip(printed.lines())
        .filter(|(a, b)| a != b)
        .collect();
    let changed: Vec<&str> = changed.iter().map(|(_, b)| b.trim()).collect();
    assert_eq!(
        changed,
        ["completions: 3", "parallelism: 3", command.as_str()]
    );
    assert_eq!(committed.lines().count(), printed.lines().count());

    // The Indexed Job's command, as a pod runs it: index 1 of the plan's 3 shards.
    let mut pod = Command::new(env!("CARGO_BIN_EXE_nst"));
    pod.env("NST_VGG16_ONNX", weights())
        .env("JOB_COMPLETION_INDEX", "1");
    let output = pod
        .args([
            "batch",
            "run",
            out.to_str().unwrap(),
            "--shard",
            "auto",
            "--plan",
            &hash,
        ])
        .output()
        .unwrap();
    assert_ok(&output);
    let text = stderr(&output);
    assert!(text.contains("[1/3 "), "{text}");
    assert!(
        text.contains("3 items: 0 done already, 0 failed before, 3 to paint"),
        "{text}"
    );
}

#[test]
fn a_bad_photo_fails_alone_and_the_status_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    inputs(dir);
    std::fs::remove_file(dir.join("styles/hubble.png")).unwrap();
    std::fs::remove_file(dir.join("styles/retina.png")).unwrap();
    let hash = plan(dir, &["--shards", "1", "--iterations", "2"]);
    std::fs::write(
        dir.join("photos/scene.png"),
        b"garbage written after planning",
    )
    .unwrap();
    let run = nst_in(
        dir,
        &["batch", "run", "out", "--shard", "0/1", "--plan", &hash],
    );
    assert_eq!(run.status.code(), Some(3), "{}", stderr(&run));
    assert!(
        stderr(&run).contains("scene--starry.png: FAILED:"),
        "{}",
        stderr(&run)
    );
    assert_eq!(
        outputs(&dir.join("out")).len(),
        2,
        "the cat's two items are painted"
    );

    let status = assert_ok(&nst_in(dir, &["batch", "status", "out"]));
    assert!(
        status.contains("done 2  in progress 0  failed 2  pending 0"),
        "{status}"
    );
    assert!(
        status.contains("failed scene--plain.png: ") && status.contains("has changed"),
        "{status}"
    );

    // Run again: the done items are skipped, the failed ones not retried.
    let again = nst_in(dir, &["batch", "run", "out", "--shard", "0/1"]);
    assert_eq!(again.status.code(), Some(3));
    assert!(
        stderr(&again).contains("4 items: 2 done already, 2 failed before, 0 to paint"),
        "{}",
        stderr(&again)
    );
    // A worker started for another plan refuses this one.
    let other = nst_in(
        dir,
        &["batch", "run", "out", "--shard", "0/1", "--plan", "0123"],
    );
    assert_eq!(other.status.code(), Some(1));
    assert!(
        stderr(&other).contains("planned again"),
        "{}",
        stderr(&other)
    );

    // The photo fixed, its failed items are planned again on their own, and painted.
    inputs(dir);
    let retry = nst_in(
        dir,
        &["batch", "plan", "--retry-failed", "out", "-o", "retry"],
    );
    assert!(
        assert_ok(&retry).contains("planned 2 items"),
        "{}",
        stderr(&retry)
    );
    let no_scheduler = nst_in(dir, &["batch", "run", "retry", "--shard", "auto"]);
    assert_eq!(no_scheduler.status.code(), Some(1));
    assert!(
        stderr(&no_scheduler).contains("give --shard I/N"),
        "{}",
        stderr(&no_scheduler)
    );
    assert_ok(&nst_in(dir, &["batch", "run", "retry", "--shard", "0/2"]));
    assert_ok(&nst_in(dir, &["batch", "run", "retry", "--shard", "1/2"]));
    let names: Vec<_> = outputs(&dir.join("retry"))
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["scene--plain.png", "scene--starry.png"]);
}

// ---- On a one-node SLURM cluster ----------------------------------------------------------

/// Runs a SLURM client command; panics with its output when it fails.
fn slurm(program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("{program}: {e} (bring the cluster up: scripts/slurm/cluster.sh up)")
        });
    assert!(
        output.status.success(),
        "{program} {args:?}: {}",
        stderr(&output)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Submits the committed sbatch file with `options` (the array, the log…) for the plan in
/// `dir/out`, with test-sized resources; returns the job id (`--parsable`).
fn submit(dir: &Path, options: &[&str]) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/slurm/nst-batch.sbatch");
    let out = std::path::absolute(dir.join("out")).unwrap();
    let mut command = Command::new("sbatch");
    command
        .current_dir(dir)
        .env("NST", env!("CARGO_BIN_EXE_nst"))
        .env("NST_VGG16_ONNX", weights())
        .args([
            "--parsable",
            "--cpus-per-task=1",
            "--mem=1500M",
            "--time=15",
        ])
        .args(options)
        .arg(script)
        .arg(&out)
        .arg(plan_hash(&out));
    let output = command
        .output()
        .expect("sbatch (bring the cluster up: scripts/slurm/cluster.sh up)");
    assert!(output.status.success(), "sbatch: {}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout
        .trim()
        .split(';')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Waits until `done` holds, polling every 200 ms, at most `limit`.
fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "waited {limit:?} for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Whether every task of job `id` has ended (a requeued task is pending again, not ended).
fn gone(id: &str) -> bool {
    const ACTIVE: [&str; 7] = [
        "PENDING",
        "RUNNING",
        "COMPLETING",
        "CONFIGURING",
        "REQUEUED",
        "SUSPENDED",
        "SIGNALING",
    ];
    let states = slurm("squeue", &["-h", "-t", "all", "-j", id, "-o", "%T"]);
    !states.lines().any(|state| ACTIVE.contains(&state.trim()))
}

/// Submits as [`submit`] does and waits for every task to end (`sbatch --wait` polls every
/// 32 s; this, every 200 ms). Returns the job id.
fn run_array(dir: &Path, options: &[&str]) -> String {
    let job = submit(dir, options);
    wait_for("the job to end", Duration::from_secs(600), || gone(&job));
    job
}

/// The logs of job `id`'s tasks, concatenated.
fn logs(out: &Path, id: &str) -> String {
    let mut text = String::new();
    for entry in std::fs::read_dir(out.join(".nst-batch/logs")).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with(&format!("{id}_"))
        {
            text += &std::fs::read_to_string(&path).unwrap();
        }
    }
    text
}

/// `cat--starry.png` painted alone by `nst`, with the batch's options and `extra`.
fn lone_run(dir: &Path, name: &str, extra: &[&str]) -> RgbImage {
    let (photo, style) = name.trim_end_matches(".png").split_once("--").unwrap();
    let (content, style) = (format!("photos/{photo}.png"), format!("styles/{style}.png"));
    let output = format!("lone-{name}");
    let mut args = vec!["--content", &content, "--style", &style, "-o", &output];
    args.extend(RUN);
    args.extend(extra);
    assert_ok(&nst_in(dir, &args));
    pixels(&dir.join(output))
}

#[test]
fn slurm_array_paints_as_lone_runs_and_a_resubmission_skips_everything() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    inputs(dir);
    let out = dir.join("out");
    let hash = plan(dir, &["--shards", "3", "--iterations", "6"]);
    let stdout = assert_ok(&nst_in(dir, &["batch", "status", "out"]));
    assert!(
        stdout.contains("done 0  in progress 0  failed 0  pending 8"),
        "{stdout}"
    );

    let log_option = format!("--output={}/.nst-batch/logs/%A_%a.log", out.display());
    let array = ["--array=0-2", log_option.as_str()];
    let first = run_array(dir, &array);
    let log = logs(&out, &first);
    assert_eq!(log.matches("nst exited 0").count(), 3, "{log}");
    let painted = outputs(&out);
    assert_eq!(painted.len(), 8, "{log}");
    for path in &painted {
        let name = path.file_name().unwrap().to_str().unwrap();
        assert_eq!(
            pixels(path),
            lone_run(dir, name, &["--iterations", "6"]),
            "{name}"
        );
    }
    let again = dir.join("again.png");
    let rerun = nst_in(
        dir,
        &[
            "recipe",
            painted[0].to_str().unwrap(),
            "--rerun",
            again.to_str().unwrap(),
        ],
    );
    assert_ok(&rerun);
    assert_eq!(
        pixels(&again),
        pixels(&painted[0]),
        "the recipe reruns to the same pixels"
    );

    let second = run_array(dir, &array);
    let log = logs(&out, &second);
    assert_eq!(log.matches("to paint (attempt 0)").count(), 3, "{log}");
    assert_eq!(
        log.matches(" 0 to paint").count(),
        3,
        "every task skips everything: {log}"
    );
    let status = assert_ok(&nst_in(dir, &["batch", "status", "out"]));
    assert!(
        status.contains(&format!("plan {hash}: 8 items in 3 shards")),
        "{status}"
    );
    assert!(
        status.contains("done 8  in progress 0  failed 0  pending 0"),
        "{status}"
    );
}

#[test]
fn slurm_a_task_stopped_mid_item_resumes_to_the_same_pixels() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    inputs(dir);
    let out = dir.join("out");
    std::fs::write(
        dir.join("one.jsonl"),
        r#"{"content": "photos/cat.png", "styles": ["styles/starry.png"]}"#,
    )
    .unwrap();
    let long = ["--iterations", "300", "--checkpoint-every", "5"];
    let mut args = vec!["batch", "plan", "--manifest", "one.jsonl", "-o", "out"];
    args.extend(RUN);
    args.extend(long);
    assert_ok(&nst_in(dir, &args));
    let expected = lone_run(dir, "cat--starry.png", &long[..2]);
    let output = out.join("cat--starry.png");
    let log_option = format!("--output={}/.nst-batch/logs/%A_%a.log", out.display());
    let checkpoint = || {
        std::fs::read_dir(out.join(".nst-batch/checkpoints"))
            .map(|entries| entries.count() > 0)
            .unwrap_or(false)
    };

    // SLURM's warning before a time limit (SIGUSR1 to the batch script): nst writes the
    // checkpoint, exits 75, and the script requeues the task, which resumes the item.
    let job = submit(dir, &["--array=0", &log_option]);
    wait_for("a checkpoint", Duration::from_secs(120), checkpoint);
    slurm(
        "scancel",
        &["--signal=USR1", "--batch", &format!("{job}_0")],
    );
    wait_for(
        "the requeued task to finish",
        Duration::from_secs(300),
        || output.exists() && gone(&job),
    );
    let log = logs(&out, &job);
    assert!(log.contains("stopped by SIGUSR1"), "{log}");
    assert!(
        log.contains("resumed from its checkpoint at iteration"),
        "{log}"
    );
    assert!(log.contains("attempt 1"), "{log}");
    assert_eq!(
        pixels(&output),
        expected,
        "resumed to the pixels of an uninterrupted run"
    );

    // A task killed outright (SIGKILL, a node lost) and submitted again resumes from the last
    // periodic checkpoint.
    std::fs::remove_file(&output).unwrap();
    let job = submit(dir, &["--array=0", &log_option]);
    wait_for("a checkpoint", Duration::from_secs(120), checkpoint);
    slurm("scancel", &["--signal=KILL", &job]);
    wait_for("the killed task to leave", Duration::from_secs(60), || {
        gone(&job)
    });
    assert!(!output.exists() && checkpoint());
    let job = run_array(dir, &["--array=0", &log_option]);
    let log = logs(&out, &job);
    assert!(
        log.contains("resumed from its checkpoint at iteration"),
        "{log}"
    );
    assert_eq!(
        pixels(&output),
        expected,
        "resumed to the pixels of an uninterrupted run"
    );
}

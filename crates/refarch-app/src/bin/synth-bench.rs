//! `synth-bench`: how long building and synthesizing the default reference architecture takes,
//! and how much memory the process needs for it.
//!
//! ```text
//! cargo run --release -p refarch-app --bin synth-bench [-- --iterations N]
//! ```
//!
//! Each iteration builds the construct tree from the default configuration and synthesizes it
//! (ids, references, validation, JSON rendering; nothing is written to disk). The first run is
//! a warm-up and is not counted. Prints min/median/mean/max per iteration in milliseconds, what
//! one synth produces, and the process's peak resident set size (`VmHWM` in
//! `/proc/self/status`). Uses only the standard library besides the workspace's own crates.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use refarch_app::arch;
use refarch_app::config::RefArchConfig;

const DEFAULT_ITERATIONS: usize = 200;

const USAGE: &str = "usage: synth-bench [--iterations N]   (default 200)";

fn parse_iterations(args: &[String]) -> Result<usize, String> {
    let mut iterations = DEFAULT_ITERATIONS;
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        let value = if let Some(v) = arg.strip_prefix("--iterations=") {
            v.to_owned()
        } else if arg == "--iterations" || arg == "-n" {
            i += 1;
            args.get(i)
                .cloned()
                .ok_or_else(|| format!("{arg} needs a value\n{USAGE}"))?
        } else if arg == "--help" || arg == "-h" {
            return Err(USAGE.to_owned());
        } else {
            return Err(format!("unknown argument {arg:?}\n{USAGE}"));
        };
        iterations = match value.parse::<usize>() {
            Ok(n) if n > 0 => n,
            _ => {
                return Err(format!(
                    "--iterations takes a positive integer, not {value:?}"
                ));
            }
        };
        i += 1;
    }
    Ok(iterations)
}

/// Times per iteration, in milliseconds.
struct Stats {
    min: f64,
    median: f64,
    mean: f64,
    max: f64,
}

impl Stats {
    fn of(samples: &[Duration]) -> Stats {
        let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e3).collect();
        ms.sort_by(f64::total_cmp);
        let n = ms.len();
        let median = if n % 2 == 1 {
            ms[n / 2]
        } else {
            (ms[n / 2 - 1] + ms[n / 2]) / 2.0
        };
        Stats {
            min: ms[0],
            median,
            mean: ms.iter().sum::<f64>() / n as f64,
            max: ms[n - 1],
        }
    }
}

/// A `kB` field of `/proc/self/status` (Linux), in MB (10^6 bytes).
fn proc_status_mb(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line
        .trim_start_matches(field)
        .trim_start_matches(':')
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(kb * 1024.0 / 1e6)
}

fn run(iterations: usize) -> Result<(), String> {
    let config = RefArchConfig::default();
    let rss_before = proc_status_mb("VmHWM");

    // Warm-up (allocator, page faults, regex cache): not counted.
    let cold_start = Instant::now();
    let app = arch::build(&config).map_err(|e| e.to_string())?;
    let first = synth::synth(&app).map_err(|e| e.to_string())?;
    let cold = cold_start.elapsed();
    drop(app);

    let mut build_times = Vec::with_capacity(iterations);
    let mut synth_times = Vec::with_capacity(iterations);
    let mut totals = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let start = Instant::now();
        let app = arch::build(&config).map_err(|e| e.to_string())?;
        let built = Instant::now();
        let assembly = synth::synth(&app).map_err(|e| e.to_string())?;
        let done = Instant::now();
        build_times.push(built - start);
        synth_times.push(done - built);
        totals.push(done - start);
        // Every run must give the same bytes (checked outside the timed section).
        let same = assembly.stacks.len() == first.stacks.len()
            && assembly
                .stacks
                .iter()
                .zip(&first.stacks)
                .all(|(a, b)| a.body == b.body);
        if !same {
            return Err("synth is not deterministic: two runs gave different templates".into());
        }
    }

    let stacks = first.stacks.len();
    let resources: usize = first.stacks.iter().map(|s| s.resource_count()).sum();
    let bytes: usize = first.stacks.iter().map(|s| s.body.len()).sum();
    let total = Stats::of(&totals);
    let build = Stats::of(&build_times);
    let synth_only = Stats::of(&synth_times);
    let peak = proc_status_mb("VmHWM");
    let mb = |v: Option<f64>| v.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.1} MB"));

    println!("synth-bench: default reference architecture, {iterations} iterations (+1 warm-up)");
    println!(
        "produces:       {stacks} stacks, {resources} resources, {bytes} bytes of templates (byte-identical every run)"
    );
    println!("per iteration (build + synth), ms:");
    println!(
        "  min {:.3}  median {:.3}  mean {:.3}  max {:.3}",
        total.min, total.median, total.mean, total.max
    );
    println!(
        "  of which build {:.3} / synth {:.3} (medians); first, cold run {:.3}",
        build.median,
        synth_only.median,
        cold.as_secs_f64() * 1e3
    );
    println!(
        "peak RSS:       {} (VmHWM; {} before the first build)",
        mb(peak),
        mb(rss_before)
    );
    println!(
        "throughput:     {:.0} synths/s, {:.0} resources/s",
        1e3 / total.mean,
        resources as f64 * 1e3 / total.mean
    );
    println!();
    println!("AWS CDK, for scale (published figures collected in the project's reference notes;");
    println!("no figure for this architecture itself):");
    println!(
        "  - a 413-resource stack: 1.9 s per synth with asset bundling disabled, 28.7 s with esbuild"
    );
    println!(
        "    bundling (aws-samples/sample-autonomous-cloud-coding-agents PR #371, anecdotal);"
    );
    println!(
        "  - a ~50-resource service: 15 s, 20 s on Node 22 (aws/aws-cdk#33576, aws/aws-cdk#34112);"
    );
    println!(
        "  - 256 stacks / ~40,000 constructs: the manifest could exceed Node's 512 MB string limit"
    );
    println!("    (aws/aws-cdk#34480).");
    println!(
        "  Per resource: {:.1} us here (median) vs {:.1} ms for that 413-resource CDK stack.",
        total.median * 1e3 / resources as f64,
        1900.0 / 413.0
    );
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let iterations = match parse_iterations(&args) {
        Ok(n) => n,
        Err(msg) => {
            eprintln!("{msg}");
            return if args.iter().any(|a| a == "--help" || a == "-h") {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    match run(iterations) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("synth-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn iterations_default_and_parse_both_spellings() {
        assert_eq!(parse_iterations(&[]), Ok(DEFAULT_ITERATIONS));
        assert_eq!(parse_iterations(&args(&["--iterations", "5"])), Ok(5));
        assert_eq!(parse_iterations(&args(&["--iterations=7"])), Ok(7));
        assert!(parse_iterations(&args(&["--iterations", "0"])).is_err());
        assert!(parse_iterations(&args(&["--iterations"])).is_err());
        assert!(parse_iterations(&args(&["--bogus"])).is_err());
    }

    #[test]
    fn stats_are_min_median_mean_max() {
        let d = |ms: u64| Duration::from_millis(ms);
        let s = Stats::of(&[d(4), d(1), d(3), d(2)]);
        assert_eq!((s.min, s.median, s.mean, s.max), (1.0, 2.5, 2.5, 4.0));
    }

    #[test]
    fn a_short_run_succeeds() {
        assert_eq!(run(2), Ok(()));
    }
}

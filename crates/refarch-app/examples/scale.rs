//! `scale`: N copies of the reference architecture in one assembly, as a platform with N
//! environments (or tenants) would have, and what synthesizing them costs.
//!
//! ```text
//! cargo run --release --example scale -- --copies 50 --out scale.out
//! ```
//!
//! Copy `i` is the default configuration with `environment = e<i>` and sub-zone `e<i>`, so
//! every stack, export, parameter and zone name is distinct. The application directory is
//! packaged once for all copies (one asset). Prints the phases (build the construct trees,
//! synthesize, write), the cost per resource and the peak resident set size (`VmHWM`), one
//! `key=value` line (for `scripts/bench.sh`) last.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use refarch_app::arch;
use refarch_app::config::RefArchConfig;

const USAGE: &str =
    "usage: scale --copies N [--out DIR]   (N in 1..=999; without --out nothing is written)";

struct Args {
    copies: usize,
    out: Option<PathBuf>,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut copies = None;
    let mut out = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n, Some(v.to_owned())),
            None => (arg.as_str(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        match name {
            "--copies" | "-n" => {
                let v = value()?;
                copies = Some(match v.parse::<usize>() {
                    Ok(n) if (1..=999).contains(&n) => n,
                    _ => return Err(format!("--copies takes 1 to 999, not {v:?}")),
                });
            }
            "--out" => out = Some(PathBuf::from(value()?)),
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok(Args {
        copies: copies.ok_or_else(|| format!("--copies is required\n{USAGE}"))?,
        out,
    })
}

/// The `VmHWM` (peak resident set) of this process in MB (10^6 bytes), on Linux.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(kb * 1024.0 / 1e6)
}

/// The configuration of copy `i` (0-based).
fn copy_config(i: usize) -> RefArchConfig {
    let name = format!("e{i:03}");
    let defaults = RefArchConfig::default();
    RefArchConfig {
        environment: name.clone(),
        domain: refarch_app::config::DomainConfig {
            subzone: name,
            ..defaults.domain.clone()
        },
        ..defaults
    }
}

fn run(args: &Args) -> anyhow::Result<()> {
    let started = Instant::now();
    let first = copy_config(0);
    let archive_sha = arch::app_archive_sha(&first)?;
    let mut app = constructs::App::new();
    for i in 0..args.copies {
        arch::build_into(&copy_config(i), &mut app, archive_sha.as_deref())?;
    }
    let built = Instant::now();
    let peak_after_build = peak_rss_mb();
    let assembly = synth::synth(&app)?;
    let synthesized = Instant::now();
    if let Some(out) = &args.out {
        assembly.write(out)?;
    }
    let written = Instant::now();

    let resources: usize = assembly.stacks.iter().map(|s| s.resource_count()).sum();
    let bytes: usize = assembly.stacks.iter().map(|s| s.body.len()).sum();
    let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1e3;
    let total = ms(started, written);
    let per_resource_us = total * 1e3 / resources as f64;
    let peak = peak_rss_mb();
    println!(
        "scale: {} copies, {} stacks, {resources} resources, {bytes} template bytes",
        args.copies,
        assembly.stacks.len()
    );
    println!(
        "  build {:.1} ms, synth {:.1} ms, write {:.1} ms, total {total:.1} ms ({per_resource_us:.1} µs per resource)",
        ms(started, built),
        ms(built, synthesized),
        ms(synthesized, written),
    );
    if let Some(out) = &args.out {
        println!("  wrote {}", out.display());
    }
    let peak_text = peak.map_or_else(|| "n/a".to_owned(), |p| format!("{p:.1}"));
    let build_text = peak_after_build.map_or_else(|| "n/a".to_owned(), |p| format!("{p:.1}"));
    println!("  peak RSS {peak_text} MB ({build_text} MB once the trees were built)");
    println!(
        "scale copies={} resources={resources} total_ms={total:.3} per_resource_us={per_resource_us:.3} peak_rss_mb={peak_text}",
        args.copies
    );
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse(&args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

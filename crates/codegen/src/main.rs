//! `cargo run -p codegen [-- --check] [--root DIR]`: regenerates the L1 resource modules of
//! `constructs` under `crates/constructs/src/resources/` from `schemas/`, or with `--check` only
//! reports whether the checked-in files are current (exit code 1 if not). `--root` points at
//! another checkout (its `schemas/`, `rustfmt.toml` and output directory) instead of this one.

use std::process::ExitCode;

fn main() -> anyhow::Result<ExitCode> {
    let mut check = false;
    let mut root = codegen::workspace_root();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--check" => check = true,
            "--root" => {
                root = args
                    .next()
                    .ok_or_else(|| anyhow::anyhow!("--root needs a directory"))?
                    .into();
            }
            "-h" | "--help" => {
                println!(
                    "usage: cargo run -p codegen [-- --check] [--root DIR]\n\n\
                     Regenerates {} from schemas/ (with --check: only reports drift).",
                    codegen::OUT_DIR
                );
                return Ok(ExitCode::SUCCESS);
            }
            other => anyhow::bail!("unknown argument {other:?} (try --help)"),
        }
    }
    let files = codegen::generate(&root)?;
    if check {
        let problems = codegen::drift(&root, &files)?;
        if problems.is_empty() {
            println!("codegen: {} files are up to date", files.len());
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!("{}", codegen::stale_message(&problems));
        return Ok(ExitCode::FAILURE);
    }
    let written = codegen::write(&root, &files)?;
    println!(
        "codegen: {} files in {} ({written} changed or removed)",
        files.len(),
        codegen::OUT_DIR
    );
    Ok(ExitCode::SUCCESS)
}

//! Escape hatches: props_mut, add_override, raw resources, pinned logical ids.
//!
//! `cargo run -p examples --example escape_hatches -- [OUT_DIR]` writes the cloud assembly to `OUT_DIR`,
//! or prints the templates without it.

use std::process::ExitCode;

fn main() -> ExitCode {
    let result = examples::escape_hatches::build()
        .map_err(Into::into)
        .and_then(|app| examples::run(&app, std::env::args().skip(1), &mut std::io::stdout()));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("escape_hatches: {e}");
            ExitCode::FAILURE
        }
    }
}

//! A minimal stack: one SNS topic and an output.
//!
//! `cargo run -p examples --example minimal_stack -- [OUT_DIR]` writes the cloud assembly to `OUT_DIR`,
//! or prints the templates without it.

use std::process::ExitCode;

fn main() -> ExitCode {
    let result = examples::minimal_stack::build()
        .map_err(Into::into)
        .and_then(|app| examples::run(&app, std::env::args().skip(1), &mut std::io::stdout()));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("minimal_stack: {e}");
            ExitCode::FAILURE
        }
    }
}

//! A custom L3 construct (EncryptedTopic) used from a second stack.
//!
//! `cargo run -p examples --example custom_construct -- [OUT_DIR]` writes the cloud assembly to `OUT_DIR`,
//! or prints the templates without it.

use std::process::ExitCode;

fn main() -> ExitCode {
    let result = examples::custom_construct::build()
        .map_err(Into::into)
        .and_then(|app| examples::run(&app, std::env::args().skip(1), &mut std::io::stdout()));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("custom_construct: {e}");
            ExitCode::FAILURE
        }
    }
}

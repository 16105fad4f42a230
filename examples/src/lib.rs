//! Examples of using the construct library: small programs to copy from, compiled and run as
//! tests (`examples/tests/run_examples.rs`), each also an example binary that writes its cloud
//! assembly to the directory given as the first argument or prints the templates:
//!
//! ```sh
//! cargo run -p examples --example minimal_stack -- out/   # out/Minimal.template.json + manifest.json
//! cargo run -p examples --example custom_construct        # prints both templates
//! ```
//!
//! | module | shows |
//! |---|---|
//! | [`minimal_stack`] | one stack, one typed L1 resource, one output |
//! | [`custom_construct`] | writing an L3 construct (props, config errors, typed outputs) and referencing it from another stack |
//! | [`escape_hatches`] | `props_mut`, `add_override`, raw resources, pinned logical ids |
//!
//! The minimal program in full:
//!
//! ```
//! use constructs::resources::{Tag, sns};
//! use constructs::{App, Environment, OutputDef, Stack};
//!
//! let mut stack = Stack::new("Minimal", Environment::region("us-east-1", &[]))?;
//! stack.description = Some("Minimal example: an encrypted SNS topic".into());
//! let mut root = stack.root();
//! let topic = root.resource(
//!     "Alerts",
//!     sns::Topic {
//!         display_name: Some("Alerts".into()),
//!         kms_master_key_id: Some("alias/aws/sns".into()),
//!         tags: Some(vec![Tag::new("Project", "examples")].into()),
//!         ..sns::Topic::new()
//!     },
//! )?;
//! root.output("AlertsTopicArn", OutputDef::new(topic.reference(), "Subscribe to alerts here"))?;
//! let mut app = App::new();
//! app.add_stack(stack)?;
//!
//! let assembly = synth::synth(&app)?; // every problem found, with path and JSON pointer
//! let template = &assembly.stacks[0].template;
//! assert_eq!(template["Resources"]["Alerts"]["Type"], "AWS::SNS::Topic");
//! assert_eq!(
//!     template["Outputs"]["AlertsTopicArn"]["Value"],
//!     serde_json::json!({"Ref": "Alerts"})
//! );
//! // assembly.write(std::path::Path::new("out"))?;  // <stack>.template.json + manifest.json
//!
//! // The same program as `examples::minimal_stack::build()`:
//! assert_eq!(assembly, synth::synth(&examples::minimal_stack::build()?)?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::error::Error;
use std::io::Write;
use std::path::Path;

use constructs::App;

pub mod custom_construct;
pub mod escape_hatches;
pub mod minimal_stack;

/// What each example binary does with its app: synthesize it; then, given a directory as the
/// first of `args`, write the cloud assembly there and a one-line summary per stack to `out`;
/// without arguments, print every template to `out`. Warnings go to `out` as well.
///
/// # Errors
/// Synth errors (every diagnostic), an unexpected extra argument, or a failed write.
pub fn run(
    app: &App,
    args: impl IntoIterator<Item = String>,
    out: &mut dyn Write,
) -> Result<(), Box<dyn Error>> {
    let mut args = args.into_iter();
    let dir = args.next();
    if let Some(extra) = args.next() {
        return Err(format!("unexpected argument {extra:?}; usage: [OUT_DIR]").into());
    }
    let assembly = synth::synth(app)?;
    for w in &assembly.warnings {
        writeln!(out, "{w}")?;
    }
    match dir {
        Some(dir) => {
            let dir = Path::new(&dir);
            assembly.write(dir)?;
            for s in &assembly.stacks {
                writeln!(
                    out,
                    "{}: {} resources -> {}",
                    s.name,
                    s.resource_count(),
                    dir.join(s.template_file()).display()
                )?;
            }
        }
        None => {
            for s in &assembly.stacks {
                writeln!(out, "# {}", s.template_file())?;
                out.write_all(s.body.as_bytes())?;
            }
        }
    }
    Ok(())
}

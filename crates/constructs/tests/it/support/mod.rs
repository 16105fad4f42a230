//! Shared helpers for construct tests: synthesize, write the templates where the lint oracle
//! (`scripts/lint-templates.sh`, run by `scripts/test.sh`) finds them, and snapshot them.
#![allow(dead_code)]

use std::path::PathBuf;

use constructs::network::{HaVpc, HaVpcProps};
use constructs::{App, Environment, Stack};

/// A stack in us-east-1 without pinned zones (templates use `Fn::GetAZs`).
pub fn stack(name: &str) -> Stack {
    Stack::new(name, Environment::region("us-east-1", &[])).expect("valid stack name")
}

/// A stack with the default (seed-layout) HA VPC at `Vpc`, for constructs that need a network.
pub fn stack_with_vpc(name: &str) -> (Stack, HaVpc) {
    let mut s = stack(name);
    let vpc = HaVpc::new(&mut s.root(), "Vpc", &HaVpcProps::default()).expect("default VPC");
    (s, vpc)
}

/// Synthesizes `app`, panicking with every diagnostic on failure, and writes the assembly to
/// `target/synth-out/<case>/` so the lint oracle checks it.
pub fn synth_and_write(case: &str, app: &App) -> synth::Assembly {
    let assembly = match synth::synth(app) {
        Ok(a) => a,
        Err(e) => panic!("{e}"),
    };
    let dir = out_dir().join(case);
    assembly.write(&dir).expect("write assembly");
    assembly
}

/// Synthesizes a single stack (see [`synth_and_write`]) and returns its template.
pub fn synth_stack(case: &str, stack: Stack) -> serde_json::Value {
    let mut app = App::new();
    app.add_stack(stack).expect("one stack");
    let mut assembly = synth_and_write(case, &app);
    assembly.stacks.remove(0).template
}

/// `$SYNTH_OUT_DIR` (set by `scripts/test.sh`), else `target/synth-out` of this workspace.
pub fn out_dir() -> PathBuf {
    match std::env::var_os("SYNTH_OUT_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/synth-out"),
    }
}

/// Resources of `template` with the given CloudFormation type, as `(logical id, resource)`.
pub fn resources_of<'t>(
    template: &'t serde_json::Value,
    type_name: &str,
) -> Vec<(&'t String, &'t serde_json::Value)> {
    template["Resources"]
        .as_object()
        .map(|m| m.iter().filter(|(_, r)| r["Type"] == type_name).collect())
        .unwrap_or_default()
}

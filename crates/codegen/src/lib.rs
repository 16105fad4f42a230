//! Generates the typed L1 resource modules of `constructs` from the pinned CloudFormation
//! registry schemas under `schemas/`.
//!
//! For every type in `schemas/types.txt` it writes
//! `crates/constructs/src/resources/<service>/<resource>.rs` (the resource struct, its property
//! structs, `Fn::GetAtt` accessors and its `ResourceSchema`), a `mod.rs` per service and the
//! top-level `resources/mod.rs` (`TYPE_NAMES`, `schema_for`). `resources/tag.rs` is hand-written.
//!
//! ```no_run
//! let root = codegen::workspace_root();
//! let files = codegen::generate(&root)?;
//! let stale = codegen::drift(&root, &files)?;
//! assert!(stale.is_empty(), "{}", codegen::stale_message(&stale));
//! # Ok::<(), anyhow::Error>(())
//! ```
//!
//! Adding a type: one line in `schemas/types.txt`, `scripts/update-schemas.sh`, then
//! `cargo run -p codegen`.

pub mod attrs;
pub mod constraints;
pub mod docs;
pub mod emit;
pub mod fixups;
pub mod format;
pub mod model;
pub mod modules;
pub mod names;
pub mod sources;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// Where the generated modules go, relative to the workspace root.
pub const OUT_DIR: &str = "crates/constructs/src/resources";

/// Files under [`OUT_DIR`] that are written by hand and left alone.
pub const HAND_WRITTEN: &[&str] = &["tag.rs"];

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Generates every file, keyed by its `/`-separated path below [`OUT_DIR`], formatted.
///
/// # Errors
/// When an input is missing or malformed, a schema uses a construct the generator does not
/// handle, a fix-up is stale, or rustfmt fails.
pub fn generate(root: &Path) -> Result<BTreeMap<String, String>> {
    let sources = sources::load(root)?;
    let version = &sources.cfn_lint_version;
    let mut files = BTreeMap::new();
    let mut services: BTreeMap<String, Vec<modules::ServiceEntry>> = BTreeMap::new();
    let mut types = Vec::new();

    for t in &sources.types {
        let struct_name = names::resource_type_name(&t.resource);
        let module = names::module_name(&t.resource);
        let service = names::service_module(&t.service);
        let model = model::build(&struct_name, &t.schema)
            .with_context(|| format!("{}: building the model", t.schema_path))?;
        let attrs = attrs::attributes(&t.type_name, &t.schema)
            .with_context(|| format!("{}: attributes", t.schema_path))?;
        let constraints = constraints::constraints(&t.schema)
            .with_context(|| format!("{}: constraints", t.schema_path))?;
        let text = emit::resource_file(t, &model, &attrs, &constraints, version);
        files.insert(format!("{service}/{module}.rs"), text);
        types.push(modules::TypeEntry {
            type_name: t.type_name.clone(),
            path: format!("{service}::{struct_name}"),
        });
        let entries = services.entry(service).or_default();
        if entries.iter().any(|e| e.module == module) {
            anyhow::bail!("{}: module {module} is generated twice", t.type_name);
        }
        entries.push(modules::ServiceEntry {
            module,
            struct_name,
        });
    }
    for (service, entries) in &services {
        let cfn_service = sources
            .types
            .iter()
            .find(|t| &names::service_module(&t.service) == service)
            .map(|t| t.service.as_str())
            .unwrap_or(service);
        files.insert(
            format!("{service}/mod.rs"),
            modules::service_file(cfn_service, entries, version),
        );
    }
    let service_names: BTreeSet<String> = services.keys().cloned().collect();
    files.insert(
        "mod.rs".to_owned(),
        modules::top_file(&service_names, &types, version),
    );
    format_all(root, files)
}

/// Runs rustfmt over every file, on as many threads as there are cores.
fn format_all(root: &Path, files: BTreeMap<String, String>) -> Result<BTreeMap<String, String>> {
    let entries: Vec<(String, String)> = files.into_iter().collect();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let chunk = entries.len().div_ceil(threads).max(1);
    let results: Vec<Result<Vec<(String, String)>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = entries
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|(path, text)| {
                            let formatted = format::rustfmt(root, text)
                                .with_context(|| format!("formatting {path}"))?;
                            Ok((path.clone(), formatted))
                        })
                        .collect::<Result<Vec<_>>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("formatter thread panicked")))
            })
            .collect()
    });
    let mut out = BTreeMap::new();
    for part in results {
        out.extend(part?);
    }
    Ok(out)
}

/// The generated `.rs` files currently on disk below [`OUT_DIR`] (hand-written ones excluded),
/// keyed like [`generate`]'s output.
fn existing(root: &Path) -> Result<BTreeMap<String, PathBuf>> {
    fn visit(dir: &Path, prefix: &str, out: &mut BTreeMap<String, PathBuf>) -> Result<()> {
        let Ok(read) = fs::read_dir(dir) else {
            return Ok(());
        };
        let mut entries: Vec<_> = read.collect::<std::io::Result<_>>()?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            let key = format!("{prefix}{name}");
            let path = entry.path();
            if path.is_dir() {
                visit(&path, &format!("{key}/"), out)?;
            } else if name.ends_with(".rs") && !HAND_WRITTEN.contains(&key.as_str()) {
                out.insert(key, path);
            }
        }
        Ok(())
    }
    let mut out = BTreeMap::new();
    visit(&root.join(OUT_DIR), "", &mut out)?;
    Ok(out)
}

/// Differences between `files` and what is on disk: one line per missing, changed or extra file.
///
/// # Errors
/// When a file cannot be read.
pub fn drift(root: &Path, files: &BTreeMap<String, String>) -> Result<Vec<String>> {
    let on_disk = existing(root)?;
    let mut problems = Vec::new();
    for (key, text) in files {
        match on_disk.get(key) {
            None => problems.push(format!("missing: {OUT_DIR}/{key}")),
            Some(path) => {
                let current = fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?;
                if &current != text {
                    problems.push(format!("differs: {OUT_DIR}/{key}"));
                }
            }
        }
    }
    for key in on_disk.keys() {
        if !files.contains_key(key) {
            problems.push(format!("extra: {OUT_DIR}/{key}"));
        }
    }
    Ok(problems)
}

/// The message for stale generated code.
pub fn stale_message(problems: &[String]) -> String {
    format!(
        "generated code is stale: run `cargo run -p codegen`\n  {}",
        problems.join("\n  ")
    )
}

/// Writes `files` below [`OUT_DIR`] (only those that changed) and removes generated files that
/// are no longer produced. Returns how many files were written or removed.
///
/// # Errors
/// On I/O failure.
pub fn write(root: &Path, files: &BTreeMap<String, String>) -> Result<usize> {
    let out_dir = root.join(OUT_DIR);
    let mut changed = 0;
    for (key, text) in files {
        let path = out_dir.join(key);
        if fs::read_to_string(&path).ok().as_deref() == Some(text.as_str()) {
            continue;
        }
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        changed += 1;
    }
    for (key, path) in existing(root)? {
        if !files.contains_key(&key) {
            fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
            changed += 1;
            if let Some(parent) = path.parent()
                && parent != out_dir
                && fs::read_dir(parent).is_ok_and(|mut d| d.next().is_none())
            {
                fs::remove_dir(parent).with_context(|| format!("removing {}", parent.display()))?;
            }
        }
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("codegen-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join(OUT_DIR)).unwrap();
        dir
    }

    #[test]
    fn drift_reports_missing_changed_and_extra_files_but_not_hand_written_ones() {
        let root = scratch("drift");
        let out = root.join(OUT_DIR);
        let files: BTreeMap<String, String> = [
            ("mod.rs", "// a\n"),
            ("ec2/mod.rs", "// b\n"),
            ("ec2/vpc.rs", "// c\n"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(write(&root, &files).unwrap(), 3);
        assert!(drift(&root, &files).unwrap().is_empty());

        fs::write(out.join("tag.rs"), "// hand-written\n").unwrap();
        fs::write(out.join("ec2/vpc.rs"), "// edited\n").unwrap();
        fs::remove_file(out.join("ec2/mod.rs")).unwrap();
        fs::create_dir_all(out.join("s3")).unwrap();
        fs::write(out.join("s3/bucket.rs"), "// old\n").unwrap();
        let problems = drift(&root, &files).unwrap();
        assert_eq!(
            problems,
            [
                format!("missing: {OUT_DIR}/ec2/mod.rs"),
                format!("differs: {OUT_DIR}/ec2/vpc.rs"),
                format!("extra: {OUT_DIR}/s3/bucket.rs"),
            ]
        );
        assert!(
            stale_message(&problems)
                .starts_with("generated code is stale: run `cargo run -p codegen`")
        );

        assert_eq!(write(&root, &files).unwrap(), 3);
        assert!(drift(&root, &files).unwrap().is_empty());
        assert!(
            !out.join("s3").exists(),
            "emptied service directories are removed"
        );
        assert!(out.join("tag.rs").exists(), "hand-written files are kept");
        fs::remove_dir_all(&root).unwrap();
    }
}

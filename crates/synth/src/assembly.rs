//! The cloud assembly: one template per stack plus `manifest.json`, written atomically.
//!
//! `manifest.json` lists the stacks in dependency order:
//! `{"version": 1, "stacks": [{"name", "templateFile", "dependencies", "parameters",
//! "environment": {"account", "region"}, "tags", "terminationProtection", "resourceCount",
//! "assets"}], "assets": [{"id", "file", "packaging", "bucketName", "objectKey", "sha256"}]}`;
//! each asset file (`asset.<sha256>.zip`) is written beside the templates.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Value as Json, json};
use thiserror::Error;

use crate::diagnostics::Diagnostic;

/// The version of the manifest format written by [`Assembly::write`].
pub const MANIFEST_VERSION: u64 = 1;

/// One synthesized stack.
#[derive(Debug, Clone, PartialEq)]
pub struct StackArtifact {
    /// The stack name.
    pub name: String,
    /// The rendered template.
    pub template: Json,
    /// The template as written to disk (pretty JSON, trailing newline): byte-identical across runs.
    pub body: String,
    /// Stacks that must be deployed first.
    pub dependencies: Vec<String>,
    /// Pinned account, if any.
    pub account: Option<String>,
    /// Pinned region, if any.
    pub region: Option<String>,
    /// Stack tags.
    pub tags: BTreeMap<String, String>,
    /// Whether termination protection is requested.
    pub termination_protection: bool,
    /// Ids (content hashes) of the file assets the template refers to; deploy publishes them
    /// before the stack's change set.
    pub assets: Vec<String>,
}

impl StackArtifact {
    /// The template's file name inside the assembly directory.
    pub fn template_file(&self) -> String {
        format!("{}.template.json", self.name)
    }

    /// The number of resources in the template.
    pub fn resource_count(&self) -> usize {
        self.template
            .get("Resources")
            .and_then(Json::as_object)
            .map_or(0, serde_json::Map::len)
    }

    /// The construct path recorded in a resource's metadata.
    pub fn construct_path(&self, logical_id: &str) -> Option<&str> {
        self.template
            .get("Resources")?
            .get(logical_id)?
            .get("Metadata")?
            .get(crate::PATH_METADATA_KEY)?
            .as_str()
    }
}

/// The result of a successful synth: stacks in dependency order, plus warnings.
#[derive(Debug, Clone, PartialEq)]
pub struct Assembly {
    /// The stacks; every stack comes after the stacks it depends on.
    pub stacks: Vec<StackArtifact>,
    /// The packaged file assets, by content hash.
    pub assets: Vec<crate::assets::StagedAsset>,
    /// Problems that did not stop synth.
    pub warnings: Vec<Diagnostic>,
}

/// How [`Assembly::write_with`] writes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteOptions {
    /// Sync every file and the directory to stable storage before returning, so the assembly
    /// survives a power loss. Off by default: writes are atomic either way (temporary file,
    /// then rename), and a synth can always be repeated.
    pub durable: bool,
}

/// Why writing an assembly failed. Nothing half-written is left behind.
#[derive(Debug, Error)]
pub enum WriteError {
    /// The directory or a file in it could not be written.
    #[error("cannot write the cloud assembly to {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_owned(),
        source,
    }
}

impl Assembly {
    /// A stack by name.
    pub fn stack(&self, name: &str) -> Option<&StackArtifact> {
        self.stacks.iter().find(|s| s.name == name)
    }

    /// The manifest describing the assembly.
    pub fn manifest(&self) -> Json {
        let stacks: Vec<Json> = self
            .stacks
            .iter()
            .map(|s| {
                let parameters = s
                    .template
                    .get("Parameters")
                    .cloned()
                    .unwrap_or_else(|| json!({}));
                json!({
                    "name": s.name,
                    "templateFile": s.template_file(),
                    "dependencies": s.dependencies,
                    "parameters": parameters,
                    "environment": { "account": s.account, "region": s.region },
                    "tags": s.tags,
                    "terminationProtection": s.termination_protection,
                    "resourceCount": s.resource_count(),
                    "assets": s.assets,
                })
            })
            .collect();
        let assets: Vec<Json> = self.assets.iter().map(|a| a.manifest()).collect();
        json!({ "version": MANIFEST_VERSION, "stacks": stacks, "assets": assets })
    }

    /// Writes every template and `manifest.json` into `dir` (created if needed), as
    /// [`Assembly::write_with`] with the default [`WriteOptions`] (atomic, not synced).
    ///
    /// # Errors
    /// [`WriteError::Io`] naming the path that could not be written.
    pub fn write(&self, dir: &Path) -> Result<(), WriteError> {
        self.write_with(dir, WriteOptions::default())
    }

    /// Writes every template, asset archive and `manifest.json` into `dir` (created if needed).
    ///
    /// Files are first written under temporary names and renamed into place only once all of
    /// them are complete, so a failure never leaves a partial file and a reader never sees a
    /// half-written one. An asset archive already in `dir` under its content-addressed name
    /// with the same size is kept as it is (its name is its SHA-256). Templates and archives of
    /// earlier runs that are no longer part of the assembly are removed.
    ///
    /// # Errors
    /// [`WriteError::Io`] naming the path that could not be written.
    pub fn write_with(&self, dir: &Path, options: WriteOptions) -> Result<(), WriteError> {
        fs::create_dir_all(dir).map_err(io_err(dir))?;
        let mut files: Vec<(PathBuf, &[u8])> = self
            .stacks
            .iter()
            .map(|s| (dir.join(s.template_file()), s.body.as_bytes()))
            .collect();
        let asset_files: Vec<(PathBuf, &[u8])> = self
            .assets
            .iter()
            .map(|a| (dir.join(a.file_name()), a.archive.as_slice()))
            .filter(|(path, body)| !fs::metadata(path).is_ok_and(|m| m.len() == body.len() as u64))
            .collect();
        files.extend(asset_files);
        let mut manifest =
            serde_json::to_string_pretty(&self.manifest()).unwrap_or_else(|_| "{}".into());
        manifest.push('\n');
        files.push((dir.join("manifest.json"), manifest.as_bytes()));

        let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
        let result = (|| {
            for (path, body) in &files {
                let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
                staged.push((tmp.clone(), path.clone()));
                let mut f = fs::File::create(&tmp).map_err(io_err(&tmp))?;
                f.write_all(body).map_err(io_err(&tmp))?;
                if options.durable {
                    f.sync_all().map_err(io_err(&tmp))?;
                }
            }
            for (tmp, path) in &staged {
                fs::rename(tmp, path).map_err(io_err(path))?;
            }
            if options.durable {
                // The renames are durable once the directory itself is synced.
                fs::File::open(dir)
                    .and_then(|d| d.sync_all())
                    .map_err(io_err(dir))?;
            }
            Ok(())
        })();
        if result.is_err() {
            for (tmp, _) in &staged {
                let _ = fs::remove_file(tmp);
            }
            return result;
        }
        let keep: Vec<String> = self
            .stacks
            .iter()
            .map(StackArtifact::template_file)
            .chain(
                self.assets
                    .iter()
                    .map(crate::assets::StagedAsset::file_name),
            )
            .collect();
        if let Ok(entries) = fs::read_dir(dir) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let ours = name.ends_with(".template.json")
                    || (name.starts_with("asset.") && name.ends_with(".zip"));
                if ours && !keep.contains(&name) {
                    let _ = fs::remove_file(entry.path());
                }
            }
        }
        Ok(())
    }
}

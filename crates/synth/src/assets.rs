//! Staging of file assets ([`constructs::asset`]): each declared directory is packaged into a
//! deterministic `.zip` (the packaging CodePipeline and CodeBuild S3 sources take, and AWS CDK's
//! for directories) and named by the SHA-256 of its content, so the same files always give the
//! same object key, whatever the machine, the clock or the umask.
//!
//! Deterministic means: entries sorted by path, directories before their contents, the zip
//! epoch (1980-01-01) as every modification time, mode `0644` or `0755` (a file with any
//! execute bit); excluded names (and `*.pyc`) are left out wherever they occur. Symbolic links
//! are refused: what they point at would not ship. The hash is the SHA-256 of the archive
//! itself, so whoever downloads it can verify it (`sha256sum -c`); a new version of the zip
//! or deflate code may change the bytes, and so the key, once (a new upload, nothing worse).

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use constructs::App;
use constructs::asset::{ASSETS_BUCKET_PATTERN, AssetSource};
use sha2::{Digest as _, Sha256};

use crate::diagnostics::{Diagnostic, DiagnosticKind, Severity};

/// One packaged asset of the assembly (assets with the same content are one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedAsset {
    /// SHA-256 (hex) of the archive: the asset's identity.
    pub hash: String,
    /// The zip archive.
    pub archive: Vec<u8>,
    /// Where the files came from (the first declaration's source).
    pub source: PathBuf,
    /// `(stack, asset id)` of every declaration with this content.
    pub declared_by: Vec<(String, String)>,
}

impl StagedAsset {
    /// File name in the assembly directory: `asset.<sha256>.zip`.
    pub fn file_name(&self) -> String {
        format!("asset.{}.zip", self.hash)
    }

    /// Object key in the assets bucket: `assets/<sha256>.zip`.
    pub fn object_key(&self) -> String {
        format!("assets/{}.zip", self.hash)
    }

    /// The manifest entry.
    pub fn manifest(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.hash,
            "file": self.file_name(),
            "packaging": "zip",
            "bucketName": ASSETS_BUCKET_PATTERN,
            "objectKey": self.object_key(),
            "sha256": self.hash,
        })
    }
}

/// A packaging's outcome: `(sha256, archive)`, or why it failed.
type Packaged = Result<(String, Vec<u8>), String>;

/// Every asset of `app`, staged, plus the object key of each `(stack, id)` declaration.
/// Unreadable sources are reported in `diags` with the declaring stack and asset path.
pub(crate) fn stage(
    app: &App,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<StagedAsset>, BTreeMap<(String, String), String>) {
    let mut staged: Vec<StagedAsset> = Vec::new();
    let mut keys = BTreeMap::new();
    // A source declared by several stacks is packaged once.
    let mut packaged: Vec<(&AssetSource, Packaged)> = Vec::new();
    for stack in app.stacks() {
        for decl in stack.assets() {
            let declared = (stack.name().to_owned(), decl.id.clone());
            let result = match packaged.iter().find(|(src, _)| **src == decl.source) {
                Some((_, done)) => done.clone(),
                None => {
                    let done = package(&decl.source).map_err(|e| e.to_string());
                    packaged.push((&decl.source, done.clone()));
                    done
                }
            };
            match result {
                Ok((hash, archive)) => {
                    match staged.iter_mut().find(|s| s.hash == hash) {
                        Some(s) => s.declared_by.push(declared.clone()),
                        None => staged.push(StagedAsset {
                            hash: hash.clone(),
                            archive,
                            source: decl.source.path.clone(),
                            declared_by: vec![declared.clone()],
                        }),
                    }
                    keys.insert(declared, format!("assets/{hash}.zip"));
                }
                Err(e) => diags.push(Diagnostic {
                    severity: Severity::Error,
                    kind: DiagnosticKind::Validation,
                    code: "asset/source",
                    stack: stack.name().to_owned(),
                    path: Some(format!("{}/{}", stack.name(), decl.id)),
                    logical_id: None,
                    pointer: String::new(),
                    message: format!(
                        "asset {}: cannot package {}: {e}",
                        decl.id,
                        decl.source.path.display()
                    ),
                }),
            }
        }
    }
    staged.sort_by(|a, b| a.hash.cmp(&b.hash));
    (staged, keys)
}

/// Packages `source` into `(sha256 of the archive, zip archive)`.
///
/// # Errors
/// The I/O error, naming the file, when the directory or a file in it cannot be read, or a
/// symbolic link is found.
pub fn package(source: &AssetSource) -> io::Result<(String, Vec<u8>)> {
    use zip::write::SimpleFileOptions;
    let meta = fs::metadata(&source.path)?;
    if !meta.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a directory",
        ));
    }
    let mut entries = Vec::new();
    walk(&source.path, Path::new(""), source, &mut entries)?;
    let mut zip = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
    let base = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for (rel, full, is_dir) in &entries {
        if *is_dir {
            zip.add_directory(format!("{rel}/"), base.unix_permissions(0o755))
                .map_err(zip_error)?;
        } else {
            let data = fs::read(full).map_err(|e| named(full, e))?;
            let executable = is_executable(&fs::metadata(full).map_err(|e| named(full, e))?);
            let mode = if executable { 0o755 } else { 0o644 };
            zip.start_file(rel.as_str(), base.unix_permissions(mode))
                .map_err(zip_error)?;
            zip.write_all(&data)?;
        }
    }
    let archive = zip.finish().map_err(zip_error)?.into_inner();
    Ok((hex(&Sha256::digest(&archive)), archive))
}

fn zip_error(e: zip::result::ZipError) -> io::Error {
    io::Error::other(e.to_string())
}

fn named(path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

#[cfg(unix)]
fn is_executable(meta: &fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_meta: &fs::Metadata) -> bool {
    false
}

fn excluded(name: &str, source: &AssetSource) -> bool {
    name.ends_with(".pyc") || source.exclude.iter().any(|x| x == name)
}

/// Collects `(relative path with '/', full path, is_dir)` below `dir`, sorted, depth first.
fn walk(
    dir: &Path,
    rel: &Path,
    source: &AssetSource,
    out: &mut Vec<(String, PathBuf, bool)>,
) -> io::Result<()> {
    let full_dir = dir.join(rel);
    let mut names: Vec<(String, PathBuf)> = Vec::new();
    for entry in fs::read_dir(&full_dir).map_err(|e| named(&full_dir, e))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !excluded(&name, source) {
            names.push((name, entry.path()));
        }
    }
    names.sort();
    for (name, full) in names {
        let rel_child = rel.join(&name);
        let rel_text = rel_child
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        let meta = fs::symlink_metadata(&full).map_err(|e| named(&full, e))?;
        if meta.file_type().is_symlink() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{} is a symbolic link; copy the file instead, or exclude it",
                    full.display()
                ),
            ));
        }
        if meta.is_dir() {
            out.push((rel_text, full.clone(), true));
            walk(dir, &rel_child, source, out)?;
        } else {
            out.push((rel_text, full, false));
        }
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(dir: &Path) {
        fs::create_dir_all(dir.join("pkg/__pycache__")).unwrap();
        fs::write(dir.join("manage.py"), "print('hi')\n").unwrap();
        fs::write(dir.join("pkg/views.py"), "x = 1\n").unwrap();
        fs::write(dir.join("pkg/views.pyc"), "junk").unwrap();
        fs::write(dir.join("pkg/__pycache__/views.cpython-311.pyc"), "junk").unwrap();
    }

    fn names(archive: &[u8]) -> Vec<(String, u32)> {
        let mut z = zip::ZipArchive::new(io::Cursor::new(archive)).unwrap();
        (0..z.len())
            .map(|i| {
                let f = z.by_index(i).unwrap();
                (
                    f.name().unwrap().into_owned(),
                    f.unix_mode().unwrap() & 0o777,
                )
            })
            .collect()
    }

    #[test]
    fn same_files_same_hash_and_bytes_whatever_the_times_and_order() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        tree(a.path());
        // Created in another order, a second later.
        std::thread::sleep(std::time::Duration::from_millis(1100));
        fs::create_dir_all(b.path().join("pkg")).unwrap();
        fs::write(b.path().join("pkg/views.py"), "x = 1\n").unwrap();
        fs::write(b.path().join("manage.py"), "print('hi')\n").unwrap();
        let pa = package(&AssetSource::directory(a.path())).unwrap();
        let pb = package(&AssetSource::directory(b.path())).unwrap();
        assert_eq!(pa, pb);
        assert_eq!(
            names(&pa.1),
            [
                ("manage.py".to_owned(), 0o644),
                ("pkg/".to_owned(), 0o755),
                ("pkg/views.py".to_owned(), 0o644)
            ]
        );
    }

    #[test]
    fn an_edit_changes_the_hash() {
        let a = tempfile::tempdir().unwrap();
        tree(a.path());
        let before = package(&AssetSource::directory(a.path())).unwrap().0;
        fs::write(a.path().join("pkg/views.py"), "x = 2\n").unwrap();
        let after = package(&AssetSource::directory(a.path())).unwrap().0;
        assert_ne!(before, after);
        assert_eq!(after.len(), 64);
    }

    #[cfg(unix)]
    #[test]
    fn executables_keep_their_bit_and_symlinks_are_refused() {
        use std::os::unix::fs::PermissionsExt as _;
        let a = tempfile::tempdir().unwrap();
        fs::write(a.path().join("run.sh"), "#!/bin/sh\n").unwrap();
        fs::set_permissions(a.path().join("run.sh"), fs::Permissions::from_mode(0o700)).unwrap();
        let (_, archive) = package(&AssetSource::directory(a.path())).unwrap();
        assert_eq!(names(&archive), [("run.sh".to_owned(), 0o755)]);
        std::os::unix::fs::symlink("run.sh", a.path().join("link")).unwrap();
        let err = package(&AssetSource::directory(a.path())).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
    }

    #[test]
    fn a_missing_source_is_an_error() {
        let err = package(&AssetSource::directory("/nonexistent/app")).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    }
}

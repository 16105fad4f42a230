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
use constructs::asset::{ASSETS_BUCKET_PATTERN, AssetSource, BucketDestination};
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

/// One file of a [`StagedFiles`] set: where it goes and how it is served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedFile {
    /// Path inside the set (`/`-separated), and so the object key after the prefix.
    pub path: String,
    /// SHA-256 (hex) of the file's bytes (deploy compares it with the object's).
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// `Content-Type`, from the extension.
    pub content_type: &'static str,
    /// `Cache-Control`, from the destination's rules.
    pub cache_control: String,
}

/// A bucket-files asset ([`constructs::Stack::add_bucket_files`]): the directory packaged
/// as a deterministic zip (`files.<sha256>.zip` in the assembly, read by deploy) and the list
/// of its files, published after `stack`'s change set into the bucket its output names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedFiles {
    /// SHA-256 (hex) of the archive.
    pub hash: String,
    /// The zip archive.
    pub archive: Vec<u8>,
    /// The declaring stack (it creates the bucket).
    pub stack: String,
    /// The asset's id in that stack.
    pub id: String,
    /// Where the files go.
    pub destination: BucketDestination,
    /// Every file, sorted by path.
    pub files: Vec<StagedFile>,
}

impl StagedFiles {
    /// File name in the assembly directory: `files.<sha256>.zip`.
    pub fn file_name(&self) -> String {
        format!("files.{}.zip", self.hash)
    }

    /// The manifest entry (in the manifest's `bucketFiles` list).
    pub fn manifest(&self) -> serde_json::Value {
        let files: Vec<serde_json::Value> = self
            .files
            .iter()
            .map(|f| {
                serde_json::json!({
                    "path": f.path,
                    "sha256": f.sha256,
                    "size": f.size,
                    "contentType": f.content_type,
                    "cacheControl": f.cache_control,
                })
            })
            .collect();
        serde_json::json!({
            "id": self.hash,
            "file": self.file_name(),
            "stack": self.stack,
            "assetId": self.id,
            "bucketOutput": self.destination.bucket_output,
            "keyPrefix": self.destination.key_prefix,
            "files": files,
        })
    }
}

/// The `Content-Type` of a file name, by extension (`application/octet-stream` when unknown).
pub fn content_type(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "html" | "htm" => "text/html; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "xml" => "application/xml",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/vnd.microsoft.icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "pdf" => "application/pdf",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}

/// Whether a file name carries a content hash: a `.`-separated segment of 8 or more hex
/// digits before the extension (`site.3f2a9c1b4d5e.css`, `app.8c1f0e2a.js`).
pub fn is_hashed_name(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() >= 3
        && parts[1..parts.len() - 1]
            .iter()
            .any(|p| p.len() >= 8 && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The files of a packaged archive, with their hashes, types and cache rules.
fn list_files(archive: &[u8], destination: &BucketDestination) -> io::Result<Vec<StagedFile>> {
    use std::io::Read as _;
    let mut zip = zip::ZipArchive::new(io::Cursor::new(archive)).map_err(zip_error)?;
    let mut out = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(zip_error)?;
        if entry.is_dir() {
            continue;
        }
        let path = entry
            .name()
            .map_err(|e| io::Error::other(e.to_string()))?
            .into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes)?;
        let cache_control = if is_hashed_name(&path) {
            destination.hashed_cache_control.clone()
        } else {
            destination.cache_control.clone()
        };
        out.push(StagedFile {
            sha256: hex(&Sha256::digest(&bytes)),
            size: bytes.len() as u64,
            content_type: content_type(&path),
            cache_control,
            path,
        });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// A packaging's outcome: `(sha256, archive)`, or why it failed.
type Packaged = Result<(String, Vec<u8>), String>;

/// What [`stage`] produced: archive assets, the object key of each `(stack, id)` archive
/// declaration, and bucket-files assets.
pub(crate) struct Staging {
    pub(crate) assets: Vec<StagedAsset>,
    pub(crate) keys: BTreeMap<(String, String), String>,
    pub(crate) files: Vec<StagedFiles>,
}

/// Every asset of `app`, staged. Unreadable sources are reported in `diags` with the declaring
/// stack and asset path.
pub(crate) fn stage(app: &App, diags: &mut Vec<Diagnostic>) -> Staging {
    let mut staged: Vec<StagedAsset> = Vec::new();
    let mut files: Vec<StagedFiles> = Vec::new();
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
            let result = match (result, &decl.destination) {
                (Ok((hash, archive)), Some(destination)) => {
                    match list_files(&archive, destination) {
                        Ok(list) => {
                            files.push(StagedFiles {
                                hash,
                                archive,
                                stack: stack.name().to_owned(),
                                id: decl.id.clone(),
                                destination: destination.clone(),
                                files: list,
                            });
                            continue;
                        }
                        Err(e) => Err(e.to_string()),
                    }
                }
                (other, _) => other,
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
    Staging {
        assets: staged,
        keys,
        files,
    }
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
    fn bucket_files_list_every_file_with_type_hash_and_cache_rule() {
        let a = tempfile::tempdir().unwrap();
        fs::create_dir_all(a.path().join("dashboard")).unwrap();
        fs::write(a.path().join("dashboard/site.css"), "body{}\n").unwrap();
        fs::write(a.path().join("dashboard/site.0123456789ab.css"), "body{}\n").unwrap();
        fs::write(a.path().join("logo.svg"), "<svg/>").unwrap();
        let (_, archive) = package(&AssetSource::directory(a.path())).unwrap();
        let list = list_files(&archive, &BucketDestination::new("Out")).unwrap();
        let paths: Vec<&str> = list.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "dashboard/site.0123456789ab.css",
                "dashboard/site.css",
                "logo.svg"
            ]
        );
        assert_eq!(list[0].cache_control, "public, max-age=31536000, immutable");
        assert_eq!(list[1].cache_control, "public, max-age=300");
        assert_eq!(list[0].sha256, list[1].sha256);
        assert_eq!(list[1].content_type, "text/css; charset=utf-8");
        assert_eq!(list[2].content_type, "image/svg+xml");
        assert_eq!(list[2].size, 6);
        assert!(is_hashed_name("a/app.8c1f0e2a.js"));
        assert!(!is_hashed_name("a/app.js"));
        assert!(
            !is_hashed_name("deadbeef00.js"),
            "the stem alone is not a hash segment"
        );
        assert!(!is_hashed_name("app.min.js"));
    }

    #[test]
    fn a_missing_source_is_an_error() {
        let err = package(&AssetSource::directory("/nonexistent/app")).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    }
}

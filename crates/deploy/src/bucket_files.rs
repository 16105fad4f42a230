//! Publishing bucket-files assets: directories whose files go, one object per file, into a
//! bucket a stack of the assembly creates (static files behind a CDN).
//!
//! Synth lists them in the manifest's `bucketFiles` (each: the archive `files.<sha256>.zip`,
//! the declaring stack, the output holding the bucket's name, a key prefix and every file with
//! its SHA-256, `Content-Type` and `Cache-Control`). Deploy publishes a set right after its
//! stack's change set has run (so the bucket exists, and the files are there before the stacks
//! after it roll instances that reference them): each file whose object is missing or holds
//! other bytes (the object's `x-amz-meta-sha256`) is uploaded, SSE-S3 encrypted; files already
//! in place are left alone. Objects no longer in the set are kept: pages served by instances
//! not yet replaced still name them (the bucket's lifecycle expires replaced versions).

use std::io::Read as _;
use std::path::Path;

use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use crate::assembly::MANIFEST_FILE;
use crate::error::{ApiError, ApiErrorKind, DeployError};
use crate::publish::Publisher;
use crate::retry::{RetryOn, api_error, with_retry};

/// One file of a set.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BucketFile {
    /// Path inside the set (and the key after the prefix).
    pub path: String,
    /// SHA-256 (hex) of its bytes.
    pub sha256: String,
    /// `Content-Type`.
    pub content_type: String,
    /// `Cache-Control`.
    pub cache_control: String,
}

/// A bucket-files entry of the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BucketFiles {
    /// SHA-256 of the archive.
    pub id: String,
    /// The archive's file name in the assembly.
    pub file: String,
    /// The stack that creates the bucket.
    pub stack: String,
    /// The asset's id in that stack.
    pub asset_id: String,
    /// The output of `stack` holding the bucket's name.
    pub bucket_output: String,
    /// Prefix of every key.
    #[serde(default)]
    pub key_prefix: String,
    /// The files.
    pub files: Vec<BucketFile>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ManifestFiles {
    #[serde(default)]
    bucket_files: Vec<BucketFiles>,
}

/// The bucket-files entries of the assembly in `dir` (none for assemblies without them).
///
/// # Errors
/// [`DeployError::Assembly`] when the manifest cannot be read or an entry is malformed.
pub fn load(dir: &Path) -> Result<Vec<BucketFiles>, DeployError> {
    let path = dir.join(MANIFEST_FILE);
    let text = std::fs::read_to_string(&path).map_err(|source| {
        DeployError::Assembly(crate::assembly::AssemblyError::Read {
            path: path.clone(),
            source,
        })
    })?;
    let parsed: ManifestFiles = serde_json::from_str(&text).map_err(|source| {
        DeployError::Assembly(crate::assembly::AssemblyError::Parse {
            path: path.clone(),
            what: "manifest",
            source,
        })
    })?;
    Ok(parsed.bucket_files)
}

/// What publishing one set did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilesPublished {
    /// The bucket.
    pub bucket: String,
    /// Files uploaded now.
    pub uploaded: usize,
    /// Files already there with the same bytes.
    pub unchanged: usize,
}

fn failure(
    set: &BucketFiles,
    bucket: &str,
    operation: &'static str,
    message: String,
) -> DeployError {
    DeployError::Asset {
        asset: set.file.clone(),
        bucket: bucket.to_owned(),
        error: Box::new(ApiError {
            operation,
            code: None,
            message,
            kind: ApiErrorKind::Permanent,
            request_id: None,
        }),
    }
}

/// The bucket a set goes to: the value of its output among the stack's `outputs`.
///
/// # Errors
/// [`DeployError::Asset`] when the stack has no such output.
pub fn bucket_of(set: &BucketFiles, outputs: &[(String, String)]) -> Result<String, DeployError> {
    outputs
        .iter()
        .find(|(k, _)| *k == set.bucket_output)
        .map(|(_, v)| v.clone())
        .ok_or_else(|| {
            failure(
                set,
                "?",
                "DescribeStacks",
                format!(
                    "stack {} has no output {} naming the bucket; deploy it again",
                    set.stack, set.bucket_output
                ),
            )
        })
}

impl Publisher {
    /// Publishes `set` (its archive in `dir`) into `bucket`.
    ///
    /// # Errors
    /// [`DeployError::Asset`] naming the archive, the bucket and the failed call, or a file
    /// whose bytes differ from the manifest's hash.
    pub async fn publish_files(
        &self,
        dir: &Path,
        set: &BucketFiles,
        bucket: &str,
    ) -> Result<FilesPublished, DeployError> {
        let path = dir.join(&set.file);
        let bytes = std::fs::read(&path).map_err(|e| {
            failure(
                set,
                bucket,
                "PutObject",
                format!("cannot read {}: {e}", path.display()),
            )
        })?;
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| {
            failure(
                set,
                bucket,
                "PutObject",
                format!("{} is not a zip archive: {e}", path.display()),
            )
        })?;
        let (mut uploaded, mut unchanged) = (0, 0);
        for file in &set.files {
            let mut body = Vec::new();
            zip.by_name(&file.path)
                .and_then(|mut f| f.read_to_end(&mut body).map_err(Into::into))
                .map_err(|e| {
                    failure(
                        set,
                        bucket,
                        "PutObject",
                        format!("{} in {}: {e}", file.path, set.file),
                    )
                })?;
            let sha: String = Sha256::digest(&body)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            if sha != file.sha256 {
                return Err(failure(
                    set,
                    bucket,
                    "PutObject",
                    format!(
                        "{} in {} does not match its SHA-256 in the manifest; run synth again",
                        file.path, set.file
                    ),
                ));
            }
            let key = format!("{}{}", set.key_prefix, file.path);
            let fail = |error: ApiError| DeployError::Asset {
                asset: set.file.clone(),
                bucket: bucket.to_owned(),
                error: Box::new(error),
            };
            if self
                .object_sha256(bucket, &key)
                .await
                .map_err(fail)?
                .as_deref()
                == Some(sha.as_str())
            {
                unchanged += 1;
                continue;
            }
            with_retry(self.timing(), RetryOn::ThrottlingAndTransient, || async {
                self.s3()
                    .put_object()
                    .bucket(bucket)
                    .key(&key)
                    .content_type(&file.content_type)
                    .cache_control(&file.cache_control)
                    .metadata("sha256", &sha)
                    .server_side_encryption(aws_sdk_s3::types::ServerSideEncryption::Aes256)
                    .body(aws_sdk_s3::primitives::ByteStream::from(body.clone()))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| api_error("PutObject", &e))
            })
            .await
            .map_err(fail)?;
            uploaded += 1;
        }
        Ok(FilesPublished {
            bucket: bucket.to_owned(),
            uploaded,
            unchanged,
        })
    }

    /// The `sha256` metadata of an object, `None` when it does not exist or has none.
    async fn object_sha256(&self, bucket: &str, key: &str) -> Result<Option<String>, ApiError> {
        with_retry(self.timing(), RetryOn::ThrottlingAndTransient, || async {
            match self.s3().head_object().bucket(bucket).key(key).send().await {
                Ok(out) => Ok(out.metadata().and_then(|m| m.get("sha256")).cloned()),
                Err(e) if crate::publish::is_not_found(&e) => Ok(None),
                Err(e) => Err(api_error("HeadObject", &e)),
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_load_from_the_manifest_and_name_their_bucket_output() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(MANIFEST_FILE),
            r#"{"version":1,"stacks":[],"bucketFiles":[{"id":"ab","file":"files.ab.zip",
               "stack":"web-data","assetId":"StaticFiles","bucketOutput":"StaticBucketName",
               "keyPrefix":"","files":[{"path":"a.css","sha256":"00","size":1,
               "contentType":"text/css","cacheControl":"public, max-age=300"}]}]}"#,
        )
        .unwrap();
        let sets = load(dir.path()).unwrap();
        assert_eq!(sets.len(), 1);
        assert_eq!(sets[0].files[0].content_type, "text/css");
        let outputs = vec![("StaticBucketName".to_owned(), "my-bucket".to_owned())];
        assert_eq!(bucket_of(&sets[0], &outputs).unwrap(), "my-bucket");
        let err = bucket_of(&sets[0], &[]).unwrap_err().to_string();
        assert!(
            err.contains("web-data has no output StaticBucketName"),
            "{err}"
        );
        std::fs::write(
            dir.path().join(MANIFEST_FILE),
            r#"{"version":1,"stacks":[]}"#,
        )
        .unwrap();
        assert!(load(dir.path()).unwrap().is_empty());
    }
}

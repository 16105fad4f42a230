//! File assets: local files that ship with the cloud assembly, as AWS CDK's file assets do.
//!
//! A construct declares a directory ([`Stack::add_asset`]); synth packages it into a
//! deterministic `.zip`, names it by the SHA-256 of its content
//! (`asset.<sha256>.zip` in the assembly, key `assets/<sha256>.zip`) and lists it in the
//! manifest; deploy uploads it to the account's assets bucket
//! ([`ASSETS_BUCKET_PATTERN`]: created on first use, encrypted, private, TLS only) before the
//! change sets of the stacks that use it. Templates refer to the object through
//! [`Asset::bucket_name`], [`Asset::object_key`] and friends, never to its content, so an
//! edit of the files changes exactly the key, and an unchanged tree synthesizes byte-identical
//! templates. The construct layer does no I/O: the files are read by synth.
//!
//! ```
//! use constructs::{Environment, Stack};
//! use constructs::asset::AssetSource;
//!
//! let mut stack = Stack::new("Images", Environment::default())?;
//! let app = stack.add_asset("AppSource", AssetSource::directory("app"))?;
//! let _uri = app.s3_uri(); // s3://cfnrs-assets-<account>-<region>/assets/<sha256>.zip
//! # Ok::<(), constructs::ConstructError>(())
//! ```

use std::path::PathBuf;

use crate::ConstructError;
use crate::fns;
use crate::tree::Stack;
use crate::value::{Expr, Value};

/// The assets bucket's name, with CloudFormation's pseudo parameters: one bucket per account
/// and region, owned by deploy (it creates it on first use).
pub const ASSETS_BUCKET_PATTERN: &str = "cfnrs-assets-${AWS::AccountId}-${AWS::Region}";

/// Names that are never packaged (caches, virtual environments, version control, and `.env`
/// files, which hold a workstation's local settings and secrets).
pub const DEFAULT_EXCLUDES: &[&str] = &[
    ".env",
    ".git",
    ".venv",
    "venv",
    "__pycache__",
    "node_modules",
    ".pytest_cache",
    ".mypy_cache",
    ".DS_Store",
];

/// What an asset packages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetSource {
    /// The directory to package (relative paths are resolved against the working directory of
    /// the synthesizing process).
    pub path: PathBuf,
    /// File and directory names left out wherever they occur, besides those ending in `.pyc`.
    pub exclude: Vec<String>,
}

impl AssetSource {
    /// A directory, without [`DEFAULT_EXCLUDES`].
    pub fn directory(path: impl Into<PathBuf>) -> Self {
        AssetSource {
            path: path.into(),
            exclude: DEFAULT_EXCLUDES.iter().map(|s| (*s).to_owned()).collect(),
        }
    }
}

/// Where the files of a bucket-files asset go: a bucket the declaring stack creates, named by
/// one of its outputs, so deploy can publish them only once that stack's change set has run.
///
/// Unlike an archive asset (one zip in the assets bucket, for templates to point at), the files
/// land as individual objects at `key_prefix` + their path, as a web server or CDN serves them.
/// Each object gets a `Cache-Control` header: [`BucketDestination::hashed_cache_control`] when
/// its name carries a content hash (a `.`-separated segment of 8 or more hexadecimal digits
/// before the extension, as Django's `ManifestStaticFilesStorage` and bundlers write it, e.g.
/// `site.3f2a9c1b4d5e.css`), else [`BucketDestination::cache_control`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketDestination {
    /// Logical id of the output of the declaring stack that holds the bucket's name.
    pub bucket_output: String,
    /// Prefix of every object key (empty, or ending in `/`).
    pub key_prefix: String,
    /// `Cache-Control` of content-hashed names (they never change: cache them for a year).
    pub hashed_cache_control: String,
    /// `Cache-Control` of every other name (its content may change under the same name).
    pub cache_control: String,
}

impl BucketDestination {
    /// The bucket named by output `bucket_output`, at the root, with a year of caching for
    /// content-hashed names and five minutes for the others.
    pub fn new(bucket_output: impl Into<String>) -> Self {
        BucketDestination {
            bucket_output: bucket_output.into(),
            key_prefix: String::new(),
            hashed_cache_control: "public, max-age=31536000, immutable".into(),
            cache_control: "public, max-age=300".into(),
        }
    }
}

/// One asset declaration of a stack (its id is unique in the stack).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetDecl {
    /// Id within the stack.
    pub id: String,
    /// What it packages.
    pub source: AssetSource,
    /// `None`: an archive in the assets bucket, for templates to refer to
    /// ([`Stack::add_asset`]). `Some`: files published into a bucket of the stack once its
    /// change set has run ([`Stack::add_bucket_files`]).
    pub destination: Option<BucketDestination>,
}

/// A handle to a declared asset: the values templates use to reach its object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asset {
    stack: String,
    id: String,
}

impl Asset {
    /// The stack that declared it and its id there.
    pub fn id(&self) -> (&str, &str) {
        (&self.stack, &self.id)
    }

    /// The assets bucket's name (`cfnrs-assets-<account>-<region>`).
    pub fn bucket_name(&self) -> Value<String> {
        fns::concat([
            "cfnrs-assets-".into(),
            fns::account_id(),
            "-".into(),
            fns::region(),
        ])
    }

    /// The object key, `assets/<sha256>.zip` (filled in by synth).
    pub fn object_key(&self) -> Value<String> {
        Value::from_expr(Expr::AssetKey {
            stack: self.stack.clone(),
            id: self.id.clone(),
        })
    }

    /// `s3://bucket/key`, as `aws s3 cp` takes it.
    pub fn s3_uri(&self) -> Value<String> {
        fns::concat([
            "s3://".into(),
            self.bucket_name(),
            "/".into(),
            self.object_key(),
        ])
    }

    /// The object's ARN, for `s3:GetObject` grants.
    pub fn object_arn(&self) -> Value<String> {
        fns::concat([
            "arn:".into(),
            fns::partition(),
            ":s3:::".into(),
            self.bucket_name(),
            "/".into(),
            self.object_key(),
        ])
    }

    /// The bucket's ARN (for `s3:ListBucket`-style grants that need it).
    pub fn bucket_arn(&self) -> Value<String> {
        fns::concat([
            "arn:".into(),
            fns::partition(),
            ":s3:::".into(),
            self.bucket_name(),
        ])
    }
}

impl Stack {
    /// Declares a file asset of this stack.
    ///
    /// # Errors
    /// [`ConstructError::InvalidConfig`] when `id` is not 1-64 letters, digits, `-` or `_`, or
    /// is declared twice, or when the source path is empty.
    pub fn add_asset(&mut self, id: &str, source: AssetSource) -> Result<Asset, ConstructError> {
        self.declare_asset(id, source, None)
    }

    /// Declares a directory whose files deploy publishes, one object per file, into the bucket
    /// named by this stack's output `destination.bucket_output`, right after this stack's
    /// change set (and before the stacks that come after it). Synth checks the output exists.
    ///
    /// ```
    /// use constructs::asset::{AssetSource, BucketDestination};
    /// use constructs::{Environment, Stack};
    ///
    /// let mut stack = Stack::new("Web", Environment::default())?;
    /// stack.add_bucket_files(
    ///     "StaticFiles",
    ///     AssetSource::directory("app/collected_static"),
    ///     BucketDestination::new("StaticBucketName"),
    /// )?;
    /// assert!(stack.assets()[0].destination.is_some());
    /// # Ok::<(), constructs::ConstructError>(())
    /// ```
    ///
    /// # Errors
    /// As [`Stack::add_asset`]; and when the output id is not alphanumeric or the key prefix is
    /// neither empty nor a relative path ending in `/`.
    pub fn add_bucket_files(
        &mut self,
        id: &str,
        source: AssetSource,
        destination: BucketDestination,
    ) -> Result<(), ConstructError> {
        let err = |field: &str, message: String| ConstructError::InvalidConfig {
            path: format!("{}/{id}", self.name()),
            field: field.into(),
            message,
        };
        let output = &destination.bucket_output;
        if output.is_empty() || !output.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(err(
                "bucket_output",
                format!("{output:?} is not an output's logical id (letters and digits)"),
            ));
        }
        let prefix = &destination.key_prefix;
        if !prefix.is_empty()
            && (!prefix.ends_with('/') || prefix.starts_with('/') || prefix.contains("//"))
        {
            return Err(err(
                "key_prefix",
                format!(
                    "{prefix:?} must be empty or a relative prefix ending in '/', e.g. \"static/\""
                ),
            ));
        }
        for (field, value) in [
            ("hashed_cache_control", &destination.hashed_cache_control),
            ("cache_control", &destination.cache_control),
        ] {
            if value.is_empty() || value.chars().any(|c| c.is_control()) {
                return Err(err(
                    field,
                    format!("{value:?} is not a Cache-Control value"),
                ));
            }
        }
        self.declare_asset(id, source, Some(destination))
            .map(|_| ())
    }

    fn declare_asset(
        &mut self,
        id: &str,
        source: AssetSource,
        destination: Option<BucketDestination>,
    ) -> Result<Asset, ConstructError> {
        let err = |message: String| ConstructError::InvalidConfig {
            path: format!("{}/{id}", self.name()),
            field: "asset".into(),
            message,
        };
        let id_ok = !id.is_empty()
            && id.len() <= 64
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !id_ok {
            return Err(err(format!(
                "asset id {id:?} must be 1-64 letters, digits, '-' or '_'"
            )));
        }
        if self.assets().iter().any(|a| a.id == id) {
            return Err(err(format!("asset {id:?} is declared twice in this stack")));
        }
        if source.path.as_os_str().is_empty() {
            return Err(err("the asset's source path is empty".into()));
        }
        self.push_asset(AssetDecl {
            id: id.to_owned(),
            source,
            destination,
        });
        Ok(Asset {
            stack: self.name().to_owned(),
            id: id.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Environment;

    #[test]
    fn ids_are_checked_and_unique_per_stack() {
        let mut s = Stack::new("S", Environment::default()).unwrap();
        let a = s.add_asset("App", AssetSource::directory("app")).unwrap();
        assert_eq!(a.id(), ("S", "App"));
        let twice = s
            .add_asset("App", AssetSource::directory("other"))
            .unwrap_err();
        assert!(twice.to_string().contains("declared twice"), "{twice}");
        let bad = s.add_asset("a b", AssetSource::directory("x")).unwrap_err();
        assert!(bad.to_string().contains("letters, digits"), "{bad}");
        let empty = s.add_asset("E", AssetSource::directory("")).unwrap_err();
        assert!(empty.to_string().contains("empty"), "{empty}");
        assert_eq!(s.assets().len(), 1);
    }

    #[test]
    fn bucket_files_name_an_output_and_a_relative_prefix() {
        let mut s = Stack::new("S", Environment::default()).unwrap();
        s.add_bucket_files(
            "Static",
            AssetSource::directory("static"),
            BucketDestination::new("StaticBucket"),
        )
        .unwrap();
        let bad_output = s
            .add_bucket_files(
                "A",
                AssetSource::directory("x"),
                BucketDestination::new("Static/Bucket"),
            )
            .unwrap_err();
        assert!(
            bad_output.to_string().contains("`bucket_output`"),
            "{bad_output}"
        );
        let bad_prefix = s
            .add_bucket_files(
                "B",
                AssetSource::directory("x"),
                BucketDestination {
                    key_prefix: "/static".into(),
                    ..BucketDestination::new("StaticBucket")
                },
            )
            .unwrap_err();
        assert!(
            bad_prefix.to_string().contains("`key_prefix`"),
            "{bad_prefix}"
        );
        let twice = s
            .add_bucket_files(
                "Static",
                AssetSource::directory("y"),
                BucketDestination::new("StaticBucket"),
            )
            .unwrap_err();
        assert!(twice.to_string().contains("declared twice"), "{twice}");
        assert_eq!(s.assets().len(), 1);
    }
}

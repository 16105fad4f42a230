//! CloudFormation logical ids from construct paths, compatible with AWS CDK.
//!
//! Every resource in a synthesized template gets a *logical id* derived from the
//! path of its construct below the stack (for example `Vpc/publicSubnet1/Subnet`).
//! This module reproduces the algorithm of AWS CDK (`makeUniqueId` in
//! `aws-cdk-lib/core/lib/private/uniqueid.ts`) so that templates written with
//! this library keep the logical ids CDK would have chosen, and so that a
//! construct keeps its id for as long as its path does not change (a changed
//! logical id makes CloudFormation *replace* the resource).
//!
//! The algorithm, given the path components below the stack:
//!
//! 1. Drop every component equal to [`HIDDEN_ID`] (`"Default"`, case-sensitive).
//!    Such constructs are invisible in the id, *including in the hash*, so
//!    `Db/Subnets/Default` and `Db/Subnets` get the same id.
//! 2. **Top-level verbatim rule:** if exactly one component remains, the id is
//!    that component with every character that is not an ASCII letter or digit
//!    removed (`Url` → `Url`, `My-Bucket` → `MyBucket`). This lets hand-written
//!    templates migrate without renaming. If that result is longer than
//!    [`MAX_ID_LEN`], fall through to step 3.
//! 3. Otherwise the id is `human + hash`:
//!    * `hash` is the first [`HASH_LEN`] hex digits, upper-cased, of the MD5 of
//!      the remaining components (UTF-8) joined with `/`;
//!    * `human` is built from the remaining components: first *de-duplicated*
//!      (a component is skipped when the previously kept component ends with
//!      it, so `Bucket/Bucket` or `MyBucket/Bucket` contribute once), then
//!      components equal to [`HIDDEN_FROM_HUMAN_ID`] (`"Resource"`) are dropped
//!      (they still count in the hash), then non-alphanumerics are removed from
//!      each component, and the pieces are concatenated and truncated to
//!      [`MAX_HUMAN_LEN`] characters.
//!
//! So `Vpc/Resource` → `Vpc8378EB38` and `Vpc/publicSubnet1/Subnet` →
//! `VpcpublicSubnet1Subnet2BB74ED7`. The result is always at most
//! `MAX_HUMAN_LEN + HASH_LEN` = 248 characters.
//!
//! Unlike CDK, which returns an empty string or throws in a few corner cases,
//! [`logical_id`] reports every unusable input as a [`LogicalIdError`]: an empty
//! path, an empty component, a component containing the `/` separator (which
//! would make two different paths hash alike), a path made only of `Default`
//! components, and a single component without any ASCII letter or digit.

use std::fmt::Write as _;

use md5::{Digest, Md5};

/// Components with this id are hidden from the logical id entirely, hash included.
pub const HIDDEN_ID: &str = "Default";

/// Components with this id are left out of the human-readable part of the
/// logical id, but still count in the hash.
pub const HIDDEN_FROM_HUMAN_ID: &str = "Resource";

/// Separator used to join path components before hashing.
pub const PATH_SEP: char = '/';

/// Number of hex digits of the MD5 hash appended to multi-component ids.
pub const HASH_LEN: usize = 8;

/// Maximum length of the human-readable part of a hashed logical id.
pub const MAX_HUMAN_LEN: usize = 240;

/// Maximum length of a CloudFormation logical id.
pub const MAX_ID_LEN: usize = 255;

/// Why a logical id could not be computed from a construct path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LogicalIdError {
    /// The path has no components at all.
    #[error("cannot compute a logical id from an empty construct path")]
    EmptyPath,

    /// Every component of the path is the hidden id `Default`.
    #[error(
        "cannot compute a logical id for construct path `{path}`: \
         all of its components are the hidden id `Default`"
    )]
    OnlyHiddenComponents {
        /// The offending path, components joined with `/`.
        path: String,
    },

    /// One component of the path is the empty string.
    #[error("component {index} of construct path `{path}` is empty")]
    EmptyComponent {
        /// The offending path, components joined with `/`.
        path: String,
        /// Zero-based index of the empty component.
        index: usize,
    },

    /// One component contains the path separator `/`.
    #[error(
        "component {index} (`{component}`) of construct path `{path}` \
         contains the path separator `/`"
    )]
    ComponentContainsSeparator {
        /// The offending path, components joined with `/`.
        path: String,
        /// Zero-based index of the component.
        index: usize,
        /// The component itself.
        component: String,
    },

    /// The path has a single (non-`Default`) component without any ASCII
    /// letter or digit, so the verbatim rule would give an empty id.
    #[error(
        "construct path `{path}` gives an empty logical id: its only component \
         has no ASCII letters or digits"
    )]
    NoAlphanumerics {
        /// The offending path, components joined with `/`.
        path: String,
    },
}

/// Computes the CloudFormation logical id of a construct from its path
/// components below the stack, exactly as AWS CDK does (see the
/// [module documentation](self) for the algorithm).
///
/// The result always satisfies [`is_valid_logical_id`].
///
/// # Errors
///
/// Returns a [`LogicalIdError`] when the path is empty, has an empty component
/// or a component containing `/`, consists only of `Default` components, or
/// is a single component without ASCII letters or digits.
///
/// # Examples
///
/// ```
/// use synth::logical_id::logical_id;
///
/// assert_eq!(logical_id(&["Vpc", "Resource"]).unwrap(), "Vpc8378EB38");
/// assert_eq!(logical_id(&["Db", "Subnets", "Default"]).unwrap(), "DbSubnets93851898");
/// assert_eq!(logical_id(&["Url"]).unwrap(), "Url");
/// assert!(logical_id(&[]).is_err());
/// ```
pub fn logical_id(path: &[&str]) -> Result<String, LogicalIdError> {
    if path.is_empty() {
        return Err(LogicalIdError::EmptyPath);
    }
    for (index, component) in path.iter().enumerate() {
        if component.is_empty() {
            return Err(LogicalIdError::EmptyComponent {
                path: display_path(path),
                index,
            });
        }
        if component.contains(PATH_SEP) {
            return Err(LogicalIdError::ComponentContainsSeparator {
                path: display_path(path),
                index,
                component: (*component).to_owned(),
            });
        }
    }

    let components: Vec<&str> = path.iter().copied().filter(|c| *c != HIDDEN_ID).collect();

    match components.as_slice() {
        [] => {
            return Err(LogicalIdError::OnlyHiddenComponents {
                path: display_path(path),
            });
        }
        [only] => {
            let candidate = remove_non_alphanumeric(only);
            if candidate.is_empty() {
                return Err(LogicalIdError::NoAlphanumerics {
                    path: display_path(path),
                });
            }
            if candidate.len() <= MAX_ID_LEN {
                return Ok(candidate);
            }
            // Too long to use verbatim: fall through to the hashed form.
        }
        _ => {}
    }

    let mut id: String = remove_dupes(&components)
        .into_iter()
        .filter(|c| *c != HIDDEN_FROM_HUMAN_ID)
        .map(remove_non_alphanumeric)
        .collect();
    // Only ASCII is left, so byte truncation cannot split a character.
    id.truncate(MAX_HUMAN_LEN);
    id.push_str(&path_hash(&components));
    Ok(id)
}

/// Returns whether `s` is a valid CloudFormation logical id: 1 to
/// [`MAX_ID_LEN`] ASCII letters or digits.
///
/// ```
/// use synth::logical_id::is_valid_logical_id;
///
/// assert!(is_valid_logical_id("Vpc8378EB38"));
/// assert!(!is_valid_logical_id(""));
/// assert!(!is_valid_logical_id("My-Bucket"));
/// ```
pub fn is_valid_logical_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= MAX_ID_LEN && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Joins path components with `/` for error messages.
fn display_path(path: &[&str]) -> String {
    path.join("/")
}

/// First [`HASH_LEN`] upper-case hex digits of the MD5 of the components joined with `/`.
fn path_hash(components: &[&str]) -> String {
    let mut joined = String::new();
    for (i, component) in components.iter().enumerate() {
        if i > 0 {
            joined.push(PATH_SEP);
        }
        joined.push_str(component);
    }
    let digest = Md5::digest(joined.as_bytes());
    let mut hex = String::with_capacity(HASH_LEN);
    for byte in digest.iter().take(HASH_LEN / 2) {
        // Writing to a String cannot fail.
        let _ = write!(hex, "{byte:02X}");
    }
    hex
}

/// Keeps only the ASCII letters and digits of `s`.
fn remove_non_alphanumeric(s: &str) -> String {
    s.chars().filter(char::is_ascii_alphanumeric).collect()
}

/// Drops each component that the previously *kept* component ends with
/// (CDK's `removeDupes`; applied to the raw components, before `Resource`
/// removal and character filtering).
fn remove_dupes<'a>(components: &[&'a str]) -> Vec<&'a str> {
    let mut kept: Vec<&'a str> = Vec::with_capacity(components.len());
    for component in components {
        match kept.last() {
            Some(prev) if prev.ends_with(component) => {}
            _ => kept.push(component),
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    fn id(path: &str) -> String {
        let components: Vec<&str> = path.split('/').collect();
        logical_id(&components).unwrap()
    }

    #[test]
    fn reference_vectors() {
        let vectors = [
            ("Vpc/Resource", "Vpc8378EB38"),
            ("Vpc/publicSubnet1/Subnet", "VpcpublicSubnet1Subnet2BB74ED7"),
            (
                "Vpc/privateSubnet2/DefaultRoute",
                "VpcprivateSubnet2DefaultRouteBAC3C1C3",
            ),
            ("Db/Subnets/Default", "DbSubnets93851898"),
            (
                "Db/Secret/Attachment/Rotation/Resource",
                "DbSecretAttachmentRotationC3E05F55",
            ),
            (
                "Alb/SecurityGroup/to RefArch0AsgInstanceSecurityGroup6C6CE032:8000",
                "AlbSecurityGrouptoRefArch0AsgInstanceSecurityGroup6C6CE032800089EB65C0",
            ),
            ("Url", "Url"),
        ];
        for (path, expected) in vectors {
            assert_eq!(id(path), expected, "path {path}");
        }
    }

    #[test]
    fn default_is_invisible_everywhere() {
        assert_eq!(id("Db/Subnets/Default"), id("Db/Subnets"));
        assert_eq!(id("Default/Db/Default/Subnets"), id("Db/Subnets"));
        // A single remaining component is used verbatim.
        assert_eq!(id("Default/Url"), "Url");
        assert_eq!(id("Url/Default"), "Url");
        // Case-sensitive: only the exact string is hidden.
        assert_ne!(id("Db/default"), id("Db"));
    }

    #[test]
    fn resource_is_hidden_from_human_part_but_hashed() {
        let with = id("Bucket/Resource");
        let without = id("Bucket/Policy");
        assert!(with.starts_with("Bucket"));
        assert_eq!(with.len(), "Bucket".len() + HASH_LEN);
        assert_ne!(with, id("Bucket/Other"));
        assert!(without.starts_with("BucketPolicy"));
        // A single `Resource` component is verbatim, like any other top-level id.
        assert_eq!(id("Resource"), "Resource");
    }

    #[test]
    fn duplicates_are_removed_when_previous_ends_with_current() {
        // `MyBucket` ends with `Bucket`, so `Bucket` is skipped.
        let got = id("MyBucket/Bucket");
        assert_eq!(&got[..got.len() - HASH_LEN], "MyBucket");
        // Not the other way round: `Bucket` does not end with `MyBucket`.
        let got = id("Bucket/MyBucket");
        assert_eq!(&got[..got.len() - HASH_LEN], "BucketMyBucket");
        // Compared against the last *kept* component.
        let got = id("Vpc/Vpc/Vpc/Subnet");
        assert_eq!(&got[..got.len() - HASH_LEN], "VpcSubnet");
        // Dedupe happens on raw components, before `Resource` is dropped:
        // `Resource` ends with `ce`, so `ce` is skipped too.
        let got = id("Foo/Resource/ce");
        assert_eq!(&got[..got.len() - HASH_LEN], "Foo");
    }

    #[test]
    fn hash_is_uppercase_md5_prefix_of_joined_path() {
        let got = id("A/B");
        let expected: String = Md5::digest(b"A/B")
            .iter()
            .take(4)
            .map(|b| format!("{b:02X}"))
            .collect();
        assert_eq!(got, format!("AB{expected}"));
    }

    #[test]
    fn single_component_strips_non_alphanumerics() {
        assert_eq!(id("My-Bucket_1"), "MyBucket1");
        assert_eq!(logical_id(&["Ünïcödé Bucket"]).unwrap(), "ncdBucket");
    }

    #[test]
    fn long_single_component_falls_back_to_hash() {
        let exactly_max = "a".repeat(MAX_ID_LEN);
        assert_eq!(logical_id(&[&exactly_max]).unwrap(), exactly_max);

        let too_long = "b".repeat(MAX_ID_LEN + 1);
        let got = logical_id(&[&too_long]).unwrap();
        assert_eq!(got.len(), MAX_HUMAN_LEN + HASH_LEN);
        assert!(got.starts_with(&"b".repeat(MAX_HUMAN_LEN)));
        assert!(is_valid_logical_id(&got));
    }

    #[test]
    fn long_paths_are_truncated() {
        let long = "x".repeat(200);
        let got = logical_id(&[&long, "Middle", &long]).unwrap();
        assert_eq!(got.len(), MAX_HUMAN_LEN + HASH_LEN);
        assert!(is_valid_logical_id(&got));
    }

    #[test]
    fn multi_component_with_no_alphanumerics_is_just_the_hash() {
        let got = logical_id(&["--", "::"]).unwrap();
        assert_eq!(got.len(), HASH_LEN);
        assert!(is_valid_logical_id(&got));
    }

    #[test]
    fn errors() {
        assert_eq!(logical_id(&[]), Err(LogicalIdError::EmptyPath));
        assert_eq!(
            logical_id(&["Default", "Default"]),
            Err(LogicalIdError::OnlyHiddenComponents {
                path: "Default/Default".into()
            })
        );
        assert_eq!(
            logical_id(&["Vpc", ""]),
            Err(LogicalIdError::EmptyComponent {
                path: "Vpc/".into(),
                index: 1
            })
        );
        assert_eq!(
            logical_id(&["Vpc", "a/b"]),
            Err(LogicalIdError::ComponentContainsSeparator {
                path: "Vpc/a/b".into(),
                index: 1,
                component: "a/b".into()
            })
        );
        let err = logical_id(&["Default", "--"]).unwrap_err();
        assert_eq!(
            err,
            LogicalIdError::NoAlphanumerics {
                path: "Default/--".into()
            }
        );
        assert!(err.to_string().contains("`Default/--`"), "{err}");
    }

    #[test]
    fn validity() {
        assert!(is_valid_logical_id("a"));
        assert!(is_valid_logical_id(&"Z9".repeat(127)));
        assert!(!is_valid_logical_id(&"a".repeat(MAX_ID_LEN + 1)));
        assert!(is_valid_logical_id(&"a".repeat(MAX_ID_LEN)));
        assert!(!is_valid_logical_id(""));
        assert!(!is_valid_logical_id("a b"));
        assert!(!is_valid_logical_id("é"));
    }

    /// Components from a small alphabet; at most 4 characters, so never `Default`.
    fn small_component() -> impl Strategy<Value = String> {
        "[abAB01_-]{1,4}"
    }

    fn small_path() -> impl Strategy<Value = Vec<String>> {
        proptest::collection::vec(small_component(), 2..5)
    }

    fn any_component() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => "[A-Za-z0-9]{1,12}",
            1 => Just(HIDDEN_ID.to_owned()),
            1 => Just(HIDDEN_FROM_HUMAN_ID.to_owned()),
            2 => "[^/]{1,300}",
        ]
    }

    fn as_strs(path: &[String]) -> Vec<&str> {
        path.iter().map(String::as_str).collect()
    }

    /// Golden ids: each is what AWS CDK gives the same path (the first three appear in CDK's
    /// documentation and every CDK VPC template), so a change to the algorithm that would
    /// replace a ported stack's resources fails here.
    #[test]
    fn ids_match_aws_cdk_golden_values() {
        let golden: &[(&[&str], &str)] = &[
            (&["MyFirstBucket", "Resource"], "MyFirstBucketB8884501"),
            (&["Vpc", "Resource"], "Vpc8378EB38"),
            (
                &["Vpc", "PublicSubnet1", "Subnet"],
                "VpcPublicSubnet1Subnet5C2D37C4",
            ),
            // `Default` components are dropped before hashing.
            (&["Default", "Vpc", "Resource"], "Vpc8378EB38"),
            // A single remaining component is used verbatim.
            (&["Vpc"], "Vpc"),
            (&["Vpc", "Default"], "Vpc"),
            // Deeper paths: readable part plus the hash of the whole path.
            (&["Data", "Cluster", "Resource"], "DataCluster9E8A15F8"),
            (
                &["Workloads", "Web", "Group", "ASG"],
                "WorkloadsWebGroupASGAEB55CA1",
            ),
        ];
        for (path, id) in golden {
            assert_eq!(logical_id(path).as_deref(), Ok(*id), "path {path:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn ids_are_valid(path in proptest::collection::vec(any_component(), 1..6)) {
            match logical_id(&as_strs(&path)) {
                Ok(id) => prop_assert!(is_valid_logical_id(&id), "invalid id {id:?}"),
                Err(
                    LogicalIdError::OnlyHiddenComponents { .. }
                    | LogicalIdError::NoAlphanumerics { .. },
                ) => {}
                Err(e) => prop_assert!(false, "unexpected error {e}"),
            }
        }

        #[test]
        fn distinct_paths_give_distinct_ids(
            paths in proptest::collection::hash_set(small_path(), 2..40)
        ) {
            let ids: HashSet<String> = paths
                .iter()
                .map(|p| logical_id(&as_strs(p)).unwrap())
                .collect();
            prop_assert_eq!(ids.len(), paths.len());
        }

        #[test]
        fn default_components_do_not_change_the_id(
            path in small_path(),
            at in 0usize..5,
        ) {
            let mut with_default = as_strs(&path);
            with_default.insert(at.min(with_default.len()), HIDDEN_ID);
            prop_assert_eq!(logical_id(&with_default), logical_id(&as_strs(&path)));
        }

        #[test]
        fn never_panics_on_arbitrary_unicode(
            path in proptest::collection::vec(any::<String>(), 0..6)
        ) {
            let _ = logical_id(&as_strs(&path));
        }
    }
}

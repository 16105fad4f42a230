//! Errors of the construct layer. Each names the construct path it is about.

use thiserror::Error;

/// Why building the construct tree failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConstructError {
    /// A construct id is empty or contains `/`.
    #[error("invalid construct id {id:?} under `{parent}`: {reason}")]
    InvalidId {
        /// Path of the scope the id was added to.
        parent: String,
        /// The rejected id.
        id: String,
        /// What is allowed.
        reason: &'static str,
    },
    /// Two siblings share an id.
    #[error("duplicate construct id {id:?} under `{parent}`: sibling ids must be unique")]
    DuplicateId {
        /// Path of the scope that already has a child with this id.
        parent: String,
        /// The duplicated id.
        id: String,
    },
    /// A stack name CloudFormation would reject.
    #[error(
        "invalid stack name {name:?}: {reason} (allowed: 1-128 characters, a letter first, then letters, digits and '-')"
    )]
    InvalidStackName {
        /// The rejected name.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Two stacks in one app share a name.
    #[error("duplicate stack name {name:?}: stack names must be unique within an app")]
    DuplicateStack {
        /// The duplicated name.
        name: String,
    },
    /// A handle was used with a stack it does not belong to, or points at a node of another kind.
    #[error("`{path}`: {reason}")]
    WrongNode {
        /// Path (or stack name) the handle refers to.
        path: String,
        /// What was expected.
        reason: String,
    },
    /// A construct's configuration is invalid.
    #[error("`{path}`: invalid `{field}`: {message}")]
    InvalidConfig {
        /// Construct path of the construct being configured.
        path: String,
        /// The property or config field at fault.
        field: String,
        /// What is allowed, and what was given.
        message: String,
    },
}

impl ConstructError {
    /// Shorthand for [`ConstructError::InvalidConfig`].
    pub fn config(
        path: impl Into<String>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        ConstructError::InvalidConfig {
            path: path.into(),
            field: field.into(),
            message: message.into(),
        }
    }
}

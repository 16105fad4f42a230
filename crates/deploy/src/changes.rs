//! What a change set will do, in our own types: per-resource action and replacement, the access
//! it widens, and the approval policy that decides whether a person must say yes.

use std::fmt::Write as _;

use serde::Serialize;

use crate::access::AccessWidening;
use crate::stateful::is_stateful;

/// What CloudFormation will do to a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum ChangeAction {
    /// Create it.
    #[default]
    Add,
    /// Update it (in place or by replacement, see [`Replacement`]).
    Modify,
    /// Delete it.
    Remove,
    /// Import an existing resource.
    Import,
    /// Decided only at execution time.
    Dynamic,
}

impl ChangeAction {
    /// Parses the API string; unknown values become `Dynamic` (the cautious reading).
    pub fn from_api(s: &str) -> Self {
        match s {
            "Add" => Self::Add,
            "Modify" => Self::Modify,
            "Remove" => Self::Remove,
            "Import" => Self::Import,
            _ => Self::Dynamic,
        }
    }

    fn sigil(self) -> &'static str {
        match self {
            Self::Add => "+",
            Self::Modify => "~",
            Self::Remove => "-",
            Self::Import => "<",
            Self::Dynamic => "?",
        }
    }
}

/// Whether a `Modify` replaces the resource (a new physical resource, the old one deleted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Replacement {
    /// It will be replaced.
    True,
    /// Updated in place.
    False,
    /// Depends on values known only at execution time.
    Conditional,
}

impl Replacement {
    /// Parses the API string; unknown values become `Conditional`.
    pub fn from_api(s: &str) -> Self {
        match s {
            "True" => Self::True,
            "False" => Self::False,
            _ => Self::Conditional,
        }
    }
}

/// One property-level detail of a change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ChangeDetail {
    /// `Properties`, `Metadata`, `Tags`, ... (the API's `Target.Attribute`).
    pub attribute: Option<String>,
    /// The property name, for property changes.
    pub property: Option<String>,
    /// `Never`, `Conditionally` or `Always`.
    pub requires_recreation: Option<String>,
    /// Why it changes: `DirectModification`, `ResourceReference`, `ParameterReference`, ...
    pub change_source: Option<String>,
    /// The entity that caused it (e.g. the referenced resource).
    pub causing_entity: Option<String>,
    /// `Static` (known now) or `Dynamic` (known only when the change set runs).
    pub evaluation: Option<String>,
}

/// One resource change of a change set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ResourceChange {
    /// Add, modify, remove...
    pub action: ChangeAction,
    /// Logical id.
    pub logical_id: String,
    /// Physical id, for resources that exist.
    pub physical_id: Option<String>,
    /// Resource type.
    pub resource_type: String,
    /// Replacement, for `Modify` (`None` when the service did not say).
    pub replacement: Option<Replacement>,
    /// Property-level details.
    pub details: Vec<ChangeDetail>,
    /// Construct path from the template metadata (local template, else deployed).
    pub construct_path: Option<String>,
}

/// Everything a person needs to approve a change set.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ChangeSummary {
    /// Resource changes in the order the service listed them.
    pub changes: Vec<ResourceChange>,
    /// Permissions and network access the deploy would add.
    pub widening: Vec<AccessWidening>,
}

impl ChangeSummary {
    /// Whether any change widens access.
    pub fn is_broadening(&self) -> bool {
        !self.widening.is_empty()
    }

    /// Renders the summary for people, one line per resource, then the widening section.
    pub fn render(&self, stack: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "Stack {stack}: {} change(s)", self.changes.len());
        for c in &self.changes {
            let replacement = match (c.action, c.replacement) {
                (ChangeAction::Modify, Some(Replacement::True)) => " [REPLACE]",
                (ChangeAction::Modify, Some(Replacement::Conditional)) => " [may replace]",
                (ChangeAction::Modify, Some(Replacement::False)) => " [in place]",
                _ => "",
            };
            let stateful = if is_stateful(&c.resource_type) {
                " (holds data)"
            } else {
                ""
            };
            let _ = write!(
                out,
                "  {} {} {}{replacement}{stateful}",
                c.action.sigil(),
                c.logical_id,
                c.resource_type
            );
            if let Some(path) = &c.construct_path {
                let _ = write!(out, "  <{path}>");
            }
            out.push('\n');
            for d in &c.details {
                if let Some(prop) = &d.property {
                    let recreate = match d.requires_recreation.as_deref() {
                        Some("Always") => " (forces replacement)",
                        Some("Conditionally") => " (may force replacement)",
                        _ => "",
                    };
                    let _ = writeln!(out, "      ~ {prop}{recreate}");
                }
            }
        }
        if !self.widening.is_empty() {
            let _ = writeln!(out, "Access widened by this deploy:");
            for w in &self.widening {
                let _ = writeln!(out, "  {w}");
            }
        }
        out
    }
}

/// When a person must approve a change set before it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, clap::ValueEnum)]
pub enum RequireApproval {
    /// Never ask.
    Never,
    /// Ask when the deploy widens IAM permissions or network access.
    #[default]
    Broadening,
    /// Ask for every change.
    AnyChange,
}

impl RequireApproval {
    /// Whether this policy asks a person about this summary.
    pub fn needs_approval(self, summary: &ChangeSummary) -> bool {
        match self {
            Self::Never => false,
            Self::Broadening => summary.is_broadening(),
            Self::AnyChange => !summary.changes.is_empty() || summary.is_broadening(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::WideningKind;

    fn summary(widening: bool) -> ChangeSummary {
        ChangeSummary {
            changes: vec![ResourceChange {
                action: ChangeAction::Modify,
                logical_id: "Vpc".into(),
                resource_type: "AWS::EC2::VPC".into(),
                replacement: Some(Replacement::True),
                details: vec![ChangeDetail {
                    attribute: Some("Properties".into()),
                    property: Some("CidrBlock".into()),
                    requires_recreation: Some("Always".into()),
                    ..ChangeDetail::default()
                }],
                construct_path: Some("Net/Vpc/Resource".into()),
                ..ResourceChange::default()
            }],
            widening: if widening {
                vec![AccessWidening {
                    logical_id: "Sg".into(),
                    resource_type: "AWS::EC2::SecurityGroup".into(),
                    kind: WideningKind::Ingress,
                    description: "tcp 22 from 0.0.0.0/0".into(),
                }]
            } else {
                vec![]
            },
        }
    }

    #[test]
    fn approval_policy_matrix() {
        let plain = summary(false);
        let broad = summary(true);
        assert!(!RequireApproval::Never.needs_approval(&broad));
        assert!(!RequireApproval::Broadening.needs_approval(&plain));
        assert!(RequireApproval::Broadening.needs_approval(&broad));
        assert!(RequireApproval::AnyChange.needs_approval(&plain));
        assert!(!RequireApproval::AnyChange.needs_approval(&ChangeSummary::default()));
    }

    #[test]
    fn render_shows_replacement_construct_path_and_widening() {
        let text = summary(true).render("Net");
        assert!(
            text.contains("~ Vpc AWS::EC2::VPC [REPLACE]  <Net/Vpc/Resource>"),
            "{text}"
        );
        assert!(text.contains("~ CidrBlock (forces replacement)"), "{text}");
        assert!(text.contains("tcp 22 from 0.0.0.0/0"), "{text}");
    }

    #[test]
    fn unknown_api_strings_read_cautiously() {
        assert_eq!(ChangeAction::from_api("Whatever"), ChangeAction::Dynamic);
        assert_eq!(Replacement::from_api(""), Replacement::Conditional);
        assert_eq!(Replacement::from_api("False"), Replacement::False);
    }
}

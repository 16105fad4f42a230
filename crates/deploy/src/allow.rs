//! `--allow-replace [STACK:]LogicalId`: which stateful resources the user lets a deploy replace
//! or remove, always scoped to one stack.
//!
//! `STACK:LogicalId` names one resource of one stack. A bare `LogicalId` is accepted only when
//! exactly one selected stack's template has that logical id; otherwise the user must say which
//! stack (a removed resource is no longer in the local template, so it always needs the stack).

use std::fmt;
use std::str::FromStr;

use crate::assembly::StackArtifact;
use crate::error::DeployError;

/// One `--allow-replace` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowReplace {
    /// The stack, when given (`STACK:LogicalId`).
    pub stack: Option<String>,
    /// The resource's logical id.
    pub logical_id: String,
}

impl FromStr for AllowReplace {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (stack, id) = match s.split_once(':') {
            Some((stack, id)) => (Some(stack.to_owned()), id),
            None => (None, s),
        };
        let valid_id = !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric());
        if !valid_id || stack.as_deref() == Some("") {
            return Err(format!(
                "`{s}` is not LOGICAL_ID or STACK:LOGICAL_ID (a logical id is letters and digits)"
            ));
        }
        Ok(Self {
            stack,
            logical_id: id.to_owned(),
        })
    }
}

impl fmt::Display for AllowReplace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.stack {
            Some(s) => write!(f, "{s}:{}", self.logical_id),
            None => f.write_str(&self.logical_id),
        }
    }
}

impl AllowReplace {
    /// Whether this value allows `logical_id` of `stack`. A bare id counts only for a stack
    /// whose local template has it (see [`scope`] for the ambiguity check).
    pub fn allows(&self, stack: &StackArtifact, logical_id: &str) -> bool {
        self.logical_id == logical_id
            && match &self.stack {
                Some(s) => s == stack.name(),
                None => stack.template.resource(logical_id).is_some(),
            }
    }
}

/// Scopes every value to one stack of `stacks`: a `STACK:` prefix must name a selected stack,
/// and a bare id must be in exactly one selected template.
///
/// # Errors
/// [`DeployError::InvalidOption`] naming the value, the stacks it matches, and the form to use.
pub fn scope(
    values: &[AllowReplace],
    stacks: &[&StackArtifact],
) -> Result<Vec<AllowReplace>, DeployError> {
    let names: Vec<&str> = stacks.iter().map(|s| s.name()).collect();
    let mut out = Vec::new();
    for v in values {
        match &v.stack {
            Some(s) if !names.contains(&s.as_str()) => {
                return Err(DeployError::InvalidOption {
                    option: format!("--allow-replace {v}"),
                    problem: format!(
                        "stack `{s}` is not among the stacks being deployed ({})",
                        names.join(", ")
                    ),
                });
            }
            Some(_) => out.push(v.clone()),
            None => {
                let holders: Vec<&str> = stacks
                    .iter()
                    .filter(|s| s.template.resource(&v.logical_id).is_some())
                    .map(|s| s.name())
                    .collect();
                match holders.as_slice() {
                    [one] => out.push(AllowReplace {
                        stack: Some((*one).to_owned()),
                        logical_id: v.logical_id.clone(),
                    }),
                    [] => {
                        return Err(DeployError::InvalidOption {
                            option: format!("--allow-replace {v}"),
                            problem: format!(
                                "no stack being deployed has a resource `{}` in its template; \
                                 for a resource the deploy removes, name its stack: \
                                 --allow-replace STACK:{}",
                                v.logical_id, v.logical_id
                            ),
                        });
                    }
                    many => {
                        return Err(DeployError::InvalidOption {
                            option: format!("--allow-replace {v}"),
                            problem: format!(
                                "`{}` is a resource of several stacks ({}); say which: {}",
                                v.logical_id,
                                many.join(", "),
                                many.iter()
                                    .map(|s| format!("--allow-replace {s}:{}", v.logical_id))
                                    .collect::<Vec<_>>()
                                    .join(" or ")
                            ),
                        });
                    }
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assembly::StackManifest;
    use crate::template::Template;

    fn stack(name: &str, ids: &[&str]) -> StackArtifact {
        let resources: serde_json::Map<String, serde_json::Value> = ids
            .iter()
            .map(|id| {
                (
                    (*id).to_owned(),
                    serde_json::json!({"Type": "AWS::S3::Bucket"}),
                )
            })
            .collect();
        let manifest: StackManifest = serde_json::from_value(
            serde_json::json!({"name": name, "templateFile": format!("{name}.json")}),
        )
        .unwrap();
        StackArtifact {
            manifest,
            template_body: String::new(),
            template: Template::from_value(serde_json::json!({ "Resources": resources })),
        }
    }

    #[test]
    fn parses_bare_and_scoped_values() {
        let a: AllowReplace = "Data:Db".parse().unwrap();
        assert_eq!(
            (a.stack.as_deref(), a.logical_id.as_str()),
            (Some("Data"), "Db")
        );
        let a: AllowReplace = "Db".parse().unwrap();
        assert_eq!(a.stack, None);
        assert!("Data:".parse::<AllowReplace>().is_err());
        assert!(":Db".parse::<AllowReplace>().is_err());
        assert!("Db/Resource".parse::<AllowReplace>().is_err());
    }

    #[test]
    fn a_bare_id_is_scoped_to_its_only_stack_and_refused_when_ambiguous() {
        let (a, b) = (stack("A", &["Bucket", "Logs"]), stack("B", &["Bucket"]));
        let stacks = [&a, &b];
        let scoped = scope(&["Logs".parse().unwrap()], &stacks).unwrap();
        assert_eq!(scoped[0].to_string(), "A:Logs");
        let err = scope(&["Bucket".parse().unwrap()], &stacks)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("several stacks (A, B)") && err.contains("--allow-replace A:Bucket"),
            "{err}"
        );
        let err = scope(&["Gone".parse().unwrap()], &stacks)
            .unwrap_err()
            .to_string();
        assert!(err.contains("STACK:Gone"), "{err}");
        let err = scope(&["C:Bucket".parse().unwrap()], &stacks)
            .unwrap_err()
            .to_string();
        assert!(err.contains("stack `C`"), "{err}");
        let ok = scope(
            &["B:Bucket".parse().unwrap(), "B:Removed".parse().unwrap()],
            &stacks,
        )
        .unwrap();
        assert_eq!(ok.len(), 2);
        assert!(ok[0].allows(&b, "Bucket") && !ok[0].allows(&a, "Bucket"));
    }
}

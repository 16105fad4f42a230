//! Parameter values: `--parameter KEY=VALUE` / `--parameter STACK:KEY=VALUE`, resolved against the
//! manifest's declarations and the deployed stack.

use std::str::FromStr;

use crate::assembly::StackManifest;
use crate::cfn::ParameterValue;
use crate::error::DeployError;
use crate::planner::StackState;

/// A value given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterOverride {
    /// Only for this stack, or for every stack that declares `key` when `None`.
    pub stack: Option<String>,
    /// Parameter logical id.
    pub key: String,
    /// Value.
    pub value: String,
}

impl FromStr for ParameterOverride {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (lhs, value) = s
            .split_once('=')
            .ok_or_else(|| format!("`{s}` is not KEY=VALUE or STACK:KEY=VALUE"))?;
        let (stack, key) = match lhs.split_once(':') {
            Some((stack, key)) => (Some(stack.to_owned()), key),
            None => (None, lhs),
        };
        if key.is_empty() || stack.as_deref() == Some("") {
            return Err(format!("`{s}` has an empty stack or parameter name"));
        }
        Ok(Self {
            stack,
            key: key.to_owned(),
            value: value.to_owned(),
        })
    }
}

/// The parameters to send for `stack`: explicit values; otherwise `UsePreviousValue` for every
/// declared parameter the deployed stack already has (so a value given once with `--parameter`
/// stays until changed, instead of falling back to the template default); nothing for the other
/// parameters with a default (a new stack, or a parameter added since: CloudFormation applies the
/// default).
///
/// # Errors
/// [`DeployError::Parameters`] for an override naming a parameter this stack does not declare, or
/// a parameter with neither value, default nor previous value.
pub fn resolve(
    stack: &StackManifest,
    overrides: &[ParameterOverride],
    current: Option<&StackState>,
) -> Result<Vec<(String, ParameterValue)>, DeployError> {
    for o in overrides {
        if o.stack.as_deref() == Some(stack.name.as_str()) && !stack.parameters.contains_key(&o.key)
        {
            let known: Vec<&str> = stack.parameters.keys().map(String::as_str).collect();
            return Err(DeployError::Parameters {
                stack: stack.name.clone(),
                problem: format!(
                    "--parameter {}:{} names a parameter the stack does not declare (it has: {})",
                    stack.name,
                    o.key,
                    if known.is_empty() {
                        "none".into()
                    } else {
                        known.join(", ")
                    }
                ),
            });
        }
    }
    let mut out = Vec::new();
    for (key, decl) in &stack.parameters {
        // A stack-specific value wins over a global one.
        let explicit = overrides
            .iter()
            .filter(|o| &o.key == key)
            .filter(|o| o.stack.is_none() || o.stack.as_deref() == Some(stack.name.as_str()))
            .max_by_key(|o| o.stack.is_some());
        // An SSM-typed parameter's default is the name of the SSM parameter the template reads
        // (CloudFormation resolves it on every deploy); the template decides it.
        let ssm_name =
            decl.kind.starts_with("AWS::SSM::Parameter::Value") && decl.default.is_some();
        if let Some(o) = explicit {
            out.push((key.clone(), ParameterValue::Value(o.value.clone())));
        } else if ssm_name {
            continue;
        } else if current.is_some_and(|s| s.parameters.iter().any(|(k, _)| k == key)) {
            out.push((key.clone(), ParameterValue::UsePrevious));
        } else if decl.default.is_some() {
            continue;
        } else {
            return Err(DeployError::Parameters {
                stack: stack.name.clone(),
                problem: format!(
                    "parameter {key} ({}) has no default and no value; pass --parameter {}:{key}=VALUE",
                    decl.kind, stack.name
                ),
            });
        }
    }
    Ok(out)
}

/// Global overrides that no selected stack declares (likely typos).
pub fn unused<'a>(
    stacks: &[&StackManifest],
    overrides: &'a [ParameterOverride],
) -> Vec<&'a ParameterOverride> {
    overrides
        .iter()
        .filter(|o| o.stack.is_none())
        .filter(|o| !stacks.iter().any(|s| s.parameters.contains_key(&o.key)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assembly::ParameterDeclaration;

    fn manifest() -> StackManifest {
        let mut m: StackManifest =
            serde_json::from_str(r#"{"name":"Net","templateFile":"Net.template.json"}"#).unwrap();
        m.parameters.insert(
            "Cidr".into(),
            ParameterDeclaration {
                kind: "String".into(),
                default: Some("10.0.0.0/16".into()),
                description: None,
            },
        );
        m.parameters.insert(
            "Env".into(),
            ParameterDeclaration {
                kind: "String".into(),
                default: None,
                description: None,
            },
        );
        m
    }

    #[test]
    fn parses_global_and_stack_scoped_overrides() {
        let o: ParameterOverride = "Env=prod".parse().unwrap();
        assert_eq!(o.stack, None);
        let o: ParameterOverride = "Net:Cidr=10.1.0.0/16".parse().unwrap();
        assert_eq!(o.stack.as_deref(), Some("Net"));
        assert_eq!(o.value, "10.1.0.0/16");
        assert!("novalue".parse::<ParameterOverride>().is_err());
        assert!(":K=v".parse::<ParameterOverride>().is_err());
    }

    #[test]
    fn explicit_values_win_defaults_are_omitted_previous_values_kept() {
        let m = manifest();
        let overrides = vec!["Env=dev".parse().unwrap(), "Net:Env=prod".parse().unwrap()];
        let p = resolve(&m, &overrides, None).unwrap();
        assert_eq!(
            p,
            [("Env".to_owned(), ParameterValue::Value("prod".into()))]
        );

        let current = StackState {
            parameters: vec![("Env".into(), "x".into())],
            ..StackState::default()
        };
        let p = resolve(&m, &[], Some(&current)).unwrap();
        assert_eq!(p, [("Env".to_owned(), ParameterValue::UsePrevious)]);

        // A parameter with a default keeps its deployed value too, unless set again.
        let current = StackState {
            parameters: vec![
                ("Cidr".into(), "10.9.0.0/16".into()),
                ("Env".into(), "x".into()),
            ],
            ..StackState::default()
        };
        let p = resolve(&m, &[], Some(&current)).unwrap();
        assert_eq!(
            p,
            [
                ("Cidr".to_owned(), ParameterValue::UsePrevious),
                ("Env".to_owned(), ParameterValue::UsePrevious)
            ]
        );
        let p = resolve(&m, &["Cidr=10.1.0.0/16".parse().unwrap()], Some(&current)).unwrap();
        assert_eq!(
            p[0],
            (
                "Cidr".to_owned(),
                ParameterValue::Value("10.1.0.0/16".into())
            )
        );
    }

    #[test]
    fn missing_and_unknown_parameters_are_named() {
        let m = manifest();
        let err = resolve(&m, &[], None).unwrap_err().to_string();
        assert!(
            err.contains("parameter Env") && err.contains("--parameter Net:Env=VALUE"),
            "{err}"
        );
        let err = resolve(&m, &["Net:Nope=1".parse().unwrap()], None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("Net:Nope") && err.contains("Cidr, Env"),
            "{err}"
        );
        let overrides: Vec<ParameterOverride> = vec!["Typo=1".parse().unwrap()];
        assert_eq!(unused(&[&m], &overrides).len(), 1);
    }
}

//! IAM policy documents built from typed statements, for roles, key policies and bucket policies.
//!
//! ```
//! use constructs::iam::{PolicyDocument, Statement};
//! use constructs::ToProp;
//!
//! let doc = PolicyDocument::new([Statement::allow(["ssm:GetParameter"], ["arn:aws:ssm:*:*:parameter/app/*"])]);
//! let json = doc.to_prop();
//! assert!(json.get("Statement").is_some());
//! ```

use crate::value::{Json, Prop, ToProp, Value};

/// Who a statement applies to.
#[derive(Debug, Clone, PartialEq)]
pub enum Principal {
    /// An AWS service, e.g. `ec2.amazonaws.com`.
    Service(Value<String>),
    /// An account, role or user ARN.
    Aws(Value<String>),
}

/// Whether a statement allows or denies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// `Allow`.
    Allow,
    /// `Deny`.
    Deny,
}

/// One policy statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// Optional statement id.
    pub sid: Option<String>,
    /// Allow or deny.
    pub effect: Effect,
    /// Principals (resource-based policies only).
    pub principals: Vec<Principal>,
    /// Actions such as `s3:GetObject`.
    pub actions: Vec<String>,
    /// Resource ARNs (literals or expressions).
    pub resources: Vec<Value<String>>,
    /// Conditions: operator → key → values.
    pub conditions: Vec<(String, String, Vec<Value<String>>)>,
}

impl Statement {
    /// An `Allow` of `actions` on `resources`.
    pub fn allow<A: Into<String>, R: Into<Value<String>>>(
        actions: impl IntoIterator<Item = A>,
        resources: impl IntoIterator<Item = R>,
    ) -> Self {
        Statement {
            sid: None,
            effect: Effect::Allow,
            principals: Vec::new(),
            actions: actions.into_iter().map(Into::into).collect(),
            resources: resources.into_iter().map(Into::into).collect(),
            conditions: Vec::new(),
        }
    }

    /// A `Deny` of `actions` on `resources`.
    pub fn deny<A: Into<String>, R: Into<Value<String>>>(
        actions: impl IntoIterator<Item = A>,
        resources: impl IntoIterator<Item = R>,
    ) -> Self {
        Statement {
            effect: Effect::Deny,
            ..Statement::allow(actions, resources)
        }
    }

    /// `DenyInsecureTransport`: denies `actions` on `resources` to everyone when the request
    /// does not come over TLS (`aws:SecureTransport` is `false`). The statement every bucket
    /// and file system policy of the library starts with.
    pub fn deny_insecure_transport<A: Into<String>, R: Into<Value<String>>>(
        actions: impl IntoIterator<Item = A>,
        resources: impl IntoIterator<Item = R>,
    ) -> Self {
        Statement::deny(actions, resources)
            .sid("DenyInsecureTransport")
            .principal(Principal::Aws("*".into()))
            .condition("Bool", "aws:SecureTransport", ["false"])
    }

    /// Sets the statement id.
    pub fn sid(mut self, sid: impl Into<String>) -> Self {
        self.sid = Some(sid.into());
        self
    }

    /// Adds a principal.
    pub fn principal(mut self, principal: Principal) -> Self {
        self.principals.push(principal);
        self
    }

    /// Adds a condition, e.g. `("StringEquals", "ec2:AuthorizedService", ["codebuild.amazonaws.com"])`.
    pub fn condition<V: Into<Value<String>>>(
        mut self,
        operator: &str,
        key: &str,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        self.conditions.push((
            operator.to_owned(),
            key.to_owned(),
            values.into_iter().map(Into::into).collect(),
        ));
        self
    }
}

fn one_or_many(values: Vec<Prop>) -> Prop {
    if values.len() == 1 {
        values.into_iter().next().unwrap_or(Prop::Null)
    } else {
        Prop::List(values)
    }
}

impl ToProp for Statement {
    fn to_prop(&self) -> Prop {
        let mut entries: Vec<(String, Prop)> = Vec::new();
        if let Some(sid) = &self.sid {
            entries.push(("Sid".into(), Prop::String(sid.clone())));
        }
        let effect = match self.effect {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        };
        entries.push(("Effect".into(), Prop::String(effect.into())));
        if !self.principals.is_empty() {
            let mut services = Vec::new();
            let mut aws = Vec::new();
            for p in &self.principals {
                match p {
                    Principal::Service(s) => services.push(s.to_prop()),
                    Principal::Aws(a) => aws.push(a.to_prop()),
                }
            }
            let mut principal = Vec::new();
            if !aws.is_empty() {
                principal.push(("AWS".to_owned(), one_or_many(aws)));
            }
            if !services.is_empty() {
                principal.push(("Service".to_owned(), one_or_many(services)));
            }
            entries.push(("Principal".into(), Prop::Map(principal)));
        }
        entries.push((
            "Action".into(),
            one_or_many(
                self.actions
                    .iter()
                    .map(|a| Prop::String(a.clone()))
                    .collect(),
            ),
        ));
        entries.push((
            "Resource".into(),
            one_or_many(self.resources.iter().map(ToProp::to_prop).collect()),
        ));
        if !self.conditions.is_empty() {
            let mut ops: Vec<(String, Prop)> = Vec::new();
            for (op, key, values) in &self.conditions {
                let value = one_or_many(values.iter().map(ToProp::to_prop).collect());
                match ops.iter_mut().find(|(o, _)| o == op) {
                    Some((_, Prop::Map(keys))) => keys.push((key.clone(), value)),
                    _ => ops.push((op.clone(), Prop::Map(vec![(key.clone(), value)]))),
                }
            }
            entries.push(("Condition".into(), Prop::Map(ops)));
        }
        Prop::Map(entries)
    }
}

/// A policy document (`Version` 2012-10-17).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PolicyDocument {
    /// The statements, in order.
    pub statements: Vec<Statement>,
}

impl PolicyDocument {
    /// A document with these statements.
    pub fn new(statements: impl IntoIterator<Item = Statement>) -> Self {
        PolicyDocument {
            statements: statements.into_iter().collect(),
        }
    }

    /// The trust policy letting an AWS service assume a role.
    pub fn trust_service(service: &str) -> Self {
        PolicyDocument::new([Statement {
            sid: None,
            effect: Effect::Allow,
            principals: vec![Principal::Service(service.into())],
            actions: vec!["sts:AssumeRole".into()],
            resources: Vec::new(),
            conditions: Vec::new(),
        }])
    }

    /// The document as a property value.
    pub fn json(&self) -> Value<Json> {
        Value::Literal(self.to_prop())
    }
}

impl ToProp for PolicyDocument {
    fn to_prop(&self) -> Prop {
        let statements = self
            .statements
            .iter()
            .map(|s| {
                let mut p = s.to_prop();
                // Trust policies carry no Resource.
                if let Prop::Map(entries) = &mut p {
                    entries.retain(|(k, v)| !(k == "Resource" && *v == Prop::List(vec![])));
                }
                p
            })
            .collect();
        Prop::map([
            ("Version", Prop::String("2012-10-17".into())),
            ("Statement", Prop::List(statements)),
        ])
    }
}

/// Attaches `statements` to `role` as an `AWS::IAM::Policy` at `scope/id`, so grants can be
/// added by whoever owns the resource, after the role was built.
///
/// # Errors
/// [`crate::ConstructError`] if `id` is taken in `scope`.
pub fn grant(
    scope: &mut crate::Scope<'_>,
    id: &str,
    role: &crate::Handle<crate::resources::iam::Role>,
    statements: impl IntoIterator<Item = Statement>,
) -> Result<crate::Handle<crate::resources::iam::Policy>, crate::ConstructError> {
    let name = crate::fns::concat([crate::fns::stack_name(), format!("-{id}").into()]);
    scope.resource(
        id,
        crate::resources::iam::Policy {
            roles: Some(vec![role.reference()].into()),
            ..crate::resources::iam::Policy::new(PolicyDocument::new(statements).json(), name)
        },
    )
}

/// The ARN of an AWS managed policy, e.g. `managed_policy_arn("AmazonSSMManagedInstanceCore")`.
pub fn managed_policy_arn(name: &str) -> Value<String> {
    crate::fns::concat([
        "arn:".into(),
        crate::fns::partition(),
        format!(":iam::aws:policy/{name}").into(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trust_policies_have_a_principal_and_no_resource() {
        let doc = PolicyDocument::trust_service("ec2.amazonaws.com").to_prop();
        let Some(Prop::List(statements)) = doc.get("Statement") else {
            panic!("no statements")
        };
        let s = &statements[0];
        assert!(s.get("Resource").is_none());
        assert_eq!(
            s.get("Principal").and_then(|p| p.get("Service")),
            Some(&Prop::String("ec2.amazonaws.com".into()))
        );
    }

    #[test]
    fn conditions_group_by_operator() {
        let s = Statement::allow(["ec2:CreateNetworkInterfacePermission"], ["*"])
            .condition(
                "StringEquals",
                "ec2:AuthorizedService",
                ["codebuild.amazonaws.com"],
            )
            .condition("ArnEquals", "ec2:Subnet", ["arn:a", "arn:b"]);
        let p = s.to_prop();
        let cond = p.get("Condition").expect("condition");
        assert!(cond.get("StringEquals").is_some());
        assert_eq!(
            cond.get("ArnEquals").and_then(|c| c.get("ec2:Subnet")),
            Some(&Prop::List(vec![
                Prop::String("arn:a".into()),
                Prop::String("arn:b".into())
            ]))
        );
    }
}

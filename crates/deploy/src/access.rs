//! Access widening: the IAM statements, managed policies, resource policies, permissions and
//! security-group rules that the new template grants and the deployed one did not.
//!
//! Worked out from the two templates (the change set API does not list statements), per logical id:
//! a grant is "new" when no equal grant exists on the same resource in the deployed template.
//! Removing a `Deny` statement counts as widening too.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::template::{ResourceView, Template};

/// What kind of access a widening grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum WideningKind {
    /// An `Allow` statement in an identity policy or trust policy.
    IamStatement,
    /// A `Deny` statement that goes away.
    RemovedDeny,
    /// A managed policy attached to a role, user or group.
    ManagedPolicy,
    /// A statement in a resource policy (bucket, queue, topic, key).
    ResourcePolicy,
    /// A resource-based permission such as `AWS::Lambda::Permission`.
    Permission,
    /// A security-group ingress rule.
    Ingress,
    /// A security-group egress rule.
    Egress,
}

impl WideningKind {
    fn label(self) -> &'static str {
        match self {
            Self::IamStatement => "IAM statement",
            Self::RemovedDeny => "Deny removed",
            Self::ManagedPolicy => "managed policy",
            Self::ResourcePolicy => "resource policy",
            Self::Permission => "permission",
            Self::Ingress => "ingress",
            Self::Egress => "egress",
        }
    }
}

/// One grant the deploy adds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessWidening {
    /// The resource carrying it.
    pub logical_id: String,
    /// Its type.
    pub resource_type: String,
    /// What kind of grant.
    pub kind: WideningKind,
    /// The grant, for people (`Allow s3:GetObject on arn:...`, `tcp 443 from 0.0.0.0/0`).
    pub description: String,
}

impl fmt::Display for AccessWidening {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "+ {} {} ({}): {}",
            self.kind.label(),
            self.logical_id,
            self.resource_type,
            self.description
        )
    }
}

/// The grants in `new` that `old` (the deployed template, `None` for a new stack) does not have.
pub fn access_widening(old: Option<&Template>, new: &Template) -> Vec<AccessWidening> {
    let mut out = Vec::new();
    for resource in new.resources() {
        let before = old
            .and_then(|t| t.resource(resource.logical_id))
            .filter(|r| r.resource_type() == resource.resource_type())
            .map(grants)
            .unwrap_or_default();
        let after = grants(resource);
        for (kind, grant) in &after {
            if *kind != WideningKind::RemovedDeny
                && !before.iter().any(|(k, g)| k == kind && g == grant)
            {
                out.push(widening(resource, *kind, grant));
            }
        }
        // A Deny that disappears from the same resource.
        for (kind, grant) in &before {
            if *kind == WideningKind::RemovedDeny
                && !after.iter().any(|(k, g)| k == kind && g == grant)
            {
                out.push(widening(resource, *kind, grant));
            }
        }
    }
    out
}

fn widening(resource: ResourceView<'_>, kind: WideningKind, grant: &Value) -> AccessWidening {
    let description = match kind {
        WideningKind::Ingress => describe_rule(grant, true),
        WideningKind::Egress => describe_rule(grant, false),
        WideningKind::ManagedPolicy => compact(grant),
        WideningKind::Permission => describe_permission(grant),
        _ => describe_statement(grant),
    };
    AccessWidening {
        logical_id: resource.logical_id.to_owned(),
        resource_type: resource.resource_type().to_owned(),
        kind,
        description,
    }
}

/// Every grant a resource carries, as `(kind, value)`.
fn grants(resource: ResourceView<'_>) -> Vec<(WideningKind, Value)> {
    let mut out = Vec::new();
    let prop = |name: &str| resource.property(name);
    let mut doc = |kind: WideningKind, document: Option<&Value>| {
        for st in statements(document) {
            let deny = st.get("Effect").and_then(Value::as_str) == Some("Deny");
            out.push((
                if deny {
                    WideningKind::RemovedDeny
                } else {
                    kind
                },
                st.clone(),
            ));
        }
    };
    match resource.resource_type() {
        "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group" => {
            doc(WideningKind::IamStatement, prop("AssumeRolePolicyDocument"));
            for policy in items(prop("Policies")) {
                doc(WideningKind::IamStatement, policy.get("PolicyDocument"));
            }
            for arn in items(prop("ManagedPolicyArns")) {
                out.push((WideningKind::ManagedPolicy, arn.clone()));
            }
        }
        "AWS::IAM::Policy"
        | "AWS::IAM::ManagedPolicy"
        | "AWS::IAM::RolePolicy"
        | "AWS::IAM::UserPolicy"
        | "AWS::IAM::GroupPolicy" => doc(WideningKind::IamStatement, prop("PolicyDocument")),
        "AWS::S3::BucketPolicy" | "AWS::SQS::QueuePolicy" | "AWS::SNS::TopicPolicy" => {
            doc(WideningKind::ResourcePolicy, prop("PolicyDocument"));
        }
        "AWS::KMS::Key" => doc(WideningKind::ResourcePolicy, prop("KeyPolicy")),
        "AWS::Lambda::Permission" => {
            if let Some(p) = resource.properties() {
                out.push((WideningKind::Permission, Value::Object(p.clone())));
            }
        }
        "AWS::EC2::SecurityGroup" => {
            for rule in items(prop("SecurityGroupIngress")) {
                out.push((WideningKind::Ingress, rule.clone()));
            }
            for rule in items(prop("SecurityGroupEgress")).filter(|r| !is_deny_all_placeholder(r)) {
                out.push((WideningKind::Egress, rule.clone()));
            }
        }
        "AWS::EC2::SecurityGroupIngress" | "AWS::EC2::SecurityGroupEgress" => {
            if let Some(p) = resource.properties() {
                let kind = if resource.resource_type().ends_with("Ingress") {
                    WideningKind::Ingress
                } else {
                    WideningKind::Egress
                };
                out.push((kind, Value::Object(p.clone())));
            }
        }
        _ => {}
    }
    out
}

/// The egress rule that stands for "no egress at all" (CloudFormation adds allow-all egress to a
/// group without rules): ICMP type 252 code 86 to `255.255.255.255/32`, which matches nothing.
/// It grants nothing, so it is not a widening.
fn is_deny_all_placeholder(rule: &Value) -> bool {
    rule.get("CidrIp").and_then(Value::as_str) == Some("255.255.255.255/32")
        && rule.get("IpProtocol").and_then(Value::as_str) == Some("icmp")
        && rule.get("FromPort").and_then(Value::as_i64) == Some(252)
        && rule.get("ToPort").and_then(Value::as_i64) == Some(86)
}

fn items(value: Option<&Value>) -> impl Iterator<Item = &Value> {
    value.and_then(Value::as_array).into_iter().flatten()
}

fn statements(document: Option<&Value>) -> Vec<&Value> {
    match document.and_then(|d| d.get("Statement")) {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(single @ Value::Object(_)) => vec![single],
        _ => Vec::new(),
    }
}

fn compact(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn field(value: &Value, names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| value.get(*n).map(|v| format!("{n}={}", compact(v))))
}

fn describe_statement(st: &Value) -> String {
    let effect = st.get("Effect").map_or_else(|| "Allow".into(), compact);
    let mut text = effect;
    if let Some(p) = st.get("Principal") {
        let _ = std::fmt::Write::write_fmt(&mut text, format_args!(" {}", compact(p)));
    }
    if let Some(a) = st.get("Action").or_else(|| st.get("NotAction")) {
        let _ = std::fmt::Write::write_fmt(&mut text, format_args!(" {}", compact(a)));
    }
    if let Some(r) = st.get("Resource").or_else(|| st.get("NotResource")) {
        let _ = std::fmt::Write::write_fmt(&mut text, format_args!(" on {}", compact(r)));
    }
    if let Some(c) = st.get("Condition") {
        let _ = std::fmt::Write::write_fmt(&mut text, format_args!(" when {}", compact(c)));
    }
    text
}

fn describe_rule(rule: &Value, ingress: bool) -> String {
    let proto = rule.get("IpProtocol").map_or_else(|| "?".into(), compact);
    let proto = if proto == "-1" {
        "all traffic".into()
    } else {
        proto
    };
    let ports = match (rule.get("FromPort"), rule.get("ToPort")) {
        (Some(a), Some(b)) if a == b => format!(" {}", compact(a)),
        (Some(a), Some(b)) => format!(" {}-{}", compact(a), compact(b)),
        _ => String::new(),
    };
    let peer = if ingress {
        field(
            rule,
            &[
                "CidrIp",
                "CidrIpv6",
                "SourceSecurityGroupId",
                "SourcePrefixListId",
                "SourceSecurityGroupName",
            ],
        )
    } else {
        field(
            rule,
            &[
                "CidrIp",
                "CidrIpv6",
                "DestinationSecurityGroupId",
                "DestinationPrefixListId",
            ],
        )
    }
    .unwrap_or_else(|| "unspecified peer".into());
    let dir = if ingress { "from" } else { "to" };
    format!("{proto}{ports} {dir} {peer}")
}

fn describe_permission(p: &Value) -> String {
    format!(
        "{} {} for {}",
        p.get("Action").map_or_else(|| "?".into(), compact),
        p.get("FunctionName").map_or_else(|| "?".into(), compact),
        p.get("Principal").map_or_else(|| "?".into(), compact)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn t(v: Value) -> Template {
        Template::from_value(v)
    }

    fn role(statements: Value, managed: Value) -> Template {
        t(
            json!({"Resources":{"Role":{"Type":"AWS::IAM::Role","Properties":{
            "AssumeRolePolicyDocument":{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]},
            "Policies":[{"PolicyName":"p","PolicyDocument":{"Statement":statements}}],
            "ManagedPolicyArns": managed}}}}),
        )
    }

    #[test]
    fn a_new_stack_widens_by_every_grant_it_has() {
        let new = role(
            json!([{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]),
            json!(["arn:aws:iam::aws:policy/ReadOnlyAccess"]),
        );
        let w = access_widening(None, &new);
        assert_eq!(w.len(), 3, "{w:#?}");
        assert!(w.iter().any(|x| x.kind == WideningKind::ManagedPolicy));
        assert!(
            w.iter()
                .any(|x| x.description == r#"Allow "s3:GetObject" on "*""#
                    || x.description == "Allow s3:GetObject on *"),
            "{w:#?}"
        );
    }

    #[test]
    fn unchanged_grants_do_not_widen_and_added_statements_do() {
        let old = role(
            json!([{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]),
            json!([]),
        );
        assert!(access_widening(Some(&old), &old).is_empty());
        let new = role(
            json!([{"Resource":"*","Action":"s3:GetObject","Effect":"Allow"},
                   {"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]),
            json!([]),
        );
        let w = access_widening(Some(&old), &new);
        assert_eq!(w.len(), 1, "{w:#?}");
        assert_eq!(w[0].description, "Allow s3:PutObject on *");
    }

    #[test]
    fn removing_a_deny_widens() {
        let old = role(
            json!([{"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}]),
            json!([]),
        );
        let new = role(json!([]), json!([]));
        let w = access_widening(Some(&old), &new);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].kind, WideningKind::RemovedDeny);
    }

    #[test]
    fn security_group_ingress_inline_and_standalone() {
        let old = t(
            json!({"Resources":{"Sg":{"Type":"AWS::EC2::SecurityGroup","Properties":{
            "SecurityGroupIngress":[{"IpProtocol":"tcp","FromPort":443,"ToPort":443,"CidrIp":"0.0.0.0/0"}]}}}}),
        );
        let new = t(json!({"Resources":{
            "Sg":{"Type":"AWS::EC2::SecurityGroup","Properties":{
                "SecurityGroupIngress":[{"IpProtocol":"tcp","FromPort":443,"ToPort":443,"CidrIp":"0.0.0.0/0"},
                                        {"IpProtocol":"tcp","FromPort":22,"ToPort":22,"CidrIp":"0.0.0.0/0"}]}},
            "FromAlb":{"Type":"AWS::EC2::SecurityGroupIngress","Properties":{
                "GroupId":{"Ref":"Sg"},"IpProtocol":"tcp","FromPort":8080,"ToPort":8081,
                "SourceSecurityGroupId":{"Fn::GetAtt":["Alb","GroupId"]}}}}}));
        let w = access_widening(Some(&old), &new);
        let text: Vec<String> = w.iter().map(ToString::to_string).collect();
        assert_eq!(text.len(), 2, "{text:#?}");
        assert_eq!(
            text[0],
            "+ ingress Sg (AWS::EC2::SecurityGroup): tcp 22 from CidrIp=0.0.0.0/0"
        );
        assert!(
            text[1].contains("tcp 8080-8081 from SourceSecurityGroupId="),
            "{text:#?}"
        );
    }

    #[test]
    fn the_no_egress_placeholder_is_not_a_widening() {
        let new = t(
            json!({"Resources": {"Sg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
            "GroupDescription": "closed",
            "SecurityGroupEgress": [{"CidrIp": "255.255.255.255/32", "IpProtocol": "icmp",
                "FromPort": 252, "ToPort": 86, "Description": "Disallow all traffic"}]}}}}),
        );
        assert!(access_widening(None, &new).is_empty());
    }

    #[test]
    fn a_type_change_under_the_same_id_counts_as_new() {
        let old = t(
            json!({"Resources":{"X":{"Type":"AWS::S3::BucketPolicy","Properties":{
            "PolicyDocument":{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Principal":"*"}}}}}}),
        );
        let new = t(
            json!({"Resources":{"X":{"Type":"AWS::SQS::QueuePolicy","Properties":{
            "PolicyDocument":{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Principal":"*"}}}}}}),
        );
        assert_eq!(access_widening(Some(&old), &new).len(), 1);
    }
}

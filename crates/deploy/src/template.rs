//! A read-only view of a CloudFormation template (JSON), with the questions deploy asks of it:
//! which resources it has, their construct paths, deletion policies, and the capabilities it needs.

use std::collections::BTreeSet;
use std::fmt;

use serde_json::{Map, Value};

/// The metadata key under which synth records a resource's construct path.
pub const CONSTRUCT_PATH_KEY: &str = "construct:path";

/// A parsed template. The root is always a JSON object.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Template {
    root: Map<String, Value>,
}

/// One entry of the template's `Resources` section.
#[derive(Debug, Clone, Copy)]
pub struct ResourceView<'a> {
    /// Logical id.
    pub logical_id: &'a str,
    /// The resource's JSON object.
    pub body: &'a Value,
}

impl<'a> ResourceView<'a> {
    /// `Type`, or `""` when absent.
    pub fn resource_type(&self) -> &'a str {
        self.body.get("Type").and_then(Value::as_str).unwrap_or("")
    }

    /// `Properties`, if any.
    pub fn properties(&self) -> Option<&'a Map<String, Value>> {
        self.body.get("Properties").and_then(Value::as_object)
    }

    /// One property.
    pub fn property(&self, name: &str) -> Option<&'a Value> {
        self.properties().and_then(|p| p.get(name))
    }

    /// The construct path recorded by synth in `Metadata`.
    pub fn construct_path(&self) -> Option<&'a str> {
        self.body
            .get("Metadata")
            .and_then(|m| m.get(CONSTRUCT_PATH_KEY))
            .and_then(Value::as_str)
    }

    /// `DeletionPolicy`, defaulting to `Delete`.
    pub fn deletion_policy(&self) -> &'a str {
        self.body
            .get("DeletionPolicy")
            .and_then(Value::as_str)
            .unwrap_or("Delete")
    }
}

impl Template {
    /// Parses template JSON.
    ///
    /// # Errors
    /// The `serde_json` error (with line and column) when the text is not a JSON object.
    pub fn parse(text: &str) -> Result<Self, serde_json::Error> {
        Ok(Self {
            root: serde_json::from_str(text)?,
        })
    }

    /// Wraps a JSON value; anything but an object becomes an empty template.
    pub fn from_value(value: Value) -> Self {
        match value {
            Value::Object(root) => Self { root },
            _ => Self::default(),
        }
    }

    /// The whole template.
    pub fn root(&self) -> &Map<String, Value> {
        &self.root
    }

    /// Resources in template order.
    pub fn resources(&self) -> impl Iterator<Item = ResourceView<'_>> {
        self.root
            .get("Resources")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|m| m.iter())
            .map(|(logical_id, body)| ResourceView { logical_id, body })
    }

    /// The resource with this logical id.
    pub fn resource(&self, logical_id: &str) -> Option<ResourceView<'_>> {
        self.root
            .get("Resources")
            .and_then(Value::as_object)
            .and_then(|r| r.get_key_value(logical_id))
            .map(|(logical_id, body)| ResourceView { logical_id, body })
    }

    /// The construct path of a resource, when synth recorded one.
    pub fn construct_path(&self, logical_id: &str) -> Option<&str> {
        self.resource(logical_id).and_then(|r| r.construct_path())
    }

    /// Number of resources.
    pub fn resource_count(&self) -> usize {
        self.root
            .get("Resources")
            .and_then(Value::as_object)
            .map_or(0, Map::len)
    }

    /// Resources whose `DeletionPolicy` keeps something behind (`Retain`, `RetainExceptOnCreate`,
    /// `Snapshot`), with the policy.
    pub fn retained_on_delete(&self) -> Vec<(String, String, String)> {
        self.resources()
            .filter(|r| r.deletion_policy() != "Delete")
            .map(|r| {
                (
                    r.logical_id.to_owned(),
                    r.resource_type().to_owned(),
                    r.deletion_policy().to_owned(),
                )
            })
            .collect()
    }

    /// The capabilities CloudFormation will demand for this template, detected from its content.
    pub fn required_capabilities(&self) -> BTreeSet<Capability> {
        let mut caps = BTreeSet::new();
        if self.root.contains_key("Transform") || contains_key(&self.root, "Fn::Transform") {
            caps.insert(Capability::AutoExpand);
        }
        for r in self.resources() {
            let ty = r.resource_type();
            if ty.starts_with("AWS::Serverless::") {
                caps.insert(Capability::AutoExpand);
            }
            if ty == "AWS::CloudFormation::Stack" {
                // A nested template is not visible from here: whatever it needs, the parent must grant.
                caps.insert(Capability::Iam);
                caps.insert(Capability::NamedIam);
                caps.insert(Capability::AutoExpand);
            }
            if let Some(name_prop) = iam_name_property(ty) {
                caps.insert(Capability::Iam);
                if name_prop.is_some_and(|p| r.property(p).is_some()) {
                    caps.insert(Capability::NamedIam);
                }
            }
        }
        caps
    }
}

/// For IAM resource types: `Some(name property)` (the property that gives it a custom name, if
/// the type has one). `None` for types that are not IAM resources.
fn iam_name_property(resource_type: &str) -> Option<Option<&'static str>> {
    Some(match resource_type {
        "AWS::IAM::Role" => Some("RoleName"),
        "AWS::IAM::User" => Some("UserName"),
        "AWS::IAM::Group" => Some("GroupName"),
        "AWS::IAM::ManagedPolicy" => Some("ManagedPolicyName"),
        "AWS::IAM::InstanceProfile" => Some("InstanceProfileName"),
        "AWS::IAM::Policy"
        | "AWS::IAM::AccessKey"
        | "AWS::IAM::UserToGroupAddition"
        | "AWS::IAM::RolePolicy"
        | "AWS::IAM::UserPolicy"
        | "AWS::IAM::GroupPolicy"
        | "AWS::IAM::ServiceLinkedRole"
        | "AWS::IAM::OIDCProvider"
        | "AWS::IAM::SAMLProvider" => None,
        _ => return None,
    })
}

fn contains_key(map: &Map<String, Value>, key: &str) -> bool {
    map.iter()
        .any(|(k, v)| k == key || value_contains_key(v, key))
}

fn value_contains_key(value: &Value, key: &str) -> bool {
    match value {
        Value::Object(m) => contains_key(m, key),
        Value::Array(items) => items.iter().any(|v| value_contains_key(v, key)),
        _ => false,
    }
}

/// A CloudFormation capability acknowledgement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Capability {
    /// `CAPABILITY_IAM`: the template creates IAM resources.
    Iam,
    /// `CAPABILITY_NAMED_IAM`: it gives IAM resources custom names.
    NamedIam,
    /// `CAPABILITY_AUTO_EXPAND`: it uses macros or transforms (or nested stacks that might).
    AutoExpand,
}

impl Capability {
    /// The API string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Iam => "CAPABILITY_IAM",
            Self::NamedIam => "CAPABILITY_NAMED_IAM",
            Self::AutoExpand => "CAPABILITY_AUTO_EXPAND",
        }
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn caps(t: Value) -> Vec<Capability> {
        Template::from_value(t)
            .required_capabilities()
            .into_iter()
            .collect()
    }

    #[test]
    fn plain_network_template_needs_no_capability() {
        assert!(caps(json!({"Resources":{"Vpc":{"Type":"AWS::EC2::VPC"}}})).is_empty());
    }

    #[test]
    fn iam_role_needs_iam_and_a_named_role_needs_named_iam() {
        assert_eq!(
            caps(json!({"Resources":{"R":{"Type":"AWS::IAM::Role","Properties":{}}}})),
            [Capability::Iam]
        );
        assert_eq!(
            caps(
                json!({"Resources":{"R":{"Type":"AWS::IAM::Role","Properties":{"RoleName":"x"}}}})
            ),
            [Capability::Iam, Capability::NamedIam]
        );
        // AWS::IAM::Policy's PolicyName is not a "custom name" in the capability sense.
        assert_eq!(
            caps(
                json!({"Resources":{"P":{"Type":"AWS::IAM::Policy","Properties":{"PolicyName":"p"}}}})
            ),
            [Capability::Iam]
        );
    }

    #[test]
    fn transforms_and_serverless_need_auto_expand() {
        assert_eq!(
            caps(json!({"Transform":"AWS::Serverless-2016-10-31","Resources":{}})),
            [Capability::AutoExpand]
        );
        assert_eq!(
            caps(
                json!({"Resources":{"B":{"Type":"AWS::S3::Bucket","Properties":{"Fn::Transform":{"Name":"M"}}}}})
            ),
            [Capability::AutoExpand]
        );
        assert_eq!(
            caps(json!({"Resources":{"F":{"Type":"AWS::Serverless::Function"}}})),
            [Capability::AutoExpand]
        );
    }

    #[test]
    fn construct_path_and_retained_resources() {
        let t = Template::from_value(json!({"Resources":{
            "Db":{"Type":"AWS::RDS::DBInstance","DeletionPolicy":"Snapshot","Metadata":{"construct:path":"App/Db/Resource"}},
            "Vpc":{"Type":"AWS::EC2::VPC"}}}));
        assert_eq!(t.construct_path("Db"), Some("App/Db/Resource"));
        assert_eq!(t.construct_path("Vpc"), None);
        assert_eq!(t.resource_count(), 2);
        assert_eq!(
            t.retained_on_delete(),
            [(
                "Db".to_owned(),
                "AWS::RDS::DBInstance".to_owned(),
                "Snapshot".to_owned()
            )]
        );
    }

    #[test]
    fn non_object_json_is_rejected() {
        assert!(Template::parse("[1]").is_err());
    }
}

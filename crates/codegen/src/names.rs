//! Rust names for CloudFormation names: types in `UpperCamelCase` and fields in `snake_case`,
//! with acronyms normalized (`DBCluster` → `DbCluster`, `EnableIAMDatabaseAuthentication` →
//! `enable_iam_database_authentication`) and keywords escaped with a trailing underscore.

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Rust keywords (strict, reserved and weak ones that cannot name a field or module).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Type names generated code imports or relies on; a generated struct never takes one.
pub const RESERVED_TYPE_NAMES: &[&str] = &[
    "Box",
    "Clone",
    "Constraint",
    "Debug",
    "Default",
    "Handle",
    "Json",
    "List",
    "Map",
    "Option",
    "PartialEq",
    "Prop",
    "Props",
    "Resource",
    "ResourceSchema",
    "Result",
    "Rule",
    "Self",
    "String",
    "Tag",
    "ToProp",
    "Value",
    "Vec",
];

/// `VPC` → `Vpc`, `DBCluster` → `DbCluster`, `iso8601UTC` → `Iso8601Utc`.
pub fn type_name(cfn: &str) -> String {
    let name = cfn.to_upper_camel_case();
    if name.starts_with(|c: char| c.is_ascii_digit()) || name.is_empty() {
        format!("T{name}")
    } else {
        name
    }
}

/// Standard-library names a resource struct must not shadow (a shared name of this crate is
/// written with its path instead, see `emit`).
const PRELUDE: &[&str] = &[
    "Box",
    "Clone",
    "Debug",
    "Default",
    "Option",
    "PartialEq",
    "Result",
    "Self",
    "String",
    "Vec",
];

/// The resource struct's name: [`type_name`], with `Resource` appended in the unlikely case it
/// would shadow a standard-library name.
pub fn resource_type_name(cfn: &str) -> String {
    let name = type_name(cfn);
    if PRELUDE.contains(&name.as_str()) {
        format!("{name}Resource")
    } else {
        name
    }
}

/// `DBSubnetGroupName` → `db_subnet_group_name`, `Type` → `type_`.
pub fn field_name(cfn: &str) -> String {
    let name = cfn.to_snake_case();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("f_{name}")
    } else if KEYWORDS.contains(&name.as_str()) {
        format!("{name}_")
    } else {
        name
    }
}

/// The module (file) name of a resource: `VPCGatewayAttachment` → `vpc_gateway_attachment`.
pub fn module_name(resource: &str) -> String {
    field_name(resource)
}

/// The module name of a service: plain lowercase (`ElasticLoadBalancingV2` → `elasticloadbalancingv2`).
pub fn service_module(service: &str) -> String {
    service.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acronyms_are_normalized() {
        assert_eq!(type_name("VPC"), "Vpc");
        assert_eq!(type_name("EIP"), "Eip");
        assert_eq!(type_name("DBCluster"), "DbCluster");
        assert_eq!(type_name("VPCGatewayAttachment"), "VpcGatewayAttachment");
        assert_eq!(resource_type_name("Rule"), "Rule");
        assert_eq!(resource_type_name("String"), "StringResource");
        assert_eq!(field_name("DBSubnetGroupName"), "db_subnet_group_name");
        assert_eq!(
            field_name("EnableIAMDatabaseAuthentication"),
            "enable_iam_database_authentication"
        );
        assert_eq!(field_name("Ipv6CidrBlock"), "ipv6_cidr_block");
    }

    #[test]
    fn keywords_get_a_trailing_underscore() {
        assert_eq!(field_name("Type"), "type_");
        assert_eq!(field_name("Match"), "match_");
        assert_eq!(field_name("Name"), "name");
    }
}

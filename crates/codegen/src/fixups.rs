//! Hand-maintained corrections to the upstream registry schemas, as data. Each entry says why it
//! exists; the generator fails when an entry no longer changes anything, so stale ones get removed.

/// What a `GetAtt` fix-up adds to the attributes derived from `readOnlyProperties`.
#[derive(Debug, Clone, Copy)]
pub enum GetAttFix {
    /// Every property of the type can be read with `Fn::GetAtt`.
    AllProperties,
    /// These (writable) top-level properties can also be read with `Fn::GetAtt`.
    Properties(&'static [&'static str]),
}

/// Attributes CloudFormation serves that the schema's `readOnlyProperties` do not list.
#[derive(Debug, Clone, Copy)]
pub struct GetAttFixup {
    /// The resource type.
    pub type_name: &'static str,
    /// What to add.
    pub fix: GetAttFix,
    /// Why.
    pub reason: &'static str,
}

const ALL_PROPERTIES_REASON: &str = "CloudFormation lets Fn::GetAtt read every property of this \
     type, but the registry schema lists only the computed ones as readOnlyProperties (cfn-lint \
     1.x carries the same exception list in cfnlint/schema/_getatts.py)";

/// `GetAtt` fix-ups; entries for types not in `schemas/types.txt` are ignored.
pub const GETATT_FIXUPS: &[GetAttFixup] = &[
    GetAttFixup {
        type_name: "AWS::AutoScaling::AutoScalingGroup",
        fix: GetAttFix::AllProperties,
        reason: ALL_PROPERTIES_REASON,
    },
    GetAttFixup {
        type_name: "AWS::EC2::Subnet",
        fix: GetAttFix::AllProperties,
        reason: ALL_PROPERTIES_REASON,
    },
    GetAttFixup {
        type_name: "AWS::EC2::VPC",
        fix: GetAttFix::AllProperties,
        reason: ALL_PROPERTIES_REASON,
    },
    GetAttFixup {
        type_name: "AWS::EFS::MountTarget",
        fix: GetAttFix::AllProperties,
        reason: ALL_PROPERTIES_REASON,
    },
    GetAttFixup {
        type_name: "AWS::ElasticLoadBalancingV2::LoadBalancer",
        fix: GetAttFix::AllProperties,
        reason: ALL_PROPERTIES_REASON,
    },
    GetAttFixup {
        type_name: "AWS::ImageBuilder::Component",
        fix: GetAttFix::AllProperties,
        reason: ALL_PROPERTIES_REASON,
    },
    GetAttFixup {
        type_name: "AWS::ImageBuilder::DistributionConfiguration",
        fix: GetAttFix::AllProperties,
        reason: ALL_PROPERTIES_REASON,
    },
    GetAttFixup {
        type_name: "AWS::ImageBuilder::ImagePipeline",
        fix: GetAttFix::AllProperties,
        reason: ALL_PROPERTIES_REASON,
    },
    GetAttFixup {
        type_name: "AWS::ImageBuilder::ImageRecipe",
        fix: GetAttFix::AllProperties,
        reason: ALL_PROPERTIES_REASON,
    },
    GetAttFixup {
        type_name: "AWS::ImageBuilder::InfrastructureConfiguration",
        fix: GetAttFix::AllProperties,
        reason: ALL_PROPERTIES_REASON,
    },
    GetAttFixup {
        type_name: "AWS::SNS::Topic",
        fix: GetAttFix::AllProperties,
        reason: ALL_PROPERTIES_REASON,
    },
    GetAttFixup {
        type_name: "AWS::SSM::Parameter",
        fix: GetAttFix::AllProperties,
        reason: ALL_PROPERTIES_REASON,
    },
    GetAttFixup {
        type_name: "AWS::EC2::SecurityGroup",
        fix: GetAttFix::Properties(&["VpcId"]),
        reason: "Fn::GetAtt SecurityGroup.VpcId is documented and widely used, but VpcId is a \
                 writable property, so readOnlyProperties omit it (cfn-lint lists it as an \
                 exception too)",
    },
];

/// The `GetAtt` fix-up of a type, if any.
pub fn getatt_fixup(type_name: &str) -> Option<&'static GetAttFixup> {
    GETATT_FIXUPS.iter().find(|f| f.type_name == type_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fixup_has_a_reason_and_one_entry_per_type() {
        for (i, f) in GETATT_FIXUPS.iter().enumerate() {
            assert!(
                !f.reason.trim().is_empty(),
                "{} needs a reason",
                f.type_name
            );
            assert!(
                GETATT_FIXUPS[..i]
                    .iter()
                    .all(|g| g.type_name != f.type_name),
                "{} is listed twice",
                f.type_name
            );
        }
    }
}

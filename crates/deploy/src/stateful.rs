//! Which resource types hold data that a replacement or removal would destroy, and the guard that
//! refuses such change sets unless the user names each resource.
//!
//! One table ([`STATEFUL`]) says which types hold data and why. It is checked against the pinned
//! registry schemas (`schemas/`): every pinned type is either in the table or in
//! [`HOLDS_NO_DATA`], so a type added to the project must be classified (the unit test fails
//! otherwise). Replacement is read cautiously: the service's `Replacement: True`, but also
//! `Conditional`, a missing answer, a `Dynamic` action and a detail evaluated `Dynamic` that may
//! recreate, count as a replacement unless the template diff made with the pinned create-only
//! properties proves the update happens in place.

use serde::Serialize;

use crate::changes::{ChangeAction, Replacement, ResourceChange};
use crate::diff::{DiffKind, TemplateDiff};

/// Resource types whose replacement or deletion loses data, each with the reason.
pub const STATEFUL: &[(&str, &str)] = &[
    ("AWS::RDS::DBCluster", "database cluster: its data"),
    ("AWS::RDS::DBInstance", "database instance: its data"),
    ("AWS::RDS::GlobalCluster", "global database: its data"),
    ("AWS::DocDB::DBCluster", "document database: its data"),
    (
        "AWS::DocDB::DBInstance",
        "document database instance: its data",
    ),
    ("AWS::Neptune::DBCluster", "graph database: its data"),
    (
        "AWS::Neptune::DBInstance",
        "graph database instance: its data",
    ),
    ("AWS::Redshift::Cluster", "data warehouse: its data"),
    ("AWS::DynamoDB::Table", "table: its items"),
    ("AWS::DynamoDB::GlobalTable", "global table: its items"),
    (
        "AWS::ElastiCache::ReplicationGroup",
        "cache cluster: its data (Redis/Valkey persistence, sessions)",
    ),
    ("AWS::ElastiCache::CacheCluster", "cache node: its data"),
    (
        "AWS::ElastiCache::ServerlessCache",
        "serverless cache: its data",
    ),
    (
        "AWS::MemoryDB::Cluster",
        "durable in-memory database: its data",
    ),
    ("AWS::EFS::FileSystem", "file system: its files"),
    ("AWS::FSx::FileSystem", "file system: its files"),
    ("AWS::EC2::Volume", "block volume: its blocks"),
    (
        "AWS::EC2::Instance",
        "instance: its root and instance-store volumes",
    ),
    (
        "AWS::S3::Bucket",
        "bucket: its objects (and its globally unique name)",
    ),
    (
        "AWS::S3Express::DirectoryBucket",
        "directory bucket: its objects",
    ),
    (
        "AWS::SecretsManager::Secret",
        "secret: its value and version history (a new secret breaks readers of the old ARN)",
    ),
    (
        "AWS::KMS::Key",
        "key: everything encrypted under it becomes unreadable once the old key is deleted",
    ),
    (
        "AWS::Route53::HostedZone",
        "hosted zone: its records, and its name servers (delegations to it break)",
    ),
    ("AWS::Logs::LogGroup", "log group: its log events"),
    (
        "AWS::SSM::Parameter",
        "parameter: its value and history (values set outside the template are lost)",
    ),
    ("AWS::Kinesis::Stream", "stream: its unread records"),
    ("AWS::SQS::Queue", "queue: its messages"),
    ("AWS::Cognito::UserPool", "user pool: its users"),
    (
        "AWS::OpenSearchService::Domain",
        "search domain: its indexes",
    ),
    ("AWS::Elasticsearch::Domain", "search domain: its indexes"),
    ("AWS::ECR::Repository", "image repository: its images"),
    (
        "AWS::Backup::BackupVault",
        "backup vault: its recovery points",
    ),
    (
        "AWS::CloudFormation::Stack",
        "nested stack: everything in it, including its stateful resources",
    ),
];

/// Pinned types that hold no data a replacement would lose (networking, compute templates,
/// IAM, pipelines, configuration whose whole state is the template). Kept so that every pinned
/// type is classified one way or the other.
pub const HOLDS_NO_DATA: &[&str] = &[
    "AWS::EC2::VPC",
    "AWS::EC2::Subnet",
    "AWS::EC2::InternetGateway",
    "AWS::EC2::VPCGatewayAttachment",
    "AWS::EC2::RouteTable",
    "AWS::EC2::Route",
    "AWS::EC2::SubnetRouteTableAssociation",
    "AWS::EC2::EIP",
    "AWS::EC2::NatGateway",
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::SecurityGroupIngress",
    "AWS::EC2::SecurityGroupEgress",
    "AWS::EC2::VPCEndpoint",
    "AWS::EC2::FlowLog",
    "AWS::EC2::LaunchTemplate",
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "AWS::ElasticLoadBalancingV2::TargetGroup",
    "AWS::ElasticLoadBalancingV2::Listener",
    "AWS::ElasticLoadBalancingV2::ListenerRule",
    "AWS::CertificateManager::Certificate",
    "AWS::Route53::RecordSet",
    "AWS::AutoScaling::AutoScalingGroup",
    "AWS::AutoScaling::ScalingPolicy",
    "AWS::IAM::Role",
    "AWS::IAM::InstanceProfile",
    "AWS::IAM::Policy",
    "AWS::IAM::ManagedPolicy",
    "AWS::RDS::DBSubnetGroup",
    "AWS::RDS::DBClusterParameterGroup",
    "AWS::SecretsManager::SecretTargetAttachment",
    "AWS::SecretsManager::RotationSchedule",
    "AWS::KMS::Alias",
    "AWS::S3::BucketPolicy",
    "AWS::CloudFront::Distribution",
    "AWS::CloudFront::OriginAccessControl",
    "AWS::CodeBuild::Project",
    "AWS::CodePipeline::Pipeline",
    "AWS::CodeDeploy::Application",
    "AWS::CodeDeploy::DeploymentGroup",
    "AWS::ImageBuilder::Component",
    "AWS::ImageBuilder::ImageRecipe",
    "AWS::ImageBuilder::InfrastructureConfiguration",
    "AWS::ImageBuilder::DistributionConfiguration",
    "AWS::ImageBuilder::ImagePipeline",
    "AWS::ImageBuilder::Image",
    "AWS::ElastiCache::SubnetGroup",
    "AWS::ElastiCache::ParameterGroup",
    "AWS::EFS::MountTarget",
    "AWS::EFS::AccessPoint",
    "AWS::ApplicationAutoScaling::ScalableTarget",
    "AWS::ApplicationAutoScaling::ScalingPolicy",
    "AWS::CloudWatch::Alarm",
    "AWS::SNS::Topic",
    "AWS::SNS::Subscription",
    "AWS::WAFv2::WebACL",
];

/// Why a resource type holds data, `None` when it does not (see [`STATEFUL`]).
pub fn stateful_reason(resource_type: &str) -> Option<&'static str> {
    STATEFUL
        .iter()
        .find(|(t, _)| *t == resource_type)
        .map(|(_, why)| *why)
}

/// Whether a resource type holds data (see [`STATEFUL`]).
pub fn is_stateful(resource_type: &str) -> bool {
    stateful_reason(resource_type).is_some()
}

/// A change that would destroy a stateful resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataLossRisk {
    /// Logical id (what `--allow-replace` takes).
    pub logical_id: String,
    /// Resource type.
    pub resource_type: String,
    /// Construct path, when the template recorded it.
    pub construct_path: Option<String>,
    /// What would happen: "removed", "replaced", "possibly replaced", "changed dynamically".
    pub what: &'static str,
    /// What would be lost (from [`STATEFUL`]).
    pub loses: &'static str,
}

/// Whether the template diff proves that `logical_id` is updated in place: it is modified, and
/// every changed property is known (from the pinned create-only properties) not to replace it.
fn proven_in_place(prediction: Option<&TemplateDiff>, logical_id: &str) -> bool {
    predicted(prediction, logical_id) == Some(Replacement::False)
}

/// What the template diff predicts for a modified resource.
fn predicted(prediction: Option<&TemplateDiff>, logical_id: &str) -> Option<Replacement> {
    prediction
        .and_then(|d| d.resources.iter().find(|r| r.logical_id == logical_id))
        .filter(|r| r.kind == DiffKind::Modified)
        .and_then(|r| r.replacement)
}

/// How a `Modify` of a stateful resource reads: `None` when it is an in-place update.
fn modify_risk(c: &ResourceChange, prediction: Option<&TemplateDiff>) -> Option<&'static str> {
    let always = c
        .details
        .iter()
        .any(|d| d.requires_recreation.as_deref() == Some("Always"));
    if c.replacement == Some(Replacement::True)
        || always
        || predicted(prediction, &c.logical_id) == Some(Replacement::True)
    {
        return Some("replaced");
    }
    // A detail whose effect is only known at execution time, and that may recreate.
    let dynamic = c.details.iter().any(|d| {
        d.evaluation.as_deref() == Some("Dynamic")
            && d.requires_recreation.as_deref() != Some("Never")
    });
    let unsure = c.replacement != Some(Replacement::False) || dynamic;
    if unsure && !proven_in_place(prediction, &c.logical_id) {
        Some(if dynamic {
            "changed dynamically (may be replaced)"
        } else {
            "possibly replaced"
        })
    } else {
        None
    }
}

/// The changes that would replace, remove or dynamically change a stateful resource, minus
/// those `allowed` says yes to. `prediction`: the diff of the deployed against the local
/// template with the pinned create-only properties, which can prove an update in place when the
/// service's answer is `Conditional` or absent.
pub fn data_loss_risks(
    changes: &[ResourceChange],
    allowed: &dyn Fn(&str) -> bool,
    prediction: Option<&TemplateDiff>,
) -> Vec<DataLossRisk> {
    changes
        .iter()
        .filter(|c| !allowed(&c.logical_id))
        .filter_map(|c| {
            let loses = stateful_reason(&c.resource_type)?;
            let what = match c.action {
                ChangeAction::Remove => "removed",
                ChangeAction::Modify => modify_risk(c, prediction)?,
                ChangeAction::Dynamic => "changed dynamically (may be replaced)",
                ChangeAction::Add | ChangeAction::Import => return None,
            };
            Some(DataLossRisk {
                logical_id: c.logical_id.clone(),
                resource_type: c.resource_type.clone(),
                construct_path: c.construct_path.clone(),
                what,
                loses,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::changes::ChangeDetail;
    use crate::template::Template;

    fn change(
        id: &str,
        ty: &str,
        action: ChangeAction,
        replacement: Option<Replacement>,
    ) -> ResourceChange {
        ResourceChange {
            action,
            logical_id: id.into(),
            resource_type: ty.into(),
            replacement,
            ..ResourceChange::default()
        }
    }

    fn none(_: &str) -> bool {
        false
    }

    #[test]
    fn databases_buckets_zones_and_log_groups_are_stateful_subnets_are_not() {
        for ty in [
            "AWS::RDS::DBCluster",
            "AWS::S3::Bucket",
            "AWS::Logs::LogGroup",
            "AWS::KMS::Key",
            "AWS::EFS::FileSystem",
            "AWS::SecretsManager::Secret",
            "AWS::ElastiCache::ReplicationGroup",
            "AWS::DynamoDB::Table",
            "AWS::Route53::HostedZone",
            "AWS::SSM::Parameter",
            "AWS::EC2::Instance",
            "AWS::CloudFormation::Stack",
        ] {
            assert!(is_stateful(ty), "{ty}");
        }
        assert!(!is_stateful("AWS::EC2::Subnet"));
        assert!(!is_stateful("AWS::IAM::Role"));
        assert!(
            stateful_reason("AWS::Route53::HostedZone")
                .unwrap()
                .contains("name servers")
        );
    }

    /// Every type whose registry schema is pinned in `schemas/` is classified: in [`STATEFUL`]
    /// (with a reason) or in [`HOLDS_NO_DATA`], never both.
    #[test]
    fn every_pinned_schema_type_is_classified() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas");
        let mut pinned = Vec::new();
        let mut dirs = vec![root.clone()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "json") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
                    if let Some(name) = v.get("typeName").and_then(|t| t.as_str()) {
                        pinned.push(name.to_owned());
                    }
                }
            }
        }
        assert!(pinned.len() > 50, "schemas found: {}", pinned.len());
        let unclassified: Vec<&String> = pinned
            .iter()
            .filter(|t| !is_stateful(t) && !HOLDS_NO_DATA.contains(&t.as_str()))
            .collect();
        assert!(
            unclassified.is_empty(),
            "pinned types neither in STATEFUL nor in HOLDS_NO_DATA (classify them in \
             crates/deploy/src/stateful.rs): {unclassified:?}"
        );
        let both: Vec<&&str> = HOLDS_NO_DATA.iter().filter(|t| is_stateful(t)).collect();
        assert!(both.is_empty(), "{both:?}");
        for (ty, why) in STATEFUL {
            assert!(!why.is_empty(), "{ty} has no reason");
        }
    }

    #[test]
    fn replacing_or_removing_a_database_is_a_risk_until_allowed() {
        let changes = vec![
            change(
                "Db",
                "AWS::RDS::DBCluster",
                ChangeAction::Modify,
                Some(Replacement::True),
            ),
            change("Logs", "AWS::Logs::LogGroup", ChangeAction::Remove, None),
            change(
                "Files",
                "AWS::EFS::FileSystem",
                ChangeAction::Modify,
                Some(Replacement::Conditional),
            ),
            change(
                "Bucket",
                "AWS::S3::Bucket",
                ChangeAction::Modify,
                Some(Replacement::False),
            ),
            change("New", "AWS::S3::Bucket", ChangeAction::Add, None),
            change(
                "Subnet",
                "AWS::EC2::Subnet",
                ChangeAction::Modify,
                Some(Replacement::True),
            ),
            change(
                "Zone",
                "AWS::Route53::HostedZone",
                ChangeAction::Modify,
                None,
            ),
        ];
        let risks = data_loss_risks(&changes, &none, None);
        let ids: Vec<_> = risks.iter().map(|r| r.logical_id.as_str()).collect();
        assert_eq!(ids, ["Db", "Logs", "Files", "Zone"]);
        assert_eq!(risks[0].what, "replaced");
        assert_eq!(risks[1].what, "removed");
        assert_eq!(risks[2].what, "possibly replaced");
        assert_eq!(
            risks[3].what, "possibly replaced",
            "no answer reads as maybe"
        );
        let allowed = |id: &str| id == "Db" || id == "Logs";
        let risks = data_loss_risks(&changes, &allowed, None);
        let ids: Vec<_> = risks.iter().map(|r| r.logical_id.as_str()).collect();
        assert_eq!(ids, ["Files", "Zone"]);
    }

    #[test]
    fn a_dynamic_detail_may_replace_unless_the_schema_diff_proves_otherwise() {
        let mut c = change(
            "Bucket",
            "AWS::S3::Bucket",
            ChangeAction::Modify,
            Some(Replacement::False),
        );
        c.details.push(ChangeDetail {
            evaluation: Some("Dynamic".into()),
            requires_recreation: Some("Conditionally".into()),
            ..ChangeDetail::default()
        });
        let risks = data_loss_risks(std::slice::from_ref(&c), &none, None);
        assert_eq!(risks[0].what, "changed dynamically (may be replaced)");

        // The pinned create-only list says Tags is not create-only: proven in place.
        let old = Template::parse(
            r#"{"Resources":{"Bucket":{"Type":"AWS::S3::Bucket","Properties":{"Tags":[]}}}}"#,
        )
        .unwrap();
        let new = Template::parse(
            r#"{"Resources":{"Bucket":{"Type":"AWS::S3::Bucket","Properties":{"Tags":[{"Key":"a","Value":"b"}]}}}}"#,
        )
        .unwrap();
        fn create_only(ty: &str) -> Option<&'static [&'static str]> {
            (ty == "AWS::S3::Bucket").then_some(&["/properties/BucketName"][..])
        }
        let d = crate::diff::diff_templates(Some(&old), &new, create_only);
        assert!(data_loss_risks(std::slice::from_ref(&c), &none, Some(&d)).is_empty());
        // Without the metadata the diff proves nothing.
        let d = crate::diff::diff_templates(Some(&old), &new, crate::diff::no_metadata);
        assert_eq!(data_loss_risks(&[c], &none, Some(&d)).len(), 1);
    }
}

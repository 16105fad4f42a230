//! Which resource types hold data that a replacement or removal would destroy, and the guard that
//! refuses such change sets unless the user names each resource.

use serde::Serialize;

use crate::changes::{ChangeAction, Replacement, ResourceChange};

/// Resource types whose replacement or deletion loses data: databases and clusters, file systems,
/// buckets, secrets, caches, log groups, keys, tables, streams, volumes.
pub const STATEFUL_TYPES: &[&str] = &[
    "AWS::RDS::DBCluster",
    "AWS::RDS::DBInstance",
    "AWS::RDS::GlobalCluster",
    "AWS::DocDB::DBCluster",
    "AWS::DocDB::DBInstance",
    "AWS::Neptune::DBCluster",
    "AWS::Neptune::DBInstance",
    "AWS::Redshift::Cluster",
    "AWS::DynamoDB::Table",
    "AWS::DynamoDB::GlobalTable",
    "AWS::ElastiCache::ReplicationGroup",
    "AWS::ElastiCache::CacheCluster",
    "AWS::ElastiCache::ServerlessCache",
    "AWS::MemoryDB::Cluster",
    "AWS::EFS::FileSystem",
    "AWS::FSx::FileSystem",
    "AWS::EC2::Volume",
    "AWS::S3::Bucket",
    "AWS::S3Express::DirectoryBucket",
    "AWS::SecretsManager::Secret",
    "AWS::KMS::Key",
    "AWS::Logs::LogGroup",
    "AWS::Kinesis::Stream",
    "AWS::SQS::Queue",
    "AWS::Cognito::UserPool",
    "AWS::OpenSearchService::Domain",
    "AWS::Elasticsearch::Domain",
    "AWS::ECR::Repository",
    "AWS::Backup::BackupVault",
];

/// Whether a resource type holds data (see [`STATEFUL_TYPES`]).
pub fn is_stateful(resource_type: &str) -> bool {
    STATEFUL_TYPES.contains(&resource_type)
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
}

/// The changes that would replace (True or Conditional), remove, or dynamically change a stateful
/// resource, minus those whose logical id is in `allow_replace`.
pub fn data_loss_risks(changes: &[ResourceChange], allow_replace: &[String]) -> Vec<DataLossRisk> {
    changes
        .iter()
        .filter(|c| is_stateful(&c.resource_type))
        .filter(|c| !allow_replace.iter().any(|a| a == &c.logical_id))
        .filter_map(|c| {
            let what = match (c.action, c.replacement) {
                (ChangeAction::Remove, _) => "removed",
                (ChangeAction::Modify, Some(Replacement::True)) => "replaced",
                (ChangeAction::Modify, Some(Replacement::Conditional)) => "possibly replaced",
                (ChangeAction::Dynamic, _) => "changed dynamically (may be replaced)",
                _ => return None,
            };
            Some(DataLossRisk {
                logical_id: c.logical_id.clone(),
                resource_type: c.resource_type.clone(),
                construct_path: c.construct_path.clone(),
                what,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn databases_buckets_and_log_groups_are_stateful_subnets_are_not() {
        for ty in [
            "AWS::RDS::DBCluster",
            "AWS::S3::Bucket",
            "AWS::Logs::LogGroup",
            "AWS::KMS::Key",
            "AWS::EFS::FileSystem",
            "AWS::SecretsManager::Secret",
            "AWS::ElastiCache::ReplicationGroup",
            "AWS::DynamoDB::Table",
        ] {
            assert!(is_stateful(ty), "{ty}");
        }
        assert!(!is_stateful("AWS::EC2::Subnet"));
        assert!(!is_stateful("AWS::IAM::Role"));
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
        ];
        let risks = data_loss_risks(&changes, &[]);
        let ids: Vec<_> = risks.iter().map(|r| r.logical_id.as_str()).collect();
        assert_eq!(ids, ["Db", "Logs", "Files"]);
        assert_eq!(risks[0].what, "replaced");
        assert_eq!(risks[1].what, "removed");
        assert_eq!(risks[2].what, "possibly replaced");
        let risks = data_loss_risks(&changes, &["Db".into(), "Logs".into()]);
        assert_eq!(risks.len(), 1);
        assert_eq!(risks[0].logical_id, "Files");
    }
}

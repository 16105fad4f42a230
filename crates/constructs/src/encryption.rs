//! Customer-managed KMS keys and encrypted log groups, shared by every construct that stores data.

use crate::error::ConstructError;
use crate::fns;
use crate::iam::{PolicyDocument, Principal, Statement};
use crate::resources::{kms, logs};
use crate::tree::{DeletionPolicy, Handle, ResourceOptions, Scope};
use crate::value::Value;

/// Retention periods CloudWatch Logs accepts, in days.
pub const LOG_RETENTION_DAYS: &[u16] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// Options that keep stateful resources when they leave the template or are replaced.
pub fn retain() -> ResourceOptions {
    ResourceOptions {
        deletion_policy: Some(DeletionPolicy::Retain),
        update_replace_policy: Some(DeletionPolicy::Retain),
        ..ResourceOptions::default()
    }
}

/// A customer-managed KMS key with rotation on, administered by the account and usable by the
/// listed AWS services.
#[derive(Debug, Clone)]
pub struct EncryptionKey {
    key: Handle<kms::Key>,
}

impl EncryptionKey {
    /// Creates the key at `scope/id`. `services` are service principals allowed to use it for
    /// encryption, e.g. `logs.amazonaws.com` (synth writes the region in where needed).
    ///
    /// # Errors
    /// [`ConstructError`] if `id` is taken in `scope`.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        description: &str,
        services: &[Value<String>],
    ) -> Result<Self, ConstructError> {
        let mut statements = vec![
            Statement::allow(["kms:*"], ["*"])
                .sid("AccountAdministers")
                .principal(Principal::Aws(fns::concat([
                    "arn:".into(),
                    fns::partition(),
                    ":iam::".into(),
                    fns::account_id(),
                    ":root".into(),
                ]))),
        ];
        if !services.is_empty() {
            let mut use_key = Statement::allow(
                [
                    "kms:Encrypt*",
                    "kms:Decrypt*",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:Describe*",
                ],
                ["*"],
            )
            .sid("ServicesUseKey");
            for s in services {
                use_key = use_key.principal(Principal::Service(s.clone()));
            }
            statements.push(use_key);
        }
        let key = kms::Key {
            description: Some(description.into()),
            enable_key_rotation: Some(true.into()),
            pending_window_in_days: Some(30.into()),
            key_policy: Some(PolicyDocument::new(statements).json()),
            ..kms::Key::new()
        };
        let key = scope.resource_with(id, key, retain())?;
        Ok(EncryptionKey { key })
    }

    /// The key's ARN.
    pub fn arn(&self) -> Value<String> {
        self.key.attr_arn()
    }

    /// The underlying L1, for escape hatches.
    pub fn l1(&self) -> &Handle<kms::Key> {
        &self.key
    }
}

/// The CloudWatch Logs service principal of the stack's region (`logs.<region>.amazonaws.com`).
pub fn logs_service_principal() -> Value<String> {
    fns::concat(["logs.".into(), fns::region(), ".amazonaws.com".into()])
}

/// A log group encrypted with a customer key, with a retention period, kept on stack deletion.
#[derive(Debug, Clone)]
pub struct EncryptedLogGroup {
    group: Handle<logs::LogGroup>,
}

impl EncryptedLogGroup {
    /// Creates the log group at `scope/id`.
    ///
    /// # Errors
    /// [`ConstructError::InvalidConfig`] if `retention_days` is not a period CloudWatch Logs
    /// offers (see [`LOG_RETENTION_DAYS`]).
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        key: &EncryptionKey,
        retention_days: u16,
    ) -> Result<Self, ConstructError> {
        if !LOG_RETENTION_DAYS.contains(&retention_days) {
            return Err(scope.config_error(
                "retention_days",
                format!("{retention_days} is not offered by CloudWatch Logs; use one of {LOG_RETENTION_DAYS:?}"),
            ));
        }
        let group = logs::LogGroup {
            kms_key_id: Some(key.arn()),
            retention_in_days: Some(i64::from(retention_days).into()),
            ..logs::LogGroup::new()
        };
        let group = scope.resource_with(id, group, retain())?;
        Ok(EncryptedLogGroup { group })
    }

    /// The log group's name (`Ref`).
    pub fn name(&self) -> Value<String> {
        self.group.reference()
    }

    /// The log group's ARN.
    pub fn arn(&self) -> Value<String> {
        self.group.attr_arn()
    }

    /// The underlying L1, for escape hatches.
    pub fn l1(&self) -> &Handle<logs::LogGroup> {
        &self.group
    }
}

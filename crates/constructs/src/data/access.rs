//! [`ReadAccess`]: what reading a secret or parameter takes, derived from the object itself.
//!
//! A secret or parameter encrypted with a customer key can only be read by a principal that
//! may also decrypt with that key. The objects know their key, so the grant comes from them:
//! the read actions on exactly the resource, and `kms:Decrypt` on exactly its key, only
//! through the service that stores it (`kms:ViaService` = `secretsmanager.<region>…` or
//! `ssm.<region>…`). Nothing is listed by hand at the call site.

use crate::fns;
use crate::iam::Statement;
use crate::value::Value;

use super::aurora::SecretRef;
use super::secrets::{AppSecrets, ParameterPath, secret_read_statements};
use super::settings::AppSettings;

/// Something a principal can be allowed to read.
pub trait ReadAccess {
    /// The statements that read it: the read actions on the resource and, when a customer key
    /// encrypts it, `kms:Decrypt` on that key through the storing service only.
    fn read_statements(&self) -> Vec<Statement>;
}

impl ReadAccess for SecretRef {
    fn read_statements(&self) -> Vec<Statement> {
        secret_read_statements(std::slice::from_ref(self))
    }
}

impl ReadAccess for [SecretRef] {
    fn read_statements(&self) -> Vec<Statement> {
        secret_read_statements(self)
    }
}

impl ReadAccess for ParameterPath {
    /// `String` parameters are not encrypted: the read statement alone.
    fn read_statements(&self) -> Vec<Statement> {
        vec![self.read_statement()]
    }
}

impl ReadAccess for AppSecrets {
    fn read_statements(&self) -> Vec<Statement> {
        AppSecrets::read_statements(self)
    }
}

impl ReadAccess for AppSettings {
    /// The namespace's parameters, every referenced or generated secret and their keys.
    fn read_statements(&self) -> Vec<Statement> {
        AppSettings::read_statements(self)
    }
}

/// `SecureString` parameters under a namespace, encrypted with a customer key (created outside
/// CloudFormation, which cannot create `SecureString` parameters).
#[derive(Debug, Clone, PartialEq)]
pub struct EncryptedParameters {
    /// The namespace.
    pub path: ParameterPath,
    /// The ARN of the key that encrypts them.
    pub key_arn: Value<String>,
}

impl ReadAccess for EncryptedParameters {
    fn read_statements(&self) -> Vec<Statement> {
        vec![
            self.path.read_statement(),
            Statement::allow(["kms:Decrypt"], [self.key_arn.clone()]).condition(
                "StringEquals",
                "kms:ViaService",
                [fns::concat([
                    "ssm.".into(),
                    fns::region(),
                    ".amazonaws.com".into(),
                ])],
            ),
        ]
    }
}

//! The application's parameter namespace in SSM Parameter Store and its generated secrets in
//! Secrets Manager, with IAM statements scoped to exactly those.

use crate::encryption::EncryptionKey;
use crate::error::ConstructError;
use crate::fns;
use crate::iam::Statement;
use crate::resources::secretsmanager;
use crate::tree::{DeletionPolicy, Handle, ResourceOptions, Scope};
use crate::value::Value;

use super::aurora::SecretRef;

/// The namespace `/<app>/<env>` under which an application's parameters and secrets live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterPath {
    /// Application name (letters, digits, `.`, `-`, `_`; not starting with `aws` or `ssm`).
    pub app: String,
    /// Environment name, e.g. `dev` or `prod` (same characters as `app`).
    pub env: String,
}

impl Default for ParameterPath {
    fn default() -> Self {
        ParameterPath {
            app: "app".into(),
            env: "dev".into(),
        }
    }
}

fn check_segment(value: &str) -> Result<(), String> {
    if value.is_empty() || value.len() > 64 {
        return Err(format!("{value:?} must be 1 to 64 characters"));
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    {
        return Err(format!(
            "{value:?} may hold only letters, digits, '.', '-' and '_'"
        ));
    }
    let lower = value.to_ascii_lowercase();
    if lower.starts_with("aws") || lower.starts_with("ssm") {
        return Err(format!(
            "{value:?}: parameter paths may not start with \"aws\" or \"ssm\""
        ));
    }
    Ok(())
}

/// Checks a setting's name: an environment variable name, `[A-Z][A-Z0-9_]*`, at most 128
/// characters.
pub(crate) fn check_setting_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 128 {
        return Err(format!("{name:?} must be 1 to 128 characters"));
    }
    if !name.starts_with(|c: char| c.is_ascii_uppercase()) {
        return Err(format!("{name:?} must start with an upper-case letter"));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(format!(
            "{name:?} may hold only upper-case letters, digits and '_'"
        ));
    }
    Ok(())
}

impl ParameterPath {
    /// A namespace for `app` in `env`.
    pub fn new(app: impl Into<String>, env: impl Into<String>) -> Self {
        ParameterPath {
            app: app.into(),
            env: env.into(),
        }
    }

    /// Checks both segments; the error names the field (`path.app` or `path.env`).
    ///
    /// # Errors
    /// `(field, message)`.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        check_segment(&self.app).map_err(|m| ("path.app", m))?;
        check_segment(&self.env).map_err(|m| ("path.env", m))?;
        Ok(())
    }

    /// `/<app>/<env>`.
    pub fn prefix(&self) -> String {
        format!("/{}/{}", self.app, self.env)
    }

    /// `/<app>/<env>/<key>`.
    pub fn name(&self, key: &str) -> String {
        format!("{}/{key}", self.prefix())
    }

    /// The parameter ARNs covering exactly this namespace: the path itself (for
    /// `GetParametersByPath`) and everything below it.
    pub fn parameter_arns(&self) -> [Value<String>; 2] {
        let path = format!("parameter{}", self.prefix());
        [
            fns::arn("ssm", fns::region(), fns::account_id(), path.clone()),
            fns::arn("ssm", fns::region(), fns::account_id(), format!("{path}/*")),
        ]
    }

    /// Read access to exactly this namespace. `ssm:DescribeParameters` is not granted: it has no
    /// resource-level permissions; apps list their settings with `GetParametersByPath`.
    pub fn read_statement(&self) -> Statement {
        Statement::allow(
            [
                "ssm:GetParameter",
                "ssm:GetParameters",
                "ssm:GetParametersByPath",
            ],
            self.parameter_arns(),
        )
    }
}

/// The Secrets Manager service principal of the stack's region, for `kms:ViaService`.
fn secrets_manager_via() -> Value<String> {
    fns::concat([
        "secretsmanager.".into(),
        fns::region(),
        ".amazonaws.com".into(),
    ])
}

/// Statements reading `secrets` (and decrypting them through Secrets Manager only).
pub fn secret_read_statements(secrets: &[SecretRef]) -> Vec<Statement> {
    if secrets.is_empty() {
        return Vec::new();
    }
    let mut arns: Vec<Value<String>> = Vec::new();
    let mut keys: Vec<Value<String>> = Vec::new();
    for s in secrets {
        if !arns.contains(&s.arn) {
            arns.push(s.arn.clone());
        }
        if !keys.contains(&s.key_arn) {
            keys.push(s.key_arn.clone());
        }
    }
    vec![
        Statement::allow(
            [
                "secretsmanager:GetSecretValue",
                "secretsmanager:DescribeSecret",
            ],
            arns,
        ),
        Statement::allow(["kms:Decrypt"], keys).condition(
            "StringEquals",
            "kms:ViaService",
            [secrets_manager_via()],
        ),
    ]
}

/// One generated secret: a random string made by Secrets Manager at deploy time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedSecret {
    /// Setting name, e.g. `SECRET_KEY`; the secret is named `/<app>/<env>/<name>`.
    pub name: String,
    /// What it is for.
    pub description: String,
    /// Length (32 to 4096).
    pub length: u16,
}

impl GeneratedSecret {
    /// A 50-character secret (a web framework's signing key).
    pub fn new(name: impl Into<String>, description: impl Into<String>) -> Self {
        GeneratedSecret {
            name: name.into(),
            description: description.into(),
            length: 50,
        }
    }
}

/// Options of [`AppSecrets`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppSecretsProps {
    /// The namespace the secrets are named under.
    pub path: ParameterPath,
    /// The secrets to generate.
    pub secrets: Vec<GeneratedSecret>,
}

/// Generated application secrets (e.g. the web framework's secret key) in Secrets Manager,
/// encrypted with a customer key. CloudFormation cannot create SSM `SecureString` parameters,
/// so secrets live here and never in Parameter Store or the template.
#[derive(Debug, Clone)]
pub struct AppSecrets {
    secrets: Vec<(String, Handle<secretsmanager::Secret>)>,
    key_arn: Value<String>,
}

impl AppSecrets {
    /// Creates one secret per entry at `scope/id/<name>`, encrypted with `key`.
    ///
    /// # Errors
    /// [`ConstructError::InvalidConfig`] naming `path.app`, `path.env`, `secrets.name` (not an
    /// upper-case variable name, or a duplicate) or `secrets.length`.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        props: &AppSecretsProps,
        key: &EncryptionKey,
    ) -> Result<Self, ConstructError> {
        let mut s = scope.child(id)?;
        if let Err((field, message)) = props.path.validate() {
            return Err(s.config_error(field, message));
        }
        let mut secrets = Vec::new();
        for spec in &props.secrets {
            check_setting_name(&spec.name).map_err(|m| s.config_error("secrets.name", m))?;
            if secrets.iter().any(|(n, _)| *n == spec.name) {
                return Err(
                    s.config_error("secrets.name", format!("{:?} is listed twice", spec.name))
                );
            }
            if !(32..=4096).contains(&spec.length) {
                return Err(s.config_error(
                    "secrets.length",
                    format!("{}: use 32 to 4096 characters", spec.length),
                ));
            }
            let handle = s.resource_with(
                &spec.name,
                secretsmanager::Secret {
                    name: Some(props.path.name(&spec.name).into()),
                    description: Some(spec.description.clone().into()),
                    kms_key_id: Some(key.arn()),
                    generate_secret_string: Some(
                        secretsmanager::secret::GenerateSecretString {
                            password_length: Some(i64::from(spec.length).into()),
                            // Safe in env files, shells and URLs.
                            exclude_punctuation: Some(true.into()),
                            require_each_included_type: Some(true.into()),
                            ..secretsmanager::secret::GenerateSecretString::new()
                        }
                        .into(),
                    ),
                    ..secretsmanager::Secret::new()
                },
                // Explicitly `Delete`: the value is generated, so a new stack generates a new
                // one, and a kept secret would block it (its name is fixed under the path).
                ResourceOptions {
                    deletion_policy: Some(DeletionPolicy::Delete),
                    update_replace_policy: Some(DeletionPolicy::Delete),
                    ..ResourceOptions::default()
                },
            )?;
            secrets.push((spec.name.clone(), handle));
        }
        Ok(AppSecrets {
            secrets,
            key_arn: key.arn(),
        })
    }

    /// The ARN of the secret of setting `name`, if generated here.
    pub fn arn(&self, name: &str) -> Option<Value<String>> {
        self.secrets
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, h)| h.reference())
    }

    /// Every generated secret with its key.
    pub fn refs(&self) -> Vec<SecretRef> {
        self.secrets
            .iter()
            .map(|(_, h)| SecretRef {
                arn: h.reference(),
                key_arn: self.key_arn.clone(),
            })
            .collect()
    }

    /// Statements reading exactly these secrets.
    pub fn read_statements(&self) -> Vec<Statement> {
        secret_read_statements(&self.refs())
    }
}

//! Data: Aurora Serverless v2, application secrets and parameters, app settings profiles.
//!
//! - [`AuroraServerless`]: the database, in isolated subnets behind its own security tier;
//! - [`AppSecrets`] and [`ParameterPath`]: generated secrets and the `/<app>/<env>` namespace;
//! - [`ReadAccess`]: read grants derived from secrets and parameters, with `kms:Decrypt` on
//!   the key that encrypts them;
//! - [`AppSettings`]: the settings contract rendered as the cloud profile (parameters, secrets,
//!   IAM statements, env file, CodeBuild variables) and the local profile (a dotenv file).
//!
//! ```
//! use constructs::data::{AppSettingsProps, ParameterPath, Setting};
//!
//! let props = AppSettingsProps {
//!     path: ParameterPath::new("dashboard", "dev"),
//!     settings: vec![
//!         Setting::literal("DEBUG", "Debug pages", "false"),
//!         Setting::generated("SECRET_KEY", "The web framework's signing key"),
//!     ],
//!     ..AppSettingsProps::default()
//! };
//! let dotenv = props.local_dotenv();
//! assert!(dotenv.contains("APP_PROFILE=local"));
//! assert!(dotenv.contains("SECRET_KEY=insecure-local-dev-"));
//! ```

mod access;
mod aurora;
mod secrets;
mod settings;

pub use access::{EncryptedParameters, ReadAccess};
pub use aurora::{
    AuroraServerless, AuroraServerlessProps, Capacity, DEFAULT_MYSQL_VERSION,
    DEFAULT_POSTGRES_VERSION, Engine, SecretRef,
};
pub use secrets::{
    AppSecrets, AppSecretsProps, GeneratedSecret, ParameterPath, secret_read_statements,
};
pub use settings::{
    AppSettings, AppSettingsProps, DatabaseSettingNames, LocalDatabase, Setting, SettingSource,
    database_settings, database_settings_named,
};

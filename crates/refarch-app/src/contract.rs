//! The one contract between the templates and the sample application in `app/`.
//!
//! Every name both sides must agree on is defined here once: the profile and namespace
//! variables, each setting with where it lives, the database's setting names, the HTTP port and
//! health path, and how the application is installed and run (directories, service user, WSGI
//! entry point, migration command). [`crate::arch`] builds the settings, workloads, image layer
//! and migrations pipeline from it; [`Contract::json`] is checked in as
//! `app/refarch_site/contract.json`, which the application loads (a test fails when the copy
//! drifts; regenerate it with `refarch-app contract > app/refarch_site/contract.json`).
//!
//! Where a setting lives in the cloud profile (namespace `/<app>/<env>`):
//! - [`SettingKind::Parameter`]: a `String` parameter `<namespace>/<NAME>`;
//! - [`SettingKind::Secret`] and [`SettingKind::Credential`]: a parameter
//!   `<namespace>/secret/<NAME>` holding a reference, `<secret ARN>` or `<secret ARN>:<key>`.
//!   Secrets are resolved at start-up; credentials (the database's user and password, which RDS
//!   rotates) each time the application opens a database connection.

use serde::Serialize;

/// The path of the checked-in copy of [`Contract::json`], relative to the repository root.
pub const CHECKED_IN_PATH: &str = "app/refarch_site/contract.json";

/// Where a setting's value lives and when the application reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SettingKind {
    /// A plain value: an SSM `String` parameter in the cloud.
    Parameter,
    /// A secret read once at start-up, through a reference parameter.
    Secret,
    /// A database credential read at every connection, through a reference parameter.
    Credential,
}

/// One setting of the contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContractSetting {
    /// The environment-variable style name, e.g. `DATABASE_HOST`.
    pub name: &'static str,
    /// Where it lives.
    pub kind: SettingKind,
    /// What it configures.
    pub description: &'static str,
}

/// The names of the settings that point the application at its database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DatabaseNames {
    /// Engine family (`postgresql`).
    pub engine: &'static str,
    /// Writer endpoint.
    pub host: &'static str,
    /// Port.
    pub port: &'static str,
    /// Database name.
    pub name: &'static str,
    /// libpq `sslmode`.
    pub ssl_mode: &'static str,
    /// ARN of the cluster's managed master secret.
    pub secret_arn: &'static str,
    /// User (a credential).
    pub user: &'static str,
    /// Password (a credential).
    pub password: &'static str,
}

/// What the load balancer talks to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Http {
    /// The port the application listens on (the target group's port).
    pub port: u16,
    /// Answers 200 to `GET` whatever the `Host` header (the balancer's health check).
    pub health_path: &'static str,
    /// A JSON page reporting the database's state.
    pub status_path: &'static str,
}

/// How the application is installed on an instance and run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Service {
    /// The systemd unit's name, without `.service`.
    pub unit: &'static str,
    /// The dedicated system user (and group) the service runs as.
    pub user: &'static str,
    /// The application's source directory (holds `manage.py`).
    pub app_dir: &'static str,
    /// The Python virtual environment.
    pub venv: &'static str,
    /// The cloud-profile env file written by the instance's boot script.
    pub env_file: &'static str,
    /// The WSGI application.
    pub wsgi: &'static str,
    /// Gunicorn worker processes.
    pub workers: u8,
    /// The Python interpreter the image installs and builds the venv with.
    pub python: &'static str,
    /// The service user's uid and gid, fixed so that files on the shared file system (whose
    /// access point maps every client to them) belong to it on every instance.
    pub uid: u32,
    /// Where media files live on an instance: the shared file system's mount point, or a local
    /// directory when the architecture has none (the app's `MEDIA_ROOT` in the cloud).
    pub media_dir: &'static str,
    /// The `collectstatic` output inside the application directory (the app's `STATIC_ROOT`;
    /// its files are published to the static files' bucket, its `staticfiles.json` stays).
    pub static_dir: &'static str,
}

/// The contract (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contract {
    /// Format version of the JSON rendering.
    pub version: u32,
    /// The variable naming the profile.
    pub profile_variable: &'static str,
    /// The profiles.
    pub profiles: [&'static str; 2],
    /// The variable holding the parameter namespace (cloud profile).
    pub prefix_variable: &'static str,
    /// The variable holding the AWS region (cloud profile).
    pub region_variable: &'static str,
    /// The variable naming the dotenv file (local profile; default `app/.env`).
    pub dotenv_variable: &'static str,
    /// The namespace segment under which secret references live.
    pub secret_segment: &'static str,
    /// Every setting, in the order they are rendered.
    pub settings: Vec<ContractSetting>,
    /// The database's setting names.
    pub database: DatabaseNames,
    /// HTTP.
    pub http: Http,
    /// Installation and service.
    pub service: Service,
    /// The command that migrates the database, run in `service.app_dir`.
    pub migrate_command: &'static str,
}

/// The web framework's signing key (generated).
pub const SECRET_KEY: &str = "SECRET_KEY";
/// Debug pages (`false` in the cloud).
pub const DEBUG: &str = "DEBUG";
/// Host names the application answers to.
pub const ALLOWED_HOSTS: &str = "ALLOWED_HOSTS";
/// Where pages load static files from (the CDN's `https://<domain>/`, or `/static/`).
pub const STATIC_URL: &str = "STATIC_URL";
/// The directory media files are written to (`service.media_dir` in the cloud).
pub const MEDIA_ROOT: &str = "MEDIA_ROOT";

/// The database's setting names.
pub const DATABASE: DatabaseNames = DatabaseNames {
    engine: "DATABASE_ENGINE",
    host: "DATABASE_HOST",
    port: "DATABASE_PORT",
    name: "DATABASE_NAME",
    ssl_mode: "DATABASE_SSL_MODE",
    secret_arn: "DATABASE_SECRET_ARN",
    user: "DATABASE_USER",
    password: "DATABASE_PASSWORD",
};

/// The contract.
pub fn contract() -> Contract {
    use SettingKind::{Credential, Parameter, Secret};
    let setting = |name, kind, description| ContractSetting {
        name,
        kind,
        description,
    };
    let d = DATABASE;
    Contract {
        version: 1,
        profile_variable: "APP_PROFILE",
        profiles: ["local", "cloud"],
        prefix_variable: "APP_SETTINGS_PREFIX",
        region_variable: "AWS_DEFAULT_REGION",
        dotenv_variable: "APP_DOTENV",
        secret_segment: "secret",
        settings: vec![
            setting(SECRET_KEY, Secret, "The web framework's signing key"),
            setting(DEBUG, Parameter, "Debug pages (never in the cloud)"),
            setting(ALLOWED_HOSTS, Parameter, "Host names the app answers to"),
            setting(d.engine, Parameter, "Database engine family"),
            setting(d.host, Parameter, "Database writer endpoint"),
            setting(d.port, Parameter, "Database port"),
            setting(d.name, Parameter, "Database name"),
            setting(d.ssl_mode, Parameter, "TLS to the database (libpq sslmode)"),
            setting(
                d.secret_arn,
                Parameter,
                "ARN of the database credentials secret (also for the Data API)",
            ),
            setting(d.user, Credential, "Database user"),
            setting(d.password, Credential, "Database password"),
            setting(
                STATIC_URL,
                Parameter,
                "Base URL of the static files (the CDN)",
            ),
            setting(
                MEDIA_ROOT,
                Parameter,
                "Directory of the media files (the shared file system)",
            ),
        ],
        database: d,
        http: Http {
            port: 8000,
            health_path: "/healthz",
            status_path: "/status/",
        },
        service: Service {
            unit: "refarch-app",
            user: "refarch",
            app_dir: "/opt/refarch/app",
            venv: "/opt/refarch/venv",
            env_file: "/etc/refarch/app.env",
            wsgi: "refarch_site.wsgi:application",
            workers: 2,
            python: "python3.12",
            uid: 1500,
            media_dir: "/var/lib/refarch/media",
            static_dir: "collected_static",
        },
        migrate_command: "python manage.py migrate --noinput",
    }
}

impl Contract {
    /// The JSON rendering the application loads (pretty, with a final newline).
    pub fn json(&self) -> String {
        let mut out = serde_json::to_string_pretty(self).unwrap_or_default();
        out.push('\n');
        out
    }

    /// The setting called `name`.
    pub fn setting(&self, name: &str) -> Option<&ContractSetting> {
        self.settings.iter().find(|s| s.name == name)
    }

    /// The service's systemd unit: gunicorn on `port` as the dedicated user, the settings from
    /// the env file the boot script writes, restarted on failure; it starts once the media
    /// directory is mounted (when it is a mount) and may write there and nowhere else.
    pub fn systemd_unit(&self, port: u16) -> String {
        let s = &self.service;
        format!(
            "[Unit]\n\
             Description=Sample application (gunicorn on port {port})\n\
             Wants=network-online.target\n\
             After=network-online.target\n\
             RequiresMountsFor={media}\n\
             \n\
             [Service]\n\
             Type=simple\n\
             User={user}\n\
             Group={user}\n\
             WorkingDirectory={app_dir}\n\
             EnvironmentFile={env_file}\n\
             ExecStart={venv}/bin/gunicorn --bind 0.0.0.0:{port} --workers {workers} --access-logfile - --error-logfile - {wsgi}\n\
             Restart=on-failure\n\
             RestartSec=5\n\
             TimeoutStopSec=30\n\
             NoNewPrivileges=yes\n\
             PrivateTmp=yes\n\
             ProtectSystem=strict\n\
             ProtectHome=yes\n\
             ReadWritePaths={media}\n\
             \n\
             [Install]\n\
             WantedBy=multi-user.target\n",
            user = s.user,
            app_dir = s.app_dir,
            env_file = s.env_file,
            venv = s.venv,
            workers = s.workers,
            wsgi = s.wsgi,
            media = s.media_dir,
        )
    }

    /// The path of the unit file on instances.
    pub fn unit_path(&self) -> String {
        format!("/etc/systemd/system/{}.service", self.service.unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_the_database_names_are_settings() {
        let c = contract();
        let mut names: Vec<&str> = c.settings.iter().map(|s| s.name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before, "a setting is listed twice");
        let d = &c.database;
        for n in [
            d.engine,
            d.host,
            d.port,
            d.name,
            d.ssl_mode,
            d.secret_arn,
            d.user,
            d.password,
        ] {
            assert!(c.setting(n).is_some(), "{n} is not a setting");
        }
        assert_eq!(
            c.setting(d.user).map(|s| s.kind),
            Some(SettingKind::Credential)
        );
        assert_eq!(
            c.setting(d.password).map(|s| s.kind),
            Some(SettingKind::Credential)
        );
    }

    #[test]
    fn the_unit_runs_gunicorn_on_the_given_port_from_the_env_file() {
        let c = contract();
        let unit = c.systemd_unit(8123);
        assert!(unit.contains("\nExecStart=/opt/refarch/venv/bin/gunicorn --bind 0.0.0.0:8123 "));
        assert!(unit.contains("\nEnvironmentFile=/etc/refarch/app.env\n"));
        assert!(unit.contains("\nRestart=on-failure\n"));
        assert!(unit.contains("\nUser=refarch\n"));
        assert!(unit.contains("\nRequiresMountsFor=/var/lib/refarch/media\n"));
        assert!(unit.contains("\nReadWritePaths=/var/lib/refarch/media\n"));
    }

    /// The checked-in copy the application loads is exactly [`Contract::json`].
    #[test]
    fn the_checked_in_contract_matches_the_definition() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(CHECKED_IN_PATH);
        let on_disk = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        assert!(
            on_disk == contract().json(),
            "{CHECKED_IN_PATH} drifted from crates/refarch-app/src/contract.rs; regenerate it with \
             `cargo run -p refarch-app -- contract > {CHECKED_IN_PATH}`"
        );
    }
}

//! The application's image layer and boot files, generated from the [`Contract`].
//!
//! The middleware layer ([`python_middleware`]) installs the Python runtime; the application
//! layer ([`application_layer`]) installs the application the way the contract says: a system
//! user, the source (a zip archive from S3, or a Git checkout) in `service.app_dir` and a
//! virtual environment with its pinned requirements in `service.venv`. Each workload's boot
//! script then writes the cloud-profile env file and the systemd unit (gunicorn on that
//! workload's target-group port) and starts the service; see [`boot_files`].

use constructs::compute::{ComponentSpec, LayerSpec, UserDataFile};
use constructs::iam::Statement;
use constructs::resources::iam;
use constructs::storage::MountUnit;
use constructs::value::Value;
use constructs::{ConstructError, Handle, Scope, fns};

use crate::config::parse_s3_uri;
use crate::contract::Contract;

/// Where the application layer gets the application from.
#[derive(Debug, Clone, PartialEq)]
pub enum AppSource {
    /// The application's directory shipped as a file asset: the layer downloads the asset's
    /// object (its URI passed as the component parameter `ArchiveUri`, since the bucket name
    /// holds the account and region) and checks it against `sha256`, which is in the component
    /// document, so a new archive is a new component version and so a new image.
    Asset {
        /// The asset's `s3://` URI ([`constructs::asset::Asset::s3_uri`]).
        uri: Value<String>,
        /// The asset object's ARN, for the build's read grant.
        object_arn: Value<String>,
        /// SHA-256 of the archive.
        sha256: String,
    },
    /// An existing zip archive with the application at its root, e.g. `s3://assets/app.zip`.
    Archive {
        /// The `s3://bucket/key` URI.
        uri: String,
    },
    /// A Git repository cloned at build time.
    Git {
        /// `https://…` URL.
        url: String,
        /// Branch or tag.
        reference: String,
        /// Directory of the repository holding the application.
        path: String,
    },
}

/// Quotes `s` for a POSIX shell.
fn sh(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// The application layer: the service user, the source and its virtual
/// environment, checked (`manage.py check --deploy` cannot run without settings, so the build
/// verifies the entry points exist and compile).
pub fn application_layer(contract: &Contract, source: &AppSource) -> LayerSpec {
    let s = &contract.service;
    let staging = "/var/tmp/app-source";
    let fetch: Vec<String> = match source {
        AppSource::Asset { sha256, .. } => vec![
            format!("rm -rf {staging} && install -d -m 0700 {staging}"),
            format!("aws s3 cp --only-show-errors '{{{{ ArchiveUri }}}}' {staging}/app.zip"),
            format!("echo '{sha256}  {staging}/app.zip' | sha256sum --check --quiet -"),
            format!("unzip -q {staging}/app.zip -d {staging}/app"),
        ],
        AppSource::Archive { uri } => vec![
            format!("rm -rf {staging} && install -d -m 0700 {staging}"),
            format!("aws s3 cp --only-show-errors {} {staging}/app.zip", sh(uri)),
            format!("unzip -q {staging}/app.zip -d {staging}/app"),
        ],
        AppSource::Git {
            url,
            reference,
            path,
        } => vec![
            format!("rm -rf {staging} && install -d -m 0700 {staging}"),
            format!(
                "git clone --quiet --depth 1 --branch {} {} {staging}/repo",
                sh(reference),
                sh(url)
            ),
            format!("mv {staging}/repo/{} {staging}/app", sh(path)),
        ],
    };
    let mut install = fetch;
    install.extend([
        format!("test -f {staging}/app/manage.py && test -f {staging}/app/requirements.txt"),
        format!("rm -rf {app} && install -d -m 0755 \"$(dirname {app})\"", app = s.app_dir),
        format!("cp -a {staging}/app {}", s.app_dir),
        format!("chown -R root:root {app} && chmod -R u=rwX,go=rX {app}", app = s.app_dir),
        format!("rm -rf {venv} && {python} -m venv {venv}", venv = s.venv, python = s.python),
        format!(
            "{venv}/bin/python -m pip install --quiet --no-cache-dir --disable-pip-version-check -r {app}/requirements.txt",
            venv = s.venv,
            app = s.app_dir
        ),
        format!("{}/bin/python -m compileall -q {}", s.venv, s.app_dir),
        format!("test -x {}/bin/gunicorn", s.venv),
        format!("rm -rf {staging}"),
    ]);
    LayerSpec {
        components: vec![
            ComponentSpec::commands(
                "service-user",
                "The system user the application runs as (no login, no home)",
                [
                    // A fixed uid/gid: the shared file system's access point maps every client
                    // to it, so files there belong to this user on every instance.
                    format!(
                        "getent group {user} >/dev/null || groupadd --system --gid {uid} {user}",
                        user = s.user,
                        uid = s.uid
                    ),
                    format!(
                        "id -u {user} >/dev/null 2>&1 || useradd --system --uid {uid} --gid {uid} --no-create-home --home-dir /nonexistent --shell /sbin/nologin {user}",
                        user = s.user,
                        uid = s.uid
                    ),
                    format!(
                        "test \"$(id -u {user}):$(id -g {user})\" = {uid}:{uid}",
                        user = s.user,
                        uid = s.uid
                    ),
                ],
            ),
            match source {
                AppSource::Asset { uri, .. } => ComponentSpec::commands(
                    "app",
                    "The application and its virtual environment (pinned requirements)",
                    install,
                )
                .with_parameter(
                    "ArchiveUri",
                    "S3 URI of the application archive (an asset of the assembly)",
                    uri.clone(),
                ),
                _ => ComponentSpec::commands(
                    "app",
                    "The application and its virtual environment (pinned requirements)",
                    install,
                ),
            },
        ],
        version: "1.0".into(),
    }
}

/// The middleware layer: the Python runtime the contract's service runs on (the system layer
/// below brings `git` and `unzip`) and the EFS mount helper (`amazon-efs-utils`: TLS mounts,
/// IAM authorization) the boot script mounts the shared file system with.
pub fn python_middleware(contract: &Contract) -> LayerSpec {
    let python = contract.service.python;
    LayerSpec {
        components: vec![ComponentSpec::commands(
            "python",
            "The Python runtime and pip the application's virtual environment is built with, and the EFS mount helper",
            [
                format!("dnf install -y {python} {python}-pip amazon-efs-utils"),
                format!("{python} -m venv --help >/dev/null"),
                "test -x /sbin/mount.efs".to_owned(),
            ],
        )],
        version: "1.0".into(),
    }
}

/// Lets the image build (`role`) read exactly the application archive: `s3:GetObject` on that
/// one object, the asset's or the configured archive's (a Git source needs no grant). Adds a policy at `scope/AmiReadsApplicationArchive`.
///
/// # Errors
/// [`ConstructError::InvalidConfig`] naming `application.archive_uri` if it is not
/// `s3://bucket/key`; [`ConstructError`] if the id is taken.
pub fn grant_source_read(
    scope: &mut Scope<'_>,
    role: &Handle<iam::Role>,
    source: &AppSource,
) -> Result<(), ConstructError> {
    let object = match source {
        AppSource::Asset { object_arn, .. } => object_arn.clone(),
        AppSource::Archive { uri } => {
            let Some((bucket, key)) = parse_s3_uri(uri) else {
                return Err(scope.config_error(
                    "application.archive_uri",
                    format!("{uri:?} is not s3://bucket/key"),
                ));
            };
            fns::concat([
                "arn:".into(),
                fns::partition(),
                format!(":s3:::{bucket}/{key}").into(),
            ])
        }
        AppSource::Git { .. } => return Ok(()),
    };
    constructs::iam::grant(
        scope,
        "AmiReadsApplicationArchive",
        role,
        [Statement::allow(["s3:GetObject"], [object])],
    )?;
    Ok(())
}

/// The files a workload's boot script writes: the cloud-profile env file and the systemd unit
/// serving on `port`, and the commands that start the service. With `mount` (the shared file
/// system's mount unit) the media directory is mounted first; without, it is a local
/// directory of the service user.
pub fn boot_files(
    contract: &Contract,
    env_file: Value<String>,
    port: u16,
    mount: Option<&MountUnit>,
) -> (Vec<UserDataFile>, Vec<String>) {
    let s = &contract.service;
    let mut unit = UserDataFile::new(contract.unit_path(), contract.systemd_unit(port));
    unit.mode = 0o644;
    let mut files = vec![UserDataFile::new(s.env_file, env_file), unit];
    let mut commands = vec!["systemctl daemon-reload".to_owned()];
    match mount {
        Some(m) => {
            let mut f =
                UserDataFile::new(format!("/etc/systemd/system/{}", m.name), m.content.clone());
            f.mode = 0o644;
            files.push(f);
            commands.push(format!("systemctl enable --now {}", m.name));
        }
        None => commands.push(format!(
            "install -d -o {user} -g {user} -m 0750 {dir}",
            user = s.user,
            dir = s.media_dir
        )),
    }
    commands.push(format!("systemctl enable --now {}.service", s.unit));
    (files, commands)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::contract;

    #[test]
    fn the_archive_layer_fetches_exactly_the_uri_and_installs_where_the_unit_runs() {
        let c = contract();
        let layer = application_layer(
            &c,
            &AppSource::Archive {
                uri: "s3://assets-bucket/app/app-1.zip".into(),
            },
        );
        assert_eq!(layer.version, "1.0");
        let text = format!("{:?}", layer.components);
        assert!(text.contains("aws s3 cp --only-show-errors 's3://assets-bucket/app/app-1.zip'"));
        assert!(text.contains("/opt/refarch/venv/bin/python -m pip install"));
        assert!(!text.contains("git clone"));
        assert!(
            c.systemd_unit(8000)
                .contains("WorkingDirectory=/opt/refarch/app\n")
        );
        // The venv is built with the interpreter the middleware layer installs.
        assert!(text.contains("python3.12 -m venv /opt/refarch/venv"));
        let middleware = format!("{:?}", python_middleware(&c).components);
        assert!(middleware.contains("dnf install -y python3.12 python3.12-pip amazon-efs-utils"));
    }

    #[test]
    fn the_asset_layer_downloads_the_parameter_uri_and_checks_the_hash() {
        let layer = application_layer(
            &contract(),
            &AppSource::Asset {
                uri: "s3://cfnrs-assets-1-r/assets/abc.zip".into(),
                object_arn: "arn:aws:s3:::cfnrs-assets-1-r/assets/abc.zip".into(),
                sha256: "abc".into(),
            },
        );
        let app = &layer.components[1];
        assert_eq!(app.parameters.len(), 1);
        assert_eq!(app.parameters[0].name, "ArchiveUri");
        assert_eq!(
            app.parameters[0].value,
            Value::from("s3://cfnrs-assets-1-r/assets/abc.zip")
        );
        let text = format!("{:?}", app.body);
        assert!(text.contains(
            "aws s3 cp --only-show-errors '{{ ArchiveUri }}' /var/tmp/app-source/app.zip"
        ));
        assert!(
            text.contains("echo 'abc  /var/tmp/app-source/app.zip' | sha256sum --check --quiet -")
        );
    }

    #[test]
    fn the_git_layer_clones_the_reference() {
        let layer = application_layer(
            &contract(),
            &AppSource::Git {
                url: "https://example.com/r.git".into(),
                reference: "v1".into(),
                path: "app".into(),
            },
        );
        let text = format!("{:?}", layer.components);
        assert!(
            text.contains("git clone --quiet --depth 1 --branch 'v1' 'https://example.com/r.git'")
        );
        assert!(!text.contains("aws s3 cp"));
    }

    #[test]
    fn boot_files_write_the_env_file_and_a_unit_on_the_port_then_start_it() {
        let c = contract();
        let (files, commands) = boot_files(&c, "APP_PROFILE=cloud\n".into(), 9000, None);
        assert_eq!(files[0].path, "/etc/refarch/app.env");
        assert_eq!(files[1].path, "/etc/systemd/system/refarch-app.service");
        let unit = files[1]
            .content
            .as_literal()
            .expect("literal unit")
            .to_owned();
        assert!(unit.contains("--bind 0.0.0.0:9000 "));
        assert_eq!(
            commands[1],
            "install -d -o refarch -g refarch -m 0750 /var/lib/refarch/media"
        );
        assert_eq!(commands[2], "systemctl enable --now refarch-app.service");
        let mount = MountUnit {
            name: "var-lib-refarch-media.mount".into(),
            content: "[Mount]\n".into(),
        };
        let (files, commands) = boot_files(&c, "APP_PROFILE=cloud\n".into(), 9000, Some(&mount));
        assert_eq!(
            files[2].path,
            "/etc/systemd/system/var-lib-refarch-media.mount"
        );
        assert_eq!(
            commands[1..],
            [
                "systemctl enable --now var-lib-refarch-media.mount",
                "systemctl enable --now refarch-app.service"
            ]
        );
    }
}

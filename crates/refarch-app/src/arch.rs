//! Composition of the reference architecture into stacks.
//!
//! Stacks split stateful from stateless resources, and follow the order things must exist in:
//!
//! | stack | holds | why apart |
//! |---|---|---|
//! | `<app>-<env>-network` | VPC, subnets, NAT, endpoints, flow logs | changes rarely; everything builds on it |
//! | `<app>-<env>-data` | Aurora Serverless v2, its key and secret, app settings and secrets | stateful: deletion protection, Snapshot/Retain policies, never replaced by an app change |
//! | `<app>-<env>-images` | EC2 Image Builder layers, built at deploy time, writing the app AMI id to an SSM parameter; pipelines for rebuilds | must build an AMI before the workload can launch |
//! | `<app>-<env>-app` | sub-zone, certificate, balancer, workload | stateless: safe to replace or roll |
//! | `<app>-<env>-delivery` | migrations pipeline (source bucket, CodeBuild, CodePipeline) | ships changes to the others |
//!
//! Cross-stack references are exports/imports wired by synth; security-group rules between
//! tiers of different stacks live in the consuming stack, so no two stacks depend on each other.
//! `app` reads the AMI parameter `images` creates (`/<app>/<env>/ami/application`); synth derives
//! that dependency from the templates, so the manifest deploys `images` before `app`.

use constructs::asset::{Asset, AssetSource};
use constructs::compute::{
    AmiPipeline, AmiPipelineProps, AmiSource, ParentImage, Workload, WorkloadProps,
};
use constructs::data::{
    AppSettings, AppSettingsProps, AuroraServerless, AuroraServerlessProps, Capacity,
    DatabaseSettingNames, Engine, LocalDatabase, ParameterPath, Setting, database_settings_named,
};
use constructs::delivery::{MigrationPipeline, MigrationPipelineProps, PipelineSource, Rollout};
use constructs::edge::{Balancer, BalancerProps, Route, Subzone, SubzoneProps};
use constructs::network::{HaVpc, HaVpcProps, InterfaceEndpoint, NatStrategy, TierLayout};
use constructs::{App, ConstructError, Environment, OutputDef, Stack, Value, fns};

use crate::config::{ConfigError, EngineConfig, NatConfig, RefArchConfig};
use crate::contract::{self, ALLOWED_HOSTS, DATABASE, DEBUG, SECRET_KEY};
use crate::image::{self, AppSource};

fn env(config: &RefArchConfig) -> Environment {
    Environment {
        account: config.account.clone(),
        region: Some(config.region.clone()),
        availability_zones: Vec::new(),
    }
}

fn stack(config: &RefArchConfig, part: &str, description: &str) -> Result<Stack, ConstructError> {
    let mut s = Stack::new(&config.stack_name(part), env(config))?;
    s.description = Some(format!(
        "{} ({} {})",
        description, config.app, config.environment
    ));
    s.tags.insert("Application".into(), config.app.clone());
    s.tags
        .insert("Environment".into(), config.environment.clone());
    Ok(s)
}

/// The VPC's properties for `config` (also what [`crate::rules`] plans the subnets with).
pub fn vpc_props(config: &RefArchConfig) -> HaVpcProps {
    let n = &config.network;
    // The seed's layout (.1/.2 public, .11/.12 private, .21/.22 isolated) when it fits, else
    // packed tiers.
    let seed = n.subnet_mask == 24 && n.cidr.prefix_len() <= 18 && n.az_count <= 10;
    let layout = |first: u32| TierLayout {
        mask: n.subnet_mask,
        first_block: seed.then_some(first),
    };
    HaVpcProps {
        cidr: n.cidr,
        az_count: n.az_count,
        public: layout(1),
        private: layout(11),
        isolated: layout(21),
        nat: match n.nat {
            NatConfig::PerAz => NatStrategy::PerAz,
            NatConfig::Single => NatStrategy::Single,
            NatConfig::None => NatStrategy::None,
        },
        flow_log_retention_days: 365,
        interface_endpoints: if n.interface_endpoints {
            InterfaceEndpoint::ALL.to_vec()
        } else {
            Vec::new()
        },
    }
}

fn engine(config: &RefArchConfig) -> Engine {
    match config.database.engine {
        EngineConfig::AuroraPostgresql => Engine::postgres(),
        EngineConfig::AuroraMysql => Engine::mysql(),
    }
}

fn db_props(config: &RefArchConfig) -> AuroraServerlessProps {
    let d = &config.database;
    AuroraServerlessProps {
        engine: engine(config),
        database_name: d.name.clone(),
        capacity: Capacity {
            min_acu: d.min_capacity,
            max_acu: d.max_capacity,
            seconds_until_auto_pause: crate::rules::auto_pause_seconds(config),
        },
        readers: d.readers,
        deletion_protection: d.deletion_protection,
        ..AuroraServerlessProps::default()
    }
}

/// The settings the application reads, in both profiles: exactly the contract's settings
/// ([`contract::contract`]), in its order and with its descriptions, each given its source
/// here. Without `db` (the cloud env file needs only the namespace) the database settings are
/// left out.
pub fn settings(config: &RefArchConfig, db: Option<&AuroraServerless>) -> AppSettingsProps {
    let c = contract::contract();
    let hosts = config
        .workloads
        .iter()
        .flat_map(|w| &w.hosts)
        .map(|h| format!("{h}.{}", config.zone_domain()))
        .collect::<Vec<_>>()
        .join(",");
    let mut sources = vec![
        Setting::generated(SECRET_KEY, ""),
        Setting::literal_with_local(DEBUG, "", "false", "true"),
        Setting::literal_with_local(ALLOWED_HOSTS, "", hosts, "localhost,127.0.0.1"),
    ];
    if let Some(db) = db {
        let local = LocalDatabase::for_engine(db.engine(), &config.database.name);
        let names = DatabaseSettingNames {
            engine: DATABASE.engine.into(),
            host: DATABASE.host.into(),
            port: DATABASE.port.into(),
            name: DATABASE.name.into(),
            secret_arn: DATABASE.secret_arn.into(),
            user: DATABASE.user.into(),
            password: DATABASE.password.into(),
        };
        sources.extend(database_settings_named(db, &local, &names));
        // Aurora accepts TLS; the local server may not have it.
        sources.push(Setting::literal_with_local(
            DATABASE.ssl_mode,
            "",
            "require",
            "prefer",
        ));
    }
    let settings = c
        .settings
        .iter()
        .filter_map(|cs| {
            let mut s = sources.iter().find(|s| s.name == cs.name)?.clone();
            s.description = cs.description.into();
            Some(s)
        })
        .collect();
    AppSettingsProps {
        path: ParameterPath::new(&config.app, &config.environment),
        settings,
        profile_variable: c.profile_variable.into(),
        prefix_variable: c.prefix_variable.into(),
    }
}

/// The SHA-256 of the application archive when the application ships as an asset (no Git
/// source, no archive URI): packaged here once, as synth will package it, so the image's
/// component can check what it downloads.
///
/// # Errors
/// [`ConstructError::InvalidConfig`] naming `application.source_dir` when it cannot be packaged.
pub fn app_archive_sha(config: &RefArchConfig) -> Result<Option<String>, ConstructError> {
    let a = &config.application;
    if a.git_url.is_some() || a.archive_uri.is_some() {
        return Ok(None);
    }
    let source = AssetSource::directory(config.source_dir());
    let (sha256, _) = synth::assets::package(&source).map_err(|e| {
        ConstructError::config(
            "application",
            "application.source_dir",
            format!(
                "cannot package {:?}: {e} (run from the repository root, or set the application's directory)",
                a.source_dir
            ),
        )
    })?;
    Ok(Some(sha256))
}

/// The application's directory as an asset of `stack`.
fn app_asset(config: &RefArchConfig, stack: &mut Stack) -> Result<Asset, ConstructError> {
    stack.add_asset("AppSource", AssetSource::directory(config.source_dir()))
}

/// The application layer's source: the configured Git repository or archive, else the
/// application directory as an asset of `stack` (whose archive hash is `sha256`).
fn app_source(
    config: &RefArchConfig,
    stack: &mut Stack,
    sha256: Option<&str>,
) -> Result<AppSource, ConstructError> {
    let a = &config.application;
    Ok(match (&a.git_url, &a.archive_uri) {
        (Some(url), _) => AppSource::Git {
            url: url.clone(),
            reference: a.git_ref.clone(),
            path: a.git_path.clone(),
        },
        (None, Some(uri)) => AppSource::Archive { uri: uri.clone() },
        (None, None) => {
            let sha256 = sha256.ok_or_else(|| {
                ConstructError::config(
                    stack.name(),
                    "application.source_dir",
                    "the application archive was not packaged",
                )
            })?;
            let asset = app_asset(config, stack)?;
            AppSource::Asset {
                uri: asset.s3_uri(),
                object_arn: asset.object_arn(),
                sha256: sha256.to_owned(),
            }
        }
    })
}

/// Every stack of the reference architecture, with the handles later stacks need.
struct Parts {
    vpc: HaVpc,
    db: AuroraServerless,
    settings: AppSettings,
    images: AmiPipeline,
}

fn network_and_data(
    config: &RefArchConfig,
    app: &mut App,
    archive_sha: Option<&str>,
) -> Result<Parts, ConstructError> {
    let mut network = stack(
        config,
        "network",
        "Network: VPC, subnets, NAT, endpoints, flow logs",
    )?;
    let vpc = HaVpc::new(&mut network.root(), "Vpc", &vpc_props(config))?;
    app.add_stack(network)?;

    let mut data = stack(
        config,
        "data",
        "Data: Aurora Serverless v2, secrets and app settings",
    )?;
    let db = AuroraServerless::new(
        &mut data.root(),
        "Database",
        &db_props(config),
        vpc.vpc_id(),
        vpc.isolated_subnets(),
    )?;
    let settings = AppSettings::new(&mut data.root(), "Settings", &settings(config, Some(&db)))?;
    let mut root = data.root();
    root.output(
        "DatabaseEndpoint",
        OutputDef::new(db.endpoint(), "Writer endpoint"),
    )?;
    root.output(
        "DatabaseClusterArn",
        OutputDef::new(db.cluster_arn(), "Cluster ARN for the Data API"),
    )?;
    root.output(
        "DatabaseSecretArn",
        OutputDef::new(db.secret_arn(), "Master credentials (Data API, rotation)"),
    )?;
    app.add_stack(data)?;

    let mut images = stack(
        config,
        "images",
        "AMI layering: system, middleware, application (EC2 Image Builder)",
    )?;
    let source = app_source(config, &mut images, archive_sha)?;
    let arch = crate::rules::architecture(config);
    let pipeline = AmiPipeline::new(
        &mut images.root(),
        "Ami",
        &AmiPipelineProps {
            name: format!("{}-{}", config.app, config.environment),
            ami_parameter_name: Some(format!(
                "/{}/{}/ami/application",
                config.app, config.environment
            )),
            schedule: config.images.rebuild_schedule.clone(),
            // The workloads' architecture: Graviton types boot arm64 images.
            parent_image: ParentImage::SsmParameter(arch.base_image_parameter().to_owned()),
            instance_types: vec![arch.build_instance_type().to_owned()],
            middleware: image::python_middleware(&contract::contract()),
            application: image::application_layer(&contract::contract(), &source),
            ..AmiPipelineProps::default()
        },
        vpc.vpc_id(),
        vpc.private_subnets(),
    )?;
    // Builds reach AWS APIs through the interface endpoints (when enabled) and everything else
    // over HTTPS through NAT; the images wait until those rules exist.
    vpc.allow_endpoints(&mut images, pipeline.tier())?;
    pipeline.wait_for_rules(&mut images)?;
    image::grant_source_read(&mut images.root(), pipeline.role(), &source)?;
    app.add_stack(images)?;
    Ok(Parts {
        vpc,
        db,
        settings,
        images: pipeline,
    })
}

/// Checks `config`, builds every stack and synthesizes the assembly in memory: what `synth`
/// writes and `check` validates. A construct's error is reported as a problem of the config
/// field that caused it.
///
/// # Errors
/// [`ConfigError`] with every problem of the configuration, or an error of synth.
pub fn synthesize(config: &RefArchConfig) -> anyhow::Result<synth::Assembly> {
    config.validate()?;
    let app = build(config).map_err(|e| ConfigError::Invalid {
        file: None,
        problems: vec![crate::rules::from_construct_error(config, &e)],
    })?;
    Ok(synth::synth(&app)?)
}

/// Builds every stack of the reference architecture from `config`.
///
/// # Errors
/// [`ConstructError`] naming the construct path and field of any invalid setting.
pub fn build(config: &RefArchConfig) -> Result<App, ConstructError> {
    let mut app = App::new();
    let archive_sha = app_archive_sha(config)?;
    build_into(config, &mut app, archive_sha.as_deref())?;
    Ok(app)
}

/// Adds every stack of the reference architecture for `config` to `app`, beside the stacks
/// already there: several environments (or tenants) in one assembly, each with its own
/// `app`/`environment` names. `archive_sha` is [`app_archive_sha`] of `config` (computed once
/// by the caller when many copies share one application directory).
///
/// # Errors
/// [`ConstructError`] naming the construct path and field of any invalid setting, or a stack
/// name already in `app`.
pub fn build_into(
    config: &RefArchConfig,
    app: &mut App,
    archive_sha: Option<&str>,
) -> Result<(), ConstructError> {
    let Parts {
        vpc,
        db,
        settings,
        images,
    } = network_and_data(config, app, archive_sha)?;

    let mut web = stack(
        config,
        "app",
        "Application: DNS sub-zone, HTTPS load balancer, auto-scaled workload",
    )?;
    let zone = Subzone::new(
        &mut web.root(),
        "Zone",
        &SubzoneProps::new(
            config.domain.subzone.clone(),
            config.domain.parent_domain.clone(),
            config.domain.parent_zone_id.clone(),
        ),
    )?;
    let hosts: Vec<String> = config
        .workloads
        .iter()
        .flat_map(|w| &w.hosts)
        .map(|h| zone.host(h))
        .collect();
    let mut balancer = Balancer::new(
        &mut web.root(),
        "Balancer",
        &BalancerProps {
            redirect_http: config.domain.redirect_http,
            ..BalancerProps::new(hosts.clone())
        },
        vpc.vpc_id(),
        vpc.public_subnets(),
        &zone,
    )?;
    let mut workloads = Vec::new();
    for (i, w) in config.workloads.iter().enumerate() {
        // The first workload keeps the plain id, so adding workloads never renames it.
        let id = if i == 0 {
            "Workload".to_owned()
        } else {
            format!("Workload-{}", w.name)
        };
        let (files, commands) =
            image::boot_files(&contract::contract(), settings.cloud_env_file(), w.app_port);
        let workload = Workload::new(
            &mut web.root(),
            &id,
            &WorkloadProps {
                ami: AmiSource::SsmParameter(images.ami_parameter_name().to_owned()),
                instance_type: w.instance_type.clone(),
                app_port: w.app_port,
                capacity: constructs::compute::Capacity {
                    min: w.min_size,
                    desired: w.desired_capacity,
                    max: w.max_size,
                },
                health_check: constructs::compute::HealthCheck {
                    path: w.health_check_path.clone(),
                    ..constructs::compute::HealthCheck::default()
                },
                // Target tracking needs room to scale (CloudFormation refuses it otherwise).
                cpu_target_percent: crate::rules::scales(w).then(|| f64::from(w.cpu_target)),
                files,
                commands,
                ..WorkloadProps::default()
            },
            vpc.vpc_id(),
            vpc.private_subnets(),
        )?;
        {
            let mut root = web.root();
            let mut grants = root.child(&format!("{id}Grants"))?;
            // Derived from the settings: their parameters, their secrets and those keys.
            workload.grant_read(&mut grants, "Settings", &settings)?;
        }
        let own_hosts: Vec<String> = w.hosts.iter().map(|h| zone.host(h)).collect();
        let priority = 10 * (u32::try_from(i).unwrap_or(0) + 1);
        balancer.attach(
            &mut web.root(),
            &format!("{id}Route"),
            &workload,
            &Route::hosts(own_hosts).priority(priority),
        )?;
        db.allow_from(
            &mut web,
            workload.tier(),
            "The workload reaches the database",
        )?;
        vpc.allow_endpoints(&mut web, workload.tier())?;
        workloads.push(workload);
    }
    for (i, host) in hosts.iter().enumerate() {
        zone.alias(&mut web.root(), &format!("Alias{}", i + 1), host, &balancer)?;
    }
    web.root().output(
        "Url",
        OutputDef::new(
            format!("https://{}/", hosts[0]),
            "The application's address",
        ),
    )?;
    app.add_stack(web)?;

    let mut delivery = stack(config, "delivery", "Delivery: database migrations pipeline")?;
    // The pipeline migrates from the archive the image installs: the same asset (one upload,
    // as the content is the same), or the configured archive.
    let (source_bucket, source_key): (Value<String>, Value<String>) =
        match &config.application.archive_uri {
            Some(uri) => {
                let (bucket, key) = crate::config::parse_s3_uri(uri).ok_or_else(|| {
                    ConstructError::config(
                        delivery.name(),
                        "application.archive_uri",
                        format!("{uri:?} is not s3://bucket/key"),
                    )
                })?;
                (bucket.into(), key.into())
            }
            None => {
                let asset = app_asset(config, &mut delivery)?;
                (asset.bucket_name(), asset.object_key())
            }
        };
    let pipeline = MigrationPipeline::new(
        &mut delivery.root(),
        "Migrations",
        &MigrationPipelineProps {
            install_commands: vec!["python -m pip install -r requirements.txt".into()],
            ..MigrationPipelineProps::new(
                PipelineSource::S3Object {
                    bucket: source_bucket.clone(),
                    key: source_key.clone(),
                },
                Rollout::InstanceRefresh {
                    asg_name: workloads[0].group_name(),
                },
                config.migrations.command.clone(),
            )
        },
        vpc.vpc_id(),
        vpc.private_subnets(),
        &db,
        &settings,
    )?;
    vpc.allow_endpoints(&mut delivery, pipeline.security_tier())?;
    let mut root = delivery.root();
    root.output(
        "SourceObject",
        OutputDef::new(
            fns::concat(["s3://".into(), source_bucket, "/".into(), source_key]),
            "The application archive the pipeline migrates from",
        ),
    )?;
    root.output(
        "PipelineName",
        OutputDef::new(
            pipeline.pipeline_name(),
            "Runs migrations, then rolls the workload",
        ),
    )?;
    app.add_stack(delivery)?;
    Ok(())
}

/// The local profile's dotenv file: every contract setting with its local value.
///
/// # Errors
/// [`ConstructError`] when the configuration does not build.
pub fn local_env(config: &RefArchConfig) -> Result<String, ConstructError> {
    // The local profile needs no AWS resources: render it from the same settings model, with
    // the database settings of a stand-in cluster built in a scratch app.
    // Its images stack is thrown away, so the application archive needs no packaging.
    let mut scratch = App::new();
    let unpackaged = "0".repeat(64);
    Ok(network_and_data(config, &mut scratch, Some(&unpackaged))?
        .settings
        .local_dotenv())
}

/// The cloud profile's env file, as instances get it (their boot script writes it to the
/// contract's `service.env_file`): the profile, the namespace and the region. The values are
/// read from Parameter Store and Secrets Manager at start-up.
pub fn cloud_env(config: &RefArchConfig) -> String {
    let c = contract::contract();
    let settings = settings(config, None);
    format!(
        "{}=cloud\n{}={}\n{}={}\n",
        settings.profile_variable,
        settings.prefix_variable,
        settings.path.prefix(),
        c.region_variable,
        config.region
    )
}

//! The storage parts of the reference architecture, in the data stack: the static files' CDN
//! ([`StaticCdn`]) and the shared file system ([`FileSystem`]), each on unless the config turns
//! it off, and how workloads use them (NFS admitted, mount grant, boot-time mount unit, the
//! `STATIC_URL` and `MEDIA_ROOT` settings).

use constructs::asset::AssetSource;
use constructs::compute::Workload;
use constructs::data::Setting;
use constructs::edge::{PriceClass, StaticCdn, StaticCdnProps};
use constructs::network::HaVpc;
use constructs::storage::{FileSystem, FileSystemProps, MountUnit, TransitionDays};
use constructs::{ConstructError, OutputDef, Stack};

use crate::config::{PriceClassConfig, RefArchConfig};
use crate::contract::{self, MEDIA_ROOT, STATIC_URL};

/// The data stack's output naming the static files' bucket (deploy publishes into it).
pub const STATIC_BUCKET_OUTPUT: &str = "StaticBucketName";

/// What [`build`] created.
#[derive(Debug, Clone)]
pub struct Storage {
    /// The static files' CDN (`static_files.enabled`).
    pub cdn: Option<StaticCdn>,
    /// The shared file system (`file_system.enabled`).
    pub files: Option<FileSystem>,
}

/// The directory of the `collectstatic` output the CDN serves.
pub fn static_source(config: &RefArchConfig) -> AssetSource {
    let mut source = AssetSource::directory(
        config
            .source_dir()
            .join(contract::contract().service.static_dir),
    );
    // Django's manifest of hashed names is read by the app from its own copy.
    source.exclude.push("staticfiles.json".into());
    source
}

/// Adds the CDN and the file system the config asks for to `data` (the stateful stack).
///
/// # Errors
/// [`ConstructError`] naming the construct path and field of an invalid setting.
pub fn build(
    config: &RefArchConfig,
    data: &mut Stack,
    vpc: &HaVpc,
) -> Result<Storage, ConstructError> {
    let c = contract::contract();
    let cdn = if config.static_files.enabled {
        let props = StaticCdnProps {
            price_class: match config.static_files.price_class {
                PriceClassConfig::NorthAmericaEurope => PriceClass::NorthAmericaEurope,
                PriceClassConfig::MostRegions => PriceClass::MostRegions,
                PriceClassConfig::All => PriceClass::All,
            },
            noncurrent_version_days: config.static_files.noncurrent_version_days,
            ..StaticCdnProps::new(format!("{}-{}-static", config.app, config.environment))
        };
        let cdn = StaticCdn::new(&mut data.root(), "StaticFiles", &props)?;
        cdn.publish(
            data,
            "StaticFiles",
            STATIC_BUCKET_OUTPUT,
            static_source(config),
        )?;
        data.root().output(
            "StaticUrl",
            OutputDef::new(cdn.base_url(), "Where pages load static files from"),
        )?;
        Some(cdn)
    } else {
        None
    };
    let files = if config.file_system.enabled {
        let props = FileSystemProps {
            transition_to_ia: config
                .file_system
                .transition_to_ia_days
                .and_then(TransitionDays::from_days),
            backups: config.file_system.backups,
            ..FileSystemProps::for_user(c.service.uid, c.service.uid, "/media")
        };
        let files = FileSystem::new(
            &mut data.root(),
            "Files",
            &props,
            vpc.vpc_id(),
            vpc.private_subnets(),
        )?;
        data.root().output(
            "FileSystemId",
            OutputDef::new(
                files.file_system_id(),
                "The shared file system (media files)",
            ),
        )?;
        Some(files)
    } else {
        None
    };
    Ok(Storage { cdn, files })
}

/// The sources of the storage settings: `STATIC_URL` (the distribution's address, or
/// `/static/` served by the app) and `MEDIA_ROOT` (the contract's media directory; locally a
/// `media` directory beside the app).
pub fn settings(storage: Option<&Storage>) -> Vec<Setting> {
    let c = contract::contract();
    let static_url = match storage.and_then(|s| s.cdn.as_ref()) {
        Some(cdn) => Setting::deployed(STATIC_URL, "", cdn.base_url(), "/static/"),
        None => Setting::literal(STATIC_URL, "", "/static/"),
    };
    vec![
        static_url,
        Setting::literal_with_local(MEDIA_ROOT, "", c.service.media_dir, "media"),
    ]
}

/// The mount unit instances start at boot, when there is a file system.
pub fn mount_unit(storage: &Storage) -> Option<MountUnit> {
    let c = contract::contract();
    storage
        .files
        .as_ref()
        .map(|f| f.mount_unit(c.service.media_dir))
}

/// Lets `workload` (in `web`) mount the file system: NFS from its tier, and its role may mount
/// through the access point (a policy at `<id>Grants/MountsFiles`).
///
/// # Errors
/// [`ConstructError`] if an id is taken.
pub fn attach(
    storage: &Storage,
    web: &mut Stack,
    workload: &Workload,
    id: &str,
) -> Result<(), ConstructError> {
    let Some(files) = &storage.files else {
        return Ok(());
    };
    files.allow_from(
        web,
        workload.tier(),
        "The workload mounts the shared file system",
    )?;
    let mut root = web.root();
    let mut grants = root.child(&format!("{id}FileGrants"))?;
    files.grant_mount(&mut grants, "MountsFiles", workload.role())
}

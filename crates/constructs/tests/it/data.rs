//! AuroraServerless, AppSecrets and AppSettings, checked on the rendered template.

use crate::support;

use constructs::ConstructError;
use constructs::data::{
    AppSettings, AppSettingsProps, AuroraServerless, AuroraServerlessProps, Capacity, Engine,
    LocalDatabase, ParameterPath, Setting, database_settings,
};
use constructs::iam::PolicyDocument;
use constructs::network::SecurityTier;
use constructs::resources::iam;
use constructs::{Stack, ToProp};
use proptest::prelude::*;
use serde_json::{Value as Json, json};
use support::{resources_of, stack_with_vpc, synth_stack};

/// A stack with a VPC, the default database admitting an app tier, and the app's settings
/// granted to a role.
fn data_stack(name: &str, props: &AuroraServerlessProps) -> Stack {
    let (mut s, vpc) = stack_with_vpc(name);
    let db = AuroraServerless::new(
        &mut s.root(),
        "Database",
        props,
        vpc.vpc_id(),
        vpc.isolated_subnets(),
    )
    .expect("database");
    let app = SecurityTier::new(&mut s.root(), "App", vpc.vpc_id(), "app").expect("tier");
    db.allow_from(&mut s, &app, "App to database")
        .expect("allow");
    let local = LocalDatabase::for_engine(db.engine(), db.database_name());
    let mut settings = database_settings(&db, &local);
    settings.push(Setting::generated("DJANGO_SECRET", "Django SECRET_KEY"));
    settings.push(Setting::literal("DEBUG", "Debug pages", "False"));
    settings.push(Setting::local_only(
        "SERVER",
        "Extra allowed host",
        "localhost",
    ));
    let settings = AppSettings::new(
        &mut s.root(),
        "Settings",
        &AppSettingsProps {
            path: ParameterPath::new("dashboard", "dev"),
            settings,
            ..AppSettingsProps::default()
        },
    )
    .expect("settings");
    let statements = settings.read_statements();
    s.root()
        .resource(
            "AppRole",
            iam::Role {
                policies: Some(
                    vec![iam::role::Policy::new(
                        PolicyDocument::new(statements).json(),
                        "read-settings",
                    )]
                    .into(),
                ),
                ..iam::Role::new(PolicyDocument::trust_service("ec2.amazonaws.com").json())
            },
        )
        .expect("role");
    s
}

fn of_type<'t>(t: &'t Json, type_name: &str) -> &'t Json {
    let found = resources_of(t, type_name);
    assert_eq!(found.len(), 1, "expected one {type_name}");
    found[0].1
}

#[test]
fn default_database_is_serverless_v2_postgres_with_data_api_and_snapshot_policies() {
    let t = synth_stack(
        "data-default",
        data_stack("DataDefault", &AuroraServerlessProps::default()),
    );
    let cluster = of_type(&t, "AWS::RDS::DBCluster");
    let p = &cluster["Properties"];
    assert_eq!(p["Engine"], "aurora-postgresql");
    assert_eq!(p["EngineMode"], "provisioned");
    assert_eq!(p["EnableHttpEndpoint"], true);
    assert_eq!(p["ManageMasterUserPassword"], true);
    assert!(p["MasterUserSecret"]["KmsKeyId"].is_object());
    assert_eq!(p["StorageEncrypted"], true);
    assert_eq!(p["DeletionProtection"], true);
    assert_eq!(p["EnableIAMDatabaseAuthentication"], true);
    assert_eq!(p["BackupRetentionPeriod"], 7);
    assert_eq!(
        p["ServerlessV2ScalingConfiguration"],
        json!({"MaxCapacity": 4.0, "MinCapacity": 0.5})
    );
    assert_eq!(cluster["DeletionPolicy"], "Snapshot");
    assert_eq!(cluster["UpdateReplacePolicy"], "Snapshot");
    let instances = resources_of(&t, "AWS::RDS::DBInstance");
    assert_eq!(instances.len(), 2, "writer + one reader");
    for (_, i) in instances {
        assert_eq!(i["Properties"]["DBInstanceClass"], "db.serverless");
        assert_eq!(i["Properties"]["PubliclyAccessible"], false);
    }
    insta::assert_json_snapshot!("data_default", t);
}

#[test]
fn database_lives_only_in_isolated_subnets() {
    let t = synth_stack(
        "data-isolated",
        data_stack("DataIsolated", &AuroraServerlessProps::default()),
    );
    let group = of_type(&t, "AWS::RDS::DBSubnetGroup");
    let ids: Vec<&str> = group["Properties"]["SubnetIds"]
        .as_array()
        .expect("list")
        .iter()
        .map(|s| s["Ref"].as_str().expect("ref"))
        .collect();
    assert_eq!(ids.len(), 2);
    for id in ids {
        assert!(
            id.starts_with("Vpcisolated"),
            "{id} is not an isolated subnet"
        );
    }
}

#[test]
fn database_tier_admits_only_given_tiers_on_the_db_port_and_has_no_egress() {
    let t = synth_stack(
        "data-ingress",
        data_stack("DataIngress", &AuroraServerlessProps::default()),
    );
    let cluster = of_type(&t, "AWS::RDS::DBCluster");
    let sg_id = cluster["Properties"]["VpcSecurityGroupIds"][0]["Fn::GetAtt"][0]
        .as_str()
        .expect("sg")
        .to_owned();
    let ingress: Vec<_> = resources_of(&t, "AWS::EC2::SecurityGroupIngress")
        .into_iter()
        .filter(|(_, r)| r["Properties"]["GroupId"]["Fn::GetAtt"][0] == sg_id.as_str())
        .collect();
    assert_eq!(ingress.len(), 1);
    let rule = &ingress[0].1["Properties"];
    assert_eq!(
        (rule["FromPort"].clone(), rule["ToPort"].clone()),
        (json!(5432), json!(5432))
    );
    assert!(rule["SourceSecurityGroupId"].is_object());
    assert!(rule.get("CidrIp").is_none());
    let egress_from_db = resources_of(&t, "AWS::EC2::SecurityGroupEgress")
        .into_iter()
        .filter(|(_, r)| r["Properties"]["GroupId"]["Fn::GetAtt"][0] == sg_id.as_str())
        .count();
    assert_eq!(egress_from_db, 0);
}

#[test]
fn no_password_appears_anywhere_in_the_template() {
    let t = synth_stack(
        "data-nopassword",
        data_stack("DataNoPassword", &AuroraServerlessProps::default()),
    );
    let cluster = of_type(&t, "AWS::RDS::DBCluster");
    assert!(cluster["Properties"].get("MasterUserPassword").is_none());
    let text = t.to_string();
    assert!(
        !text.contains("local-dev-password"),
        "local password leaked into the cloud"
    );
    assert!(
        !text.contains("insecure-local-dev"),
        "dev secret leaked into the cloud"
    );
    assert!(
        !text.contains("\"SecretString\""),
        "a secret value is in the template"
    );
    assert!(
        !text.contains("{{resolve:"),
        "dynamic reference would put a secret in a property"
    );
}

#[test]
fn settings_grants_are_scoped_to_the_namespace_and_the_secrets() {
    let t = synth_stack(
        "data-grants",
        data_stack("DataGrants", &AuroraServerlessProps::default()),
    );
    let role = resources_of(&t, "AWS::IAM::Role")
        .into_iter()
        .find(|(id, _)| id.starts_with("AppRole"))
        .expect("app role")
        .1;
    let statements = role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        .as_array()
        .expect("statements");
    let text = serde_json::to_string(statements).expect("json");
    assert!(!text.contains("\"*\""), "wildcard resource in {text}");
    assert!(!text.contains("ssm:DescribeParameters"));
    let ssm = &statements[0]["Resource"];
    assert_eq!(
        ssm[0]["Fn::Sub"],
        "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/dashboard/dev"
    );
    assert_eq!(
        ssm[1]["Fn::Sub"],
        "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/dashboard/dev/*"
    );
    let kms = &statements[2];
    assert_eq!(kms["Action"], "kms:Decrypt");
    assert_eq!(
        kms["Condition"]["StringEquals"]["kms:ViaService"]["Fn::Sub"],
        "secretsmanager.${AWS::Region}.amazonaws.com"
    );
    // Parameters live under the namespace; secret settings are references, not values.
    let names: Vec<String> = resources_of(&t, "AWS::SSM::Parameter")
        .into_iter()
        .map(|(_, p)| p["Properties"]["Name"].as_str().expect("name").to_owned())
        .collect();
    assert!(
        names.iter().all(|n| n.starts_with("/dashboard/dev/")),
        "{names:?}"
    );
    assert!(names.contains(&"/dashboard/dev/secret/DATABASE_PASSWORD".to_owned()));
    assert!(names.contains(&"/dashboard/dev/DATABASE_HOST".to_owned()));
    assert!(
        !names.iter().any(|n| n.ends_with("SERVER")),
        "local-only setting published"
    );
    let secret = of_type(&t, "AWS::SecretsManager::Secret");
    assert_eq!(secret["Properties"]["Name"], "/dashboard/dev/DJANGO_SECRET");
    assert!(secret["Properties"]["KmsKeyId"].is_object());
}

#[test]
fn mysql_engine_uses_its_port_and_logs() {
    let props = AuroraServerlessProps {
        engine: Engine::mysql(),
        readers: 0,
        capacity: Capacity {
            min_acu: 0.0,
            max_acu: 2.0,
            seconds_until_auto_pause: Some(600),
        },
        ..AuroraServerlessProps::default()
    };
    let t = synth_stack("data-mysql", data_stack("DataMysql", &props));
    let p = &of_type(&t, "AWS::RDS::DBCluster")["Properties"];
    assert_eq!(p["Engine"], "aurora-mysql");
    assert_eq!(p["Port"], 3306);
    assert_eq!(
        p["ServerlessV2ScalingConfiguration"]["SecondsUntilAutoPause"],
        600
    );
    assert_eq!(resources_of(&t, "AWS::RDS::DBInstance").len(), 1);
}

#[test]
fn local_dotenv_points_at_the_local_database_and_a_dev_secret() {
    let (mut s, vpc) = stack_with_vpc("DataDotenv");
    let db = AuroraServerless::new(
        &mut s.root(),
        "Database",
        &AuroraServerlessProps::default(),
        vpc.vpc_id(),
        vpc.isolated_subnets(),
    )
    .expect("db");
    let mut settings = database_settings(&db, &LocalDatabase::for_engine(db.engine(), "dashboard"));
    settings.push(Setting::generated("DJANGO_SECRET", "Django SECRET_KEY"));
    settings.push(Setting::local_only("DEBUG", "Debug pages", "True"));
    let settings = AppSettings::new(
        &mut s.root(),
        "Settings",
        &AppSettingsProps {
            path: ParameterPath::new("dashboard", "dev"),
            settings,
            ..AppSettingsProps::default()
        },
    )
    .expect("settings");
    let dotenv = settings.local_dotenv();
    for line in [
        "APP_PROFILE=local",
        "DATABASE_HOST=localhost",
        "DATABASE_PORT=5432",
        "DATABASE_NAME=dashboard",
        "DATABASE_USER=app",
        "DATABASE_PASSWORD=local-dev-password",
        "DEBUG=True",
    ] {
        assert!(
            dotenv.lines().any(|l| l == line),
            "{line} missing from:\n{dotenv}"
        );
    }
    let secret = dotenv
        .lines()
        .find_map(|l| l.strip_prefix("DJANGO_SECRET="))
        .expect("dev secret");
    assert!(
        secret.starts_with("insecure-local-dev-") && secret.len() == 50,
        "{secret}"
    );
    assert_eq!(dotenv, settings.local_dotenv(), "deterministic");
    insta::assert_snapshot!("data_local_dotenv", dotenv);

    let env_file = settings.cloud_env_file().to_prop();
    let constructs::Prop::Expr(e) = env_file else {
        panic!("env file should use the region")
    };
    assert!(format!("{e:?}").contains("APP_SETTINGS_PREFIX=/dashboard/dev"));
    let vars = settings.codebuild_variables();
    for v in &vars {
        let ty = v
            .type_
            .as_ref()
            .and_then(|t| t.as_literal())
            .map(String::as_str);
        let name = v.name.as_literal().map(String::as_str).unwrap_or_default();
        if name.contains("PASSWORD") || name.contains("SECRET") && name != "DATABASE_SECRET_ARN" {
            assert_eq!(ty, Some("SECRETS_MANAGER"), "{name}");
        }
        assert_ne!(name, "DEBUG", "local-only setting in CodeBuild");
    }
}

fn build_db(props: &AuroraServerlessProps) -> Result<AuroraServerless, ConstructError> {
    let (mut s, vpc) = stack_with_vpc("Prop");
    AuroraServerless::new(
        &mut s.root(),
        "Db",
        props,
        vpc.vpc_id(),
        vpc.isolated_subnets(),
    )
}

fn field_of(e: &ConstructError) -> &str {
    match e {
        ConstructError::InvalidConfig { field, .. } => field,
        other => panic!("expected InvalidConfig, got {other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn capacity_outside_aurora_limits_is_rejected_naming_the_field(
        min in -10.0f64..300.0, max in -10.0f64..300.0, pause in proptest::option::of(0u32..100_000),
    ) {
        let capacity = Capacity { min_acu: min, max_acu: max, seconds_until_auto_pause: pause };
        let props = AuroraServerlessProps { capacity, ..AuroraServerlessProps::default() };
        let half = |v: f64| (v * 2.0).fract() == 0.0;
        let valid = half(min) && half(max) && (0.0..=256.0).contains(&min)
            && (1.0..=256.0).contains(&max) && min <= max
            && match (min == 0.0, pause) {
                (true, Some(p)) => (300..=86_400).contains(&p),
                (false, None) => true,
                _ => false,
            };
        match props.validate() {
            Ok(()) => prop_assert!(valid, "{capacity:?} accepted"),
            Err((field, _)) => {
                prop_assert!(!valid, "{capacity:?} rejected");
                prop_assert!(field.starts_with("capacity."), "{field}");
            }
        }
    }

    #[test]
    fn half_step_capacities_in_range_are_accepted(lo in 1u32..=512, hi in 2u32..=512) {
        let (min, max) = (f64::from(lo.min(hi)) / 2.0, f64::from(lo.max(hi).max(2)) / 2.0);
        let capacity = Capacity { min_acu: min, max_acu: max, seconds_until_auto_pause: None };
        prop_assert!(capacity.validate().is_ok(), "{capacity:?}");
    }

    #[test]
    fn invalid_names_are_rejected_naming_the_field(name in "\\PC{0,80}") {
        let props = AuroraServerlessProps { database_name: name.clone(), ..AuroraServerlessProps::default() };
        let ok = !name.is_empty() && name.len() <= 63
            && name.starts_with(|c: char| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !["postgres", "rdsadmin", "template0", "template1", "mysql", "sys",
                 "information_schema", "performance_schema"].contains(&name.to_ascii_lowercase().as_str());
        match build_db(&props) {
            Ok(_) => prop_assert!(ok, "{name:?} accepted"),
            Err(e) => {
                prop_assert!(!ok, "{name:?} rejected: {e}");
                prop_assert_eq!(field_of(&e), "database_name");
            }
        }
    }

    #[test]
    fn engine_versions_are_checked_naming_the_engine(
        mysql in any::<bool>(), major in 0u32..20, minor in 0u32..20, text in "[0-9a-z._]{0,24}",
    ) {
        let version = if text.len() % 3 == 0 { text } else if mysql {
            format!("8.0.mysql_aurora.3.{minor:02}.0")
        } else {
            format!("{major}.{minor}")
        };
        let engine = if mysql {
            Engine::AuroraMysql { version: version.clone() }
        } else {
            Engine::AuroraPostgres { version: version.clone() }
        };
        let ok = if mysql {
            version.strip_prefix("8.0.mysql_aurora.3.").and_then(|r| {
                let p: Vec<_> = r.split('.').map(|x| x.parse::<u32>().ok()).collect::<Option<_>>()?;
                (p.len() == 2 && p[0] >= 8).then_some(())
            }).is_some()
        } else {
            let p: Option<Vec<u32>> = version.split('.').map(|x| x.parse().ok()).collect();
            matches!(p.as_deref(), Some([16, m]) if *m >= 8) || matches!(p.as_deref(), Some([17, m]) if *m >= 4)
        };
        let props = AuroraServerlessProps { engine, ..AuroraServerlessProps::default() };
        match build_db(&props) {
            Ok(_) => prop_assert!(ok, "{version:?} accepted"),
            Err(e) => {
                prop_assert!(!ok, "{version:?} rejected: {e}");
                prop_assert_eq!(field_of(&e), "engine");
            }
        }
    }

    #[test]
    fn invalid_parameter_paths_and_setting_names_are_rejected(app in "\\PC{0,20}", name in "\\PC{0,20}") {
        let props = AppSettingsProps {
            path: ParameterPath::new(app.clone(), "dev"),
            settings: vec![Setting::literal(&name, "x", "y")],
            ..AppSettingsProps::default()
        };
        let app_ok = !app.is_empty() && app.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
            && !app.to_ascii_lowercase().starts_with("aws") && !app.to_ascii_lowercase().starts_with("ssm");
        let name_ok = name.starts_with(|c: char| c.is_ascii_uppercase())
            && name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            && name != "APP_PROFILE" && name != "APP_SETTINGS_PREFIX";
        let mut s = support::stack("PropSettings");
        match AppSettings::new(&mut s.root(), "Settings", &props) {
            Ok(_) => prop_assert!(app_ok && name_ok),
            Err(e) => {
                let field = field_of(&e).to_owned();
                if !app_ok {
                    prop_assert_eq!(field, "path.app");
                } else {
                    prop_assert!(!name_ok);
                    prop_assert_eq!(field, "settings.name");
                }
            }
        }
    }
}

#[test]
fn windows_readers_and_subnets_are_validated() {
    let cases: [(AuroraServerlessProps, &str); 5] = [
        (
            AuroraServerlessProps {
                backup_window: "02:00-02:10".into(),
                ..Default::default()
            },
            "backup_window",
        ),
        (
            AuroraServerlessProps {
                maintenance_window: "sunday".into(),
                ..Default::default()
            },
            "maintenance_window",
        ),
        (
            AuroraServerlessProps {
                readers: 16,
                ..Default::default()
            },
            "readers",
        ),
        (
            AuroraServerlessProps {
                port: Some(80),
                ..Default::default()
            },
            "port",
        ),
        (
            AuroraServerlessProps {
                master_username: "a".repeat(17),
                engine: Engine::mysql(),
                ..Default::default()
            },
            "master_username",
        ),
    ];
    for (props, field) in cases {
        let e = build_db(&props).expect_err(field);
        assert_eq!(field_of(&e), field, "{e}");
    }
}

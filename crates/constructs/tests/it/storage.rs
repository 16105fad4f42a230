//! EFS file system and static-files CDN, checked on the rendered templates.

use crate::support;

use constructs::asset::AssetSource;
use constructs::compute::{Workload, WorkloadProps};
use constructs::edge::{CdnAlias, StaticCdn, StaticCdnProps};
use constructs::storage::{FileSystem, FileSystemProps, NFS_PORT, PerformanceMode};
use constructs::{App, ConstructError, Stack};
use proptest::prelude::*;
use serde_json::{Value as Json, json};
use support::{resources_of, stack, stack_with_vpc, synth_stack};

fn field_of(e: &ConstructError) -> (&str, &str) {
    match e {
        ConstructError::InvalidConfig { path, field, .. } => (path, field),
        other => panic!("expected InvalidConfig, got {other}"),
    }
}

fn files_with_workload(props: &FileSystemProps) -> (Stack, FileSystem, Workload) {
    let (mut s, vpc) = stack_with_vpc("Files");
    let fs = FileSystem::new(
        &mut s.root(),
        "Media",
        props,
        vpc.vpc_id(),
        vpc.private_subnets(),
    )
    .expect("file system");
    let w = Workload::new(
        &mut s.root(),
        "Web",
        &WorkloadProps::default(),
        vpc.vpc_id(),
        vpc.private_subnets(),
    )
    .expect("workload");
    fs.allow_from(&mut s, w.tier(), "The web tier mounts the files")
        .expect("rule");
    fs.grant_mount(&mut s.root(), "WebMountsMedia", w.role())
        .expect("grant");
    (s, fs, w)
}

#[test]
fn storage_efs() {
    let (s, _, _) = files_with_workload(&FileSystemProps::for_user(1500, 1500, "/media"));
    let t = synth_stack("storage-efs", s);
    let systems = resources_of(&t, "AWS::EFS::FileSystem");
    assert_eq!(systems.len(), 1);
    let (fs_id, fs) = systems[0];
    assert_eq!(fs["DeletionPolicy"], "Retain");
    assert_eq!(fs["UpdateReplacePolicy"], "Retain");
    let p = &fs["Properties"];
    assert_eq!(p["Encrypted"], true);
    assert!(
        p["KmsKeyId"]["Fn::GetAtt"].is_array(),
        "a customer key: {p}"
    );
    assert_eq!(p["BackupPolicy"]["Status"], "ENABLED");
    assert_eq!(p["ThroughputMode"], "elastic");
    assert_eq!(
        p["LifecyclePolicies"],
        json!([{"TransitionToIA": "AFTER_30_DAYS"}, {"TransitionToPrimaryStorageClass": "AFTER_1_ACCESS"}])
    );
    let policy = &p["FileSystemPolicy"]["Statement"];
    assert_eq!(policy[0]["Effect"], "Deny");
    assert_eq!(
        policy[0]["Condition"]["Bool"]["aws:SecureTransport"],
        "false"
    );
    assert_eq!(
        policy[1]["Condition"]["Null"]["elasticfilesystem:AccessPointArn"],
        "false"
    );
    // A mount target per private subnet, all in the file system's own tier.
    let targets = resources_of(&t, "AWS::EFS::MountTarget");
    assert_eq!(targets.len(), 2);
    let groups: Vec<&Json> = targets
        .iter()
        .map(|(_, m)| &m["Properties"]["SecurityGroups"][0])
        .collect();
    assert!(groups.iter().all(|g| *g == groups[0]));
    for (_, m) in &targets {
        let subnet = m["Properties"]["SubnetId"]["Ref"].as_str().unwrap();
        assert!(subnet.contains("private"), "{subnet}");
        assert_eq!(m["Properties"]["FileSystemId"]["Ref"], fs_id.as_str());
    }
    let ap = &resources_of(&t, "AWS::EFS::AccessPoint")[0].1["Properties"];
    assert_eq!(ap["PosixUser"], json!({"Uid": "1500", "Gid": "1500"}));
    assert_eq!(ap["RootDirectory"]["Path"], "/media");
    assert_eq!(ap["RootDirectory"]["CreationInfo"]["Permissions"], "0750");
    // NFS from the web tier only, and the web tier's egress to exactly that group.
    let ingress = resources_of(&t, "AWS::EC2::SecurityGroupIngress");
    let nfs: Vec<_> = ingress
        .iter()
        .filter(|(_, r)| r["Properties"]["FromPort"] == i64::from(NFS_PORT))
        .collect();
    assert_eq!(nfs.len(), 1, "{ingress:?}");
    let rule = &nfs[0].1["Properties"];
    assert_eq!(rule["ToPort"], 2049);
    assert!(rule.get("CidrIp").is_none());
    assert!(
        rule["SourceSecurityGroupId"]["Fn::GetAtt"][0]
            .as_str()
            .unwrap()
            .starts_with("WebSecurityGroup")
    );
    // The instance role may mount through exactly this access point.
    let grant = resources_of(&t, "AWS::IAM::Policy")
        .into_iter()
        .find(|(id, _)| id.contains("WebMountsMedia"))
        .expect("grant")
        .1;
    let st = &grant["Properties"]["PolicyDocument"]["Statement"][0];
    assert_eq!(
        st["Action"],
        json!([
            "elasticfilesystem:ClientMount",
            "elasticfilesystem:ClientWrite"
        ])
    );
    assert!(st["Condition"]["StringEquals"]["elasticfilesystem:AccessPointArn"].is_object());
    insta::assert_json_snapshot!("storage_efs", t);
}

#[test]
fn the_mount_unit_uses_the_tls_helper_through_the_access_point() {
    let (_, fs, _) = files_with_workload(&FileSystemProps::for_user(1500, 1500, "/media"));
    let unit = fs.mount_unit("/var/lib/app/media");
    assert_eq!(unit.name, "var-lib-app-media.mount");
    let text = format!("{:?}", unit.content);
    for part in [
        "Where=/var/lib/app/media",
        "Type=efs",
        "_netdev,noresvport,tls,iam,accesspoint=",
        "WantedBy=remote-fs.target",
    ] {
        assert!(text.contains(part), "{part} missing: {text}");
    }
}

#[test]
fn bad_file_system_props_name_the_construct_and_field() {
    let (mut s, vpc) = stack_with_vpc("Bad");
    let mut props = FileSystemProps::for_user(1500, 1500, "/media");
    props.performance = PerformanceMode::MaxIo;
    let e = FileSystem::new(
        &mut s.root(),
        "Media",
        &props,
        vpc.vpc_id(),
        vpc.private_subnets(),
    )
    .unwrap_err();
    assert_eq!(field_of(&e), ("Bad/Media", "performance"));
    let root = FileSystemProps::for_user(0, 0, "/media");
    let e = FileSystem::new(
        &mut s.root(),
        "Root",
        &root,
        vpc.vpc_id(),
        vpc.private_subnets(),
    )
    .unwrap_err();
    assert_eq!(field_of(&e), ("Bad/Root", "uid"));
}

fn cdn_stack(props: &StaticCdnProps) -> (Stack, StaticCdn) {
    let mut s = stack("Static");
    let cdn = StaticCdn::new(&mut s.root(), "Cdn", props).expect("cdn");
    (s, cdn)
}

#[test]
fn storage_cdn() {
    let (mut s, cdn) = cdn_stack(&StaticCdnProps::new("site-static"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("site.0123456789ab.css"), "body{}").unwrap();
    cdn.publish(
        &mut s,
        "StaticFiles",
        "StaticBucketName",
        AssetSource::directory(dir.path()),
    )
    .expect("publish");
    let mut app = App::new();
    app.add_stack(s).unwrap();
    let assembly = support::synth_and_write("storage-cdn", &app);
    let t = &assembly.stacks[0].template;
    let buckets = resources_of(t, "AWS::S3::Bucket");
    let (bucket_id, bucket) = buckets
        .iter()
        .find(|(id, _)| id.contains("CdnBucket"))
        .copied()
        .expect("content bucket");
    assert_eq!(bucket["DeletionPolicy"], "Retain");
    let bp = &bucket["Properties"];
    assert_eq!(bp["VersioningConfiguration"]["Status"], "Enabled");
    assert_eq!(
        bp["PublicAccessBlockConfiguration"],
        json!({"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true})
    );
    assert_eq!(
        bp["OwnershipControls"]["Rules"][0]["ObjectOwnership"],
        "BucketOwnerEnforced"
    );
    assert!(bp["LoggingConfiguration"]["DestinationBucketName"]["Ref"].is_string());
    let d =
        &resources_of(t, "AWS::CloudFront::Distribution")[0].1["Properties"]["DistributionConfig"];
    let b = &d["DefaultCacheBehavior"];
    assert_eq!(b["ViewerProtocolPolicy"], "redirect-to-https");
    assert_eq!(b["Compress"], true);
    assert_eq!(b["CachePolicyId"], "658327ea-f89d-4fab-a63d-7e88639e58f6");
    assert!(
        b.get("ForwardedValues").is_none(),
        "cache policy, not legacy settings"
    );
    let origin = &d["Origins"][0];
    assert_eq!(
        origin["S3OriginConfig"]["OriginAccessIdentity"], "",
        "no legacy OAI"
    );
    assert!(origin["OriginAccessControlId"]["Fn::GetAtt"].is_array());
    assert_eq!(d["Logging"]["Prefix"], "cloudfront/");
    assert_eq!(d["ViewerCertificate"]["CloudFrontDefaultCertificate"], true);
    let oac = &resources_of(t, "AWS::CloudFront::OriginAccessControl")[0].1["Properties"]["OriginAccessControlConfig"];
    assert_eq!(oac["SigningProtocol"], "sigv4");
    assert_eq!(oac["SigningBehavior"], "always");
    // The bucket policy: TLS only, and reads by exactly this distribution.
    let policy = resources_of(t, "AWS::S3::BucketPolicy")
        .into_iter()
        .find(|(_, p)| p["Properties"]["Bucket"]["Ref"] == bucket_id.as_str())
        .expect("content bucket policy")
        .1;
    let st = &policy["Properties"]["PolicyDocument"]["Statement"];
    assert_eq!(st[0]["Sid"], "DenyInsecureTransport");
    assert_eq!(
        st[1]["Principal"],
        json!({"Service": "cloudfront.amazonaws.com"})
    );
    assert_eq!(st[1]["Action"], "s3:GetObject");
    let source = st[1]["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
        .as_str()
        .expect("the distribution's ARN");
    assert!(
        source.contains(":distribution/${CdnDistribution"),
        "{source}"
    );
    // The files are a bucket-files asset naming the output.
    assert_eq!(
        t["Outputs"]["StaticBucketName"]["Value"]["Ref"],
        bucket_id.as_str()
    );
    assert_eq!(assembly.bucket_files.len(), 1);
    let files = &assembly.bucket_files[0];
    assert_eq!(files.destination.bucket_output, "StaticBucketName");
    assert_eq!(files.files[0].path, "site.0123456789ab.css");
    assert_eq!(
        files.files[0].cache_control,
        "public, max-age=31536000, immutable"
    );
    insta::assert_json_snapshot!("storage_cdn", t);
}

#[test]
fn an_alias_brings_its_certificate_and_modern_tls() {
    let props = StaticCdnProps {
        alias: Some(CdnAlias {
            domain_name: "static.asg.example.com".into(),
            certificate_arn: "arn:aws:acm:us-east-1:123456789012:certificate/abc".into(),
        }),
        ..StaticCdnProps::new("site-static")
    };
    let (s, _) = cdn_stack(&props);
    let t = synth_stack("storage-cdn-alias", s);
    let d = &resources_of(&t, "AWS::CloudFront::Distribution")[0].1;
    let c = &d["Properties"]["DistributionConfig"];
    assert_eq!(c["Aliases"], json!(["static.asg.example.com"]));
    assert_eq!(
        c["ViewerCertificate"]["MinimumProtocolVersion"],
        "TLSv1.2_2021"
    );
    assert_eq!(c["ViewerCertificate"]["SslSupportMethod"], "sni-only");
    let skipped = d["Metadata"]["checkov"]["skip"].to_string();
    assert!(
        !skipped.contains("CKV_AWS_174"),
        "no TLS suppression with an alias: {skipped}"
    );
}

#[test]
fn bad_cdn_props_name_the_construct_and_field() {
    let mut s = stack("Bad");
    let e = StaticCdn::new(
        &mut s.root(),
        "Cdn",
        &StaticCdnProps::new("no spaces allowed"),
    )
    .unwrap_err();
    assert_eq!(field_of(&e), ("Bad/Cdn", "name"));
    let props = StaticCdnProps {
        cache_policy_id: "CachingOptimized".into(),
        ..StaticCdnProps::new("ok")
    };
    let e = StaticCdn::new(&mut s.root(), "Cdn2", &props).unwrap_err();
    assert_eq!(field_of(&e), ("Bad/Cdn2", "cache_policy_id"));
}

#[test]
fn files_for_a_missing_output_fail_synth_naming_the_asset() {
    let mut s = stack("Static");
    s.add_bucket_files(
        "StaticFiles",
        AssetSource::directory(env!("CARGO_MANIFEST_DIR")),
        constructs::asset::BucketDestination::new("NoSuchOutput"),
    )
    .unwrap();
    let mut app = App::new();
    app.add_stack(s).unwrap();
    let e = synth::synth(&app).unwrap_err().to_string();
    assert!(
        e.contains("Static/StaticFiles") && e.contains("NoSuchOutput"),
        "{e}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Whatever the props, the file system's tier admits only NFS from the tiers it was told,
    /// never a CIDR, and the data is encrypted and retained.
    #[test]
    fn the_file_system_is_reachable_only_from_admitted_tiers_on_nfs(
        uid in 1u32..60000,
        dir in "/[a-z]{1,8}(/[a-z0-9_-]{1,8}){0,2}",
        ia in proptest::option::of(0usize..9),
        backups in any::<bool>(),
    ) {
        let mut props = FileSystemProps::for_user(uid, uid, dir);
        props.transition_to_ia = ia.map(|i| constructs::storage::TransitionDays::ALL[i]);
        props.backups = backups;
        let (s, _, _) = files_with_workload(&props);
        let mut app = App::new();
        app.add_stack(s).unwrap();
        let t = synth::synth(&app).expect("synth").stacks.remove(0).template;
        let fs_group = resources_of(&t, "AWS::EC2::SecurityGroup")
            .into_iter()
            .find(|(id, _)| id.starts_with("MediaSecurityGroup"))
            .map(|(id, _)| id.clone())
            .expect("file system tier");
        for (_, r) in resources_of(&t, "AWS::EC2::SecurityGroupIngress") {
            let p = &r["Properties"];
            if p["GroupId"]["Fn::GetAtt"][0] == fs_group.as_str() {
                prop_assert_eq!(&p["FromPort"], &json!(2049));
                prop_assert_eq!(&p["ToPort"], &json!(2049));
                prop_assert!(p.get("CidrIp").is_none() && p.get("CidrIpv6").is_none());
                prop_assert!(p["SourceSecurityGroupId"]["Fn::GetAtt"][0].as_str().unwrap().starts_with("WebSecurityGroup"));
            }
        }
        prop_assert!(resources_of(&t, "AWS::EC2::SecurityGroupEgress").iter().all(|(_, r)| {
            r["Properties"]["GroupId"]["Fn::GetAtt"][0] != fs_group.as_str()
        }), "the file system's tier has no egress");
        let fs = resources_of(&t, "AWS::EFS::FileSystem")[0].1;
        prop_assert_eq!(&fs["Properties"]["Encrypted"], &json!(true));
        prop_assert_eq!(&fs["DeletionPolicy"], &json!("Retain"));
    }
}

//! The whole reference architecture on the project's emulator, through the real CLI, from an
//! empty account:
//!
//! 1. the parent hosted zone the default config names is created (as a user's existing zone);
//! 2. `deploy` (no `--stack`) publishes the application asset and creates all five stacks in
//!    the manifest's order, with nothing in between;
//! 3. every stack is `CREATE_COMPLETE`; the images stack's AMI parameter holds the AMI the
//!    application image registered in EC2, and every launch template launches exactly it; the
//!    database cluster, the certificate (ISSUED), the secrets, the migrations pipeline and the
//!    asset object exist through their own service APIs; the CloudFront distribution serves the
//!    static files' bucket, which holds every collected file (published after the data
//!    stack); the EFS file system has its mount targets, policy, access point and lifecycle;
//! 4. a second `deploy` is a no-op for every stack;
//! 5. a config change of the instance type updates only the app stack (its launch template);
//!    a new workload adds a second group and launch template to the app stack and its host to
//!    the data stack's `ALLOWED_HOSTS` setting, and changes nothing else;
//! 6. an edit of the application builds a new application image and rolls both groups onto
//!    its AMI (network and data unchanged), and uploads only the new static file; a new
//!    lifecycle of the file system updates the data stack alone;
//! 7. `destroy` deletes every stack and leaves only what is retained on purpose (the final
//!    snapshot, the file system, the static files' bucket).
//!
//! Skipped with a loud message when `MOTO_PYTHON` is unset (fails instead when `CI` is set);
//! `scripts/test.sh` sets it.

use crate::emulator_support;

use emulator_support::{Moto, RefArch, encode, values};
use serde_json::json;

const STACKS: [&str; 5] = [
    "refarch-dev-network",
    "refarch-dev-data",
    "refarch-dev-images",
    "refarch-dev-app",
    "refarch-dev-delivery",
];

/// The outcome line `deploy` printed for `stack` (`<stack>: <outcome>`).
fn outcome<'a>(stdout: &'a str, stack: &str) -> &'a str {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{stack}: ")))
        .unwrap_or_else(|| panic!("no outcome for {stack} in:\n{stdout}"))
}

/// Asserts that `deploy` updated exactly `updated` and found no changes in the other stacks.
fn expect_updates(stdout: &str, updated: &[&str]) {
    for stack in STACKS {
        let expected = if updated.contains(&stack) {
            "UPDATE_COMPLETE"
        } else {
            "no changes"
        };
        assert_eq!(outcome(stdout, stack), expected, "{stdout}");
    }
}

fn stack_status(moto: &Moto, stack: &str) -> Option<String> {
    let (status, body) = moto.cfn(&format!("Action=DescribeStacks&StackName={stack}"));
    if status == 400 && body.contains("does not exist") {
        return None;
    }
    assert_eq!(status, 200, "DescribeStacks {stack}: {body}");
    values(&body, "StackStatus").pop()
}

fn ssm_value(moto: &Moto, name: &str) -> String {
    let out = moto.json("ssm", "AmazonSSM.GetParameter", &json!({"Name": name}));
    out["Parameter"]["Value"]
        .as_str()
        .unwrap_or_else(|| panic!("{name}: {out}"))
        .to_owned()
}

/// (launch template id, image id, instance type) of every launch template's latest version.
fn launch_templates(moto: &Moto) -> Vec<(String, String, String)> {
    let list = moto.ec2("Action=DescribeLaunchTemplates");
    values(&list, "launchTemplateId")
        .into_iter()
        .map(|id| {
            let v = moto.ec2(&format!(
                "Action=DescribeLaunchTemplateVersions&LaunchTemplateId={}&LaunchTemplateVersion.1=%24Latest",
                encode(&id)
            ));
            let image = values(&v, "imageId").pop().unwrap_or_default();
            let kind = values(&v, "instanceType").pop().unwrap_or_default();
            (id, image, kind)
        })
        .collect()
}

/// The value of a stack output.
fn stack_output(moto: &Moto, stack: &str, key: &str) -> String {
    let (status, body) = moto.cfn(&format!("Action=DescribeStacks&StackName={stack}"));
    assert_eq!(status, 200, "{body}");
    let at = body
        .find(&format!("<OutputKey>{key}</OutputKey>"))
        .unwrap_or_else(|| panic!("{stack} has no output {key}: {body}"));
    values(&body[at..], "OutputValue").remove(0)
}

/// An EFS REST call that must succeed.
fn efs(moto: &Moto, path: &str) -> serde_json::Value {
    let (status, body) = moto.request("elasticfilesystem", "GET", path, &[], "");
    assert_eq!(status, 200, "EFS {path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("EFS {path}: {e}: {body}"))
}

/// Checks every file of the manifest's static files is an object of `bucket` with its type,
/// cache rule and hash.
fn check_static_objects(moto: &Moto, manifest: &serde_json::Value, bucket: &str) -> usize {
    let sets = manifest["bucketFiles"].as_array().expect("bucket files");
    assert_eq!(sets.len(), 1, "{sets:?}");
    let files = sets[0]["files"].as_array().expect("files");
    assert!(
        files
            .iter()
            .any(|f| f["path"].as_str().unwrap().ends_with(".css"))
    );
    for f in files {
        let path = f["path"].as_str().unwrap();
        let (status, head, _) =
            moto.request_with_headers("s3", "HEAD", &format!("/{bucket}/{path}"), &[], "");
        assert_eq!(status, 200, "{path} is in the static files' bucket");
        for (name, want) in [
            ("content-type", &f["contentType"]),
            ("cache-control", &f["cacheControl"]),
            ("x-amz-meta-sha256", &f["sha256"]),
        ] {
            let want = want.as_str().unwrap().to_ascii_lowercase();
            assert!(
                head.contains(&format!("{name}: {want}")),
                "{path}: {name} {want}:\n{head}"
            );
        }
    }
    files.len()
}

#[test]
fn the_whole_architecture_comes_up_from_empty_with_one_deploy_and_goes_away_with_one_destroy() {
    let Some(moto) = Moto::start("refarch-whole") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let out_dir = work.path().join("assembly");
    let out = out_dir.to_str().expect("UTF-8 temp path");
    let write = |name: &str, text: &str| {
        let path = work.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().expect("UTF-8 temp path").to_owned()
    };
    // The application from a copy of app/, so the test can edit it; a short-lived environment:
    // the cluster may be deleted (its final snapshot is still taken).
    let app_dir = work.path().join("app");
    copy_dir(
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../app")),
        &app_dir,
    );
    let base = format!(
        "[application]\nsource_dir = {:?}\n[database]\ndeletion_protection = false\n",
        app_dir.to_str().expect("UTF-8 temp path")
    );
    let base = base.as_str();
    let config = write("dev.toml", base);
    let mut cli = RefArch::new(&moto, work.path());

    // 1. The user's existing public zone, with the id the default config names.
    let (status, zone) = moto.request(
        "route53",
        "POST",
        "/_emulator/route53/hosted-zones",
        &[("Content-Type", "application/json")],
        &json!({"Name": "example.com", "Id": "Z0123456789ABCDEFGHIJ"}).to_string(),
    );
    assert_eq!(status, 201, "{zone}");

    // A bucket for templates over the inline limit (the app stack with two workloads), as a
    // user deploying that config on AWS passes one.
    let (status, body) = moto.request("s3", "PUT", "/refarch-templates", &[], "");
    assert_eq!(status, 200, "{body}");

    // 2. One command, every stack.
    let deploy = |cli: &mut RefArch, config: &str| {
        cli.run(&[
            "deploy",
            "--config",
            config,
            "--yes",
            "--timeout",
            "5m",
            "--template-bucket",
            "refarch-templates",
            "--out",
            out,
        ])
    };
    let run = deploy(&mut cli, &config);
    run.expect_code(0);
    for stack in STACKS {
        assert_eq!(
            outcome(&run.stdout, stack),
            "CREATE_COMPLETE",
            "{}",
            run.stderr
        );
    }
    let order: Vec<usize> = STACKS
        .iter()
        .map(|s| run.stdout.find(&format!("{s}: ")).unwrap())
        .collect();
    assert!(
        order.is_sorted(),
        "deployed in the manifest's order:\n{}",
        run.stdout
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("manifest.json")).unwrap())
            .unwrap();
    let key = manifest["assets"][0]["objectKey"]
        .as_str()
        .expect("the application asset")
        .to_owned();
    assert!(
        run.stderr.contains(&format!(
            "uploaded {} bytes to s3://cfnrs-assets-123456789012-us-east-1/{key}",
            std::fs::metadata(out_dir.join(manifest["assets"][0]["file"].as_str().unwrap()))
                .unwrap()
                .len()
        )),
        "{}",
        run.stderr
    );

    // 3. Every stack complete; the AMI the images stack built is what every group launches.
    for stack in STACKS {
        assert_eq!(
            stack_status(&moto, stack).as_deref(),
            Some("CREATE_COMPLETE")
        );
    }
    let ami = ssm_value(&moto, "/refarch/dev/ami/application");
    assert!(ami.starts_with("ami-"), "{ami}");
    let images = moto.ec2(&format!("Action=DescribeImages&ImageId.1={}", encode(&ami)));
    assert_eq!(
        values(&images, "imageId"),
        std::slice::from_ref(&ami),
        "{images}"
    );
    let templates = launch_templates(&moto);
    assert_eq!(templates.len(), 1, "{templates:?}");
    assert!(
        templates.iter().all(|(_, image, _)| *image == ami),
        "every launch template launches the built AMI {ami}: {templates:?}"
    );

    let clusters = moto
        .query("rds", "Action=DescribeDBClusters&Version=2014-10-31")
        .1;
    assert!(
        clusters.contains("<Engine>aurora-postgresql</Engine>"),
        "{clusters}"
    );
    let certificates = moto.json("acm", "CertificateManager.ListCertificates", &json!({}));
    let arns: Vec<&str> = certificates["CertificateSummaryList"]
        .as_array()
        .expect("certificates")
        .iter()
        .filter_map(|c| c["CertificateArn"].as_str())
        .collect();
    assert_eq!(arns.len(), 1, "{certificates}");
    let cert = moto.json(
        "acm",
        "CertificateManager.DescribeCertificate",
        &json!({"CertificateArn": arns[0]}),
    );
    assert_eq!(cert["Certificate"]["Status"], "ISSUED", "{cert}");
    assert_eq!(
        cert["Certificate"]["DomainName"],
        "dashboard.asg.example.com"
    );
    let secrets = moto.json("secretsmanager", "secretsmanager.ListSecrets", &json!({}));
    let secret_count = secrets["SecretList"].as_array().map_or(0, Vec::len);
    assert!(
        secret_count >= 2,
        "the cluster's managed secret and the app's secret key: {secrets}"
    );
    let pipelines = moto.json(
        "codepipeline",
        "CodePipeline_20150709.ListPipelines",
        &json!({}),
    );
    assert_eq!(
        pipelines["pipelines"].as_array().map_or(0, Vec::len),
        1,
        "{pipelines}"
    );
    let (status, _) = moto.request(
        "s3",
        "HEAD",
        &format!("/cfnrs-assets-123456789012-us-east-1/{key}"),
        &[],
        "",
    );
    assert_eq!(status, 200, "the asset object is in the assets bucket");

    // 3b. Static files: the distribution serves the private bucket through its origin access
    //     control, HTTPS only, with access logs; every collected file is an object there (type,
    //     cache rule, hash), published after the data stack; the app's STATIC_URL is the
    //     distribution.
    let static_bucket = stack_output(&moto, "refarch-dev-data", "StaticBucketName");
    let files = check_static_objects(&moto, &manifest, &static_bucket);
    assert!(
        run.stderr.contains(&format!(
            "{files} file(s) uploaded, 0 unchanged in s3://{static_bucket}/"
        )),
        "{}",
        run.stderr
    );
    let (status, list) = moto.request("cloudfront", "GET", "/2020-05-31/distribution", &[], "");
    assert_eq!(status, 200, "{list}");
    let ids = values(&list, "Id");
    let domain = values(&list, "DomainName");
    let (status, config_xml) = moto.request(
        "cloudfront",
        "GET",
        &format!("/2020-05-31/distribution/{}", ids[0]),
        &[],
        "",
    );
    assert_eq!(status, 200, "{config_xml}");
    for part in [
        "<ViewerProtocolPolicy>redirect-to-https</ViewerProtocolPolicy>",
        "<Compress>true</Compress>",
        "<CachePolicyId>658327ea-f89d-4fab-a63d-7e88639e58f6</CachePolicyId>",
        &format!("<DomainName>{static_bucket}.s3."),
    ] {
        assert!(config_xml.contains(part), "{part}: {config_xml}");
    }
    let (status, controls) = moto.request(
        "cloudfront",
        "GET",
        "/2020-05-31/origin-access-control",
        &[],
        "",
    );
    assert_eq!(status, 200, "{controls}");
    assert!(
        controls.contains("<Name>refarch-dev-static</Name>")
            && controls.contains("<SigningProtocol>sigv4</SigningProtocol>"),
        "{controls}"
    );
    let logging = &config_xml[config_xml.find("<Logging>").expect("logging")..];
    assert!(
        logging.starts_with("<Logging><Enabled>true</Enabled>")
            || values(logging, "Enabled")[0] == "true",
        "{logging}"
    );
    let cdn_domain = domain
        .iter()
        .find(|d| d.ends_with(".cloudfront.net"))
        .expect("the distribution's domain");
    assert_eq!(
        ssm_value(&moto, "/refarch/dev/STATIC_URL"),
        format!("https://{cdn_domain}/")
    );
    // Shared files: an encrypted file system, a mount target per zone, the access point of
    // the service user; the app's MEDIA_ROOT is the mount point the instances mount it at.
    let systems = efs(&moto, "/2015-02-01/file-systems");
    let systems = systems["FileSystems"].as_array().expect("file systems");
    assert_eq!(systems.len(), 1, "{systems:?}");
    let fs_id = systems[0]["FileSystemId"].as_str().unwrap().to_owned();
    assert_eq!(systems[0]["Encrypted"], true);
    assert_eq!(systems[0]["NumberOfMountTargets"], 2);
    assert_eq!(
        stack_output(&moto, "refarch-dev-data", "FileSystemId"),
        fs_id
    );
    let policy = efs(&moto, &format!("/2015-02-01/file-systems/{fs_id}/policy"));
    assert!(
        policy["Policy"]
            .as_str()
            .unwrap()
            .contains("aws:SecureTransport"),
        "{policy}"
    );
    let points = efs(
        &moto,
        &format!("/2015-02-01/access-points?FileSystemId={fs_id}"),
    );
    assert_eq!(
        points["AccessPoints"][0]["PosixUser"]["Uid"], 1500,
        "{points}"
    );
    let lifecycle = efs(
        &moto,
        &format!("/2015-02-01/file-systems/{fs_id}/lifecycle-configuration"),
    );
    assert_eq!(
        lifecycle["LifecyclePolicies"][0]["TransitionToIA"],
        "AFTER_30_DAYS"
    );
    assert_eq!(
        ssm_value(&moto, "/refarch/dev/MEDIA_ROOT"),
        "/var/lib/refarch/media"
    );

    // 4. Nothing changed: every stack is a no-op.
    let run = deploy(&mut cli, &config);
    run.expect_code(0);
    expect_updates(&run.stdout, &[]);
    assert!(run.stderr.contains("already in s3://"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("0 file(s) uploaded, {files} unchanged")),
        "the static files are not uploaded again: {}",
        run.stderr
    );

    // 5a. Another instance type: only the app stack (its launch template) changes.
    let bigger = write(
        "bigger.toml",
        &format!("{base}[[workloads]]\nname = \"web\"\ninstance_type = \"t3.large\"\n"),
    );
    let run = deploy(&mut cli, &bigger);
    run.expect_code(0);
    expect_updates(&run.stdout, &["refarch-dev-app"]);
    let templates = launch_templates(&moto);
    assert_eq!(templates.len(), 1, "{templates:?}");
    assert_eq!(templates[0].2, "t3.large", "{templates:?}");
    assert_eq!(templates[0].1, ami, "still the built AMI");

    // 5b. A second workload: a second group behind the same balancer.
    let two = write(
        "two.toml",
        &format!(
            "{base}[[workloads]]\nname = \"web\"\ninstance_type = \"t3.large\"\n\
             [[workloads]]\nname = \"admin\"\nhosts = [\"admin\"]\n"
        ),
    );
    let run = deploy(&mut cli, &two);
    run.expect_code(0);
    // The data stack publishes the hosts the app answers to (ALLOWED_HOSTS), which gains the
    // new workload's host; nothing else changes there.
    expect_updates(&run.stdout, &["refarch-dev-data", "refarch-dev-app"]);
    assert_eq!(
        ssm_value(&moto, "/refarch/dev/ALLOWED_HOSTS"),
        "dashboard.asg.example.com,admin.asg.example.com"
    );
    let templates = launch_templates(&moto);
    assert_eq!(templates.len(), 2, "{templates:?}");
    assert!(templates.iter().all(|(_, image, _)| *image == ami));
    let groups = moto.query(
        "autoscaling",
        "Action=DescribeAutoScalingGroups&Version=2011-01-01",
    );
    assert_eq!(
        values(&groups.1, "AutoScalingGroupName").len(),
        2,
        "{}",
        groups.1
    );

    // 5c. An edit of the application: a new archive, so a new application image (the system
    //     and middleware images stay), its AMI in both launch templates, and the pipeline
    //     migrating from the new object; network and data do not change.
    std::fs::write(app_dir.join("VERSION"), "2\n").unwrap();
    // A new static file, as collectstatic writes it: one more object, the others unchanged.
    std::fs::write(
        app_dir.join("collected_static/dashboard/print.0123456789ab.css"),
        "@media print{header{display:none}}\n",
    )
    .unwrap();
    let run = deploy(&mut cli, &two);
    run.expect_code(0);
    expect_updates(
        &run.stdout,
        &[
            "refarch-dev-images",
            "refarch-dev-app",
            "refarch-dev-delivery",
        ],
    );
    let new_ami = ssm_value(&moto, "/refarch/dev/ami/application");
    assert_ne!(new_ami, ami, "a new application image");
    let templates = launch_templates(&moto);
    assert_eq!(templates.len(), 2, "{templates:?}");
    assert!(
        templates.iter().all(|(_, image, _)| *image == new_ami),
        "both groups launch the new AMI {new_ami}: {templates:?}"
    );
    assert!(
        run.stderr.contains("uploaded"),
        "the new archive is uploaded: {}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains(&format!("1 file(s) uploaded, {files} unchanged")),
        "only the new static file is uploaded: {}",
        run.stderr
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(
        check_static_objects(&moto, &manifest, &static_bucket),
        files + 1
    );

    // 5d. The file system's lifecycle: an in-place update of the data stack only.
    let lifecycle90 = write(
        "lifecycle.toml",
        &format!(
            "{base}[file_system]\ntransition_to_ia_days = 90\n[[workloads]]\nname = \"web\"\n\
             instance_type = \"t3.large\"\n[[workloads]]\nname = \"admin\"\nhosts = [\"admin\"]\n"
        ),
    );
    let run = deploy(&mut cli, &lifecycle90);
    run.expect_code(0);
    expect_updates(&run.stdout, &["refarch-dev-data"]);
    let lifecycle = efs(
        &moto,
        &format!("/2015-02-01/file-systems/{fs_id}/lifecycle-configuration"),
    );
    assert_eq!(
        lifecycle["LifecyclePolicies"][0]["TransitionToIA"],
        "AFTER_90_DAYS"
    );
    let two = lifecycle90;

    // 6. Destroy: every stack goes; what stays is only what the templates retain on purpose.
    let run = cli.run(&[
        "destroy",
        "--config",
        &two,
        "--yes",
        "--timeout",
        "5m",
        "--out",
        out,
    ]);
    run.expect_code(0);
    for stack in STACKS {
        assert_eq!(stack_status(&moto, stack), None, "{stack} is gone");
    }
    let vpcs = moto.ec2("Action=DescribeVpcs");
    assert!(
        !vpcs.contains("172.18.0.0/16"),
        "the VPC is deleted: {vpcs}"
    );
    assert!(
        launch_templates(&moto).is_empty(),
        "no launch template left"
    );
    let clusters = moto
        .query("rds", "Action=DescribeDBClusters&Version=2014-10-31")
        .1;
    assert!(
        !clusters.contains("<DBClusterIdentifier>"),
        "the cluster is deleted (after its final snapshot): {clusters}"
    );
    let snapshots = moto
        .query(
            "rds",
            "Action=DescribeDBClusterSnapshots&Version=2014-10-31",
        )
        .1;
    assert!(
        snapshots.contains("<DBClusterSnapshotIdentifier>"),
        "DeletionPolicy Snapshot kept a final snapshot: {snapshots}"
    );
    // The file system and the static files' bucket are retained (DeletionPolicy Retain):
    // the files outlive the stacks; the mount targets are gone.
    let systems = efs(
        &moto,
        &format!("/2015-02-01/file-systems?FileSystemId={fs_id}"),
    );
    assert_eq!(
        systems["FileSystems"][0]["NumberOfMountTargets"], 0,
        "{systems}"
    );
    let (status, _) = moto.request("s3", "HEAD", &format!("/{static_bucket}"), &[], "");
    assert_eq!(status, 200, "the static files' bucket is retained");
    let (status, list) = moto.request("cloudfront", "GET", "/2020-05-31/distribution", &[], "");
    assert_eq!(status, 200);
    assert!(
        values(&list, "Id").is_empty(),
        "the distribution is deleted: {list}"
    );
    assert!(
        run.stdout.contains("kept") || run.stderr.contains("kept"),
        "destroy reports what it kept:\n{}\n{}",
        run.stdout,
        run.stderr
    );
    assert!(
        moto.server_errors().is_empty(),
        "{:?}",
        moto.server_errors()
    );
}

/// Before any change set: a config pinned to another account than the caller's is refused with
/// one readable error naming both accounts, and nothing is created; `destroy` refuses too.
#[test]
fn a_pinned_account_that_is_not_the_callers_stops_deploy_and_destroy_before_anything_happens() {
    let Some(moto) = Moto::start("refarch-preflight") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let config = work.path().join("prod.toml");
    std::fs::write(&config, "account = \"111111111111\"\n").unwrap();
    let out = work.path().join("assembly");
    let mut cli = RefArch::new(&moto, work.path());
    let run = cli.run(&[
        "deploy",
        "--config",
        config.to_str().unwrap(),
        "--yes",
        "--out",
        out.to_str().unwrap(),
    ]);
    run.expect_code(1);
    let error: Vec<&str> = run
        .stderr
        .lines()
        .skip_while(|l| !l.starts_with("error: "))
        .collect();
    assert!(
        error[0].starts_with("error: nothing was done: pre-flight found"),
        "{}",
        run.stderr
    );
    let text = error.join("\n");
    assert!(
        text.contains(&format!(
            "stacks {} are pinned to account 111111111111, but the credentials are for account \
             123456789012",
            STACKS.join(", ")
        )),
        "{text}"
    );
    // The parent zone is missing too, and said so in the same run.
    assert!(
        text.contains("hosted zone Z0123456789ABCDEFGHIJ does not exist"),
        "{text}"
    );
    assert!(
        !text.contains("ServiceError")
            && !text.contains("Response {")
            && error.iter().all(|l| l.len() < 400),
        "short readable lines, no SDK debug output: {text}"
    );
    for stack in STACKS {
        assert_eq!(stack_status(&moto, stack), None, "{stack} was not created");
    }

    // `destroy --yes` in the wrong account is refused the same way, before any deletion.
    let run = cli.run(&[
        "destroy",
        "--config",
        config.to_str().unwrap(),
        "--yes",
        "--out",
        out.to_str().unwrap(),
    ]);
    run.expect_code(1);
    assert!(
        run.stderr
            .contains("error: nothing was done: pre-flight found 1 problem(s)")
            && run.stderr.contains("pinned to account 111111111111"),
        "{}",
        run.stderr
    );
}

/// Copies the directory tree `from` to `to` (files and directories only).
fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            copy_dir(&entry.path(), &target);
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

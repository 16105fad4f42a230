//! Subzone and Balancer, checked on the rendered template.

use crate::support;

use constructs::compute::{Workload, WorkloadProps};
use constructs::edge::{Balancer, BalancerProps, Route, Subzone, SubzoneProps, TlsPolicy};
use constructs::network::HaVpc;
use constructs::{ConstructError, Stack};
use serde_json::{Value as Json, json};
use support::{resources_of, stack_with_vpc, synth_stack};

const PARENT_ZONE: &str = "Z0123456789ABCDEFGHIJ";

fn zone(s: &mut Stack) -> Subzone {
    Subzone::new(
        &mut s.root(),
        "Zone",
        &SubzoneProps::new("asg", "example.com", PARENT_ZONE),
    )
    .expect("subzone")
}

fn balancer(s: &mut Stack, vpc: &HaVpc, zone: &Subzone, props: &BalancerProps) -> Balancer {
    Balancer::new(
        &mut s.root(),
        "Balancer",
        props,
        vpc.vpc_id(),
        vpc.public_subnets(),
        zone,
    )
    .expect("balancer")
}

fn workload(s: &mut Stack, vpc: &HaVpc, id: &str) -> Workload {
    Workload::new(
        &mut s.root(),
        id,
        &WorkloadProps::default(),
        vpc.vpc_id(),
        vpc.private_subnets(),
    )
    .expect("workload")
}

fn field_of(e: &ConstructError) -> &str {
    match e {
        ConstructError::InvalidConfig { field, .. } => field,
        other => panic!("expected InvalidConfig, got {other}"),
    }
}

fn one<'t>(t: &'t Json, type_name: &str, id_part: &str) -> &'t Json {
    let found: Vec<_> = resources_of(t, type_name)
        .into_iter()
        .filter(|(id, _)| id.contains(id_part))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one {type_name} matching {id_part}: {found:?}"
    );
    found[0].1
}

/// The seed's edge (sub-zone `asg`, dashboard routed to a workload, foo/bar/balancer aliases),
/// with the seed's gaps closed.
#[test]
fn default_edge_redirects_http_serves_tls13_and_answers_404_by_default() {
    let (mut s, vpc) = stack_with_vpc("EdgeDefault");
    let zone = zone(&mut s);
    let hosts: Vec<String> = ["balancer", "foo", "bar", "dashboard"]
        .iter()
        .map(|h| zone.host(h))
        .collect();
    let mut lb = balancer(&mut s, &vpc, &zone, &BalancerProps::new(hosts.clone()));
    let web = workload(&mut s, &vpc, "Web");
    lb.attach(
        &mut s.root(),
        "DashboardRule",
        &web,
        &Route::hosts([zone.host("dashboard")])
            .paths(["*", "/", "/*"])
            .priority(10),
    )
    .expect("route");
    for label in ["balancer", "foo", "bar", "dashboard"] {
        zone.alias(&mut s.root(), &format!("{label}Alias"), label, &lb)
            .expect("alias");
    }
    let t = synth_stack("edge-default", s);

    // Delegation: NS in the parent zone, seed TTL, the sub-zone's name servers.
    let ns = one(&t, "AWS::Route53::RecordSet", "Delegation");
    assert_eq!(ns["Properties"]["Type"], "NS");
    assert_eq!(ns["Properties"]["Name"], "asg.example.com");
    assert_eq!(ns["Properties"]["HostedZoneId"], PARENT_ZONE);
    assert_eq!(ns["Properties"]["TTL"], "60");
    assert!(ns["Properties"]["ResourceRecords"]["Fn::GetAtt"].is_array());

    // Certificate: DNS-validated in the sub-zone, after the delegation exists.
    let (ns_id, _) = resources_of(&t, "AWS::Route53::RecordSet")
        .into_iter()
        .find(|(id, _)| id.contains("Delegation"))
        .expect("delegation");
    let cert = one(&t, "AWS::CertificateManager::Certificate", "");
    assert_eq!(cert["Properties"]["DomainName"], "balancer.asg.example.com");
    assert_eq!(
        cert["Properties"]["SubjectAlternativeNames"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
    assert_eq!(cert["Properties"]["ValidationMethod"], "DNS");
    let options = cert["Properties"]["DomainValidationOptions"]
        .as_array()
        .expect("options");
    assert_eq!(options.len(), 4);
    assert!(options.iter().all(|o| o["HostedZoneId"]["Ref"].is_string()));
    assert!(cert["DependsOn"].to_string().contains(ns_id.as_str()));

    // Listeners: HTTPS with TLS 1.3 and a 404 default; HTTP redirects with 301.
    let https = one(&t, "AWS::ElasticLoadBalancingV2::Listener", "Https");
    assert_eq!(
        https["Properties"]["SslPolicy"],
        "ELBSecurityPolicy-TLS13-1-2-2021-06"
    );
    assert_eq!(https["Properties"]["Port"], 443);
    let default = &https["Properties"]["DefaultActions"][0];
    assert_eq!(default["Type"], "fixed-response");
    assert_eq!(default["FixedResponseConfig"]["StatusCode"], "404");
    let http = one(&t, "AWS::ElasticLoadBalancingV2::Listener", "HttpListener");
    let redirect = &http["Properties"]["DefaultActions"][0];
    assert_eq!(redirect["Type"], "redirect");
    assert_eq!(redirect["RedirectConfig"]["Protocol"], "HTTPS");
    assert_eq!(redirect["RedirectConfig"]["StatusCode"], "HTTP_301");

    // Load balancer attributes.
    let lb_json = one(&t, "AWS::ElasticLoadBalancingV2::LoadBalancer", "");
    let attrs: Vec<(String, Json)> = lb_json["Properties"]["LoadBalancerAttributes"]
        .as_array()
        .expect("attributes")
        .iter()
        .map(|a| {
            (
                a["Key"].as_str().unwrap_or_default().to_owned(),
                a["Value"].clone(),
            )
        })
        .collect();
    let attr = |k: &str| {
        attrs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(
        attr("routing.http.drop_invalid_header_fields.enabled"),
        Some(json!("true"))
    );
    assert_eq!(attr("deletion_protection.enabled"), Some(json!("true")));
    assert_eq!(attr("access_logs.s3.enabled"), Some(json!("true")));
    assert_eq!(lb_json["Properties"]["Scheme"], "internet-facing");

    // Access-log bucket: SSE-S3, versioned, retained, TLS-only, ELB delivery principal.
    let bucket = one(&t, "AWS::S3::Bucket", "AccessLogs");
    assert_eq!(bucket["DeletionPolicy"], "Retain");
    assert_eq!(
        bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
            ["SSEAlgorithm"],
        "AES256"
    );
    assert_eq!(
        bucket["Properties"]["VersioningConfiguration"]["Status"],
        "Enabled"
    );
    let policy = one(&t, "AWS::S3::BucketPolicy", "AccessLogs").to_string();
    assert!(policy.contains("aws:SecureTransport"));
    assert!(policy.contains("logdelivery.elasticloadbalancing.amazonaws.com"));

    // Rule: explicit priority, host and path conditions, forward to the workload.
    let rule = one(
        &t,
        "AWS::ElasticLoadBalancingV2::ListenerRule",
        "DashboardRule",
    );
    assert_eq!(rule["Properties"]["Priority"], 10);
    assert_eq!(rule["Properties"]["Actions"][0]["Type"], "forward");

    // Aliases: A records to the balancer, evaluated for health.
    let aliases: Vec<_> = resources_of(&t, "AWS::Route53::RecordSet")
        .into_iter()
        .filter(|(_, r)| r["Properties"]["Type"] == "A")
        .collect();
    assert_eq!(aliases.len(), 4);
    assert!(
        aliases
            .iter()
            .all(|(_, r)| r["Properties"]["AliasTarget"]["EvaluateTargetHealth"] == true)
    );

    assert_only_balancer_faces_the_internet(&t, &[80, 443]);
    insta::assert_json_snapshot!("edge_default", t);
}

/// Every ingress from `0.0.0.0/0` or `::/0` targets the balancer's group on `ports` only, and
/// nothing opens 22 or 3389.
fn assert_only_balancer_faces_the_internet(t: &Json, ports: &[i64]) {
    let mut open = Vec::new();
    for (id, rule) in resources_of(t, "AWS::EC2::SecurityGroupIngress") {
        let p = &rule["Properties"];
        for port in [22, 3389] {
            let from = p["FromPort"].as_i64().unwrap_or(-1);
            let to = p["ToPort"].as_i64().unwrap_or(-1);
            assert!(!(from <= port && port <= to), "{id} opens {port}");
        }
        if p["CidrIp"] == "0.0.0.0/0" || p["CidrIpv6"] == "::/0" {
            assert!(
                p["GroupId"].to_string().contains("BalancerSecurityGroup"),
                "{id} faces the internet"
            );
            open.push(p["FromPort"].as_i64().unwrap_or_default());
        }
    }
    open.sort_unstable();
    assert_eq!(open, ports);
}

#[test]
fn without_redirect_only_443_is_open_and_there_is_no_http_listener() {
    let (mut s, vpc) = stack_with_vpc("EdgeNoRedirect");
    let zone = zone(&mut s);
    let props = BalancerProps {
        redirect_http: false,
        tls_policy: TlsPolicy::Tls13Only,
        deletion_protection: false,
        ..BalancerProps::new([zone.host("www"), format!("*.{}", zone.fqdn())])
    };
    let mut lb = balancer(&mut s, &vpc, &zone, &props);
    let web = workload(&mut s, &vpc, "Web");
    lb.attach(
        &mut s.root(),
        "WildcardRule",
        &web,
        &Route::hosts(["api.asg.example.com"]),
    )
    .expect("wildcard covers api");
    let t = synth_stack("edge-no-redirect", s);
    assert_eq!(
        resources_of(&t, "AWS::ElasticLoadBalancingV2::Listener").len(),
        1
    );
    let https = one(&t, "AWS::ElasticLoadBalancingV2::Listener", "Https");
    assert_eq!(
        https["Properties"]["SslPolicy"],
        "ELBSecurityPolicy-TLS13-1-3-2021-06"
    );
    assert_only_balancer_faces_the_internet(&t, &[443]);
}

#[test]
fn listener_rules_get_distinct_priorities_and_duplicates_are_refused() {
    let (mut s, vpc) = stack_with_vpc("EdgePriorities");
    let zone = zone(&mut s);
    let mut lb = balancer(
        &mut s,
        &vpc,
        &zone,
        &BalancerProps::new([zone.host("a"), zone.host("b")]),
    );
    let a = workload(&mut s, &vpc, "A");
    let b = workload(&mut s, &vpc, "B");
    lb.attach(
        &mut s.root(),
        "RuleA",
        &a,
        &Route::hosts([zone.host("a")]).priority(5),
    )
    .expect("explicit");
    lb.attach(&mut s.root(), "RuleB", &b, &Route::hosts([zone.host("b")]))
        .expect("automatic");
    assert_eq!(lb.priorities().iter().copied().collect::<Vec<_>>(), [5, 6]);

    let e = lb
        .attach(
            &mut s.root(),
            "RuleC",
            &b,
            &Route::hosts([zone.host("b")]).paths(["/api/*"]).priority(5),
        )
        .expect_err("duplicate priority");
    assert_eq!(field_of(&e), "route.priority");
    assert!(e.to_string().contains("already used"), "{e}");

    let e = lb
        .attach(
            &mut s.root(),
            "RuleD",
            &b,
            &Route::hosts(["other.example.org"]),
        )
        .expect_err("host outside the certificate");
    assert_eq!(field_of(&e), "route.hosts");
    let e = lb
        .attach(&mut s.root(), "RuleE", &b, &Route::default())
        .expect_err("no condition");
    assert_eq!(field_of(&e), "route");

    let t = synth_stack("edge-priorities", s);
    let priorities: Vec<i64> = resources_of(&t, "AWS::ElasticLoadBalancingV2::ListenerRule")
        .iter()
        .map(|(_, r)| r["Properties"]["Priority"].as_i64().unwrap_or_default())
        .collect();
    let mut distinct = priorities.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(priorities.len(), distinct.len());
    assert_eq!(priorities.len(), 2);
}

#[test]
fn invalid_edge_configuration_names_the_field() {
    let (mut s, vpc) = stack_with_vpc("EdgeInvalid");
    let bad_label = Subzone::new(
        &mut s.root(),
        "Bad",
        &SubzoneProps::new("-asg", "example.com", PARENT_ZONE),
    )
    .expect_err("bad label");
    assert_eq!(field_of(&bad_label), "name");
    let bad_parent = Subzone::new(
        &mut s.root(),
        "Bad2",
        &SubzoneProps::new("asg", "com", PARENT_ZONE),
    )
    .expect_err("bad parent");
    assert_eq!(field_of(&bad_parent), "parent_domain");
    let bad_zone_id = Subzone::new(
        &mut s.root(),
        "Bad3",
        &SubzoneProps::new("asg", "example.com", "not-a-zone"),
    )
    .expect_err("bad zone id");
    assert_eq!(field_of(&bad_zone_id), "parent_zone_id");

    let zone = zone(&mut s);
    let cases: Vec<(&str, BalancerProps, &str)> = vec![
        (
            "Empty",
            BalancerProps::new(Vec::<String>::new()),
            "host_names",
        ),
        (
            "Outside",
            BalancerProps::new(["www.example.org"]),
            "host_names",
        ),
        (
            "Twice",
            BalancerProps::new([zone.host("a"), zone.host("a")]),
            "host_names",
        ),
        (
            "Idle",
            BalancerProps {
                idle_timeout_seconds: 0,
                ..BalancerProps::new([zone.host("a")])
            },
            "idle_timeout_seconds",
        ),
        (
            "Prefix",
            BalancerProps {
                access_log_prefix: "/x/".into(),
                ..BalancerProps::new([zone.host("a")])
            },
            "access_log_prefix",
        ),
    ];
    for (id, props, field) in cases {
        let e = Balancer::new(
            &mut s.root(),
            id,
            &props,
            vpc.vpc_id(),
            vpc.public_subnets(),
            &zone,
        )
        .expect_err(id);
        assert_eq!(field_of(&e), field, "{id}: {e}");
    }
    let lb = balancer(&mut s, &vpc, &zone, &BalancerProps::new([zone.host("a")]));
    let e = zone
        .alias(&mut s.root(), "Alias", "www.example.org", &lb)
        .expect_err("alias outside the zone");
    assert_eq!(field_of(&e), "host");
}

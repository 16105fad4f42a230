//! Network isolation invariants of the reference architecture, checked on the rendered templates
//! for random valid configurations; random invalid configurations get an error naming a field.

use crate::support;

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use proptest::prelude::*;
use refarch_app::arch;
use refarch_app::config::{NatConfig, RefArchConfig, WorkloadConfig};
use serde_json::Value as Json;
use support::{Model, ingress_rules};

fn valid_config() -> impl Strategy<Value = RefArchConfig> {
    let engine = prop_oneof![
        Just(refarch_app::config::EngineConfig::AuroraPostgresql),
        Just(refarch_app::config::EngineConfig::AuroraMysql)
    ];
    (
        engine,
        any::<bool>(),
        1usize..=3,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_flat_map(|(engine, redirect, workloads, cdn, files)| {
            base_config().prop_map(move |mut c| {
                c.database.engine = engine;
                c.domain.redirect_http = redirect;
                c.static_files.enabled = cdn;
                c.file_system.enabled = files;
                let first = c.workloads[0].clone();
                c.workloads = (0..workloads)
                    .map(|i| WorkloadConfig {
                        name: format!("w{i}"),
                        hosts: vec![format!("host{i}")],
                        app_port: first.app_port.saturating_sub(i as u16).max(1024),
                        ..first.clone()
                    })
                    .collect();
                c
            })
        })
}

fn base_config() -> impl Strategy<Value = RefArchConfig> {
    (
        2u8..=6,
        16u8..=20,
        any::<u16>(),
        prop_oneof![
            Just(NatConfig::PerAz),
            Just(NatConfig::Single),
            Just(NatConfig::None)
        ],
        1024u16..=65535,
        any::<bool>(),
        0u8..=3,
        prop_oneof![Just([10u8, 0]), Just([172, 16]), Just([192, 168])],
    )
        .prop_flat_map(|(azs, prefix, seed, nat, port, endpoints, extra, base)| {
            // Room for 3 tiers x azs subnets: 2^(mask - prefix) >= 3 * azs.
            let need = (3 * u32::from(azs)).next_power_of_two().trailing_zeros() as u8;
            let lo = prefix + need;
            let hi = (prefix + need + extra).min(28);
            (lo..=hi).prop_map(move |mask| {
                let mut c = RefArchConfig::default();
                let addr = match base {
                    [10, _] => Ipv4Addr::new(10, (seed >> 8) as u8, 0, 0),
                    [172, _] => Ipv4Addr::new(172, 16 + (seed % 16) as u8, 0, 0),
                    _ => Ipv4Addr::new(192, 168, 0, 0),
                };
                let prefix = if base == [192, 168] {
                    prefix.max(16)
                } else {
                    prefix
                };
                c.network.cidr = Ipv4Net::new(addr, prefix).expect("prefix").trunc();
                c.network.az_count = azs;
                c.network.subnet_mask = mask.max(prefix);
                c.network.nat = nat;
                c.network.interface_endpoints = endpoints;
                c.workloads[0].app_port = port;
                c
            })
        })
}

fn synth(config: &RefArchConfig) -> synth::Assembly {
    let app =
        arch::build(config).unwrap_or_else(|e| panic!("valid config rejected: {e}\n{config:?}"));
    synth::synth(&app).unwrap_or_else(|e| panic!("synth failed: {e}"))
}

fn cidr(v: &Json) -> Ipv4Net {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .expect("literal CIDR block")
}

fn port_range(rule: &Json) -> (i64, i64) {
    let n = |k: &str| rule[k].as_i64().unwrap_or(-1);
    (n("FromPort"), n("ToPort"))
}

fn check_invariants(config: &RefArchConfig, assembly: &synth::Assembly) {
    let m = Model::new(assembly);
    let vpcs: Vec<_> = m.of_type("AWS::EC2::VPC").collect();
    assert_eq!(vpcs.len(), 1);
    let vpc_block = cidr(&vpcs[0].1["Properties"]["CidrBlock"]);

    let mut per_tier: BTreeMap<String, Vec<(String, Ipv4Net)>> = BTreeMap::new();
    let mut all_blocks: Vec<Ipv4Net> = Vec::new();
    for (key, subnet) in m.of_type("AWS::EC2::Subnet") {
        let props = &subnet["Properties"];
        // No subnet hands out public IPs: instances never get one.
        assert_eq!(
            props["MapPublicIpOnLaunch"],
            Json::Bool(false),
            "{}",
            m.path(key)
        );
        let block = cidr(&props["CidrBlock"]);
        assert!(vpc_block.contains(&block), "{block} outside {vpc_block}");
        all_blocks.push(block);
        let tier = m
            .subnet_tier(key)
            .expect("every subnet is tagged with its tier");
        per_tier
            .entry(tier.clone())
            .or_default()
            .push((props["AvailabilityZone"].to_string(), block));
        if tier == "isolated" {
            let table = m
                .route_table_of(key)
                .expect("isolated subnet has a route table");
            let routes = m.routes_of(&table);
            assert!(
                routes.is_empty(),
                "isolated subnet {} has routes {routes:?}",
                m.path(key)
            );
        }
    }
    for (i, a) in all_blocks.iter().enumerate() {
        for b in &all_blocks[i + 1..] {
            assert!(!a.contains(b) && !b.contains(a), "{a} overlaps {b}");
        }
    }
    for tier in ["public", "private", "isolated"] {
        let subnets = per_tier.get(tier).cloned().unwrap_or_default();
        assert_eq!(
            subnets.len(),
            usize::from(config.network.az_count),
            "{tier}"
        );
        let mut zones: Vec<&String> = subnets.iter().map(|(z, _)| z).collect();
        zones.sort();
        zones.dedup();
        assert_eq!(zones.len(), subnets.len(), "{tier}: one subnet per zone");
    }

    let mut internet_ports: Vec<i64> = Vec::new();
    for (group, rule) in ingress_rules(&m) {
        let (from, to) = port_range(&rule);
        for forbidden in [22, 3389] {
            assert!(
                !(from <= forbidden && forbidden <= to) && from != -1,
                "{} admits port {forbidden}: {rule}",
                m.path(&group)
            );
        }
        let open = rule["CidrIp"] == "0.0.0.0/0" || rule["CidrIpv6"] == "::/0";
        if open {
            internet_ports.push(from);
            let path = m.path(&group);
            assert!(
                path.contains("/Balancer/"),
                "{path} is reachable from the internet"
            );
            assert!(
                from == to && (from == 443 || from == 80),
                "{path} open on {from}-{to}"
            );
        }
        // Inside the VPC, rules name a peer group, never a CIDR.
        if !open {
            assert!(
                rule.get("CidrIp").is_none() && rule.get("CidrIpv6").is_none(),
                "{rule}"
            );
        }
    }
    check_file_tier(config, &m);
    check_static_bucket(config, &m);
}

/// The file tier: mount targets only in private subnets, one per zone; its group admits only
/// workload tiers, only on NFS, and reaches nothing; no public or database tier reaches it.
fn check_file_tier(config: &RefArchConfig, m: &Model) {
    let targets: Vec<_> = m.of_type("AWS::EFS::MountTarget").collect();
    if !config.file_system.enabled {
        assert!(targets.is_empty());
        assert_eq!(m.of_type("AWS::EFS::FileSystem").count(), 0);
        return;
    }
    assert_eq!(targets.len(), usize::from(config.network.az_count));
    let mut groups = std::collections::BTreeSet::new();
    for (key, t) in &targets {
        let subnet = m
            .target(&key.0, &t["Properties"]["SubnetId"])
            .expect("mount target subnet");
        assert_eq!(
            m.subnet_tier(&subnet).as_deref(),
            Some("private"),
            "{}",
            m.path(key)
        );
        let sgs = t["Properties"]["SecurityGroups"]
            .as_array()
            .expect("groups");
        assert_eq!(sgs.len(), 1);
        groups.insert(m.target(&key.0, &sgs[0]).expect("group"));
    }
    assert_eq!(groups.len(), 1, "one file tier");
    let file_tier = groups.into_iter().next().expect("file tier");
    let mut admitted = 0;
    assert!(
        m.resources[&file_tier]["Properties"]["SecurityGroupIngress"].is_null(),
        "no inline ingress on the file tier"
    );
    for (k, r) in m.of_type("AWS::EC2::SecurityGroupIngress") {
        let rule = &r["Properties"];
        let group = m.target(&k.0, &rule["GroupId"]).expect("rule's group");
        if group != file_tier {
            // Nothing but the file tier is reached on NFS.
            assert!(
                port_range(rule) != (2049, 2049),
                "{} admits NFS: {rule}",
                m.path(&group)
            );
            continue;
        }
        assert_eq!(port_range(rule), (2049, 2049), "{rule}");
        assert!(
            rule.get("CidrIp").is_none() && rule.get("CidrIpv6").is_none(),
            "{rule}"
        );
        let from = m
            .target(&k.0, &rule["SourceSecurityGroupId"])
            .expect("a peer group");
        let path = m.path(&from);
        assert!(path.contains("/Workload"), "the file tier admits {path}");
        admitted += 1;
    }
    assert_eq!(
        admitted,
        config.workloads.len(),
        "every workload, and only they"
    );
    for (k, r) in m.of_type("AWS::EC2::SecurityGroupEgress") {
        let from = m.target(&k.0, &r["Properties"]["GroupId"]);
        assert!(
            from.as_ref() != Some(&file_tier),
            "the file tier has egress: {r}"
        );
        if m.target(&k.0, &r["Properties"]["DestinationSecurityGroupId"])
            .as_ref()
            == Some(&file_tier)
        {
            assert_eq!(port_range(&r["Properties"]), (2049, 2049));
            assert!(m.path(from.as_ref().expect("source")).contains("/Workload"));
        }
    }
    let fs = m
        .of_type("AWS::EFS::FileSystem")
        .next()
        .expect("file system")
        .1;
    assert_eq!(fs["Properties"]["Encrypted"], true);
    assert_eq!(fs["DeletionPolicy"], "Retain");
}

/// The static files' bucket: public access blocked, and the only principal its policy lets
/// read is CloudFront, for exactly the architecture's distribution.
fn check_static_bucket(config: &RefArchConfig, m: &Model) {
    let distributions: Vec<_> = m.of_type("AWS::CloudFront::Distribution").collect();
    assert_eq!(
        distributions.len(),
        usize::from(config.static_files.enabled)
    );
    for (key, p) in m.of_type("AWS::S3::BucketPolicy") {
        for st in p["Properties"]["PolicyDocument"]["Statement"]
            .as_array()
            .expect("statements")
        {
            if st["Effect"] != "Allow" {
                continue;
            }
            // Nothing public is ever allowed.
            assert_ne!(st["Principal"], "*", "{}", m.path(key));
            assert_ne!(st["Principal"]["AWS"], "*", "{}: {st}", m.path(key));
            if st["Principal"]["Service"] != "cloudfront.amazonaws.com" {
                continue;
            }
            assert_eq!(st["Action"], "s3:GetObject");
            let source = st["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
                .as_str()
                .expect("scoped to a distribution");
            let (dk, _) = distributions[0];
            assert!(
                source.ends_with(&format!("distribution/${{{}.Id}}", dk.1)),
                "{source}"
            );
        }
    }
    for (key, b) in m.of_type("AWS::S3::Bucket") {
        assert_eq!(
            b["Properties"]["PublicAccessBlockConfiguration"]["RestrictPublicBuckets"],
            true,
            "{}",
            m.path(key)
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn isolation_invariants_hold_for_every_valid_configuration(config in valid_config()) {
        let assembly = synth(&config);
        check_invariants(&config, &assembly);
    }

    #[test]
    fn invalid_configurations_are_rejected_with_a_field_never_a_panic(
        azs in 0u8..=12,
        prefix in 8u8..=32,
        mask in 8u8..=32,
        min in 0u32..=6,
        max in 0u32..=6,
        app in "[a-zA-Z0-9 _-]{0,24}",
    ) {
        let mut c = RefArchConfig { app, ..RefArchConfig::default() };
        c.network.az_count = azs;
        c.network.cidr = Ipv4Net::new(Ipv4Addr::new(10, 0, 0, 0), prefix).expect("prefix <= 32");
        c.network.subnet_mask = mask;
        c.workloads[0].min_size = min;
        c.workloads[0].desired_capacity = Some(min);
        c.workloads[0].max_size = max;
        let result = c
            .validate()
            .map_err(|e| e.to_string())
            .and_then(|()| arch::build(&c).map_err(|e| e.to_string()))
            .and_then(|app| synth::synth(&app).map(|_| ()).map_err(|e| e.to_string()));
        if let Err(message) = result {
            prop_assert!(message.contains('`'), "error names no field: {message}");
        }
    }
}

#[test]
fn the_default_configuration_satisfies_the_invariants() {
    let config = RefArchConfig::default();
    check_invariants(&config, &synth(&config));
}

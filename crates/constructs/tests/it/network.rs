//! HaVpc and security tiers, checked on the rendered template.

use crate::support;

use constructs::network::{
    HaVpc, HaVpcProps, InterfaceEndpoint, NatStrategy, Port, SecurityTier, allow,
};
use support::{resources_of, stack, synth_stack};

#[test]
fn default_vpc_matches_the_seed_and_isolates_database_subnets() {
    let mut s = stack("NetworkDefault");
    let vpc = HaVpc::new(
        &mut s.root(),
        "Vpc",
        &HaVpcProps {
            interface_endpoints: InterfaceEndpoint::ALL.to_vec(),
            ..HaVpcProps::default()
        },
    )
    .expect("vpc");
    let app_tier = SecurityTier::new(&mut s.root(), "App", vpc.vpc_id(), "app").expect("tier");
    vpc.allow_endpoints(&mut s, &app_tier).expect("endpoints");
    let t = synth_stack("network-default", s);
    assert_eq!(resources_of(&t, "AWS::EC2::Subnet").len(), 6);
    assert_eq!(resources_of(&t, "AWS::EC2::NatGateway").len(), 2);
    // Only public and private route tables have routes; isolated ones have none.
    let routes = resources_of(&t, "AWS::EC2::Route");
    assert_eq!(routes.len(), 4);
    for (id, _) in &routes {
        assert!(!id.contains("isolated"), "isolated subnet has route {id}");
    }
    insta::assert_json_snapshot!("network_default", t);
}

#[test]
fn single_nat_routes_every_private_subnet_through_zone_one() {
    let mut s = stack("NetworkSingleNat");
    HaVpc::new(
        &mut s.root(),
        "Vpc",
        &HaVpcProps {
            nat: NatStrategy::Single,
            az_count: 3,
            ..HaVpcProps::default()
        },
    )
    .expect("vpc");
    let t = synth_stack("network-single-nat", s);
    let nats = resources_of(&t, "AWS::EC2::NatGateway");
    assert_eq!(nats.len(), 1);
    let nat_id = nats[0].0;
    let private_routes: Vec<_> = resources_of(&t, "AWS::EC2::Route")
        .into_iter()
        .filter(|(id, _)| id.contains("private"))
        .collect();
    assert_eq!(private_routes.len(), 3);
    for (_, r) in private_routes {
        assert_eq!(
            r["Properties"]["NatGatewayId"]["Ref"],
            serde_json::json!(nat_id)
        );
    }
}

#[test]
fn allowing_a_tier_adds_matching_ingress_and_egress_once() {
    let mut s = stack("Tiers");
    let vpc = HaVpc::new(&mut s.root(), "Vpc", &HaVpcProps::default()).expect("vpc");
    let a = SecurityTier::new(&mut s.root(), "A", vpc.vpc_id(), "a").expect("a");
    let b = SecurityTier::new(&mut s.root(), "B", vpc.vpc_id(), "b").expect("b");
    allow(&mut s, &a, &b, Port::Tcp(5432), "a to b").expect("allow");
    allow(&mut s, &a, &b, Port::Tcp(5432), "a to b").expect("idempotent");
    let t = synth_stack("tiers", s);
    let ingress = resources_of(&t, "AWS::EC2::SecurityGroupIngress");
    let egress = resources_of(&t, "AWS::EC2::SecurityGroupEgress");
    assert_eq!((ingress.len(), egress.len()), (1, 1));
    assert_eq!(ingress[0].1["Properties"]["FromPort"], 5432);
    assert!(ingress[0].1["Properties"].get("CidrIp").is_none());
}

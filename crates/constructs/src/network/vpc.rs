//! `HaVpc`: a highly available VPC with public, private and isolated subnets in every zone.

use ipnet::Ipv4Net;

use crate::encryption::{EncryptedLogGroup, EncryptionKey, logs_service_principal};
use crate::error::ConstructError;
use crate::fns;
use crate::iam::{PolicyDocument, Statement};
use crate::network::subnets::{Isolated, Private, Public, SubnetInfo, SubnetTier, Subnets};
use crate::network::tiers::{SecurityTier, allow};
use crate::resources::{Tag, ec2, iam};
use crate::tree::{AsNode, Handle, NodeRef, ResourceOptions, Scope};
use crate::value::{List, Value};

/// How private subnets reach the internet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NatStrategy {
    /// One NAT gateway per zone: a zone outage takes only that zone's egress (the seed's choice).
    #[default]
    PerAz,
    /// One NAT gateway in the first zone, shared: cheaper, one zone's outage stops all egress.
    Single,
    /// No NAT: private subnets have no internet egress (use interface endpoints).
    None,
}

/// Where one tier's subnets go inside the VPC block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TierLayout {
    /// Prefix length of each subnet (16-28).
    pub mask: u8,
    /// Index of the tier's first subnet among the VPC's subnets of that size; `None` packs the
    /// tier right after the previous one.
    pub first_block: Option<u32>,
}

/// AWS services reachable through interface endpoints, without internet egress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum InterfaceEndpoint {
    /// Systems Manager (`ssm`).
    Ssm,
    /// Session Manager channels (`ssmmessages`).
    SsmMessages,
    /// Run Command channels (`ec2messages`).
    Ec2Messages,
    /// Secrets Manager.
    SecretsManager,
    /// CloudWatch Logs.
    Logs,
}

impl InterfaceEndpoint {
    /// Every endpoint Session Manager and the application need.
    pub const ALL: [InterfaceEndpoint; 5] = [
        InterfaceEndpoint::Ssm,
        InterfaceEndpoint::SsmMessages,
        InterfaceEndpoint::Ec2Messages,
        InterfaceEndpoint::SecretsManager,
        InterfaceEndpoint::Logs,
    ];

    fn service(self) -> (&'static str, &'static str) {
        match self {
            InterfaceEndpoint::Ssm => ("Ssm", "ssm"),
            InterfaceEndpoint::SsmMessages => ("SsmMessages", "ssmmessages"),
            InterfaceEndpoint::Ec2Messages => ("Ec2Messages", "ec2messages"),
            InterfaceEndpoint::SecretsManager => ("SecretsManager", "secretsmanager"),
            InterfaceEndpoint::Logs => ("Logs", "logs"),
        }
    }
}

/// Options of [`HaVpc`]. The default is the seed's layout: `172.18.0.0/16`, two zones, /24
/// subnets at `.1`/`.2` (public), `.11`/`.12` (private), `.21`/`.22` (isolated), NAT per zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HaVpcProps {
    /// The VPC's IPv4 block (/16 to /28).
    pub cidr: Ipv4Net,
    /// Availability zones to spread over (2-6).
    pub az_count: u8,
    /// Public subnets' layout.
    pub public: TierLayout,
    /// Private subnets' layout.
    pub private: TierLayout,
    /// Isolated subnets' layout.
    pub isolated: TierLayout,
    /// NAT gateways for private egress.
    pub nat: NatStrategy,
    /// Flow-log retention in days (a CloudWatch Logs period).
    pub flow_log_retention_days: u16,
    /// Interface endpoints in the private subnets.
    pub interface_endpoints: Vec<InterfaceEndpoint>,
}

impl Default for HaVpcProps {
    fn default() -> Self {
        HaVpcProps {
            cidr: Ipv4Net::new(std::net::Ipv4Addr::new(172, 18, 0, 0), 16).unwrap_or_default(),
            az_count: 2,
            public: TierLayout {
                mask: 24,
                first_block: Some(1),
            },
            private: TierLayout {
                mask: 24,
                first_block: Some(11),
            },
            isolated: TierLayout {
                mask: 24,
                first_block: Some(21),
            },
            nat: NatStrategy::PerAz,
            flow_log_retention_days: 365,
            interface_endpoints: Vec::new(),
        }
    }
}

/// The CIDR blocks of every tier, per zone, planned from [`HaVpcProps`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CidrPlan {
    /// Public subnets, in zone order.
    pub public: Vec<Ipv4Net>,
    /// Private subnets, in zone order.
    pub private: Vec<Ipv4Net>,
    /// Isolated subnets, in zone order.
    pub isolated: Vec<Ipv4Net>,
}

/// Plans subnet blocks, rejecting impossible zone counts, masks that do not fit and overlaps.
///
/// # Errors
/// [`ConstructError::InvalidConfig`] naming the field (`az_count`, `cidr`, `public.mask`, …) and
/// what is allowed.
pub fn plan_cidrs(path: &str, props: &HaVpcProps) -> Result<CidrPlan, ConstructError> {
    let err = |field: &str, msg: String| ConstructError::config(path, field, msg);
    if !(2..=6).contains(&props.az_count) {
        return Err(err(
            "az_count",
            format!("{} zones requested; an HA VPC spans 2 to 6", props.az_count),
        ));
    }
    let vpc = props.cidr.trunc();
    if vpc != props.cidr {
        return Err(err(
            "cidr",
            format!("{} has host bits set; did you mean {vpc}?", props.cidr),
        ));
    }
    if !(16..=28).contains(&vpc.prefix_len()) {
        return Err(err(
            "cidr",
            format!("a VPC block must be /16 to /28, got /{}", vpc.prefix_len()),
        ));
    }
    let n = u32::from(props.az_count);
    let mut next_free: u128 = 0; // offset in addresses from the VPC start
    let mut plan_tier = |name: &str, layout: TierLayout| -> Result<Vec<Ipv4Net>, ConstructError> {
        let field = format!("{name}.mask");
        if !(16..=28).contains(&layout.mask) || layout.mask < vpc.prefix_len() {
            return Err(err(
                &field,
                format!(
                    "subnets must be /16 to /28 and inside the /{} VPC, got /{}",
                    vpc.prefix_len(),
                    layout.mask
                ),
            ));
        }
        let size: u128 = 1u128 << (32 - layout.mask);
        let total: u128 = 1u128 << (layout.mask - vpc.prefix_len());
        let first: u128 = match layout.first_block {
            Some(b) => u128::from(b),
            None => next_free.div_ceil(size),
        };
        if first + u128::from(n) > total {
            return Err(err(
                &format!("{name}.first_block"),
                format!(
                    "{n} /{} subnets starting at block {first} do not fit in {vpc} ({total} blocks of that size)",
                    layout.mask
                ),
            ));
        }
        next_free = next_free.max((first + u128::from(n)) * size);
        let base = u32::from(vpc.network());
        (0..n)
            .map(|i| {
                let offset = (first + u128::from(i)) * size;
                let addr = base + u32::try_from(offset).unwrap_or(0);
                Ipv4Net::new(addr.into(), layout.mask).map_err(|e| err(&field, e.to_string()))
            })
            .collect()
    };
    let plan = CidrPlan {
        public: plan_tier("public", props.public)?,
        private: plan_tier("private", props.private)?,
        isolated: plan_tier("isolated", props.isolated)?,
    };
    let all: Vec<(&str, Ipv4Net)> = [
        ("public", &plan.public),
        ("private", &plan.private),
        ("isolated", &plan.isolated),
    ]
    .iter()
    .flat_map(|(t, nets)| nets.iter().map(move |n| (*t, *n)))
    .collect();
    for (i, (ta, a)) in all.iter().enumerate() {
        for (tb, b) in &all[i + 1..] {
            if a.contains(b) || b.contains(a) {
                return Err(err(
                    &format!("{tb}.first_block"),
                    format!("{tb} subnet {b} overlaps {ta} subnet {a}"),
                ));
            }
        }
    }
    Ok(plan)
}

/// A highly available VPC: per zone one public, one private (egress through NAT) and one
/// isolated subnet; DNS on; flow logs to an encrypted log group; an S3 gateway endpoint for the
/// private subnets; optional interface endpoints.
#[derive(Debug, Clone)]
pub struct HaVpc {
    node: NodeRef,
    vpc: Handle<ec2::Vpc>,
    cidr: Ipv4Net,
    public: Subnets<Public>,
    private: Subnets<Private>,
    isolated: Subnets<Isolated>,
    endpoints: Option<SecurityTier>,
}

impl AsNode for HaVpc {
    fn node_ref(&self) -> &NodeRef {
        &self.node
    }
}

fn name_tag(path: String) -> Option<List<Tag>> {
    Some(vec![Tag::new("Name", path)].into())
}

impl HaVpc {
    /// Builds the VPC at `scope/id`.
    ///
    /// # Errors
    /// [`ConstructError::InvalidConfig`] for an impossible plan (see [`plan_cidrs`]) or an
    /// environment with fewer zones than `az_count`; [`ConstructError`] for id clashes.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        props: &HaVpcProps,
    ) -> Result<Self, ConstructError> {
        let mut s = scope.child(id)?;
        let path = s.path();
        let plan = plan_cidrs(&path, props)?;
        let zones = s.env().availability_zones.clone();
        if !zones.is_empty() && zones.len() < usize::from(props.az_count) {
            return Err(s.config_error(
                "az_count",
                format!(
                    "{} zones requested but the stack's environment lists only {}",
                    props.az_count,
                    zones.len()
                ),
            ));
        }
        let az = |i: usize| -> Value<String> {
            match zones.get(i) {
                Some(z) => z.clone().into(),
                None => fns::select(u32::try_from(i).unwrap_or(0), fns::get_azs()),
            }
        };

        let vpc = s.resource(
            "Resource",
            ec2::Vpc {
                cidr_block: Some(props.cidr.to_string().into()),
                enable_dns_hostnames: Some(true.into()),
                enable_dns_support: Some(true.into()),
                instance_tenancy: Some("default".into()),
                tags: name_tag(path.clone()),
                ..ec2::Vpc::new()
            },
        )?;
        let igw = s.resource(
            "IGW",
            ec2::InternetGateway {
                tags: name_tag(path.clone()),
            },
        )?;
        let attach = s.resource(
            "VPCGW",
            ec2::VpcGatewayAttachment {
                internet_gateway_id: Some(igw.reference()),
                ..ec2::VpcGatewayAttachment::new(vpc.reference())
            },
        )?;

        let mut tier_subnets: Vec<Vec<SubnetInfo>> = vec![Vec::new(), Vec::new(), Vec::new()];
        let mut nats: Vec<Handle<ec2::NatGateway>> = Vec::new();
        for (t, tier) in [
            SubnetTier::Public,
            SubnetTier::Private,
            SubnetTier::Isolated,
        ]
        .into_iter()
        .enumerate()
        {
            let cidrs = match tier {
                SubnetTier::Public => &plan.public,
                SubnetTier::Private => &plan.private,
                SubnetTier::Isolated => &plan.isolated,
            };
            for (i, cidr) in cidrs.iter().enumerate() {
                let mut sub = s.child(&format!("{}Subnet{}", tier.name(), i + 1))?;
                let sub_path = sub.path();
                let subnet = sub.resource(
                    "Subnet",
                    ec2::Subnet {
                        cidr_block: Some(cidr.to_string().into()),
                        availability_zone: Some(az(i)),
                        // Even public subnets hand out no public IPs: only load balancers and NAT
                        // gateways (with their own addresses) live there.
                        map_public_ip_on_launch: Some(false.into()),
                        tags: Some(
                            vec![
                                Tag::new("Name", sub_path.clone()),
                                Tag::new("subnet-tier", tier.name()),
                            ]
                            .into(),
                        ),
                        ..ec2::Subnet::new(vpc.reference())
                    },
                )?;
                let route_table = sub.resource(
                    "RouteTable",
                    ec2::RouteTable {
                        tags: name_tag(sub_path),
                        ..ec2::RouteTable::new(vpc.reference())
                    },
                )?;
                sub.resource(
                    "RouteTableAssociation",
                    ec2::SubnetRouteTableAssociation::new(
                        route_table.reference(),
                        subnet.reference(),
                    ),
                )?;
                match tier {
                    SubnetTier::Public => {
                        sub.resource_with(
                            "DefaultRoute",
                            ec2::Route {
                                destination_cidr_block: Some("0.0.0.0/0".into()),
                                gateway_id: Some(igw.reference()),
                                ..ec2::Route::new(route_table.reference())
                            },
                            ResourceOptions {
                                depends_on: vec![attach.node_ref().clone()],
                                ..ResourceOptions::default()
                            },
                        )?;
                        let wants_nat = match props.nat {
                            NatStrategy::PerAz => true,
                            NatStrategy::Single => i == 0,
                            NatStrategy::None => false,
                        };
                        if wants_nat {
                            let eip = sub.resource_with(
                                "EIP",
                                ec2::Eip {
                                    domain: Some("vpc".into()),
                                    tags: name_tag(sub.path()),
                                    ..ec2::Eip::new()
                                },
                                ResourceOptions {
                                    depends_on: vec![attach.node_ref().clone()],
                                    ..ResourceOptions::default()
                                },
                            )?;
                            let nat = sub.resource(
                                "NATGateway",
                                ec2::NatGateway {
                                    allocation_id: Some(eip.attr_allocation_id()),
                                    subnet_id: Some(subnet.reference()),
                                    tags: name_tag(sub.path()),
                                    ..ec2::NatGateway::new()
                                },
                            )?;
                            nats.push(nat);
                        }
                    }
                    SubnetTier::Private => {
                        let nat = match props.nat {
                            NatStrategy::PerAz => nats.get(i),
                            NatStrategy::Single => nats.first(),
                            NatStrategy::None => None,
                        };
                        if let Some(nat) = nat {
                            sub.resource(
                                "DefaultRoute",
                                ec2::Route {
                                    destination_cidr_block: Some("0.0.0.0/0".into()),
                                    nat_gateway_id: Some(nat.reference()),
                                    ..ec2::Route::new(route_table.reference())
                                },
                            )?;
                        }
                    }
                    // Isolated subnets keep only the implicit local route.
                    SubnetTier::Isolated => {}
                }
                tier_subnets[t].push(SubnetInfo {
                    subnet,
                    route_table,
                    cidr: *cidr,
                    availability_zone: az(i),
                });
            }
        }
        let isolated = Subnets::new(tier_subnets.pop().unwrap_or_default());
        let private = Subnets::<Private>::new(tier_subnets.pop().unwrap_or_default());
        let public = Subnets::new(tier_subnets.pop().unwrap_or_default());

        s.resource(
            "S3Endpoint",
            ec2::VpcEndpoint {
                service_name: Some(fns::concat([
                    "com.amazonaws.".into(),
                    fns::region(),
                    ".s3".into(),
                ])),
                vpc_endpoint_type: Some("Gateway".into()),
                route_table_ids: Some(private.route_table_ids()),
                ..ec2::VpcEndpoint::new(vpc.reference())
            },
        )?;

        Self::flow_logs(&mut s, &vpc, props.flow_log_retention_days)?;

        let mut endpoints_tier = None;
        if !props.interface_endpoints.is_empty() {
            let mut e = s.child("Endpoints")?;
            let tier = SecurityTier::new(
                &mut e,
                "SecurityGroup",
                vpc.reference(),
                "Interface endpoints: HTTPS from the tiers that use them",
            )?;
            let mut services = props.interface_endpoints.clone();
            services.sort();
            services.dedup();
            for endpoint in services {
                let (id, service) = endpoint.service();
                e.resource(
                    id,
                    ec2::VpcEndpoint {
                        service_name: Some(fns::concat([
                            "com.amazonaws.".into(),
                            fns::region(),
                            format!(".{service}").into(),
                        ])),
                        vpc_endpoint_type: Some("Interface".into()),
                        private_dns_enabled: Some(true.into()),
                        subnet_ids: Some(private.ids()),
                        security_group_ids: Some(vec![tier.group_id()].into()),
                        ..ec2::VpcEndpoint::new(vpc.reference())
                    },
                )?;
            }
            endpoints_tier = Some(tier);
        }

        Ok(HaVpc {
            node: s.node_ref(),
            vpc,
            cidr: props.cidr,
            public,
            private,
            isolated,
            endpoints: endpoints_tier,
        })
    }

    fn flow_logs(
        s: &mut Scope<'_>,
        vpc: &Handle<ec2::Vpc>,
        retention_days: u16,
    ) -> Result<(), ConstructError> {
        let mut f = s.child("FlowLogs")?;
        let key = EncryptionKey::new(
            &mut f,
            "Key",
            "Encrypts the VPC flow logs",
            &[logs_service_principal()],
        )?;
        let group = EncryptedLogGroup::new(&mut f, "LogGroup", &key, retention_days)?;
        let role = f.resource(
            "Role",
            iam::Role {
                description: Some("Delivers VPC flow logs to CloudWatch Logs".into()),
                policies: Some(
                    vec![iam::role::Policy::new(
                        PolicyDocument::new([Statement::allow(
                            [
                                "logs:CreateLogStream",
                                "logs:PutLogEvents",
                                "logs:DescribeLogStreams",
                            ],
                            [group.arn()],
                        )])
                        .json(),
                        "deliver-flow-logs",
                    )]
                    .into(),
                ),
                ..iam::Role::new(
                    PolicyDocument::trust_service("vpc-flow-logs.amazonaws.com").json(),
                )
            },
        )?;
        f.resource(
            "FlowLog",
            ec2::FlowLog {
                log_destination_type: Some("cloud-watch-logs".into()),
                log_group_name: Some(group.name()),
                deliver_logs_permission_arn: Some(role.attr_arn()),
                traffic_type: Some("ALL".into()),
                ..ec2::FlowLog::new(vpc.reference(), "VPC")
            },
        )?;
        Ok(())
    }

    /// The VPC id.
    pub fn vpc_id(&self) -> Value<String> {
        self.vpc.reference()
    }

    /// The VPC's IPv4 block.
    pub fn cidr(&self) -> Ipv4Net {
        self.cidr
    }

    /// Public subnets (one per zone).
    pub fn public_subnets(&self) -> &Subnets<Public> {
        &self.public
    }

    /// Private subnets with NAT egress (one per zone).
    pub fn private_subnets(&self) -> &Subnets<Private> {
        &self.private
    }

    /// Isolated subnets without any route beyond the VPC (one per zone).
    pub fn isolated_subnets(&self) -> &Subnets<Isolated> {
        &self.isolated
    }

    /// The subnets of a tier chosen at run time (for configuration-driven code); typed
    /// accessors are preferred where a construct requires a tier.
    pub fn select(&self, tier: SubnetTier) -> Vec<SubnetInfo> {
        match tier {
            SubnetTier::Public => self.public.iter().cloned().collect(),
            SubnetTier::Private => self.private.iter().cloned().collect(),
            SubnetTier::Isolated => self.isolated.iter().cloned().collect(),
        }
    }

    /// Lets `tier` use the interface endpoints (HTTPS), if any were requested.
    ///
    /// # Errors
    /// [`ConstructError::WrongNode`] if the tier belongs to another stack than the VPC.
    pub fn allow_endpoints(
        &self,
        stack: &mut crate::Stack,
        tier: &SecurityTier,
    ) -> Result<(), ConstructError> {
        match &self.endpoints {
            Some(endpoints) => allow(
                stack,
                tier,
                endpoints,
                crate::network::tiers::Port::Tcp(443),
                "HTTPS to AWS interface endpoints",
            ),
            None => Ok(()),
        }
    }

    /// The underlying L1, for escape hatches.
    pub fn l1(&self) -> &Handle<ec2::Vpc> {
        &self.vpc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_plan_is_the_seed_layout() {
        let plan = plan_cidrs("Net/Vpc", &HaVpcProps::default()).expect("valid");
        let s = |v: &[Ipv4Net]| v.iter().map(ToString::to_string).collect::<Vec<_>>();
        assert_eq!(s(&plan.public), ["172.18.1.0/24", "172.18.2.0/24"]);
        assert_eq!(s(&plan.private), ["172.18.11.0/24", "172.18.12.0/24"]);
        assert_eq!(s(&plan.isolated), ["172.18.21.0/24", "172.18.22.0/24"]);
    }

    #[test]
    fn packed_layouts_align_each_tier() {
        let props = HaVpcProps {
            cidr: "10.0.0.0/20".parse().expect("cidr"),
            az_count: 3,
            public: TierLayout {
                mask: 26,
                first_block: None,
            },
            private: TierLayout {
                mask: 23,
                first_block: None,
            },
            isolated: TierLayout {
                mask: 27,
                first_block: None,
            },
            ..HaVpcProps::default()
        };
        let plan = plan_cidrs("V", &props).expect("fits");
        assert_eq!(plan.private[0].to_string(), "10.0.2.0/23");
        assert_eq!(plan.isolated[0].to_string(), "10.0.8.0/27");
    }

    #[test]
    fn impossible_plans_name_the_field() {
        let bad_azs = HaVpcProps {
            az_count: 7,
            ..HaVpcProps::default()
        };
        let e = plan_cidrs("V", &bad_azs).expect_err("7 zones");
        assert!(e.to_string().contains("az_count"), "{e}");

        let overlap = HaVpcProps {
            private: TierLayout {
                mask: 24,
                first_block: Some(2),
            },
            ..HaVpcProps::default()
        };
        let e = plan_cidrs("V", &overlap).expect_err("overlap");
        assert!(e.to_string().contains("overlaps"), "{e}");

        let misfit = HaVpcProps {
            cidr: "10.0.0.0/24".parse().expect("cidr"),
            ..HaVpcProps::default()
        };
        let e = plan_cidrs("V", &misfit).expect_err("too small");
        assert!(e.to_string().contains("public"), "{e}");
    }
}

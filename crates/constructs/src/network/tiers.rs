//! Security tiers: security groups wired as "tier A may reach tier B on port P".
//!
//! A [`SecurityTier`] starts with no ingress and **no egress** (CloudFormation would otherwise
//! allow all egress). [`allow`] adds the matching pair of rules: ingress on the destination from
//! the source's group, egress on the source to the destination's group. Free CIDR rules inside the
//! VPC are not offered; the internet is a peer of its own ([`allow_from_internet`],
//! [`allow_to_internet`]).

use std::fmt;

use crate::error::ConstructError;
use crate::resources::ec2;
use crate::tree::{AsNode, Handle, NodeId, NodeRef, Scope, Stack};
use crate::value::Value;

/// A transport port (or range) a rule opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Port {
    /// One TCP port.
    Tcp(u16),
    /// An inclusive TCP port range.
    TcpRange(u16, u16),
    /// One UDP port.
    Udp(u16),
}

impl Port {
    fn parts(self) -> (&'static str, u16, u16) {
        match self {
            Port::Tcp(p) => ("tcp", p, p),
            Port::TcpRange(a, b) => ("tcp", a, b),
            Port::Udp(p) => ("udp", p, p),
        }
    }

    /// The lowest port.
    pub fn from_port(self) -> u16 {
        self.parts().1
    }

    /// The highest port.
    pub fn to_port(self) -> u16 {
        self.parts().2
    }
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Port::Tcp(p) => write!(f, "{p}"),
            Port::TcpRange(a, b) => write!(f, "{a}-{b}"),
            Port::Udp(p) => write!(f, "udp{p}"),
        }
    }
}

/// A security group that only opens what [`allow`] and friends add.
#[derive(Debug, Clone)]
pub struct SecurityTier {
    node: NodeRef,
    group: Handle<ec2::SecurityGroup>,
    label: String,
}

impl AsNode for SecurityTier {
    fn node_ref(&self) -> &NodeRef {
        &self.node
    }
}

impl SecurityTier {
    /// Creates the tier's security group at `scope/id` (the L1 at `scope/id/Resource`) in `vpc_id`.
    ///
    /// # Errors
    /// [`ConstructError`] if `id` is taken in `scope`.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        vpc_id: Value<String>,
        description: &str,
    ) -> Result<Self, ConstructError> {
        let mut tier = scope.child(id)?;
        let label: String = tier
            .path()
            .split('/')
            .skip(1)
            .flat_map(str::chars)
            .filter(char::is_ascii_alphanumeric)
            .collect();
        let group = tier.resource(
            "Resource",
            ec2::SecurityGroup {
                vpc_id: Some(vpc_id),
                // No egress until a rule adds some (CloudFormation's default is allow-all).
                security_group_egress: Some(
                    vec![ec2::security_group::Egress {
                        cidr_ip: Some("255.255.255.255/32".into()),
                        description: Some("Disallow all traffic".into()),
                        from_port: Some(252.into()),
                        to_port: Some(86.into()),
                        ..ec2::security_group::Egress::new("icmp")
                    }]
                    .into(),
                ),
                ..ec2::SecurityGroup::new(description)
            },
        )?;
        Ok(SecurityTier {
            node: tier.node_ref(),
            group,
            label,
        })
    }

    /// The security group id.
    pub fn group_id(&self) -> Value<String> {
        self.group.attr_group_id()
    }

    /// A readable label of the tier (its path below the stack, alphanumerics only).
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The underlying L1, for escape hatches.
    pub fn l1(&self) -> &Handle<ec2::SecurityGroup> {
        &self.group
    }
}

/// Construct id under a stack's root that holds rules for tiers of other stacks.
pub const CROSS_STACK_RULES: &str = "SecurityRules";

/// Where a rule modifying `tier` goes in `stack`: under the tier when it lives in this stack,
/// otherwise under [`CROSS_STACK_RULES`] (so the consuming stack owns the rule and stacks never
/// depend on each other in both directions).
fn rule_scope<'s>(stack: &'s mut Stack, tier: &SecurityTier) -> Result<Scope<'s>, ConstructError> {
    if tier.node.stack() == stack.name() {
        return stack.scope_at(&tier.node);
    }
    let holder = match stack.find_child(NodeId::ROOT, CROSS_STACK_RULES) {
        Some(id) => stack.node_ref(id),
        None => stack.root().child(CROSS_STACK_RULES)?.node_ref(),
    };
    stack.scope_at(&holder)
}

fn rule_id(stack: &Stack, tier: &SecurityTier, id: String) -> String {
    if tier.node.stack() == stack.name() {
        id
    } else {
        format!("{} {id}", tier.label)
    }
}

fn exists(stack: &Stack, tier: &SecurityTier, id: &str) -> bool {
    let parent = if tier.node.stack() == stack.name() {
        Some(tier.node.node())
    } else {
        stack.find_child(NodeId::ROOT, CROSS_STACK_RULES)
    };
    parent.is_some_and(|p| stack.find_child(p, id).is_some())
}

/// Lets `from` reach `to` on `port`: ingress on `to` from `from`'s group and egress on `from` to
/// `to`'s group. Allowing the same pair and port twice is a no-op.
///
/// Rules for a tier of another stack are created in `stack` (the consumer), which then imports
/// that tier's group id.
///
/// # Errors
/// [`ConstructError`] if a rule's id clashes with an existing construct.
pub fn allow(
    stack: &mut Stack,
    from: &SecurityTier,
    to: &SecurityTier,
    port: Port,
    description: &str,
) -> Result<(), ConstructError> {
    let (protocol, lo, hi) = port.parts();
    let ingress_id = rule_id(stack, to, format!("from {}:{port}", from.label));
    if !exists(stack, to, &ingress_id) {
        rule_scope(stack, to)?.resource(
            &ingress_id,
            ec2::SecurityGroupIngress {
                group_id: Some(to.group_id()),
                source_security_group_id: Some(from.group_id()),
                from_port: Some(i64::from(lo).into()),
                to_port: Some(i64::from(hi).into()),
                description: Some(description.into()),
                ..ec2::SecurityGroupIngress::new(protocol)
            },
        )?;
    }
    let egress_id = rule_id(stack, from, format!("to {}:{port}", to.label));
    if !exists(stack, from, &egress_id) {
        rule_scope(stack, from)?.resource(
            &egress_id,
            ec2::SecurityGroupEgress {
                destination_security_group_id: Some(to.group_id()),
                from_port: Some(i64::from(lo).into()),
                to_port: Some(i64::from(hi).into()),
                description: Some(description.into()),
                ..ec2::SecurityGroupEgress::new(from.group_id(), protocol)
            },
        )?;
    }
    Ok(())
}

/// Which internet addresses a rule covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InternetPeer {
    /// `0.0.0.0/0`.
    AnyIpv4,
    /// `::/0`.
    AnyIpv6,
}

impl InternetPeer {
    fn label(self) -> &'static str {
        match self {
            InternetPeer::AnyIpv4 => "0.0.0.0_0",
            InternetPeer::AnyIpv6 => "__0",
        }
    }
}

/// Lets the internet reach `to` on `port` (for internet-facing load balancers only).
///
/// # Errors
/// [`ConstructError`] if the rule's id clashes with an existing construct.
pub fn allow_from_internet(
    stack: &mut Stack,
    to: &SecurityTier,
    peer: InternetPeer,
    port: Port,
    description: &str,
) -> Result<(), ConstructError> {
    let (protocol, lo, hi) = port.parts();
    let id = rule_id(stack, to, format!("from {}:{port}", peer.label()));
    if exists(stack, to, &id) {
        return Ok(());
    }
    let (v4, v6) = match peer {
        InternetPeer::AnyIpv4 => (Some("0.0.0.0/0".into()), None),
        InternetPeer::AnyIpv6 => (None, Some("::/0".into())),
    };
    rule_scope(stack, to)?.resource(
        &id,
        ec2::SecurityGroupIngress {
            group_id: Some(to.group_id()),
            cidr_ip: v4,
            cidr_ipv6: v6,
            from_port: Some(i64::from(lo).into()),
            to_port: Some(i64::from(hi).into()),
            description: Some(description.into()),
            ..ec2::SecurityGroupIngress::new(protocol)
        },
    )?;
    Ok(())
}

/// Lets `from` reach the internet on `port` (through a NAT gateway: AWS APIs, package mirrors).
///
/// # Errors
/// [`ConstructError`] if the rule's id clashes with an existing construct.
pub fn allow_to_internet(
    stack: &mut Stack,
    from: &SecurityTier,
    peer: InternetPeer,
    port: Port,
    description: &str,
) -> Result<(), ConstructError> {
    let (protocol, lo, hi) = port.parts();
    let id = rule_id(stack, from, format!("to {}:{port}", peer.label()));
    if exists(stack, from, &id) {
        return Ok(());
    }
    let (v4, v6) = match peer {
        InternetPeer::AnyIpv4 => (Some("0.0.0.0/0".into()), None),
        InternetPeer::AnyIpv6 => (None, Some("::/0".into())),
    };
    rule_scope(stack, from)?.resource(
        &id,
        ec2::SecurityGroupEgress {
            cidr_ip: v4,
            cidr_ipv6: v6,
            from_port: Some(i64::from(lo).into()),
            to_port: Some(i64::from(hi).into()),
            description: Some(description.into()),
            ..ec2::SecurityGroupEgress::new(from.group_id(), protocol)
        },
    )?;
    Ok(())
}

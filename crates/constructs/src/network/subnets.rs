//! Typed subnet selections: a construct that must live in isolated subnets takes
//! `&Subnets<Isolated>`, so handing it public subnets does not compile.

use std::marker::PhantomData;

use ipnet::Ipv4Net;

use crate::error::ConstructError;
use crate::resources::{ec2, rds};
use crate::tree::{Handle, Scope};
use crate::value::{List, Value};

/// A subnet tier, as a type.
pub trait Tier: Clone + std::fmt::Debug {
    /// The tier's runtime value.
    const TIER: SubnetTier;
}

/// Subnets with a route to the internet gateway (load balancers, NAT gateways).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Public;
/// Subnets with egress through NAT and no inbound route from the internet (instances, builds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Private;
/// Subnets with no route beyond the VPC (databases, caches, file systems).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Isolated;

impl Tier for Public {
    const TIER: SubnetTier = SubnetTier::Public;
}
impl Tier for Private {
    const TIER: SubnetTier = SubnetTier::Private;
}
impl Tier for Isolated {
    const TIER: SubnetTier = SubnetTier::Isolated;
}

/// The three subnet tiers, as a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SubnetTier {
    /// See [`Public`].
    Public,
    /// See [`Private`].
    Private,
    /// See [`Isolated`].
    Isolated,
}

impl SubnetTier {
    /// Lower-case name used in construct ids (`public`, `private`, `isolated`).
    pub fn name(self) -> &'static str {
        match self {
            SubnetTier::Public => "public",
            SubnetTier::Private => "private",
            SubnetTier::Isolated => "isolated",
        }
    }
}

/// One subnet: its L1 handles, planned CIDR block and availability zone.
#[derive(Debug, Clone)]
pub struct SubnetInfo {
    /// The subnet.
    pub subnet: Handle<ec2::Subnet>,
    /// Its route table.
    pub route_table: Handle<ec2::RouteTable>,
    /// Its CIDR block, as planned at synth time.
    pub cidr: Ipv4Net,
    /// Its availability zone.
    pub availability_zone: Value<String>,
}

/// The subnets of one tier, one per availability zone, in zone order.
#[derive(Debug, Clone)]
pub struct Subnets<T: Tier> {
    items: Vec<SubnetInfo>,
    _tier: PhantomData<T>,
}

impl<T: Tier> Subnets<T> {
    pub(crate) fn new(items: Vec<SubnetInfo>) -> Self {
        Subnets {
            items,
            _tier: PhantomData,
        }
    }

    /// The subnets, in zone order.
    pub fn iter(&self) -> impl Iterator<Item = &SubnetInfo> {
        self.items.iter()
    }

    /// How many subnets (one per zone).
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The subnet ids, for `SubnetIds`-style properties.
    pub fn ids(&self) -> List<String> {
        self.items.iter().map(|s| s.subnet.reference()).collect()
    }

    /// The route table ids.
    pub fn route_table_ids(&self) -> List<String> {
        self.items
            .iter()
            .map(|s| s.route_table.reference())
            .collect()
    }

    /// The planned CIDR blocks.
    pub fn cidrs(&self) -> Vec<Ipv4Net> {
        self.items.iter().map(|s| s.cidr).collect()
    }

    /// The tier of these subnets.
    pub fn tier(&self) -> SubnetTier {
        T::TIER
    }
}

impl Subnets<Isolated> {
    /// An RDS DB subnet group over these isolated subnets, at `scope/id`.
    ///
    /// # Errors
    /// [`ConstructError`] if `id` is taken in `scope`.
    pub fn db_subnet_group(
        &self,
        scope: &mut Scope<'_>,
        id: &str,
        description: &str,
    ) -> Result<Handle<rds::DbSubnetGroup>, ConstructError> {
        scope.resource(id, rds::DbSubnetGroup::new(description, self.ids()))
    }
}

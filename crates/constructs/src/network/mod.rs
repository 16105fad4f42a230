//! Networking: the [`HaVpc`], typed subnet selections and security tiers.

pub mod subnets;
pub mod tiers;
pub mod vpc;

pub use subnets::{Isolated, Private, Public, SubnetInfo, SubnetTier, Subnets, Tier};
pub use tiers::{InternetPeer, Port, SecurityTier, allow, allow_from_internet, allow_to_internet};
pub use vpc::{
    CidrPlan, HaVpc, HaVpcProps, InterfaceEndpoint, NatStrategy, TierLayout, plan_cidrs,
};

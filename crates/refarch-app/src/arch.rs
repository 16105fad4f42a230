//! Composition of the reference architecture into stacks.
//!
//! Stacks split stateful from stateless resources so each can be deployed, replaced and
//! destroyed on its own schedule:
//! - `<app>-<env>-network`: the VPC, subnets, NAT, endpoints, flow logs.

use constructs::network::{HaVpc, HaVpcProps, InterfaceEndpoint, NatStrategy, TierLayout};
use constructs::{App, ConstructError, Environment, Stack};

use crate::config::{NatConfig, RefArchConfig};

fn env(config: &RefArchConfig) -> Environment {
    Environment {
        account: config.account.clone(),
        region: Some(config.region.clone()),
        availability_zones: Vec::new(),
    }
}

fn stack(config: &RefArchConfig, part: &str, description: &str) -> Result<Stack, ConstructError> {
    let mut s = Stack::new(&config.stack_name(part), env(config))?;
    s.description = Some(format!(
        "{} ({} {})",
        description, config.app, config.environment
    ));
    s.tags.insert("Application".into(), config.app.clone());
    s.tags
        .insert("Environment".into(), config.environment.clone());
    Ok(s)
}

fn vpc_props(config: &RefArchConfig) -> HaVpcProps {
    let n = &config.network;
    // The seed's layout (.1/.2 public, .11/.12 private, .21/.22 isolated) when it fits, else
    // packed tiers.
    let seed = n.subnet_mask == 24 && n.cidr.prefix_len() <= 18 && n.az_count <= 10;
    let layout = |first: u32| TierLayout {
        mask: n.subnet_mask,
        first_block: seed.then_some(first),
    };
    HaVpcProps {
        cidr: n.cidr,
        az_count: n.az_count,
        public: layout(1),
        private: layout(11),
        isolated: layout(21),
        nat: match n.nat {
            NatConfig::PerAz => NatStrategy::PerAz,
            NatConfig::Single => NatStrategy::Single,
            NatConfig::None => NatStrategy::None,
        },
        flow_log_retention_days: 365,
        interface_endpoints: if n.interface_endpoints {
            InterfaceEndpoint::ALL.to_vec()
        } else {
            Vec::new()
        },
    }
}

/// Builds every stack of the reference architecture from `config`.
///
/// # Errors
/// [`ConstructError`] naming the construct path and field of any invalid setting.
pub fn build(config: &RefArchConfig) -> Result<App, ConstructError> {
    let mut app = App::new();
    let mut network = stack(
        config,
        "network",
        "Network: VPC, subnets, NAT, endpoints, flow logs",
    )?;
    let _vpc = HaVpc::new(&mut network.root(), "Vpc", &vpc_props(config))?;
    app.add_stack(network)?;
    Ok(app)
}

/// The app's settings for running locally, as a dotenv file.
pub fn local_env(config: &RefArchConfig) -> String {
    format!(
        "APP_SETTINGS_PROFILE=local\nDATABASE_HOST=localhost\nDATABASE_NAME={}\n",
        config.database.name
    )
}

/// The app's settings in the cloud profile, as the env file written to instances.
pub fn cloud_env(config: &RefArchConfig) -> String {
    format!(
        "APP_SETTINGS_PROFILE=cloud\nAPP_SETTINGS_PREFIX=/{}/{}\nAWS_DEFAULT_REGION={}\n",
        config.app, config.environment, config.region
    )
}

//! The reference architecture as a library: its configuration ([`config`]), the contract with
//! the sample application in `app/` ([`contract`]), the application's image layer and boot
//! files ([`image`]) and the composition into stacks ([`arch`]). What a configuration must
//! satisfy is the schema ([`schema`]) and the rules across fields ([`rules`]). The
//! `refarch-app` binary adds the command line.

pub mod arch;
pub mod config;
pub mod contract;
pub mod image;
pub mod rules;
pub mod schema;

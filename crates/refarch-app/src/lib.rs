//! The reference architecture as a library: its configuration ([`config`]) and its composition
//! into stacks ([`arch`]). The `refarch-app` binary adds the command line.

pub mod arch;
pub mod config;

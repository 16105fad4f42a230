//! Integration tests of the `refarch-app` crate, gathered into one binary: one link of the
//! dependencies instead of one per file. Each module is one area.

mod emulator_support;
mod support;

mod ami_versions;
mod architecture;
mod cli;
mod config;
mod emulator;
mod isolation;
mod readme;
mod whole_architecture;

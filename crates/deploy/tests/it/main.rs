//! Integration tests of the `deploy` crate, gathered into one binary: one link of the
//! dependencies instead of one per file. Each module is one area.

mod support;

mod cli_process;

mod moto_e2e;
mod moto_safety;
mod scripted_guards;
mod scripted_recovery;
mod scripted_states;

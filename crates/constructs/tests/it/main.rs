//! Integration tests of the `constructs` crate, gathered into one binary: one link of the
//! dependencies instead of one per file. Each module is one area.

mod support;

mod compile_fail;
mod compute;
mod data;
mod delivery;
mod edge;
mod grants;
mod l1;
mod network;
mod storage;

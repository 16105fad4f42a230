//! Integration tests of the `synth` crate, gathered into one binary: one link of the
//! dependencies instead of one per file. Each module is one area.

mod deployability;
mod properties;
mod synth;

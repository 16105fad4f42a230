//! Typed, composable CloudFormation constructs.
//!
//! The model has three parts:
//! - the **tree** ([`App`], [`Stack`], [`Scope`]): stacks own an arena of construct nodes with
//!   unique sibling ids and `/`-joined paths; constructs are typed handles into it;
//! - **values** ([`Value`], [`List`], [`Map`], [`Expr`], [`fns`]): every property is a literal or
//!   a typed expression that points at nodes, never at logical-id strings;
//! - **resources**: generated L1 types (one per CloudFormation type, [`resources`]) and
//!   hand-written L2/L3 constructs on top of them.
//!
//! This crate does no I/O; `synth` renders an [`App`] to templates.
//!
//! ```
//! use constructs::{App, Environment, Prop, Stack};
//!
//! let mut stack = Stack::new("Demo", Environment::default())?;
//! let bucket = stack.root().raw_resource("Logs", "AWS::S3::Bucket", Prop::Map(vec![]))?;
//! assert_eq!(stack.path(bucket_node(&bucket)), "Demo/Logs");
//! let mut app = App::new();
//! app.add_stack(stack)?;
//! # fn bucket_node(h: &constructs::RawHandle) -> constructs::NodeId {
//! #     use constructs::AsNode; h.node_ref().node()
//! # }
//! # Ok::<(), constructs::ConstructError>(())
//! ```

pub mod asset;
pub mod compute;
pub mod data;
pub mod delivery;
pub mod edge;
pub mod encryption;
pub mod error;
pub mod fns;
pub mod iam;
pub mod lint;
pub mod network;
pub mod resource;
pub mod resources;
pub mod storage;
pub mod tree;
pub mod value;

pub use error::ConstructError;
pub use resource::{Constraint, DynResource, RawResource, Resource, ResourceSchema, Rule};
pub use tree::{
    App, AsNode, ConditionHandle, DeletionPolicy, Environment, ExternalInput, ExternalKind, Handle,
    MappingHandle, Node, NodeId, NodeKind, NodeRef, OutputDef, Override, ParamHandle, Parameter,
    ParameterDef, RawHandle, ResourceEntry, ResourceOptions, Scope, Stack,
};
pub use value::{CondExpr, Expr, Json, List, Map, Prop, Pseudo, SubPart, ToProp, Value};

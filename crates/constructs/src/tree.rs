//! The construct tree: an [`App`] owns [`Stack`]s; a stack owns an arena of nodes; constructs
//! are small typed handles into it.
//!
//! Building always goes through a [`Scope`], a mutable view of one node of one stack. A child id
//! must be unique among its siblings (a duplicate is an `Err`), and a node's path is its ids
//! joined with `/`, starting with the stack name.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::error::ConstructError;
use crate::resource::{DynResource, RawResource, Resource};
use crate::value::{CondExpr, Expr, Json, List, Prop, ToProp, Value, Yields};

/// Index of a node in its stack's arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(u32);

impl NodeId {
    /// The stack's root node.
    pub const ROOT: NodeId = NodeId(0);

    /// The arena index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A reference to one node of one stack, as carried by expressions and handles.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeRef {
    stack: Arc<str>,
    node: NodeId,
}

impl NodeRef {
    /// The name of the stack the node lives in.
    pub fn stack(&self) -> &str {
        &self.stack
    }

    /// The node within that stack.
    pub fn node(&self) -> NodeId {
        self.node
    }
}

/// Anything that designates a node: handles and node references.
pub trait AsNode {
    /// The node this designates.
    fn node_ref(&self) -> &NodeRef;
}

impl AsNode for NodeRef {
    fn node_ref(&self) -> &NodeRef {
        self
    }
}

/// A typed handle to an L1 resource of type `R` in the tree.
///
/// Generated code adds typed attribute accessors (`attr_*`) to `Handle<R>` for each resource type.
pub struct Handle<R> {
    node: NodeRef,
    _type: Yields<R>,
}

impl<R> Clone for Handle<R> {
    fn clone(&self) -> Self {
        Handle {
            node: self.node.clone(),
            _type: Yields::default(),
        }
    }
}

impl<R> fmt::Debug for Handle<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Handle").field(&self.node).finish()
    }
}

impl<R> PartialEq for Handle<R> {
    fn eq(&self, other: &Self) -> bool {
        self.node == other.node
    }
}

impl<R> AsNode for Handle<R> {
    fn node_ref(&self) -> &NodeRef {
        &self.node
    }
}

impl<R> Handle<R> {
    /// `{"Ref": <this resource>}`; what it yields depends on the type (an id, a name or an ARN).
    pub fn reference(&self) -> Value<String> {
        Value::from_expr(Expr::Ref(self.node.clone()))
    }

    /// `Fn::GetAtt` of `attribute`, typed by the caller. Generated `attr_*` accessors are the
    /// checked way to read attributes; use this only for attributes the schema does not list.
    pub fn raw_attr<T>(&self, attribute: &str) -> Value<T> {
        Value::from_expr(Expr::GetAtt(self.node.clone(), attribute.to_owned()))
    }

    /// `Fn::GetAtt` of a list-valued attribute, typed by the caller.
    pub fn raw_list_attr<T>(&self, attribute: &str) -> List<T> {
        List::from_expr(Expr::GetAtt(self.node.clone(), attribute.to_owned()))
    }
}

/// A handle to a raw (non-generated) resource.
pub type RawHandle = Handle<RawResource>;

/// A typed handle to a template parameter yielding `T`.
pub struct ParamHandle<T> {
    node: NodeRef,
    _type: Yields<T>,
}

impl<T> Clone for ParamHandle<T> {
    fn clone(&self) -> Self {
        ParamHandle {
            node: self.node.clone(),
            _type: Yields::default(),
        }
    }
}

impl<T> fmt::Debug for ParamHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ParamHandle").field(&self.node).finish()
    }
}

impl<T> AsNode for ParamHandle<T> {
    fn node_ref(&self) -> &NodeRef {
        &self.node
    }
}

impl<T> ParamHandle<T> {
    /// The parameter's value (`{"Ref": <parameter>}`).
    pub fn value(&self) -> Value<T> {
        Value::from_expr(Expr::Ref(self.node.clone()))
    }
}

impl ParamHandle<Vec<String>> {
    /// The list parameter's items (`{"Ref": <parameter>}`).
    pub fn items(&self) -> List<String> {
        List::from_expr(Expr::Ref(self.node.clone()))
    }
}

/// A handle to a named condition.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionHandle {
    node: NodeRef,
}

impl AsNode for ConditionHandle {
    fn node_ref(&self) -> &NodeRef {
        &self.node
    }
}

impl ConditionHandle {
    /// `{"Condition": <name>}`, for use inside `Fn::And`, `Fn::Or` and `Fn::Not`.
    pub fn expr(&self) -> CondExpr {
        CondExpr(Expr::Condition(self.node.clone()))
    }
}

/// A handle to a mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct MappingHandle {
    node: NodeRef,
}

impl AsNode for MappingHandle {
    fn node_ref(&self) -> &NodeRef {
        &self.node
    }
}

impl MappingHandle {
    /// `Fn::FindInMap` on this mapping.
    pub fn find(
        &self,
        top_key: impl Into<Value<String>>,
        second_key: impl Into<Value<String>>,
    ) -> Value<String> {
        Value::from_expr(Expr::FindInMap(
            self.node.clone(),
            Box::new(top_key.into().to_prop()),
            Box::new(second_key.into().to_prop()),
        ))
    }
}

/// Where a stack is deployed. Leaving account or region unset makes the template
/// environment-agnostic (they come from the deploy-time credentials).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Environment {
    /// The AWS account id, if pinned.
    pub account: Option<String>,
    /// The region, if pinned.
    pub region: Option<String>,
    /// Availability zones to use, in order. Empty means "use `Fn::GetAZs`".
    pub availability_zones: Vec<String>,
}

impl Environment {
    /// An environment pinned to a region with the given zones.
    pub fn region(region: impl Into<String>, zones: &[&str]) -> Self {
        Environment {
            account: None,
            region: Some(region.into()),
            availability_zones: zones.iter().map(|z| (*z).to_owned()).collect(),
        }
    }
}

/// What happens to a resource's physical resource when it is removed or replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeletionPolicy {
    /// Delete it (the default for most types).
    Delete,
    /// Keep it, outside the stack.
    Retain,
    /// Keep it, except when the stack's creation fails.
    RetainExceptOnCreate,
    /// Take a snapshot, then delete it (types that support snapshots only).
    Snapshot,
}

impl DeletionPolicy {
    /// The name as written in a template.
    pub fn name(self) -> &'static str {
        match self {
            DeletionPolicy::Delete => "Delete",
            DeletionPolicy::Retain => "Retain",
            DeletionPolicy::RetainExceptOnCreate => "RetainExceptOnCreate",
            DeletionPolicy::Snapshot => "Snapshot",
        }
    }
}

/// The resource attributes CloudFormation supports besides `Type` and `Properties`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResourceOptions {
    /// Explicit `DependsOn` (resources in the same stack). Dependencies implied by references
    /// are derived by synth and need not be listed.
    pub depends_on: Vec<NodeRef>,
    /// `DeletionPolicy`.
    pub deletion_policy: Option<DeletionPolicy>,
    /// `UpdateReplacePolicy` (`RetainExceptOnCreate` is not allowed here).
    pub update_replace_policy: Option<DeletionPolicy>,
    /// `UpdatePolicy` (auto scaling groups and a few others).
    pub update_policy: Option<Json>,
    /// `CreationPolicy` (auto scaling groups, instances, wait conditions).
    pub creation_policy: Option<Json>,
    /// `Condition`: the resource exists only when this condition holds.
    pub condition: Option<NodeRef>,
    /// Extra `Metadata` entries (synth adds `construct:path`).
    pub metadata: BTreeMap<String, serde_json::Value>,
}

/// A raw JSON override applied to a resource after rendering (CDK's `addOverride`).
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// Keys below the resource, e.g. `["Properties", "VpcId"]`.
    pub path: Vec<String>,
    /// The value to set, or `None` to delete the key.
    pub value: Option<serde_json::Value>,
}

/// A resource node: its properties, options and overrides.
#[derive(Debug)]
pub struct ResourceEntry {
    /// The typed (or raw) properties.
    pub body: Box<dyn DynResource>,
    /// `DependsOn`, policies, condition, metadata.
    pub options: ResourceOptions,
    /// JSON overrides applied after rendering, in order.
    pub overrides: Vec<Override>,
}

/// A template parameter's definition.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterDef {
    /// `Type`, e.g. `String`, `Number`, `AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>`.
    pub type_name: String,
    /// `Description`.
    pub description: Option<String>,
    /// `Default`.
    pub default: Option<String>,
    /// `AllowedValues`.
    pub allowed_values: Vec<String>,
    /// `AllowedPattern`.
    pub allowed_pattern: Option<String>,
    /// `NoEcho`.
    pub no_echo: bool,
}

/// A typed parameter definition: `T` is what `Ref` to the parameter yields.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter<T> {
    def: ParameterDef,
    _type: Yields<T>,
}

impl<T> Parameter<T> {
    fn of_type(type_name: &str) -> Self {
        Parameter {
            def: ParameterDef {
                type_name: type_name.to_owned(),
                description: None,
                default: None,
                allowed_values: Vec::new(),
                allowed_pattern: None,
                no_echo: false,
            },
            _type: Yields::default(),
        }
    }

    /// Sets `Description`.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.def.description = Some(text.into());
        self
    }

    /// Sets `Default`.
    pub fn default_value(mut self, value: impl Into<String>) -> Self {
        self.def.default = Some(value.into());
        self
    }

    /// Sets `AllowedValues`.
    pub fn allowed_values<S: Into<String>>(mut self, values: impl IntoIterator<Item = S>) -> Self {
        self.def.allowed_values = values.into_iter().map(Into::into).collect();
        self
    }

    /// Sets `AllowedPattern`.
    pub fn allowed_pattern(mut self, pattern: impl Into<String>) -> Self {
        self.def.allowed_pattern = Some(pattern.into());
        self
    }

    /// Sets `NoEcho` (the value is masked in console and API output).
    pub fn no_echo(mut self) -> Self {
        self.def.no_echo = true;
        self
    }

    /// The untyped definition.
    pub fn def(&self) -> &ParameterDef {
        &self.def
    }
}

impl Parameter<String> {
    /// A `String` parameter.
    pub fn string() -> Self {
        Parameter::of_type("String")
    }

    /// A parameter whose value is read from SSM Parameter Store at deploy time, e.g.
    /// `ssm_value("AWS::EC2::Image::Id")` for an AMI id; the default is the parameter's name.
    pub fn ssm_value(aws_type: &str) -> Self {
        Parameter::of_type(&format!("AWS::SSM::Parameter::Value<{aws_type}>"))
    }

    /// An AWS-specific parameter type such as `AWS::Route53::HostedZone::Id`, checked by
    /// CloudFormation against the account.
    pub fn aws_specific(aws_type: &str) -> Self {
        Parameter::of_type(aws_type)
    }
}

impl Parameter<f64> {
    /// A `Number` parameter.
    pub fn number() -> Self {
        Parameter::of_type("Number")
    }
}

impl Parameter<Vec<String>> {
    /// A `CommaDelimitedList` parameter.
    pub fn comma_delimited_list() -> Self {
        Parameter::of_type("CommaDelimitedList")
    }
}

/// A template output's definition.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputDef {
    /// `Value`.
    pub value: Prop,
    /// `Description`.
    pub description: Option<String>,
    /// `Export.Name`, if other stacks may import it.
    pub export_name: Option<Prop>,
    /// `Condition`.
    pub condition: Option<NodeRef>,
}

impl OutputDef {
    /// An output of `value` with a description.
    pub fn new(value: impl Into<Value<String>>, description: impl Into<String>) -> Self {
        OutputDef {
            value: value.into().to_prop(),
            description: Some(description.into()),
            export_name: None,
            condition: None,
        }
    }

    /// Exports the output under `name` for `Fn::ImportValue`.
    pub fn export(mut self, name: impl Into<Value<String>>) -> Self {
        self.export_name = Some(name.into().to_prop());
        self
    }
}

/// What a node is.
#[derive(Debug)]
pub enum NodeKind {
    /// A grouping construct (an L2/L3, or the stack root).
    Construct,
    /// A CloudFormation resource.
    Resource(ResourceEntry),
    /// A template parameter.
    Parameter(ParameterDef),
    /// A template output.
    Output(OutputDef),
    /// A named condition.
    Condition(CondExpr),
    /// A mapping: top-level key → second-level key → value.
    Mapping(BTreeMap<String, BTreeMap<String, serde_json::Value>>),
}

/// One node of a stack's tree.
#[derive(Debug)]
pub struct Node {
    /// The id, unique among siblings.
    pub id: String,
    /// The parent; `None` for the stack root.
    pub parent: Option<NodeId>,
    /// Children in insertion order.
    pub children: Vec<NodeId>,
    /// What the node is.
    pub kind: NodeKind,
}

/// A CloudFormation stack: its environment, template-level settings and construct tree.
#[derive(Debug)]
pub struct Stack {
    name: Arc<str>,
    env: Environment,
    nodes: Vec<Node>,
    /// The template's `Description`.
    pub description: Option<String>,
    /// Stack tags, applied by CloudFormation to every taggable resource.
    pub tags: BTreeMap<String, String>,
    /// Template-level `Metadata` (e.g. linter suppressions with their reasons).
    pub metadata: BTreeMap<String, serde_json::Value>,
    /// `Transform` macros, e.g. `AWS::SecretsManager-2020-07-23`.
    pub transforms: Vec<String>,
    /// Whether termination protection is turned on at deploy.
    pub termination_protection: bool,
    /// Logical-id overrides, keyed by path below the stack (e.g. `Db/Cluster/Resource`), so
    /// refactors need not replace resources.
    pub logical_id_overrides: BTreeMap<String, String>,
    /// File assets, in declaration order ([`Stack::add_asset`]).
    assets: Vec<crate::asset::AssetDecl>,
    /// What this stack reads at deploy time that exists before the app is deployed and that no
    /// stack of the app creates (an SSM parameter made by hand, another app's export, a golden
    /// image), each with the reason. Synth's deployability check refuses a stack that reads
    /// something no earlier stack creates unless it is declared here.
    pub external_inputs: Vec<ExternalInput>,
}

/// What kind of thing an [`ExternalInput`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ExternalKind {
    /// An SSM parameter, by name (`/team/shared/ami`), read through a template parameter of type
    /// `AWS::SSM::Parameter::Value<…>`, a `{{resolve:ssm:…}}` dynamic reference or an Image
    /// Builder `ssm:` parent image.
    SsmParameter,
    /// A CloudFormation export, by name, read with `Fn::ImportValue`.
    Export,
    /// An Image Builder image of the deploying account, by image (recipe) name, used as a
    /// recipe's parent image.
    Image,
}

impl ExternalKind {
    /// How the kind reads in messages.
    pub fn describe(self) -> &'static str {
        match self {
            ExternalKind::SsmParameter => "SSM parameter",
            ExternalKind::Export => "export",
            ExternalKind::Image => "Image Builder image",
        }
    }
}

/// Something a stack reads at deploy time that is created outside the app, declared with the
/// reason it can be relied on (see [`Stack::external_inputs`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExternalInput {
    /// What it is.
    pub kind: ExternalKind,
    /// Its name: the parameter name, the export name or the image name.
    pub name: String,
    /// Why it exists before the app is deployed (who creates it); must not be empty.
    pub reason: String,
}

impl ExternalInput {
    /// An SSM parameter created outside the app.
    pub fn ssm_parameter(name: impl Into<String>, reason: impl Into<String>) -> Self {
        ExternalInput {
            kind: ExternalKind::SsmParameter,
            name: name.into(),
            reason: reason.into(),
        }
    }

    /// An export of a stack outside the app.
    pub fn export(name: impl Into<String>, reason: impl Into<String>) -> Self {
        ExternalInput {
            kind: ExternalKind::Export,
            name: name.into(),
            reason: reason.into(),
        }
    }

    /// An Image Builder image built outside the app (by its name, as in
    /// `arn:…:image/<name>/x.x.x`).
    pub fn image(name: impl Into<String>, reason: impl Into<String>) -> Self {
        ExternalInput {
            kind: ExternalKind::Image,
            name: name.into(),
            reason: reason.into(),
        }
    }
}

fn check_stack_name(name: &str) -> Result<(), ConstructError> {
    let reason = if name.is_empty() {
        Some("it is empty")
    } else if name.len() > 128 {
        Some("it is longer than 128 characters")
    } else if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        Some("it must start with a letter")
    } else if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        Some("it contains a character other than a letter, digit or '-'")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(ConstructError::InvalidStackName {
            name: name.to_owned(),
            reason,
        }),
        None => Ok(()),
    }
}

impl Stack {
    /// Creates an empty stack.
    ///
    /// # Errors
    /// [`ConstructError::InvalidStackName`] if CloudFormation would reject `name`.
    pub fn new(name: &str, env: Environment) -> Result<Self, ConstructError> {
        check_stack_name(name)?;
        Ok(Stack {
            name: Arc::from(name),
            env,
            nodes: vec![Node {
                id: name.to_owned(),
                parent: None,
                children: Vec::new(),
                kind: NodeKind::Construct,
            }],
            description: None,
            tags: BTreeMap::new(),
            metadata: BTreeMap::new(),
            transforms: Vec::new(),
            termination_protection: false,
            logical_id_overrides: BTreeMap::new(),
            assets: Vec::new(),
            external_inputs: Vec::new(),
        })
    }

    /// The stack's file assets, in declaration order.
    pub fn assets(&self) -> &[crate::asset::AssetDecl] {
        &self.assets
    }

    pub(crate) fn push_asset(&mut self, decl: crate::asset::AssetDecl) {
        self.assets.push(decl);
    }

    /// The stack name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The environment the stack targets.
    pub fn env(&self) -> &Environment {
        &self.env
    }

    /// A scope at the stack root, to add top-level constructs.
    pub fn root(&mut self) -> Scope<'_> {
        Scope {
            stack: self,
            node: NodeId::ROOT,
        }
    }

    /// A scope at an existing node, to add more children to a construct built earlier.
    ///
    /// # Errors
    /// [`ConstructError::WrongNode`] if `node` belongs to another stack.
    pub fn scope_at(&mut self, node: &NodeRef) -> Result<Scope<'_>, ConstructError> {
        let id = self.own(node)?;
        Ok(Scope {
            stack: self,
            node: id,
        })
    }

    /// All nodes, in creation order (the root first). A node's index is its [`NodeId`].
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// Every node with its id, in creation order (the root first).
    pub fn iter(&self) -> impl Iterator<Item = (NodeId, &Node)> {
        self.nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (NodeId(u32::try_from(i).unwrap_or(u32::MAX)), n))
    }

    /// The child of `parent` with this id, if any.
    pub fn find_child(&self, parent: NodeId, id: &str) -> Option<NodeId> {
        self.nodes
            .get(parent.index())?
            .children
            .iter()
            .copied()
            .find(|c| self.nodes[c.index()].id == id)
    }

    /// One node.
    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(id.index())
    }

    /// The ids from the stack root (exclusive) down to `id` (inclusive).
    pub fn path_components(&self, id: NodeId) -> Vec<&str> {
        let mut parts = Vec::new();
        let mut cur = Some(id);
        while let Some(n) = cur {
            let Some(node) = self.nodes.get(n.index()) else {
                break;
            };
            if node.parent.is_none() {
                break;
            }
            parts.push(node.id.as_str());
            cur = node.parent;
        }
        parts.reverse();
        parts
    }

    /// The full path of a node: the stack name and the ids below it, joined with `/`.
    pub fn path(&self, id: NodeId) -> String {
        let mut parts = vec![&*self.name];
        parts.extend(self.path_components(id));
        parts.join("/")
    }

    /// A reference to a node of this stack.
    pub fn node_ref(&self, id: NodeId) -> NodeRef {
        NodeRef {
            stack: self.name.clone(),
            node: id,
        }
    }

    fn own(&self, node: &NodeRef) -> Result<NodeId, ConstructError> {
        if *node.stack != *self.name {
            return Err(ConstructError::WrongNode {
                path: node.stack.to_string(),
                reason: format!(
                    "this handle belongs to stack `{}`, not `{}`",
                    node.stack, self.name
                ),
            });
        }
        if node.node.index() >= self.nodes.len() {
            return Err(ConstructError::WrongNode {
                path: self.name.to_string(),
                reason: "the handle points at no node of this stack".into(),
            });
        }
        Ok(node.node)
    }

    fn resource_entry(&mut self, node: &NodeRef) -> Result<&mut ResourceEntry, ConstructError> {
        let id = self.own(node)?;
        let path = self.path(id);
        match &mut self.nodes[id.index()].kind {
            NodeKind::Resource(entry) => Ok(entry),
            _ => Err(ConstructError::WrongNode {
                path,
                reason: "this node is not a resource".into(),
            }),
        }
    }

    /// The options (`DependsOn`, policies, condition, metadata) of a resource of this stack.
    ///
    /// # Errors
    /// [`ConstructError::WrongNode`] if the handle is from another stack or not a resource.
    pub fn options_mut(
        &mut self,
        resource: &impl AsNode,
    ) -> Result<&mut ResourceOptions, ConstructError> {
        Ok(&mut self.resource_entry(resource.node_ref())?.options)
    }

    /// Typed access to an L1's properties after it was added (the escape hatch for adjusting
    /// what an L2 built).
    ///
    /// # Errors
    /// [`ConstructError::WrongNode`] if the handle is from another stack.
    pub fn props_mut<R: Resource>(
        &mut self,
        resource: &Handle<R>,
    ) -> Result<&mut R, ConstructError> {
        let path = self.path(resource.node.node);
        let entry = self.resource_entry(&resource.node)?;
        entry
            .body
            .as_any_mut()
            .downcast_mut::<R>()
            .ok_or_else(|| ConstructError::WrongNode {
                path,
                reason: format!("this resource is not a {}", R::TYPE_NAME),
            })
    }

    /// Sets (or with `None`, deletes) a key of the rendered resource, after rendering. `path` is
    /// dot-separated below the resource, e.g. `Properties.VpcConfig.SubnetIds` or
    /// `UpdatePolicy.AutoScalingRollingUpdate`.
    ///
    /// # Errors
    /// [`ConstructError::WrongNode`] if the handle is from another stack or not a resource.
    pub fn add_override(
        &mut self,
        resource: &impl AsNode,
        path: &str,
        value: Option<serde_json::Value>,
    ) -> Result<(), ConstructError> {
        let entry = self.resource_entry(resource.node_ref())?;
        entry.overrides.push(Override {
            path: path.split('.').map(str::to_owned).collect(),
            value,
        });
        Ok(())
    }

    fn add_node(
        &mut self,
        parent: NodeId,
        id: &str,
        kind: NodeKind,
    ) -> Result<NodeId, ConstructError> {
        let reason = if id.is_empty() {
            Some("ids must not be empty")
        } else if id.contains('/') {
            Some("ids must not contain '/' (it separates path components)")
        } else {
            None
        };
        if let Some(reason) = reason {
            return Err(ConstructError::InvalidId {
                parent: self.path(parent),
                id: id.to_owned(),
                reason,
            });
        }
        let duplicate = self.nodes[parent.index()]
            .children
            .iter()
            .any(|c| self.nodes[c.index()].id == id);
        if duplicate {
            return Err(ConstructError::DuplicateId {
                parent: self.path(parent),
                id: id.to_owned(),
            });
        }
        let new_id = NodeId(u32::try_from(self.nodes.len()).unwrap_or(u32::MAX));
        self.nodes.push(Node {
            id: id.to_owned(),
            parent: Some(parent),
            children: Vec::new(),
            kind,
        });
        self.nodes[parent.index()].children.push(new_id);
        Ok(new_id)
    }
}

/// A mutable view of one node of a stack: where new constructs are added.
pub struct Scope<'a> {
    stack: &'a mut Stack,
    node: NodeId,
}

impl fmt::Debug for Scope<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scope").field("path", &self.path()).finish()
    }
}

impl<'a> Scope<'a> {
    /// The full path of this scope (stack name first).
    pub fn path(&self) -> String {
        self.stack.path(self.node)
    }

    /// A reference to this scope's node.
    pub fn node_ref(&self) -> NodeRef {
        self.stack.node_ref(self.node)
    }

    /// The stack being built.
    pub fn stack(&mut self) -> &mut Stack {
        self.stack
    }

    /// The stack's environment.
    pub fn env(&self) -> &Environment {
        &self.stack.env
    }

    /// Adds a grouping construct and returns a scope inside it.
    ///
    /// # Errors
    /// [`ConstructError::InvalidId`] or [`ConstructError::DuplicateId`].
    pub fn child(&mut self, id: &str) -> Result<Scope<'_>, ConstructError> {
        let node = self.stack.add_node(self.node, id, NodeKind::Construct)?;
        Ok(Scope {
            stack: self.stack,
            node,
        })
    }

    /// Adds an L1 resource with default options.
    ///
    /// # Errors
    /// [`ConstructError::InvalidId`] or [`ConstructError::DuplicateId`].
    pub fn resource<R: Resource>(
        &mut self,
        id: &str,
        props: R,
    ) -> Result<Handle<R>, ConstructError> {
        self.resource_with(id, props, ResourceOptions::default())
    }

    /// Adds an L1 resource with options.
    ///
    /// # Errors
    /// [`ConstructError::InvalidId`] or [`ConstructError::DuplicateId`].
    pub fn resource_with<R: Resource>(
        &mut self,
        id: &str,
        props: R,
        options: ResourceOptions,
    ) -> Result<Handle<R>, ConstructError> {
        let node = self.add_entry(id, Box::new(props), options)?;
        Ok(Handle {
            node,
            _type: Yields::default(),
        })
    }

    /// Adds a resource of a type that is not generated (the escape hatch).
    ///
    /// # Errors
    /// [`ConstructError::InvalidId`] or [`ConstructError::DuplicateId`].
    pub fn raw_resource(
        &mut self,
        id: &str,
        type_name: &str,
        properties: Prop,
    ) -> Result<RawHandle, ConstructError> {
        let body = RawResource {
            type_name: type_name.to_owned(),
            properties,
        };
        let node = self.add_entry(id, Box::new(body), ResourceOptions::default())?;
        Ok(Handle {
            node,
            _type: Yields::default(),
        })
    }

    fn add_entry(
        &mut self,
        id: &str,
        body: Box<dyn DynResource>,
        options: ResourceOptions,
    ) -> Result<NodeRef, ConstructError> {
        let entry = ResourceEntry {
            body,
            options,
            overrides: Vec::new(),
        };
        let node = self
            .stack
            .add_node(self.node, id, NodeKind::Resource(entry))?;
        Ok(self.stack.node_ref(node))
    }

    /// Adds a template parameter.
    ///
    /// # Errors
    /// [`ConstructError::InvalidId`] or [`ConstructError::DuplicateId`].
    pub fn parameter<T>(
        &mut self,
        id: &str,
        parameter: Parameter<T>,
    ) -> Result<ParamHandle<T>, ConstructError> {
        let node = self
            .stack
            .add_node(self.node, id, NodeKind::Parameter(parameter.def))?;
        Ok(ParamHandle {
            node: self.stack.node_ref(node),
            _type: Yields::default(),
        })
    }

    /// Adds a template output.
    ///
    /// # Errors
    /// [`ConstructError::InvalidId`] or [`ConstructError::DuplicateId`].
    pub fn output(&mut self, id: &str, output: OutputDef) -> Result<NodeRef, ConstructError> {
        let node = self
            .stack
            .add_node(self.node, id, NodeKind::Output(output))?;
        Ok(self.stack.node_ref(node))
    }

    /// Adds a named condition.
    ///
    /// # Errors
    /// [`ConstructError::InvalidId`] or [`ConstructError::DuplicateId`].
    pub fn condition(
        &mut self,
        id: &str,
        condition: CondExpr,
    ) -> Result<ConditionHandle, ConstructError> {
        let node = self
            .stack
            .add_node(self.node, id, NodeKind::Condition(condition))?;
        Ok(ConditionHandle {
            node: self.stack.node_ref(node),
        })
    }

    /// Adds a mapping (top-level key → second-level key → value).
    ///
    /// # Errors
    /// [`ConstructError::InvalidId`] or [`ConstructError::DuplicateId`].
    pub fn mapping(
        &mut self,
        id: &str,
        entries: BTreeMap<String, BTreeMap<String, serde_json::Value>>,
    ) -> Result<MappingHandle, ConstructError> {
        let node = self
            .stack
            .add_node(self.node, id, NodeKind::Mapping(entries))?;
        Ok(MappingHandle {
            node: self.stack.node_ref(node),
        })
    }

    /// A [`ConstructError::InvalidConfig`] located at this scope.
    pub fn config_error(&self, field: &str, message: impl Into<String>) -> ConstructError {
        ConstructError::config(self.path(), field, message)
    }
}

/// The root of a program's constructs: an ordered set of stacks with unique names.
#[derive(Debug, Default)]
pub struct App {
    stacks: Vec<Stack>,
}

impl App {
    /// An empty app.
    pub fn new() -> Self {
        App::default()
    }

    /// Adds a finished stack.
    ///
    /// # Errors
    /// [`ConstructError::DuplicateStack`] if a stack of that name is already in the app.
    pub fn add_stack(&mut self, stack: Stack) -> Result<(), ConstructError> {
        if self.stacks.iter().any(|s| s.name() == stack.name()) {
            return Err(ConstructError::DuplicateStack {
                name: stack.name().to_owned(),
            });
        }
        self.stacks.push(stack);
        Ok(())
    }

    /// The stacks, in the order they were added.
    pub fn stacks(&self) -> &[Stack] {
        &self.stacks
    }

    /// A stack by name.
    pub fn stack(&self, name: &str) -> Option<&Stack> {
        self.stacks.iter().find(|s| s.name() == name)
    }

    /// A stack by name, for changes after it was added.
    pub fn stack_mut(&mut self, name: &str) -> Option<&mut Stack> {
        self.stacks.iter_mut().find(|s| s.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack() -> Stack {
        Stack::new("Test", Environment::default()).expect("valid name")
    }

    #[test]
    fn duplicate_sibling_ids_are_an_error_not_a_panic() {
        let mut s = stack();
        let mut root = s.root();
        root.child("Vpc").expect("first");
        let err = root.child("Vpc").expect_err("duplicate");
        assert_eq!(
            err,
            ConstructError::DuplicateId {
                parent: "Test".into(),
                id: "Vpc".into()
            }
        );
    }

    #[test]
    fn same_id_under_different_parents_is_fine_and_paths_join_with_slash() {
        let mut s = stack();
        let mut root = s.root();
        let mut a = root.child("A").expect("A");
        let inner = a.child("X").expect("A/X");
        assert_eq!(inner.path(), "Test/A/X");
        let mut b = root.child("B").expect("B");
        assert_eq!(b.child("X").expect("B/X").path(), "Test/B/X");
    }

    #[test]
    fn ids_with_slashes_or_empty_are_rejected() {
        let mut s = stack();
        let mut root = s.root();
        assert!(matches!(
            root.child("a/b"),
            Err(ConstructError::InvalidId { .. })
        ));
        assert!(matches!(
            root.child(""),
            Err(ConstructError::InvalidId { .. })
        ));
    }

    #[test]
    fn stack_names_follow_cloudformation_rules() {
        for bad in ["", "1abc", "a_b", &"a".repeat(129)] {
            assert!(
                Stack::new(bad, Environment::default()).is_err(),
                "{bad:?} accepted"
            );
        }
        assert!(Stack::new("RefArch-Network2", Environment::default()).is_ok());
    }

    #[test]
    fn duplicate_stacks_are_rejected() {
        let mut app = App::new();
        app.add_stack(stack()).expect("first");
        assert_eq!(
            app.add_stack(stack()),
            Err(ConstructError::DuplicateStack {
                name: "Test".into()
            })
        );
    }

    #[test]
    fn handles_from_another_stack_are_refused() {
        let mut a = stack();
        let raw = a
            .root()
            .raw_resource("Thing", "AWS::Foo::Bar", Prop::Map(vec![]))
            .expect("added");
        let mut b = Stack::new("Other", Environment::default()).expect("valid");
        assert!(matches!(
            b.options_mut(&raw),
            Err(ConstructError::WrongNode { .. })
        ));
        assert!(a.options_mut(&raw).is_ok());
    }
}

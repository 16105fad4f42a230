//! The contract between generated L1 resource types and the rest of the library.
//!
//! Each generated type implements [`Resource`]: its CloudFormation type name, its lowering to a
//! property tree, and a static [`ResourceSchema`] generated from the pinned registry schema
//! (create-only properties for diff, attributes, and the constraints synth validates).

use std::any::Any;
use std::fmt::Debug;

use crate::value::Prop;

/// A CloudFormation resource type generated from the registry schema (an "L1").
pub trait Resource: Debug + Clone + 'static {
    /// The CloudFormation type name, e.g. `AWS::EC2::VPC`.
    const TYPE_NAME: &'static str;

    /// Metadata generated from the registry schema.
    fn schema() -> &'static ResourceSchema;

    /// Lowers the properties to an untyped tree (a [`Prop::Map`]); unset optional properties are
    /// left out.
    fn properties(&self) -> Prop;
}

/// Object-safe view of a resource's properties, used to store typed resources in the tree.
pub trait DynResource: Debug {
    /// The CloudFormation type name.
    fn type_name(&self) -> &str;
    /// The generated schema metadata; `None` for raw resources.
    fn schema(&self) -> Option<&'static ResourceSchema>;
    /// Lowers the properties to an untyped tree.
    fn properties(&self) -> Prop;
    /// Upcast for typed access through [`crate::Stack::props_mut`].
    fn as_any(&self) -> &dyn Any;
    /// Mutable upcast for typed access through [`crate::Stack::props_mut`].
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<R: Resource> DynResource for R {
    fn type_name(&self) -> &str {
        R::TYPE_NAME
    }
    fn schema(&self) -> Option<&'static ResourceSchema> {
        Some(R::schema())
    }
    fn properties(&self) -> Prop {
        Resource::properties(self)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// A resource of a type we have not generated: the type name and a free-form property tree.
///
/// This is the escape hatch for resource types outside `schemas/types.txt`. Synth validates
/// nothing inside it beyond references.
#[derive(Debug, Clone, PartialEq)]
pub struct RawResource {
    /// The CloudFormation type name, e.g. `AWS::Lambda::Function`.
    pub type_name: String,
    /// The `Properties` object (a [`Prop::Map`]).
    pub properties: Prop,
}

impl DynResource for RawResource {
    fn type_name(&self) -> &str {
        &self.type_name
    }
    fn schema(&self) -> Option<&'static ResourceSchema> {
        None
    }
    fn properties(&self) -> Prop {
        self.properties.clone()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// Per-type metadata generated from a CloudFormation registry schema.
#[derive(Debug)]
pub struct ResourceSchema {
    /// The CloudFormation type name.
    pub type_name: &'static str,
    /// Top-level property names whose change forces replacement (`createOnlyProperties`),
    /// including nested paths written with `/` (e.g. `SubnetConfigurations/Ipv6`).
    pub create_only: &'static [&'static str],
    /// Properties that may force replacement depending on the change
    /// (`conditionalCreateOnlyProperties`).
    pub conditional_create_only: &'static [&'static str],
    /// Properties CloudFormation never returns (`writeOnlyProperties`).
    pub write_only: &'static [&'static str],
    /// The attributes `Fn::GetAtt` can read (`readOnlyProperties`), dotted for nested ones.
    pub attributes: &'static [&'static str],
    /// Value constraints synth checks on rendered properties.
    pub constraints: &'static [Constraint],
}

impl ResourceSchema {
    /// Whether a change to the top-level property `name` always replaces the resource.
    pub fn is_create_only(&self, name: &str) -> bool {
        self.create_only
            .iter()
            .any(|p| *p == name || p.split('/').next() == Some(name))
    }

    /// Whether `Fn::GetAtt` may read `attribute`.
    pub fn has_attribute(&self, attribute: &str) -> bool {
        self.attributes.contains(&attribute)
    }
}

/// One validation rule at one place in a resource's properties.
#[derive(Debug)]
pub struct Constraint {
    /// Where the rule applies, as `/`-separated property names below `Properties`; `*` stands
    /// for every item of a list or every value of a map. The empty string is `Properties` itself.
    pub path: &'static str,
    /// The rule.
    pub rule: Rule,
}

/// A value rule taken from the registry schema.
#[derive(Debug)]
pub enum Rule {
    /// The object at `path` must have these keys.
    Required(&'static [&'static str]),
    /// The value must be one of these (compared with the value's string form).
    Enum(&'static [&'static str]),
    /// The string must match this ECMA-262 regular expression.
    Pattern(&'static str),
    /// The number must be ≥ this.
    Minimum(f64),
    /// The number must be ≤ this.
    Maximum(f64),
    /// The string must have at least this many characters.
    MinLength(u64),
    /// The string must have at most this many characters.
    MaxLength(u64),
    /// The list must have at least this many items.
    MinItems(u64),
    /// The list must have at most this many items.
    MaxItems(u64),
}

//! Values: a literal or a CloudFormation expression, typed by what it evaluates to.
//!
//! Every generated property is a [`Value<T>`] (scalars and nested structs), a [`List<T>`] or a
//! [`Map<T>`]. A literal is written as itself (`"10.0.0.0/16".into()`); an expression comes from a
//! typed source such as a resource handle's attribute accessor or a function in [`crate::fns`].
//! Because the type parameter says what the expression yields, passing a list where a string is
//! expected, or a string where an integer is expected, does not compile.
//!
//! Before synth resolves references, values are lowered to [`Prop`], an untyped tree whose leaves
//! may still be [`Expr`]s pointing at construct nodes.

use std::collections::BTreeMap;
use std::marker::PhantomData;

use crate::tree::NodeRef;

/// An untyped property tree, as handed from the model to synth.
///
/// It is JSON plus one more leaf kind, [`Prop::Expr`], whose references point at construct nodes
/// and are resolved to logical ids during synth.
#[derive(Debug, Clone, PartialEq)]
pub enum Prop {
    /// JSON `null`.
    Null,
    /// JSON boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A string.
    String(String),
    /// A list, rendered in order.
    List(Vec<Prop>),
    /// An object, rendered in insertion order.
    Map(Vec<(String, Prop)>),
    /// An unresolved CloudFormation expression.
    Expr(Box<Expr>),
}

impl Prop {
    /// Builds a [`Prop::Map`] from `(key, value)` pairs, keeping their order.
    pub fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Prop)>) -> Self {
        Prop::Map(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// Looks up `key` in a [`Prop::Map`]; `None` for other variants or a missing key.
    pub fn get(&self, key: &str) -> Option<&Prop> {
        match self {
            Prop::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Visits every expression in the tree, depth first, including expressions nested inside
    /// other expressions' arguments.
    pub fn visit_exprs<'a>(&'a self, f: &mut dyn FnMut(&'a Expr)) {
        match self {
            Prop::List(items) => items.iter().for_each(|p| p.visit_exprs(f)),
            Prop::Map(entries) => entries.iter().for_each(|(_, p)| p.visit_exprs(f)),
            Prop::Expr(e) => e.visit(f),
            Prop::Null | Prop::Bool(_) | Prop::Int(_) | Prop::Float(_) | Prop::String(_) => {}
        }
    }
}

impl From<serde_json::Value> for Prop {
    fn from(value: serde_json::Value) -> Self {
        match value {
            serde_json::Value::Null => Prop::Null,
            serde_json::Value::Bool(b) => Prop::Bool(b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Prop::Int(i),
                None => Prop::Float(n.as_f64().unwrap_or_default()),
            },
            serde_json::Value::String(s) => Prop::String(s),
            serde_json::Value::Array(items) => {
                Prop::List(items.into_iter().map(Prop::from).collect())
            }
            serde_json::Value::Object(map) => {
                Prop::Map(map.into_iter().map(|(k, v)| (k, Prop::from(v))).collect())
            }
        }
    }
}

impl From<&str> for Prop {
    fn from(value: &str) -> Self {
        Prop::String(value.to_owned())
    }
}

impl From<String> for Prop {
    fn from(value: String) -> Self {
        Prop::String(value)
    }
}

impl From<Expr> for Prop {
    fn from(value: Expr) -> Self {
        Prop::Expr(Box::new(value))
    }
}

/// Free-form JSON that may embed expressions (IAM policy documents, `UpdatePolicy`, …).
pub type Json = Prop;

/// Lowering of a typed value into a [`Prop`]. Implemented for literals, generated property
/// structs and the value wrappers.
pub trait ToProp {
    /// Renders `self` as an untyped property tree.
    fn to_prop(&self) -> Prop;
}

impl ToProp for String {
    fn to_prop(&self) -> Prop {
        Prop::String(self.clone())
    }
}
impl ToProp for bool {
    fn to_prop(&self) -> Prop {
        Prop::Bool(*self)
    }
}
impl ToProp for i64 {
    fn to_prop(&self) -> Prop {
        Prop::Int(*self)
    }
}
impl ToProp for f64 {
    fn to_prop(&self) -> Prop {
        Prop::Float(*self)
    }
}
impl ToProp for Prop {
    fn to_prop(&self) -> Prop {
        self.clone()
    }
}

/// Boxed values (recursive property structs box the field that closes the cycle).
impl<T: ToProp> ToProp for Box<T> {
    fn to_prop(&self) -> Prop {
        (**self).to_prop()
    }
}

/// A property value of type `T`: a literal, or an expression that evaluates to a `T`.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<T> {
    /// A value known at synth time.
    Literal(T),
    /// A value CloudFormation computes at deploy time.
    Expr(Expr),
}

impl<T> Value<T> {
    /// Wraps an expression the caller knows to evaluate to a `T`.
    ///
    /// This is the one place the type of an expression is asserted rather than derived; typed
    /// sources (attribute accessors, [`crate::fns`]) use it internally. Prefer those.
    pub fn from_expr(expr: Expr) -> Self {
        Value::Expr(expr)
    }

    /// The literal, if this value is one.
    pub fn as_literal(&self) -> Option<&T> {
        match self {
            Value::Literal(t) => Some(t),
            Value::Expr(_) => None,
        }
    }
}

impl<T: ToProp> ToProp for Value<T> {
    fn to_prop(&self) -> Prop {
        match self {
            Value::Literal(t) => t.to_prop(),
            Value::Expr(e) => Prop::Expr(Box::new(e.clone())),
        }
    }
}

impl<T> From<T> for Value<T> {
    fn from(value: T) -> Self {
        Value::Literal(value)
    }
}
impl From<&str> for Value<String> {
    fn from(value: &str) -> Self {
        Value::Literal(value.to_owned())
    }
}
impl From<&String> for Value<String> {
    fn from(value: &String) -> Self {
        Value::Literal(value.clone())
    }
}
impl From<i32> for Value<i64> {
    fn from(value: i32) -> Self {
        Value::Literal(i64::from(value))
    }
}
impl From<u32> for Value<i64> {
    fn from(value: u32) -> Self {
        Value::Literal(i64::from(value))
    }
}
impl From<u16> for Value<i64> {
    fn from(value: u16) -> Self {
        Value::Literal(i64::from(value))
    }
}
impl From<u8> for Value<i64> {
    fn from(value: u8) -> Self {
        Value::Literal(i64::from(value))
    }
}
impl From<i32> for Value<f64> {
    fn from(value: i32) -> Self {
        Value::Literal(f64::from(value))
    }
}
impl From<serde_json::Value> for Value<Json> {
    fn from(value: serde_json::Value) -> Self {
        Value::Literal(Prop::from(value))
    }
}

/// A list of `T`: literal items (each itself a [`Value<T>`]) or an expression yielding a list,
/// such as `Fn::GetAZs`, `Fn::Split` or `Fn::Cidr`.
#[derive(Debug, Clone, PartialEq)]
pub enum List<T> {
    /// Items known at synth time (each may still be an expression).
    Items(Vec<Value<T>>),
    /// An expression that evaluates to a whole list.
    Expr(Expr),
}

impl<T> List<T> {
    /// Wraps an expression the caller knows to evaluate to a list of `T`.
    pub fn from_expr(expr: Expr) -> Self {
        List::Expr(expr)
    }

    /// The number of literal items, or `None` for a list expression.
    pub fn literal_len(&self) -> Option<usize> {
        match self {
            List::Items(items) => Some(items.len()),
            List::Expr(_) => None,
        }
    }
}

impl<T> Default for List<T> {
    fn default() -> Self {
        List::Items(Vec::new())
    }
}

impl<T: ToProp> ToProp for List<T> {
    fn to_prop(&self) -> Prop {
        match self {
            List::Items(items) => Prop::List(items.iter().map(ToProp::to_prop).collect()),
            List::Expr(e) => Prop::Expr(Box::new(e.clone())),
        }
    }
}

impl<T, X: Into<Value<T>>> From<Vec<X>> for List<T> {
    fn from(items: Vec<X>) -> Self {
        List::Items(items.into_iter().map(Into::into).collect())
    }
}

impl<T, X: Into<Value<T>>, const N: usize> From<[X; N]> for List<T> {
    fn from(items: [X; N]) -> Self {
        List::Items(items.into_iter().map(Into::into).collect())
    }
}

impl<T, X: Into<Value<T>>> FromIterator<X> for List<T> {
    fn from_iter<I: IntoIterator<Item = X>>(iter: I) -> Self {
        List::Items(iter.into_iter().map(Into::into).collect())
    }
}

/// A string-keyed map of `T`: literal entries or an expression yielding an object.
#[derive(Debug, Clone, PartialEq)]
pub enum Map<T> {
    /// Entries known at synth time, rendered in key order.
    Entries(BTreeMap<String, Value<T>>),
    /// An expression that evaluates to a whole object.
    Expr(Expr),
}

impl<T> Default for Map<T> {
    fn default() -> Self {
        Map::Entries(BTreeMap::new())
    }
}

impl<T: ToProp> ToProp for Map<T> {
    fn to_prop(&self) -> Prop {
        match self {
            Map::Entries(entries) => Prop::Map(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_prop()))
                    .collect(),
            ),
            Map::Expr(e) => Prop::Expr(Box::new(e.clone())),
        }
    }
}

impl<T, K: Into<String>, X: Into<Value<T>>> FromIterator<(K, X)> for Map<T> {
    fn from_iter<I: IntoIterator<Item = (K, X)>>(iter: I) -> Self {
        Map::Entries(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

impl<T, K: Into<String>, X: Into<Value<T>>, const N: usize> From<[(K, X); N]> for Map<T> {
    fn from(entries: [(K, X); N]) -> Self {
        entries.into_iter().collect()
    }
}

/// The pseudo parameters CloudFormation defines in every template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pseudo {
    /// `AWS::AccountId`.
    AccountId,
    /// `AWS::NotificationARNs`.
    NotificationArns,
    /// `AWS::NoValue`: removes the property it is assigned to.
    NoValue,
    /// `AWS::Partition` (`aws`, `aws-cn`, `aws-us-gov`).
    Partition,
    /// `AWS::Region`.
    Region,
    /// `AWS::StackId`.
    StackId,
    /// `AWS::StackName`.
    StackName,
    /// `AWS::URLSuffix` (`amazonaws.com` in most partitions).
    UrlSuffix,
}

impl Pseudo {
    /// The name as written in a template, e.g. `AWS::Region`.
    pub fn name(self) -> &'static str {
        match self {
            Pseudo::AccountId => "AWS::AccountId",
            Pseudo::NotificationArns => "AWS::NotificationARNs",
            Pseudo::NoValue => "AWS::NoValue",
            Pseudo::Partition => "AWS::Partition",
            Pseudo::Region => "AWS::Region",
            Pseudo::StackId => "AWS::StackId",
            Pseudo::StackName => "AWS::StackName",
            Pseudo::UrlSuffix => "AWS::URLSuffix",
        }
    }
}

/// One piece of an `Fn::Sub` string built with [`crate::fns::concat`].
#[derive(Debug, Clone, PartialEq)]
pub enum SubPart {
    /// Literal text (synth escapes `${` for you).
    Text(String),
    /// A value spliced in: references and pseudo parameters are written inline (`${Vpc.CidrBlock}`),
    /// anything else becomes a named variable.
    Value(Prop),
}

/// A CloudFormation expression. References point at construct nodes ([`NodeRef`]), never at
/// logical-id strings; synth resolves them.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `Ref` to a resource or parameter node.
    Ref(NodeRef),
    /// `Fn::GetAtt` of a resource node's attribute (dotted for nested attributes, e.g. `Endpoint.Port`).
    GetAtt(NodeRef, String),
    /// `Ref` to a pseudo parameter.
    Pseudo(Pseudo),
    /// `Fn::Sub`, from text and values in order.
    Sub(Vec<SubPart>),
    /// `Fn::Join` of a list with a delimiter.
    Join(String, Box<Prop>),
    /// `Fn::Select` of one item of a list.
    Select(u32, Box<Prop>),
    /// `Fn::Split` of a string on a delimiter.
    Split(String, Box<Prop>),
    /// `Fn::GetAZs` for a region (the empty string means the stack's region).
    GetAzs(Box<Prop>),
    /// `Fn::If` on a condition node.
    If(NodeRef, Box<Prop>, Box<Prop>),
    /// `Fn::Equals`.
    Equals(Box<Prop>, Box<Prop>),
    /// `Fn::And` (2 to 10 conditions).
    And(Vec<Prop>),
    /// `Fn::Or` (2 to 10 conditions).
    Or(Vec<Prop>),
    /// `Fn::Not`.
    Not(Box<Prop>),
    /// `{"Condition": name}`: a named condition inside `Fn::And`/`Fn::Or`/`Fn::Not`.
    Condition(NodeRef),
    /// `Fn::ImportValue` of an export name.
    ImportValue(Box<Prop>),
    /// `Fn::FindInMap` on a mapping node.
    FindInMap(NodeRef, Box<Prop>, Box<Prop>),
    /// `Fn::Base64`.
    Base64(Box<Prop>),
    /// `Fn::Cidr` (block, count, bits for each subnet's host part).
    Cidr(Box<Prop>, Box<Prop>, Box<Prop>),
    /// The object key of a file asset (`assets/<sha256>.tar.gz`), filled in by synth once it
    /// has packaged the files ([`crate::asset::Asset::object_key`]).
    AssetKey {
        /// The stack that declared the asset.
        stack: String,
        /// The asset's id in that stack.
        id: String,
    },
    /// Raw JSON, written verbatim: the escape hatch for intrinsics this enum does not model.
    Raw(serde_json::Value),
}

impl Expr {
    /// Visits this expression and every expression nested in its arguments, depth first.
    pub fn visit<'a>(&'a self, f: &mut dyn FnMut(&'a Expr)) {
        f(self);
        match self {
            Expr::Ref(_)
            | Expr::GetAtt(..)
            | Expr::Pseudo(_)
            | Expr::Condition(_)
            | Expr::AssetKey { .. }
            | Expr::Raw(_) => {}
            Expr::Sub(parts) => {
                for part in parts {
                    if let SubPart::Value(p) = part {
                        p.visit_exprs(f);
                    }
                }
            }
            Expr::Join(_, p)
            | Expr::Select(_, p)
            | Expr::Split(_, p)
            | Expr::GetAzs(p)
            | Expr::Not(p)
            | Expr::ImportValue(p)
            | Expr::Base64(p) => p.visit_exprs(f),
            Expr::If(_, a, b) | Expr::Equals(a, b) | Expr::FindInMap(_, a, b) => {
                a.visit_exprs(f);
                b.visit_exprs(f);
            }
            Expr::And(items) | Expr::Or(items) => items.iter().for_each(|p| p.visit_exprs(f)),
            Expr::Cidr(a, b, c) => {
                a.visit_exprs(f);
                b.visit_exprs(f);
                c.visit_exprs(f);
            }
        }
    }

    /// The construct nodes this expression refers to directly or through nested expressions.
    pub fn node_refs(&self) -> Vec<&NodeRef> {
        let mut out = Vec::new();
        self.visit(&mut |e| match e {
            Expr::Ref(n) | Expr::GetAtt(n, _) | Expr::Condition(n) => out.push(n),
            Expr::If(n, ..) | Expr::FindInMap(n, ..) => out.push(n),
            _ => {}
        });
        out
    }
}

/// A boolean condition expression (`Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not`, or a named
/// condition), usable in a stack's `Conditions` and in [`crate::fns::if_`].
#[derive(Debug, Clone, PartialEq)]
pub struct CondExpr(pub(crate) Expr);

impl CondExpr {
    /// The underlying expression.
    pub fn expr(&self) -> &Expr {
        &self.0
    }
}

impl ToProp for CondExpr {
    fn to_prop(&self) -> Prop {
        Prop::Expr(Box::new(self.0.clone()))
    }
}

/// A marker that ties a value to the type it yields without holding one; used by typed handles.
pub(crate) type Yields<T> = PhantomData<fn() -> T>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trips_into_props() {
        let json = serde_json::json!({"a": [1, 2.5, "x", true, null], "b": {"c": "d"}});
        let prop = Prop::from(json);
        assert_eq!(
            prop.get("b").and_then(|b| b.get("c")),
            Some(&Prop::String("d".into()))
        );
        match prop.get("a") {
            Some(Prop::List(items)) => {
                assert_eq!(items[0], Prop::Int(1));
                assert_eq!(items[1], Prop::Float(2.5));
                assert_eq!(items[4], Prop::Null);
            }
            other => panic!("expected list, got {other:?}"),
        }
    }

    #[test]
    fn lists_accept_plain_literals() {
        let list: List<String> = vec!["a", "b"].into();
        assert_eq!(list.literal_len(), Some(2));
        assert_eq!(
            list.to_prop(),
            Prop::List(vec![Prop::String("a".into()), Prop::String("b".into())])
        );
    }

    #[test]
    fn maps_render_in_key_order() {
        let map: Map<String> = [("z", "1"), ("a", "2")].into();
        match map.to_prop() {
            Prop::Map(entries) => assert_eq!(entries[0].0, "a"),
            other => panic!("expected map, got {other:?}"),
        }
    }
}

//! The tag type shared by every generated resource whose schema defines tags as
//! `{"Key": string, "Value": string}` objects.

use crate::{Prop, ToProp, Value};

/// A resource tag: `{"Key": ..., "Value": ...}`.
///
/// The generator maps every schema definition that is exactly a string `Key` and a string
/// `Value` to this one type, so tags can be built once and shared across resource types.
///
/// ```
/// use constructs::resources::Tag;
/// use constructs::{Prop, ToProp};
///
/// let tag = Tag::new("Project", "refarch");
/// assert_eq!(tag.to_prop().get("Key"), Some(&Prop::String("Project".into())));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    /// The tag key.
    pub key: Value<String>,
    /// The tag value.
    pub value: Value<String>,
}

impl Tag {
    /// A tag with this key and value (literals or expressions).
    pub fn new(key: impl Into<Value<String>>, value: impl Into<Value<String>>) -> Self {
        Tag {
            key: key.into(),
            value: value.into(),
        }
    }
}

impl ToProp for Tag {
    fn to_prop(&self) -> Prop {
        Prop::map([("Key", self.key.to_prop()), ("Value", self.value.to_prop())])
    }
}

//! Typed intrinsic functions and pseudo parameters.
//!
//! Each function takes and returns typed values, so `fns::select(0, fns::get_azs())` is a
//! `Value<String>` and `fns::join(",", …)` needs a list of strings.

use crate::tree::ConditionHandle;
use crate::value::{CondExpr, Expr, List, Prop, Pseudo, SubPart, ToProp, Value};

fn boxed(p: impl ToProp) -> Box<Prop> {
    Box::new(p.to_prop())
}

/// `{"Ref": "AWS::Region"}`.
pub fn region() -> Value<String> {
    Value::from_expr(Expr::Pseudo(Pseudo::Region))
}

/// `{"Ref": "AWS::AccountId"}`.
pub fn account_id() -> Value<String> {
    Value::from_expr(Expr::Pseudo(Pseudo::AccountId))
}

/// `{"Ref": "AWS::Partition"}`.
pub fn partition() -> Value<String> {
    Value::from_expr(Expr::Pseudo(Pseudo::Partition))
}

/// `{"Ref": "AWS::URLSuffix"}`.
pub fn url_suffix() -> Value<String> {
    Value::from_expr(Expr::Pseudo(Pseudo::UrlSuffix))
}

/// `{"Ref": "AWS::StackName"}`.
pub fn stack_name() -> Value<String> {
    Value::from_expr(Expr::Pseudo(Pseudo::StackName))
}

/// `{"Ref": "AWS::StackId"}`.
pub fn stack_id() -> Value<String> {
    Value::from_expr(Expr::Pseudo(Pseudo::StackId))
}

/// `{"Ref": "AWS::NotificationARNs"}`.
pub fn notification_arns() -> List<String> {
    List::from_expr(Expr::Pseudo(Pseudo::NotificationArns))
}

/// `{"Ref": "AWS::NoValue"}`: removes the property, typically in one branch of [`if_`].
pub fn no_value<T>() -> Value<T> {
    Value::from_expr(Expr::Pseudo(Pseudo::NoValue))
}

/// A string built from text and values, rendered as `Fn::Sub` (or a plain string when every part
/// is literal). References and pseudo parameters are written inline (`${Vpc.CidrBlock}`).
pub fn concat(parts: impl IntoIterator<Item = Value<String>>) -> Value<String> {
    let mut out: Vec<SubPart> = Vec::new();
    for part in parts {
        match part {
            Value::Literal(text) => match out.last_mut() {
                Some(SubPart::Text(prev)) => prev.push_str(&text),
                _ => out.push(SubPart::Text(text)),
            },
            // A nested concatenation is spliced in, so `${...}` stays flat.
            Value::Expr(Expr::Sub(parts)) => {
                for part in parts {
                    match (part, out.last_mut()) {
                        (SubPart::Text(text), Some(SubPart::Text(prev))) => prev.push_str(&text),
                        (part, _) => out.push(part),
                    }
                }
            }
            Value::Expr(e) => out.push(SubPart::Value(Prop::Expr(Box::new(e)))),
        }
    }
    match out.as_slice() {
        [] => Value::Literal(String::new()),
        [SubPart::Text(text)] => Value::Literal(text.clone()),
        _ => Value::from_expr(Expr::Sub(out)),
    }
}

/// `Fn::Join`: the items of `list` joined with `delimiter`.
pub fn join(delimiter: &str, list: impl Into<List<String>>) -> Value<String> {
    Value::from_expr(Expr::Join(delimiter.to_owned(), boxed(list.into())))
}

/// `Fn::Select`: item `index` of `list`.
pub fn select<T: ToProp>(index: u32, list: impl Into<List<T>>) -> Value<T> {
    Value::from_expr(Expr::Select(index, boxed(list.into())))
}

/// `Fn::Split`: `source` split on `delimiter`.
pub fn split(delimiter: &str, source: impl Into<Value<String>>) -> List<String> {
    List::from_expr(Expr::Split(delimiter.to_owned(), boxed(source.into())))
}

/// `Fn::GetAZs` for the stack's region.
pub fn get_azs() -> List<String> {
    List::from_expr(Expr::GetAzs(Box::new(Prop::String(String::new()))))
}

/// `Fn::GetAZs` for a given region.
pub fn get_azs_in(region: impl Into<Value<String>>) -> List<String> {
    List::from_expr(Expr::GetAzs(boxed(region.into())))
}

/// `Fn::If`: `then` when `condition` holds, else `otherwise`.
pub fn if_<T: ToProp>(
    condition: &ConditionHandle,
    then: impl Into<Value<T>>,
    otherwise: impl Into<Value<T>>,
) -> Value<T> {
    use crate::tree::AsNode;
    Value::from_expr(Expr::If(
        condition.node_ref().clone(),
        boxed(then.into()),
        boxed(otherwise.into()),
    ))
}

/// `Fn::Equals` of two strings.
pub fn equals(a: impl Into<Value<String>>, b: impl Into<Value<String>>) -> CondExpr {
    CondExpr(Expr::Equals(boxed(a.into()), boxed(b.into())))
}

/// `Fn::And` of 2 to 10 conditions (synth reports other counts).
pub fn and(conditions: impl IntoIterator<Item = CondExpr>) -> CondExpr {
    CondExpr(Expr::And(
        conditions.into_iter().map(|c| c.to_prop()).collect(),
    ))
}

/// `Fn::Or` of 2 to 10 conditions (synth reports other counts).
pub fn or(conditions: impl IntoIterator<Item = CondExpr>) -> CondExpr {
    CondExpr(Expr::Or(
        conditions.into_iter().map(|c| c.to_prop()).collect(),
    ))
}

/// `Fn::Not`.
pub fn not(condition: CondExpr) -> CondExpr {
    CondExpr(Expr::Not(boxed(condition)))
}

/// `Fn::ImportValue` of an export made outside this app. Within an app, use the other stack's
/// handles directly: synth creates the export and import for you.
pub fn import_value(export_name: impl Into<Value<String>>) -> Value<String> {
    Value::from_expr(Expr::ImportValue(boxed(export_name.into())))
}

/// `Fn::Base64` (e.g. for `UserData`).
pub fn base64(text: impl Into<Value<String>>) -> Value<String> {
    Value::from_expr(Expr::Base64(boxed(text.into())))
}

/// `Fn::Cidr`: `count` CIDR blocks carved from `block`, each with `host_bits` host bits.
pub fn cidr(block: impl Into<Value<String>>, count: u32, host_bits: u32) -> List<String> {
    List::from_expr(Expr::Cidr(
        boxed(block.into()),
        Box::new(Prop::Int(i64::from(count))),
        Box::new(Prop::Int(i64::from(host_bits))),
    ))
}

/// An ARN in the stack's partition, e.g. `arn("ssm", region(), account_id(), "parameter/app/*")`.
pub fn arn(
    service: &str,
    region: impl Into<Value<String>>,
    account: impl Into<Value<String>>,
    resource: impl Into<Value<String>>,
) -> Value<String> {
    concat([
        "arn:".into(),
        partition(),
        format!(":{service}:").into(),
        region.into(),
        ":".into(),
        account.into(),
        ":".into(),
        resource.into(),
    ])
}

/// A Secrets Manager dynamic reference (`{{resolve:secretsmanager:…}}`) to a JSON key of a secret:
/// the value is fetched at deploy time and never appears in the template.
pub fn secret_json_key(secret: impl Into<Value<String>>, key: &str) -> Value<String> {
    concat([
        "{{resolve:secretsmanager:".into(),
        secret.into(),
        format!(":SecretString:{key}}}}}").into(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concat_of_literals_is_a_literal() {
        let v = concat(["a".into(), "b".into()]);
        assert_eq!(v, Value::Literal("ab".to_owned()));
    }

    #[test]
    fn concat_with_expressions_is_a_sub_with_merged_text() {
        let v = concat(["a".into(), "b".into(), region(), "c".into()]);
        match v {
            Value::Expr(Expr::Sub(parts)) => {
                assert_eq!(parts.len(), 3);
                assert_eq!(parts[0], SubPart::Text("ab".into()));
            }
            other => panic!("expected Sub, got {other:?}"),
        }
    }

    #[test]
    fn nested_concatenations_are_flattened() {
        let inner = concat(["x-".into(), region()]);
        match concat(["arn:".into(), inner, ":y".into()]) {
            Value::Expr(Expr::Sub(parts)) => {
                assert_eq!(parts.len(), 3, "{parts:?}");
                assert_eq!(parts[0], SubPart::Text("arn:x-".into()));
            }
            other => panic!("expected Sub, got {other:?}"),
        }
    }

    #[test]
    fn select_of_azs_is_a_string_value() {
        let az: Value<String> = select(1, get_azs());
        assert!(matches!(az, Value::Expr(Expr::Select(1, _))));
    }
}

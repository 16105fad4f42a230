//! `drift`: what changed outside CloudFormation, per resource and property, in a form people
//! can act on.
//!
//! CloudFormation's drift detection also reports properties the template never set whose live
//! value is the service's default (`DifferenceType: ADD`, e.g. an SSM parameter's `Tier:
//! Standard`). Those are not changes anyone made; they are hidden unless asked for (`--all`)
//! and counted, and a resource whose only differences are such is reported in sync.

use std::fmt::Write as _;
use std::time::Instant;

use serde::Serialize;

use crate::cancel::Cancel;
use crate::cfn::Cfn;
use crate::error::DeployError;
use crate::retry::Backoff;
use crate::template::Template;

/// One property that differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PropertyDifference {
    /// JSON pointer of the property, e.g. `/Value`.
    pub path: String,
    /// The template's value.
    pub expected: String,
    /// The live value.
    pub actual: String,
    /// `NOT_EQUAL`, `ADD` (not in the template: a default, or set by hand), `REMOVE`.
    pub kind: String,
}

/// One resource's drift.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceDrift {
    /// Logical id.
    pub logical_id: String,
    /// Physical id.
    pub physical_id: Option<String>,
    /// Type.
    pub resource_type: String,
    /// `IN_SYNC`, `MODIFIED`, `DELETED`, `NOT_CHECKED`.
    pub status: String,
    /// The differences (after filtering, see the module docs).
    pub differences: Vec<PropertyDifference>,
    /// Construct path from the deployed template.
    pub construct_path: Option<String>,
}

/// One stack's drift.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StackDrift {
    /// Stack name.
    pub stack: String,
    /// The drifted resources (modified or deleted), in template order.
    pub drifted: Vec<ResourceDrift>,
    /// Resources whose type drift detection does not check.
    pub not_checked: Vec<String>,
    /// Differences hidden because the template does not set the property (defaults).
    pub hidden_defaults: usize,
    /// Whether the stack is not deployed.
    pub not_deployed: bool,
}

impl StackDrift {
    /// Whether anything drifted.
    pub fn has_drift(&self) -> bool {
        !self.drifted.is_empty()
    }

    /// Text for people: each drifted resource and property, and what to do.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if self.not_deployed {
            let _ = writeln!(out, "Stack {}: not deployed", self.stack);
            return out;
        }
        if self.drifted.is_empty() {
            let _ = writeln!(out, "Stack {}: in sync", self.stack);
        } else {
            let _ = writeln!(
                out,
                "Stack {}: DRIFTED ({} resource(s))",
                self.stack,
                self.drifted.len()
            );
        }
        for r in &self.drifted {
            let _ = write!(
                out,
                "  {} {} ({}) {}",
                if r.status == "DELETED" { "-" } else { "~" },
                r.logical_id,
                r.resource_type,
                r.status
            );
            if let Some(p) = &r.construct_path {
                let _ = write!(out, "  <{p}>");
            }
            out.push('\n');
            for d in &r.differences {
                let _ = writeln!(
                    out,
                    "      {}: template {}, live {}",
                    d.path.trim_start_matches('/'),
                    if d.expected.is_empty() {
                        "(not set)"
                    } else {
                        &d.expected
                    },
                    d.actual
                );
            }
        }
        if self.has_drift() {
            let _ = writeln!(
                out,
                "  To undo: deploy again (CloudFormation updates only what the template changes, \
                 so change the template or the resource by hand to match first). To keep the \
                 live values: put them in the template."
            );
        }
        if self.hidden_defaults > 0 {
            let _ = writeln!(
                out,
                "  ({} difference(s) in properties the template does not set, i.e. service \
                 defaults, hidden; --all shows them)",
                self.hidden_defaults
            );
        }
        if !self.not_checked.is_empty() {
            let _ = writeln!(
                out,
                "  not checked (drift detection does not support the type): {}",
                self.not_checked.join(", ")
            );
        }
        out
    }
}

/// Runs drift detection on `stack` and reads the result. `all`: keep the differences in
/// properties the template does not set.
///
/// # Errors
/// [`DeployError::TimedOut`], [`DeployError::Interrupted`], a failed detection
/// ([`DeployError::Blocked`] with the service's reason), API errors.
pub async fn detect(
    cfn: &Cfn,
    stack: &str,
    all: bool,
    cancel: &Cancel,
) -> Result<StackDrift, DeployError> {
    let Some(state) = cfn.describe_stack(stack).await? else {
        return Ok(StackDrift {
            stack: stack.into(),
            drifted: Vec::new(),
            not_checked: Vec::new(),
            hidden_defaults: 0,
            not_deployed: true,
        });
    };
    let id = cfn.detect_stack_drift(&state.stack_id).await?;
    let timing = cfn.timing().clone();
    let started = Instant::now();
    let mut backoff = Backoff::new(timing.poll_initial, timing.poll_max);
    loop {
        let (status, _, reason) = cfn.drift_detection_status(&id).await?;
        match status.as_str() {
            "DETECTION_COMPLETE" => break,
            "DETECTION_FAILED" => {
                return Err(DeployError::Blocked {
                    stack: stack.into(),
                    status,
                    advice: format!(
                        "drift detection failed: {}",
                        reason.unwrap_or_else(|| "no reason given".into())
                    ),
                });
            }
            _ => {}
        }
        if started.elapsed() >= timing.timeout {
            return Err(DeployError::TimedOut {
                stack: stack.into(),
                waiting_for: "finish drift detection".into(),
                status,
                after: timing.timeout,
            });
        }
        tokio::select! {
            () = tokio::time::sleep(backoff.next_delay()) => {}
            () = cancel.cancelled() => {
                return Err(DeployError::Interrupted {
                    stack: stack.into(),
                    waiting_for: "finish drift detection".into(),
                    status,
                    still_running: "The detection only reads; it finishes on its own.".into(),
                });
            }
        }
    }
    let deployed = cfn
        .get_template(&state.stack_id)
        .await?
        .and_then(|b| Template::parse(&b).ok())
        .unwrap_or_default();
    Ok(summarize(
        stack,
        cfn.resource_drifts(&state.stack_id).await?,
        &deployed,
        all,
    ))
}

/// Filters and orders what the service reported (pure).
pub fn summarize(
    stack: &str,
    drifts: Vec<ResourceDrift>,
    deployed: &Template,
    all: bool,
) -> StackDrift {
    let mut hidden = 0;
    let mut drifted = Vec::new();
    let mut not_checked = Vec::new();
    for mut d in drifts {
        match d.status.as_str() {
            "NOT_CHECKED" => not_checked.push(d.logical_id),
            "DELETED" => drifted.push(d),
            "MODIFIED" => {
                if !all {
                    let before = d.differences.len();
                    d.differences.retain(|p| p.kind != "ADD");
                    hidden += before - d.differences.len();
                }
                if !d.differences.is_empty() {
                    drifted.push(d);
                }
            }
            _ => {}
        }
    }
    let order = |id: &str| deployed.resources().position(|r| r.logical_id == id);
    drifted.sort_by_key(|d| order(&d.logical_id));
    for d in &mut drifted {
        d.construct_path = deployed.construct_path(&d.logical_id).map(str::to_owned);
    }
    StackDrift {
        stack: stack.into(),
        drifted,
        not_checked,
        hidden_defaults: hidden,
        not_deployed: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drift(id: &str, status: &str, kinds: &[&str]) -> ResourceDrift {
        ResourceDrift {
            logical_id: id.into(),
            physical_id: None,
            resource_type: "AWS::SSM::Parameter".into(),
            status: status.into(),
            differences: kinds
                .iter()
                .map(|k| PropertyDifference {
                    path: "/Value".into(),
                    expected: "a".into(),
                    actual: "b".into(),
                    kind: (*k).into(),
                })
                .collect(),
            construct_path: None,
        }
    }

    #[test]
    fn differences_that_are_only_defaults_are_hidden_and_counted() {
        let t = Template::default();
        let s = summarize(
            "S",
            vec![
                drift("OnlyDefault", "MODIFIED", &["ADD"]),
                drift("Changed", "MODIFIED", &["NOT_EQUAL", "ADD"]),
                drift("Gone", "DELETED", &[]),
                drift("Topic", "NOT_CHECKED", &[]),
                drift("Fine", "IN_SYNC", &[]),
            ],
            &t,
            false,
        );
        let ids: Vec<&str> = s.drifted.iter().map(|d| d.logical_id.as_str()).collect();
        assert_eq!(ids, ["Changed", "Gone"]);
        assert_eq!(s.hidden_defaults, 2);
        assert_eq!(s.not_checked, ["Topic"]);
        let text = s.render();
        assert!(text.contains("Stack S: DRIFTED (2 resource(s))"), "{text}");
        assert!(text.contains("Value: template a, live b"), "{text}");
        assert!(text.contains("--all shows them"), "{text}");
        let all = summarize(
            "S",
            vec![drift("OnlyDefault", "MODIFIED", &["ADD"])],
            &t,
            true,
        );
        assert_eq!(all.drifted.len(), 1);
    }
}

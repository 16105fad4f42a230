//! Following a stack's events from a point in time, and turning them into a failure summary.

use std::collections::HashSet;

use crate::cfn::{Cfn, StackEvent};
use crate::error::{ApiError, ResourceFailure};
use crate::template::Template;

/// At most this many pages are read per poll (100 events each).
const MAX_PAGES_PER_POLL: usize = 20;

/// Reads the events of one stack that happened at or after a start time, each once.
#[derive(Debug)]
pub struct EventWatcher {
    stack: String,
    since_ms: i64,
    seen: HashSet<String>,
    /// Every event seen so far, oldest first.
    pub history: Vec<StackEvent>,
}

impl EventWatcher {
    /// Follows `stack` (name or ARN) from `since_ms` (epoch milliseconds, service clock).
    pub fn new(stack: &str, since_ms: i64) -> Self {
        Self {
            stack: stack.to_owned(),
            since_ms,
            seen: HashSet::new(),
            history: Vec::new(),
        }
    }

    /// Marks every event currently listed as already seen (for when no start time is known).
    ///
    /// # Errors
    /// [`ApiError`] after retries.
    pub async fn skip_existing(&mut self, cfn: &Cfn) -> Result<(), ApiError> {
        let page = cfn.stack_events(&self.stack, None).await?;
        self.seen.extend(page.events.into_iter().map(|e| e.id));
        Ok(())
    }

    /// New events since the last poll, oldest first, with construct paths from `template`.
    ///
    /// # Errors
    /// [`ApiError`] after retries.
    pub async fn poll(
        &mut self,
        cfn: &Cfn,
        template: &Template,
    ) -> Result<Vec<StackEvent>, ApiError> {
        let mut fresh = Vec::new();
        let mut next = None;
        for _ in 0..MAX_PAGES_PER_POLL {
            let page = cfn.stack_events(&self.stack, next).await?;
            let mut reached_known = false;
            for e in page.events {
                if e.time_ms < self.since_ms || self.seen.contains(&e.id) {
                    reached_known = true;
                    break;
                }
                fresh.push(e);
            }
            next = page.next;
            if reached_known || next.is_none() {
                break;
            }
        }
        fresh.reverse();
        for e in &mut fresh {
            self.seen.insert(e.id.clone());
            e.construct_path = template.construct_path(&e.logical_id).map(str::to_owned);
        }
        self.history.extend(fresh.iter().cloned());
        Ok(fresh)
    }
}

/// Every failure among `events` (oldest first), each `(resource, status)` pair once, with
/// construct paths from `template`: the resources' and the stack's own (a stack-level
/// `UPDATE_FAILED` carries reasons no resource has, e.g. an export still in use). A stack-level
/// failure whose reason only lists the failed resources adds nothing and is left out.
pub fn failures(
    events: &[StackEvent],
    stack_name: &str,
    template: &Template,
) -> Vec<ResourceFailure> {
    let mut seen = HashSet::new();
    events
        .iter()
        .filter(|e| e.status.ends_with("_FAILED"))
        .filter(|e| {
            !(is_stack_level(e, stack_name)
                && e.reason.as_deref().is_none_or(|r| {
                    r.is_empty() || r.starts_with("The following resource(s) failed")
                }))
        })
        .filter(|e| seen.insert((e.logical_id.clone(), e.status.clone())))
        .map(|e| ResourceFailure {
            stack_level: is_stack_level(e, stack_name),
            logical_id: e.logical_id.clone(),
            resource_type: e.resource_type.clone(),
            status: e.status.clone(),
            reason: e.reason.clone().unwrap_or_else(|| "no reason given".into()),
            construct_path: e
                .construct_path
                .clone()
                .or_else(|| template.construct_path(&e.logical_id).map(str::to_owned)),
        })
        .collect()
}

fn is_stack_level(e: &StackEvent, stack_name: &str) -> bool {
    e.resource_type == "AWS::CloudFormation::Stack"
        && (e.logical_id == stack_name || stack_name.ends_with(&format!("/{}", e.logical_id)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ev(id: &str, logical: &str, ty: &str, status: &str, reason: Option<&str>) -> StackEvent {
        StackEvent {
            id: id.into(),
            logical_id: logical.into(),
            resource_type: ty.into(),
            status: status.into(),
            reason: reason.map(Into::into),
            time_ms: 0,
            construct_path: None,
            client_request_token: None,
        }
    }

    #[test]
    fn failures_name_every_failed_resource_once_with_its_path() {
        let t = Template::from_value(json!({"Resources":{
            "Subnet":{"Type":"AWS::EC2::Subnet","Metadata":{"construct:path":"Net/Vpc/Subnet"}}}}));
        let events = vec![
            ev(
                "1",
                "Net",
                "AWS::CloudFormation::Stack",
                "CREATE_IN_PROGRESS",
                None,
            ),
            ev(
                "2",
                "Subnet",
                "AWS::EC2::Subnet",
                "CREATE_FAILED",
                Some("bad cidr"),
            ),
            ev(
                "3",
                "Route",
                "AWS::EC2::Route",
                "CREATE_FAILED",
                Some("Resource creation cancelled"),
            ),
            ev(
                "4",
                "Subnet",
                "AWS::EC2::Subnet",
                "CREATE_FAILED",
                Some("again"),
            ),
            ev(
                "5",
                "Net",
                "AWS::CloudFormation::Stack",
                "ROLLBACK_FAILED",
                Some("x"),
            ),
            ev("6", "Route", "AWS::EC2::Route", "DELETE_FAILED", None),
        ];
        let f = failures(&events, "Net", &t);
        assert_eq!(f.len(), 4, "{f:#?}");
        assert_eq!(f[0].logical_id, "Subnet");
        assert_eq!(f[0].reason, "bad cidr");
        assert_eq!(f[0].construct_path.as_deref(), Some("Net/Vpc/Subnet"));
        assert!(
            f[2].stack_level && f[2].reason == "x",
            "the stack's own failure: {f:#?}"
        );
        assert_eq!(f[2].to_string(), "ROLLBACK_FAILED stack Net itself: x");
        assert_eq!(f[3].status, "DELETE_FAILED");
        assert_eq!(f[3].reason, "no reason given");
    }
}

//! The scripted endpoint's protocol side: query-protocol requests in, 2010-05-15 XML out.

use std::sync::Mutex;

use super::http::{Request, Response, form};
use super::scripted::{CsOutcome, FakeChangeSet, Fault, World, ev, step};

const NS: &str = "http://cloudformation.amazonaws.com/doc/2010-05-15/";

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn time(t: u64) -> String {
    format!(
        "2024-01-01T{:02}:{:02}:{:02}.000Z",
        (t / 3600) % 24,
        (t / 60) % 60,
        t % 60
    )
}

fn ok(action: &str, inner: &str) -> Response {
    Response {
        status: 200,
        body: format!(
            "<{action}Response xmlns=\"{NS}\"><{action}Result>{inner}</{action}Result>\
             <ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></{action}Response>"
        ),
        delay: None,
    }
}

fn error(status: u16, code: &str, message: &str) -> Response {
    Response {
        status,
        body: format!(
            "<ErrorResponse xmlns=\"{NS}\"><Error><Type>Sender</Type><Code>{code}</Code>\
             <Message>{}</Message></Error><RequestId>req-1</RequestId></ErrorResponse>",
            esc(message)
        ),
        delay: None,
    }
}

fn missing(name: &str) -> Response {
    error(
        400,
        "ValidationError",
        &format!("Stack with id {name} does not exist"),
    )
}

pub fn handle(world: &Mutex<World>, req: &Request) -> Response {
    let params = form(&req.body);
    let get = |k: &str| {
        params
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let action = get("Action").unwrap_or_default();
    let mut w = world.lock().unwrap();
    w.calls.push(action.clone());
    w.requests.push((action.clone(), params.clone()));
    if let Some(name) =
        get("StackName").filter(|_| action == "CreateChangeSet" || action == "DeleteStack")
    {
        let kind = if action == "DeleteStack" {
            "delete"
        } else {
            "create"
        };
        let name = w
            .stack_idx(&name)
            .map_or(name, |i| w.stacks[i].name.clone());
        w.log.push(format!("{kind}:{name}"));
    }
    let busy = w
        .stacks
        .iter()
        .filter(|s| s.status.ends_with("_IN_PROGRESS") && s.status != "REVIEW_IN_PROGRESS")
        .count();
    w.max_in_progress = w.max_in_progress.max(busy);
    let fault = w
        .faults
        .iter()
        .position(|(a, _)| *a == action)
        .map(|i| w.faults.remove(i).1);
    match fault {
        Some(Fault::Throttle) => return error(400, "Throttling", "Rate exceeded"),
        Some(Fault::Http500) => {
            return Response {
                status: 500,
                body: "<html><body>Internal Server Error</body></html>".into(),
                delay: None,
            };
        }
        Some(Fault::Slow(d)) => {
            let mut r = dispatch(&mut w, &action, &get, &params);
            r.delay = Some(d);
            return r;
        }
        Some(Fault::ApplyThen500) => {
            let _ = dispatch(&mut w, &action, &get, &params);
            return Response {
                status: 500,
                body: "<html>oops</html>".into(),
                delay: None,
            };
        }
        Some(Fault::ApplyFinishThen500) => {
            let _ = dispatch(&mut w, &action, &get, &params);
            let name = get("StackName").unwrap_or_default();
            if let Some(i) = w.stack_idx(&name) {
                while !w.stacks[i].timeline.is_empty() {
                    w.advance(i);
                }
            }
            return Response {
                status: 500,
                body: "<html>oops</html>".into(),
                delay: None,
            };
        }
        Some(Fault::Error {
            code,
            message,
            drop_change_sets,
        }) => {
            if drop_change_sets {
                let name = get("StackName").unwrap_or_default();
                if let Some(i) = w.stack_idx(&name) {
                    let id = w.stacks[i].id.clone();
                    w.change_sets.retain(|c| c.stack_id != id && c.id != name);
                }
                let cs = get("ChangeSetName").unwrap_or_default();
                w.change_sets.retain(|c| c.id != cs);
            }
            return error(400, &code, &message);
        }
        None => {}
    }
    dispatch(&mut w, &action, &get, &params)
}

fn members(params: &[(String, String)], prefix: &str, field: &str) -> Vec<String> {
    let mut out = Vec::new();
    for n in 1.. {
        let key = if field.is_empty() {
            format!("{prefix}.member.{n}")
        } else {
            format!("{prefix}.member.{n}.{field}")
        };
        match params.iter().find(|(k, _)| *k == key) {
            Some((_, v)) => out.push(v.clone()),
            None => break,
        }
    }
    out
}

fn dispatch(
    w: &mut World,
    action: &str,
    get: &dyn Fn(&str) -> Option<String>,
    params: &[(String, String)],
) -> Response {
    let stack_name = get("StackName").unwrap_or_default();
    match action {
        "DescribeStacks" => {
            let Some(i) = w.stack_idx(&stack_name) else {
                return missing(&stack_name);
            };
            if w.stacks[i].deleted && w.stacks[i].id != stack_name {
                return missing(&stack_name);
            }
            w.advance(i);
            let s = &w.stacks[i];
            if s.deleted && s.id != stack_name {
                return missing(&stack_name);
            }
            let outputs: String = s
                .outputs
                .iter()
                .map(|(k, v)| {
                    format!(
                        "<member><OutputKey>{k}</OutputKey><OutputValue>{}</OutputValue></member>",
                        esc(v)
                    )
                })
                .collect();
            let reason = s
                .reason
                .as_deref()
                .map(|r| format!("<StackStatusReason>{}</StackStatusReason>", esc(r)))
                .unwrap_or_default();
            ok(
                "DescribeStacks",
                &format!(
                    "<Stacks><member><StackId>{}</StackId><StackName>{}</StackName><CreationTime>{}</CreationTime>\
                 <StackStatus>{}</StackStatus>{reason}<Outputs>{outputs}</Outputs>\
                 <EnableTerminationProtection>{}</EnableTerminationProtection></member></Stacks>",
                    s.id,
                    s.name,
                    time(0),
                    s.status,
                    s.termination_protection
                ),
            )
        }
        "CreateChangeSet" => {
            if let Some((code, message)) = w.create_error.take() {
                return error(400, &code, &message);
            }
            let name = get("ChangeSetName").unwrap_or_default();
            let create = get("ChangeSetType").as_deref() == Some("CREATE");
            let template = get("TemplateBody")
                .or_else(|| get("TemplateURL"))
                .unwrap_or_default();
            w.last_parameters = members(params, "Parameters", "ParameterKey")
                .into_iter()
                .zip(
                    members(params, "Parameters", "ParameterValue")
                        .into_iter()
                        .chain(std::iter::repeat("<previous>".into())),
                )
                .collect();
            w.last_capabilities = members(params, "Capabilities", "");
            w.last_tags = members(params, "Tags", "Key")
                .into_iter()
                .zip(members(params, "Tags", "Value"))
                .collect();
            let idx = match w.stack_idx(&stack_name) {
                Some(i) if create && w.stacks[i].status != "REVIEW_IN_PROGRESS" => {
                    return error(
                        400,
                        "AlreadyExistsException",
                        &format!("Stack [{stack_name}] already exists"),
                    );
                }
                Some(i) => i,
                None if create => {
                    w.add_stack(&stack_name, "REVIEW_IN_PROGRESS", "");
                    let i = w.stacks.len() - 1;
                    w.push_event(
                        i,
                        ev(
                            &stack_name,
                            "AWS::CloudFormation::Stack",
                            "REVIEW_IN_PROGRESS",
                            Some("User Initiated"),
                        ),
                    );
                    i
                }
                None => return missing(&stack_name),
            };
            let stack_id = w.stacks[idx].id.clone();
            if w.change_sets
                .iter()
                .any(|c| c.stack_id == stack_id && c.name == name)
            {
                return error(
                    400,
                    "AlreadyExistsException",
                    &format!("ChangeSet {name} already exists"),
                );
            }
            let (pending_polls, outcome) = w
                .next_change_set
                .take()
                .unwrap_or((1, CsOutcome::Changes(vec![])));
            let created = w.tick();
            let id =
                format!("arn:aws:cloudformation:us-east-1:123456789012:changeSet/{name}/{created}");
            w.change_sets.push(FakeChangeSet {
                id: id.clone(),
                name,
                stack_id: stack_id.clone(),
                create,
                template,
                pending_polls,
                outcome,
                created,
                executed: false,
            });
            ok(
                "CreateChangeSet",
                &format!("<Id>{id}</Id><StackId>{stack_id}</StackId>"),
            )
        }
        "DescribeChangeSet" => {
            let name = get("ChangeSetName").unwrap_or_default();
            let Some(cs) = find_cs(w, &name, &stack_name) else {
                return error(
                    404,
                    "ChangeSetNotFound",
                    &format!("ChangeSet [{name}] does not exist"),
                );
            };
            let cs = &mut w.change_sets[cs];
            let (status, exec, reason) = if cs.pending_polls > 0 {
                cs.pending_polls -= 1;
                ("CREATE_IN_PROGRESS", "UNAVAILABLE", String::new())
            } else {
                match &cs.outcome {
                    CsOutcome::Failed(r) => (
                        "FAILED",
                        "UNAVAILABLE",
                        format!("<StatusReason>{}</StatusReason>", esc(r)),
                    ),
                    CsOutcome::Changes(_) if cs.executed => {
                        ("CREATE_COMPLETE", "EXECUTE_IN_PROGRESS", String::new())
                    }
                    CsOutcome::Changes(_) => ("CREATE_COMPLETE", "AVAILABLE", String::new()),
                }
            };
            // Two changes per page, so callers must follow NextToken.
            let all = match &cs.outcome {
                CsOutcome::Changes(c) if status != "CREATE_IN_PROGRESS" => c.clone(),
                _ => vec![],
            };
            let start: usize = get("NextToken").and_then(|t| t.parse().ok()).unwrap_or(0);
            let page: String = all.iter().skip(start).take(2).map(|c| {
                let repl = c.replacement.as_deref().map(|r| format!("<Replacement>{r}</Replacement>")).unwrap_or_default();
                format!("<member><Type>Resource</Type><ResourceChange><Action>{}</Action><LogicalResourceId>{}</LogicalResourceId>\
                         <ResourceType>{}</ResourceType>{repl}<Details><member><Target><Attribute>Properties</Attribute>\
                         <Name>SomeProperty</Name><RequiresRecreation>Always</RequiresRecreation></Target>\
                         <ChangeSource>DirectModification</ChangeSource></member></Details></ResourceChange></member>",
                        c.action, c.logical_id, c.resource_type)
            }).collect();
            let next = if start + 2 < all.len() {
                format!("<NextToken>{}</NextToken>", start + 2)
            } else {
                String::new()
            };
            ok(
                "DescribeChangeSet",
                &format!(
                    "<ChangeSetName>{}</ChangeSetName><ChangeSetId>{}</ChangeSetId><StackId>{}</StackId>\
                 <CreationTime>{}</CreationTime><Status>{status}</Status><ExecutionStatus>{exec}</ExecutionStatus>{reason}\
                 <Changes>{page}</Changes>{next}",
                    cs.name,
                    cs.id,
                    cs.stack_id,
                    time(cs.created)
                ),
            )
        }
        "DeleteChangeSet" => {
            let name = get("ChangeSetName").unwrap_or_default();
            if w.stack_idx(&stack_name).is_none() {
                return missing(&stack_name);
            }
            match find_cs(w, &name, &stack_name) {
                Some(i) => {
                    w.change_sets.remove(i);
                    ok("DeleteChangeSet", "")
                }
                None => error(
                    404,
                    "ChangeSetNotFound",
                    &format!("ChangeSet [{name}] does not exist"),
                ),
            }
        }
        "ListChangeSets" => {
            let names = w.change_sets_of(&stack_name);
            let m: String = names
                .iter()
                .map(|n| format!("<member><ChangeSetName>{n}</ChangeSetName></member>"))
                .collect();
            ok("ListChangeSets", &format!("<Summaries>{m}</Summaries>"))
        }
        "ExecuteChangeSet" => {
            let name = get("ChangeSetName").unwrap_or_default();
            let Some(ci) = find_cs(w, &name, &stack_name) else {
                return error(
                    404,
                    "ChangeSetNotFound",
                    &format!("ChangeSet [{name}] does not exist"),
                );
            };
            let cs = w.change_sets[ci].clone();
            if cs.executed || cs.pending_polls > 0 || matches!(cs.outcome, CsOutcome::Failed(_)) {
                return error(
                    400,
                    "InvalidChangeSetStatus",
                    &format!(
                        "ChangeSet [{}] cannot be executed in its current status",
                        cs.id
                    ),
                );
            }
            w.change_sets[ci].executed = true;
            let Some(si) = w.stack_idx(&cs.stack_id) else {
                return missing(&cs.stack_id);
            };
            let kind = if cs.create { "CREATE" } else { "UPDATE" };
            let timeline = w
                .execution
                .clone()
                .unwrap_or_else(|| vec![step(&format!("{kind}_COMPLETE"), vec![])]);
            let sname = w.stacks[si].name.clone();
            w.stacks[si].status = format!("{kind}_IN_PROGRESS");
            w.stacks[si].template = cs.template.clone();
            w.stacks[si].timeline = timeline.into();
            let mut started = ev(
                &sname,
                "AWS::CloudFormation::Stack",
                &format!("{kind}_IN_PROGRESS"),
                Some("User Initiated"),
            );
            started.token = get("ClientRequestToken");
            w.push_event(si, started);
            ok("ExecuteChangeSet", "")
        }
        "DescribeStackEvents" => {
            let Some(i) = w.stack_idx(&stack_name) else {
                return missing(&stack_name);
            };
            let s = &w.stacks[i];
            let mut evs: Vec<_> = s.events.iter().collect();
            evs.reverse();
            let start: usize = get("NextToken").and_then(|t| t.parse().ok()).unwrap_or(0);
            let page: String = evs.iter().skip(start).take(3).map(|(t, id, e)| {
                let reason = e.reason.as_deref().map(|r| format!("<ResourceStatusReason>{}</ResourceStatusReason>", esc(r))).unwrap_or_default()
                    + &e.token.as_deref().map(|t| format!("<ClientRequestToken>{}</ClientRequestToken>", esc(t))).unwrap_or_default();
                format!("<member><StackId>{}</StackId><EventId>{id}</EventId><StackName>{}</StackName>\
                         <LogicalResourceId>{}</LogicalResourceId><ResourceType>{}</ResourceType>\
                         <Timestamp>{}</Timestamp><ResourceStatus>{}</ResourceStatus>{reason}</member>",
                        s.id, s.name, e.logical_id, e.resource_type, time(*t), e.status)
            }).collect();
            let next = if start + 3 < evs.len() {
                format!("<NextToken>{}</NextToken>", start + 3)
            } else {
                String::new()
            };
            ok(
                "DescribeStackEvents",
                &format!("<StackEvents>{page}</StackEvents>{next}"),
            )
        }
        "GetTemplate" => match w.stack_idx(&stack_name) {
            Some(i) if !w.stacks[i].deleted || w.stacks[i].id == stack_name => ok(
                "GetTemplate",
                &format!(
                    "<TemplateBody>{}</TemplateBody>",
                    esc(&w.stacks[i].template)
                ),
            ),
            _ => missing(&stack_name),
        },
        "DeleteStack" => {
            let Some(i) = w.stack_idx(&stack_name) else {
                return ok("DeleteStack", "");
            };
            if w.stacks[i].status.starts_with("DELETE") {
                return ok("DeleteStack", "");
            }
            let timeline = w.deletion.clone().unwrap_or_else(|| {
                vec![
                    step("DELETE_IN_PROGRESS", vec![]),
                    step("DELETE_COMPLETE", vec![]),
                ]
            });
            let name = w.stacks[i].name.clone();
            w.stacks[i].status = "DELETE_IN_PROGRESS".into();
            w.stacks[i].timeline = timeline.into();
            w.push_event(
                i,
                ev(
                    &name,
                    "AWS::CloudFormation::Stack",
                    "DELETE_IN_PROGRESS",
                    Some("User Initiated"),
                ),
            );
            let id = w.stacks[i].id.clone();
            w.change_sets.retain(|c| c.stack_id != id);
            ok("DeleteStack", "")
        }
        "ListExports" => ok("ListExports", "<Exports></Exports>"),
        "RollbackStack" | "ContinueUpdateRollback" => {
            let Some(i) = w.stack_idx(&stack_name) else {
                return missing(&stack_name);
            };
            let status = w.stacks[i].status.clone();
            let (from, to) = match (action, status.as_str()) {
                ("ContinueUpdateRollback", "UPDATE_ROLLBACK_FAILED") => {
                    ("UPDATE_ROLLBACK_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE")
                }
                ("RollbackStack", "UPDATE_FAILED") => {
                    ("UPDATE_ROLLBACK_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE")
                }
                ("RollbackStack", "CREATE_FAILED") => ("ROLLBACK_IN_PROGRESS", "ROLLBACK_COMPLETE"),
                _ => {
                    return error(
                        400,
                        "ValidationError",
                        &format!(
                            "Stack {stack_name} is in {status} state and can not be rolled back"
                        ),
                    );
                }
            };
            let timeline = w
                .rollback
                .clone()
                .unwrap_or_else(|| vec![step(from, vec![]), step(to, vec![])]);
            let name = w.stacks[i].name.clone();
            w.stacks[i].status = from.into();
            w.stacks[i].timeline = timeline.into();
            w.push_event(
                i,
                ev(
                    &name,
                    "AWS::CloudFormation::Stack",
                    from,
                    Some("User Initiated"),
                ),
            );
            ok(action, "")
        }
        "DescribeStackResources" => ok(
            "DescribeStackResources",
            "<StackResources></StackResources>",
        ),
        "UpdateTerminationProtection" => {
            let Some(i) = w.stack_idx(&stack_name) else {
                return missing(&stack_name);
            };
            w.stacks[i].termination_protection =
                get("EnableTerminationProtection").as_deref() == Some("true");
            ok(
                "UpdateTerminationProtection",
                &format!("<StackId>{}</StackId>", w.stacks[i].id),
            )
        }
        other => error(
            400,
            "InvalidAction",
            &format!("scripted endpoint does not know {other}"),
        ),
    }
}

fn find_cs(w: &World, name: &str, stack: &str) -> Option<usize> {
    w.change_sets.iter().position(|c| c.id == name).or_else(|| {
        let stack_id = w.stack_idx(stack).map(|i| w.stacks[i].id.clone())?;
        w.change_sets
            .iter()
            .position(|c| c.name == name && c.stack_id == stack_id)
    })
}

//! Failure paths moto cannot act out, driven through the real SDK client against a scripted
//! CloudFormation endpoint: asynchronous states, rollback after a failed create, blocked states,
//! throttling, HTTP 5xx, time-outs, stateful replacement refusal, approval, Ctrl-C.
//! Every scenario ends with the stack in a known state and no leftover change sets.

mod support;

use std::time::Duration;

use deploy::assembly::Assembly;
use deploy::cancel::Cancel;
use deploy::cfn::Cfn;
use deploy::changes::RequireApproval;
use deploy::deploy::{Approval, DeployOptions, StackOutcome, deploy_stack};
use deploy::destroy::{DestroyOutcome, destroy_stack};
use deploy::error::DeployError;
use deploy::progress::{Notice, Recorder};
use deploy::retry::Timing;
use serde_json::{Value, json};
use support::scripted::{CsOutcome, Fault, Scripted, World, chg, ev, step};

const STACK: &str = "App";

fn template() -> Value {
    json!({"Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"},
                "Metadata": {"construct:path": "App/Network/Vpc/Resource"}},
        "Db": {"Type": "AWS::RDS::DBCluster", "DeletionPolicy": "Snapshot", "Properties": {"Engine": "aurora-postgresql"},
               "Metadata": {"construct:path": "App/Data/Db/Resource"}},
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": []}},
                 "Metadata": {"construct:path": "App/Compute/Role/Resource"}}
    }})
}

struct Env {
    server: Scripted,
    cfn: Cfn,
    asm: Assembly,
    _dir: tempfile::TempDir,
    rec: Recorder,
}

impl Env {
    async fn new(world: World) -> Self {
        Self::with(world, template(), Timing::fast()).await
    }

    async fn with(world: World, template: Value, timing: Timing) -> Self {
        let server = Scripted::start(world).await;
        let config = support::local_config(&server.url(), &timing).await;
        let cfn = Cfn::new(&config, Some("us-east-1"), timing);
        let dir = tempfile::tempdir().unwrap();
        support::write_assembly(dir.path(), STACK, &template, json!({}));
        let asm = Assembly::load(dir.path()).unwrap();
        Self {
            server,
            cfn,
            asm,
            _dir: dir,
            rec: Recorder::default(),
        }
    }

    async fn deploy(&self, options: &DeployOptions) -> Result<StackOutcome, DeployError> {
        deploy_stack(
            &self.cfn,
            &self.asm.stacks[0],
            options,
            &self.rec,
            &Cancel::new(),
        )
        .await
    }

    fn status(&self) -> Option<String> {
        self.server.world().stack(STACK).map(|s| s.status.clone())
    }

    fn assert_no_change_sets(&self) {
        assert!(
            self.server.world().change_sets_of(STACK).is_empty(),
            "leftover change sets"
        );
    }
}

fn healthy(status: &str) -> World {
    let mut w = World::default();
    w.add_stack(STACK, status, &template().to_string());
    w
}

#[tokio::test]
async fn asynchronous_create_streams_events_reads_every_page_and_reports_outputs() {
    let mut w = World {
        next_change_set: Some((
            2,
            CsOutcome::Changes(vec![
                chg("Add", "Vpc", "AWS::EC2::VPC", None),
                chg("Add", "Db", "AWS::RDS::DBCluster", None),
                chg("Add", "Role", "AWS::IAM::Role", None),
            ]),
        )),
        ..World::default()
    };
    w.execution = Some(vec![
        step(
            "CREATE_IN_PROGRESS",
            vec![ev("Vpc", "AWS::EC2::VPC", "CREATE_IN_PROGRESS", None)],
        ),
        step(
            "CREATE_IN_PROGRESS",
            vec![
                ev("Vpc", "AWS::EC2::VPC", "CREATE_COMPLETE", None),
                ev("Db", "AWS::RDS::DBCluster", "CREATE_IN_PROGRESS", None),
                ev("Role", "AWS::IAM::Role", "CREATE_IN_PROGRESS", None),
            ],
        ),
        step(
            "CREATE_COMPLETE",
            vec![
                ev("Db", "AWS::RDS::DBCluster", "CREATE_COMPLETE", None),
                ev("Role", "AWS::IAM::Role", "CREATE_COMPLETE", None),
                ev(STACK, "AWS::CloudFormation::Stack", "CREATE_COMPLETE", None),
            ],
        ),
    ]);
    let env = Env::new(w).await;
    env.server.world().stacks.clear();
    let out = env.deploy(&DeployOptions::default()).await.unwrap();
    assert!(
        matches!(&out, StackOutcome::Deployed { status, .. } if status == "CREATE_COMPLETE"),
        "{out:?}"
    );
    let notices = env.rec.notices();
    let summary = notices
        .iter()
        .find_map(|n| match n {
            Notice::ChangeSet { summary, .. } => Some(summary.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(summary.changes.len(), 3, "all pages of changes");
    assert_eq!(
        summary.changes[1].construct_path.as_deref(),
        Some("App/Data/Db/Resource")
    );
    let events: Vec<_> = notices
        .iter()
        .filter_map(|n| match n {
            Notice::Event { event, .. } => Some(event.clone()),
            _ => None,
        })
        .collect();
    let order: Vec<_> = events
        .iter()
        .map(|e| format!("{} {}", e.logical_id, e.status))
        .collect();
    assert_eq!(
        order.first().map(String::as_str),
        Some("App CREATE_IN_PROGRESS"),
        "{order:?}"
    );
    assert!(
        order.contains(&"Db CREATE_COMPLETE".to_owned()),
        "{order:?}"
    );
    assert!(
        !order.iter().any(|o| o.contains("REVIEW_IN_PROGRESS")),
        "events before the change set are skipped: {order:?}"
    );
    let w = env.server.world();
    assert_eq!(w.last_capabilities, ["CAPABILITY_IAM"]);
    assert_eq!(
        w.last_tags,
        [("Project".to_owned(), "refarch-tests".to_owned())]
    );
    drop(w);
    env.assert_no_change_sets();
}

#[tokio::test]
async fn an_operation_in_progress_is_waited_for_before_updating() {
    let mut w = healthy("UPDATE_IN_PROGRESS");
    w.stacks[0].timeline = vec![
        step("UPDATE_IN_PROGRESS", vec![]),
        step("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", vec![]),
        step("UPDATE_COMPLETE", vec![]),
    ]
    .into();
    w.next_change_set = Some((
        0,
        CsOutcome::Changes(vec![chg("Modify", "Vpc", "AWS::EC2::VPC", Some("False"))]),
    ));
    let env = Env::new(w).await;
    let out = env.deploy(&DeployOptions::default()).await.unwrap();
    assert!(
        matches!(&out, StackOutcome::Deployed { status, .. } if status == "UPDATE_COMPLETE"),
        "{out:?}"
    );
    assert!(
        env.rec
            .notices()
            .iter()
            .any(|n| matches!(n, Notice::Waiting { status, .. } if status == "UPDATE_IN_PROGRESS"))
    );
    env.assert_no_change_sets();
}

#[tokio::test]
async fn rollback_complete_after_a_failed_create_is_deleted_and_recreated() {
    let mut w = healthy("ROLLBACK_COMPLETE");
    w.deletion = Some(vec![
        step("DELETE_IN_PROGRESS", vec![]),
        step("DELETE_COMPLETE", vec![]),
    ]);
    w.next_change_set = Some((
        1,
        CsOutcome::Changes(vec![chg("Add", "Vpc", "AWS::EC2::VPC", None)]),
    ));
    let env = Env::new(w).await;
    let out = env.deploy(&DeployOptions::default()).await.unwrap();
    assert!(
        matches!(&out, StackOutcome::Deployed { status, .. } if status == "CREATE_COMPLETE"),
        "{out:?}"
    );
    assert!(
        env.rec
            .notices()
            .iter()
            .any(|n| matches!(n, Notice::Recreating { .. }))
    );
    assert_eq!(env.server.world().count("DeleteStack"), 1);
    assert_eq!(env.status().as_deref(), Some("CREATE_COMPLETE"));
    env.assert_no_change_sets();
}

#[tokio::test]
async fn update_rollback_failed_blocks_with_recovery_advice_and_touches_nothing() {
    let mut w = healthy("UPDATE_ROLLBACK_FAILED");
    w.push_event(
        0,
        ev(
            "Db",
            "AWS::RDS::DBCluster",
            "UPDATE_FAILED",
            Some("cluster is busy"),
        ),
    );
    let env = Env::new(w).await;
    let err = env.deploy(&DeployOptions::default()).await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, DeployError::Blocked { .. }), "{text}");
    assert!(
        text.contains("continue-update-rollback --stack-name App"),
        "{text}"
    );
    assert!(
        text.contains("Db (AWS::RDS::DBCluster): cluster is busy [construct App/Data/Db/Resource]"),
        "{text}"
    );
    assert_eq!(env.server.world().count("CreateChangeSet"), 0);
    assert_eq!(env.status().as_deref(), Some("UPDATE_ROLLBACK_FAILED"));
    env.assert_no_change_sets();
}

#[tokio::test]
async fn failed_update_names_every_failed_resource_with_its_construct_path() {
    let mut w = healthy("UPDATE_COMPLETE");
    w.next_change_set = Some((
        0,
        CsOutcome::Changes(vec![
            chg("Modify", "Vpc", "AWS::EC2::VPC", Some("False")),
            chg("Modify", "Role", "AWS::IAM::Role", Some("False")),
        ]),
    ));
    let mut rolled_back = step(
        "UPDATE_ROLLBACK_COMPLETE",
        vec![ev(
            STACK,
            "AWS::CloudFormation::Stack",
            "UPDATE_ROLLBACK_COMPLETE",
            None,
        )],
    );
    rolled_back.reason = Some("The following resource(s) failed to update: [Vpc, Role]".into());
    w.execution = Some(vec![
        step(
            "UPDATE_IN_PROGRESS",
            vec![
                ev(
                    "Vpc",
                    "AWS::EC2::VPC",
                    "UPDATE_FAILED",
                    Some("CIDR conflicts"),
                ),
                ev(
                    "Role",
                    "AWS::IAM::Role",
                    "UPDATE_FAILED",
                    Some("Resource update cancelled"),
                ),
            ],
        ),
        step(
            "UPDATE_ROLLBACK_IN_PROGRESS",
            vec![ev(
                STACK,
                "AWS::CloudFormation::Stack",
                "UPDATE_ROLLBACK_IN_PROGRESS",
                Some("The following resource(s) failed to update: [Vpc, Role]"),
            )],
        ),
        rolled_back,
    ]);
    let env = Env::new(w).await;
    let err = env.deploy(&DeployOptions::default()).await.unwrap_err();
    let text = err.to_string();
    let DeployError::StackFailed {
        failures, status, ..
    } = &err
    else {
        panic!("{text}")
    };
    assert_eq!(status, "UPDATE_ROLLBACK_COMPLETE");
    assert_eq!(failures.len(), 2, "{text}");
    assert!(
        text.contains(
            "UPDATE_FAILED Vpc (AWS::EC2::VPC): CIDR conflicts [construct App/Network/Vpc/Resource]"
        ),
        "{text}"
    );
    assert!(
        text.contains("Role (AWS::IAM::Role): Resource update cancelled"),
        "{text}"
    );
    assert_eq!(env.status().as_deref(), Some("UPDATE_ROLLBACK_COMPLETE"));
    env.assert_no_change_sets();
}

#[tokio::test]
async fn throttling_and_server_errors_are_retried() {
    let mut w = healthy("UPDATE_COMPLETE");
    w.faults = vec![
        ("DescribeStacks".into(), Fault::Throttle),
        ("DescribeStacks".into(), Fault::Http500),
        ("CreateChangeSet".into(), Fault::Throttle),
        ("DescribeChangeSet".into(), Fault::Http500),
        ("DescribeStackEvents".into(), Fault::Throttle),
        ("GetTemplate".into(), Fault::Http500),
    ];
    w.next_change_set = Some((
        1,
        CsOutcome::Changes(vec![chg("Modify", "Vpc", "AWS::EC2::VPC", Some("False"))]),
    ));
    let env = Env::new(w).await;
    let out = env.deploy(&DeployOptions::default()).await.unwrap();
    assert!(
        matches!(&out, StackOutcome::Deployed { status, .. } if status == "UPDATE_COMPLETE"),
        "{out:?}"
    );
    let w = env.server.world();
    assert!(w.faults.is_empty(), "every fault was hit");
    assert_eq!(w.count("CreateChangeSet"), 2);
    assert_eq!(w.count("ExecuteChangeSet"), 1);
    drop(w);
    env.assert_no_change_sets();
}

#[tokio::test]
async fn a_lost_execute_answer_is_not_executed_twice() {
    let mut w = healthy("UPDATE_COMPLETE");
    w.faults = vec![("ExecuteChangeSet".into(), Fault::ApplyThen500)];
    w.next_change_set = Some((
        0,
        CsOutcome::Changes(vec![chg("Modify", "Vpc", "AWS::EC2::VPC", Some("False"))]),
    ));
    w.execution = Some(vec![
        step("UPDATE_IN_PROGRESS", vec![]),
        step("UPDATE_COMPLETE", vec![]),
    ]);
    let env = Env::new(w).await;
    let out = env.deploy(&DeployOptions::default()).await.unwrap();
    assert!(
        matches!(&out, StackOutcome::Deployed { status, .. } if status == "UPDATE_COMPLETE"),
        "{out:?}"
    );
    assert_eq!(env.server.world().count("ExecuteChangeSet"), 1);
    env.assert_no_change_sets();
}

#[tokio::test]
async fn slow_answers_time_out_per_attempt_and_are_retried() {
    let mut w = healthy("UPDATE_COMPLETE");
    w.faults = vec![("DescribeStacks".into(), Fault::Slow(Duration::from_secs(3)))];
    w.create_error = Some((
        "ValidationError".into(),
        "No updates are to be performed.".into(),
    ));
    let timing = Timing {
        attempt_timeout: Duration::from_millis(300),
        ..Timing::fast()
    };
    let env = Env::with(w, template(), timing).await;
    let out = env.deploy(&DeployOptions::default()).await.unwrap();
    assert!(matches!(out, StackOutcome::NoChanges { .. }), "{out:?}");
    assert_eq!(env.server.world().count("DescribeStacks"), 2);
    env.assert_no_change_sets();
}

#[tokio::test]
async fn a_stack_that_never_settles_times_out_with_advice() {
    let mut w = healthy("UPDATE_COMPLETE");
    w.next_change_set = Some((
        0,
        CsOutcome::Changes(vec![chg("Modify", "Vpc", "AWS::EC2::VPC", Some("False"))]),
    ));
    w.execution = Some(vec![step("UPDATE_IN_PROGRESS", vec![]); 10_000]);
    let timing = Timing {
        timeout: Duration::from_millis(300),
        ..Timing::fast()
    };
    let env = Env::with(w, template(), timing).await;
    let err = env.deploy(&DeployOptions::default()).await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, DeployError::TimedOut { .. }), "{text}");
    assert!(
        text.contains("Nothing was cancelled") && text.contains("--timeout"),
        "{text}"
    );
    assert_eq!(env.status().as_deref(), Some("UPDATE_IN_PROGRESS"));
}

#[tokio::test]
async fn replacing_a_database_is_refused_unless_allowed_by_logical_id() {
    let changes = vec![
        chg("Modify", "Vpc", "AWS::EC2::VPC", Some("False")),
        chg("Modify", "Db", "AWS::RDS::DBCluster", Some("True")),
    ];
    let mut w = healthy("UPDATE_COMPLETE");
    w.next_change_set = Some((0, CsOutcome::Changes(changes.clone())));
    let env = Env::new(w).await;
    let err = env.deploy(&DeployOptions::default()).await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, DeployError::DataLossRefused { .. }), "{text}");
    assert!(
        text.contains(
            "Db (AWS::RDS::DBCluster) would be replaced [construct App/Data/Db/Resource]"
        ),
        "{text}"
    );
    assert!(text.contains("--allow-replace Db"), "{text}");
    assert_eq!(env.server.world().count("ExecuteChangeSet"), 0);
    assert_eq!(env.status().as_deref(), Some("UPDATE_COMPLETE"));
    env.assert_no_change_sets();

    env.server.world().next_change_set = Some((0, CsOutcome::Changes(changes)));
    let allowed = DeployOptions {
        allow_replace: vec!["Db".into()],
        ..DeployOptions::default()
    };
    let out = env.deploy(&allowed).await.unwrap();
    assert!(
        matches!(&out, StackOutcome::Deployed { status, .. } if status == "UPDATE_COMPLETE"),
        "{out:?}"
    );
    env.assert_no_change_sets();
}

#[tokio::test]
async fn ctrl_c_stops_waiting_says_what_runs_and_the_next_deploy_resumes() {
    let mut w = healthy("UPDATE_COMPLETE");
    w.next_change_set = Some((
        0,
        CsOutcome::Changes(vec![chg("Modify", "Vpc", "AWS::EC2::VPC", Some("False"))]),
    ));
    w.execution = Some(vec![step("UPDATE_IN_PROGRESS", vec![]); 10_000]);
    let env = Env::new(w).await;
    let cancel = Cancel::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        trigger.cancel();
    });
    let err = deploy_stack(
        &env.cfn,
        &env.asm.stacks[0],
        &DeployOptions::default(),
        &env.rec,
        &cancel,
    )
    .await
    .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, DeployError::Interrupted { .. }), "{text}");
    assert!(
        text.contains("still working on the stack (UPDATE_IN_PROGRESS)"),
        "{text}"
    );
    assert!(text.contains("Run the same command again"), "{text}");
    assert_eq!(env.status().as_deref(), Some("UPDATE_IN_PROGRESS"));

    // CloudFormation finishes on its own; the next deploy waits for it, then finds nothing to do.
    {
        let mut w = env.server.world();
        let i = w.stacks.iter().position(|s| s.name == STACK).unwrap();
        w.stacks[i].timeline = vec![
            step("UPDATE_IN_PROGRESS", vec![]),
            step("UPDATE_COMPLETE", vec![]),
        ]
        .into();
        w.next_change_set = Some((0, CsOutcome::Failed("The submitted information didn't contain changes. Submit different information to create a change set.".into())));
    }
    let out = env.deploy(&DeployOptions::default()).await.unwrap();
    assert!(matches!(out, StackOutcome::NoChanges { .. }), "{out:?}");
    assert_eq!(env.status().as_deref(), Some("UPDATE_COMPLETE"));
    env.assert_no_change_sets();
}

#[tokio::test]
async fn widening_access_needs_approval_and_yes_gives_it() {
    let mut t = template();
    t["Resources"]["Sg"] = json!({"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "web",
        "SecurityGroupIngress": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "0.0.0.0/0"}]}});
    let mut w = healthy("UPDATE_COMPLETE");
    w.next_change_set = Some((
        0,
        CsOutcome::Changes(vec![chg("Add", "Sg", "AWS::EC2::SecurityGroup", None)]),
    ));
    let env = Env::with(w, t, Timing::fast()).await;
    let err = env.deploy(&DeployOptions::default()).await.unwrap_err();
    assert!(matches!(err, DeployError::ApprovalRequired { .. }), "{err}");
    assert!(err.to_string().contains("--yes"), "{err}");
    env.assert_no_change_sets();

    env.server.world().next_change_set = Some((
        0,
        CsOutcome::Changes(vec![chg("Add", "Sg", "AWS::EC2::SecurityGroup", None)]),
    ));
    let yes = DeployOptions {
        approval: Approval::AssumeYes,
        ..DeployOptions::default()
    };
    let out = env.deploy(&yes).await.unwrap();
    assert!(matches!(out, StackOutcome::Deployed { .. }), "{out:?}");
    let widened = env.rec.notices().iter().any(|n| {
        matches!(n, Notice::ChangeSet { summary, .. }
        if summary.widening.iter().any(|w| w.description == "tcp 22 from CidrIp=0.0.0.0/0"))
    });
    assert!(widened);
    env.assert_no_change_sets();

    // any-change asks even without widening; never does not.
    env.server.world().next_change_set = Some((
        0,
        CsOutcome::Changes(vec![chg("Modify", "Vpc", "AWS::EC2::VPC", Some("False"))]),
    ));
    let strict = DeployOptions {
        require_approval: RequireApproval::AnyChange,
        ..DeployOptions::default()
    };
    assert!(matches!(
        env.deploy(&strict).await,
        Err(DeployError::ApprovalRequired { .. })
    ));
    env.assert_no_change_sets();
}

#[tokio::test]
async fn no_execute_leaves_the_change_set_and_the_next_deploy_replaces_it() {
    let mut w = healthy("UPDATE_COMPLETE");
    w.next_change_set = Some((
        0,
        CsOutcome::Changes(vec![chg("Modify", "Vpc", "AWS::EC2::VPC", Some("False"))]),
    ));
    let env = Env::new(w).await;
    let review = DeployOptions {
        execute: false,
        ..DeployOptions::default()
    };
    let out = env.deploy(&review).await.unwrap();
    assert!(
        matches!(out, StackOutcome::ChangeSetCreated { .. }),
        "{out:?}"
    );
    assert_eq!(env.server.world().change_sets_of(STACK), ["refarch-deploy"]);

    env.server.world().next_change_set = Some((
        0,
        CsOutcome::Changes(vec![chg("Modify", "Vpc", "AWS::EC2::VPC", Some("False"))]),
    ));
    let out = env.deploy(&DeployOptions::default()).await.unwrap();
    assert!(matches!(out, StackOutcome::Deployed { .. }), "{out:?}");
    assert_eq!(
        env.server.world().count("DeleteChangeSet"),
        2,
        "stale one deleted before each create"
    );
    env.assert_no_change_sets();
}

#[tokio::test]
async fn a_failed_change_set_is_deleted_and_reported() {
    let w = World {
        next_change_set: Some((
            1,
            CsOutcome::Failed(
                "Template format error: Unresolved resource dependencies [Nope]".into(),
            ),
        )),
        ..World::default()
    };
    let env = Env::new(w).await;
    let err = env.deploy(&DeployOptions::default()).await.unwrap_err();
    assert!(matches!(err, DeployError::ChangeSetFailed { .. }), "{err}");
    assert!(
        err.to_string().contains("Unresolved resource dependencies"),
        "{err}"
    );
    assert_eq!(env.status().as_deref(), Some("REVIEW_IN_PROGRESS"));
    env.assert_no_change_sets();
    // A stack only reviewed is created through a new CREATE change set.
    env.server.world().next_change_set = Some((
        0,
        CsOutcome::Changes(vec![chg("Add", "Vpc", "AWS::EC2::VPC", None)]),
    ));
    let out = env.deploy(&DeployOptions::default()).await.unwrap();
    assert!(
        matches!(&out, StackOutcome::Deployed { status, .. } if status == "CREATE_COMPLETE"),
        "{out:?}"
    );
    env.assert_no_change_sets();
}

#[tokio::test]
async fn oversized_template_without_a_bucket_fails_before_calling_the_service() {
    let mut t = template();
    t["Description"] = json!("x".repeat(60_000));
    let env = Env::with(healthy("UPDATE_COMPLETE"), t, Timing::fast()).await;
    let err = env.deploy(&DeployOptions::default()).await.unwrap_err();
    assert!(matches!(err, DeployError::TemplateTooLarge { .. }), "{err}");
    assert!(err.to_string().contains("--template-bucket"), "{err}");
    assert_eq!(env.server.world().count("CreateChangeSet"), 0);
}

#[tokio::test]
async fn destroy_reports_retained_resources_and_every_delete_failure() {
    let env = Env::new(healthy("UPDATE_COMPLETE")).await;
    let cancel = Cancel::new();
    let out = destroy_stack(&env.cfn, &env.asm.stacks[0], &env.rec, &cancel)
        .await
        .unwrap();
    let DestroyOutcome::Deleted { retained, .. } = out else {
        panic!("{out:?}")
    };
    assert_eq!(retained.len(), 1);
    assert_eq!(
        (retained[0].logical_id.as_str(), retained[0].policy.as_str()),
        ("Db", "Snapshot")
    );
    assert_eq!(env.status(), None);

    let mut w = healthy("CREATE_COMPLETE");
    w.deletion = Some(vec![
        step(
            "DELETE_IN_PROGRESS",
            vec![ev(
                "Vpc",
                "AWS::EC2::VPC",
                "DELETE_FAILED",
                Some("has dependencies"),
            )],
        ),
        step("DELETE_FAILED", vec![]),
    ]);
    let env = Env::new(w).await;
    let err = destroy_stack(&env.cfn, &env.asm.stacks[0], &env.rec, &cancel)
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, DeployError::DeleteFailed { .. }), "{text}");
    assert!(text.contains("DELETE_FAILED Vpc (AWS::EC2::VPC): has dependencies [construct App/Network/Vpc/Resource]"), "{text}");
}

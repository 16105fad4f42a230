//! Faults and guards, driven through the real SDK client against the scripted endpoint:
//! throttling, HTTP 5xx, lost answers, time-outs, data-loss refusal, approval, review-only change
//! sets, failed change sets, oversized templates, destroy. Each ends in a known state with no
//! change sets left.

use crate::support;

use std::time::Duration;

use deploy::cancel::Cancel;
use deploy::changes::RequireApproval;
use deploy::deploy::{Approval, DeployOptions, StackOutcome};
use deploy::destroy::{DestroyOutcome, destroy_stack};
use deploy::error::DeployError;
use deploy::progress::Notice;
use deploy::retry::Timing;
use serde_json::json;
use support::env::{Env, STACK, healthy, template};
use support::scripted::{CsOutcome, Fault, World, chg, ev, step};

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
    // The slow one, its retry, and the termination-protection check at the end.
    assert_eq!(env.server.world().count("DescribeStacks"), 3);
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
    assert!(text.contains("--allow-replace App:Db"), "{text}");
    assert!(text.contains("The change set was deleted"), "{text}");
    assert_eq!(env.server.world().count("ExecuteChangeSet"), 0);
    assert_eq!(env.status().as_deref(), Some("UPDATE_COMPLETE"));
    env.assert_no_change_sets();

    env.server.world().next_change_set = Some((0, CsOutcome::Changes(changes)));
    let allowed = DeployOptions {
        allow_replace: vec!["Db".parse().unwrap()],
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
    let left = env.server.world().change_sets_of(STACK);
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(left[0].starts_with("refarch-deploy-"), "{left:?}");

    // The next run makes its own change set (unique name) and never deletes the one left for
    // review; CloudFormation drops the stack's other change sets once an execution finishes.
    env.server.world().next_change_set = Some((
        0,
        CsOutcome::Changes(vec![chg("Modify", "Vpc", "AWS::EC2::VPC", Some("False"))]),
    ));
    let out = env.deploy(&DeployOptions::default()).await.unwrap();
    assert!(matches!(out, StackOutcome::Deployed { .. }), "{out:?}");
    assert_eq!(env.server.world().count("DeleteChangeSet"), 0);
    let executed = env.server.world().count("ExecuteChangeSet");
    assert_eq!(executed, 1);
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

#[tokio::test]
async fn termination_protection_follows_the_manifest_and_blocks_destroy() {
    let mut w = healthy("UPDATE_COMPLETE");
    w.next_change_set = Some((
        0,
        CsOutcome::Changes(vec![chg("Modify", "Vpc", "AWS::EC2::VPC", Some("False"))]),
    ));
    let mut env = Env::new(w).await;
    env.asm.stacks[0].manifest.termination_protection = true;
    env.deploy(&DeployOptions::default()).await.unwrap();
    assert!(
        env.server
            .world()
            .stack(STACK)
            .unwrap()
            .termination_protection
    );
    assert_eq!(env.server.world().count("UpdateTerminationProtection"), 1);

    let err = destroy_stack(&env.cfn, &env.asm.stacks[0], &env.rec, &Cancel::new())
        .await
        .unwrap_err();
    assert!(
        matches!(err, DeployError::TerminationProtected { .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("update-termination-protection"),
        "{err}"
    );
    assert_eq!(env.status().as_deref(), Some("UPDATE_COMPLETE"));
    assert_eq!(env.server.world().count("DeleteStack"), 0);
    env.assert_no_change_sets();
}

#[tokio::test]
async fn ctrl_c_before_execution_deletes_the_change_set_and_executes_nothing() {
    let mut w = healthy("UPDATE_COMPLETE");
    w.next_change_set = Some((
        0,
        CsOutcome::Changes(vec![chg("Modify", "Vpc", "AWS::EC2::VPC", Some("False"))]),
    ));
    let env = Env::new(w).await;
    let cancel = Cancel::new();
    cancel.cancel();
    let err = deploy::deploy::deploy_stack(
        &env.cfn,
        &env.asm.stacks[0],
        &DeployOptions::default(),
        &env.rec,
        &cancel,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, DeployError::Stopped { .. }), "{err}");
    assert_eq!(env.server.world().count("ExecuteChangeSet"), 0);
    assert_eq!(env.status().as_deref(), Some("UPDATE_COMPLETE"));
    env.assert_no_change_sets();
}

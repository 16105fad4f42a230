//! Stack states moto cannot act out, driven through the real SDK client against the scripted
//! endpoint: asynchronous creates, operations in progress, rollback after a failed create,
//! blocked states, failed updates, Ctrl-C. Each ends in a known state with no change sets left.

use crate::support;

use std::time::Duration;

use deploy::cancel::Cancel;
use deploy::deploy::{DeployOptions, StackOutcome, deploy_stack};
use deploy::error::DeployError;
use deploy::progress::Notice;
use support::env::{Env, STACK, healthy};
use support::scripted::{CsOutcome, World, chg, ev, step};

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
    assert!(text.contains("refarch-app rollback --stack App"), "{text}");
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
async fn stacks_deploy_in_dependency_order_and_are_destroyed_in_reverse() {
    use deploy::cli::{DestroyArgs, deploy_with, destroy_with};

    let server = support::scripted::Scripted::start(World::default()).await;
    let timing = deploy::retry::Timing::fast();
    let config = support::local_config(&server.url(), &timing).await;
    let dir = tempfile::tempdir().unwrap();
    let body = support::env::template().to_string();
    std::fs::write(dir.path().join("Net.template.json"), &body).unwrap();
    std::fs::write(dir.path().join("App.template.json"), &body).unwrap();
    std::fs::write(
        dir.path().join("manifest.json"),
        r#"{"version": 1, "stacks": [
            {"name": "Net", "templateFile": "Net.template.json"},
            {"name": "App", "templateFile": "App.template.json", "dependencies": ["Net"]}]}"#,
    )
    .unwrap();
    let rec = deploy::progress::Recorder::default();
    let cancel = Cancel::new();

    // Selecting App brings in Net, which goes first.
    let args = deploy::cli::DeployArgs {
        stacks: vec!["App".into()],
        require_approval: deploy::changes::RequireApproval::Never,
        no_execute: false,
        yes: false,
        allow_replace: vec![],
        parameters: vec![],
        template_bucket: None,
        change_set_name: "refarch-deploy".into(),
        no_rollback: false,
        role_arn: None,
        notification_arns: vec![],
        outputs_file: None,
        concurrency: 1,
        timeout: Duration::from_secs(5),
        aws: deploy::aws::AwsArgs::default(),
    };
    let outs = deploy_with(dir.path(), &args, &config, &timing, &rec, &cancel)
        .await
        .unwrap();
    let names: Vec<_> = outs
        .iter()
        .map(|o| match o {
            StackOutcome::Deployed { stack, .. } => stack.as_str(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(names, ["Net", "App"]);

    let args = DestroyArgs {
        stacks: vec![],
        yes: true,
        timeout: Duration::from_secs(5),
        role_arn: None,
        concurrency: 1,
        aws: Default::default(),
    };
    destroy_with(dir.path(), &args, &config, &timing, &rec, &cancel)
        .await
        .unwrap();
    let w = server.world();
    let deleted_at = |name: &str| {
        let s = w.stacks.iter().find(|s| s.name == name).unwrap();
        assert_eq!(s.status, "DELETE_COMPLETE");
        s.events
            .iter()
            .find(|(_, _, e)| e.status == "DELETE_IN_PROGRESS")
            .map(|(t, _, _)| *t)
            .unwrap()
    };
    assert!(
        deleted_at("App") < deleted_at("Net"),
        "App is deleted before the stack it depends on"
    );
    assert!(w.change_sets.is_empty());
}

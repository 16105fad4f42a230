//! Recovery and concurrency, driven through the real SDK client against the scripted endpoint:
//! `rollback` from UPDATE_ROLLBACK_FAILED (with skipped resources) and from a `--no-rollback`
//! failure, a change set superseded by another run, a lost ExecuteChangeSet answer, the
//! stack's own failure reason, termination protection on every path, throttling storms.

use crate::support;

use deploy::cancel::Cancel;
use deploy::deploy::{Approval, DeployOptions, StackOutcome};
use deploy::error::DeployError;
use deploy::progress::Notice;
use deploy::rollback::{RollbackOutcome, rollback_stack};
use support::env::{Env, STACK, healthy};
use support::scripted::{CsOutcome, Fault, chg, ev, step};

fn one_change() -> Option<(usize, CsOutcome)> {
    Some((
        0,
        CsOutcome::Changes(vec![chg("Modify", "Vpc", "AWS::EC2::VPC", Some("False"))]),
    ))
}

async fn roll_back(env: &Env, skip: &[&str]) -> Result<RollbackOutcome, DeployError> {
    let skip: Vec<String> = skip.iter().map(|s| (*s).to_owned()).collect();
    rollback_stack(
        &env.cfn,
        STACK,
        &env.asm.stacks[0].template,
        &skip,
        None,
        &env.rec,
        &Cancel::new(),
    )
    .await
}

#[tokio::test]
async fn rollback_continues_a_failed_update_rollback_skipping_named_resources() {
    let env = Env::new(healthy("UPDATE_ROLLBACK_FAILED")).await;
    // Deploy refuses and names the command that recovers.
    let err = env.deploy(&DeployOptions::default()).await.unwrap_err();
    assert!(
        err.to_string().contains("refarch-app rollback --stack App"),
        "{err}"
    );
    // --skip needs UPDATE_ROLLBACK_FAILED; here it is, so it is passed on.
    let out = roll_back(&env, &["Db"]).await.unwrap();
    assert_eq!(
        out,
        RollbackOutcome::RolledBack {
            stack: STACK.into(),
            status: "UPDATE_ROLLBACK_COMPLETE".into(),
            skipped: vec!["Db".into()],
        }
    );
    {
        let w = env.server.world();
        assert_eq!(w.count("ContinueUpdateRollback"), 1);
        assert_eq!(
            w.last_param("ContinueUpdateRollback", "ResourcesToSkip.member.1")
                .as_deref(),
            Some("Db")
        );
        assert!(
            w.last_param("ContinueUpdateRollback", "ClientRequestToken")
                .is_some_and(|t| t.starts_with("rollback-"))
        );
    }
    assert_eq!(env.status().as_deref(), Some("UPDATE_ROLLBACK_COMPLETE"));
    // Healthy now: nothing to roll back, and --skip is refused naming why.
    assert!(matches!(
        roll_back(&env, &[]).await.unwrap(),
        RollbackOutcome::NothingToDo { .. }
    ));
    let err = roll_back(&env, &["Db"]).await.unwrap_err().to_string();
    assert!(
        err.contains("--skip Db") && err.contains("UPDATE_ROLLBACK_FAILED"),
        "{err}"
    );
    // And deploy goes through again.
    env.server.world().next_change_set = one_change();
    let out = env.deploy(&DeployOptions::default()).await.unwrap();
    assert!(matches!(out, StackOutcome::Deployed { .. }), "{out:?}");
}

#[tokio::test]
async fn no_rollback_keeps_a_failed_update_the_next_deploy_continues_and_rollback_undoes_it() {
    let mut w = healthy("UPDATE_COMPLETE");
    w.next_change_set = one_change();
    w.execution = Some(vec![
        step("UPDATE_IN_PROGRESS", vec![]),
        step(
            "UPDATE_FAILED",
            vec![ev(
                "Vpc",
                "AWS::EC2::VPC",
                "UPDATE_FAILED",
                Some("The CIDR is invalid"),
            )],
        ),
    ]);
    let env = Env::new(w).await;
    let fast = DeployOptions {
        rollback: false,
        ..DeployOptions::default()
    };
    let err = env.deploy(&fast).await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, DeployError::StackFailed { .. }), "{text}");
    assert!(text.contains("UPDATE_FAILED Vpc"), "{text}");
    assert!(text.contains("--no-rollback to continue"), "{text}");
    assert_eq!(
        env.server
            .world()
            .last_param("ExecuteChangeSet", "DisableRollback")
            .as_deref(),
        Some("true")
    );
    assert_eq!(env.status().as_deref(), Some("UPDATE_FAILED"));

    // Without --no-rollback the stack is blocked; with it, the next deploy continues.
    let err = env.deploy(&DeployOptions::default()).await.unwrap_err();
    assert!(matches!(err, DeployError::Blocked { .. }), "{err}");
    {
        let mut w = env.server.world();
        w.next_change_set = one_change();
        w.execution = None;
    }
    let out = env.deploy(&fast).await.unwrap();
    assert!(matches!(out, StackOutcome::Deployed { .. }), "{out:?}");

    // A failure left by --no-rollback is rolled back by `rollback` (RollbackStack).
    env.server.world().stacks[0].status = "UPDATE_FAILED".into();
    let out = roll_back(&env, &[]).await.unwrap();
    assert!(
        matches!(&out, RollbackOutcome::RolledBack { status, .. } if status == "UPDATE_ROLLBACK_COMPLETE"),
        "{out:?}"
    );
    assert_eq!(env.server.world().count("RollbackStack"), 1);
}

#[tokio::test]
async fn a_change_set_dropped_by_another_run_is_planned_again_never_read_as_success() {
    let mut w = healthy("UPDATE_COMPLETE");
    w.next_change_set = one_change();
    w.faults = vec![(
        "ExecuteChangeSet".into(),
        Fault::Error {
            code: "ChangeSetNotFound".into(),
            message: "ChangeSet does not exist".into(),
            drop_change_sets: true,
        },
    )];
    let env = Env::new(w).await;
    let out = env.deploy(&DeployOptions::default()).await.unwrap();
    assert!(matches!(out, StackOutcome::Deployed { .. }), "{out:?}");
    let w = env.server.world();
    assert_eq!(w.count("CreateChangeSet"), 2, "planned again");
    assert_eq!(w.count("ExecuteChangeSet"), 2);
    // Each run's change-set names and tokens are its own.
    let names: Vec<String> = w
        .requests
        .iter()
        .filter(|(a, _)| a == "CreateChangeSet")
        .filter_map(|(_, p)| {
            p.iter()
                .find(|(k, _)| k == "ChangeSetName")
                .map(|(_, v)| v.clone())
        })
        .collect();
    assert_ne!(names[0], names[1]);
    assert_eq!(
        w.last_param("CreateChangeSet", "ClientToken").as_deref(),
        Some(names[1].as_str())
    );
    drop(w);
    assert!(env.rec.notices().iter().any(|n| matches!(n,
        Notice::Info(t) if t.contains("another deploy changed the stack"))));
    env.assert_no_change_sets();
}

#[tokio::test]
async fn a_lost_execute_answer_counts_as_started_only_with_evidence_of_our_call() {
    // The call went through and the operation finished before we looked: the change set is gone,
    // but a stack event carries our token.
    let mut w = healthy("UPDATE_COMPLETE");
    w.next_change_set = one_change();
    w.faults = vec![("ExecuteChangeSet".into(), Fault::ApplyFinishThen500)];
    let env = Env::new(w).await;
    let out = env.deploy(&DeployOptions::default()).await.unwrap();
    assert!(
        matches!(&out, StackOutcome::Deployed { status, .. } if status == "UPDATE_COMPLETE"),
        "{out:?}"
    );
    assert_eq!(env.server.world().count("ExecuteChangeSet"), 1);
    assert_eq!(env.server.world().count("CreateChangeSet"), 1);

    // Every attempt's answer lost, nothing executed: an error, never a success.
    let mut w = healthy("UPDATE_COMPLETE");
    w.next_change_set = one_change();
    w.faults = vec![("ExecuteChangeSet".into(), Fault::Http500); 10];
    let env = Env::new(w).await;
    let err = env.deploy(&DeployOptions::default()).await.unwrap_err();
    assert!(err.to_string().contains("ExecuteChangeSet failed"), "{err}");
    assert_eq!(env.status().as_deref(), Some("UPDATE_COMPLETE"));
}

#[tokio::test]
async fn a_failure_shows_the_stacks_own_reason() {
    let mut w = healthy("UPDATE_COMPLETE");
    w.next_change_set = one_change();
    let reason = "Export App-VpcId cannot be deleted as it is in use by Importer";
    w.execution = Some(vec![
        step("UPDATE_IN_PROGRESS", vec![]),
        step(
            "UPDATE_ROLLBACK_IN_PROGRESS",
            vec![ev(
                STACK,
                "AWS::CloudFormation::Stack",
                "UPDATE_FAILED",
                Some(reason),
            )],
        ),
        step("UPDATE_ROLLBACK_COMPLETE", vec![]),
    ]);
    let env = Env::new(w).await;
    let err = env.deploy(&DeployOptions::default()).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains(&format!("UPDATE_FAILED stack App itself: {reason}")),
        "{text}"
    );
}

#[tokio::test]
async fn termination_protection_is_applied_on_every_path() {
    async fn protected_after(env: &mut Env, options: &DeployOptions) -> bool {
        env.asm.stacks[0].manifest.termination_protection = true;
        let _ = env.deploy(options).await;
        env.server
            .world()
            .stack(STACK)
            .unwrap()
            .termination_protection
    }
    // No change.
    let mut w = healthy("UPDATE_COMPLETE");
    w.create_error = Some((
        "ValidationError".into(),
        "No updates are to be performed.".into(),
    ));
    let mut env = Env::new(w).await;
    assert!(
        protected_after(&mut env, &DeployOptions::default()).await,
        "no-change path"
    );
    // --no-execute.
    let mut w = healthy("UPDATE_COMPLETE");
    w.next_change_set = one_change();
    let mut env = Env::new(w).await;
    let review = DeployOptions {
        execute: false,
        ..DeployOptions::default()
    };
    assert!(
        protected_after(&mut env, &review).await,
        "--no-execute path"
    );
    // A failed update (rolled back).
    let mut w = healthy("UPDATE_COMPLETE");
    w.next_change_set = one_change();
    w.execution = Some(vec![
        step("UPDATE_IN_PROGRESS", vec![]),
        step("UPDATE_ROLLBACK_COMPLETE", vec![]),
    ]);
    let mut env = Env::new(w).await;
    assert!(
        protected_after(&mut env, &DeployOptions::default()).await,
        "failed path"
    );
    // A refused change set (approval needed, no terminal).
    let mut w = healthy("UPDATE_COMPLETE");
    w.next_change_set = one_change();
    let mut env = Env::new(w).await;
    let strict = DeployOptions {
        require_approval: deploy::changes::RequireApproval::AnyChange,
        approval: Approval::Unavailable,
        ..DeployOptions::default()
    };
    assert!(protected_after(&mut env, &strict).await, "refused path");
    // And turned off again when the manifest says so.
    env.asm.stacks[0].manifest.termination_protection = false;
    env.server.world().create_error = Some((
        "ValidationError".into(),
        "No updates are to be performed.".into(),
    ));
    env.deploy(&DeployOptions::default()).await.unwrap();
    assert!(
        !env.server
            .world()
            .stack(STACK)
            .unwrap()
            .termination_protection
    );
}

#[tokio::test]
async fn a_throttling_storm_and_5xx_bursts_are_ridden_out_with_backoff() {
    let mut w = healthy("UPDATE_COMPLETE");
    w.next_change_set = one_change();
    let mut faults = Vec::new();
    for action in [
        "DescribeStacks",
        "CreateChangeSet",
        "DescribeChangeSet",
        "GetTemplate",
    ] {
        // Four in a row: one short of the fast timing's five attempts.
        for i in 0..4 {
            let f = if i % 2 == 0 {
                Fault::Throttle
            } else {
                Fault::Http500
            };
            faults.push((action.to_owned(), f));
        }
    }
    faults.extend(std::iter::repeat_n(
        ("ExecuteChangeSet".to_owned(), Fault::Throttle),
        4,
    ));
    w.faults = faults;
    let env = Env::new(w).await;
    let out = env.deploy(&DeployOptions::default()).await.unwrap();
    assert!(
        matches!(&out, StackOutcome::Deployed { status, .. } if status == "UPDATE_COMPLETE"),
        "{out:?}"
    );
    {
        let w = env.server.world();
        assert!(w.faults.is_empty(), "every fault was hit: {:?}", w.faults);
        assert_eq!(
            w.count("ExecuteChangeSet"),
            5,
            "throttled executes are retried"
        );
    }
    env.assert_no_change_sets();

    // One fault more than the attempts: a short error naming the call and the code.
    let mut w = healthy("UPDATE_COMPLETE");
    w.faults = vec![("DescribeStacks".into(), Fault::Throttle); 5];
    let env = Env::new(w).await;
    let err = env
        .deploy(&DeployOptions::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("DescribeStacks failed (Throttling): Rate exceeded"),
        "{err}"
    );
    assert!(
        !err.contains('\n') && !err.contains("ServiceError"),
        "{err}"
    );
}

#[tokio::test]
async fn ctrl_c_at_the_approval_prompt_aborts_and_deletes_the_change_set() {
    let cancel = Cancel::new();
    cancel.cancel();
    let err = deploy::deploy::ask_or_cancel("Deploy? [y/N] ", &cancel)
        .await
        .unwrap_err();
    assert!(matches!(err, DeployError::Stopped { .. }), "{err}");
    assert_eq!(err.exit_code(), 130);
}

#[tokio::test]
async fn concurrency_runs_independent_stacks_together_and_dependents_after() {
    use clap::Parser;
    use deploy::cli::{DeployArgs, DestroyArgs, deploy_with, destroy_with};

    #[derive(Parser)]
    struct Cli {
        #[command(subcommand)]
        cmd: Cmd,
    }
    #[derive(clap::Subcommand)]
    enum Cmd {
        Deploy(DeployArgs),
        Destroy(DestroyArgs),
    }

    for n in [1usize, 2] {
        let server = support::scripted::Scripted::start(support::scripted::World {
            execution: Some(
                std::iter::repeat_n(step("CREATE_IN_PROGRESS", vec![]), 6)
                    .chain([step("CREATE_COMPLETE", vec![])])
                    .collect(),
            ),
            deletion: Some(
                std::iter::repeat_n(step("DELETE_IN_PROGRESS", vec![]), 6)
                    .chain([step("DELETE_COMPLETE", vec![])])
                    .collect(),
            ),
            ..Default::default()
        })
        .await;
        let timing = deploy::retry::Timing::fast();
        let config = support::local_config(&server.url(), &timing).await;
        let dir = tempfile::tempdir().unwrap();
        let body = support::env::template().to_string();
        for s in ["A", "B", "C"] {
            std::fs::write(dir.path().join(format!("{s}.template.json")), &body).unwrap();
        }
        std::fs::write(
            dir.path().join("manifest.json"),
            r#"{"version": 1, "stacks": [
                {"name": "A", "templateFile": "A.template.json"},
                {"name": "B", "templateFile": "B.template.json"},
                {"name": "C", "templateFile": "C.template.json", "dependencies": ["A"]}]}"#,
        )
        .unwrap();
        let (rec, cancel) = (deploy::progress::Recorder::default(), Cancel::new());
        let count = n.to_string();
        let Cmd::Deploy(args) =
            Cli::try_parse_from(["x", "deploy", "--yes", "--concurrency", &count])
                .unwrap()
                .cmd
        else {
            unreachable!()
        };
        let outs = deploy_with(dir.path(), &args, &config, &timing, &rec, &cancel)
            .await
            .unwrap();
        assert_eq!(outs.len(), 3);
        {
            let w = server.world();
            assert_eq!(w.max_in_progress, n, "at most {n} at once: {:?}", w.log);
            assert!(
                w.logged("done:A") < w.logged("create:C"),
                "C after A: {:?}",
                w.log
            );
        }
        let Cmd::Destroy(args) =
            Cli::try_parse_from(["x", "destroy", "--yes", "--concurrency", &count])
                .unwrap()
                .cmd
        else {
            unreachable!()
        };
        server.world().max_in_progress = 0;
        destroy_with(dir.path(), &args, &config, &timing, &rec, &cancel)
            .await
            .unwrap();
        let w = server.world();
        assert_eq!(w.max_in_progress, n, "{:?}", w.log);
        assert!(
            w.logged("delete:C") < w.logged("delete:A"),
            "C before A: {:?}",
            w.log
        );
        assert!(w.stacks.iter().all(|s| s.status == "DELETE_COMPLETE"));
    }
}

#[tokio::test]
async fn a_change_set_dropped_while_being_made_is_planned_again() {
    let mut w = healthy("UPDATE_COMPLETE");
    w.next_change_set = Some((
        2,
        CsOutcome::Changes(vec![chg("Modify", "Vpc", "AWS::EC2::VPC", Some("False"))]),
    ));
    // Another run's execution finishes while ours is still being made.
    w.faults = vec![(
        "DescribeChangeSet".into(),
        Fault::Error {
            code: "ChangeSetNotFound".into(),
            message: "ChangeSet does not exist".into(),
            drop_change_sets: true,
        },
    )];
    let env = Env::new(w).await;
    let out = env.deploy(&DeployOptions::default()).await.unwrap();
    assert!(matches!(out, StackOutcome::Deployed { .. }), "{out:?}");
    assert_eq!(env.server.world().count("CreateChangeSet"), 2);
    env.assert_no_change_sets();
}

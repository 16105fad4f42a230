//! The harness for scripted-endpoint tests: a fake CloudFormation, a client pointed at it, a
//! one-stack assembly, and a recorder for what the engine said.

use deploy::assembly::Assembly;
use deploy::cancel::Cancel;
use deploy::cfn::Cfn;
use deploy::deploy::{DeployOptions, StackOutcome, deploy_stack};
use deploy::error::DeployError;
use deploy::progress::Recorder;
use deploy::retry::Timing;
use serde_json::{Value, json};

use super::scripted::{Scripted, World};

pub const STACK: &str = "App";

pub fn template() -> Value {
    json!({"Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"},
                "Metadata": {"construct:path": "App/Network/Vpc/Resource"}},
        "Db": {"Type": "AWS::RDS::DBCluster", "DeletionPolicy": "Snapshot", "Properties": {"Engine": "aurora-postgresql"},
               "Metadata": {"construct:path": "App/Data/Db/Resource"}},
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": []}},
                 "Metadata": {"construct:path": "App/Compute/Role/Resource"}}
    }})
}

pub struct Env {
    pub server: Scripted,
    pub cfn: Cfn,
    pub asm: Assembly,
    _dir: tempfile::TempDir,
    pub rec: Recorder,
}

impl Env {
    pub async fn new(world: World) -> Self {
        Self::with(world, template(), Timing::fast()).await
    }

    pub async fn with(world: World, template: Value, timing: Timing) -> Self {
        let server = Scripted::start(world).await;
        let config = super::local_config(&server.url(), &timing).await;
        let cfn = Cfn::new(&config, Some("us-east-1"), timing);
        let dir = tempfile::tempdir().unwrap();
        super::write_assembly(dir.path(), STACK, &template, json!({}));
        let asm = Assembly::load(dir.path()).unwrap();
        Self {
            server,
            cfn,
            asm,
            _dir: dir,
            rec: Recorder::default(),
        }
    }

    pub async fn deploy(&self, options: &DeployOptions) -> Result<StackOutcome, DeployError> {
        deploy_stack(
            &self.cfn,
            &self.asm.stacks[0],
            options,
            &self.rec,
            &Cancel::new(),
        )
        .await
    }

    pub fn status(&self) -> Option<String> {
        self.server.world().stack(STACK).map(|s| s.status.clone())
    }

    pub fn assert_no_change_sets(&self) {
        assert!(
            self.server.world().change_sets_of(STACK).is_empty(),
            "leftover change sets"
        );
    }
}

pub fn healthy(status: &str) -> World {
    let mut w = World::default();
    w.add_stack(STACK, status, &template().to_string());
    w
}

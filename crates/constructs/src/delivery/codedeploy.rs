//! [`WorkloadDeployment`]: CodeDeploy in-place deployments to an auto scaling group.

use super::migrations::regional_arn;
use crate::error::ConstructError;
use crate::iam::{PolicyDocument, managed_policy_arn};
use crate::resources::{codedeploy, iam};
use crate::tree::{Handle, Scope};
use crate::value::Value;

/// How many instances an in-place deployment takes out of service at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RollingConfig {
    /// One instance at a time (`CodeDeployDefault.OneAtATime`).
    #[default]
    OneAtATime,
    /// Half the instances at a time (`CodeDeployDefault.HalfAtATime`).
    HalfAtATime,
}

impl RollingConfig {
    /// The deployment configuration's name.
    pub fn name(self) -> &'static str {
        match self {
            RollingConfig::OneAtATime => "CodeDeployDefault.OneAtATime",
            RollingConfig::HalfAtATime => "CodeDeployDefault.HalfAtATime",
        }
    }
}

/// Options of [`WorkloadDeployment`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WorkloadDeploymentProps {
    /// The rolling configuration.
    pub rolling: RollingConfig,
    /// The target group to drain instances from while they are updated; `None` deploys without
    /// traffic control.
    pub target_group_name: Option<Value<String>>,
}

/// A CodeDeploy application (EC2/on-premises platform) and a deployment group on an auto
/// scaling group: rolling in-place deployments with automatic rollback on failure, run by a
/// service role with `AWSCodeDeployRole`.
#[derive(Debug, Clone)]
pub struct WorkloadDeployment {
    application: Handle<codedeploy::Application>,
    group: Handle<codedeploy::DeploymentGroup>,
}

impl WorkloadDeployment {
    /// Creates the application and deployment group at `scope/id` for the auto scaling group
    /// named `asg_name`.
    ///
    /// # Errors
    /// [`ConstructError`] if `id` is taken in `scope`.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        props: &WorkloadDeploymentProps,
        asg_name: Value<String>,
    ) -> Result<Self, ConstructError> {
        let mut s = scope.child(id)?;
        let application = s.resource(
            "Application",
            codedeploy::Application {
                compute_platform: Some("Server".into()),
                ..codedeploy::Application::new()
            },
        )?;
        let role = s.resource(
            "ServiceRole",
            iam::Role {
                description: Some("CodeDeploy service role for the workload".into()),
                managed_policy_arns: Some(
                    vec![managed_policy_arn("service-role/AWSCodeDeployRole")].into(),
                ),
                ..iam::Role::new(PolicyDocument::trust_service("codedeploy.amazonaws.com").json())
            },
        )?;
        let (option, load_balancer_info) = match &props.target_group_name {
            Some(name) => (
                "WITH_TRAFFIC_CONTROL",
                Some(
                    codedeploy::deployment_group::LoadBalancerInfo {
                        target_group_info_list: Some(
                            vec![codedeploy::deployment_group::TargetGroupInfo {
                                name: Some(name.clone()),
                            }]
                            .into(),
                        ),
                        ..codedeploy::deployment_group::LoadBalancerInfo::new()
                    }
                    .into(),
                ),
            ),
            None => ("WITHOUT_TRAFFIC_CONTROL", None),
        };
        let group = s.resource(
            "DeploymentGroup",
            codedeploy::DeploymentGroup {
                auto_scaling_groups: Some(vec![asg_name].into()),
                deployment_config_name: Some(props.rolling.name().into()),
                deployment_style: Some(
                    codedeploy::deployment_group::DeploymentStyle {
                        deployment_type: Some("IN_PLACE".into()),
                        deployment_option: Some(option.into()),
                    }
                    .into(),
                ),
                load_balancer_info,
                auto_rollback_configuration: Some(
                    codedeploy::deployment_group::AutoRollbackConfiguration {
                        enabled: Some(true.into()),
                        events: Some(
                            vec!["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST"].into(),
                        ),
                    }
                    .into(),
                ),
                outdated_instances_strategy: Some("UPDATE".into()),
                ..codedeploy::DeploymentGroup::new(application.reference(), role.attr_arn())
            },
        )?;
        Ok(WorkloadDeployment { application, group })
    }

    /// The application's name.
    pub fn application_name(&self) -> Value<String> {
        self.application.reference()
    }

    /// The deployment group's name.
    pub fn deployment_group_name(&self) -> Value<String> {
        self.group.reference()
    }

    /// The application ARN pattern for IAM (`application:<name>`).
    pub fn application_arn(&self) -> Value<String> {
        regional_arn(
            "codedeploy",
            ["application:".into(), self.application_name()],
        )
    }

    /// The deployment group ARN for IAM (`deploymentgroup:<app>/<group>`).
    pub fn deployment_group_arn(&self) -> Value<String> {
        regional_arn(
            "codedeploy",
            [
                "deploymentgroup:".into(),
                self.application_name(),
                "/".into(),
                self.deployment_group_name(),
            ],
        )
    }

    /// The deployment group L1, for escape hatches.
    pub fn l1(&self) -> &Handle<codedeploy::DeploymentGroup> {
        &self.group
    }
}

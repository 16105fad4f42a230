"""AWS::CodeDeploy::Application and AWS::CodeDeploy::DeploymentGroup through moto's CodeDeploy
backend (`get-application`, `get-deployment-group`). Ref is the name (the group's Ref is its
name, as on AWS); `ApplicationName`/`Id` where the schema has them."""

from __future__ import annotations

from moto.codedeploy.models import AlarmConfiguration, codedeploy_backends

from .. import shapes
from .base import Provider, provider, tags_list


def _backend(resource: Provider):
    return codedeploy_backends[resource.ctx.account_id][resource.ctx.region]


@provider
class Application(Provider):
    TYPE = "AWS::CodeDeploy::Application"
    NAME_PROPERTY = "ApplicationName"

    def create(self):
        self.app_name = self.name(100)
        try:
            _backend(self).create_application(
                self.app_name, self.props.get("ComputePlatform", "Server"),
                [{"Key": t["Key"], "Value": t["Value"]} for t in tags_list(self.props)],
            )
        except Exception as err:
            raise self.fail(getattr(err, "message", None) or str(err)) from err
        self.physical_id = self.app_name
        self.attrs = {"ApplicationName": self.app_name}

    def update(self, old_props):
        app = _backend(self).applications[self.app_name]
        if hasattr(app, "tags"):
            app.tags = tags_list(self.props)

    def delete_resource(self):
        backend = _backend(self)
        if self.deployment_groups_left():
            raise self.fail(f"Application {self.app_name} still has deployment groups")
        backend.applications.pop(self.app_name, None)
        backend.deployment_groups.pop(self.app_name, None)

    def deployment_groups_left(self) -> bool:
        return bool(_backend(self).deployment_groups.get(self.app_name))


@provider
class DeploymentGroup(Provider):
    TYPE = "AWS::CodeDeploy::DeploymentGroup"
    NAME_PROPERTY = "DeploymentGroupName"

    def _api(self, key: str, member: str):
        value = self.props.get(key)
        if value is None:
            return None
        shape = shapes.input_shape("codedeploy", "CreateDeploymentGroup").members[member]
        return shapes.convert(value, shape)

    def _create(self):
        p = self.props
        app = p["ApplicationName"]
        if app not in _backend(self).applications:
            raise self.fail(f"The application {app} does not exist with the user or AWS account.")
        alarm = p.get("AlarmConfiguration")
        alarms = None
        if alarm:
            alarms = AlarmConfiguration(
                alarms=[{"name": a["Name"]} for a in alarm.get("Alarms") or []],
                enabled=bool(alarm.get("Enabled", False)),
                ignore_poll_alarm_failure=bool(alarm.get("IgnorePollAlarmFailure", False)),
            )
        ec2_filters = self._api("Ec2TagFilters", "ec2TagFilters")
        try:
            return _backend(self).create_deployment_group(
                application_name=app,
                deployment_group_name=self.group_name,
                deployment_config_name=p.get("DeploymentConfigName"),
                ec2_tag_filters=ec2_filters,
                on_premises_instance_tag_filters=self._api("OnPremisesInstanceTagFilters", "onPremisesInstanceTagFilters"),
                auto_scaling_groups=p.get("AutoScalingGroups"),
                service_role_arn=p["ServiceRoleArn"],
                trigger_configurations=self._api("TriggerConfigurations", "triggerConfigurations"),
                alarm_configuration=alarms,
                auto_rollback_configuration=self._api("AutoRollbackConfiguration", "autoRollbackConfiguration"),
                outdated_instances_strategy=p.get("OutdatedInstancesStrategy"),
                deployment_style=self._api("DeploymentStyle", "deploymentStyle"),
                blue_green_deployment_configuration=self._api("BlueGreenDeploymentConfiguration", "blueGreenDeploymentConfiguration"),
                load_balancer_info=self._api("LoadBalancerInfo", "loadBalancerInfo"),
                ec2_tag_set=self._api("Ec2TagSet", "ec2TagSet"),
                ecs_services=self._api("ECSServices", "ecsServices"),
                on_premises_tag_set=self._api("OnPremisesTagSet", "onPremisesTagSet"),
                tags=[{"Key": t["Key"], "Value": t["Value"]} for t in tags_list(p)],
                termination_hook_enabled=p.get("TerminationHookEnabled"),
            )
        except Exception as err:
            raise self.fail(getattr(err, "message", None) or str(err)) from err

    def create(self):
        self.group_name = self.name(100)
        self.group_id = self._create()
        self.physical_id = self.group_name
        self.attrs = {"Id": self.group_id}

    def update(self, old_props):
        # In place: replace the group's record, keeping its id.
        groups = _backend(self).deployment_groups[self.props["ApplicationName"]]
        old = groups.pop(self.group_name)
        self._create()
        groups[self.group_name].deployment_group_id = old.deployment_group_id

    def delete_resource(self):
        groups = _backend(self).deployment_groups.get(self.props["ApplicationName"], {})
        groups.pop(self.group_name, None)

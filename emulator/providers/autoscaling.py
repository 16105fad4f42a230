"""AWS::AutoScaling::ScalingPolicy through moto's Auto Scaling backend."""

from __future__ import annotations

from moto.autoscaling.models import autoscaling_backends

from .base import Provider, provider, to_int


@provider
class ScalingPolicy(Provider):
    """A scaling policy of an existing group; `describe-policies` lists it.

    Ref is the policy ARN (as on AWS); attributes `Arn` and `PolicyName` (CloudFormation names
    the policy `<stack>-<logical id>-<RANDOM>`). AutoScalingGroupName is createOnly.
    """

    TYPE = "AWS::AutoScaling::ScalingPolicy"

    @property
    def backend(self):
        return autoscaling_backends[self.ctx.account_id][self.ctx.region]

    def _put(self, name):
        p = self.props
        group = p["AutoScalingGroupName"]
        if group not in self.backend.autoscaling_groups:
            raise self.fail(f"AutoScalingGroup name not found - AutoScalingGroup '{group}' not found")
        policy = self.backend.put_scaling_policy(
            name=name,
            policy_type=p.get("PolicyType", "SimpleScaling"),
            metric_aggregation_type=p.get("MetricAggregationType"),
            adjustment_type=p.get("AdjustmentType"),
            as_name=group,
            min_adjustment_magnitude=p.get("MinAdjustmentMagnitude"),
            scaling_adjustment=to_int(p.get("ScalingAdjustment")),
            cooldown=to_int(p.get("Cooldown")),
            target_tracking_config=p.get("TargetTrackingConfiguration"),
            step_adjustments=p.get("StepAdjustments"),
            estimated_instance_warmup=p.get("EstimatedInstanceWarmup"),
            predictive_scaling_configuration=p.get("PredictiveScalingConfiguration"),
        )
        return policy

    def create(self):
        self.policy_name = self.name(255)
        policy = self._put(self.policy_name)
        self.physical_id = policy.arn
        self.attrs = {"Arn": policy.arn, "PolicyName": self.policy_name}

    def update(self, old_props):
        self._put(self.policy_name)

    def delete_resource(self):
        self.backend.delete_policy(self.policy_name)

"""AWS::CloudWatch::Alarm through moto's CloudWatch backend."""

from __future__ import annotations

from moto.cloudwatch.models import (
    Dimension,
    Metric,
    MetricDataQuery,
    MetricStat,
    cloudwatch_backends,
)

from .base import Provider, provider, to_int


def _dimensions(raw):
    return [Dimension(d["Name"], d["Value"]) for d in raw or []]


@provider
class Alarm(Provider):
    """A metric alarm (`describe-alarms` lists it). Ref is the alarm name, `Arn` its ARN;
    AlarmName is createOnly (CloudFormation generates `<stack>-<logical id>-<RANDOM>`)."""

    TYPE = "AWS::CloudWatch::Alarm"
    NAME_PROPERTY = "AlarmName"

    @property
    def backend(self):
        return cloudwatch_backends[self.ctx.account_id][self.ctx.region]

    def _queries(self):
        out = []
        for q in self.props.get("Metrics") or []:
            stat = None
            if q.get("MetricStat"):
                ms = q["MetricStat"]
                metric = Metric(ms["Metric"].get("MetricName"), ms["Metric"].get("Namespace"),
                                _dimensions(ms["Metric"].get("Dimensions")))
                stat = MetricStat(metric, ms.get("Period"), ms.get("Stat"), ms.get("Unit"))
            out.append(MetricDataQuery(q["Id"], q.get("Label"), q.get("Period"),
                                       q.get("ReturnData"), q.get("Expression"), stat))
        return out or None

    def _put(self):
        p = self.props
        try:
            self.backend.put_metric_alarm(
                name=self.alarm_name,
                namespace=p.get("Namespace"),
                metric_name=p.get("MetricName"),
                comparison_operator=p["ComparisonOperator"],
                evaluation_periods=to_int(p["EvaluationPeriods"]),
                period=to_int(p.get("Period")),
                threshold=float(p["Threshold"]) if p.get("Threshold") is not None else None,
                statistic=p.get("Statistic"),
                description=p.get("AlarmDescription"),
                dimensions=[{"Name": d["Name"], "Value": d["Value"]} for d in p.get("Dimensions") or []],
                alarm_actions=p.get("AlarmActions") or [],
                metric_data_queries=self._queries(),
                datapoints_to_alarm=to_int(p.get("DatapointsToAlarm")),
                extended_statistic=p.get("ExtendedStatistic"),
                ok_actions=p.get("OKActions") or [],
                insufficient_data_actions=p.get("InsufficientDataActions") or [],
                unit=p.get("Unit"),
                actions_enabled=p.get("ActionsEnabled", True) in (True, "true", "True"),
                treat_missing_data=p.get("TreatMissingData"),
                evaluate_low_sample_count_percentile=p.get("EvaluateLowSampleCountPercentile"),
                threshold_metric_id=p.get("ThresholdMetricId"),
                tags=p.get("Tags") or [],
            )
        except Exception as err:
            raise self.fail(getattr(err, "message", None) or str(err)) from err

    def create(self):
        self.alarm_name = self.name(255)
        self._put()
        self.physical_id = self.alarm_name
        self.attrs = {"Arn": self.ctx.arn("cloudwatch", f"alarm:{self.alarm_name}")}

    def update(self, old_props):
        self._put()

    def delete_resource(self):
        self.backend.delete_alarms([self.alarm_name])

"""AWS::CloudFront::Distribution and AWS::CloudFront::OriginAccessControl through moto's
CloudFront backend (`get-distribution`, `get-origin-access-control`). Ref is the id; attributes
`Id` and `DomainName` (`<random>.cloudfront.net`). The DistributionConfig is converted to the
API's spelling (botocore's CreateDistribution shape, lists as {Quantity, Items})."""

from __future__ import annotations

from moto.cloudfront.models import cloudfront_backends

from .. import shapes
from .base import Provider, provider, random_id, tags_list


def _backend(resource: Provider):
    return cloudfront_backends[resource.ctx.account_id][resource.ctx.partition]


def _error(err: Exception) -> str:
    return getattr(err, "message", None) or getattr(err, "description", None) or type(err).__name__


@provider
class Distribution(Provider):
    TYPE = "AWS::CloudFront::Distribution"

    def _config(self) -> dict:
        cfn = self.props["DistributionConfig"]
        shape = shapes.input_shape("cloudfront", "CreateDistribution").members["DistributionConfig"]
        config = shapes.convert(cfn, shape)
        for behavior, source in [(config.get("DefaultCacheBehavior"), cfn.get("DefaultCacheBehavior"))] + [
            (b, s) for b, s in zip((config.get("CacheBehaviors") or {}).get("Items", []),
                                   cfn.get("CacheBehaviors") or [])
        ]:
            # CloudFormation lists CachedMethods beside AllowedMethods; the API nests them.
            if behavior is not None and source and source.get("CachedMethods"):
                allowed = behavior.setdefault("AllowedMethods", {"Quantity": 2, "Items": ["GET", "HEAD"]})
                methods = list(source["CachedMethods"])
                allowed["CachedMethods"] = {"Quantity": len(methods), "Items": methods}
        origins = [o["Id"] for o in cfn.get("Origins") or []]
        groups = [g["Id"] for g in (cfn.get("OriginGroups") or {}).get("Items", [])]
        targets = [cfn.get("DefaultCacheBehavior", {}).get("TargetOriginId")] + [
            b.get("TargetOriginId") for b in cfn.get("CacheBehaviors") or []
        ]
        for target in targets:
            if target not in origins + groups:
                raise self.fail(f"The specified origin server does not exist or is not valid ({target}).")
        if config.get("ViewerCertificate", {}).get("ACMCertificateArn") and not self.ctx.region == "us-east-1":
            pass  # the certificate must be in us-east-1; its existence is checked below
        cert = config.get("ViewerCertificate", {}).get("ACMCertificateArn")
        if cert:
            from moto.acm.models import acm_backends

            if cert not in acm_backends[self.ctx.account_id]["us-east-1"]._certificates:
                raise self.fail(f"The specified SSL certificate doesn't exist, isn't in us-east-1 region, isn't valid, or doesn't include a valid certificate chain. ({cert})")
        # CloudFormation's Logging has no Enabled flag: a bucket means logging is on.
        logging = config.get("Logging")
        if logging is not None:
            logging["Enabled"] = bool(logging.get("Bucket"))
            logging.setdefault("IncludeCookies", False)
            logging.setdefault("Prefix", "")
        config["CallerReference"] = self.caller_reference
        return config

    def create(self):
        self.caller_reference = f"{self.ctx.stack_name}-{self.ctx.logical_id}-{random_id(12)}"
        try:
            dist, _, _ = _backend(self).create_distribution(
                self._config(), [{"Key": t["Key"], "Value": t["Value"]} for t in tags_list(self.props)]
            )
        except Exception as err:
            raise self.fail(_error(err)) from err
        dist.status = "Deployed"
        self.physical_id = dist.distribution_id
        self.attrs = {"Id": dist.distribution_id, "DomainName": dist.domain_name}

    def update(self, old_props):
        try:
            _backend(self).update_distribution(self._config(), self.physical_id, if_match=True)
        except Exception as err:
            raise self.fail(_error(err)) from err

    def delete_resource(self):
        backend = _backend(self)
        if self.physical_id in backend.distributions:
            backend.delete_distribution(self.physical_id, if_match=True)


@provider
class OriginAccessControl(Provider):
    TYPE = "AWS::CloudFront::OriginAccessControl"

    def create(self):
        config = dict(self.props["OriginAccessControlConfig"])
        names = {c.name for c in _backend(self).origin_access_controls.values()}
        if config["Name"] in names:
            raise self.fail(f"An origin access control with the name {config['Name']} already exists.")
        control = _backend(self).create_origin_access_control(config)
        self.physical_id = control.id
        self.attrs = {"Id": control.id}

    def update(self, old_props):
        _backend(self).update_origin_access_control(self.physical_id, dict(self.props["OriginAccessControlConfig"]))

    def delete_resource(self):
        backend = _backend(self)
        if self.physical_id in backend.origin_access_controls:
            backend.delete_origin_access_control(self.physical_id)

"""EC2 Image Builder: the emulator's own backend (moto 5.2.5 has none), its CloudFormation
providers and the read side of its REST JSON API.

Resources: Component, ImageRecipe, InfrastructureConfiguration, DistributionConfiguration,
ImagePipeline and Image. Each is kept in the API's spelling (botocore's `imagebuilder` shapes)
in a per account/region store, and answered by GetX / ListX exactly where the real service
answers (`GET /GetComponent?componentBuildVersionArn=...`, `POST /ListComponents`, ...).

What the service checks and the providers check too: a component document is YAML with
phases and steps; a component or recipe name/version that exists already is a conflict (so a
change to a component that keeps its version fails, as on AWS); a recipe's components and
parent image exist; an infrastructure configuration's instance profile, subnet, security groups
and SNS topic exist; a pipeline's recipe, infrastructure and distribution configurations exist.

`AWS::ImageBuilder::Image` builds at once: it resolves the recipe's parent image (an AMI id,
`ssm:<parameter>`, or an Image Builder image ARN: a previous layer's image, or an AWS-managed
image, mapped to a moto Amazon Linux AMI), registers the new AMI in the emulator's EC2 in
every distribution region (name from `AmiDistributionConfiguration.Name` with
`{{ imagebuilder:buildDate }}` / `{{ imagebuilder:buildVersion }}` filled in, AMI tags from the
recipe and the distribution), writes each distribution's `SsmParameterConfigurations`
parameters (data type `aws:ec2:image`) in SSM, and returns `ImageId`. Deleting it deletes the
image record; its AMIs are deregistered only when `DeletionSettings` is given (the AWS
behaviour: DeleteImage leaves AMIs unless CloudFormation is given a role to remove them).
"""

from __future__ import annotations

import datetime
import json
import re
import uuid
from typing import Any
from urllib.parse import parse_qs, unquote

import yaml
from moto.ec2.models import ec2_backends
from moto.ec2.models.amis import Ami
from moto.iam.models import iam_backends
from moto.sns.models import sns_backends
from moto.ssm.models import ssm_backends

from .. import shapes
from .base import Provider, provider

SERVICE = "imagebuilder"

# ---------------------------------------------------------------- the backend


class Store:
    """One account/region's Image Builder resources, by ARN, in the API's spelling."""

    KINDS = ("component", "image-recipe", "infrastructure-configuration",
             "distribution-configuration", "image-pipeline", "image")

    def __init__(self):
        self.items: dict[str, dict[str, dict[str, Any]]] = {k: {} for k in self.KINDS}

    def get(self, kind: str, arn: str) -> dict[str, Any] | None:
        return self.items[kind].get(arn)

    def put(self, kind: str, record: dict[str, Any]) -> None:
        self.items[kind][record["arn"]] = record

    def delete(self, kind: str, arn: str) -> None:
        self.items[kind].pop(arn, None)

    def find(self, arn: str) -> dict[str, Any] | None:
        for kind in self.KINDS:
            if arn in self.items[kind]:
                return self.items[kind][arn]
        return None


_stores: dict[tuple[str, str], Store] = {}


def store(account_id: str, region: str) -> Store:
    return _stores.setdefault((account_id, region), Store())


def reset() -> None:
    _stores.clear()


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"


_SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
_NODE_MAX = 2**30 - 1  # Image Builder's upper limit for each assigned version node


def _check_version(resource: Provider, version: str) -> None:
    m = _SEMVER.match(str(version))
    if not m or any(int(n) > _NODE_MAX for n in m.groups()):
        raise resource.fail(
            f"The value supplied for parameter 'semanticVersion' is not valid: {version!r} is not "
            f"<major>.<minor>.<patch> (integers from 0 to {_NODE_MAX})"
        )


def _version_refs(arn_without_version: str, version: str) -> dict[str, str]:
    major, minor, patch = version.split(".")
    return {
        "LatestVersion.Arn": f"{arn_without_version}/{version}",
        "LatestVersion.Major": f"{arn_without_version}/{major}.x.x",
        "LatestVersion.Minor": f"{arn_without_version}/{major}.{minor}.x",
        "LatestVersion.Patch": f"{arn_without_version}/{major}.{minor}.{patch}",
    }


def _nest(attrs: dict[str, Any]) -> dict[str, Any]:
    """Adds the object form (`LatestVersion`) next to the dotted attributes."""
    latest = {k.split(".", 1)[1]: v for k, v in attrs.items() if k.startswith("LatestVersion.")}
    if latest:
        attrs["LatestVersion"] = latest
    return attrs


def _shape(name: str):
    return shapes.service_model(SERVICE).shape_for(name)


def _parse_arn(arn: str) -> dict[str, str] | None:
    m = re.match(r"^arn:aws[^:]*:imagebuilder:([^:]+):([^:]+):([a-z-]+)/(.+)$", arn or "")
    if not m:
        return None
    return {"region": m.group(1), "owner": m.group(2), "kind": m.group(3), "rest": m.group(4)}


class _ImageBuilderProvider(Provider):
    KIND: str = ""
    SHAPE: str = ""

    @property
    def store(self) -> Store:
        return store(self.ctx.account_id, self.ctx.region)

    def arn_of(self, name: str, *version: str) -> str:
        tail = "/".join([name.lower(), *version])
        return self.ctx.arn(SERVICE, f"{self.KIND}/{tail}")

    def record(self, extra: dict[str, Any]) -> dict[str, Any]:
        body = {k: v for k, v in self.props.items() if k not in ("Tags",)}
        rec = shapes.convert(body, _shape(self.SHAPE))
        rec.update(extra)
        rec["tags"] = dict(self.props.get("Tags") or {})
        return rec

    def require(self, kind: str, arn: str | None, what: str) -> dict[str, Any] | None:
        if not arn:
            return None
        rec = self.store.get(kind, arn)
        if rec is None:
            raise self.fail(
                f"The value supplied for parameter '{what}' is not valid. The resource '{arn}' does not exist."
            )
        return rec

    def update(self, old_props):
        rec = self.store.get(self.KIND, self.physical_id)
        fresh = self.record({})
        for key in ("arn", "dateCreated", "owner", "version", "type", "platform", "encrypted", "state"):
            if key in rec:
                fresh[key] = rec[key]
        fresh["dateUpdated"] = now()
        self.store.put(self.KIND, fresh)

    def delete_resource(self):
        self.store.delete(self.KIND, self.physical_id)


def _check_document(data: str) -> str:
    """The component type (BUILD/TEST) of a valid document, or ValueError."""
    try:
        doc = yaml.safe_load(data)
    except yaml.YAMLError as err:
        raise ValueError(f"the component document is not valid YAML: {err}") from None
    if not isinstance(doc, dict):
        raise ValueError("the component document must be a YAML mapping")
    if "schemaVersion" not in doc:
        raise ValueError("the component document has no schemaVersion")
    phases = doc.get("phases")
    if not isinstance(phases, list) or not phases:
        raise ValueError("the component document has no phases")
    names = []
    for i, phase in enumerate(phases):
        if not isinstance(phase, dict) or not phase.get("name"):
            raise ValueError(f"phases[{i}] has no name")
        if phase["name"] not in ("build", "validate", "test"):
            raise ValueError(f"phases[{i}].name {phase['name']!r} is not build, validate or test")
        steps = phase.get("steps")
        if not isinstance(steps, list) or not steps:
            raise ValueError(f"phase {phase['name']} has no steps")
        for j, step in enumerate(steps):
            if not isinstance(step, dict) or not step.get("name") or not step.get("action"):
                raise ValueError(f"phase {phase['name']} step {j} needs a name and an action")
        names.append(phase["name"])
    return "TEST" if names == ["test"] else "BUILD"


@provider
class Component(_ImageBuilderProvider):
    TYPE = "AWS::ImageBuilder::Component"
    KIND = "component"
    SHAPE = "Component"

    def create(self):
        p = self.props
        _check_version(self, p["Version"])
        if bool(p.get("Data")) == bool(p.get("Uri")):
            raise self.fail("Exactly one of Data and Uri must be specified")
        data = p.get("Data")
        if p.get("Uri"):
            data = self._read_uri(p["Uri"])
        try:
            kind = _check_document(data)
        except ValueError as err:
            raise self.fail(f"The value supplied for parameter 'data' is not valid: {err}") from err
        arn = self.arn_of(p["Name"], p["Version"], "1")
        if self.store.get(self.KIND, arn) is not None:
            raise self.fail(
                f"The component version '{self.arn_of(p['Name'], p['Version'])}' already exists. "
                "Change the version to create a new component version (ResourceAlreadyExistsException)"
            )
        rec = self.record({
            "arn": arn, "type": kind, "owner": self.ctx.account_id, "data": data,
            "encrypted": True, "dateCreated": now(), "state": {"status": "ACTIVE"},
        })
        self.store.put(self.KIND, rec)
        self.physical_id = arn
        self.attrs = _nest({"Arn": arn, "Type": kind, "Encrypted": True,
                            **_version_refs(self.arn_of(p["Name"]), p["Version"])})

    def _read_uri(self, uri: str) -> str:
        from moto.s3.models import s3_backends

        m = re.match(r"^s3://([^/]+)/(.+)$", uri)
        if not m:
            raise self.fail(f"The value supplied for parameter 'uri' is not valid: {uri} is not s3://bucket/key")
        try:
            obj = s3_backends[self.ctx.account_id][self.ctx.partition].get_object(m.group(1), m.group(2))
        except Exception as err:
            raise self.fail(f"The component document {uri} cannot be read: {err}") from err
        return obj.value.decode("utf-8")


@provider
class ImageRecipe(_ImageBuilderProvider):
    TYPE = "AWS::ImageBuilder::ImageRecipe"
    KIND = "image-recipe"
    SHAPE = "ImageRecipe"

    def _check_component(self, arn: str) -> None:
        parts = _parse_arn(arn)
        if parts is None or parts["kind"] != "component":
            raise self.fail(f"The value supplied for parameter 'componentArn' is not valid: {arn}")
        if parts["owner"] != self.ctx.account_id:
            return  # AWS-managed or shared component
        rest = parts["rest"].split("/")
        if len(rest) == 3:
            found = self.store.get("component", arn)
        else:  # a version (1.0.0) or a wildcard (1.x.x): any matching build version
            pattern = re.escape("/".join(rest)).replace("x", r"\d+")
            found = next((c for a, c in self.store.items["component"].items()
                          if re.search(f"component/{pattern}(/\\d+)?$", a)), None)
        if found is None:
            raise self.fail(f"The value supplied for parameter 'componentArn' is not valid. The component '{arn}' does not exist.")

    def _check_parent(self, parent: str) -> None:
        if parent.startswith("ami-"):
            if parent not in ec2_backends[self.ctx.account_id][self.ctx.region].amis:
                raise self.fail(f"The value supplied for parameter 'parentImage' is not valid. The AMI '{parent}' does not exist.")
        elif parent.startswith("arn:"):
            parts = _parse_arn(parent)
            if parts is None or parts["kind"] != "image":
                raise self.fail(f"The value supplied for parameter 'parentImage' is not valid: {parent}")
            if parts["owner"] == self.ctx.account_id and _find_image(self.store, parent) is None:
                raise self.fail(f"The value supplied for parameter 'parentImage' is not valid. The image '{parent}' does not exist.")
        elif not parent.startswith("ssm:"):
            raise self.fail(
                f"The value supplied for parameter 'parentImage' is not valid: {parent} is not an AMI id, an image ARN or ssm:<parameter>"
            )

    def create(self):
        p = self.props
        _check_version(self, p["Version"])
        arn = self.arn_of(p["Name"], p["Version"])
        if self.store.get(self.KIND, arn) is not None:
            raise self.fail(
                f"The image recipe '{arn}' already exists. Change the version to create a new "
                "image recipe version (ResourceAlreadyExistsException)"
            )
        for c in p.get("Components") or []:
            self._check_component(c["ComponentArn"])
        self._check_parent(p["ParentImage"])
        rec = self.record({"arn": arn, "type": "AMI", "owner": self.ctx.account_id,
                           "platform": "Linux", "dateCreated": now()})
        self.store.put(self.KIND, rec)
        self.physical_id = arn
        self.attrs = _nest({"Arn": arn, **_version_refs(self.arn_of(p["Name"]), p["Version"])})


@provider
class InfrastructureConfiguration(_ImageBuilderProvider):
    TYPE = "AWS::ImageBuilder::InfrastructureConfiguration"
    KIND = "infrastructure-configuration"
    SHAPE = "InfrastructureConfiguration"

    def _check(self):
        p = self.props
        iam = iam_backends[self.ctx.account_id][self.ctx.partition]
        profile = p["InstanceProfileName"]
        if not any(ip.name == profile for ip in iam.instance_profiles.values()):
            raise self.fail(
                "The value supplied for parameter 'instanceProfileName' is not valid. "
                f"The provided instance profile '{profile}' does not exist."
            )
        ec2 = ec2_backends[self.ctx.account_id][self.ctx.region]
        if p.get("SubnetId") and p["SubnetId"] not in {s.id for s in ec2.describe_subnets()}:
            raise self.fail(f"The value supplied for parameter 'subnetId' is not valid. The subnet '{p['SubnetId']}' does not exist.")
        for sg in p.get("SecurityGroupIds") or []:
            if ec2.get_security_group_from_id(sg) is None:
                raise self.fail(f"The value supplied for parameter 'securityGroupIds' is not valid. The security group '{sg}' does not exist.")
        if p.get("SecurityGroupIds") and not p.get("SubnetId"):
            raise self.fail("A subnet ID is required when security group IDs are specified")
        topic = p.get("SnsTopicArn")
        if topic and topic not in sns_backends[self.ctx.account_id][self.ctx.region].topics:
            raise self.fail(f"The value supplied for parameter 'snsTopicArn' is not valid. The topic '{topic}' does not exist.")

    def create(self):
        self._check()
        arn = self.arn_of(self.props["Name"])
        if self.store.get(self.KIND, arn) is not None:
            raise self.fail(f"The infrastructure configuration '{arn}' already exists (ResourceAlreadyExistsException)")
        rec = self.record({"arn": arn, "dateCreated": now()})
        rec.setdefault("terminateInstanceOnFailure", True)
        self.store.put(self.KIND, rec)
        self.physical_id = arn
        self.attrs = {"Arn": arn}

    def update(self, old_props):
        self._check()
        super().update(old_props)


@provider
class DistributionConfiguration(_ImageBuilderProvider):
    TYPE = "AWS::ImageBuilder::DistributionConfiguration"
    KIND = "distribution-configuration"
    SHAPE = "DistributionConfiguration"

    def _check(self):
        regions = [d["Region"] for d in self.props["Distributions"]]
        if len(set(regions)) != len(regions):
            raise self.fail("Distributions must name each region once")
        known = set(ec2_backends[self.ctx.account_id].regions)
        for region in regions:
            if region not in known:
                raise self.fail(f"The value supplied for parameter 'region' is not valid: {region}")

    def create(self):
        self._check()
        arn = self.arn_of(self.props["Name"])
        if self.store.get(self.KIND, arn) is not None:
            raise self.fail(f"The distribution configuration '{arn}' already exists (ResourceAlreadyExistsException)")
        self.store.put(self.KIND, self.record({"arn": arn, "dateCreated": now()}))
        self.physical_id = arn
        self.attrs = {"Arn": arn}

    def update(self, old_props):
        self._check()
        super().update(old_props)


@provider
class ImagePipeline(_ImageBuilderProvider):
    TYPE = "AWS::ImageBuilder::ImagePipeline"
    KIND = "image-pipeline"
    SHAPE = "ImagePipeline"

    def _check(self):
        p = self.props
        if bool(p.get("ImageRecipeArn")) == bool(p.get("ContainerRecipeArn")):
            raise self.fail("Exactly one of ImageRecipeArn and ContainerRecipeArn must be specified")
        if p.get("ContainerRecipeArn"):
            raise self.fail("container recipes are not emulated")
        self.require("image-recipe", p.get("ImageRecipeArn"), "imageRecipeArn")
        self.require("infrastructure-configuration", p.get("InfrastructureConfigurationArn"),
                     "infrastructureConfigurationArn")
        self.require("distribution-configuration", p.get("DistributionConfigurationArn"),
                     "distributionConfigurationArn")

    def create(self):
        self._check()
        name = self.props.get("Name") or self.name(128)
        arn = self.arn_of(name)
        if self.store.get(self.KIND, arn) is not None:
            raise self.fail(f"The image pipeline '{arn}' already exists (ResourceAlreadyExistsException)")
        rec = self.record({"arn": arn, "name": name, "platform": "Linux", "dateCreated": now(),
                           "status": self.props.get("Status", "ENABLED")})
        self.store.put(self.KIND, rec)
        self.physical_id = arn
        self.attrs = {"Arn": arn, "DeploymentId": str(uuid.uuid4())}

    def update(self, old_props):
        self._check()
        super().update(old_props)


_last_build = [datetime.datetime.min.replace(tzinfo=datetime.timezone.utc)]


def _build_time() -> datetime.datetime:
    """When a build finished: now, but at least a second after the previous build. A real build
    takes minutes, so `{{ imagebuilder:buildDate }}` (second resolution) never repeats; here two
    builds can finish within one second (a replacement right after a create)."""
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    _last_build[0] = max(now, _last_build[0] + datetime.timedelta(seconds=1))
    return _last_build[0]


def _find_image(st: Store, arn: str) -> dict[str, Any] | None:
    """An image by build-version ARN, or the newest build matching a version/wildcard ARN."""
    if arn in st.items["image"]:
        return st.items["image"][arn]
    parts = _parse_arn(arn)
    if parts is None:
        return None
    rest = parts["rest"].split("/")
    if len(rest) < 2:
        return None
    name, version = rest[0], rest[1]
    pattern = re.compile("^" + re.escape(version).replace("x", r"\d+") + "$")
    found = [
        rec for rec in st.items["image"].values()
        # A record's version carries its build ("1.0.7/1"); a version ARN names none.
        if rec["name"].lower() == name and pattern.match(rec["version"].split("/")[0])
    ]
    return found[-1] if found else None


def _amazon_linux_ami(ec2) -> Any:
    for ami in ec2.amis.values():
        if ami.owner_alias == "amazon" and (ami.name or "").startswith(("al2023", "amzn2")):
            return ami
    return next(iter(ec2.amis.values()))


@provider
class Image(_ImageBuilderProvider):
    TYPE = "AWS::ImageBuilder::Image"
    KIND = "image"
    SHAPE = "Image"

    def _parent_ami(self, recipe: dict[str, Any]):
        parent = recipe["parentImage"]
        ec2 = ec2_backends[self.ctx.account_id][self.ctx.region]
        if parent.startswith("ami-"):
            ami = ec2.amis.get(parent)
            if ami is None:
                raise self.fail(f"The parent image {parent} does not exist")
            return ami
        if parent.startswith("ssm:"):
            name = parent[len("ssm:"):]
            param = ssm_backends[self.ctx.account_id][self.ctx.region].get_parameter(name)
            if param is None:
                raise self.fail(f"The parent image SSM parameter {name} does not exist")
            ami = ec2.amis.get(param.value)
            if ami is None:
                raise self.fail(f"The parent image SSM parameter {name} holds {param.value}, which is not an AMI")
            return ami
        parts = _parse_arn(parent)
        if parts and parts["owner"] != self.ctx.account_id:
            return _amazon_linux_ami(ec2)  # an AWS-managed image: the latest Amazon Linux
        image = _find_image(self.store, parent)
        if image is None:
            raise self.fail(f"The parent image {parent} does not exist")
        ami_id = next((a["image"] for a in image["outputResources"]["amis"]
                       if a["region"] == self.ctx.region), None)
        if ami_id is None or ami_id not in ec2.amis:
            raise self.fail(f"The parent image {parent} has no AMI in {self.ctx.region}")
        return ec2.amis[ami_id]

    def create(self):
        p = self.props
        if p.get("ContainerRecipeArn"):
            raise self.fail("container images are not emulated")
        if not p.get("ImageRecipeArn"):
            raise self.fail("ImageRecipeArn is required")
        recipe = self.require("image-recipe", p["ImageRecipeArn"], "imageRecipeArn")
        infra = self.require("infrastructure-configuration", p.get("InfrastructureConfigurationArn"),
                             "infrastructureConfigurationArn")
        if infra is None:
            raise self.fail("InfrastructureConfigurationArn is required")
        dist = self.require("distribution-configuration", p.get("DistributionConfigurationArn"),
                            "distributionConfigurationArn")
        parent = self._parent_ami(recipe)
        name, version = recipe["name"], recipe["version"]
        builds = [r for r in self.store.items["image"].values()
                  if r["name"] == name and r["version"] == version]
        build = max([int(r["arn"].rsplit("/", 1)[1]) for r in builds], default=0) + 1
        arn = self.ctx.arn(SERVICE, f"image/{name.lower()}/{version}/{build}")
        created = _build_time()
        amis = self._distribute(arn, recipe, dist, parent, f"{version}/{build}", created)
        rec = self.record({
            "arn": arn, "type": "AMI", "name": name, "version": f"{version}/{build}",
            "platform": recipe.get("platform", "Linux"), "osVersion": "Amazon Linux 2023",
            "state": {"status": "AVAILABLE"}, "imageRecipe": recipe,
            "infrastructureConfiguration": infra, "distributionConfiguration": dist,
            "dateCreated": now(), "outputResources": {"amis": amis}, "buildType": "USER_INITIATED",
            "imageSource": "CUSTOM", "enhancedImageMetadataEnabled": p.get("EnhancedImageMetadataEnabled", True),
        })
        self.store.put(self.KIND, rec)
        self.physical_id = arn
        local = next(a["image"] for a in amis if a["region"] == self.ctx.region)
        self.attrs = _nest({
            "Arn": arn, "Name": name, "ImageId": local, "ImageUri": "",
            **_version_refs(self.ctx.arn(SERVICE, f"image/{name.lower()}"), version),
        })

    def _distribute(self, arn, recipe, dist, parent, build_version, created):
        """Registers the AMI in each distribution region, writes the SSM parameters."""
        distributions = (dist or {}).get("distributions") or [{"region": self.ctx.region}]
        if self.ctx.region not in [d["region"] for d in distributions]:
            distributions = [{"region": self.ctx.region}, *distributions]
        out = []
        for d in distributions:
            region = d["region"]
            ec2 = ec2_backends[self.ctx.account_id][region]
            conf = d.get("amiDistributionConfiguration") or {}
            ami_name = conf.get("name") or f"{recipe['name']} {created:%Y-%m-%dT%H-%M-%SZ}"
            ami_name = re.sub(r"\{\{\s*imagebuilder:buildDate\s*\}\}", created.strftime("%Y-%m-%dT%H-%M-%SZ"), ami_name)
            ami_name = re.sub(r"\{\{\s*imagebuilder:buildVersion\s*\}\}", build_version.replace("/", "-"), ami_name)
            if any(a.name == ami_name for a in ec2.amis.values() if a.owner_id == self.ctx.account_id):
                raise self.fail(f"AMI name {ami_name} is already in use in {region}: add {{{{ imagebuilder:buildDate }}}} to the name")
            ami_id = f"ami-{uuid.uuid4().hex[:17]}"
            ami = Ami(ec2, ami_id, instance=None, source_ami=parent, name=ami_name,
                      description=conf.get("description") or recipe.get("description"),
                      owner_id=self.ctx.account_id)
            ami.name = ami_name
            ec2.amis[ami_id] = ami
            tags = {"Ec2ImageBuilderArn": arn, "CreatedBy": "EC2 Image Builder"}
            tags.update(recipe.get("amiTags") or {})
            tags.update(conf.get("amiTags") or {})
            ec2.create_tags([ami_id], tags)
            out.append({"region": region, "image": ami_id, "name": ami_name,
                        "description": ami.description, "accountId": self.ctx.account_id})
            ssm = ssm_backends[self.ctx.account_id][region]
            for param in d.get("ssmParameterConfigurations") or []:
                ssm.put_parameter(
                    name=param["parameterName"], description=f"AMI of {arn}", value=ami_id,
                    parameter_type="String", allowed_pattern=None, keyid=None, overwrite=True,
                    tags=[], data_type=param.get("dataType") or "aws:ec2:image", tier=None,
                    policies=None,
                )
        return out

    def update(self, old_props):
        rec = self.store.get(self.KIND, self.physical_id)
        rec["tags"] = dict(self.props.get("Tags") or {})
        for key in ("ExecutionRole", "LoggingConfiguration"):
            converted = shapes.convert({key: self.props.get(key)}, _shape(self.SHAPE))
            rec.update({k: v for k, v in converted.items() if v is not None})

    def delete_resource(self):
        rec = self.store.get(self.KIND, self.physical_id)
        if rec is not None and self.props.get("DeletionSettings"):
            for out in rec["outputResources"]["amis"]:
                ec2 = ec2_backends[self.ctx.account_id][out["region"]]
                if out["image"] in ec2.amis:
                    ec2.deregister_image(out["image"])
        self.store.delete(self.KIND, self.physical_id)


# ---------------------------------------------------------------- the REST JSON API

_LISTS = {
    # operation: (kind, output list member, summary shape)
    "ListComponents": ("component", "componentVersionList", "ComponentVersion"),
    "ListComponentBuildVersions": ("component", "componentSummaryList", "ComponentSummary"),
    "ListImageRecipes": ("image-recipe", "imageRecipeSummaryList", "ImageRecipeSummary"),
    "ListInfrastructureConfigurations": ("infrastructure-configuration",
                                         "infrastructureConfigurationSummaryList",
                                         "InfrastructureConfigurationSummary"),
    "ListDistributionConfigurations": ("distribution-configuration",
                                       "distributionConfigurationSummaryList",
                                       "DistributionConfigurationSummary"),
    "ListImages": ("image", "imageVersionList", "ImageVersion"),
    "ListImageBuildVersions": ("image", "imageSummaryList", "ImageSummary"),
    "ListImagePipelines": ("image-pipeline", "imagePipelineList", "ImagePipeline"),
    "ListImagePipelineImages": ("image", "imageSummaryList", "ImageSummary"),
}

_GETS = {
    # operation: (kind, input member, output member, shape)
    "GetComponent": ("component", "componentBuildVersionArn", "component", "Component"),
    "GetImageRecipe": ("image-recipe", "imageRecipeArn", "imageRecipe", "ImageRecipe"),
    "GetInfrastructureConfiguration": ("infrastructure-configuration",
                                       "infrastructureConfigurationArn",
                                       "infrastructureConfiguration", "InfrastructureConfiguration"),
    "GetDistributionConfiguration": ("distribution-configuration", "distributionConfigurationArn",
                                     "distributionConfiguration", "DistributionConfiguration"),
    "GetImage": ("image", "imageBuildVersionArn", "image", "Image"),
    "GetImagePipeline": ("image-pipeline", "imagePipelineArn", "imagePipeline", "ImagePipeline"),
}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str):
        self.status, self.code, self.message = status, code, message
        super().__init__(message)


def _region_account(environ) -> tuple[str, str]:
    """The request's region (SigV4 scope) and account (as moto derives it)."""
    import os

    from moto.iam.models import get_account_id_from

    auth = environ.get("HTTP_AUTHORIZATION", "")
    m = re.search(r"Credential=([^/]+)/\d+/([^/]+)/", auth)
    region = m.group(2) if m else "us-east-1"
    if "MOTO_ACCOUNT_ID" in os.environ:
        return region, os.environ["MOTO_ACCOUNT_ID"]
    if environ.get("HTTP_X_MOTO_ACCOUNT_ID"):
        return region, environ["HTTP_X_MOTO_ACCOUNT_ID"]
    return region, get_account_id_from(m.group(1) if m else "")


def _filters(records, filters):
    for f in filters or []:
        name, values = f.get("name"), f.get("values") or []
        key = {"name": "name", "platform": "platform", "version": "version", "type": "type",
               "status": "status", "arn": "arn"}.get(name)
        if key is None:
            raise ApiError(400, "InvalidParameterValueException", f"The filter name '{name}' is not valid")
        records = [r for r in records if str(r.get(key, (r.get("state") or {}).get("status"))) in values]
    return records


def handle(operation: str, params: dict[str, Any], region: str, account: str) -> dict[str, Any]:
    """One Image Builder API call; the response body (raises ApiError)."""
    st = store(account, region)
    request_id = str(uuid.uuid4())
    if operation in _GETS:
        kind, arg, out, shape = _GETS[operation]
        arn = params.get(arg)
        if not arn:
            raise ApiError(400, "InvalidRequestException", f"{arg} is required")
        rec = _find_image(st, arn) if kind == "image" else st.get(kind, arn)
        if rec is None and kind == "component":
            rec = st.get(kind, arn + "/1")
        if rec is None:
            raise ApiError(404, "ResourceNotFoundException", f"The resource '{arn}' does not exist.")
        return {"requestId": request_id, out: shapes.fill(rec, _shape(shape))}
    if operation in _LISTS:
        kind, out, shape = _LISTS[operation]
        owner = params.get("owner", "Self")
        records = list(st.items[kind].values()) if owner == "Self" else []
        if operation == "ListComponentBuildVersions":
            base = params.get("componentVersionArn", "")
            records = [r for r in records if r["arn"].rsplit("/", 1)[0] == base]
        if operation == "ListImageBuildVersions":
            base = params.get("imageVersionArn", "")
            records = [r for r in records if r["arn"].rsplit("/", 1)[0] == base]
        if operation == "ListImagePipelineImages":
            pipeline = params.get("imagePipelineArn")
            if st.get("image-pipeline", pipeline or "") is None:
                raise ApiError(404, "ResourceNotFoundException", f"The resource '{pipeline}' does not exist.")
            records = [r for r in records if r.get("sourcePipelineArn") == pipeline]
        if operation in ("ListComponents", "ListImages"):
            # One entry per version (not per build): the version ARN.
            seen = {}
            for r in records:
                version_arn = r["arn"].rsplit("/", 1)[0]
                seen.setdefault(version_arn, {**r, "arn": version_arn,
                                              "version": r["version"].split("/")[0]})
            records = list(seen.values())
        records = _filters(records, params.get("filters"))
        return {"requestId": request_id, out: [shapes.fill(r, _shape(shape)) for r in records]}
    if operation == "ListTagsForResource":
        arn = params.get("resourceArn", "")
        rec = st.find(arn) or _find_image(st, arn)
        if rec is None:
            raise ApiError(404, "ResourceNotFoundException", f"The resource '{arn}' does not exist.")
        return {"tags": rec.get("tags") or {}}
    raise ApiError(400, "UnsupportedOperation",
                   f"Image Builder operation {operation} is not emulated (only Get/List)")


def _operation_for(method: str, path: str) -> tuple[str | None, dict[str, str]]:
    model = shapes.service_model(SERVICE)
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri = http["requestUri"].split("?", 1)[0]
        if http["method"] != method:
            continue
        if "{" in uri:
            prefix = uri.split("{", 1)[0]
            if path.startswith(prefix) and len(path) > len(prefix):
                label = re.search(r"\{(\w+)\+?\}", uri).group(1)
                return name, {label: unquote(path[len(prefix):])}
        elif path == uri:
            return name, {}
    return None, {}


class ApiMiddleware:
    """WSGI middleware: Image Builder requests (SigV4 scope `imagebuilder`) are answered here,
    the emulator's control requests (`/_emulator/...`, see `emulator/control.py`) too, the rest
    by moto."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        auth = environ.get("HTTP_AUTHORIZATION", "")
        if f"/{SERVICE}/aws4_request" not in auth:
            return self.app(environ, start_response)
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "")
        try:
            operation, params = _operation_for(method, path)
            if operation is None:
                raise ApiError(404, "UnknownOperationException", f"No Image Builder operation for {method} {path}")
            query = parse_qs(environ.get("QUERY_STRING", ""))
            params.update({k: v[0] for k, v in query.items()})
            length = int(environ.get("CONTENT_LENGTH") or 0)
            if length:
                body = environ["wsgi.input"].read(length)
                try:
                    params.update(json.loads(body or b"{}"))
                except ValueError as err:
                    raise ApiError(400, "SerializationException", f"request body is not JSON: {err}") from err
            region, account = _region_account(environ)
            status, payload, code = 200, handle(operation, params, region, account), None
        except ApiError as err:
            status, payload, code = err.status, {"message": err.message}, err.code
        body = json.dumps(payload, default=str).encode()
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                   ("x-amzn-RequestId", str(uuid.uuid4()))]
        if code:
            headers.append(("x-amzn-ErrorType", code))
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found"}.get(status, "Error")
        start_response(f"{status} {reason}", headers)
        return [body]


__all__ = ["ApiMiddleware", "handle", "reset", "store"]

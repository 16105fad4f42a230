"""AWS::CodeBuild::Project through moto's CodeBuild backend (`batch-get-projects`,
`list-projects`). Ref is the project name, `Arn` its ARN, `Id` the name (as AWS returns).
The project's Source, Artifacts, Environment, VpcConfig, LogsConfig and Cache are stored in the
API's spelling (converted with botocore's CreateProject shape)."""

from __future__ import annotations

from moto.codebuild.models import codebuild_backends
from moto.iam.models import iam_backends

from .. import shapes
from .base import Provider, provider, tags_list


@provider
class Project(Provider):
    TYPE = "AWS::CodeBuild::Project"
    NAME_PROPERTY = "Name"

    @property
    def backend(self):
        return codebuild_backends[self.ctx.account_id][self.ctx.region]

    def _api(self, key: str):
        shape = shapes.input_shape("codebuild", "CreateProject")
        value = self.props.get(key)
        member = {"Source": "source", "Artifacts": "artifacts", "Environment": "environment",
                  "VpcConfig": "vpcConfig", "LogsConfig": "logsConfig", "Cache": "cache"}[key]
        return shapes.convert(value, shape.members[member]) if value is not None else None

    def _check(self):
        p = self.props
        role = p["ServiceRole"]
        iam = iam_backends[self.ctx.account_id][self.ctx.partition]
        arns = {r.arn for r in iam.roles.values()}
        names = {r.name for r in iam.roles.values()}
        if role not in arns and role not in names:
            raise self.fail(f"CodeBuild is not authorized to perform: sts:AssumeRole on {role}")
        source, artifacts = p["Source"], p["Artifacts"]
        if (source.get("Type") == "CODEPIPELINE") != (artifacts.get("Type") == "CODEPIPELINE"):
            raise self.fail("Source and Artifacts must both be CODEPIPELINE, or neither")
        vpc = p.get("VpcConfig")
        if vpc and not (vpc.get("Subnets") and vpc.get("SecurityGroupIds") and vpc.get("VpcId")):
            raise self.fail("VpcConfig needs VpcId, Subnets and SecurityGroupIds")

    def _put(self):
        p = self.props
        self.backend.create_project(
            project_name=self.project_name,
            description=p.get("Description"),
            project_source=self._api("Source"),
            artifacts=self._api("Artifacts"),
            environment=self._api("Environment"),
            service_role=p["ServiceRole"],
            tags=[{"key": t["Key"], "value": t["Value"]} for t in tags_list(p)],
            cache=self._api("Cache"),
            timeout=p.get("TimeoutInMinutes", 60),
            queued_timeout=p.get("QueuedTimeoutInMinutes", 480),
            source_version=p.get("SourceVersion"),
            logs_config=self._api("LogsConfig"),
            vpc_config=self._api("VpcConfig"),
        )
        project = self.backend.codebuild_projects[self.project_name]
        if p.get("EncryptionKey"):
            project.project_metadata["encryptionKey"] = p["EncryptionKey"]
        if p.get("ConcurrentBuildLimit") is not None:
            project.project_metadata["concurrentBuildLimit"] = p["ConcurrentBuildLimit"]
        return project

    def create(self):
        self.project_name = self.name(150)
        if self.project_name in self.backend.codebuild_projects:
            raise self.fail(f"Project already exists: arn:aws:codebuild:{self.ctx.region}:{self.ctx.account_id}:project/{self.project_name}")
        self._check()
        project = self._put()
        self.physical_id = self.project_name
        self.attrs = {"Arn": project.arn, "Id": self.project_name}

    def update(self, old_props):
        self._check()
        created = self.backend.codebuild_projects[self.project_name].project_metadata["created"]
        history = self.backend.build_history.get(self.project_name, [])
        self._put()
        self.backend.codebuild_projects[self.project_name].project_metadata["created"] = created
        self.backend.build_history[self.project_name] = history

    def delete_resource(self):
        self.backend.delete_project(self.project_name)

"""AWS::CodePipeline::Pipeline through moto's CodePipeline backend (`get-pipeline`,
`list-pipelines`). Ref is the pipeline name; `Version` its version (1, then +1 per update).
`Arn` its ARN. The structure is stored in the API's spelling (botocore's CreatePipeline shape); moto checks
that the role exists and trusts codepipeline.amazonaws.com and that there are two stages."""

from __future__ import annotations

from moto.codepipeline.models import codepipeline_backends

from .. import shapes
from .base import Provider, provider, tags_list


@provider
class Pipeline(Provider):
    TYPE = "AWS::CodePipeline::Pipeline"
    NAME_PROPERTY = "Name"

    @property
    def backend(self):
        return codepipeline_backends[self.ctx.account_id][self.ctx.region]

    def _pipeline(self) -> dict:
        p = self.props
        shape = shapes.input_shape("codepipeline", "CreatePipeline").members["pipeline"]
        body = {k: v for k, v in p.items()
                if k not in ("Tags", "RestartExecutionOnUpdate", "DisableInboundStageTransitions")}
        pipeline = shapes.convert(body, shape)
        pipeline["name"] = self.pipeline_name
        if p.get("ArtifactStore") and p.get("ArtifactStores"):
            raise self.fail("ArtifactStore and ArtifactStores cannot both be specified")
        if not (p.get("ArtifactStore") or p.get("ArtifactStores")):
            raise self.fail("Either ArtifactStore or ArtifactStores must be specified")
        names = [s["Name"] for s in p["Stages"]]
        if len(set(names)) != len(names):
            raise self.fail("Stage names must be unique")
        first = p["Stages"][0]["Actions"]
        if any(a["ActionTypeId"]["Category"] != "Source" for a in first):
            raise self.fail("The first stage of a pipeline must contain only Source actions")
        return pipeline

    def create(self):
        self.pipeline_name = self.name(100)
        pipeline = self._pipeline()
        pipeline.setdefault("version", 1)
        try:
            self.backend.create_pipeline(
                pipeline, [{"key": t["Key"], "value": t["Value"]} for t in tags_list(self.props)]
            )
        except Exception as err:
            raise self.fail(getattr(err, "message", None) or str(err)) from err
        self.physical_id = self.pipeline_name
        self.arn = self.ctx.arn("codepipeline", self.pipeline_name)
        self.attrs = {"Version": str(self.backend.pipelines[self.pipeline_name].pipeline["version"]),
                      "Arn": self.arn}

    def update(self, old_props):
        try:
            updated = self.backend.update_pipeline(self._pipeline())
        except Exception as err:
            raise self.fail(getattr(err, "message", None) or str(err)) from err
        self.backend.pipelines[self.pipeline_name].tags = {
            t["Key"]: t["Value"] for t in tags_list(self.props)
        }
        self.attrs = {"Version": str(updated["version"]), "Arn": self.arn}

    def delete_resource(self):
        self.backend.delete_pipeline(self.pipeline_name)

"""Project resource providers: one module per service, each class registered for one type.

`install()` makes moto's CloudFormation engine use them: a registered type is created by its
provider even where moto has a model of its own (the provider replaces it).
"""

from __future__ import annotations

from .base import REGISTRY, Provider, ResourceFailed  # noqa: F401


def _load_all():
    # Importing registers (the @provider decorator); the order does not matter.
    from . import (  # noqa: F401
        acm,
        autoscaling,
        cloudfront,
        cloudwatch,
        codebuild,
        codedeploy,
        codepipeline,
        ec2,
        efs,
        elasticache,
        imagebuilder,
        rds,
        s3,
        secretsmanager,
    )


def install():
    from moto.cloudformation import parsing

    _load_all()
    original = parsing.resource_class_from_type

    def resource_class_from_type(resource_type):
        if resource_type in REGISTRY:
            return REGISTRY[resource_type]
        return original(resource_type)

    parsing.resource_class_from_type = resource_class_from_type


def moto_types() -> list[str]:
    """The pinned types moto's own CloudFormation models create (no project provider)."""
    from moto.cloudformation import parsing

    from .. import schema

    _load_all()
    models = parsing.get_model_map()
    return [t for t in schema.pinned_types() if t in models and t not in REGISTRY]

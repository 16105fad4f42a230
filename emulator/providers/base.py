"""The resource-provider contract: what every project provider does the same way.

A provider is a moto `CloudFormationModel` subclass registered for one resource type. moto's
CloudFormation engine resolves the resource's intrinsic functions and calls it; this base class
then, like CloudFormation's resource handlers:

* validates the resolved properties against the pinned registry schema (`emulator/schema.py`)
  before anything is created, so a violation fails the resource with CloudFormation's message;
* on update, compares the createOnlyProperties: a change there means replacement (a new
  resource with a new physical id is created; the old one is deleted in the update's cleanup
  phase, after everything else succeeded, unless its UpdateReplacePolicy is Retain, with a
  final snapshot for Snapshot), anything else is an in-place update;
* answers `Ref` with the physical id and `Fn::GetAtt` with the attributes the subclass set,
  refusing attributes the schema does not declare (readOnlyProperties);
* on delete honours DeletionPolicy: Retain keeps the resource, Snapshot makes `delete_resource()`
  take a final snapshot where the type supports snapshots (`final_snapshot`; other types are
  deleted, as CloudFormation does).

A subclass implements `create()` (set `self.physical_id` and `self.attrs`), `update(old_props)`
and `delete_resource()` against the service's backend.
"""

from __future__ import annotations

import copy
import string
import threading
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.core.common_models import CloudFormationModel
from moto.moto_api._internal import mock_random

from .. import schema

REGISTRY: dict[str, type["Provider"]] = {}

# Resources replaced by the update being executed, deleted in its cleanup phase (see
# `take_replaced`): CloudFormation creates a replacement, updates what refers to it, and deletes
# the old resource only once the whole update has succeeded.
_replaced: list["Provider"] = []
_replaced_lock = threading.Lock()


def take_replaced() -> list["Provider"]:
    """The resources replaced since the last call, newest first (dependents before what they
    depended on), and forgets them."""
    with _replaced_lock:
        out = list(reversed(_replaced))
        _replaced.clear()
    return out


def provider(cls: type["Provider"]) -> type["Provider"]:
    """Class decorator: registers `cls` as the provider of `cls.TYPE`."""
    schema.load(cls.TYPE)  # a provider without a pinned schema is a programming error
    if cls.TYPE in REGISTRY:
        raise RuntimeError(f"two providers for {cls.TYPE}")
    REGISTRY[cls.TYPE] = cls
    return cls


class ResourceFailed(Exception):
    """A resource handler failure (CloudFormation's `Resource handler returned message: ...`)."""

    def __init__(self, logical_id: str, message: str, type_name: str | None = None):
        self.logical_id = logical_id
        self.type_name = type_name
        self.message = f"Resource handler returned message: \"{message}\" (LogicalId: {logical_id})"
        super().__init__(self.message)


@dataclass(frozen=True)
class Context:
    account_id: str
    region: str
    stack_id: str
    stack_name: str
    logical_id: str
    # moto's generated physical name (`<stack>-<logical id>-<RANDOM>`) or the name property.
    resource_name: str

    @property
    def partition(self) -> str:
        return "aws-cn" if self.region.startswith("cn-") else "aws"

    def arn(self, service: str, resource: str, region: str | None = None,
            account: str | None = None) -> str:
        region = self.region if region is None else region
        account = self.account_id if account is None else account
        return f"arn:{self.partition}:{service}:{region}:{account}:{resource}"


def random_id(length: int = 12, alphabet: str = string.ascii_uppercase + string.digits) -> str:
    return "".join(mock_random.choice(alphabet) for _ in range(length))


def get_path(props: Any, path: list[str]) -> Any:
    node = props
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def to_int(value: Any, default: int | None = None) -> int | None:
    if value is None:
        return default
    return int(value)


def to_bool(value: Any, default: bool | None = None) -> bool | None:
    if value is None:
        return default
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)


def tags_list(props: dict[str, Any], key: str = "Tags") -> list[dict[str, str]]:
    """`Tags` as a list of {Key, Value}, whether the schema uses a list or a map."""
    tags = props.get(key) or []
    if isinstance(tags, dict):
        return [{"Key": k, "Value": str(v)} for k, v in tags.items()]
    return [{"Key": t["Key"], "Value": str(t.get("Value", ""))} for t in tags]


class Provider(CloudFormationModel):
    """Base of every project provider; see the module documentation."""

    TYPE: ClassVar[str]
    # The property that names the resource, when the type has one (moto then passes its value, or
    # a generated `<stack>-<logical id>-<RANDOM>` name, as `resource_name`).
    NAME_PROPERTY: ClassVar[str | None] = None
    # Whether DeletionPolicy/UpdateReplacePolicy Snapshot snapshots this type before deleting it.
    SUPPORTS_SNAPSHOT: ClassVar[bool] = False

    def __init__(self, ctx: Context, props: dict[str, Any], resource_json: dict[str, Any]):
        self.ctx = ctx
        self.props = props
        self.deletion_policy = resource_json.get("DeletionPolicy", "Delete")
        self.update_replace_policy = resource_json.get("UpdateReplacePolicy", "Delete")
        self.physical_id: str | None = None
        self.attrs: dict[str, Any] = {}
        self.deleted = False
        # Set before delete_resource(): take a final snapshot (DeletionPolicy/UpdateReplacePolicy
        # Snapshot on a type that supports it), in the same call that deletes, as the service does.
        self.final_snapshot = False
        # Read by moto's DescribeStackResources.
        self.logical_resource_id = ctx.logical_id
        self.cf_resource_type = self.TYPE

    # ------------------------------------------------------------ moto's model interface

    @classmethod
    def cloudformation_type(cls) -> str:
        return getattr(cls, "TYPE", "")

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return cls.NAME_PROPERTY or ""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in schema.read_only_attributes(cls.TYPE)

    @property
    def physical_resource_id(self) -> str | None:
        return self.physical_id

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name not in schema.read_only_attributes(self.TYPE) or (
            attribute_name not in self.attrs
        ):
            raise UnformattedGetAttTemplateException()
        return self.attrs[attribute_name]

    def is_created(self) -> bool:
        return True

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str,
        **kwargs: Any,
    ) -> "Provider":
        props = copy.deepcopy(cloudformation_json.get("Properties") or {})
        logical_id = kwargs["LogicalId"]
        schema.validate(cls.TYPE, logical_id, props)
        props = schema.coerce(cls.TYPE, props)
        stack_id = kwargs.get("StackId") or ""
        stack_name = stack_id.split(":stack/", 1)[-1].split("/", 1)[0] if stack_id else ""
        ctx = Context(account_id, region_name, stack_id, stack_name, logical_id, resource_name)
        resource = cls(ctx, props, cloudformation_json)
        resource.create()
        assert resource.physical_id, f"{cls.__name__}.create() set no physical id"
        return resource

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: "Provider", new_resource_name: str, cloudformation_json: Any,
        account_id: str, region_name: str,
    ) -> "Provider":
        old = original_resource
        props = copy.deepcopy(cloudformation_json.get("Properties") or {})
        schema.validate(cls.TYPE, old.ctx.logical_id, props)
        props = schema.coerce(cls.TYPE, props)
        if cls.needs_replacement(old.props, props):
            ctx = replace(old.ctx, resource_name=new_resource_name)
            new = cls(ctx, props, cloudformation_json)
            new.create()
            if old.update_replace_policy != "Retain":
                old.final_snapshot = old.update_replace_policy == "Snapshot" and old.SUPPORTS_SNAPSHOT
                with _replaced_lock:
                    _replaced.append(old)
            return new
        old_props = old.props
        old.props = props
        old.deletion_policy = cloudformation_json.get("DeletionPolicy", "Delete")
        old.update_replace_policy = cloudformation_json.get("UpdateReplacePolicy", "Delete")
        old.update(old_props)
        return old

    @classmethod
    def needs_replacement(cls, old: dict[str, Any], new: dict[str, Any]) -> bool:
        return any(
            get_path(old, path) != get_path(new, path)
            for path in schema.create_only_properties(cls.TYPE)
        )

    def delete_replaced(self) -> None:
        """The cleanup phase's delete of this replaced resource."""
        if not self.deleted:
            self.delete_resource()
            self.deleted = True

    def delete(self, account_id: str, region_name: str) -> None:
        if self.deleted or self.deletion_policy == "Retain":
            return
        self.final_snapshot = self.deletion_policy == "Snapshot" and self.SUPPORTS_SNAPSHOT
        self.delete_resource()
        self.deleted = True

    # ------------------------------------------------------------ what subclasses implement

    def create(self) -> None:
        raise NotImplementedError

    def update(self, old_props: dict[str, Any]) -> None:
        """Applies `self.props` (the new properties) in place; `old_props` were the previous."""
        raise NotImplementedError

    def delete_resource(self) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------ helpers

    def fail(self, message: str) -> ResourceFailed:
        return ResourceFailed(self.ctx.logical_id, message, self.TYPE)

    def name(self, max_len: int = 255, lower: bool = False) -> str:
        """The resource's name: the name property, else CloudFormation's generated one trimmed
        to the service's limit (`<stack>-<logical id>-<RANDOM>`, the suffix kept)."""
        if self.NAME_PROPERTY and self.props.get(self.NAME_PROPERTY):
            return str(self.props[self.NAME_PROPERTY])
        generated = self.ctx.resource_name
        if len(generated) > max_len:
            head, _, suffix = generated.rpartition("-")
            generated = f"{head[: max_len - len(suffix) - 1].rstrip('-')}-{suffix}"
        return generated.lower() if lower else generated

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.ctx.logical_id} {self.physical_id}>"

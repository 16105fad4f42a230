"""CloudFormation property values -> AWS API request/response values, guided by botocore's
service models (the ones the installed boto3 uses).

CloudFormation spells properties in PascalCase (`BuildSpec`, `VpcConfig.SecurityGroupIds`); most
JSON APIs spell the same members in camelCase (`buildspec`, `vpcConfig.securityGroupIds`). A
case-insensitive match of each key against the shape's member names, recursively, turns one into
the other; keys the shape does not have are dropped, primitives are converted to the member's
type (`"5"` -> 5 for an integer, `False` -> `"false"` in a string map).
"""

from __future__ import annotations

import functools
from typing import Any

import botocore.session


@functools.lru_cache(maxsize=None)
def service_model(service: str):
    return botocore.session.get_session().get_service_model(service)


def input_shape(service: str, operation: str):
    return service_model(service).operation_model(operation).input_shape


def output_shape(service: str, operation: str):
    return service_model(service).operation_model(operation).output_shape


def member(shape, name: str):
    return shape.members[name]


def convert(value: Any, shape, aliases: dict[str, str] | None = None) -> Any:
    """`value` (CloudFormation spelling) in `shape`'s spelling. `aliases` maps a CloudFormation
    key (any case) to a member name where the two differ by more than case."""
    if value is None or shape is None:
        return value
    kind = shape.type_name
    if kind == "structure":
        if isinstance(value, list) and "Items" in shape.members and "Quantity" in shape.members:
            # REST-XML APIs (CloudFront) wrap lists: {Quantity: n, Items: [...]}.
            items = [convert(v, shape.members["Items"].member, aliases) for v in value]
            return {"Quantity": len(items), "Items": items}
        if not isinstance(value, dict):
            return value
        by_lower = {name.lower(): name for name in shape.members}
        out = {}
        for key, item in value.items():
            name = (aliases or {}).get(key) or by_lower.get(key.lower())
            if name is None or name not in shape.members:
                continue
            out[name] = convert(item, shape.members[name], aliases)
        return out
    if kind == "list":
        if not isinstance(value, list):
            value = [value]
        return [convert(v, shape.member, aliases) for v in value]
    if kind == "map":
        if not isinstance(value, dict):
            return value
        return {str(k): convert(v, shape.value, aliases) for k, v in value.items()}
    if kind == "string":
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
        return value
    if kind in ("integer", "long"):
        return int(value) if isinstance(value, (str, float)) and str(value).lstrip("-").replace(".", "", 1).isdigit() else value
    if kind in ("float", "double"):
        return float(value) if isinstance(value, str) else value
    if kind == "boolean":
        if isinstance(value, str):
            return value.lower() == "true"
        return bool(value)
    return value


def fill(value: dict[str, Any], shape) -> dict[str, Any]:
    """`value` restricted to `shape`'s members (for API responses built from richer records)."""
    return convert(value, shape)

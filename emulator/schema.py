"""The pinned CloudFormation registry schemas (`schemas/<Service>/<Type>.json`) and property
validation against them, with CloudFormation's wording.

CloudFormation validates a resource's properties against its registry schema before the
resource handler runs, and a violation fails the resource with

    Properties validation failed for resource Certificate with message: #: required key [DomainName] not found

This module does the same with `jsonschema` (draft 7, as the registry schemas declare), with two
adjustments that make it behave like the registry rather than like a strict JSON Schema validator:

* `pattern` is an ECMA-262 regular expression (compiled with `regress`, not Python's `re`);
* `type` accepts the string forms CloudFormation converts before validation (`"5432"` for an
  integer, `"true"` for a boolean, a number for a string), because template values of
  primitive types arrive as strings after parameters and intrinsic functions are resolved.

`dependentRequired` (used by RDS) is checked too.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import regress
from jsonschema import _keywords, validators
from jsonschema.exceptions import ValidationError as SchemaError

REPO_ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = REPO_ROOT / "schemas"


class UnknownType(Exception):
    """A resource type without a pinned schema."""


def schema_path(type_name: str) -> Path:
    parts = type_name.split("::")
    if len(parts) != 3 or parts[0] != "AWS":
        raise UnknownType(type_name)
    return SCHEMA_DIR / parts[1] / f"{parts[2]}.json"


@functools.lru_cache(maxsize=None)
def load(type_name: str) -> dict[str, Any]:
    """The registry schema of `type_name` (e.g. `AWS::RDS::DBCluster`)."""
    path = schema_path(type_name)
    if not path.is_file():
        raise UnknownType(type_name)
    schema = json.loads(path.read_text(encoding="utf-8"))
    if schema.get("typeName") != type_name:
        raise UnknownType(f"{path} describes {schema.get('typeName')}, not {type_name}")
    return schema


def pinned_types() -> list[str]:
    """Every type listed in `schemas/types.txt`."""
    out = []
    for raw in (SCHEMA_DIR / "types.txt").read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            out.append(line)
    return out


def _pointer_to_attribute(pointer: str) -> str:
    """`/properties/Endpoint/Address` -> `Endpoint.Address` (the `Fn::GetAtt` spelling)."""
    prefix = "/properties/"
    if not pointer.startswith(prefix):
        raise ValueError(f"not a property pointer: {pointer}")
    return pointer[len(prefix):].replace("/", ".")


def read_only_attributes(type_name: str) -> list[str]:
    """The attributes `Fn::GetAtt` can read: the schema's readOnlyProperties, dotted."""
    return [_pointer_to_attribute(p) for p in load(type_name).get("readOnlyProperties", [])]


def create_only_properties(type_name: str) -> list[list[str]]:
    """createOnlyProperties as key paths (`/properties/A/B` -> `["A", "B"]`)."""
    return [
        _pointer_to_attribute(p).split(".")
        for p in load(type_name).get("createOnlyProperties", [])
    ]


def write_only_properties(type_name: str) -> list[list[str]]:
    return [
        _pointer_to_attribute(p).split(".")
        for p in load(type_name).get("writeOnlyProperties", [])
    ]


# ---------------------------------------------------------------- the validator


@functools.lru_cache(maxsize=4096)
def _ecma(pattern: str) -> regress.Regex:
    # A few registry patterns use the Java/Python anchors \A and \Z, which ECMA-262 lacks (it
    # would read them as the letters A and Z); CloudFormation's validator (Java) anchors there.
    pattern = re.sub(r"(?<!\\)((?:\\\\)*)\\Z", r"\1$", pattern)
    pattern = re.sub(r"(?<!\\)((?:\\\\)*)\\A", r"\1^", pattern)
    # Unicode property escapes (\p{L}) exist only with the `u` flag; patterns without them keep
    # the non-Unicode grammar (in which escapes such as \_ are legal identity escapes).
    if re.search(r"\\[pP]\{", pattern):
        return regress.Regex(pattern, "u")
    return regress.Regex(pattern)


def _pattern(validator, pattern, instance, schema):
    if not validator.is_type(instance, "string"):
        return
    try:
        regex = _ecma(pattern)
    except regress.RegressError as err:  # the schema's fault, reported as such
        yield SchemaError(f"schema pattern {pattern!r} does not compile: {err}")
        return
    if regex.find(instance) is None:
        yield SchemaError(
            f"string [{instance}] does not match pattern {pattern}", validator="pattern"
        )


_INTEGER = re.compile(r"^-?\d+$")
_NUMBER = re.compile(r"^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def _loosely_is(checker_is_type, instance, kind: str) -> bool:
    """CloudFormation's view of `kind`: primitives convert from their string forms."""
    if checker_is_type(instance, kind):
        return True
    if isinstance(instance, str):
        if kind == "integer":
            return bool(_INTEGER.match(instance))
        if kind == "number":
            return bool(_NUMBER.match(instance))
        if kind == "boolean":
            return instance.lower() in ("true", "false")
    if kind == "string" and isinstance(instance, (int, float)) and not isinstance(instance, bool):
        return True
    if kind == "string" and isinstance(instance, bool):
        return True
    return False


_CFN_TYPE_NAMES = {
    "string": "String",
    "integer": "Integer",
    "number": "Number",
    "boolean": "Boolean",
    "object": "JSONObject",
    "array": "JSONArray",
    "null": "Null",
}


def _found(instance) -> str:
    if isinstance(instance, bool):
        return "Boolean"
    if isinstance(instance, int):
        return "Integer"
    if isinstance(instance, float):
        return "Number"
    if isinstance(instance, str):
        return "String"
    if isinstance(instance, dict):
        return "JSONObject"
    if isinstance(instance, list):
        return "JSONArray"
    return "Null"


def _type(validator, types, instance, schema):
    types = [types] if isinstance(types, str) else types
    if not any(_loosely_is(validator.is_type, instance, t) for t in types):
        expected = "/".join(_CFN_TYPE_NAMES.get(t, t) for t in types)
        yield SchemaError(
            f"expected type: {expected}, found: {_found(instance)}", validator="type"
        )


def _matches(pattern: str, name: str) -> bool:
    try:
        return _ecma(pattern).find(name) is not None
    except regress.RegressError:
        return False


def _pattern_properties(validator, patterns, instance, schema):
    """`patternProperties` with ECMA-262 patterns (jsonschema's own uses Python's `re`, which
    refuses the registry's `\\p{L}`-style classes)."""
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for k, v in instance.items():
            if _matches(pattern, k):
                yield from validator.descend(v, subschema, path=k, schema_path=pattern)


def _additional_properties(validator, additional, instance, schema):
    """`additionalProperties` deciding "additional" with ECMA-262 `patternProperties`."""
    if not validator.is_type(instance, "object"):
        return
    properties = schema.get("properties", {})
    patterns = schema.get("patternProperties", {})
    extras = [
        k for k in instance
        if k not in properties and not any(_matches(p, k) for p in patterns)
    ]
    if validator.is_type(additional, "object"):
        for k in extras:
            yield from validator.descend(instance[k], additional, path=k)
    elif not additional and extras:
        listed = ", ".join(repr(k) for k in sorted(extras))
        verb = "was" if len(extras) == 1 else "were"
        yield SchemaError(f"Additional properties are not allowed ({listed} {verb} unexpected)")


_Base = validators.validator_for({"$schema": "http://json-schema.org/draft-07/schema#"})
RegistryValidator = validators.extend(
    _Base,
    {
        "pattern": _pattern,
        "type": _type,
        "dependentRequired": _keywords.dependentRequired,
        "patternProperties": _pattern_properties,
        "additionalProperties": _additional_properties,
    },
)


def _cfn_message(err: SchemaError) -> str:
    """One jsonschema error in CloudFormation's (everit) wording, with its `#/a/b` pointer."""
    where = "#" + "".join(f"/{p}" for p in err.absolute_path)
    kind = err.validator
    value = err.validator_value
    inst = err.instance
    if kind == "required":
        missing = re.match(r"^'(.*)' is a required property$", err.message)
        name = missing.group(1) if missing else err.message
        return f"{where}: required key [{name}] not found"
    if kind == "additionalProperties":
        allowed = set(err.schema.get("properties", {}))
        patterns = list(err.schema.get("patternProperties", {}))
        extra = sorted(
            k for k in inst
            if k not in allowed and not any(_ecma(p).find(k) is not None for p in patterns)
        ) if isinstance(inst, dict) else []
        return "; ".join(f"{where}: extraneous key [{k}] is not permitted" for k in extra) or (
            f"{where}: {err.message}"
        )
    if kind == "enum":
        return f"{where}: {inst} is not a valid enum value"
    if kind == "const":
        return f"{where}: {inst} does not match the constant {value}"
    if kind == "minLength":
        return f"{where}: expected minLength: {value}, actual: {len(inst)}"
    if kind == "maxLength":
        return f"{where}: expected maxLength: {value}, actual: {len(inst)}"
    if kind == "minimum":
        return f"{where}: {inst} is not greater or equal to {value}"
    if kind == "maximum":
        return f"{where}: {inst} is not less or equal to {value}"
    if kind == "exclusiveMinimum":
        return f"{where}: {inst} is not greater than {value}"
    if kind == "exclusiveMaximum":
        return f"{where}: {inst} is not less than {value}"
    if kind == "minItems":
        return f"{where}: expected minimum item count: {value}, found: {len(inst)}"
    if kind == "maxItems":
        return f"{where}: expected maximum item count: {value}, found: {len(inst)}"
    if kind == "minProperties":
        return f"{where}: minimum size: [{value}], found: [{len(inst)}]"
    if kind == "maxProperties":
        return f"{where}: maximum size: [{value}], found: [{len(inst)}]"
    if kind == "uniqueItems":
        return f"{where}: array items are not unique"
    if kind in ("oneOf", "anyOf"):
        total = len(value)
        if kind == "oneOf" and "is valid under each of" in err.message:
            return f"{where}: #: more than one subschema matched out of the total {total} subschemas"
        detail = sorted({_cfn_message(e) for e in (err.context or [])})
        tail = f" ({'; '.join(detail)})" if detail else ""
        return f"{where}: #: no subschema matched out of the total {total} subschemas{tail}"
    if kind == "not":
        return f"{where}: subject must not be valid against schema {json.dumps(value)}"
    if kind == "dependentRequired":
        return f"{where}: {err.message}"
    return f"{where}: {err.message}"


def property_errors(type_name: str, properties: Any) -> list[str]:
    """Every violation of `type_name`'s schema by `properties`, in CloudFormation's wording."""
    schema = load(type_name)
    # The resource's own document: properties plus the keywords that apply to them.
    document = {
        k: v
        for k, v in schema.items()
        if k in ("properties", "definitions", "required", "additionalProperties", "allOf",
                 "anyOf", "oneOf", "dependentRequired", "dependencies")
    }
    document["type"] = "object"
    validator = RegistryValidator(document)
    messages = []
    for err in validator.iter_errors(properties):
        messages.append(_cfn_message(err))
    return sorted(set(messages))


class PropertiesInvalid(Exception):
    """A resource's properties violate its schema (CloudFormation's wording in `str(self)`)."""

    def __init__(self, logical_id: str, type_name: str, messages: list[str]):
        self.logical_id = logical_id
        self.type_name = type_name
        self.messages = messages
        if len(messages) == 1:
            detail = messages[0]
        else:
            detail = f"#: {len(messages)} schema violations found\n" + "\n".join(messages)
        self.message = f"Properties validation failed for resource {logical_id} with message: {detail}"
        super().__init__(self.message)


def validate(type_name: str, logical_id: str, properties: Any) -> None:
    """Raises PropertiesInvalid when `properties` violate `type_name`'s schema."""
    messages = property_errors(type_name, properties)
    if messages:
        raise PropertiesInvalid(logical_id, type_name, messages)


__all__ = [
    "PropertiesInvalid",
    "UnknownType",
    "create_only_properties",
    "load",
    "pinned_types",
    "property_errors",
    "read_only_attributes",
    "validate",
    "write_only_properties",
]


def _resolve(schema: dict[str, Any], node: Any) -> Any:
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 32:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            return node
        target: Any = schema
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        node = target
        seen += 1
    return node


def _coerce(schema: dict[str, Any], node: Any, value: Any) -> Any:
    node = _resolve(schema, node)
    if not isinstance(node, dict):
        return value
    kinds = node.get("type")
    kinds = [kinds] if isinstance(kinds, str) else (kinds or [])
    if isinstance(value, str) and len(kinds) == 1:
        kind = kinds[0]
        if kind == "integer" and _INTEGER.match(value):
            return int(value)
        if kind == "number" and _NUMBER.match(value):
            return float(value) if any(c in value for c in ".eE") else int(value)
        if kind == "boolean" and value.lower() in ("true", "false"):
            return value.lower() == "true"
    if isinstance(value, (int, float)) and not isinstance(value, bool) and kinds == ["string"]:
        return str(value)
    if isinstance(value, bool) and kinds == ["string"]:
        return "true" if value else "false"
    if isinstance(value, dict):
        props = node.get("properties", {})
        return {k: _coerce(schema, props.get(k), v) for k, v in value.items()}
    if isinstance(value, list):
        items = node.get("items")
        return [_coerce(schema, items, v) for v in value]
    return value


def coerce(type_name: str, properties: dict[str, Any]) -> dict[str, Any]:
    """`properties` with string forms converted to the schema's primitive types (what
    CloudFormation hands a resource handler: `"5432"` -> 5432 where the schema says integer)."""
    schema = load(type_name)
    return _coerce(schema, {"type": "object", "properties": schema.get("properties", {})},
                   properties)

"""The registry-schema validator itself (no server): CloudFormation's wording, ECMA-262
patterns, the string forms CloudFormation converts, and every pinned type covered."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from emulator import providers, schema

SCHEMAS = Path(schema.SCHEMA_DIR)


def patterns(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield value
            else:
                yield from patterns(value)
    elif isinstance(node, list):
        for item in node:
            yield from patterns(item)


def test_every_pinned_pattern_compiles():
    found = [(f.name, p) for f in SCHEMAS.glob("*/*.json") for p in patterns(json.loads(f.read_text()))]
    assert len(found) > 100
    for name, pattern in found:
        schema._ecma(pattern)  # raises on a pattern regress cannot compile


def test_patterns_are_ecma_262():
    # \p{L} needs Unicode mode; \Z is the Java anchor the registry means; \d is ASCII digits.
    tag = r"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$"
    assert schema._ecma(tag).find("Layer é 1") is not None
    assert schema._ecma(tag).find("semi;colon") is None
    kms = r"^arn:[a-z0-9-]+:kms:[a-z0-9-]+:\d{12}:(key|alias)/.+\Z"
    assert schema._ecma(kms).find("arn:aws:kms:us-east-1:123456789012:key/abc") is not None
    assert schema._ecma(kms).find("arn:aws:kms:us-east-1:12345:key/abc") is None


def test_messages_use_cloudformation_wording():
    errors = schema.property_errors("AWS::CertificateManager::Certificate", {"Foo": 1})
    assert errors == ["#: extraneous key [Foo] is not permitted", "#: required key [DomainName] not found"]
    errors = schema.property_errors("AWS::RDS::DBCluster", {"Port": "x", "BackupRetentionPeriod": 99})
    assert "#/Port: expected type: Integer, found: String" in errors
    assert "#/BackupRetentionPeriod: 99 is not less or equal to 35" in errors
    errors = schema.property_errors("AWS::ImageBuilder::Component", {
        "Name": "n", "Version": "1.0.0", "Platform": "BeOS"})
    assert "#/Platform: BeOS is not a valid enum value" in errors
    assert any(e.startswith("#/Name: string [n] does not match pattern") for e in errors)
    with pytest.raises(schema.PropertiesInvalid) as err:
        schema.validate("AWS::SNS::Topic", "Topic", {"TopicName": 5, "Bogus": True})
    assert str(err.value) == ("Properties validation failed for resource Topic with message: "
                              "#: extraneous key [Bogus] is not permitted")


def test_string_forms_are_accepted_and_converted():
    props = {"Port": "5432", "StorageEncrypted": "true", "Engine": "aurora-postgresql",
             "ServerlessV2ScalingConfiguration": {"MinCapacity": "0.5", "MaxCapacity": 4}}
    assert schema.property_errors("AWS::RDS::DBCluster", props) == []
    coerced = schema.coerce("AWS::RDS::DBCluster", props)
    assert coerced["Port"] == 5432 and coerced["StorageEncrypted"] is True
    assert coerced["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 0.5, "MaxCapacity": 4}


def test_attributes_are_the_read_only_properties():
    assert "Endpoint.Address" in schema.read_only_attributes("AWS::RDS::DBCluster")
    assert "MasterUserSecret.SecretArn" in schema.read_only_attributes("AWS::RDS::DBCluster")
    assert ["DatabaseName"] in schema.create_only_properties("AWS::RDS::DBCluster")


def test_every_pinned_type_is_created_by_moto_or_a_provider():
    from moto.cloudformation import parsing

    providers._load_all()
    moto = set(providers.moto_types())
    ours = set(providers.REGISTRY)
    assert not moto & ours
    assert moto | ours == set(schema.pinned_types())
    for kind in ours:
        assert re.match(r"^AWS::\w+::\w+$", kind) and schema.load(kind)["typeName"] == kind
    assert "AWS::ImageBuilder::Image" in ours and "AWS::EC2::VPC" in parsing.get_model_map()

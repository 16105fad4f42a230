"""CloudFormation-like answers to templates it would not accept: ValidationError, never HTTP 500,
and schema validation failures that name the resource and the property."""

from __future__ import annotations

import json

import botocore.exceptions
import pytest

from emulator.tests.support import deploy, expect, failure_events, template

BUCKET = {"Bucket": {"Type": "AWS::S3::Bucket"}}


def create_change_set(emu, name, body):
    return emu.client("cloudformation").create_change_set(
        StackName=name, ChangeSetName="bad", ChangeSetType="CREATE", TemplateBody=body)


@pytest.mark.parametrize("body, message", [
    ("{not json: [", "Template format error: JSON not well-formed and YAML not well-formed"),
    ("[1, 2]", "Template format error: template is not a JSON object or YAML mapping"),
    (json.dumps({"AWSTemplateFormatVersion": "2010-09-09"}),
     "Template format error: At least one Resources member must be defined."),
    (json.dumps({"Resources": []}), "Template format error: [/Resources] the Resources section must be an object"),
    (json.dumps({"Resources": {}}), "Template format error: At least one Resources member must be defined."),
    (json.dumps({"Resources": {"Thing": {"Properties": {}}}}),
     "Template format error: [/Resources/Thing] Every Resources object must contain a Type member."),
    (json.dumps({"Resources": {"Thing": "AWS::S3::Bucket"}}),
     "Template format error: [/Resources/Thing] resource definition is malformed"),
    (json.dumps({"Resources": {"Thing": {"Type": "AWS::S3::Bucket", "Properties": [1]}}}),
     "Template format error: [/Resources/Thing/Properties] Properties must be an object"),
    (json.dumps({"Resources": {"A": {"Type": "AWS::Foo::Bar"}, "B": {"Type": "AWS::S3::Bucket"},
                               "C": {"Type": "AWS::Foo::Baz"}}}),
     "Template format error: Unrecognized resource types: [AWS::Foo::Bar, AWS::Foo::Baz]"),
], ids=["not-json-or-yaml", "not-a-mapping", "no-resources", "resources-not-object",
        "resources-empty", "no-type", "resource-not-object", "properties-not-object", "unknown-types"])
def test_bad_templates_are_validation_errors(emu, stack_name, body, message):
    with pytest.raises(botocore.exceptions.ClientError) as err:
        create_change_set(emu, stack_name, body)
    error = err.value.response["Error"]
    assert error["Code"] == "ValidationError"
    assert error["Message"].startswith(message), error["Message"]
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    # Nothing was created for the refused template.
    cfn = emu.client("cloudformation")
    assert stack_name not in [s["StackName"] for s in cfn.list_stacks()["StackSummaries"]]


def test_yaml_with_short_forms_is_accepted(emu, stack_name):
    body = "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\nOutputs:\n  Arn:\n    Value: !Ref Topic\n"
    stack = expect(deploy(emu, stack_name, body), "CREATE_COMPLETE")
    assert stack["Outputs"][0]["OutputValue"].startswith("arn:aws:sns:us-east-1:")


def test_unknown_type_on_update_and_validate_template(emu, stack_name):
    expect(deploy(emu, stack_name, template(BUCKET)), "CREATE_COMPLETE")
    cfn = emu.client("cloudformation")
    bad = json.dumps(template({**BUCKET, "X": {"Type": "AWS::Nope::Thing"}}))
    with pytest.raises(botocore.exceptions.ClientError) as err:
        cfn.create_change_set(StackName=stack_name, ChangeSetName="bad", ChangeSetType="UPDATE",
                              TemplateBody=bad)
    assert err.value.response["Error"]["Message"] == (
        "Template format error: Unrecognized resource types: [AWS::Nope::Thing]")
    with pytest.raises(botocore.exceptions.ClientError) as err:
        cfn.validate_template(TemplateBody=bad)
    assert "Unrecognized resource types: [AWS::Nope::Thing]" in err.value.response["Error"]["Message"]


def reason(emu, name, stack):
    events = failure_events(emu, name)
    return stack.get("StackStatusReason"), events


def test_missing_required_property_fails_the_create(emu, stack_name):
    stack = deploy(emu, stack_name, template({"Certificate": {
        "Type": "AWS::CertificateManager::Certificate", "Properties": {"ValidationMethod": "DNS"}}}))
    expect(stack, "ROLLBACK_COMPLETE")
    message = ("Properties validation failed for resource Certificate with message: "
               "#: required key [DomainName] not found")
    status_reason, events = reason(emu, stack_name, stack)
    assert status_reason == message
    resource_events = [e for e in events if e["LogicalResourceId"] == "Certificate"]
    assert resource_events and resource_events[0]["ResourceStatus"] == "CREATE_FAILED"
    assert resource_events[0]["ResourceStatusReason"] == message


def test_bad_enum_value_names_the_property(emu, stack_name):
    stack = deploy(emu, stack_name, template({"Doc": {
        "Type": "AWS::ImageBuilder::Component",
        "Properties": {"Name": "enum-test", "Version": "1.0.0", "Platform": "Plan9",
                       "Data": "schemaVersion: 1.0\nphases: []\n"}}}))
    expect(stack, "ROLLBACK_COMPLETE")
    assert stack["StackStatusReason"] == (
        "Properties validation failed for resource Doc with message: #/Platform: Plan9 is not a valid enum value")


def test_several_violations_are_all_reported(emu, stack_name):
    stack = deploy(emu, stack_name, template({"Project": {
        "Type": "AWS::CodeBuild::Project",
        "Properties": {"Name": "x", "Artifacts": {"Type": "NO_ARTIFACTS"}, "Source": {"Type": "NO_SOURCE"},
                       "ServiceRole": "r", "TimeoutInMinutes": "soon", "Colour": "blue"}}}))
    expect(stack, "ROLLBACK_COMPLETE")
    text = stack["StackStatusReason"]
    assert text.startswith("Properties validation failed for resource Project with message: #: 3 schema violations found")
    for part in ("#: required key [Environment] not found", "#: extraneous key [Colour] is not permitted",
                 "#/TimeoutInMinutes: expected type: Integer, found: String"):
        assert part in text, text


def test_moto_types_are_validated_too(emu, stack_name):
    stack = deploy(emu, stack_name, template({"Bucket": {
        "Type": "AWS::S3::Bucket", "Properties": {"BucketNameTypo": "x"}}}))
    expect(stack, "ROLLBACK_COMPLETE")
    assert stack["StackStatusReason"] == (
        "Properties validation failed for resource Bucket with message: #: extraneous key [BucketNameTypo] is not permitted")


def test_invalid_update_rolls_back_and_keeps_the_resource(emu, stack_name):
    good = {"Type": "AWS::ImageBuilder::Component",
            "Properties": {"Name": "rollback-test", "Version": "1.0.0", "Platform": "Linux",
                           "Data": "schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: s\n        action: ExecuteBash\n        inputs: {commands: [true]}\n"}}
    stack = expect(deploy(emu, stack_name, template({"Doc": good})), "CREATE_COMPLETE")
    bad = json.loads(json.dumps(good))
    bad["Properties"]["Platform"] = "Plan9"
    stack = deploy(emu, stack_name, template({"Doc": bad}))
    expect(stack, "UPDATE_ROLLBACK_COMPLETE")
    assert stack["StackStatusReason"] == (
        "Properties validation failed for resource Doc with message: #/Platform: Plan9 is not a valid enum value")
    update_failed = [e for e in failure_events(emu, stack_name) if e["LogicalResourceId"] == "Doc"]
    assert update_failed and update_failed[0]["ResourceStatus"] == "UPDATE_FAILED"
    arns = [c["arn"] for c in emu.client("imagebuilder").list_components()["componentVersionList"]]
    assert any(a.endswith("component/rollback-test/1.0.0") for a in arns), arns


def test_bad_semantic_version_is_the_handler_s_error(emu, stack_name):
    stack = deploy(emu, stack_name, template({"Doc": {
        "Type": "AWS::ImageBuilder::Component",
        "Properties": {"Name": "semver-test", "Version": "one", "Platform": "Linux",
                       "Data": "schemaVersion: 1.0\nphases:\n  - name: build\n    steps: [{name: s, action: ExecuteBash}]\n"}}}))
    expect(stack, "ROLLBACK_COMPLETE")
    assert "parameter 'semanticVersion' is not valid: 'one'" in stack["StackStatusReason"]
    assert "(LogicalId: Doc)" in stack["StackStatusReason"]


def test_handler_failure_event_names_the_resource_and_type(emu, stack_name):
    stack = deploy(emu, stack_name, template({"Policy": {"Type": "AWS::S3::BucketPolicy", "Properties": {
        "Bucket": "no-such-bucket-here", "PolicyDocument": {"Version": "2012-10-17", "Statement": []}}}}))
    expect(stack, "ROLLBACK_COMPLETE")
    event = next(e for e in failure_events(emu, stack_name) if e["LogicalResourceId"] == "Policy")
    assert event["ResourceType"] == "AWS::S3::BucketPolicy" and event["ResourceStatus"] == "CREATE_FAILED"
    assert "The specified bucket does not exist (Bucket: no-such-bucket-here)" in event["ResourceStatusReason"]


@pytest.mark.parametrize("version, ok", [("1.0.1073741823", True), ("1.0.1073741824", False), ("01.0.0", False)])
def test_semantic_version_limits(emu, stack_name, version, ok):
    stack = deploy(emu, stack_name, template({"Doc": {
        "Type": "AWS::ImageBuilder::Component",
        "Properties": {"Name": stack_name[:60].replace(".", "-"), "Version": version, "Platform": "Linux",
                       "Data": "schemaVersion: 1.0\nphases:\n  - name: build\n    steps: [{name: s, action: ExecuteBash}]\n"}}}))
    expect(stack, "CREATE_COMPLETE" if ok else "ROLLBACK_COMPLETE")


def test_a_new_value_of_an_ssm_typed_parameter_is_a_change_of_what_refers_to_it(emu, stack_name):
    """Fix 22: the template is unchanged, the SSM parameter it reads has a new value (another
    stack published a new AMI id): the change set modifies the resources that refer to the
    parameter, and executing it updates them; with the value unchanged it has no changes."""
    ssm = emu.client("ssm")
    cfn = emu.client("cloudformation")
    name = f"/{stack_name}/ami"
    ssm.put_parameter(Name=name, Value="ami-11111111111111111", Type="String")
    body = {
        "Parameters": {"Ami": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": name}},
        "Resources": {
            "Copy": {"Type": "AWS::SSM::Parameter", "Properties": {
                "Name": f"{name}-copy", "Type": "String", "Value": {"Ref": "Ami"}}},
            "Other": {"Type": "AWS::SSM::Parameter", "Properties": {
                "Name": f"{name}-other", "Type": "String", "Value": "fixed"}},
        },
    }
    expect(deploy(emu, stack_name, body), "CREATE_COMPLETE")

    unchanged = cfn.create_change_set(StackName=stack_name, ChangeSetName="same",
                                      ChangeSetType="UPDATE", TemplateBody=json.dumps(body))
    desc = cfn.describe_change_set(ChangeSetName=unchanged["Id"])
    assert desc["Status"] == "FAILED" and "didn't contain changes" in desc["StatusReason"]
    cfn.delete_change_set(ChangeSetName=unchanged["Id"])

    ssm.put_parameter(Name=name, Value="ami-22222222222222222", Type="String", Overwrite=True)
    changed = cfn.create_change_set(StackName=stack_name, ChangeSetName="new-ami",
                                    ChangeSetType="UPDATE", TemplateBody=json.dumps(body))
    desc = cfn.describe_change_set(ChangeSetName=changed["Id"])
    assert desc["Status"] == "CREATE_COMPLETE", desc.get("StatusReason")
    modified = [c["ResourceChange"]["LogicalResourceId"] for c in desc["Changes"]]
    assert modified == ["Copy"]
    cfn.execute_change_set(ChangeSetName=changed["Id"])
    assert ssm.get_parameter(Name=f"{name}-copy")["Parameter"]["Value"] == "ami-22222222222222222"
    assert ssm.get_parameter(Name=f"{name}-other")["Parameter"]["Value"] == "fixed"

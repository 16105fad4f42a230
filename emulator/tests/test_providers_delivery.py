"""Lifecycle of the CodeBuild, CodePipeline and CodeDeploy providers."""

from __future__ import annotations

import botocore.exceptions
import pytest

from emulator.tests.support import attribute_outputs, delete, deploy, expect, outputs, physical_ids, template


def role(service):
    return {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": service},
                                                "Action": "sts:AssumeRole"}]}}}


def delivery_template(project_name=None, description="migrate", image="aws/codebuild/standard:7.0",
                      pipeline_name=None, group_name=None, config="CodeDeployDefault.OneAtATime"):
    project = {"Description": description, "ServiceRole": {"Fn::GetAtt": ["BuildRole", "Arn"]},
               "Artifacts": {"Type": "CODEPIPELINE"}, "Source": {"Type": "CODEPIPELINE", "BuildSpec": "version: 0.2\n"},
               "Environment": {"Type": "LINUX_CONTAINER", "ComputeType": "BUILD_GENERAL1_SMALL", "Image": image,
                               "EnvironmentVariables": [{"Name": "DB_SECRET", "Type": "SECRETS_MANAGER", "Value": "db:password"}]},
               "TimeoutInMinutes": 30}
    if project_name:
        project["Name"] = project_name
    pipeline = {"RoleArn": {"Fn::GetAtt": ["PipelineRole", "Arn"]},
                "ArtifactStore": {"Type": "S3", "Location": {"Ref": "Artifacts"}},
                "Stages": [
                    {"Name": "Source", "Actions": [{"Name": "Source", "ActionTypeId": {
                        "Category": "Source", "Owner": "AWS", "Provider": "S3", "Version": "1"},
                        "Configuration": {"S3Bucket": {"Ref": "Artifacts"}, "S3ObjectKey": "src.zip",
                                          "PollForSourceChanges": False},
                        "OutputArtifacts": [{"Name": "src"}]}]},
                    {"Name": "Migrate", "Actions": [{"Name": "Migrate", "ActionTypeId": {
                        "Category": "Build", "Owner": "AWS", "Provider": "CodeBuild", "Version": "1"},
                        "Configuration": {"ProjectName": {"Ref": "Migrate"}},
                        "InputArtifacts": [{"Name": "src"}], "RunOrder": 1}]}]}
    if pipeline_name:
        pipeline["Name"] = pipeline_name
    group = {"ApplicationName": {"Ref": "App"}, "ServiceRoleArn": {"Fn::GetAtt": ["DeployRole", "Arn"]},
             "DeploymentConfigName": config,
             "Ec2TagFilters": [{"Key": "Name", "Value": "web", "Type": "KEY_AND_VALUE"}],
             "AutoRollbackConfiguration": {"Enabled": True, "Events": ["DEPLOYMENT_FAILURE"]},
             "DeploymentStyle": {"DeploymentType": "IN_PLACE", "DeploymentOption": "WITHOUT_TRAFFIC_CONTROL"}}
    if group_name:
        group["DeploymentGroupName"] = group_name
    return template({
        "Artifacts": {"Type": "AWS::S3::Bucket"},
        "BuildRole": role("codebuild.amazonaws.com"), "PipelineRole": role("codepipeline.amazonaws.com"),
        "DeployRole": role("codedeploy.amazonaws.com"),
        "Migrate": {"Type": "AWS::CodeBuild::Project", "Properties": project},
        "Pipeline": {"Type": "AWS::CodePipeline::Pipeline", "Properties": pipeline},
        "App": {"Type": "AWS::CodeDeploy::Application", "Properties": {"ComputePlatform": "Server"}},
        "Group": {"Type": "AWS::CodeDeploy::DeploymentGroup", "Properties": group},
    }, {**attribute_outputs("AWS::CodeBuild::Project", "Migrate"),
        **attribute_outputs("AWS::CodePipeline::Pipeline", "Pipeline")})


def test_delivery(emu, stack_name):
    cb, cp, cd = emu.client("codebuild"), emu.client("codepipeline"), emu.client("codedeploy")
    stack = expect(deploy(emu, stack_name, delivery_template()), "CREATE_COMPLETE")
    ids, outs = physical_ids(emu, stack_name), outputs(stack)

    project = cb.batch_get_projects(names=[ids["Migrate"]])["projects"][0]
    assert outs["MigrateArn"] == project["arn"] and outs["MigrateId"] == ids["Migrate"]
    assert project["source"]["buildspec"] == "version: 0.2\n" and project["timeoutInMinutes"] == 30
    assert project["environment"]["environmentVariables"][0] == {
        "name": "DB_SECRET", "value": "db:password", "type": "SECRETS_MANAGER"}

    pipeline = cp.get_pipeline(name=ids["Pipeline"])["pipeline"]
    assert outs["PipelineVersion"] == "1" and pipeline["version"] == 1
    assert [s["name"] for s in pipeline["stages"]] == ["Source", "Migrate"]
    assert pipeline["stages"][1]["actions"][0]["configuration"] == {"ProjectName": ids["Migrate"]}
    assert pipeline["stages"][0]["actions"][0]["configuration"]["PollForSourceChanges"] == "false"
    assert outs["PipelineArn"] == f"arn:aws:codepipeline:us-east-1:123456789012:{ids['Pipeline']}"

    assert cd.get_application(applicationName=ids["App"])["application"]["computePlatform"] == "Server"
    group = cd.get_deployment_group(applicationName=ids["App"], deploymentGroupName=ids["Group"])["deploymentGroupInfo"]
    assert group["deploymentConfigName"] == "CodeDeployDefault.OneAtATime"

    # In place: the project's image, the group's config; the pipeline follows (version 2).
    stack = expect(deploy(emu, stack_name, delivery_template(
        image="aws/codebuild/standard:8.0", config="CodeDeployDefault.HalfAtATime")), "UPDATE_COMPLETE")
    assert physical_ids(emu, stack_name) == ids
    assert cb.batch_get_projects(names=[ids["Migrate"]])["projects"][0]["environment"]["image"] == "aws/codebuild/standard:8.0"
    group2 = cd.get_deployment_group(applicationName=ids["App"], deploymentGroupName=ids["Group"])["deploymentGroupInfo"]
    assert group2["deploymentConfigName"] == "CodeDeployDefault.HalfAtATime"
    assert group2["deploymentGroupId"] == group["deploymentGroupId"]

    # Names are createOnly: new project (the pipeline's configuration follows), pipeline, group.
    names = dict(project_name=f"{stack_name}-migrate", pipeline_name=f"{stack_name}-pipeline",
                 group_name=f"{stack_name}-group", image="aws/codebuild/standard:8.0")
    expect(deploy(emu, stack_name, delivery_template(**names)), "UPDATE_COMPLETE")
    new = physical_ids(emu, stack_name)
    assert (new["Migrate"], new["Pipeline"], new["Group"]) == (names["project_name"], names["pipeline_name"], names["group_name"])
    assert cb.batch_get_projects(names=[ids["Migrate"]])["projects"] == []
    assert ids["Pipeline"] not in [p["name"] for p in cp.list_pipelines()["pipelines"]]
    assert cp.get_pipeline(name=new["Pipeline"])["pipeline"]["stages"][1]["actions"][0]["configuration"] == {
        "ProjectName": names["project_name"]}
    assert cd.list_deployment_groups(applicationName=ids["App"])["deploymentGroups"] == [names["group_name"]]

    expect(delete(emu, stack_name), "DELETE_COMPLETE")
    assert cb.batch_get_projects(names=[new["Migrate"]])["projects"] == []
    with pytest.raises(botocore.exceptions.ClientError):
        cp.get_pipeline(name=new["Pipeline"])
    with pytest.raises(botocore.exceptions.ClientError):
        cd.get_application(applicationName=ids["App"])


def test_pipeline_role_must_trust_codepipeline(emu, stack_name):
    tmpl = delivery_template()
    tmpl["Resources"]["PipelineRole"] = role("ec2.amazonaws.com")
    stack = expect(deploy(emu, stack_name, tmpl), "ROLLBACK_COMPLETE")
    assert "CodePipeline is not authorized to perform AssumeRole" in stack["StackStatusReason"]
    assert "(LogicalId: Pipeline)" in stack["StackStatusReason"]

"""EC2 Image Builder: the six providers, the service's read API, and the Image build (AMI in
EC2, its id in SSM, read by a launch template through an SSM parameter type)."""

from __future__ import annotations

import botocore.exceptions
import pytest

from emulator.tests.support import attribute_outputs, delete, deploy, expect, outputs, physical_ids, template

DOC = ("name: {name}\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n"
       "      - name: Install\n        action: ExecuteBash\n        inputs:\n          commands: ['{command}']\n")
PARAM = "/emulator-tests/ami/app"


def images_template(prefix, version="1.0.0", recipe_version="1.0.0", command="dnf install -y nginx",
                    description="builds in a private subnet", deletion_settings=False):
    infra = {"Fn::GetAtt": ["Infrastructure", "Arn"]}
    app_image = {"ImageRecipeArn": {"Fn::GetAtt": ["AppRecipe", "Arn"]}, "InfrastructureConfigurationArn": infra,
                 "DistributionConfigurationArn": {"Fn::GetAtt": ["Distribution", "Arn"]},
                 "Tags": {"Layer": "app"}}
    if deletion_settings:
        app_image["DeletionSettings"] = {"ExecutionRole": {"Fn::GetAtt": ["Role", "Arn"]}}
    resources = {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.60.0.0/16"}},
        "Subnet": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.60.1.0/24"}},
        "Group": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "builds", "VpcId": {"Ref": "Vpc"}}},
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}},
        "Profile": {"Type": "AWS::IAM::InstanceProfile", "Properties": {"Roles": [{"Ref": "Role"}]}},
        "Infrastructure": {"Type": "AWS::ImageBuilder::InfrastructureConfiguration", "Properties": {
            "Name": f"{prefix}-infra", "Description": description, "InstanceProfileName": {"Ref": "Profile"},
            "InstanceTypes": ["t3.small"], "SubnetId": {"Ref": "Subnet"},
            "SecurityGroupIds": [{"Fn::GetAtt": ["Group", "GroupId"]}], "TerminateInstanceOnFailure": True}},
        "Distribution": {"Type": "AWS::ImageBuilder::DistributionConfiguration", "Properties": {
            "Name": f"{prefix}-dist", "Distributions": [{"Region": {"Ref": "AWS::Region"},
                "AmiDistributionConfiguration": {"Name": f"{prefix}-app-{{{{ imagebuilder:buildDate }}}}",
                                                 "AmiTags": {"Layer": "application"}},
                "SsmParameterConfigurations": [{"ParameterName": PARAM, "DataType": "aws:ec2:image"}]}]}},
        "Component": {"Type": "AWS::ImageBuilder::Component", "Properties": {
            "Name": f"{prefix}-nginx", "Version": version, "Platform": "Linux",
            "Data": DOC.format(name="nginx", command=command)}},
        "BaseRecipe": {"Type": "AWS::ImageBuilder::ImageRecipe", "Properties": {
            "Name": f"{prefix}-base", "Version": "1.0.0",
            "ParentImage": "ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
            "Components": [{"ComponentArn": {"Fn::Sub": "arn:${AWS::Partition}:imagebuilder:${AWS::Region}:aws:component/update-linux/x.x.x"}}],
            "AmiTags": {"Layer": "base"}}},
        "BaseImage": {"Type": "AWS::ImageBuilder::Image", "Properties": {
            "ImageRecipeArn": {"Fn::GetAtt": ["BaseRecipe", "Arn"]}, "InfrastructureConfigurationArn": infra}},
        "AppRecipe": {"Type": "AWS::ImageBuilder::ImageRecipe", "Properties": {
            "Name": f"{prefix}-app", "Version": recipe_version, "ParentImage": {"Fn::GetAtt": ["BaseImage", "Arn"]},
            "Components": [{"ComponentArn": {"Fn::GetAtt": ["Component", "Arn"]}}]}},
        "AppImage": {"Type": "AWS::ImageBuilder::Image", "Properties": app_image},
        "Pipeline": {"Type": "AWS::ImageBuilder::ImagePipeline", "Properties": {
            "Name": f"{prefix}-pipeline", "ImageRecipeArn": {"Fn::GetAtt": ["AppRecipe", "Arn"]},
            "InfrastructureConfigurationArn": infra, "Status": "DISABLED"}},
    }
    outs = {}
    for lid, kind in [("Infrastructure", "InfrastructureConfiguration"), ("Distribution", "DistributionConfiguration"),
                      ("Component", "Component"), ("AppRecipe", "ImageRecipe"), ("AppImage", "Image"),
                      ("Pipeline", "ImagePipeline")]:
        outs.update(attribute_outputs(f"AWS::ImageBuilder::{kind}", lid))
    return template(resources, outs)


def consumer_template():
    return template({"Launch": {"Type": "AWS::EC2::LaunchTemplate", "Properties": {"LaunchTemplateData": {
        "ImageId": {"Ref": "Ami"}, "InstanceType": "t3.micro"}}}},
        {"ImageId": {"Value": {"Ref": "Ami"}}}) | {
        "Parameters": {"Ami": {"Type": "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>", "Default": PARAM}}}


def test_image_builder(emu, stack_name):
    ib, ec2, ssm = emu.client("imagebuilder"), emu.client("ec2"), emu.client("ssm")
    prefix = stack_name[:40].lower()
    stack = expect(deploy(emu, stack_name, images_template(prefix)), "CREATE_COMPLETE")
    ids, outs = physical_ids(emu, stack_name), outputs(stack)

    # The read API.
    component = ib.get_component(componentBuildVersionArn=ids["Component"])["component"]
    assert component["name"] == f"{prefix}-nginx" and component["version"] == "1.0.0" and component["type"] == "BUILD"
    assert "dnf install -y nginx" in component["data"]
    assert outs["ComponentArn"] == ids["Component"] and outs["ComponentLatestVersionMajor"].endswith(f"component/{prefix}-nginx/1.x.x")
    recipe = ib.get_image_recipe(imageRecipeArn=ids["AppRecipe"])["imageRecipe"]
    assert recipe["parentImage"] == ids["BaseImage"] and recipe["components"] == [{"componentArn": ids["Component"]}]
    infra = ib.get_infrastructure_configuration(infrastructureConfigurationArn=ids["Infrastructure"])["infrastructureConfiguration"]
    assert infra["subnetId"] == ids["Subnet"] and infra["instanceProfileName"] == ids["Profile"]
    dist = ib.get_distribution_configuration(distributionConfigurationArn=ids["Distribution"])["distributionConfiguration"]
    assert dist["distributions"][0]["ssmParameterConfigurations"] == [{"parameterName": PARAM, "dataType": "aws:ec2:image"}]
    assert ib.get_image_pipeline(imagePipelineArn=ids["Pipeline"])["imagePipeline"]["status"] == "DISABLED"
    assert {c["arn"] for c in ib.list_components()["componentVersionList"]} >= {ids["Component"].rsplit("/", 1)[0]}
    assert ids["Pipeline"] in [p["arn"] for p in ib.list_image_pipelines()["imagePipelineList"]]
    assert ids["Infrastructure"] in [c["arn"] for c in ib.list_infrastructure_configurations()["infrastructureConfigurationSummaryList"]]
    assert ids["Distribution"] in [c["arn"] for c in ib.list_distribution_configurations()["distributionConfigurationSummaryList"]]
    assert ids["AppRecipe"] in [r["arn"] for r in ib.list_image_recipes()["imageRecipeSummaryList"]]
    with pytest.raises(botocore.exceptions.ClientError) as err:
        ib.get_component(componentBuildVersionArn=ids["Component"].replace("nginx", "nope"))
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"

    # The images: AMIs in EC2 (the app AMI derived from the base AMI), the id in SSM.
    image = ib.get_image(imageBuildVersionArn=ids["AppImage"])["image"]
    assert image["state"]["status"] == "AVAILABLE" and ids["AppImage"].endswith(f"image/{prefix}-app/1.0.0/1")
    ami = outs["AppImageImageId"]
    assert image["outputResources"]["amis"][0]["image"] == ami
    described = ec2.describe_images(ImageIds=[ami])["Images"][0]
    tags = {t["Key"]: t["Value"] for t in described["Tags"]}
    assert described["Name"].startswith(f"{prefix}-app-") and "{{" not in described["Name"]
    assert tags["Layer"] == "application" and tags["Ec2ImageBuilderArn"] == ids["AppImage"]
    assert ssm.get_parameter(Name=PARAM)["Parameter"]["Value"] == ami
    assert ssm.get_parameter(Name=PARAM)["Parameter"]["DataType"] == "aws:ec2:image"
    assert ids["AppImage"] in [i["arn"] for i in ib.list_image_build_versions(
        imageVersionArn=ids["AppImage"].rsplit("/", 1)[0])["imageSummaryList"]]
    assert ib.list_tags_for_resource(resourceArn=ids["AppImage"])["tags"] == {"Layer": "app"}

    # The AMI flows to a launch template through an SSM parameter type, as on AWS.
    consumer = f"{stack_name}-consumer"
    stack = expect(deploy(emu, consumer, consumer_template()), "CREATE_COMPLETE")
    assert outputs(stack)["ImageId"] == ami
    versions = ec2.describe_launch_template_versions(LaunchTemplateId=physical_ids(emu, consumer)["Launch"])
    assert versions["LaunchTemplateVersions"][0]["LaunchTemplateData"]["ImageId"] == ami
    expect(delete(emu, consumer), "DELETE_COMPLETE")

    # In place: the infrastructure's description.
    expect(deploy(emu, stack_name, images_template(prefix, description="v2")), "UPDATE_COMPLETE")
    assert physical_ids(emu, stack_name) == ids
    assert ib.get_infrastructure_configuration(infrastructureConfigurationArn=ids["Infrastructure"])[
        "infrastructureConfiguration"]["description"] == "v2"

    # New content under the same version: Image Builder refuses it, the update rolls back.
    stack = deploy(emu, stack_name, images_template(prefix, command="dnf install -y httpd", description="v2"))
    expect(stack, "UPDATE_ROLLBACK_COMPLETE")
    assert "already exists" in stack["StackStatusReason"] and "(LogicalId: Component)" in stack["StackStatusReason"]

    # New versions: component, recipe and image replaced, a new AMI published; the old ones deleted.
    stack = expect(deploy(emu, stack_name, images_template(prefix, version="1.0.1", recipe_version="1.0.1",
                                                          command="dnf install -y httpd", description="v2",
                                                          deletion_settings=True)), "UPDATE_COMPLETE")
    new, new_ami = physical_ids(emu, stack_name), outputs(stack)["AppImageImageId"]
    assert new["Component"].endswith("/1.0.1/1") and new["AppRecipe"].endswith("/1.0.1")
    assert new["AppImage"] != ids["AppImage"] and new_ami != ami
    assert ssm.get_parameter(Name=PARAM)["Parameter"]["Value"] == new_ami
    with pytest.raises(botocore.exceptions.ClientError):
        ib.get_component(componentBuildVersionArn=ids["Component"])
    with pytest.raises(botocore.exceptions.ClientError):
        ib.get_image(imageBuildVersionArn=ids["AppImage"])
    # The old AMI stays (no DeletionSettings on the old image), as Image Builder's DeleteImage does.
    assert ec2.describe_images(ImageIds=[ami])["Images"]

    # Deleting: every resource goes; the AMI of an image with DeletionSettings is deregistered.
    expect(delete(emu, stack_name), "DELETE_COMPLETE")
    assert not [c for c in ib.list_components()["componentVersionList"] if c["name"].startswith(prefix)]
    assert not [p for p in ib.list_image_pipelines()["imagePipelineList"] if p["name"].startswith(prefix)]
    assert not ec2.describe_images(Filters=[{"Name": "image-id", "Values": [new_ami]}])["Images"]


def test_recipe_with_a_missing_parent_fails(emu, stack_name):
    stack = deploy(emu, stack_name, template({"Recipe": {"Type": "AWS::ImageBuilder::ImageRecipe", "Properties": {
        "Name": f"{stack_name[:40]}-orphan", "Version": "1.0.0",
        "ParentImage": {"Fn::Sub": "arn:aws:imagebuilder:${AWS::Region}:${AWS::AccountId}:image/no-such-layer/x.x.x"},
        "Components": [{"ComponentArn": "arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x"}]}}}))
    expect(stack, "ROLLBACK_COMPLETE")
    assert "parameter 'parentImage' is not valid" in stack["StackStatusReason"]
    assert "image/no-such-layer/x.x.x" in stack["StackStatusReason"]


def test_component_document_is_checked(emu, stack_name):
    stack = deploy(emu, stack_name, template({"Doc": {"Type": "AWS::ImageBuilder::Component", "Properties": {
        "Name": f"{stack_name[:40]}-bad-doc", "Version": "1.0.0", "Platform": "Linux",
        "Data": "schemaVersion: 1.0\nphases:\n  - name: deploy\n    steps: []\n"}}}))
    expect(stack, "ROLLBACK_COMPLETE")
    assert "phases[0].name 'deploy' is not build, validate or test" in stack["StackStatusReason"]

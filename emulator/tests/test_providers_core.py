"""Lifecycle of the EC2, Auto Scaling, S3, CloudWatch, ACM and CloudFront providers: create
through a change set, read back through the service's API, update in place, update with
replacement, delete; every declared attribute readable with Fn::GetAtt."""

from __future__ import annotations

import json

import botocore.exceptions
import pytest

from emulator.tests.support import attribute_outputs, delete, deploy, expect, outputs, physical_ids, stack_status, template

VPC = {
    "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.40.0.0/16"}},
    "Group": {"Type": "AWS::EC2::SecurityGroup",
              "Properties": {"GroupDescription": "rules under test", "VpcId": {"Ref": "Vpc"}}},
    "Peer": {"Type": "AWS::EC2::SecurityGroup",
             "Properties": {"GroupDescription": "peer", "VpcId": {"Ref": "Vpc"}}},
}


def rules_of(emu, group_id):
    rules = emu.client("ec2").describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [group_id]}])["SecurityGroupRules"]
    return {r["SecurityGroupRuleId"]: r for r in rules}


def test_security_group_rules(emu, stack_name):
    def rules(port, description):
        return {
            **VPC,
            "Out": {"Type": "AWS::EC2::SecurityGroupEgress", "Properties": {
                "GroupId": {"Fn::GetAtt": ["Group", "GroupId"]}, "IpProtocol": "tcp",
                "FromPort": port, "ToPort": port, "DestinationSecurityGroupId": {"Fn::GetAtt": ["Peer", "GroupId"]},
                "Description": description}},
            "In": {"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {
                "GroupId": {"Fn::GetAtt": ["Group", "GroupId"]}, "IpProtocol": "tcp",
                "FromPort": "443", "ToPort": "443", "CidrIp": "10.40.0.0/16", "Description": description}},
        }

    outs = {**attribute_outputs("AWS::EC2::SecurityGroupEgress", "Out"),
            **attribute_outputs("AWS::EC2::SecurityGroupIngress", "In")}
    stack = expect(deploy(emu, stack_name, template(rules(5432, "v1"), outs)), "CREATE_COMPLETE")
    ids = physical_ids(emu, stack_name)
    assert outputs(stack) == {"OutId": ids["Out"], "InId": ids["In"]}
    group = ids["Group"]
    found = rules_of(emu, group)
    out, into = found[ids["Out"]], found[ids["In"]]
    assert out["IsEgress"] and out["FromPort"] == 5432 and out["ReferencedGroupInfo"]["GroupId"] == ids["Peer"]
    assert not into["IsEgress"] and into["CidrIpv4"] == "10.40.0.0/16" and into["Description"] == "v1"

    # Description: in place, same rule ids.
    expect(deploy(emu, stack_name, template(rules(5432, "v2"), outs)), "UPDATE_COMPLETE")
    assert physical_ids(emu, stack_name)["Out"] == ids["Out"]
    assert rules_of(emu, group)[ids["In"]]["Description"] == "v2"

    # A port: replacement, the old rule revoked.
    expect(deploy(emu, stack_name, template(rules(6432, "v2"), outs)), "UPDATE_COMPLETE")
    new_out = physical_ids(emu, stack_name)["Out"]
    assert new_out != ids["Out"]
    found = rules_of(emu, group)
    assert ids["Out"] not in found and found[new_out]["FromPort"] == 6432

    # A rule removed by an update is revoked.
    resources = rules(6432, "v2")
    del resources["In"]
    expect(deploy(emu, stack_name, template(resources)), "UPDATE_COMPLETE")
    assert ids["In"] not in rules_of(emu, group)

    expect(delete(emu, stack_name), "DELETE_COMPLETE")
    assert not emu.client("ec2").describe_security_groups(
        Filters=[{"Name": "group-id", "Values": [group]}])["SecurityGroups"]


def test_egress_rule_needs_one_destination(emu, stack_name):
    stack = deploy(emu, stack_name, template({**VPC, "Out": {"Type": "AWS::EC2::SecurityGroupEgress", "Properties": {
        "GroupId": {"Fn::GetAtt": ["Group", "GroupId"]}, "IpProtocol": "tcp", "FromPort": 1, "ToPort": 1}}}))
    expect(stack, "ROLLBACK_COMPLETE")
    assert "Exactly one of CidrIp, CidrIpv6, DestinationPrefixListId, DestinationSecurityGroupId" in stack["StackStatusReason"]
    assert "(LogicalId: Out)" in stack["StackStatusReason"]


def scaling_template(group, target):
    subnet = {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.40.1.0/24"}}
    lt = {"Type": "AWS::EC2::LaunchTemplate", "Properties": {"LaunchTemplateData": {"InstanceType": "t3.micro", "ImageId": "ami-12c6146b"}}}

    def asg():
        return {"Type": "AWS::AutoScaling::AutoScalingGroup", "Properties": {
            "MinSize": "0", "MaxSize": "2", "DesiredCapacity": "0", "VPCZoneIdentifier": [{"Ref": "Subnet"}],
            "LaunchTemplate": {"LaunchTemplateId": {"Ref": "Template"},
                               "Version": {"Fn::GetAtt": ["Template", "LatestVersionNumber"]}}}}
    return template({
        "Vpc": VPC["Vpc"], "Subnet": subnet, "Template": lt, "GroupA": asg(), "GroupB": asg(),
        "Cpu": {"Type": "AWS::AutoScaling::ScalingPolicy", "Properties": {
            "AutoScalingGroupName": {"Ref": group}, "PolicyType": "TargetTrackingScaling",
            "TargetTrackingConfiguration": {"TargetValue": target, "PredefinedMetricSpecification": {
                "PredefinedMetricType": "ASGAverageCPUUtilization"}}}},
    }, attribute_outputs("AWS::AutoScaling::ScalingPolicy", "Cpu"))


def test_scaling_policy(emu, stack_name):
    autoscaling = emu.client("autoscaling")
    stack = expect(deploy(emu, stack_name, scaling_template("GroupA", 50)), "CREATE_COMPLETE")
    ids, outs = physical_ids(emu, stack_name), outputs(stack)
    assert outs["CpuArn"] == ids["Cpu"] and ":scalingPolicy:" in ids["Cpu"]
    policies = autoscaling.describe_policies(AutoScalingGroupName=ids["GroupA"])["ScalingPolicies"]
    assert [p["PolicyName"] for p in policies] == [outs["CpuPolicyName"]]
    assert policies[0]["TargetTrackingConfiguration"]["TargetValue"] == 50

    expect(deploy(emu, stack_name, scaling_template("GroupA", 70)), "UPDATE_COMPLETE")
    assert physical_ids(emu, stack_name)["Cpu"] == ids["Cpu"]
    policies = autoscaling.describe_policies(AutoScalingGroupName=ids["GroupA"])["ScalingPolicies"]
    assert policies[0]["TargetTrackingConfiguration"]["TargetValue"] == 70

    expect(deploy(emu, stack_name, scaling_template("GroupB", 70)), "UPDATE_COMPLETE")
    new = physical_ids(emu, stack_name)["Cpu"]
    assert new != ids["Cpu"]
    assert autoscaling.describe_policies(AutoScalingGroupName=ids["GroupA"])["ScalingPolicies"] == []
    assert len(autoscaling.describe_policies(AutoScalingGroupName=ids["GroupB"])["ScalingPolicies"]) == 1

    expect(delete(emu, stack_name), "DELETE_COMPLETE")
    assert autoscaling.describe_policies()["ScalingPolicies"] == []


def bucket_policy_template(bucket, action):
    def policy(b):
        return {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": action,
                "Resource": {"Fn::Sub": f"${{{b}.Arn}}/*"}, "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
    return template({
        "One": {"Type": "AWS::S3::Bucket"}, "Two": {"Type": "AWS::S3::Bucket"},
        "Policy": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": bucket}, "PolicyDocument": policy(bucket)}},
    })


def test_bucket_policy(emu, stack_name):
    s3 = emu.client("s3")
    expect(deploy(emu, stack_name, bucket_policy_template("One", "s3:GetObject")), "CREATE_COMPLETE")
    ids = physical_ids(emu, stack_name)
    assert ids["Policy"] == ids["One"]
    doc = json.loads(s3.get_bucket_policy(Bucket=ids["One"])["Policy"])
    assert doc["Statement"][0]["Action"] == "s3:GetObject"
    assert doc["Statement"][0]["Resource"] == f"arn:aws:s3:::{ids['One']}/*"

    expect(deploy(emu, stack_name, bucket_policy_template("One", "s3:*")), "UPDATE_COMPLETE")
    assert json.loads(s3.get_bucket_policy(Bucket=ids["One"])["Policy"])["Statement"][0]["Action"] == "s3:*"

    expect(deploy(emu, stack_name, bucket_policy_template("Two", "s3:*")), "UPDATE_COMPLETE")
    assert physical_ids(emu, stack_name)["Policy"] == ids["Two"]
    with pytest.raises(botocore.exceptions.ClientError):
        s3.get_bucket_policy(Bucket=ids["One"])
    assert "s3:*" in s3.get_bucket_policy(Bucket=ids["Two"])["Policy"]

    expect(delete(emu, stack_name), "DELETE_COMPLETE")
    assert ids["Two"] not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def alarm_template(name, threshold):
    props = {"ComparisonOperator": "GreaterThanThreshold", "EvaluationPeriods": 2, "Period": 60,
             "MetricName": "CPUUtilization", "Namespace": "AWS/EC2", "Statistic": "Average",
             "Threshold": threshold, "Dimensions": [{"Name": "AutoScalingGroupName", "Value": "web"}]}
    if name:
        props["AlarmName"] = name
    return template({"High": {"Type": "AWS::CloudWatch::Alarm", "Properties": props}},
                    attribute_outputs("AWS::CloudWatch::Alarm", "High"))


def test_alarm(emu, stack_name):
    cw = emu.client("cloudwatch")
    stack = expect(deploy(emu, stack_name, alarm_template(None, 80)), "CREATE_COMPLETE")
    name = physical_ids(emu, stack_name)["High"]
    assert name.startswith(f"{stack_name}-High-")
    assert outputs(stack)["HighArn"] == f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:{name}"
    assert cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["Threshold"] == 80

    expect(deploy(emu, stack_name, alarm_template(None, 90)), "UPDATE_COMPLETE")
    assert physical_ids(emu, stack_name)["High"] == name
    assert cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["Threshold"] == 90

    expect(deploy(emu, stack_name, alarm_template(f"{stack_name}-cpu", 90)), "UPDATE_COMPLETE")
    assert physical_ids(emu, stack_name)["High"] == f"{stack_name}-cpu"
    assert cw.describe_alarms(AlarmNames=[name])["MetricAlarms"] == []

    expect(delete(emu, stack_name), "DELETE_COMPLETE")
    assert cw.describe_alarms(AlarmNames=[f"{stack_name}-cpu"])["MetricAlarms"] == []


def certificate_template(domain, zone=True, zone_id=None, tag="a"):
    resources = {
        "Zone": {"Type": "AWS::Route53::HostedZone", "Properties": {"Name": "certs.example.net"}},
        "Certificate": {"Type": "AWS::CertificateManager::Certificate", "Properties": {
            "DomainName": domain, "ValidationMethod": "DNS", "SubjectAlternativeNames": [f"www.{domain}"],
            "Tags": [{"Key": "tag", "Value": tag}],
            "DomainValidationOptions": [
                {"DomainName": domain, "HostedZoneId": zone_id or {"Ref": "Zone"}},
                {"DomainName": f"www.{domain}", "HostedZoneId": zone_id or {"Ref": "Zone"}},
            ] if zone else []}},
    }
    return template(resources, {"Arn": {"Value": {"Ref": "Certificate"}}})


def zone_cnames(emu, zone_id):
    sets = emu.client("route53").list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    return {r["Name"]: r["ResourceRecords"][0]["Value"] for r in sets if r["Type"] == "CNAME"}


def test_certificate_dns_validation(emu, stack_name):
    acm = emu.client("acm")
    stack = expect(deploy(emu, stack_name, certificate_template("app.certs.example.net")), "CREATE_COMPLETE")
    ids = physical_ids(emu, stack_name)
    arn = ids["Certificate"]
    assert outputs(stack)["Arn"] == arn
    cert = acm.describe_certificate(CertificateArn=arn)["Certificate"]
    assert cert["Status"] == "ISSUED" and cert["DomainName"] == "app.certs.example.net"
    options = {o["DomainName"]: o for o in cert["DomainValidationOptions"]}
    assert set(options) == {"app.certs.example.net", "www.app.certs.example.net"}
    cnames = zone_cnames(emu, ids["Zone"])
    for o in options.values():
        assert o["ValidationStatus"] == "SUCCESS"
        assert cnames[o["ResourceRecord"]["Name"]] == o["ResourceRecord"]["Value"]

    # Tags: in place.
    expect(deploy(emu, stack_name, certificate_template("app.certs.example.net", tag="b")), "UPDATE_COMPLETE")
    assert physical_ids(emu, stack_name)["Certificate"] == arn
    assert acm.list_tags_for_certificate(CertificateArn=arn)["Tags"] == [{"Key": "tag", "Value": "b"}]

    # DomainName: replacement; the old certificate and its records go.
    expect(deploy(emu, stack_name, certificate_template("api.certs.example.net", tag="b")), "UPDATE_COMPLETE")
    new = physical_ids(emu, stack_name)["Certificate"]
    assert new != arn
    arns = [c["CertificateArn"] for c in acm.list_certificates()["CertificateSummaryList"]]
    assert new in arns and arn not in arns
    assert all("api.certs" in name for name in zone_cnames(emu, ids["Zone"]))

    expect(delete(emu, stack_name), "DELETE_COMPLETE")
    assert new not in [c["CertificateArn"] for c in acm.list_certificates()["CertificateSummaryList"]]


def test_certificate_with_a_missing_zone_fails(emu, stack_name):
    stack = deploy(emu, stack_name, certificate_template("x.certs.example.net", zone_id="Z09999999NOSUCHZONE"))
    expect(stack, "ROLLBACK_COMPLETE")
    assert stack["StackStatusReason"] == (
        'Resource handler returned message: "Hosted zone Z09999999NOSUCHZONE (DomainValidationOptions '
        'HostedZoneId) does not exist" (LogicalId: Certificate)')


def test_certificate_without_validation_records_is_not_issued(emu, stack_name):
    stack = deploy(emu, stack_name, certificate_template("y.certs.example.net", zone=False))
    expect(stack, "ROLLBACK_COMPLETE")
    assert "Certificate not issued: no DNS validation record for y.certs.example.net" in stack["StackStatusReason"]
    assert not [c for c in emu.client("acm").list_certificates()["CertificateSummaryList"]
                if c["DomainName"] == "y.certs.example.net"]


def cdn_template(comment, oac_name):
    return template({
        "Origin": {"Type": "AWS::S3::Bucket"},
        "Access": {"Type": "AWS::CloudFront::OriginAccessControl", "Properties": {"OriginAccessControlConfig": {
            "Name": oac_name, "OriginAccessControlOriginType": "s3", "SigningBehavior": "always",
            "SigningProtocol": "sigv4"}}},
        "Cdn": {"Type": "AWS::CloudFront::Distribution", "Properties": {"DistributionConfig": {
            "Enabled": True, "Comment": comment, "Aliases": [],
            "Origins": [{"Id": "s3", "DomainName": {"Fn::GetAtt": ["Origin", "RegionalDomainName"]},
                         "S3OriginConfig": {"OriginAccessIdentity": ""},
                         "OriginAccessControlId": {"Fn::GetAtt": ["Access", "Id"]}}],
            "DefaultCacheBehavior": {"TargetOriginId": "s3", "ViewerProtocolPolicy": "redirect-to-https",
                                     "AllowedMethods": ["GET", "HEAD", "OPTIONS"], "CachedMethods": ["GET", "HEAD"],
                                     "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"}}}},
    }, {**attribute_outputs("AWS::CloudFront::Distribution", "Cdn"),
        **attribute_outputs("AWS::CloudFront::OriginAccessControl", "Access")})


def test_cloudfront(emu, stack_name):
    cf = emu.client("cloudfront")
    stack = expect(deploy(emu, stack_name, cdn_template("v1", f"{stack_name}-oac")), "CREATE_COMPLETE")
    ids, outs = physical_ids(emu, stack_name), outputs(stack)
    assert outs["CdnId"] == ids["Cdn"] and outs["CdnDomainName"].endswith(".cloudfront.net")
    assert outs["AccessId"] == ids["Access"]
    dist = cf.get_distribution(Id=ids["Cdn"])["Distribution"]
    config = dist["DistributionConfig"]
    assert config["Comment"] == "v1" and config["Origins"]["Items"][0]["Id"] == "s3"
    assert config["DefaultCacheBehavior"]["AllowedMethods"]["Quantity"] == 3
    assert cf.get_origin_access_control(Id=ids["Access"])["OriginAccessControl"][
        "OriginAccessControlConfig"]["Name"] == f"{stack_name}-oac"

    expect(deploy(emu, stack_name, cdn_template("v2", f"{stack_name}-oac2")), "UPDATE_COMPLETE")
    assert physical_ids(emu, stack_name) == ids
    assert cf.get_distribution(Id=ids["Cdn"])["Distribution"]["DistributionConfig"]["Comment"] == "v2"
    assert cf.get_origin_access_control(Id=ids["Access"])["OriginAccessControl"][
        "OriginAccessControlConfig"]["Name"] == f"{stack_name}-oac2"

    expect(delete(emu, stack_name), "DELETE_COMPLETE")
    with pytest.raises(botocore.exceptions.ClientError):
        cf.get_distribution(Id=ids["Cdn"])


def test_termination_protection_is_set_reported_and_enforced(emu, stack_name):
    """Fix 24: UpdateTerminationProtection, DescribeStacks and a refused DeleteStack."""
    cfn = emu.client("cloudformation")
    expect(deploy(emu, stack_name, template({"Topic": {"Type": "AWS::SNS::Topic"}})), "CREATE_COMPLETE")
    assert stack_status(cfn, stack_name)["EnableTerminationProtection"] is False
    cfn.update_termination_protection(StackName=stack_name, EnableTerminationProtection=True)
    assert stack_status(cfn, stack_name)["EnableTerminationProtection"] is True
    try:
        cfn.delete_stack(StackName=stack_name)
        raise AssertionError("a protected stack was deleted")
    except cfn.exceptions.ClientError as err:
        assert err.response["Error"]["Code"] == "ValidationError"
        assert "TerminationProtection is enabled" in err.response["Error"]["Message"]
    assert stack_status(cfn, stack_name)["StackStatus"] == "CREATE_COMPLETE"
    cfn.update_termination_protection(StackName=stack_name, EnableTerminationProtection=False)
    expect(delete(emu, stack_name), "DELETE_COMPLETE")


def test_a_create_only_change_of_a_moto_type_without_update_handler_replaces_it(emu, stack_name):
    """Fix 25: a hosted zone's Name is create-only, so a rename is a new zone, the old one gone."""
    r53 = emu.client("route53")
    domain = f"{stack_name.split('-')[0]}.replaced.test"

    def zones():
        return sorted(z["Name"].rstrip(".") for z in r53.list_hosted_zones()["HostedZones"]
                      if z["Name"].rstrip(".").endswith(domain))

    def zone(name):
        return template({"Zone": {"Type": "AWS::Route53::HostedZone", "Properties": {"Name": name}}},
                        {"ZoneId": {"Value": {"Ref": "Zone"}}})

    first = expect(deploy(emu, stack_name, zone(f"a.{domain}")), "CREATE_COMPLETE")
    assert zones() == [f"a.{domain}"]
    second = expect(deploy(emu, stack_name, zone(f"b.{domain}")), "UPDATE_COMPLETE")
    assert zones() == [f"b.{domain}"]
    assert outputs(first)["ZoneId"] != outputs(second)["ZoneId"]
    expect(delete(emu, stack_name), "DELETE_COMPLETE")
    assert zones() == []


def test_list_imports_names_the_importing_stacks(emu, stack_name):
    """Fix 26: ListImports from the live stacks' templates; CloudFormation's errors otherwise."""
    cfn = emu.client("cloudformation")
    export = f"{stack_name}-Topic"
    expect(deploy(emu, stack_name, template({"Topic": {"Type": "AWS::SNS::Topic"}},
                                            {"Arn": {"Value": {"Ref": "Topic"}, "Export": {"Name": export}}})),
           "CREATE_COMPLETE")
    try:
        cfn.list_imports(ExportName=export)
        raise AssertionError("an export nobody imports has no imports")
    except cfn.exceptions.ClientError as err:
        assert "is not imported by any stack" in err.response["Error"]["Message"]
    importer = f"{stack_name}-user"
    expect(deploy(emu, importer, template({"Param": {"Type": "AWS::SSM::Parameter", "Properties": {
        "Type": "String", "Value": {"Fn::ImportValue": export}}}})), "CREATE_COMPLETE")
    assert cfn.list_imports(ExportName=export)["Imports"] == [importer]
    expect(delete(emu, importer), "DELETE_COMPLETE")
    expect(delete(emu, stack_name), "DELETE_COMPLETE")
    try:
        cfn.list_imports(ExportName=export)
        raise AssertionError("a deleted export")
    except cfn.exceptions.ClientError as err:
        assert "does not exist" in err.response["Error"]["Message"]


def test_an_existing_bucket_is_imported_into_a_stack(emu, stack_name):
    """Fix 27: an IMPORT change set adopts the bucket, untouched; a missing one fails the set."""
    cfn, s3 = emu.client("cloudformation"), emu.client("s3")
    bucket = f"{stack_name.split('-')[0]}-imported-bucket"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="kept.txt", Body=b"data")
    body = json.dumps(template({"Data": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain",
                                          "Properties": {"BucketName": bucket}}},
                               {"Name": {"Value": {"Ref": "Data"}}}))

    def import_set(name, ident):
        cs = cfn.create_change_set(StackName=stack_name, ChangeSetName=name, ChangeSetType="IMPORT",
                                   TemplateBody=body, ResourcesToImport=[{
                                       "ResourceType": "AWS::S3::Bucket", "LogicalResourceId": "Data",
                                       "ResourceIdentifier": {"BucketName": ident}}])
        return cs, cfn.describe_change_set(ChangeSetName=cs["Id"])

    _, failed = import_set("missing", "no-such-bucket-here")
    assert failed["Status"] == "FAILED" and "does not exist" in failed["StatusReason"]
    cs, desc = import_set("adopt", bucket)
    assert desc["Status"] == "CREATE_COMPLETE"
    assert [c["ResourceChange"]["Action"] for c in desc["Changes"]] == ["Import"]
    cfn.execute_change_set(ChangeSetName=cs["Id"])
    stack = stack_status(cfn, stack_name)
    assert stack["StackStatus"] == "IMPORT_COMPLETE"
    assert outputs(stack) == {"Name": bucket}
    assert s3.get_object(Bucket=bucket, Key="kept.txt")["Body"].read() == b"data"
    assert len([b for b in s3.list_buckets()["Buckets"] if b["Name"] == bucket]) == 1


def test_drift_of_a_parameter_changed_outside_the_stack(emu, stack_name):
    """Fix 28: a value changed by hand is MODIFIED with its difference; others NOT_CHECKED."""
    cfn, ssm = emu.client("cloudformation"), emu.client("ssm")
    name = f"/{stack_name.split('-')[0]}/drift"
    expect(deploy(emu, stack_name, template({
        "Param": {"Type": "AWS::SSM::Parameter", "Properties": {"Name": name, "Type": "String", "Value": "v1"}},
        "Topic": {"Type": "AWS::SNS::Topic"}})), "CREATE_COMPLETE")

    def detect():
        detection = cfn.detect_stack_drift(StackName=stack_name)["StackDriftDetectionId"]
        status = cfn.describe_stack_drift_detection_status(StackDriftDetectionId=detection)
        drifts = {d["LogicalResourceId"]: d for d in
                  cfn.describe_stack_resource_drifts(StackName=stack_name)["StackResourceDrifts"]}
        return status, drifts

    status, drifts = detect()
    assert status["DetectionStatus"] == "DETECTION_COMPLETE"
    assert drifts["Topic"]["StackResourceDriftStatus"] == "NOT_CHECKED"
    assert [d["DifferenceType"] for d in drifts["Param"]["PropertyDifferences"]] == ["ADD"]
    ssm.put_parameter(Name=name, Value="v2", Type="String", Overwrite=True)
    status, drifts = detect()
    assert status["StackDriftStatus"] == "DRIFTED" and status["DriftedStackResourceCount"] == 1
    diffs = {d["PropertyPath"]: d for d in drifts["Param"]["PropertyDifferences"]}
    assert diffs["/Value"]["ExpectedValue"] == "v1" and diffs["/Value"]["ActualValue"] == "v2"
    assert diffs["/Value"]["DifferenceType"] == "NOT_EQUAL"

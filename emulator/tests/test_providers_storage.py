"""Lifecycle of the EFS providers (file system, mount targets, access point) and CloudFront's
logging: create, read back through the service APIs, update in place, replace, retain, delete."""

from __future__ import annotations

import json

import botocore.exceptions
import pytest

from emulator.tests.support import (attribute_outputs, delete, deploy, expect, failure_events,
                                    outputs, physical_ids, template)
from emulator.tests.test_providers_data import NETWORK

POLICY = {"Version": "2012-10-17", "Statement": [{
    "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "*",
    "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}


def efs_template(ia="AFTER_30_DAYS", backup="ENABLED", groups=("Nfs",), policy="Retain",
                 performance="generalPurpose", uid="1500"):
    resources = {
        **NETWORK,
        "Nfs": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
            "GroupDescription": "nfs", "VpcId": {"Ref": "Vpc"}}},
        "Other": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
            "GroupDescription": "other", "VpcId": {"Ref": "Vpc"}}},
        "Files": {"Type": "AWS::EFS::FileSystem", "DeletionPolicy": policy, "UpdateReplacePolicy": policy,
                  "Properties": {
                      "Encrypted": True, "KmsKeyId": {"Fn::GetAtt": ["Key", "Arn"]},
                      "PerformanceMode": performance, "ThroughputMode": "elastic",
                      "BackupPolicy": {"Status": backup}, "FileSystemPolicy": POLICY,
                      "LifecyclePolicies": [{"TransitionToIA": ia},
                                            {"TransitionToPrimaryStorageClass": "AFTER_1_ACCESS"}],
                      "FileSystemTags": [{"Key": "Name", "Value": "media"}]}},
        "TargetA": {"Type": "AWS::EFS::MountTarget", "Properties": {
            "FileSystemId": {"Ref": "Files"}, "SubnetId": {"Ref": "SubnetA"},
            "SecurityGroups": [{"Fn::GetAtt": [g, "GroupId"]} for g in groups]}},
        "TargetB": {"Type": "AWS::EFS::MountTarget", "Properties": {
            "FileSystemId": {"Ref": "Files"}, "SubnetId": {"Ref": "SubnetB"},
            "SecurityGroups": [{"Fn::GetAtt": [g, "GroupId"]} for g in groups]}},
        "Point": {"Type": "AWS::EFS::AccessPoint", "Properties": {
            "FileSystemId": {"Ref": "Files"}, "PosixUser": {"Uid": uid, "Gid": uid},
            "RootDirectory": {"Path": "/media", "CreationInfo": {
                "OwnerUid": uid, "OwnerGid": uid, "Permissions": "0750"}}}},
    }
    outs = {**attribute_outputs("AWS::EFS::FileSystem", "Files"),
            **attribute_outputs("AWS::EFS::MountTarget", "TargetA"),
            **attribute_outputs("AWS::EFS::AccessPoint", "Point"),
            "FilesRef": {"Value": {"Ref": "Files"}}, "PointRef": {"Value": {"Ref": "Point"}}}
    return template(resources, outs)


def test_efs_file_system_mount_targets_and_access_point(emu, stack_name):
    efs, ec2 = emu.client("efs"), emu.client("ec2")
    stack = expect(deploy(emu, stack_name, efs_template()), "CREATE_COMPLETE")
    ids, outs = physical_ids(emu, stack_name), outputs(stack)
    fs_id = ids["Files"]
    assert fs_id.startswith("fs-") and outs["FilesRef"] == outs["FilesFileSystemId"] == fs_id
    assert outs["FilesArn"].endswith(f":file-system/{fs_id}")
    assert outs["PointRef"] == outs["PointAccessPointId"] == ids["Point"]
    assert outs["PointArn"].endswith(f":access-point/{ids['Point']}")
    assert outs["TargetAId"] == ids["TargetA"]

    fs = efs.describe_file_systems(FileSystemId=fs_id)["FileSystems"][0]
    assert fs["Encrypted"] is True and fs["KmsKeyId"].endswith(ids["Key"])
    assert fs["ThroughputMode"] == "elastic" and fs["NumberOfMountTargets"] == 2
    assert fs["Tags"] == [{"Key": "Name", "Value": "media"}]
    assert json.loads(efs.describe_file_system_policy(FileSystemId=fs_id)["Policy"]) == POLICY
    assert efs.describe_backup_policy(FileSystemId=fs_id)["BackupPolicy"]["Status"] == "ENABLED"
    assert efs.describe_lifecycle_configuration(FileSystemId=fs_id)["LifecyclePolicies"][0] == {
        "TransitionToIA": "AFTER_30_DAYS"}
    targets = efs.describe_mount_targets(FileSystemId=fs_id)["MountTargets"]
    assert sorted(t["SubnetId"] for t in targets) == sorted([ids["SubnetA"], ids["SubnetB"]])
    assert {t["AvailabilityZoneName"] for t in targets} == {"us-east-1a", "us-east-1b"}
    nfs = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["*"]}])
    nfs_id = next(g["GroupId"] for g in nfs["SecurityGroups"] if g.get("Description") == "nfs")
    assert efs.describe_mount_target_security_groups(MountTargetId=ids["TargetA"])["SecurityGroups"] == [nfs_id]
    point = efs.describe_access_points(AccessPointId=ids["Point"])["AccessPoints"][0]
    assert point["FileSystemId"] == fs_id and point["PosixUser"] == {"Uid": 1500, "Gid": 1500}
    assert point["RootDirectory"]["Path"] == "/media"

    # In place: lifecycle, backups and the mount targets' groups change; ids stay.
    expect(deploy(emu, stack_name, efs_template(ia="AFTER_90_DAYS", backup="DISABLED",
                                                groups=("Nfs", "Other"))), "UPDATE_COMPLETE")
    assert physical_ids(emu, stack_name) == ids
    assert efs.describe_lifecycle_configuration(FileSystemId=fs_id)["LifecyclePolicies"][0] == {
        "TransitionToIA": "AFTER_90_DAYS"}
    with pytest.raises(botocore.exceptions.ClientError):
        efs.describe_backup_policy(FileSystemId=fs_id)
    assert len(efs.describe_mount_target_security_groups(MountTargetId=ids["TargetA"])["SecurityGroups"]) == 2

    # A new POSIX user is a create-only change: a new access point, the old one deleted.
    expect(deploy(emu, stack_name, efs_template(ia="AFTER_90_DAYS", backup="DISABLED",
                                                groups=("Nfs", "Other"), uid="1600")), "UPDATE_COMPLETE")
    new = physical_ids(emu, stack_name)
    assert new["Point"] != ids["Point"] and new["Files"] == fs_id
    points = efs.describe_access_points(FileSystemId=fs_id)["AccessPoints"]
    assert [p["AccessPointId"] for p in points] == [new["Point"]]

    # Deleting the stack: mount targets and access point go, the Retain file system stays.
    expect(delete(emu, stack_name), "DELETE_COMPLETE")
    assert efs.describe_file_systems(FileSystemId=fs_id)["FileSystems"][0]["NumberOfMountTargets"] == 0
    assert efs.describe_access_points(FileSystemId=fs_id)["AccessPoints"] == []


def test_efs_deleted_without_retain_and_bad_keys_fail(emu, stack_name):
    efs = emu.client("efs")
    stack = expect(deploy(emu, stack_name, efs_template(policy="Delete")), "CREATE_COMPLETE")
    fs_id = physical_ids(emu, stack_name)["Files"]
    expect(delete(emu, stack_name), "DELETE_COMPLETE")
    with pytest.raises(botocore.exceptions.ClientError):
        efs.describe_file_systems(FileSystemId=fs_id)
    assert stack

    bad = efs_template()
    bad["Resources"]["Files"]["Properties"]["KmsKeyId"] = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"
    expect(deploy(emu, f"{stack_name}-key", bad), "ROLLBACK_COMPLETE")
    reasons = [e.get("ResourceStatusReason", "") for e in failure_events(emu, f"{stack_name}-key")]
    assert any("The KMS key arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000 does not exist" in r for r in reasons), reasons

    invalid = efs_template(performance="turbo")
    expect(deploy(emu, f"{stack_name}-mode", invalid), "ROLLBACK_COMPLETE")
    reasons = [e.get("ResourceStatusReason", "") for e in failure_events(emu, f"{stack_name}-mode")]
    assert any("#/PerformanceMode: turbo is not a valid enum value" in r for r in reasons), reasons


def test_cloudfront_logging_is_enabled_by_a_bucket(emu, stack_name):
    from emulator.tests.test_providers_core import cdn_template

    t = cdn_template("logs", f"{stack_name}-oac")
    t["Resources"]["Logs"] = {"Type": "AWS::S3::Bucket"}
    t["Resources"]["Cdn"]["Properties"]["DistributionConfig"]["Logging"] = {
        "Bucket": {"Fn::GetAtt": ["Logs", "DomainName"]}, "Prefix": "cloudfront/"}
    expect(deploy(emu, stack_name, t), "CREATE_COMPLETE")
    cf = emu.client("cloudfront")
    logging = cf.get_distribution(Id=physical_ids(emu, stack_name)["Cdn"])["Distribution"][
        "DistributionConfig"]["Logging"]
    assert logging["Enabled"] is True and logging["Prefix"] == "cloudfront/"
    assert logging["Bucket"].endswith(".s3.amazonaws.com")
    expect(delete(emu, stack_name), "DELETE_COMPLETE")


def test_bucket_policy_conditions_that_are_not_met_do_not_apply(emu, stack_name):
    """Fix 23: the architecture's buckets deny requests without TLS and let only CloudFront
    read; neither statement applies to the deployer's own (condition-less) requests."""
    s3 = emu.client("s3")
    bucket = f"{stack_name}-b"[:63]
    s3.create_bucket(Bucket=bucket)
    arn = f"arn:aws:s3:::{bucket}"
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*",
         "Resource": [arn, f"{arn}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Sid": "CloudFront", "Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"},
         "Action": "s3:GetObject", "Resource": f"{arn}/*",
         "Condition": {"StringEquals": {"AWS:SourceArn": "arn:aws:cloudfront::123456789012:distribution/E1"}}},
    ]}))
    s3.put_object(Bucket=bucket, Key="site.css", Body=b"body{}", Metadata={"sha256": "x"})
    assert s3.head_object(Bucket=bucket, Key="site.css")["Metadata"] == {"sha256": "x"}
    assert s3.get_object(Bucket=bucket, Key="site.css")["Body"].read() == b"body{}"
    # An unconditional Deny still denies.
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": f"{arn}/*"}]}))
    with pytest.raises(botocore.exceptions.ClientError):
        s3.get_object(Bucket=bucket, Key="site.css")

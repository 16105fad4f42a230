"""Lifecycle of the RDS, Secrets Manager and ElastiCache providers."""

from __future__ import annotations

import json

import botocore.exceptions
import pytest

from emulator.tests.support import attribute_outputs, delete, deploy, expect, outputs, physical_ids, template

NETWORK = {
    "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.50.0.0/16"}},
    "SubnetA": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.50.1.0/24", "AvailabilityZone": "us-east-1a"}},
    "SubnetB": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.50.2.0/24", "AvailabilityZone": "us-east-1b"}},
    "Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": {"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:root"}}, "Action": "kms:*", "Resource": "*"}]}}},
}


# DBInstance attributes that do not apply to an available Aurora cluster member.
INSTANCE_NOT_APPLICABLE = (
    "AutomaticRestartTime", "ListenerEndpoint.Address", "ListenerEndpoint.Port",
    "ListenerEndpoint.HostedZoneId", "MasterUserSecret.SecretArn", "ResumeFullAutomationModeTime",
    "SecondaryAvailabilityZone", "StorageOperationStatus", "StorageOperationPercentProgress",
)


def database_template(database="app", retention=7, protection=False, policy="Snapshot"):
    cluster = {"Type": "AWS::RDS::DBCluster", "DeletionPolicy": policy, "UpdateReplacePolicy": policy, "Properties": {
        "Engine": "aurora-postgresql", "EngineVersion": "16.8", "DatabaseName": database,
        "MasterUsername": "dbadmin", "ManageMasterUserPassword": True,
        "MasterUserSecret": {"KmsKeyId": {"Fn::GetAtt": ["Key", "Arn"]}},
        "DBSubnetGroupName": {"Ref": "Subnets"}, "DBClusterParameterGroupName": {"Ref": "Params"},
        "StorageEncrypted": True, "KmsKeyId": {"Fn::GetAtt": ["Key", "Arn"]}, "Port": "5432",
        "BackupRetentionPeriod": retention, "DeletionProtection": protection,
        "ServerlessV2ScalingConfiguration": {"MinCapacity": 0.5, "MaxCapacity": 4}}}
    resources = {
        **NETWORK,
        "Subnets": {"Type": "AWS::RDS::DBSubnetGroup", "Properties": {
            "DBSubnetGroupDescription": "db", "SubnetIds": [{"Ref": "SubnetA"}, {"Ref": "SubnetB"}]}},
        "Params": {"Type": "AWS::RDS::DBClusterParameterGroup", "Properties": {
            "Description": "cluster params", "Family": "aurora-postgresql16",
            "Parameters": {"rds.force_ssl": 1, "log_min_duration_statement": retention * 100}}},
        "Cluster": cluster,
        "Writer": {"Type": "AWS::RDS::DBInstance", "Properties": {
            "DBClusterIdentifier": {"Ref": "Cluster"}, "DBInstanceClass": "db.serverless",
            "Engine": "aurora-postgresql", "PromotionTier": 0}},
        "Url": {"Type": "AWS::SSM::Parameter", "Properties": {"Type": "String", "Value": {
            "Fn::Sub": "postgres://${Cluster.Endpoint.Address}:${Cluster.Endpoint.Port}/" + database}}},
    }
    outs = {**attribute_outputs("AWS::RDS::DBCluster", "Cluster"),
            **attribute_outputs("AWS::RDS::DBInstance", "Writer", without=INSTANCE_NOT_APPLICABLE),
            "Url": {"Value": {"Fn::GetAtt": ["Url", "Value"]}}}
    return template(resources, outs)


def test_aurora_cluster(emu, stack_name):
    rds, sm = emu.client("rds"), emu.client("secretsmanager")
    stack = expect(deploy(emu, stack_name, database_template()), "CREATE_COMPLETE")
    ids, outs = physical_ids(emu, stack_name), outputs(stack)
    cluster_id = ids["Cluster"]
    cluster = rds.describe_db_clusters(DBClusterIdentifier=cluster_id)["DBClusters"][0]
    assert cluster["Endpoint"] == outs["ClusterEndpointAddress"] and outs["ClusterEndpointPort"] == "5432"
    assert cluster["DBClusterArn"] == outs["ClusterDBClusterArn"]
    assert cluster["ReaderEndpoint"] == outs["ClusterReadEndpointAddress"]
    assert cluster["DatabaseName"] == "app" and cluster["Engine"] == "aurora-postgresql"
    assert cluster["DBSubnetGroup"] == ids["Subnets"] and cluster["BackupRetentionPeriod"] == 7
    assert outs["Url"] == f"postgres://{cluster['Endpoint']}:5432/app"
    # The managed master secret: in Secrets Manager, the master user name and a generated password.
    secret_arn = outs["ClusterMasterUserSecretSecretArn"]
    assert cluster["MasterUserSecret"]["SecretArn"] == secret_arn
    value = json.loads(sm.get_secret_value(SecretId=secret_arn)["SecretString"])
    assert value["username"] == "dbadmin" and len(value["password"]) == 32
    assert sm.describe_secret(SecretId=secret_arn)["Name"].startswith("rds!cluster-")
    # The writer is a cluster member.
    members = cluster["DBClusterMembers"]
    assert [m["DBInstanceIdentifier"] for m in members] == [ids["Writer"]] and members[0]["IsClusterWriter"]
    assert rds.describe_db_instances(DBInstanceIdentifier=ids["Writer"])["DBInstances"][0]["DBInstanceArn"] == outs["WriterDBInstanceArn"]
    assert outs["WriterEndpointPort"] == "5432"
    params = {p["ParameterName"]: p["ParameterValue"] for p in
              rds.describe_db_cluster_parameters(DBClusterParameterGroupName=ids["Params"])["Parameters"]}
    assert params == {"rds.force_ssl": "1", "log_min_duration_statement": "700"}

    # In place: retention and parameters.
    expect(deploy(emu, stack_name, database_template(retention=14)), "UPDATE_COMPLETE")
    assert physical_ids(emu, stack_name)["Cluster"] == cluster_id
    assert rds.describe_db_clusters(DBClusterIdentifier=cluster_id)["DBClusters"][0]["BackupRetentionPeriod"] == 14
    params = {p["ParameterName"]: p["ParameterValue"] for p in
              rds.describe_db_cluster_parameters(DBClusterParameterGroupName=ids["Params"])["Parameters"]}
    assert params["log_min_duration_statement"] == "1400"

    # DatabaseName is createOnly: a new cluster; the old one is snapshotted (UpdateReplacePolicy
    # Snapshot), deleted with its secret. The writer's DBClusterIdentifier changed: a new writer.
    stack = expect(deploy(emu, stack_name, database_template(database="other", retention=14)), "UPDATE_COMPLETE")
    new_ids = physical_ids(emu, stack_name)
    assert new_ids["Cluster"] != cluster_id and new_ids["Writer"] != ids["Writer"]
    clusters = [c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"]]
    assert new_ids["Cluster"] in clusters and cluster_id not in clusters
    snapshots = rds.describe_db_cluster_snapshots(DBClusterIdentifier=cluster_id, SnapshotType="manual")["DBClusterSnapshots"]
    assert len(snapshots) == 1
    with pytest.raises(botocore.exceptions.ClientError):
        sm.describe_secret(SecretId=secret_arn)
    assert outputs(stack)["Url"].endswith("/other")

    # Deletion: the writer, then the cluster (a final snapshot), the parameter group.
    expect(delete(emu, stack_name), "DELETE_COMPLETE")
    assert new_ids["Cluster"] not in [c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"]]
    assert len(rds.describe_db_cluster_snapshots(DBClusterIdentifier=new_ids["Cluster"], SnapshotType="manual")["DBClusterSnapshots"]) == 1
    assert ids["Params"] not in [g["DBClusterParameterGroupName"] for g in rds.describe_db_cluster_parameter_groups()["DBClusterParameterGroups"]]


def test_deletion_protection_fails_the_delete_and_retain_keeps(emu, stack_name):
    rds = emu.client("rds")
    expect(deploy(emu, stack_name, database_template(protection=True, policy="Retain")), "CREATE_COMPLETE")
    cluster_id = physical_ids(emu, stack_name)["Cluster"]
    # Retain: the stack goes, the cluster stays (protection or not: CloudFormation does not touch it).
    expect(delete(emu, stack_name), "DELETE_COMPLETE")
    assert rds.describe_db_clusters(DBClusterIdentifier=cluster_id)["DBClusters"][0]["DeletionProtection"]


def test_deletion_protection_fails_a_delete(emu, stack_name):
    rds = emu.client("rds")
    expect(deploy(emu, stack_name, database_template(protection=True, policy="Delete")), "CREATE_COMPLETE")
    cluster_id = physical_ids(emu, stack_name)["Cluster"]
    stack = delete(emu, stack_name)
    expect(stack, "DELETE_FAILED")
    assert "Cannot delete protected Cluster" in stack["StackStatusReason"]
    assert "(LogicalId: Cluster)" in stack["StackStatusReason"]
    rds.modify_db_cluster(DBClusterIdentifier=cluster_id, DeletionProtection=False, ApplyImmediately=True)
    expect(delete(emu, stack_name), "DELETE_COMPLETE")
    assert cluster_id not in [c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"]]


def secrets_template(name=None, description="v1", length=24):
    secret = {"Description": description, "GenerateSecretString": {
        "SecretStringTemplate": json.dumps({"username": "app"}), "GenerateStringKey": "password",
        "PasswordLength": length, "ExcludeCharacters": "\"@/\\"}}
    if name:
        secret["Name"] = name
    resources = {
        **NETWORK,
        "Subnets": {"Type": "AWS::RDS::DBSubnetGroup", "Properties": {
            "DBSubnetGroupDescription": "db", "SubnetIds": [{"Ref": "SubnetA"}, {"Ref": "SubnetB"}]}},
        "Cluster": {"Type": "AWS::RDS::DBCluster", "DeletionPolicy": "Delete", "Properties": {
            "Engine": "aurora-postgresql", "MasterUsername": "dbadmin", "ManageMasterUserPassword": True,
            "DBSubnetGroupName": {"Ref": "Subnets"}}},
        "Secret": {"Type": "AWS::SecretsManager::Secret", "Properties": secret},
        "Attachment": {"Type": "AWS::SecretsManager::SecretTargetAttachment", "Properties": {
            "SecretId": {"Ref": "Secret"}, "TargetId": {"Ref": "Cluster"}, "TargetType": "AWS::RDS::DBCluster"}},
        "Rotation": {"Type": "AWS::SecretsManager::RotationSchedule", "Properties": {
            "SecretId": {"Fn::GetAtt": ["Cluster", "MasterUserSecret.SecretArn"]},
            "RotationRules": {"AutomaticallyAfterDays": 30}}},
    }
    return template(resources, {**attribute_outputs("AWS::SecretsManager::Secret", "Secret"),
                                **attribute_outputs("AWS::SecretsManager::SecretTargetAttachment", "Attachment"),
                                **attribute_outputs("AWS::SecretsManager::RotationSchedule", "Rotation")})


def test_secrets(emu, stack_name):
    sm, rds = emu.client("secretsmanager"), emu.client("rds")
    stack = expect(deploy(emu, stack_name, secrets_template()), "CREATE_COMPLETE")
    ids, outs = physical_ids(emu, stack_name), outputs(stack)
    arn = ids["Secret"]
    assert outs["SecretId"] == arn and outs["AttachmentId"] == arn
    described = sm.describe_secret(SecretId=arn)
    assert described["Name"].startswith("Secret-") and described["Description"] == "v1"
    value = json.loads(sm.get_secret_value(SecretId=arn)["SecretString"])
    assert value["username"] == "app" and len(value["password"]) == 24
    assert not set(value["password"]) & set("\"@/\\")
    # The attachment added the cluster's connection details.
    cluster = rds.describe_db_clusters(DBClusterIdentifier=ids["Cluster"])["DBClusters"][0]
    assert value["host"] == cluster["Endpoint"] and value["port"] == cluster["Port"]
    assert value["dbClusterIdentifier"] == ids["Cluster"]
    # Rotation of the RDS-managed secret (no Lambda needed).
    rotated = sm.describe_secret(SecretId=outs["RotationId"])
    assert rotated["RotationEnabled"] and rotated["RotationRules"]["AutomaticallyAfterDays"] == 30

    expect(deploy(emu, stack_name, secrets_template(description="v2")), "UPDATE_COMPLETE")
    assert physical_ids(emu, stack_name)["Secret"] == arn
    assert sm.describe_secret(SecretId=arn)["Description"] == "v2"

    # A new value: in place, a new version.
    expect(deploy(emu, stack_name, secrets_template(description="v2", length=40)), "UPDATE_COMPLETE")
    assert len(json.loads(sm.get_secret_value(SecretId=arn)["SecretString"])["password"]) == 40

    expect(deploy(emu, stack_name, secrets_template(name=f"{stack_name}-named", description="v2")), "UPDATE_COMPLETE")
    new = physical_ids(emu, stack_name)["Secret"]
    assert new != arn and sm.describe_secret(SecretId=new)["Name"] == f"{stack_name}-named"
    with pytest.raises(botocore.exceptions.ClientError):
        sm.describe_secret(SecretId=arn)

    expect(delete(emu, stack_name), "DELETE_COMPLETE")
    with pytest.raises(botocore.exceptions.ClientError):
        sm.describe_secret(SecretId=new)


def test_rotation_without_a_function_fails(emu, stack_name):
    stack = deploy(emu, stack_name, template({
        "Secret": {"Type": "AWS::SecretsManager::Secret", "Properties": {"SecretString": "x"}},
        "Rotation": {"Type": "AWS::SecretsManager::RotationSchedule", "Properties": {
            "SecretId": {"Ref": "Secret"}, "RotationRules": {"AutomaticallyAfterDays": 30}}}}))
    expect(stack, "ROLLBACK_COMPLETE")
    assert "needs RotationLambdaARN or HostedRotationLambda" in stack["StackStatusReason"]


def cache_template(node_type="cache.t3.micro", group_id=None):
    group = {"ReplicationGroupDescription": "sessions", "Engine": "redis", "CacheNodeType": node_type,
             "NumCacheClusters": 2, "CacheSubnetGroupName": {"Ref": "CacheSubnets"},
             "AtRestEncryptionEnabled": True, "TransitEncryptionEnabled": True}
    if group_id:
        group["ReplicationGroupId"] = group_id
    return template({
        **NETWORK,
        "CacheSubnets": {"Type": "AWS::ElastiCache::SubnetGroup", "Properties": {
            "Description": "cache", "SubnetIds": [{"Ref": "SubnetA"}, {"Ref": "SubnetB"}]}},
        "Sessions": {"Type": "AWS::ElastiCache::ReplicationGroup", "Properties": group},
        "Memcached": {"Type": "AWS::ElastiCache::CacheCluster", "Properties": {
            "Engine": "memcached", "CacheNodeType": node_type, "NumCacheNodes": 1,
            "CacheSubnetGroupName": {"Ref": "CacheSubnets"}}},
    }, {**attribute_outputs("AWS::ElastiCache::ReplicationGroup", "Sessions"),
        **attribute_outputs("AWS::ElastiCache::CacheCluster", "Memcached")})


def test_elasticache(emu, stack_name):
    ec = emu.client("elasticache")
    stack = expect(deploy(emu, stack_name, cache_template()), "CREATE_COMPLETE")
    ids, outs = physical_ids(emu, stack_name), outputs(stack)
    groups = ec.describe_cache_subnet_groups(CacheSubnetGroupName=ids["CacheSubnets"])["CacheSubnetGroups"]
    assert {s["SubnetIdentifier"] for s in groups[0]["Subnets"]} == {ids["SubnetA"], ids["SubnetB"]}
    group = ec.describe_replication_groups(ReplicationGroupId=ids["Sessions"])["ReplicationGroups"][0]
    assert group["Description"] == "sessions" and group["CacheNodeType"] == "cache.t3.micro"
    assert outs["SessionsPrimaryEndPointPort"] == "6379" and outs["SessionsPrimaryEndPointAddress"].startswith("master.")
    cluster = ec.describe_cache_clusters(CacheClusterId=ids["Memcached"])["CacheClusters"][0]
    assert cluster["Engine"] == "memcached" and outs["MemcachedConfigurationEndpointPort"] == "11211"

    expect(deploy(emu, stack_name, cache_template(node_type="cache.t3.small")), "UPDATE_COMPLETE")
    assert physical_ids(emu, stack_name) == ids
    assert ec.describe_replication_groups(ReplicationGroupId=ids["Sessions"])["ReplicationGroups"][0]["CacheNodeType"] == "cache.t3.small"

    expect(deploy(emu, stack_name, cache_template(node_type="cache.t3.small", group_id=f"{stack_name[:30]}-rg")), "UPDATE_COMPLETE")
    new = physical_ids(emu, stack_name)["Sessions"]
    assert new == f"{stack_name[:30]}-rg".lower()
    assert ids["Sessions"] not in [g["ReplicationGroupId"] for g in ec.describe_replication_groups()["ReplicationGroups"]]

    expect(delete(emu, stack_name), "DELETE_COMPLETE")
    assert new not in [g["ReplicationGroupId"] for g in ec.describe_replication_groups()["ReplicationGroups"]]
    assert ids["Memcached"] not in [c["CacheClusterId"] for c in ec.describe_cache_clusters()["CacheClusters"]]

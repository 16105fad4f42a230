"""AWS::RDS::DBCluster, AWS::RDS::DBInstance and AWS::RDS::DBClusterParameterGroup through
moto's RDS backend (`describe-db-clusters`, `describe-db-instances`,
`describe-db-cluster-parameter-groups` see them).

moto 5.2.5 has no CloudFormation model for clusters or cluster parameter groups, and its
DBInstance model cannot join a cluster (it drops DBClusterIdentifier and breaks on a Ref'd
DBSubnetGroupName), so all three are project providers.

`ManageMasterUserPassword` makes RDS create the managed secret in Secrets Manager
(`rds!cluster-<uuid>`, `{"username": <MasterUsername>, "password": <generated>}`, encrypted with
`MasterUserSecret.KmsKeyId`), exposed as `MasterUserSecret.SecretArn`; deleting the cluster
deletes the secret, as RDS does. DeletionPolicy/UpdateReplacePolicy Snapshot take a final
cluster (or instance) snapshot, then delete; DeletionProtection makes the delete fail
(`Cannot delete protected Cluster ...`), so the stack ends DELETE_FAILED as on AWS.
"""

from __future__ import annotations

import json
import re
import secrets
import string

from moto.rds import models as rds_models
from moto.rds.models import rds_backends

from .base import Provider, provider, random_id, tags_list


def _managed_secret_string(self) -> str:
    # Stock moto: {"username": "admin", "password": "P@55w0rd!"} for every resource.
    alphabet = string.ascii_letters + string.digits + "!#$%&()*+,-.:;<=>?[]^_{|}~"
    password = "".join(secrets.choice(alphabet) for _ in range(32))
    username = getattr(self.resource, "master_username", None) or "admin"
    return json.dumps({"username": username, "password": password})


rds_models.MasterUserSecret._generate_secret_string = _managed_secret_string

_SNAKE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake(name: str) -> str:
    """`DBClusterIdentifier` -> `db_cluster_identifier` (moto's keyword spelling)."""
    return _SNAKE.sub("_", name).lower()


def _error(err: Exception) -> str:
    return getattr(err, "message", None) or getattr(err, "description", None) or str(err)


def _snapshot_name(resource: Provider, kind: str) -> str:
    base = f"{resource.ctx.stack_name}-{resource.ctx.logical_id}".lower()
    base = re.sub(r"[^a-z0-9-]", "-", base)
    return f"{base[:40].strip('-')}-{kind}-{random_id(12).lower()}"


def identifier(resource: Provider, prop: str) -> str:
    """The DB identifier: the property (lower-cased, as RDS stores it) or CloudFormation's
    generated lower-case name, at most 63 characters, starting with a letter."""
    value = resource.props.get(prop)
    if value:
        return str(value).lower()
    name = re.sub(r"[^a-z0-9-]", "-", resource.name(63, lower=True))
    name = re.sub(r"-+", "-", name)
    return name if name[0].isalpha() else f"a{name[:62]}"


@provider
class DBCluster(Provider):
    TYPE = "AWS::RDS::DBCluster"
    SUPPORTS_SNAPSHOT = True

    # Properties moto keeps under another name, or that are the provider's business.
    _SPECIAL = {
        "DBClusterIdentifier", "MasterUserSecret", "Tags", "DBClusterParameterGroupName",
        "DeleteAutomatedBackups", "SnapshotIdentifier", "SourceDBClusterIdentifier",
    }

    @property
    def backend(self):
        return rds_backends[self.ctx.account_id][self.ctx.region]

    def _kwargs(self):
        p = self.props
        kwargs = {snake(k): v for k, v in p.items() if k not in self._SPECIAL}
        kwargs["db_cluster_identifier"] = self.cluster_id
        kwargs["tags"] = tags_list(p)
        if p.get("DBClusterParameterGroupName"):
            group = str(p["DBClusterParameterGroupName"]).lower()
            if group not in self.backend.db_cluster_parameter_groups and not group.startswith("default."):
                raise self.fail(f"DBClusterParameterGroup not found: {group}")
            kwargs["db_cluster_parameter_group_name"] = group
        if p.get("DBSubnetGroupName"):
            group = str(p["DBSubnetGroupName"]).lower()
            if group not in self.backend.subnet_groups and group != "default":
                raise self.fail(f"DBSubnetGroup '{group}' not found")
            kwargs["db_subnet_group_name"] = group
        secret = p.get("MasterUserSecret") or {}
        if secret.get("KmsKeyId"):
            kwargs["master_user_secret_kms_key_id"] = secret["KmsKeyId"]
        if kwargs.get("serverless_v2_scaling_configuration"):
            kwargs["serverless_v2_scaling_configuration"] = dict(p["ServerlessV2ScalingConfiguration"])
        return kwargs

    def create(self):
        p = self.props
        if p.get("SnapshotIdentifier") or p.get("SourceDBClusterIdentifier"):
            raise self.fail("restoring a cluster from a snapshot or a source cluster is not emulated")
        if p.get("ManageMasterUserPassword") and p.get("MasterUserPassword"):
            raise self.fail("ManageMasterUserPassword and MasterUserPassword cannot both be set")
        self.cluster_id = identifier(self, "DBClusterIdentifier")
        if self.cluster_id in self.backend.clusters:
            raise self.fail(f"DB Cluster already exists: {self.cluster_id}")
        try:
            cluster = self.backend.create_db_cluster(self._kwargs())
        except Exception as err:
            raise self.fail(_error(err)) from err
        cluster.status = "available"
        self.physical_id = self.cluster_id
        self._refresh_attrs()

    def _refresh_attrs(self):
        cluster = self.backend.clusters[self.cluster_id]
        port = str(cluster.port)
        self.attrs = {
            "DBClusterArn": cluster.db_cluster_arn,
            "DBClusterResourceId": cluster.db_cluster_resource_id,
            "Endpoint": {"Address": cluster.endpoint, "Port": port},
            "Endpoint.Address": cluster.endpoint,
            "Endpoint.Port": port,
            "ReadEndpoint": {"Address": cluster.reader_endpoint},
            "ReadEndpoint.Address": cluster.reader_endpoint,
            "StorageEncryptionType": "sse-kms" if cluster.storage_encrypted else "none",
            "StorageThroughput": 0,
        }
        if getattr(cluster, "manage_master_user_password", False):
            self.attrs["MasterUserSecret.SecretArn"] = cluster.master_user_secret.secret_arn

    def update(self, old_props):
        cluster = self.backend.clusters[self.cluster_id]
        new, old = self.props, old_props
        if bool(new.get("ManageMasterUserPassword")) != bool(old.get("ManageMasterUserPassword")):
            self.backend.modify_db_cluster({
                "db_cluster_identifier": self.cluster_id,
                "manage_master_user_password": bool(new.get("ManageMasterUserPassword")),
                "master_user_secret_kms_key_id": (new.get("MasterUserSecret") or {}).get("KmsKeyId"),
            })
            cluster = self.backend.clusters[self.cluster_id]
        kwargs = self._kwargs()
        for key in set(old) | set(new):
            if key in self._SPECIAL or key == "ManageMasterUserPassword" or new.get(key) == old.get(key):
                continue
            attr = snake(key)
            value = kwargs.get(attr)
            if attr == "enable_cloudwatch_logs_exports":
                cluster.enabled_cloudwatch_logs_exports = list(value or [])
            elif attr == "db_cluster_parameter_group_name":
                cluster.parameter_group = value
            elif attr == "master_user_password" and value:
                cluster.master_user_password = value
            elif value is not None:
                setattr(cluster, attr, value)
        if new.get("DBClusterParameterGroupName") != old.get("DBClusterParameterGroupName"):
            cluster.parameter_group = kwargs.get("db_cluster_parameter_group_name") or "default.aurora8.0"
        if tags_list(new) != tags_list(old):
            cluster.tags = tags_list(new)
        self._refresh_attrs()

    def delete_resource(self):
        if self.cluster_id not in self.backend.clusters:
            return
        snapshot = _snapshot_name(self, "snapshot") if self.final_snapshot else None
        try:
            self.backend.delete_db_cluster(self.cluster_id, snapshot)
        except Exception as err:
            raise self.fail(_error(err)) from err


@provider
class DBInstance(Provider):
    """A DB instance: standalone, or a member of a cluster (DBClusterIdentifier), the writer being
    the member with the lowest PromotionTier."""

    TYPE = "AWS::RDS::DBInstance"
    SUPPORTS_SNAPSHOT = True

    @property
    def backend(self):
        return rds_backends[self.ctx.account_id][self.ctx.region]

    def create(self):
        p = self.props
        self.instance_id = identifier(self, "DBInstanceIdentifier")
        cluster_id = str(p["DBClusterIdentifier"]).lower() if p.get("DBClusterIdentifier") else None
        if cluster_id and cluster_id not in self.backend.clusters:
            raise self.fail(f"DBCluster {cluster_id} not found")
        if p.get("SourceDBInstanceIdentifier") or p.get("DBSnapshotIdentifier"):
            raise self.fail("read replicas and restores from a snapshot are not emulated")
        kwargs = {
            "db_instance_identifier": self.instance_id,
            "db_instance_class": p.get("DBInstanceClass"),
            "engine": p.get("Engine"),
            "engine_version": p.get("EngineVersion"),
            "availability_zone": p.get("AvailabilityZone"),
            "auto_minor_version_upgrade": p.get("AutoMinorVersionUpgrade", True),
            "publicly_accessible": p.get("PubliclyAccessible", False),
            "tags": tags_list(p),
            "enable_performance_insights": p.get("EnablePerformanceInsights"),
            "performance_insights_kms_key_id": p.get("PerformanceInsightsKMSKeyId"),
            "performance_insights_retention_period": p.get("PerformanceInsightsRetentionPeriod"),
            "monitoring_interval": p.get("MonitoringInterval"),
            "monitoring_role_arn": p.get("MonitoringRoleArn"),
            "copy_tags_to_snapshot": p.get("CopyTagsToSnapshot"),
            "deletion_protection": p.get("DeletionProtection", False),
        }
        if cluster_id:
            cluster = self.backend.clusters[cluster_id]
            kwargs.update(db_cluster_identifier=cluster_id,
                          promotion_tier=p.get("PromotionTier", 1),
                          engine=p.get("Engine") or cluster.engine)
        else:
            subnet_group = p.get("DBSubnetGroupName")
            if subnet_group and str(subnet_group).lower() not in self.backend.subnet_groups:
                raise self.fail(f"DBSubnetGroup '{subnet_group}' not found")
            kwargs.update(
                allocated_storage=p.get("AllocatedStorage"),
                master_username=p.get("MasterUsername"),
                master_user_password=p.get("MasterUserPassword"),
                manage_master_user_password=p.get("ManageMasterUserPassword"),
                master_user_secret_kms_key_id=(p.get("MasterUserSecret") or {}).get("KmsKeyId"),
                db_name=p.get("DBName"),
                port=p.get("Port"),
                multi_az=p.get("MultiAZ"),
                storage_type=p.get("StorageType"),
                storage_encrypted=p.get("StorageEncrypted"),
                kms_key_id=p.get("KmsKeyId"),
                db_subnet_group_name=str(subnet_group).lower() if subnet_group else None,
                vpc_security_group_ids=p.get("VPCSecurityGroups") or [],
                backup_retention_period=p.get("BackupRetentionPeriod"),
                db_parameter_group_name=p.get("DBParameterGroupName"),
            )
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        try:
            db = self.backend.create_db_instance(kwargs)
        except Exception as err:
            raise self.fail(_error(err)) from err
        db.status = "available"
        self.physical_id = self.instance_id
        self._refresh_attrs()

    def _refresh_attrs(self):
        db = self.backend.databases[self.instance_id]
        port = str(db.port) if db.port is not None else ""
        zone = "Z2R2ITUGPM61AM"
        self.attrs = {
            "DBInstanceArn": db.db_instance_arn,
            "DbiResourceId": db.dbi_resource_id,
            "DBInstanceStatus": db.status,
            "Endpoint": {"Address": db.address, "Port": port, "HostedZoneId": zone},
            "Endpoint.Address": db.address,
            "Endpoint.Port": port,
            "Endpoint.HostedZoneId": zone,
            "InstanceCreateTime": str(db.instance_create_time),
            "LatestRestorableTime": str(db.instance_create_time),
            "CertificateDetails": {"CAIdentifier": "rds-ca-rsa2048-g1", "ValidTill": ""},
            "CertificateDetails.CAIdentifier": "rds-ca-rsa2048-g1",
            "CertificateDetails.ValidTill": "",
            "ReadReplicaDBInstanceIdentifiers": list(getattr(db, "read_replicas", []) or []),
            "ReadReplicaDBClusterIdentifiers": [],
            "PercentProgress": "100",
            # Not set, as on AWS where they do not apply: AutomaticRestartTime (a stopped
            # instance), ListenerEndpoint (SQL Server Multi-AZ), ResumeFullAutomationModeTime
            # (RDS Custom), SecondaryAvailabilityZone (Multi-AZ instances), StorageOperation*
            # (a storage change in progress): Fn::GetAtt of them fails the stack.
            "IsStorageConfigUpgradeAvailable": False,
        }
        if getattr(db, "manage_master_user_password", False):
            self.attrs["MasterUserSecret.SecretArn"] = db.master_user_secret.secret_arn

    def update(self, old_props):
        db = self.backend.databases[self.instance_id]
        new = self.props
        simple = {
            "DBInstanceClass": "db_instance_class", "AutoMinorVersionUpgrade": "auto_minor_version_upgrade",
            "PromotionTier": "promotion_tier", "PubliclyAccessible": "publicly_accessible",
            "MonitoringInterval": "monitoring_interval", "MonitoringRoleArn": "monitoring_role_arn",
            "EnablePerformanceInsights": "enable_performance_insights",
            "PerformanceInsightsRetentionPeriod": "performance_insights_retention_period",
            "DeletionProtection": "deletion_protection", "EngineVersion": "engine_version",
        }
        for key, attr in simple.items():
            if new.get(key) != old_props.get(key) and new.get(key) is not None:
                setattr(db, attr, new[key])
        if tags_list(new) != tags_list(old_props):
            db.tags = tags_list(new)
        self._refresh_attrs()

    def delete_resource(self):
        db = self.backend.databases.get(self.instance_id)
        if db is None:
            return
        # A cluster member has no snapshot of its own (the cluster's snapshot holds the data).
        snapshot = None
        if self.final_snapshot and not getattr(db, "db_cluster_identifier", None):
            snapshot = _snapshot_name(self, "snapshot")
        try:
            self.backend.delete_db_instance(self.instance_id, snapshot, skip_final_snapshot=snapshot is None)
        except Exception as err:
            raise self.fail(_error(err)) from err
        # moto marks the instance "deleting" but it is gone from the backend already.


@provider
class DBClusterParameterGroup(Provider):
    """A cluster parameter group with its parameters (`describe-db-cluster-parameters`)."""

    TYPE = "AWS::RDS::DBClusterParameterGroup"
    NAME_PROPERTY = "DBClusterParameterGroupName"

    @property
    def backend(self):
        return rds_backends[self.ctx.account_id][self.ctx.region]

    def create(self):
        self.group_name = identifier(self, "DBClusterParameterGroupName")
        try:
            group = self.backend.create_db_cluster_parameter_group(
                db_cluster_parameter_group_name=self.group_name,
                db_parameter_group_family=self.props["Family"],
                description=self.props["Description"],
                tags=tags_list(self.props),
            )
        except Exception as err:
            raise self.fail(_error(err)) from err
        self._apply(group)
        self.physical_id = self.group_name

    def _apply(self, group):
        group.parameters.clear()
        for key, value in (self.props.get("Parameters") or {}).items():
            group.parameters[key] = {"ParameterValue": str(value), "ApplyMethod": "pending-reboot"}

    def update(self, old_props):
        group = self.backend.db_cluster_parameter_groups[self.group_name]
        self._apply(group)
        group.tags = tags_list(self.props)

    def delete_resource(self):
        if self.group_name in self.backend.db_cluster_parameter_groups:
            self.backend.delete_db_cluster_parameter_group(self.group_name)

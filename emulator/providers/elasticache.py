"""AWS::ElastiCache::SubnetGroup, ReplicationGroup and CacheCluster through moto's ElastiCache
backend (`describe-cache-subnet-groups`, `describe-replication-groups`,
`describe-cache-clusters`). Names are lower-cased as ElastiCache stores them (at most 40
characters when CloudFormation generates them). Endpoints follow AWS's shapes
(`<id>.<random>.ng.0001.<region-short>.cache.amazonaws.com`, ports as strings)."""

from __future__ import annotations

import inspect
import re

from moto.ec2.models import ec2_backends
from moto.elasticache.models import ElastiCacheBackend, elasticache_backends

from .base import Provider, provider, random_id, tags_list

_CLUSTER_ARGS = list(inspect.signature(ElastiCacheBackend.create_cache_cluster).parameters)[1:]
_GROUP_ARGS = list(inspect.signature(ElastiCacheBackend.create_replication_group).parameters)[1:]


def _backend(resource: Provider):
    return elasticache_backends[resource.ctx.account_id][resource.ctx.region]


def _error(err: Exception) -> str:
    return getattr(err, "message", None) or str(err)


def _name(resource: Provider, prop: str, max_len: int) -> str:
    value = resource.props.get(prop)
    if value:
        return str(value).lower()
    name = re.sub(r"[^a-z0-9-]", "-", resource.name(max_len, lower=True))
    name = re.sub(r"-+", "-", name).strip("-")
    return name if name[:1].isalpha() else f"a{name[: max_len - 1]}"


def _host(ident: str, region: str, kind: str) -> str:
    short = region.replace("-", "")[:4] + region.rsplit("-", 1)[-1]
    return f"{ident}.{random_id(6).lower()}.{kind}.{short}.cache.amazonaws.com"


def _default_port(engine: str) -> int:
    return 11211 if engine == "memcached" else 6379


@provider
class SubnetGroup(Provider):
    TYPE = "AWS::ElastiCache::SubnetGroup"
    NAME_PROPERTY = "CacheSubnetGroupName"

    def _check(self):
        ec2 = ec2_backends[self.ctx.account_id][self.ctx.region]
        known = {s.id for s in ec2.describe_subnets()}
        for subnet in self.props["SubnetIds"]:
            if subnet not in known:
                raise self.fail(f"The subnet ID {subnet} does not exist")

    def create(self):
        self._check()
        self.group_name = _name(self, "CacheSubnetGroupName", 255)
        try:
            _backend(self).create_cache_subnet_group(
                self.group_name, self.props["Description"], list(self.props["SubnetIds"]),
                tags_list(self.props) or None,
            )
        except Exception as err:
            raise self.fail(_error(err)) from err
        self.physical_id = self.group_name

    def update(self, old_props):
        self._check()
        group = _backend(self).cache_subnet_groups[self.group_name]
        group.cache_subnet_group_description = self.props["Description"]
        group.subnet_ids = list(self.props["SubnetIds"])

    def delete_resource(self):
        _backend(self).cache_subnet_groups.pop(self.group_name, None)


class _Cache(Provider):
    def _subnet_group(self):
        group = self.props.get("CacheSubnetGroupName")
        if group and str(group).lower() not in _backend(self).cache_subnet_groups:
            raise self.fail(f"CacheSubnetGroup {group} not found")
        return str(group).lower() if group else None


@provider
class ReplicationGroup(_Cache):
    TYPE = "AWS::ElastiCache::ReplicationGroup"
    SUPPORTS_SNAPSHOT = True

    def create(self):
        p = self.props
        self.group_id = _name(self, "ReplicationGroupId", 40)
        engine = p.get("Engine", "redis")
        kwargs = {a: None for a in _GROUP_ARGS}
        kwargs.update(
            replication_group_id=self.group_id,
            replication_group_description=p["ReplicationGroupDescription"],
            automatic_failover_enabled=p.get("AutomaticFailoverEnabled", False),
            multi_az_enabled=p.get("MultiAZEnabled", False),
            num_cache_clusters=p.get("NumCacheClusters", 1),
            num_node_groups=p.get("NumNodeGroups", 1),
            replicas_per_node_group=p.get("ReplicasPerNodeGroup"),
            cache_node_type=p.get("CacheNodeType"),
            engine=engine, engine_version=p.get("EngineVersion"),
            cache_parameter_group_name=p.get("CacheParameterGroupName"),
            cache_subnet_group_name=self._subnet_group(),
            cache_security_group_names=p.get("CacheSecurityGroupNames") or [],
            security_group_ids=p.get("SecurityGroupIds") or [],
            preferred_cache_cluster_azs=p.get("PreferredCacheClusterAZs") or [],
            node_group_configuration=p.get("NodeGroupConfiguration") or [],
            tags=tags_list(p), port=p.get("Port", _default_port(engine)),
            at_rest_encryption_enabled=p.get("AtRestEncryptionEnabled", False),
            transit_encryption_enabled=p.get("TransitEncryptionEnabled", False),
            kms_key_id=p.get("KmsKeyId"), auth_token=p.get("AuthToken"),
            snapshot_retention_limit=p.get("SnapshotRetentionLimit", 0),
            snapshot_window=p.get("SnapshotWindow"),
            preferred_maintenance_window=p.get("PreferredMaintenanceWindow"),
            auto_minor_version_upgrade=p.get("AutoMinorVersionUpgrade", True),
            user_group_ids=p.get("UserGroupIds") or [], log_delivery_configurations=p.get("LogDeliveryConfigurations") or [],
            data_tiering_enabled=p.get("DataTieringEnabled", False),
            network_type=p.get("NetworkType"), ip_discovery=p.get("IpDiscovery"),
            transit_encryption_mode=p.get("TransitEncryptionMode"),
            cluster_mode=p.get("ClusterMode"),
            snapshot_arns=p.get("SnapshotArns") or [], snapshot_name=p.get("SnapshotName"),
            notification_topic_arn=p.get("NotificationTopicArn"),
            global_replication_group_id=p.get("GlobalReplicationGroupId"),
            primary_cluster_id=p.get("PrimaryClusterId"),
        )
        try:
            group = _backend(self).create_replication_group(**kwargs)
        except Exception as err:
            raise self.fail(_error(err)) from err
        group.status = "available"
        self.physical_id = self.group_id
        port = str(kwargs["port"])
        primary, reader = _host(f"master.{self.group_id}", self.ctx.region, "ng"), _host(f"replica.{self.group_id}", self.ctx.region, "ng")
        config = _host(f"clustercfg.{self.group_id}", self.ctx.region, "cfg")
        self.attrs = {
            "PrimaryEndPoint.Address": primary, "PrimaryEndPoint.Port": port,
            "ReaderEndPoint.Address": reader, "ReaderEndPoint.Port": port,
            "ReadEndPoint.Addresses": reader, "ReadEndPoint.Ports": port,
            "ReadEndPoint.AddressesList": [reader], "ReadEndPoint.PortsList": [port],
            "ConfigurationEndPoint.Address": config, "ConfigurationEndPoint.Port": port,
            "EffectiveDurability": "Standard",
        }
        for key in ("PrimaryEndPoint", "ReaderEndPoint", "ReadEndPoint", "ConfigurationEndPoint"):
            self.attrs[key] = {k.split(".", 1)[1]: v for k, v in self.attrs.items() if k.startswith(key + ".")}

    def update(self, old_props):
        group = _backend(self).replication_groups[self.group_id]
        p = self.props
        group.description = p["ReplicationGroupDescription"]
        for attr, key in (("cache_node_type", "CacheNodeType"), ("engine_version", "EngineVersion"),
                          ("snapshot_retention_limit", "SnapshotRetentionLimit"),
                          ("snapshot_window", "SnapshotWindow"),
                          ("preferred_maintenance_window", "PreferredMaintenanceWindow"),
                          ("security_group_ids", "SecurityGroupIds")):
            if p.get(key) is not None:
                setattr(group, attr, p[key])
        group.tags = tags_list(p)

    def _final_snapshot(self, backend):
        try:
            backend.create_snapshot(snapshot_name=f"{self.group_id}-final-{random_id(8).lower()}",
                                    replication_group_id=self.group_id, cache_cluster_id=None,
                                    kms_key_id=None, tags=[])
        except Exception as err:
            raise self.fail(f"the final snapshot failed: {_error(err)}") from err

    def delete_resource(self):
        backend = _backend(self)
        if self.group_id in backend.replication_groups:
            if self.final_snapshot:
                self._final_snapshot(backend)
            backend.delete_replication_group(self.group_id, retain_primary_cluster=False)
            backend.replication_groups.pop(self.group_id, None)


@provider
class CacheCluster(_Cache):
    TYPE = "AWS::ElastiCache::CacheCluster"
    NAME_PROPERTY = "ClusterName"

    def create(self):
        p = self.props
        self.cluster_id = _name(self, "ClusterName", 40)
        engine = p["Engine"]
        if engine not in ("redis", "memcached", "valkey"):
            raise self.fail(f"Invalid Engine {engine}: redis, valkey or memcached")
        port = p.get("Port", _default_port(engine))
        kwargs = {a: None for a in _CLUSTER_ARGS}
        kwargs.update(
            cache_cluster_id=self.cluster_id, az_mode=p.get("AZMode", "single-az"),
            preferred_availability_zone=p.get("PreferredAvailabilityZone"),
            preferred_availability_zones=p.get("PreferredAvailabilityZones") or [],
            num_cache_nodes=p["NumCacheNodes"], cache_node_type=p["CacheNodeType"],
            engine=engine, engine_version=p.get("EngineVersion"),
            cache_parameter_group_name=p.get("CacheParameterGroupName"),
            cache_subnet_group_name=self._subnet_group(),
            transit_encryption_enabled=p.get("TransitEncryptionEnabled", False),
            network_type=p.get("NetworkType"), ip_discovery=p.get("IpDiscovery"),
            snapshot_name=p.get("SnapshotName"), snapshot_arns=p.get("SnapshotArns") or [],
            preferred_maintenance_window=p.get("PreferredMaintenanceWindow"), port=port,
            notification_topic_arn=p.get("NotificationTopicArn"),
            auto_minor_version_upgrade=p.get("AutoMinorVersionUpgrade", True),
            snapshot_retention_limit=p.get("SnapshotRetentionLimit", 0),
            snapshot_window=p.get("SnapshotWindow"), outpost_mode=None,
            cache_security_group_names=p.get("CacheSecurityGroupNames") or [],
            security_group_ids=p.get("VpcSecurityGroupIds") or [], tags=tags_list(p),
            log_delivery_configurations=p.get("LogDeliveryConfigurations") or [],
            cache_node_ids_to_remove=[], cache_node_ids_to_reboot=[], preferred_outpost_arns=[],
        )
        try:
            cluster = _backend(self).create_cache_cluster(**kwargs)
        except Exception as err:
            raise self.fail(_error(err)) from err
        cluster.cache_cluster_status = "available"
        self.physical_id = self.cluster_id
        host = _host(self.cluster_id, self.ctx.region, "cfg" if engine == "memcached" else "0001")
        self.attrs = {"ConfigurationEndpoint.Address": host if engine == "memcached" else "",
                      "ConfigurationEndpoint.Port": str(port) if engine == "memcached" else "",
                      "RedisEndpoint.Address": host if engine != "memcached" else "",
                      "RedisEndpoint.Port": str(port) if engine != "memcached" else ""}
        for key in ("ConfigurationEndpoint", "RedisEndpoint"):
            self.attrs[key] = {k.split(".", 1)[1]: v for k, v in self.attrs.items() if k.startswith(key + ".")}

    def update(self, old_props):
        cluster = _backend(self).cache_clusters[self.cluster_id]
        p = self.props
        for attr, key in (("cache_node_type", "CacheNodeType"), ("num_cache_nodes", "NumCacheNodes"),
                          ("engine_version", "EngineVersion"),
                          ("snapshot_retention_limit", "SnapshotRetentionLimit"),
                          ("preferred_maintenance_window", "PreferredMaintenanceWindow"),
                          ("security_group_ids", "VpcSecurityGroupIds")):
            if p.get(key) is not None:
                setattr(cluster, attr, p[key])
        cluster.tags = tags_list(p)

    def delete_resource(self):
        backend = _backend(self)
        if self.cluster_id in backend.cache_clusters:
            backend.delete_cache_cluster(self.cluster_id)
            backend.cache_clusters.pop(self.cluster_id, None)

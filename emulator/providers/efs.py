"""AWS::EFS::FileSystem, MountTarget and AccessPoint through moto's EFS backend
(`describe-file-systems`, `describe-file-system-policy`, `describe-lifecycle-configuration`,
`describe-backup-policy`, `describe-mount-targets`, `describe-mount-target-security-groups`,
`describe-access-points`).

moto's own models cannot serve CloudFormation: its FileSystem has no `Fn::GetAtt` (the stack
fails with "'FileSystem' object has no attribute 'get_cfn_attribute'"), ignores
`FileSystemPolicy` and cannot be updated, and its MountTarget refuses every update. Here:

* FileSystem: Ref is the id; `Arn`, `FileSystemId`. A `KmsKeyId` must name a key of the
  account (by ARN or id) and needs `Encrypted`; `FileSystemPolicy`, `LifecyclePolicies`,
  `BackupPolicy`, `ThroughputMode` and tags are applied on create and on update. Deleting a
  file system that still has mount targets fails, as EFS does (CloudFormation deletes the
  targets first: they depend on it). Retain keeps it (EFS has no snapshots).
* MountTarget: Ref is the id; `Id`. The subnet and every security group must exist; one per
  availability zone; its security groups are updated in place.
* AccessPoint: Ref is the id; `AccessPointId`, `Arn`; the file system must exist.
"""

from __future__ import annotations

import json

from moto.efs.models import efs_backends
from moto.kms.models import kms_backends

from .base import Provider, provider, tags_list


def _backend(resource: Provider):
    return efs_backends[resource.ctx.account_id][resource.ctx.region]


def _error(err: Exception) -> str:
    return getattr(err, "message", None) or getattr(err, "description", None) or str(err)


@provider
class FileSystem(Provider):
    TYPE = "AWS::EFS::FileSystem"

    def _check_key(self):
        key = self.props.get("KmsKeyId")
        if key is None:
            return
        if not self.props.get("Encrypted"):
            raise self.fail("KmsKeyId was given, but Encrypted is not true.")
        key_id = key.rsplit("/", 1)[-1] if key.startswith("arn:") else key
        if key_id not in kms_backends[self.ctx.account_id][self.ctx.region].keys:
            raise self.fail(f"The KMS key {key} does not exist.")

    def _apply(self, fs):
        backend = _backend(self)
        fs.throughput_mode = self.props.get("ThroughputMode", "bursting")
        fs.provisioned_throughput_in_mibps = self.props.get("ProvisionedThroughputInMibps", 0)
        fs._backup = (self.props.get("BackupPolicy") or {}).get("Status") == "ENABLED"
        backend.put_lifecycle_configuration(fs.file_system_id, list(self.props.get("LifecyclePolicies") or []))
        policy = self.props.get("FileSystemPolicy")
        fs.file_system_policy = None if policy is None else json.dumps(policy)
        current = [t["Key"] for t in backend.list_tags_for_resource(fs.file_system_id)]
        backend.tagging_service.untag_resource_using_names(fs.file_system_id, current)
        backend.tagging_service.tag_resource(fs.file_system_id, tags_list(self.props, "FileSystemTags"))

    def create(self):
        self._check_key()
        try:
            fs = _backend(self).create_file_system(
                creation_token=f"{self.ctx.stack_name}-{self.ctx.logical_id}-{self.ctx.resource_name}",
                performance_mode=self.props.get("PerformanceMode", "generalPurpose"),
                encrypted=bool(self.props.get("Encrypted", False)),
                kms_key_id=self.props.get("KmsKeyId"),
                throughput_mode=self.props.get("ThroughputMode", "bursting"),
                provisioned_throughput_in_mibps=self.props.get("ProvisionedThroughputInMibps", 0),
                availability_zone_name=self.props.get("AvailabilityZoneName"),
                backup=False,
                tags=[],
            )
        except Exception as err:
            raise self.fail(_error(err)) from err
        self._apply(fs)
        self.physical_id = fs.file_system_id
        self.attrs = {"Arn": fs.file_system_arn, "FileSystemId": fs.file_system_id}

    def update(self, old_props):
        fs = _backend(self).file_systems_by_id.get(self.physical_id)
        if fs is None:
            raise self.fail(f"File system {self.physical_id} does not exist.")
        self._apply(fs)

    def delete_resource(self):
        backend = _backend(self)
        fs = backend.file_systems_by_id.get(self.physical_id)
        if fs is None:
            return
        if fs.number_of_mount_targets:
            raise self.fail(f"File system {self.physical_id} still has mount targets.")
        backend.delete_file_system(self.physical_id)


@provider
class MountTarget(Provider):
    TYPE = "AWS::EFS::MountTarget"

    def create(self):
        backend = _backend(self)
        groups = list(self.props["SecurityGroups"])
        if not 1 <= len(groups) <= 5:
            raise self.fail("A mount target takes 1 to 5 security groups.")
        try:
            target = backend.create_mount_target(
                file_system_id=self.props["FileSystemId"],
                subnet_id=self.props["SubnetId"],
                ip_address=self.props.get("IpAddress"),
                security_groups=groups,
            )
        except Exception as err:
            raise self.fail(_error(err)) from err
        self.physical_id = target.mount_target_id
        self.attrs = {"Id": target.mount_target_id}

    def update(self, old_props):
        try:
            _backend(self).modify_mount_target_security_groups(
                self.physical_id, list(self.props["SecurityGroups"])
            )
        except Exception as err:
            raise self.fail(_error(err)) from err

    def delete_resource(self):
        backend = _backend(self)
        if self.physical_id in backend.mount_targets_by_id:
            backend.delete_mount_target(self.physical_id)


def _posix_user(user):
    """CloudFormation's strings as the API's numbers (Uid, Gid and SecondaryGids are longs)."""
    if not user:
        return {}
    out = {"Uid": int(user["Uid"]), "Gid": int(user["Gid"])}
    if user.get("SecondaryGids"):
        out["SecondaryGids"] = [int(g) for g in user["SecondaryGids"]]
    return out


def _root_directory(root):
    root = dict(root or {"Path": "/"})
    info = root.get("CreationInfo")
    if info:
        root["CreationInfo"] = {"OwnerUid": int(info["OwnerUid"]), "OwnerGid": int(info["OwnerGid"]),
                                "Permissions": info["Permissions"]}
    return root


@provider
class AccessPoint(Provider):
    TYPE = "AWS::EFS::AccessPoint"

    def _tags(self):
        return tags_list(self.props, "AccessPointTags")

    def create(self):
        backend = _backend(self)
        fs_id = self.props["FileSystemId"]
        if fs_id not in backend.file_systems_by_id:
            raise self.fail(f"File system {fs_id} does not exist.")
        point = backend.create_access_point(
            client_token=self.props.get("ClientToken") or f"{self.ctx.stack_name}-{self.ctx.logical_id}",
            tags=self._tags(),
            file_system_id=fs_id,
            posix_user=_posix_user(self.props.get("PosixUser")),
            root_directory=_root_directory(self.props.get("RootDirectory")),
        )
        self.physical_id = point.access_point_id
        self.attrs = {"AccessPointId": point.access_point_id, "Arn": point.access_point_arn}

    def update(self, old_props):
        backend = _backend(self)
        current = [t["Key"] for t in backend.list_tags_for_resource(self.physical_id)]
        backend.tagging_service.untag_resource_using_names(self.physical_id, current)
        backend.tagging_service.tag_resource(self.physical_id, self._tags())

    def delete_resource(self):
        backend = _backend(self)
        if self.physical_id in backend.access_points:
            backend.delete_access_point(self.physical_id)

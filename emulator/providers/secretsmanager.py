"""AWS::SecretsManager::Secret, SecretTargetAttachment and RotationSchedule through moto's
Secrets Manager backend (`describe-secret`, `get-secret-value` see them).

* Secret: `GenerateSecretString` generates the value with the backend's GetRandomPassword
  (length, exclusions, RequireEachIncludedType...); with SecretStringTemplate and
  GenerateStringKey the password goes into that JSON. Ref and `Id` are the secret's ARN; a name
  is generated as `<LogicalId>-<RANDOM>` when Name is absent. Changing SecretString or
  GenerateSecretString writes a new version. Deleting deletes without a recovery window.
* SecretTargetAttachment: merges the target's connection details (`engine`, `host`, `port`,
  `dbClusterIdentifier`/`dbInstanceIdentifier`) into the secret's JSON, as the AWS handler does.
* RotationSchedule: configures rotation (rules, Lambda ARN or a hosted rotation Lambda; none for
  a secret RDS manages). The rotation itself (a Lambda run) is not performed.
"""

from __future__ import annotations

import json
import uuid

from moto.rds.models import rds_backends
from moto.secretsmanager.models import secretsmanager_backends

from .base import Provider, provider, random_id, tags_list


def _backend(resource: Provider):
    return secretsmanager_backends[resource.ctx.account_id][resource.ctx.region]


def _find(resource: Provider, secret_id: str):
    backend = _backend(resource)
    if secret_id in backend.secrets:
        return backend.secrets[secret_id]
    for secret in backend.secrets.values():
        if secret.arn == secret_id or secret.name == secret_id:
            return secret
    raise resource.fail(f"Secrets Manager can't find the specified secret. (SecretId: {secret_id})")


def _error(err: Exception) -> str:
    return getattr(err, "message", None) or str(err)


@provider
class Secret(Provider):
    TYPE = "AWS::SecretsManager::Secret"
    NAME_PROPERTY = "Name"

    def _value(self) -> str | None:
        p = self.props
        if p.get("SecretString") is not None and p.get("GenerateSecretString") is not None:
            raise self.fail("You can't specify both SecretString and GenerateSecretString")
        if p.get("SecretString") is not None:
            return p["SecretString"]
        gen = p.get("GenerateSecretString")
        if gen is None:
            return None
        template, key = gen.get("SecretStringTemplate"), gen.get("GenerateStringKey")
        if (template is None) != (key is None):
            raise self.fail("GenerateStringKey and SecretStringTemplate must be specified together")
        try:
            password = _backend(self).get_random_password(
                password_length=int(gen.get("PasswordLength", 32)),
                exclude_characters=gen.get("ExcludeCharacters", ""),
                exclude_numbers=bool(gen.get("ExcludeNumbers", False)),
                exclude_punctuation=bool(gen.get("ExcludePunctuation", False)),
                exclude_uppercase=bool(gen.get("ExcludeUppercase", False)),
                exclude_lowercase=bool(gen.get("ExcludeLowercase", False)),
                include_space=bool(gen.get("IncludeSpace", False)),
                require_each_included_type=bool(gen.get("RequireEachIncludedType", True)),
            )
        except Exception as err:
            raise self.fail(_error(err)) from err
        if isinstance(password, str) and password.startswith("{"):  # moto: '{"RandomPassword": ...}'
            password = json.loads(password)["RandomPassword"]
        if template is None:
            return password
        try:
            doc = json.loads(template)
        except ValueError as err:
            raise self.fail(f"SecretStringTemplate is not valid JSON: {err}") from err
        if not isinstance(doc, dict):
            raise self.fail("SecretStringTemplate must be a JSON object")
        doc[key] = password
        return json.dumps(doc)

    def create(self):
        p = self.props
        name = p.get("Name") or f"{self.ctx.logical_id}-{random_id(12)}"
        backend = _backend(self)
        if name in backend.secrets:
            raise self.fail(f"The operation failed because the secret {name} already exists.")
        try:
            backend.create_secret(
                name=name, secret_string=self._value(), secret_binary=None,
                description=p.get("Description"), tags=tags_list(p) or None,
                kms_key_id=p.get("KmsKeyId"), client_request_token=None,
                replica_regions=[{"Region": r["Region"], **({"KmsKeyId": r["KmsKeyId"]} if r.get("KmsKeyId") else {})}
                                 for r in p.get("ReplicaRegions") or []],
                force_overwrite=False,
            )
        except Exception as err:
            raise self.fail(_error(err)) from err
        secret = backend.secrets[name]
        self.secret_name = name
        self.physical_id = secret.arn
        self.attrs = {"Id": secret.arn}

    def update(self, old_props):
        backend = _backend(self)
        new = self.props
        value = None
        if (new.get("SecretString"), new.get("GenerateSecretString")) != (
            old_props.get("SecretString"), old_props.get("GenerateSecretString")
        ):
            value = self._value()
        try:
            backend.update_secret(
                self.secret_name, secret_string=value, client_request_token=str(uuid.uuid4()),
                kms_key_id=new.get("KmsKeyId"), description=new.get("Description"),
            )
        except Exception as err:
            raise self.fail(_error(err)) from err
        secret = backend.secrets[self.secret_name]
        if tags_list(new) != tags_list(old_props):
            secret.tags = tags_list(new)

    def delete_resource(self):
        backend = _backend(self)
        if self.secret_name in backend.secrets:
            backend.delete_secret(self.secret_name, recovery_window_in_days=None,
                                  force_delete_without_recovery=True)


@provider
class SecretTargetAttachment(Provider):
    TYPE = "AWS::SecretsManager::SecretTargetAttachment"

    _TARGETS = ("AWS::RDS::DBInstance", "AWS::RDS::DBCluster", "AWS::Redshift::Cluster",
                "AWS::RDS::DBProxy", "AWS::DocDB::DBInstance", "AWS::DocDB::DBCluster")

    def _details(self) -> dict:
        kind, target = self.props["TargetType"], str(self.props["TargetId"])
        if kind not in self._TARGETS:
            raise self.fail(f"TargetType {kind} is not one of {', '.join(self._TARGETS)}")
        rds = rds_backends[self.ctx.account_id][self.ctx.region]
        if kind == "AWS::RDS::DBCluster":
            cluster = rds.clusters.get(target.lower())
            if cluster is None:
                raise self.fail(f"DBCluster {target} not found")
            return {"engine": cluster.engine.replace("aurora-postgresql", "postgres"),
                    "host": cluster.endpoint, "port": int(cluster.port),
                    "dbClusterIdentifier": cluster.db_cluster_identifier}
        if kind == "AWS::RDS::DBInstance":
            db = rds.databases.get(target.lower())
            if db is None:
                raise self.fail(f"DBInstance {target} not found")
            return {"engine": db.engine, "host": db.address, "port": int(db.port),
                    "dbInstanceIdentifier": db.db_instance_identifier}
        raise self.fail(f"TargetType {kind} is not emulated")

    def _attach(self):
        secret = _find(self, str(self.props["SecretId"]))
        try:
            doc = json.loads(secret.secret_string or "{}")
        except ValueError as err:
            raise self.fail("The secret value is not a JSON object; an attachment needs one") from err
        if not isinstance(doc, dict):
            raise self.fail("The secret value is not a JSON object; an attachment needs one")
        doc.update(self._details())
        _backend(self).put_secret_value(
            secret_id=secret.arn, secret_string=json.dumps(doc), secret_binary=None,
            client_request_token=str(uuid.uuid4()), version_stages=["AWSCURRENT"],
        )
        return secret

    def create(self):
        secret = self._attach()
        self.physical_id = secret.arn
        self.attrs = {"Id": secret.arn}

    def update(self, old_props):
        self._attach()

    def delete_resource(self):
        pass  # AWS leaves the secret's value as it is


@provider
class RotationSchedule(Provider):
    TYPE = "AWS::SecretsManager::RotationSchedule"

    def _configure(self):
        p = self.props
        secret = _find(self, str(p["SecretId"]))
        managed = getattr(secret, "owning_service", None) == "rds" or secret.name.startswith("rds!")
        lambda_arn = p.get("RotationLambdaARN")
        hosted = p.get("HostedRotationLambda")
        if lambda_arn and hosted:
            raise self.fail("RotationLambdaARN and HostedRotationLambda cannot both be specified")
        if not (lambda_arn or hosted or managed):
            raise self.fail(
                "A rotation schedule needs RotationLambdaARN or HostedRotationLambda unless the "
                "secret is managed by another service (e.g. RDS)"
            )
        if lambda_arn:
            from moto.awslambda.utils import get_backend

            try:
                get_backend(self.ctx.account_id, self.ctx.region).get_function(lambda_arn)
            except Exception as err:
                raise self.fail(f"Resource not found for ARN '{lambda_arn}'.") from err
        if hosted:
            name = hosted.get("RotationLambdaName") or f"SecretsManager{hosted['RotationType']}-{random_id(8)}"
            lambda_arn = self.ctx.arn("lambda", f"function:{name}")
        rules = p.get("RotationRules") or {}
        days = rules.get("AutomaticallyAfterDays")
        if days is not None and not 1 <= int(days) <= 1000:
            raise self.fail("RotationRules.AutomaticallyAfterDays must be within 1-1000.")
        secret.rotation_enabled = True
        secret.rotation_requested = True
        secret.rotation_lambda_arn = lambda_arn or ""
        secret.auto_rotate_after_days = int(days) if days is not None else 0
        secret.rotation_rules = {k: v for k, v in rules.items()}
        return secret

    def create(self):
        secret = self._configure()
        self.physical_id = secret.arn
        self.attrs = {"Id": secret.arn}

    def update(self, old_props):
        self._configure()

    def delete_resource(self):
        backend = _backend(self)
        secret = backend.secrets.get(self.physical_id) or next(
            (s for s in backend.secrets.values() if s.arn == self.physical_id), None
        )
        if secret is not None:
            secret.rotation_enabled = False
            secret.rotation_requested = False
            secret.rotation_lambda_arn = ""
            secret.auto_rotate_after_days = 0

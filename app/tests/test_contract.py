"""The two profiles of the settings contract, with fake AWS clients."""

from __future__ import annotations

import json

import pytest

from refarch_site import contract as c
from refarch_site.credentials import SecretCredentials

CONTRACT = c.load_contract()
ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-abc-AbCdEf"
KEY_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:/refarch/dev/SECRET_KEY-XyZ123"


class FakeSsm:
    def __init__(self, params: dict[str, str]):
        self.params = params
        self.calls = []

    def get_paginator(self, name):
        assert name == "get_parameters_by_path"
        fake = self

        class Pages:
            def paginate(self, Path, Recursive, WithDecryption):
                fake.calls.append(Path)
                items = [{"Name": k, "Value": v} for k, v in fake.params.items() if k.startswith(Path + "/")]
                # Two pages, as the real API returns at most 10 per page.
                return [{"Parameters": items[:3]}, {"Parameters": items[3:]}]

        return Pages()


class FakeSecrets:
    def __init__(self, values: dict[str, str]):
        self.values = values
        self.reads = 0

    def get_secret_value(self, SecretId):
        self.reads += 1
        if SecretId not in self.values:
            raise KeyError(f"ResourceNotFoundException: {SecretId}")
        return {"SecretString": self.values[SecretId]}


def cloud_params(prefix="/refarch/dev"):
    p = {}
    for s in CONTRACT["settings"]:
        if s["kind"] == "parameter":
            p[f"{prefix}/{s['name']}"] = f"value-of-{s['name']}"
    p[f"{prefix}/secret/SECRET_KEY"] = KEY_ARN
    p[f"{prefix}/secret/DATABASE_USER"] = ARN + ":username"
    p[f"{prefix}/secret/DATABASE_PASSWORD"] = ARN + ":password"
    return p


def clients(ssm, secrets):
    return lambda service: {"ssm": ssm, "secretsmanager": secrets}[service]


def env(profile, **extra):
    return {CONTRACT["profile_variable"]: profile, **extra}


def test_every_setting_has_a_known_kind_and_the_database_names_are_settings():
    names = {s["name"] for s in CONTRACT["settings"]}
    assert {s["kind"] for s in CONTRACT["settings"]} <= {"parameter", "secret", "credential"}
    assert set(CONTRACT["database"].values()) <= names


def test_cloud_profile_reads_parameters_and_resolves_secrets_but_not_credentials():
    secrets = FakeSecrets({KEY_ARN: "k" * 50, ARN: json.dumps({"username": "u", "password": "p"})})
    ssm = FakeSsm(cloud_params())
    loaded = c.load(CONTRACT, env("cloud", APP_SETTINGS_PREFIX="/refarch/dev/"), clients(ssm, secrets))
    assert ssm.calls == ["/refarch/dev"]
    assert loaded.values["DATABASE_HOST"] == "value-of-DATABASE_HOST"
    assert loaded.values["SECRET_KEY"] == "k" * 50
    assert loaded.credentials["DATABASE_PASSWORD"] == c.SecretReference(ARN, "password")
    assert secrets.reads == 1, "credentials are read at connect time, not with the settings"


def test_a_missing_parameter_is_named():
    params = cloud_params()
    del params["/refarch/dev/DATABASE_HOST"]
    del params["/refarch/dev/secret/DATABASE_USER"]
    with pytest.raises(c.SettingsError) as e:
        c.load(CONTRACT, env("cloud", APP_SETTINGS_PREFIX="/refarch/dev"), clients(FakeSsm(params), FakeSecrets({})))
    assert "/refarch/dev/DATABASE_HOST (setting DATABASE_HOST)" in str(e.value)
    assert "/refarch/dev/secret/DATABASE_USER" in str(e.value)


def test_an_unreadable_secret_is_named():
    with pytest.raises(c.SettingsError, match="setting SECRET_KEY: cannot read secret"):
        c.load(CONTRACT, env("cloud", APP_SETTINGS_PREFIX="/refarch/dev"), clients(FakeSsm(cloud_params()), FakeSecrets({})))


def test_profile_and_prefix_variables_are_checked():
    with pytest.raises(c.SettingsError, match="APP_PROFILE must be one of local, cloud"):
        c.load(CONTRACT, {}, read_dotenv=False)
    with pytest.raises(c.SettingsError, match="APP_SETTINGS_PREFIX must hold the parameter namespace"):
        c.load(CONTRACT, env("cloud"), clients(FakeSsm({}), FakeSecrets({})))


def test_local_profile_takes_every_setting_from_the_environment():
    values = {s["name"]: s["name"].lower() for s in CONTRACT["settings"]}
    loaded = c.load(CONTRACT, env("local", **values), read_dotenv=False)
    assert loaded.values["DATABASE_NAME"] == "database_name"
    assert loaded.credentials["DATABASE_USER"] == "database_user"
    del values["DATABASE_PORT"]
    with pytest.raises(c.SettingsError, match="missing environment variable.*DATABASE_PORT"):
        c.load(CONTRACT, env("local", **values), read_dotenv=False)


@pytest.mark.parametrize(
    "text,expected",
    [(ARN, c.SecretReference(ARN)), (ARN + ":password", c.SecretReference(ARN, "password"))],
)
def test_secret_references(text, expected):
    assert c.SecretReference.parse(text, "x") == expected


@pytest.mark.parametrize("text", ["plain", ARN + ":", ARN + ":a:b", "arn:aws:ssm:us-east-1:1:parameter:x:y"])
def test_bad_secret_references_are_rejected(text):
    with pytest.raises(c.SettingsError, match="^x: "):
        c.SecretReference.parse(text, "x")


def test_credentials_are_cached_and_refreshed_only_when_changed():
    secrets = FakeSecrets({ARN: json.dumps({"username": "u", "password": "old"})})
    creds = SecretCredentials(c.SecretReference(ARN, "username"), c.SecretReference(ARN, "password"), lambda: secrets)
    assert creds.get() == ("u", "old")
    assert creds.get() == ("u", "old")
    assert creds.reads == 1
    assert creds.refresh() is None, "an unchanged secret gives nothing new to retry with"
    secrets.values[ARN] = json.dumps({"username": "u", "password": "new"})
    assert creds.refresh() == ("u", "new")
    assert creds.get() == ("u", "new")

"""The database backend re-reads rotated credentials once when the server rejects them."""

from __future__ import annotations

import psycopg
import pytest
from django.db.backends.postgresql import base as pg_base

from refarch_site.db import base


class Provider:
    def __init__(self, pairs):
        self.pairs = list(pairs)
        self.refreshes = 0

    def get(self):
        return self.pairs[0]

    def refresh(self):
        self.refreshes += 1
        if len(self.pairs) > 1:
            self.pairs.pop(0)
            return self.pairs[0]
        return None


def wrapper(provider):
    return base.DatabaseWrapper(
        {
            "ENGINE": "refarch_site.db",
            "NAME": "workload",
            "USER": "",
            "PASSWORD": "",
            "HOST": "db.example",
            "PORT": 5432,
            "CREDENTIALS": provider,
            "OPTIONS": {},
            "TIME_ZONE": None,
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": False,
            "AUTOCOMMIT": True,
            "ATOMIC_REQUESTS": False,
            "TEST": {},
        }
    )


@pytest.fixture
def server(monkeypatch):
    """A server accepting only the password in ``accepted[0]``."""
    accepted = ["new"]
    attempts = []

    def connect(self, params):
        attempts.append(params["password"])
        if params["password"] != accepted[0]:
            raise psycopg.OperationalError('connection failed: FATAL:  password authentication failed for user "dbadmin"')
        return "connection"

    monkeypatch.setattr(pg_base.DatabaseWrapper, "get_new_connection", connect)
    return attempts


def test_credentials_come_from_the_provider(server):
    params = wrapper(Provider([("dbadmin", "new")])).get_connection_params()
    assert (params["user"], params["password"]) == ("dbadmin", "new")


def test_a_rejected_password_is_re_read_and_retried_once(server):
    provider = Provider([("dbadmin", "old"), ("dbadmin", "new")])
    w = wrapper(provider)
    assert w.get_new_connection(w.get_connection_params()) == "connection"
    assert server == ["old", "new"]
    assert provider.refreshes == 1


def test_an_unchanged_secret_re_raises_without_retrying(server):
    provider = Provider([("dbadmin", "old")])
    w = wrapper(provider)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        w.get_new_connection(w.get_connection_params())
    assert server == ["old"]


def test_other_connection_errors_are_not_retried(monkeypatch):
    def down(self, params):
        raise psycopg.OperationalError("connection refused")

    monkeypatch.setattr(pg_base.DatabaseWrapper, "get_new_connection", down)
    provider = Provider([("dbadmin", "old"), ("dbadmin", "new")])
    w = wrapper(provider)
    with pytest.raises(psycopg.OperationalError, match="refused"):
        w.get_new_connection(w.get_connection_params())
    assert provider.refreshes == 0

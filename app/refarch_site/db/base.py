"""The database backend: Django's PostgreSQL backend with rotating credentials.

``get_connection_params`` takes the user and password from the provider in the settings'
``CREDENTIALS`` entry instead of ``USER``/``PASSWORD``; when the server rejects them
(SQLSTATE 28P01 or 28000, e.g. after RDS rotated the managed secret) ``get_new_connection``
asks the provider to re-read the secret and retries once with the fresh credentials.
"""

from __future__ import annotations

import logging

import psycopg
from django.db.backends.postgresql import base

log = logging.getLogger(__name__)

AUTH_FAILURE_SQLSTATES = {"28P01", "28000"}


def is_auth_failure(error: Exception) -> bool:
    """Whether a connection error means the credentials were rejected."""
    state = getattr(error, "sqlstate", None)
    if state in AUTH_FAILURE_SQLSTATES:
        return True
    return "password authentication failed" in str(error)


class DatabaseWrapper(base.DatabaseWrapper):
    """PostgreSQL with credentials from ``settings_dict["CREDENTIALS"]``."""

    def _provider(self):
        return self.settings_dict.get("CREDENTIALS")

    def get_connection_params(self):
        params = super().get_connection_params()
        provider = self._provider()
        if provider is not None:
            params["user"], params["password"] = provider.get()
        return params

    def get_new_connection(self, conn_params):
        try:
            return super().get_new_connection(conn_params)
        except psycopg.OperationalError as e:
            provider = self._provider()
            if provider is None or not is_auth_failure(e):
                raise
            fresh = provider.refresh()
            if fresh is None:
                raise
            params = dict(conn_params)
            params["user"], params["password"] = fresh
            return super().get_new_connection(params)

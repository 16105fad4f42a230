"""Database credentials read from Secrets Manager when a connection is opened.

RDS rotates the cluster's managed master secret (every 7 days by default). A value read once at
start-up would stop working at the first rotation, so the database backend asks a provider for
the credentials each time it connects: the provider keeps the last value it read and reads the
secret again when the database rejects it (:meth:`SecretCredentials.refresh`).
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable

from .contract import SecretReference, read_secret

log = logging.getLogger(__name__)


class StaticCredentials:
    """Fixed credentials (the local profile)."""

    def __init__(self, user: str, password: str) -> None:
        self._pair = (user, password)

    def get(self) -> tuple[str, str]:
        """The user and password."""
        return self._pair

    def refresh(self) -> tuple[str, str] | None:
        """Nothing to re-read: ``None`` (the caller re-raises the failure)."""
        return None


class SecretCredentials:
    """User and password from secret references, cached until the database rejects them."""

    def __init__(
        self,
        user: SecretReference,
        password: SecretReference,
        client: Callable[[], Any],
    ) -> None:
        self._user = user
        self._password = password
        self._client = client
        self._lock = threading.Lock()
        self._pair: tuple[str, str] | None = None
        #: How many times the secret was read (start-up read included).
        self.reads = 0

    def _read(self) -> tuple[str, str]:
        client = self._client()
        user = read_secret(client, self._user, "DATABASE_USER")
        password = read_secret(client, self._password, "DATABASE_PASSWORD")
        self.reads += 1
        return user, password

    def get(self) -> tuple[str, str]:
        """The cached credentials, read from Secrets Manager on first use."""
        with self._lock:
            if self._pair is None:
                self._pair = self._read()
            return self._pair

    def refresh(self) -> tuple[str, str] | None:
        """Reads the secret again (after an authentication failure); ``None`` if unchanged."""
        with self._lock:
            old = self._pair
            self._pair = self._read()
            if self._pair == old:
                return None
            log.warning(
                "database credentials from %s were rejected; re-read the secret and retrying",
                self._password.arn,
            )
            return self._pair

"""CSV exports of the events, written to the media storage (``MEDIA_ROOT``: the shared file
system in the cloud, so every instance sees every export)."""

from __future__ import annotations

import csv
import io
import re

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from .models import Event

DIRECTORY = "exports"
NAME = re.compile(r"^events-\d{8}T\d{6}(_[A-Za-z0-9]{7})?\.csv$")


def write_export() -> str:
    """Writes every event as CSV to ``exports/events-<UTC time>.csv``; returns the file name."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["created", "source", "message"])
    for e in Event.objects.order_by("created"):
        writer.writerow([e.created.isoformat(), e.source, e.message])
    name = f"events-{timezone.now().strftime('%Y%m%dT%H%M%S')}.csv"
    saved = default_storage.save(f"{DIRECTORY}/{name}", ContentFile(out.getvalue().encode()))
    return saved.rsplit("/", 1)[-1]


def list_exports() -> list[str]:
    """The export files, newest first."""
    if not default_storage.exists(DIRECTORY):
        return []
    _, files = default_storage.listdir(DIRECTORY)
    return sorted((f for f in files if NAME.match(f)), reverse=True)


def open_export(name: str):
    """The export called ``name`` (only names this module writes are accepted)."""
    if not NAME.match(name):
        raise FileNotFoundError(name)
    return default_storage.open(f"{DIRECTORY}/{name}", "rb")

"""Views: the dashboard (signed-in users) and the JSON status page."""

from __future__ import annotations

import os

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.db.migrations.recorder import MigrationRecorder
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from . import exports
from .models import Event


@login_required
@require_GET
def dashboard(request):
    """The latest events, read from the database."""
    events = list(Event.objects.all()[:50])
    return render(
        request,
        "dashboard/index.html",
        {"events": events, "profile": settings.PROFILE, "exports": exports.list_exports()},
    )


@login_required
@require_POST
def export(request):
    """Writes a CSV export of the events to the media storage, then shows the dashboard."""
    exports.write_export()
    return redirect("dashboard")


@login_required
@require_GET
def export_file(request, name: str):
    """Downloads an export (signed-in users only: media files are not public)."""
    try:
        handle = exports.open_export(name)
    except FileNotFoundError:
        raise Http404(name) from None
    return FileResponse(handle, as_attachment=True, filename=name, content_type="text/csv")


@never_cache
@require_GET
def status(request):
    """JSON: whether the database answers and how many migrations were applied (503 if not)."""
    body = {
        "profile": settings.PROFILE,
        "database": {"vendor": connection.vendor},
        "media": {"writable": os.access(settings.MEDIA_ROOT, os.W_OK | os.X_OK)},
        "static_url": settings.STATIC_URL,
    }
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        body["database"]["reachable"] = True
        body["database"]["migrations"] = MigrationRecorder(connection).migration_qs.count()
        body["status"] = "ok"
        code = 200
    except DatabaseError as e:
        body["database"]["reachable"] = False
        body["database"]["error"] = type(e).__name__
        body["status"] = "degraded"
        code = 503
    return JsonResponse(body, status=code)

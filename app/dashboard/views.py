"""Views: the dashboard (signed-in users) and the JSON status page."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.db.migrations.recorder import MigrationRecorder
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .models import Event


@login_required
@require_GET
def dashboard(request):
    """The latest events, read from the database."""
    events = list(Event.objects.all()[:50])
    return render(request, "dashboard/index.html", {"events": events, "profile": settings.PROFILE})


@never_cache
@require_GET
def status(request):
    """JSON: whether the database answers and how many migrations were applied (503 if not)."""
    body = {"profile": settings.PROFILE, "database": {"vendor": connection.vendor}}
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

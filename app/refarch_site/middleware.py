"""The load balancer's health check, answered before the Host header is validated."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotAllowed


class HealthCheckMiddleware:
    """Answers ``GET``/``HEAD`` on the contract's health path with ``200 ok``.

    It runs first, so neither ``ALLOWED_HOSTS`` (the balancer's checks carry the instance's IP
    address as Host) nor sessions, CSRF or the database are involved: the check says the
    process serves requests. The database is reported by the status page instead, so a
    database outage does not make every instance unhealthy and get it replaced.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.path = settings.HEALTH_PATH

    def __call__(self, request):
        if request.path == self.path:
            if request.method not in ("GET", "HEAD"):
                return HttpResponseNotAllowed(["GET", "HEAD"])
            response = HttpResponse(b"ok\n", content_type="text/plain")
            response["Cache-Control"] = "no-store"
            return response
        return self.get_response(request)

"""One page behind the host check, for the middleware tests."""

from django.http import HttpResponse
from django.urls import path

urlpatterns = [path("page/", lambda request: HttpResponse(b"page"))]

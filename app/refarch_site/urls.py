"""URLs: the dashboard, its exports, the JSON status page, login and logout; and the static
files, when no CDN serves them (a relative ``STATIC_URL``)."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import path, re_path
from django.views.static import serve

from dashboard import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("exports/", views.export, name="export"),
    path("exports/<str:name>", views.export_file, name="export-file"),
    # Where the contract says (the health path is answered by middleware, before routing).
    path(settings.CONTRACT["http"]["status_path"].lstrip("/"), views.status, name="status"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]

if settings.STATIC_URL.startswith("/"):
    # Without a CDN the application serves its collected, content-hashed static files itself.
    urlpatterns.append(
        re_path(rf"^{settings.STATIC_URL.strip('/')}/(?P<path>.*)$", serve, {"document_root": settings.STATIC_ROOT})
    )

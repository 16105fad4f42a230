"""URLs: the dashboard, the JSON status page, login and logout."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import path

from dashboard import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    # Where the contract says (the health path is answered by middleware, before routing).
    path(settings.CONTRACT["http"]["status_path"].lstrip("/"), views.status, name="status"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]

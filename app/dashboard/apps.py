"""App configuration."""

from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The dashboard application."""

    name = "dashboard"
    default_auto_field = "django.db.models.BigAutoField"

"""Tests import the app's modules; Django is configured minimally here (not with the app's
settings module, which would load a profile)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402
from django.conf import settings  # noqa: E402

if not settings.configured:
    settings.configure(
        USE_TZ=True,
        DATABASES={},
        INSTALLED_APPS=[],
        ALLOWED_HOSTS=["app.example"],
        HEALTH_PATH="/healthz",
        ROOT_URLCONF="tests.routes",
        MIDDLEWARE=[
            "refarch_site.middleware.HealthCheckMiddleware",
            "django.middleware.common.CommonMiddleware",
        ],
    )
    django.setup()

"""Django settings, from one contract in two profiles (see :mod:`refarch_site.contract`).

The profile is chosen by the contract's ``profile_variable`` (``local`` or ``cloud``). This
module knows the database only through the contract's ``database`` names; a missing or invalid
setting stops start-up with a message naming it.
"""

from __future__ import annotations

from functools import partial

from . import contract as _contract
from .credentials import SecretCredentials, StaticCredentials

CONTRACT = _contract.load_contract()
_loaded = _contract.load(CONTRACT)
PROFILE = _loaded.profile
_db = CONTRACT["database"]


def _value(name: str) -> str:
    return _loaded.values[name]


def _bool(name: str) -> bool:
    raw = _value(name).strip().lower()
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise _contract.SettingsError(f"{_loaded.origins[name]}: {raw!r} is not true or false")


def _port(name: str) -> int:
    raw = _value(name)
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise _contract.SettingsError(f"{_loaded.origins[name]}: {raw!r} is not a port number")
    return int(raw)


SECRET_KEY = _value("SECRET_KEY")
if len(SECRET_KEY) < 32:
    raise _contract.SettingsError(f"{_loaded.origins['SECRET_KEY']}: shorter than 32 characters")
DEBUG = _bool("DEBUG")
if DEBUG and PROFILE == "cloud":
    raise _contract.SettingsError(f"{_loaded.origins['DEBUG']}: debug pages are never on in the cloud")
ALLOWED_HOSTS = [h.strip() for h in _value("ALLOWED_HOSTS").split(",") if h.strip()]
if not ALLOWED_HOSTS:
    raise _contract.SettingsError(f"{_loaded.origins['ALLOWED_HOSTS']}: list at least one host")

_engine = _value(_db["engine"])
if _engine != "postgresql":
    raise _contract.SettingsError(
        f"{_loaded.origins[_db['engine']]}: {_engine!r}; this application supports postgresql"
    )

if PROFILE == "cloud":
    _user = _loaded.credentials[_db["user"]]
    _password = _loaded.credentials[_db["password"]]
    _credentials = SecretCredentials(_user, _password, partial(_contract.default_client, "secretsmanager"))
    # Fail at start-up, not at the first request, when the secret cannot be read.
    _credentials.get()
else:
    _credentials = StaticCredentials(
        str(_loaded.credentials[_db["user"]]), str(_loaded.credentials[_db["password"]])
    )

DATABASES = {
    "default": {
        "ENGINE": "refarch_site.db",
        "HOST": _value(_db["host"]),
        "PORT": _port(_db["port"]),
        "NAME": _value(_db["name"]),
        "USER": "",
        "PASSWORD": "",
        "CREDENTIALS": _credentials,
        # A new connection per request: cheap next to a web request, and every connection
        # uses the current credentials.
        "CONN_MAX_AGE": 0,
        "OPTIONS": {
            "sslmode": _value(_db["ssl_mode"]),
            "connect_timeout": 5,
            "application_name": "refarch-app",
        },
    }
}

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "dashboard",
]

# Static files: `collectstatic` writes content-hashed copies (ManifestStaticFilesStorage) to the
# contract's static directory, which is checked in; deploy publishes it to the CDN that
# STATIC_URL names, and templates resolve names through its staticfiles.json.
STATIC_URL = _value("STATIC_URL")
if not STATIC_URL.endswith("/") or not (STATIC_URL.startswith("/") or STATIC_URL.startswith("https://")):
    raise _contract.SettingsError(
        f"{_loaded.origins['STATIC_URL']}: {STATIC_URL!r} must be https://<host>/... or /<path>/, ending in /"
    )
STATIC_ROOT = _contract.APP_DIR / CONTRACT["service"]["static_dir"]

# Media files: MEDIA_ROOT is the shared file system's mount in the cloud; a relative path is
# relative to the application directory (the local profile's `media`).
MEDIA_ROOT = _contract.APP_DIR / _value("MEDIA_ROOT")
if PROFILE == "local":
    MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"  # not served: media files are downloaded through views that check access
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750

MIDDLEWARE = [
    # First: answers the load balancer's health checks before anything validates the Host
    # header (the balancer sends the instance's IP address).
    "refarch_site.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

HEALTH_PATH = CONTRACT["http"]["health_path"]
ROOT_URLCONF = "refarch_site.urls"
WSGI_APPLICATION = "refarch_site.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

if PROFILE == "cloud":
    # TLS ends at the load balancer, which redirects HTTP to HTTPS and forwards the scheme.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    CSRF_TRUSTED_ORIGINS = [f"https://{h}" for h in ALLOWED_HOSTS if not h.startswith(".")]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

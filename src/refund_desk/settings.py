"""Django settings, read from the environment (12-factor; see .env.example)."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from csp.constants import NONCE

from refund_desk import __version__

BASE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BASE_DIR.parent.parent

env = environ.Env()
_env_file = Path(os.environ.get("REFUND_DESK_ENV_FILE", PROJECT_ROOT / ".env"))
if _env_file.is_file():
    env.read_env(str(_env_file))

DATA_DIR = Path(env.str("REFUND_DESK_DATA_DIR", default=str(PROJECT_ROOT / "var"))).resolve()
# The database, the task queue, uploads and the generated secret key are for this user only: files the
# desk creates are 0600 and its directories 0700.
os.umask(0o077)
DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the data directory."""
    configured = env.str("SECRET_KEY", default="")
    if configured:
        return configured
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.touch(mode=0o600)
        key_file.write_text(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
VERSION = __version__

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "huey.contrib.djhuey",
    "axes",
    "csp",
    "refund_desk.core",
    "refund_desk.cases",
    "refund_desk.policy",
    "refund_desk.integrations.allegro",
    "refund_desk.desk",
    "refund_desk.api",
    "refund_desk.demo",
    "refund_desk.ai",
    "refund_desk.payments",
    "refund_desk.logistics",
    "refund_desk.partners",
    "refund_desk.messaging",
    "refund_desk.outbound",
    "refund_desk.notices",
    "refund_desk.complaints",
    "refund_desk.workflows",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a throttled sign-in into the "wait" page
]

ROOT_URLCONF = "refund_desk.urls"
WSGI_APPLICATION = "refund_desk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "refund_desk.integrations.allegro.context.allegro_banner",
                "refund_desk.core.context.permissions",
            ],
        },
    },
]

# Embedded default: SQLite in WAL mode inside the data directory. Production: DATABASE_URL.
DATABASES: dict[str, Any] = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'refund_desk.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend, reading an overflowing decimal as itself (see refund_desk.core.db.sqlite3).
    DATABASES["default"]["ENGINE"] = "refund_desk.core.db.sqlite3"
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                "PRAGMA busy_timeout=30000; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
            ),
        }
    )
    DATABASES["default"].setdefault("TEST", {})["NAME"] = env.str("TEST_SQLITE_NAME", default="")
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")

# Background work: Huey on SQLite in the data directory by default, on Redis when REDIS_URL is set.
HUEY: dict[str, Any]
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "refund-desk",
        "url": REDIS_URL,
        "immediate": env.bool("HUEY_IMMEDIATE", default=False),
        "consumer": {"workers": env.int("WORKER_THREADS", default=4), "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "refund-desk",
        "filename": str(DATA_DIR / "tasks.sqlite3"),
        "immediate": env.bool("HUEY_IMMEDIATE", default=False),
        "consumer": {"workers": env.int("WORKER_THREADS", default=4), "worker_type": "thread"},
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in throttling (django-axes; see core/auth.py).
AUTHENTICATION_BACKENDS = [
    "refund_desk.core.auth.ThrottledSignIn",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "desk:queue"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("pl", "Polski")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Warsaw")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
# Served over HTTPS (the default for production): Secure cookies, HSTS and a redirect from plain HTTP.
# HTTPS=false only for plain HTTP on a trusted machine (`make demo` and the tests set it).
HTTPS = env.bool("HTTPS", default=True)
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=HTTPS)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=HTTPS)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=HTTPS)
if env.bool("BEHIND_TLS_PROXY", default=False):
    # A reverse proxy terminates TLS and says so in X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): only this site's own scripts, styles and images; the API docs'
# inline bootstrap carries a nonce. Nothing is loaded from another host.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "refund_desk.api.problems.problem_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["refund_desk.api.parsers.BoundedJSONParser"],
}
# The largest API request body, and how deeply its JSON may nest (a case file nests about 8 levels).
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=2 * 1024 * 1024)
API_MAX_JSON_DEPTH = env.int("API_MAX_JSON_DEPTH", default=32)
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES  # forms and API alike (uploaded photos are not counted)
# API tokens (django-rest-knox): stored as SHA-512 digests, each expiring after API_TOKEN_DAYS, revoked
# when the person is deactivated or their tokens are reset on the team page.
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env.int("API_TOKEN_DAYS", default=30)),
    "TOKEN_LIMIT_PER_USER": 10,
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Refund Desk API",
    "DESCRIPTION": "Refund cases from Allegro: list, import, decide and move through their lifecycle.",
    "VERSION": __version__,
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"CaseStatusEnum": "refund_desk.cases.choices.CaseStatus"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "refund_desk.api.schema.declare_limits",
    ],
    # No online validator badge: the docs page must not call out to third-party hosts.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {"one_line_refusals": {"()": "refund_desk.core.logging.OneLineRefusals"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["one_line_refusals"]}
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Configured here, so the worker does not add a second handler of its own (each line once).
        "huey": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO"), "propagate": False},
    },
}

# Domain settings
QUEUE_PAGE_SIZE = env.int("QUEUE_PAGE_SIZE", default=50)

# Allegro (see .env.example); client id/secret are read where they are used. Secrets at rest: see
# core/crypto.py (FIELD_ENCRYPTION_KEY_FILE, FIELD_ENCRYPTION_KEYS, FIELD_ENCRYPTION_KEY).
ALLEGRO_SYNC_LOOKBACK_DAYS = env.int("ALLEGRO_SYNC_LOOKBACK_DAYS", default=30)

# Intake: the largest line (price × quantity) and order (lines + delivery) accepted per currency, from
# Allegro or a file; larger values are refused naming the field (JSON, e.g. {"PLN": "200000"}).
INTAKE_MAX_LINE_AMOUNT: dict[str, str] = {
    "PLN": "500000",
    "CZK": "3000000",
    "EUR": "120000",
    "HUF": "50000000",
    **env.json("INTAKE_MAX_LINE_AMOUNT", default={}),
}
INTAKE_MAX_ORDER_AMOUNT: dict[str, str] = {
    "PLN": "1000000",
    "CZK": "6000000",
    "EUR": "250000",
    "HUF": "100000000",
    **env.json("INTAKE_MAX_ORDER_AMOUNT", default={}),
}

# Payments and logistics
# Four-eyes approval above these amounts per currency, unless an account sets its own.
PAYMENTS_APPROVAL_THRESHOLDS: dict[str, str] = env.json("PAYMENTS_APPROVAL_THRESHOLDS", default={})
LOGISTICS_STALE_PARCEL_DAYS = env.int("LOGISTICS_STALE_PARCEL_DAYS", default=5)
# Inspection photos: JPEG, PNG, HEIC or PDF (recognised by content), each at most this large.
INSPECTION_PHOTO_MAX_BYTES = env.int("INSPECTION_PHOTO_MAX_BYTES", default=10 * 1024 * 1024)

# Seconds between two Message Center posts of one seller (Allegro allows about one a second per user).
OUTBOUND_MESSAGE_INTERVAL = env.float("OUTBOUND_MESSAGE_INTERVAL", default=1.0)

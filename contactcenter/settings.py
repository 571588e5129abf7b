"""Settings, read from the environment in this one place (django-environ).

Development defaults work on a fresh machine with PostgreSQL and Redis on localhost.
`DJANGO_ENV=production` switches to the production profile (`manage.py check --deploy` clean).
"""

import ipaddress
import re
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

ENVIRONMENT = env.str("DJANGO_ENV", default="development")
IS_PRODUCTION = ENVIRONMENT == "production"


def _required_in_production(name: str, value):
    """Production has no default for its secrets and hosts: an unset or empty one stops it at
    start, naming the variable (an empty key would otherwise fail only at first use)."""
    if IS_PRODUCTION and not value:
        raise ImproperlyConfigured(
            f"Set {name} in the environment: DJANGO_ENV=production has no default for it "
            "(see README, Configuration)."
        )
    return value


DEBUG = env.bool("DEBUG", default=not IS_PRODUCTION)
# The development key is public on purpose; production must bring its own.
DEVELOPMENT_SECRET_KEY = "dev-insecure-key-do-not-use-in-production-0123456789abcdef"
SECRET_KEY = _required_in_production(
    "SECRET_KEY", env.str("SECRET_KEY", default="" if IS_PRODUCTION else DEVELOPMENT_SECRET_KEY)
)
ALLOWED_HOSTS = _required_in_production(
    "ALLOWED_HOSTS",
    env.list(
        "ALLOWED_HOSTS",
        default=[] if IS_PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"],
    ),
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "servestatic.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "django_otp",
    "django_otp.plugins.otp_totp",  # kept for their migration history (accounts.otp)
    "django_otp.plugins.otp_static",
    "csp",
    "contactcenter",
    "contactcenter.accounts",
    "contactcenter.accounts.otp",
    "inbox",
    "routing",
    "templates_hsm",
    "reporting",
    "integrations",
    "inbox.sandbox",
]

MIDDLEWARE = [
    # Every log line of a request names its id (contactcenter/logs.py).
    "contactcenter.logs.request_id_middleware",
    # Then answers /healthz and /readyz before the HTTPS redirect and the host check below
    # would refuse a probe that calls the container by its IP (contactcenter/probes.py).
    "contactcenter.probes.probe_middleware",
    "django.middleware.security.SecurityMiddleware",
    "servestatic.middleware.ServeStaticMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "contactcenter.accounts.middleware.TenantMiddleware",
    "contactcenter.accounts.middleware.LanguageMiddleware",
    "contactcenter.accounts.middleware.MfaGateMiddleware",
    "contactcenter.realtime.middleware.HubCursorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Turns a throttled view's Ratelimited into RATELIMIT_VIEW (a 429 page).
    "django_ratelimit.middleware.RatelimitMiddleware",
    "contactcenter.api_throttles.RateLimitHeaders",
]

ROOT_URLCONF = "contactcenter.urls"
ASGI_APPLICATION = "contactcenter.asgi.application"
WSGI_APPLICATION = "contactcenter.wsgi.application"

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
                "csp.context_processors.nonce",
                "contactcenter.accounts.context_processors.tenancy",
                "contactcenter.realtime.context_processors.hub",
            ],
        },
    },
]

# Django's psycopg pool with CONN_MAX_AGE = 0: per-thread persistent connections exhaust
# PostgreSQL under ASGI (../shared/PERFORMANCE.md).
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/contactcenter"
    ),
}
DATABASES["default"]["CONN_MAX_AGE"] = 0
if env.bool("DATABASE_POOL", default=True):
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN", default=1),
        "max_size": env.int("DATABASE_POOL_MAX", default=10),
        "timeout": 10,
    }
DATABASES["default"].setdefault("TEST", {})["NAME"] = env.str(
    "TEST_DATABASE_NAME", default="test_contactcenter"
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="cc"),
    }
}
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            # The layer waits for messages with a blocking read (BZPOPMIN, 5 s): redis-py 8's
            # default 5 s socket time-out cut it and dropped every idle websocket. The read
            # time-out stays above that wait, so a Redis that vanished is still noticed; idle
            # connections are kept alive and checked before reuse.
            "hosts": [
                {
                    "address": REDIS_URL,
                    "socket_timeout": 15,
                    "socket_connect_timeout": 5,
                    "socket_keepalive": True,
                    "health_check_interval": 30,
                }
            ],
            "prefix": env.str("CHANNEL_LAYER_PREFIX", default="cc-asgi"),
        },
    }
}

# Realtime catch-up: a reconnecting tab further behind than this (events of its company, or
# age of the first one it missed) is told to reload instead of replaying.
HUB_REPLAY_MAX_EVENTS = env.int("HUB_REPLAY_MAX_EVENTS", default=5000)
HUB_REPLAY_MAX_AGE_S = env.int("HUB_REPLAY_MAX_AGE_S", default=24 * 3600)
# Every this often an open socket checks its session and access again (closed once either
# ended) and joins its groups again (a Redis restart lost them; their expiry is refreshed).
HUB_RECHECK_S = env.float("HUB_RECHECK_S", default=20)

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = env.list(
    "PASSWORD_HASHERS",
    default=["django.contrib.auth.hashers.PBKDF2PasswordHasher"],
)
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Login and OTP throttles (django-ratelimit, counted in the Redis cache).
RATELIMIT_USE_CACHE = "default"
RATELIMIT_VIEW = "contactcenter.accounts.views.ratelimited"
LOGIN_RATE_PER_IP = env.str("LOGIN_RATE_PER_IP", default="20/10m")
LOGIN_RATE_PER_ACCOUNT = env.str("LOGIN_RATE_PER_ACCOUNT", default="5/10m")
OTP_RATE_PER_IP = env.str("OTP_RATE_PER_IP", default="20/10m")
OTP_RATE_PER_ACCOUNT = env.str("OTP_RATE_PER_ACCOUNT", default="5/10m")
# Proxies (IPs or CIDRs) whose X-Forwarded-For is believed for the client IP of rate limits and
# the audit log (contactcenter/clientip.py); with none, forwarded headers are ignored.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
RATELIMIT_IP_META_KEY = "contactcenter.clientip.request_ip"
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Contact Center")

# Fernet keys (cryptography) for channel secrets at rest; first key encrypts, all decrypt.
FIELD_ENCRYPTION_KEYS = _required_in_production(
    "FIELD_ENCRYPTION_KEY",
    env.list(
        "FIELD_ENCRYPTION_KEY",
        default=[] if IS_PRODUCTION else ["pSk2fFnCkO3nqzUJdvbfr1Jj0jqeV-jpQw2Q9qkKrb4="],
    ),
)

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español"), ("pt", "Português")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# Media (customers' files): local disk by default; any S3-compatible store when a bucket is set
# (django-storages, `pip install -e '.[s3]'`), credentials from the usual AWS_* variables.
MEDIA_S3_BUCKET = env.str("MEDIA_S3_BUCKET", default="")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if not MEDIA_S3_BUCKET
    else {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_S3_BUCKET,
            "endpoint_url": env.str("MEDIA_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("MEDIA_S3_REGION", default="") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    },
    # Production serves hashed, compressed copies listed in the manifest that collectstatic
    # writes with STATIC_MANIFEST on (the image builds it so); development, the apps' files.
    "staticfiles": {
        "BACKEND": "servestatic.storage.CompressedManifestStaticFilesStorage"
        if env.bool("STATIC_MANIFEST", default=IS_PRODUCTION)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")


def _email_settings(url: str) -> dict:
    """EMAIL_* settings from one URL (django-environ's email_url), with the schemes of RFC 8314
    and 6409 read as mail operators write them: smtps:// is TLS from the first byte (port 465;
    django-environ would read it as STARTTLS), submission:// is STARTTLS on 587. Also smtp://
    (plain), smtp+tls://, smtp+ssl://, consolemail://, filemail://, memorymail://, dummymail://.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ImproperlyConfigured(f"EMAIL_URL {url!r} is not a URL, e.g. smtp://host:25.")
    scheme, default_port = {"smtps": ("smtp+ssl", 465), "submission": ("smtp+tls", 587)}.get(
        scheme, (scheme, None)
    )
    config = environ.Env.email_url_config(f"{scheme}://{rest}")
    return {
        "EMAIL_BACKEND": config["EMAIL_BACKEND"],
        "EMAIL_HOST": config["EMAIL_HOST"] or "localhost",
        "EMAIL_PORT": config["EMAIL_PORT"] or default_port or 25,
        "EMAIL_HOST_USER": config["EMAIL_HOST_USER"] or "",
        "EMAIL_HOST_PASSWORD": config["EMAIL_HOST_PASSWORD"] or "",
        "EMAIL_USE_TLS": config.get("EMAIL_USE_TLS", False),
        "EMAIL_USE_SSL": config.get("EMAIL_USE_SSL", False),
        "EMAIL_FILE_PATH": config["EMAIL_FILE_PATH"] or None,
    }


# Mail (invitations, password resets) is sent only by Celery tasks (contactcenter/accounts/mail.py);
# development prints it on the worker's console.
_email = _email_settings(
    env.str("EMAIL_URL", default="smtp://localhost:25" if IS_PRODUCTION else "consolemail://")
)
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"]
EMAIL_PORT = _email["EMAIL_PORT"]
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
EMAIL_FILE_PATH = _email["EMAIL_FILE_PATH"]
# Seconds an SMTP server may take to answer, well inside the sending task's time limit.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="contact-center@localhost")
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "contactcenter.accounts.authentication.ApiTokenAuthentication",
        "contactcenter.accounts.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["contactcenter.accounts.permissions.IsTenantMember"],
    "DEFAULT_PAGINATION_CLASS": "contactcenter.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "contactcenter.api.api_exception_handler",
    # Every /api/v1 request is counted per token (or signed-in person) and per client IP.
    "DEFAULT_THROTTLE_CLASSES": [
        "contactcenter.api_throttles.TokenRateThrottle",
        "contactcenter.api_throttles.ClientIpRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": env.str("API_TOKEN_RATE", default="600/min"),
        # Higher than one token's: one integration may run several tokens from one address.
        "ip": env.str("API_IP_RATE", default="1200/min"),
    },
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
# How long an Idempotency-Key of the REST API is remembered (Stripe keeps them 24 hours).
IDEMPOTENCY_KEY_TTL_S = env.int("IDEMPOTENCY_KEY_TTL_S", default=24 * 3600)
SPECTACULAR_SETTINGS = {
    "TITLE": "Contact Center API",
    "DESCRIPTION": "Tenant-scoped REST API for CRMs and integrations. "
    "Authenticate with `Authorization: Bearer <token>`.\n\n"
    "**Errors** all have one body, `{code, message, extra}` (the `Error` schema).\n\n"
    "**Rate limits**: requests are counted per token (or signed-in person) and per client IP, "
    "in fixed windows. Every answer carries `RateLimit-Limit`, `RateLimit-Remaining` and "
    "`RateLimit-Reset` (seconds), for the tightest of the two; past the limit the answer is "
    "429 `throttled` with `Retry-After` (seconds).\n\n"
    "**Retries**: send `Idempotency-Key: <uuid>` on a write and repeat it on retries; the same "
    "key with the same body within 24 hours returns the first answer without acting again.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "contactcenter.api_schema.describe_errors",
    ],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Swagger UI served from this site (drf-spectacular-sidecar): no CDN, no inline script.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# django-csp 4: strict policy, no inline script anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:"],
        "connect-src": ["'self'", "ws:", "wss:"] if not IS_PRODUCTION else ["'self'", "wss:"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

if IS_PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# Celery: no loss on worker death (acks_late + reject_on_worker_lost), one task at a time.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Tasks between two closings of the database pool by Celery's Django fixup (see celery.py).
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Every task is stopped in time, so no slow or silent endpoint holds a worker: at the soft limit
# the task gets SoftTimeLimitExceeded (its row stays in PostgreSQL for the relay), at the hard
# one its process is killed. Longer for what legitimately takes longer (a 100 MB file up or
# down; every number's templates), and all below the broker's visibility timeout.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=90)
CELERY_TASK_ANNOTATIONS = {
    "inbox.download_media": {"soft_time_limit": 300, "time_limit": 330},
    "inbox.deliver_message": {"soft_time_limit": 300, "time_limit": 330},
    "templates_hsm.sync_all": {"soft_time_limit": 540, "time_limit": 570},
}
CELERY_BEAT_SCHEDULE: dict = {
    "relay-sweep": {"task": "relay.sweep", "schedule": env.float("RELAY_SWEEP_S", default=3.0)},
    "sweep-early-statuses": {"task": "inbox.sweep_early_statuses", "schedule": 3600.0},
    "sweep-webhook-retention": {"task": "inbox.sweep_webhook_retention", "schedule": 3600.0},
    "sync-templates": {"task": "templates_hsm.sync_all", "schedule": 600.0},
    "routing-sweep": {"task": "routing.sweep", "schedule": 3.0},
    "sweep-idempotent-requests": {
        "task": "accounts.sweep_idempotent_requests",
        "schedule": 3600.0,
    },
}
# The relay (contactcenter/relay.py): a row of accepted work whose task has not finished it
# this long after it was queued or woken is woken again (its broker message may be lost).
RELAY_REDRIVE_AFTER_S = env.float("RELAY_REDRIVE_AFTER_S", default=30.0)
# A send claimed this long ago and still unanswered (its worker died) ends "outcome unknown",
# never resent. Longer than a send's HTTP time-outs and the send task's time limit.
SEND_UNANSWERED_AFTER_S = env.float("SEND_UNANSWERED_AFTER_S", default=360.0)
# Webhook deliveries naming no number of ours (unsigned by anyone we know): kept per minute per
# client IP, in all, and in bytes; only their first WEBHOOK_ORPHAN_MAX_BYTES are stored. The
# rest are refused with 429.
WEBHOOK_ORPHANS_PER_IP_PER_MINUTE = env.int("WEBHOOK_ORPHANS_PER_IP_PER_MINUTE", default=10)
WEBHOOK_ORPHANS_PER_MINUTE = env.int("WEBHOOK_ORPHANS_PER_MINUTE", default=60)
WEBHOOK_ORPHAN_BYTES_PER_MINUTE = env.int("WEBHOOK_ORPHAN_BYTES_PER_MINUTE", default=256 * 1024)
WEBHOOK_ORPHAN_MAX_BYTES = env.int("WEBHOOK_ORPHAN_MAX_BYTES", default=8 * 1024)
# Raw webhook bodies carry customers' personal data: how long each kind is kept (swept hourly).
# Processed deliveries (their content is in the inbox by then), dead letters (items that could
# not be processed, and failed deliveries) and orphans.
WEBHOOK_PROCESSED_RETENTION_DAYS = env.int("WEBHOOK_PROCESSED_RETENTION_DAYS", default=14)
WEBHOOK_DEAD_LETTER_RETENTION_DAYS = env.int("WEBHOOK_DEAD_LETTER_RETENTION_DAYS", default=30)
WEBHOOK_ORPHAN_RETENTION_DAYS = env.int("WEBHOOK_ORPHAN_RETENTION_DAYS", default=1)
# The sandbox Graph API (inbox/sandbox): a local stand-in for graph.facebook.com with a
# customer phone page. Off in production: its URLs are not mounted and its tasks refuse.
SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=not IS_PRODUCTION)
# Where the sandbox POSTs its webhooks (our receiver) and where it says it is served (the base of
# the media URLs it hands out).
SANDBOX_WEBHOOK_URL = env.str(
    "SANDBOX_WEBHOOK_URL", default="http://127.0.0.1:8000/webhooks/whatsapp/"
)
SANDBOX_PUBLIC_BASE = env.str("SANDBOX_PUBLIC_BASE", default="http://127.0.0.1:8000/sandbox/graph")
# Where the Graph API lives, for every channel: the operator's choice, never a tenant's. With the
# sandbox on, it is the sandbox; otherwise Meta.
GRAPH_API_BASE = env.str(
    "GRAPH_API_BASE",
    default=SANDBOX_PUBLIC_BASE if SANDBOX_ENABLED else "https://graph.facebook.com",
)
GRAPH_API_VERSION = env.str("GRAPH_API_VERSION", default="v24.0")


def _endpoint(url: str) -> str:
    """host:port of a URL, as OUTBOUND_ALLOWED_ENDPOINTS lists them."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


# Outbound HTTP (contactcenter/outbound_http.py) refuses loopback, private, link-local (cloud
# metadata), shared, reserved and multicast addresses, however the name resolves, except for
# these host:port endpoints and these networks (CIDR, any port; e.g. an egress proxy). With the
# sandbox on, our own server (the sandbox's Graph and our receiver) is allowed on its port only.
OUTBOUND_ALLOWED_ENDPOINTS = env.list(
    "OUTBOUND_ALLOWED_ENDPOINTS",
    default=sorted({_endpoint(GRAPH_API_BASE), _endpoint(SANDBOX_WEBHOOK_URL)})
    if SANDBOX_ENABLED
    else [],
)
OUTBOUND_ALLOWED_NETWORKS = env.list("OUTBOUND_ALLOWED_NETWORKS", default=[])


def _check_outbound_allowed(endpoints: list[str], networks: list[str]) -> None:
    """A malformed entry stops the start, naming it, rather than failing the first call."""
    for entry in endpoints:
        if not re.fullmatch(r"(\[[0-9a-fA-F:.]+\]|[^:\[\]/@\s]+):\d{1,5}", entry):
            raise ImproperlyConfigured(f"OUTBOUND_ALLOWED_ENDPOINTS: {entry!r} is not host:port.")
    for entry in networks:
        try:
            ipaddress.ip_network(entry)
        except ValueError as exc:
            raise ImproperlyConfigured(f"OUTBOUND_ALLOWED_NETWORKS: {exc}.") from exc


_check_outbound_allowed(OUTBOUND_ALLOWED_ENDPOINTS, OUTBOUND_ALLOWED_NETWORKS)
# Hosts the media URLs that the Graph API returns may point at ("*.domain" for subdomains);
# media is fetched, with the channel's token, from nowhere else. Meta's CDNs, and the sandbox.
MEDIA_ALLOWED_HOSTS = env.list(
    "MEDIA_ALLOWED_HOSTS",
    default=["lookaside.fbsbx.com", "*.fbcdn.net", "*.whatsapp.net"]
    + ([urlsplit(SANDBOX_PUBLIC_BASE).hostname] if SANDBOX_ENABLED else []),
)
# Seconds between a send and each of its status webhooks (sent, delivered, read).
SANDBOX_STATUS_DELAY_S = env.float("SANDBOX_STATUS_DELAY_S", default=1.0)
# Deliver a message's statuses in random order; re-send each with this probability (0 = never).
SANDBOX_SHUFFLE_STATUSES = env.bool("SANDBOX_SHUFFLE_STATUSES", default=False)
SANDBOX_DUPLICATE_STATUSES = env.float("SANDBOX_DUPLICATE_STATUSES", default=0.0)
# Send the statuses of a number that are due together in one webhook POST, as Meta may.
SANDBOX_BATCH_STATUSES = env.bool("SANDBOX_BATCH_STATUSES", default=False)
# Seconds a new template stays PENDING before the sandbox reviews it.
SANDBOX_TEMPLATE_REVIEW_S = env.float("SANDBOX_TEMPLATE_REVIEW_S", default=5.0)
# Every task not named here runs on the default queue.
CELERY_TASK_ROUTES = {
    "inbox.process_webhook": {"queue": "ingest"},
    "inbox.download_media": {"queue": "ingest"},
    "inbox.deliver_message": {"queue": "send"},
    "inbox.send_read_receipt": {"queue": "send"},
    "relay.sweep": {"queue": "timers"},
    "inbox.sweep_early_statuses": {"queue": "timers"},
    "inbox.sweep_webhook_retention": {"queue": "timers"},
    "routing.sweep": {"queue": "timers"},
    "accounts.sweep_idempotent_requests": {"queue": "timers"},
    "sandbox.*": {"queue": "sandbox"},
}

# An agent whose websocket sent no heartbeat for this long is set offline by the routing sweep.
ROUTING_SILENT_AFTER_S = env.int("ROUTING_SILENT_AFTER_S", default=90)

# One console handler for every process (web, workers, beat): JSON lines in production for a
# log collector, a human line in development; each names its request or task id
# (contactcenter/logs.py). Uvicorn's own lines (start, stop, errors) go through it too.
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if IS_PRODUCTION else "human")
if LOG_FORMAT not in ("json", "human"):
    raise ImproperlyConfigured(f"LOG_FORMAT: {LOG_FORMAT!r} is neither json nor human.")
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "contactcenter.logs.ContextFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(task_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "human": {
            "()": "contactcenter.logs.HumanFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s%(ids)s: %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Not "uvicorn" itself: configuring it would reset its child uvicorn.access, and bring back
    # the access log that --no-access-log turned off.
    "loggers": {"uvicorn.error": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False}},
}

# Prometheus metrics (contactcenter/metrics.py) at /metrics, for `Authorization: Bearer
# <METRICS_TOKEN>`; not served without a token. With PROMETHEUS_MULTIPROC_DIR (read by
# prometheus_client itself), every process on the host that shares that directory is counted;
# a worker on a host of its own serves its metrics on WORKER_METRICS_PORT (0: not served).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
PROMETHEUS_MULTIPROC_DIR = env.str("PROMETHEUS_MULTIPROC_DIR", default="")
WORKER_METRICS_PORT = env.int("WORKER_METRICS_PORT", default=0)
WORKER_METRICS_ADDRESS = env.str("WORKER_METRICS_ADDRESS", default="0.0.0.0")  # noqa: S104
if WORKER_METRICS_PORT and not PROMETHEUS_MULTIPROC_DIR:
    raise ImproperlyConfigured(
        "WORKER_METRICS_PORT needs PROMETHEUS_MULTIPROC_DIR: a worker's tasks run in its child "
        "processes, whose metrics reach the port through that directory."
    )

# Errors (and, at a rate above 0, traces) to Sentry with its Django and Celery integrations,
# only when a DSN is set: without one the SDK is not even imported.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default=ENVIRONMENT),
        integrations=[DjangoIntegration(), CeleryIntegration()],
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        send_default_pii=False,  # customers' messages and agents' addresses stay here
    )

# Static files through ServeStatic (WhiteNoise's fork that serves them asynchronously under ASGI;
# WhiteNoise made Django read each file through a sync iterator, with a warning per file).
# Development serves them straight from the apps (no collectstatic).
SERVESTATIC_USE_FINDERS = not IS_PRODUCTION
SERVESTATIC_AUTOREFRESH = DEBUG

"""One settings module, read from the environment (DESIGN.md §5).

There are no insecure defaults here: `SECRET_KEY` and `DATABASE_URL` must be given.
The embedded mode (`make run`, `make test` without servers) is `portal.devservices`,
which starts PostgreSQL and Redis and fills the environment for development.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

from portal.devservices import live_runtime_env

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# While `make run` is up, its embedded servers are described here, so that
# `python manage.py …` in another terminal reaches the same database (not once it is killed).
_runtime_env = live_runtime_env()
if _runtime_env is not None:
    environ.Env.read_env(_runtime_env, overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "import_export",
    "axes",
    "portal",
    "portal.jobs",
    "portal.spreadsheets",
    "resolutions",
    "training",
    "reports",
]

MIDDLEWARE = [
    "portal.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.locale.ChosenLanguageMiddleware",  # Vietnamese unless switched
    "portal.inputs.RefuseNulMiddleware",  # 400 for a NUL character anywhere, in the chosen language
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.audit.AuditActorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
AUTH_USER_MODEL = "portal.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    }
]

DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# PostgreSQL's JIT compiles the report's large aggregates for longer than they run (a
# province's study figures: 13 s with it, 6 s without); the portal's queries gain nothing from it.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL")
# How long a list's total ("Tìm thấy … người") may be reused before it is counted again.
LIST_COUNT_CACHE_SECONDS = env.int("LIST_COUNT_CACHE_SECONDS", default=60)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="portal"),
    }
}

# Accounts: strong passwords, throttled logins, sessions that expire.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "portal.backends.PersonAwareModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 9}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
# Sessions are read from Redis and written through to PostgreSQL: one query less per page.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_SAVE_EVERY_REQUEST = False
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)

# Language, time, formats: Vietnamese by default, English available.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
# Our catalogues, then Vietnamese for the strings of Django's admin and django-axes that
# their own catalogues lack.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "portal" / "vendor_translations"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["portal.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / ".data" / "media")
# Uploads and generated files are private: served only by portal.files.download under the
# access rule, never from a public URL (nothing serves MEDIA_URL). They are kept under
# MEDIA_ROOT unless PRIVATE_FILES_ROOT says otherwise; an S3-compatible store is a change of
# this entry alone.
_private_root = env.str("PRIVATE_FILES_ROOT", default="")
# Static files served straight from their folders, without collectstatic: development and
# `make run` (which runs with DEBUG off, as production does, on plain local HTTP).
STATIC_FROM_SOURCES = env.bool("STATIC_FROM_SOURCES", default=DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": _private_root} if _private_root else {},
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if STATIC_FROM_SOURCES
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = STATIC_FROM_SOURCES
# Uploads are kept small; larger files are refused before they reach a view.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000
# PDF attachments of documents to study: larger uploads are refused with a message.
DOCUMENT_MAX_UPLOAD_MB = env.int("DOCUMENT_MAX_UPLOAD_MB", default=20)
# Spreadsheet imports (portal.spreadsheets): the largest file taken, the most rows read, how much its zip may
# unpack to (a zip bomb is refused while decompressing), and from how many rows the work runs as a job.
SPREADSHEET_MAX_MB = env.int("SPREADSHEET_MAX_MB", default=50)
SPREADSHEET_MAX_ROWS = env.int("SPREADSHEET_MAX_ROWS", default=300_000)
SPREADSHEET_MAX_UNCOMPRESSED_MB = env.int("SPREADSHEET_MAX_UNCOMPRESSED_MB", default=500)
IMPORT_JOB_ROWS = env.int("IMPORT_JOB_ROWS", default=2000)
# List exports (portal.spreadsheets.export): longer lists are written by a job, not within the web request.
EXPORT_JOB_ROWS = env.int("EXPORT_JOB_ROWS", default=20_000)

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="cong-thong-tin@localhost")
# The portal's address as people reach it, for links in emails (e.g. https://hoctap.example.org).
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="").rstrip("/")

# Security: strict in production (DEBUG=false), relaxed only for local HTTP.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so that a refused token answers 401 with a WWW-Authenticate header.
        "portal.api.auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "portal.pagination.CachedCountPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "portal.api.schema.AutoSchema",  # documents the 400/401/403/404/429 answers
    # Services' Django ValidationError / PermissionDenied answered as 400 / 403 with their messages.
    "EXCEPTION_HANDLER": "portal.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="30/minute"),
        "user": env.str("API_THROTTLE_USER", default="3000/minute"),
        "token": env.str("API_THROTTLE_TOKEN", default="10/minute"),
    },
}
API_TOKEN_DAYS = env.int("API_TOKEN_DAYS", default=30)  # an API token's life
SPECTACULAR_SETTINGS = {
    "TITLE": "API Cổng học tập, bồi dưỡng lý luận chính trị",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "/static/vendor/swagger-ui",
    "SWAGGER_UI_FAVICON_HREF": "/static/img/favicon.svg",
    # Two models have a "kind" choice: name their enums apart in the schema.
    "ENUM_NAME_OVERRIDES": {
        "StudySessionKindEnum": "resolutions.models.StudySession.Kind",
        "ThemeKindEnum": "resolutions.models.Theme.Kind",
        "StudySessionFormatEnum": "resolutions.models.StudySession.Format",
        "ExportFormatEnum": "resolutions.exports.FORMAT_CHOICES",
        "AttendanceStatusEnum": "resolutions.models.Attendance.Status",
        "AttendanceMethodEnum": "resolutions.models.Attendance.Method",
        "LecturerKindEnum": "training.models.Lecturer.Kind",
        "TrainingPlanStatusEnum": "training.models.TrainingPlan.Status",
        "ReportSubmissionStatusEnum": "reports.models.Submission.Status",
        "ImportBatchStatusEnum": "portal.spreadsheets.models.ImportBatch.Status",
    },
}

# The place printed on documents ("Tây Ninh, ngày 05 tháng 02 năm 2026").
PRINT_PLACE_NAME = env.str("PRINT_PLACE_NAME", default="Tây Ninh")

# Study sessions: how far ahead one may be scheduled (a typo in the year is caught), and
# how long a check-in QR code stays valid (the screen shows a new one every half of that, so
# a forwarded code is soon useless).
STUDY_SESSION_MAX_DAYS_AHEAD = env.int("STUDY_SESSION_MAX_DAYS_AHEAD", default=60)
STUDY_CHECKIN_QR_SECONDS = env.int("STUDY_CHECKIN_QR_SECONDS", default=60)

# The public page that verifies a certificate: requests per IP and period ("30/m", "500/h"),
# counted in the shared cache, so guessing codes is slow.
CERTIFICATE_VERIFY_RATE = env.str("CERTIFICATE_VERIFY_RATE", default="30/m")

# Demo data of the domain apps, run by seed_demo after the province (portal imports no domain app):
# dotted paths of `step(province, today, rng)`, see portal.demo.seed_further_steps.
DEMO_DATA_STEPS = ["resolutions.demo.seed_study", "training.demo.seed_training", "reports.demo.seed_reports"]

# Background jobs (portal.jobs): the longest a job may run, how often a running job says it
# is alive, after how long without a sign it is taken for dead and queued again (at most
# JOB_MAX_ATTEMPTS runs in all), how often that is checked, how long its files are kept.
JOB_MAX_SECONDS = env.int("JOB_MAX_SECONDS", default=3600)
JOB_HEARTBEAT_SECONDS = env.float("JOB_HEARTBEAT_SECONDS", default=10.0)
JOB_STALE_SECONDS = env.float("JOB_STALE_SECONDS", default=60.0)
JOB_MAX_ATTEMPTS = env.int("JOB_MAX_ATTEMPTS", default=3)
JOB_WATCH_EVERY_SECONDS = env.float("JOB_WATCH_EVERY_SECONDS", default=30.0)
# A queued job not picked up after this long is sent to the workers again (the broker may have lost it).
JOB_RESEND_AFTER_SECONDS = env.float("JOB_RESEND_AFTER_SECONDS", default=300.0)
JOB_FILES_KEEP_DAYS = env.int("JOB_FILES_KEEP_DAYS", default=30)

# Celery: JSON only, job state in the database, one prefetch for long tasks. A message is
# acknowledged when its task ends and handed out again if the worker dies, so tasks are
# idempotent; the broker waits longer than the longest job before it re-delivers one.
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": JOB_MAX_SECONDS + 600}
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="portal")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {
        "task": "portal.tasks.clear_expired_sessions",
        "schedule": env.float("CLEAR_SESSIONS_EVERY_SECONDS", default=3600.0),
    },
    # Jobs whose worker died are queued again; jobs whose message the broker lost are sent again.
    "watch-jobs": {
        "task": "portal.jobs.tasks.watch_jobs",
        "schedule": JOB_WATCH_EVERY_SECONDS,
    },
    "remove-expired-job-files": {
        "task": "portal.jobs.tasks.remove_expired_job_files",
        "schedule": env.float("JOB_FILES_CLEANUP_EVERY_SECONDS", default=3600.0),
    },
    # Members who have not filed this year's commitment: reminded once each, from February.
    "remind-missing-commitments": {
        "task": "resolutions.tasks.remind_missing_commitments",
        "schedule": env.float("COMMITMENT_REMINDERS_EVERY_SECONDS", default=86400.0),
    },
    # Reports: opened in time, reminded at the kind's days before the deadline, marked late once.
    "reporting-calendar": {
        "task": "reports.tasks.run_reporting_calendar",
        "schedule": env.float("REPORTING_CALENDAR_EVERY_SECONDS", default=86400.0),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

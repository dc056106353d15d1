"""Settings for Phòng Dịch, all read from the environment.

Every variable is listed with its meaning in docs/configuration.md. Defaults give the
embedded set-up: SQLite, in-process cache, tasks run by the worker that `phongdich serve`
starts beside the web server.
"""

import os
from pathlib import Path

import dj_database_url

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PHONGDICH_VAR_DIR", str(BASE_DIR.parent / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    # A development key; `phongdich check --deploy` and the system check core.E001 refuse it in production.
    SECRET_KEY = "insecure-development-key-change-me"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # the API docs page works offline
    "phongdich.core",
    "phongdich.geo",
    "phongdich.accounts",
    "phongdich.people",
    "phongdich.venues",
    "phongdich.checkins",
    "phongdich.stats",
    "phongdich.declarations",
    "phongdich.followups",
    "phongdich.healthcards",
    "phongdich.notifications",
    "phongdich.cases",
    "phongdich.telecom",
    "phongdich.calls",
    "phongdich.testing",
    "phongdich.vaccination",
    "phongdich.certificates",
    "phongdich.maps",
]

MIDDLEWARE = [
    # Outermost: it sees the answer every other layer made (core.audit.reads_restore).
    "phongdich.core.middleware.AuditReadsKeptMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "phongdich.core.middleware.ApiLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "phongdich.core.middleware.RequestLimitsMiddleware",
    "phongdich.core.middleware.AdminLookupLimitsMiddleware",
]

ROOT_URLCONF = "phongdich.config.urls"
WSGI_APPLICATION = "phongdich.config.wsgi.application"

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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite by default so that a district needs no server; PostgreSQL when DATABASE_URL is set.
SQLITE_PATH = Path(env_str("SQLITE_PATH", str(VAR_DIR / "phongdich.sqlite3")))
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # A pool per process: a check-in must not pay for a new connection.
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("DB_POOL_MIN", 2, minimum=1),
            "max_size": env_int("DB_POOL_MAX", 16, minimum=1),
            "timeout": 10,
        }
        # Server-side parameter binding lets PostgreSQL keep the plan of a statement run again and again (the
        # check-in INSERT): psycopg prepares it after PG_PREPARE_THRESHOLD runs on a connection.
        if env_bool("PG_SERVER_SIDE_BINDING", True):
            DATABASES["default"]["OPTIONS"]["server_side_binding"] = True
            DATABASES["default"]["OPTIONS"]["prepare_threshold"] = env_int("PG_PREPARE_THRESHOLD", 5, minimum=0)
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": {
                # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so
                # that two writers queue on busy_timeout instead of failing with "database is locked".
                # synchronous=FULL: a check-in is on disk before its 2xx (SQLITE_SYNCHRONOUS to change).
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    f"PRAGMA synchronous={env_str('SQLITE_SYNCHRONOUS', 'FULL')};"
                    "PRAGMA busy_timeout=10000;"
                    "PRAGMA foreign_keys=ON;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # Kept open between requests: opening one and running the pragmas costs more than a check-in.
            "CONN_MAX_AGE": env_int("CONN_MAX_AGE", 600, minimum=0),
            "CONN_HEALTH_CHECKS": True,
        }
    }
# Threads per granian worker in `phongdich serve`; at most DB_POOL_MAX of them use the database at once.
SERVER_THREADS = env_int("SERVER_THREADS", 4, minimum=1)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits, venue code cache) ---------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Django's DatabaseCache in a SQLite file of its own, shared by every server process of this machine, so that a
    # rate limit is one count and not one per granian worker (docs/configuration.md "Rate limits without Redis",
    # phongdich/core/cachedb.py). synchronous=NORMAL: in WAL mode that is safe from corruption and skips the fsync
    # of each commit; a count lost with a power cut costs nothing.
    DATABASES["cache"] = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": Path(env_str("CACHE_SQLITE_PATH", str(VAR_DIR / "cache.sqlite3"))),
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA busy_timeout=10000;",
            # A count is read and written in one transaction that takes the write lock at BEGIN (core.throttling).
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
        "CONN_MAX_AGE": env_int("CONN_MAX_AGE", 600, minimum=0),
        "CONN_HEALTH_CHECKS": True,
        # No app has a table here (CacheRouter): the test copy needs no migrations, only the cache table.
        "TEST": {"MIGRATE": False},
    }
    DATABASE_ROUTERS = ["phongdich.core.cachedb.CacheRouter"]
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "phongdich_cache",
            # Expired entries are deleted first when the table is over this (Django's _cull).
            "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 100_000, minimum=1000)},
        }
    }

# --- Task queue (Celery) -----------------------------------------------------------------------
# With REDIS_URL, Redis is the broker. Without it, the embedded set-up uses kombu's filesystem
# transport under var/, and `phongdich serve` runs one worker with the beat scheduler beside the server.
# The host is named only so that kombu does not warn, on every connection, that it supplied one.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "filesystem://localhost//")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(VAR_DIR / "queue"),
        "data_folder_out": str(VAR_DIR / "queue"),
        "processed_folder": str(VAR_DIR / "queue-done"),
        "control_folder": str(VAR_DIR / "queue-control"),  # else kombu writes ./control in the working dir
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    # A broker that accepts the connection and then never answers must not hold a request (core.queue keeps the
    # task when publishing fails): seconds, not kombu's default of waiting for ever.
    else {"socket_timeout": 5, "socket_connect_timeout": 3}
)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True  # a task killed mid-way runs again: tasks are written to be repeatable
# acks_late alone is not enough: "even if task_acks_late is enabled, the worker will acknowledge tasks when the worker
# process executing them abruptly exits or is signaled (e.g., KILL/INT)"; this setting re-queues them instead
# (Celery's configuration reference, task_reject_on_worker_lost). Celery warns that it "can cause message loops": a
# task that kills its worker every time (out of memory) would come back for ever, and brokers count no redeliveries
# (celery/celery discussion #8969). So each background job counts its own starts and gives up past
# TASK_MAX_ATTEMPTS, visibly (docs/configuration.md, "Background work").
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TIMEZONE = "Asia/Ho_Chi_Minh"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Auth -------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:start"  # the page of the official's role (accounts.views.START_PAGES)
LOGOUT_REDIRECT_URL = "accounts:login"

# --- Internationalisation: Vietnamese first, English second -----------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))

# --- Security ----------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Request bodies above this are refused with 413 before they are parsed (core.middleware).
MAX_REQUEST_BYTES = env_int("MAX_REQUEST_BYTES", 1_048_576, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BYTES

# --- REST API ----------------------------------------------------------------------------------
# Reverse proxies of our own in front of the server: the client address is the NUM_PROXIES-th X-Forwarded-For entry
# from the right (core.clientip.client_ip, for the rate limits, the idempotency scope and the audit log).
NUM_PROXIES = env_int("NUM_PROXIES", 0, minimum=0)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "phongdich.checkins.auth.DeviceTokenAuthentication",
        "phongdich.core.auth.ApiSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "phongdich.core.api.ApiSchema",
    "EXCEPTION_HANDLER": "phongdich.core.api.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "phongdich.core.pagination.ApiPages",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_RATES": {
        # Public endpoints only (no login): per client address.
        "public": env_str("RATE_LIMIT_PUBLIC", "60/min"),
        "public_lookup": env_str("RATE_LIMIT_PUBLIC_LOOKUP", "20/min"),
        # The area picker asks as people type; a commune office shares one address.
        "area_search": env_str("RATE_LIMIT_AREA_SEARCH", "300/min"),
        # The venue picker of the scan and paper pages (logged in: per user), asked as staff type.
        "venue_picker": env_str("RATE_LIMIT_VENUE_PICKER", "120/min"),
        # Public venue registration (API and web form together): each one creates a user account.
        "venue_register": env_str("RATE_LIMIT_VENUE_REGISTER", "10/hour"),
        # Exact look-ups of people beyond the official's area by CCCD, CMND or phone (per official, page and API
        # together): an interview names a few people, a sweep of ID numbers needs thousands.
        "person_identify": env_str("RATE_LIMIT_PERSON_IDENTIFY", "30/hour"),
    },
    # DRF's copy of the one setting; the project's throttles read NUM_PROXIES through core.clientip.client_ip.
    "NUM_PROXIES": NUM_PROXIES,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Phòng Dịch API",
    "DESCRIPTION": "REST API of Phòng Dịch. Error codes: docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "phongdich.core.api.schema_postprocess"],
    "REDOC_DIST": "SIDECAR",
    # The system's fonts: Redoc's own (Roboto, Montserrat) come from Google Fonts; the docs page works offline.
    "REDOC_UI_SETTINGS": {
        "theme": {
            "typography": {
                "fontFamily": "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif",
                "headings": {
                    "fontFamily": "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif"
                },
            }
        }
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# --- Domain settings ---------------------------------------------------------------------------
# Check-ins are deleted after this many days; only anonymous daily counts stay. 30 days is longer
# than every look-back window in docs/algorithms.md (the longest, QĐ 3638/QĐ-BYT, is 14 days).
CHECKIN_RETENTION_DAYS = env_int("CHECKIN_RETENTION_DAYS", 30, minimum=15)
# How far in the future a scanner's clock may be before a scan is refused as "from the future".
CHECKIN_CLOCK_SKEW_SECONDS = env_int("CHECKIN_CLOCK_SKEW_SECONDS", 300, minimum=0)
# Offline scanners may upload scans this old; older ones are refused (they are past retention anyway).
CHECKIN_BATCH_MAX_AGE_DAYS = env_int("CHECKIN_BATCH_MAX_AGE_DAYS", 14, minimum=1)
CHECKIN_BATCH_MAX_ITEMS = env_int("CHECKIN_BATCH_MAX_ITEMS", 1000, minimum=1)
# A venue QR code is cached in each process for this long: a revoked code stops working within it.
VENUE_CODE_CACHE_SECONDS = env_int("VENUE_CODE_CACHE_SECONDS", 5, minimum=0)
# A scanner device's token is cached in each process for this long: a revoked device stops working within it.
SCANNER_DEVICE_CACHE_SECONDS = env_int("SCANNER_DEVICE_CACHE_SECONDS", 5, minimum=0)
# Personal QR codes are valid for this long after issue (re-issued daily; see docs/algorithms.md).
PERSONAL_QR_VALIDITY_HOURS = env_int("PERSONAL_QR_VALIDITY_HOURS", 36, minimum=1)
# The province's Ed25519 signing key (PEM). Empty: a key is created in var/keys on first use.
SIGNING_KEY_PEM = env_str("SIGNING_KEY_PEM", "")
SIGNING_KEY_FILE = Path(env_str("SIGNING_KEY_FILE", str(VAR_DIR / "keys" / "personal-qr-ed25519.pem")))
# Days a remembered device identity stays on a citizen's phone.
DEVICE_COOKIE_DAYS = env_int("DEVICE_COOKIE_DAYS", 365, minimum=1)
# The owner of a record a phone holds only as LINKED shows its QR code there with a code sent by SMS to the phone on
# the record (docs/declarations.md "Claiming a record on a new phone"): code validity, wrong tries per code, and how
# many codes one phone number and one address may be sent per window. 3 codes x 5 tries an hour is 15 guesses at a
# million codes per number per hour.
CHECKIN_CLAIM_CODE_TTL_SECONDS = env_int("CHECKIN_CLAIM_CODE_TTL_SECONDS", 600, minimum=60)
CHECKIN_CLAIM_MAX_ATTEMPTS = env_int("CHECKIN_CLAIM_MAX_ATTEMPTS", 5, minimum=1)
CHECKIN_CLAIM_PER_PHONE = env_int("CHECKIN_CLAIM_PER_PHONE", 3, minimum=1)
CHECKIN_CLAIM_PER_PHONE_WINDOW_SECONDS = env_int("CHECKIN_CLAIM_PER_PHONE_WINDOW_SECONDS", 3600, minimum=1)
CHECKIN_CLAIM_PER_IP = env_int("CHECKIN_CLAIM_PER_IP", 10, minimum=1)
CHECKIN_CLAIM_PER_IP_WINDOW_SECONDS = env_int("CHECKIN_CLAIM_PER_IP_WINDOW_SECONDS", 3600, minimum=1)
# Mounts the benchmark's reference endpoints under /bench/ (bench/checkin_ingest.py sets it). Never in production.
BENCH_ENDPOINTS = env_bool("BENCH_ENDPOINTS", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# --- Messages to people (notifications app, docs/configuration.md) -----------------------------
SMS_BACKEND = env_str("SMS_BACKEND", "outbox")  # "outbox" (kept in the admin) or "http"
SMS_HTTP_URL = env_str("SMS_HTTP_URL", "")
SMS_HTTP_TOKEN = env_str("SMS_HTTP_TOKEN", "")
# SMS sent without Vietnamese marks (core.text.without_diacritics): one part of 160 characters instead of 70.
SMS_WITHOUT_DIACRITICS = env_bool("SMS_WITHOUT_DIACRITICS", True)

# --- Tracing (cases app, docs/cases.md) ----------------------------------------------------------
# F1 and F2 by default; F3+ have no national definition (RULES.md §1.2, "unconfirmed"): a setting.
TRACING_MAX_LEVEL = env_int("TRACING_MAX_LEVEL", 2, minimum=1)
# A recovery recorded earlier than this many days after the positive sample asks the official to check the date
# (cases.services.case_status_set); 0: never. Unconfirmed: no text read (RULES.md) gives how long a case is treated
# or isolated; 10 days is the EU recovery certificate's wait (valid from the 11th day after the first positive test,
# cases.providers), not a Vietnamese rule. A warning, not a refusal.
CASE_RECOVERY_MIN_DAYS = env_int("CASE_RECOVERY_MIN_DAYS", 10, minimum=0)
# A case's isolation typed more than this many days after its positive sample is refused as a typing slip
# (cases.services._case_facts_check: 07/12 for 07/09 made an 85-day infectious window). Our judgment, not a Ministry
# figure: no text read (RULES.md) bounds it; a result takes days, not weeks, and a month covers a late entry.
CASE_ISOLATION_MAX_DAYS_AFTER_SAMPLE = env_int("CASE_ISOLATION_MAX_DAYS_AFTER_SAMPLE", 30, minimum=1)

# --- Vaccination (vaccination app) ---------------------------------------------------------------
# Booster due this many days after the primary series ("ít nhất 6 tháng sau mũi cuối cùng của liều cơ bản",
# MoH, labweb.vtvgo.vn 850436); 0: no booster is proposed. docs/vaccination.md "Next dose".
VACCINATION_BOOSTER_DAYS = env_int("VACCINATION_BOOSTER_DAYS", 180, minimum=0)
# The shortest gap accepted before a dose after a complete series (an additional dose for some groups "ít nhất
# 28 ngày", same source).
VACCINATION_ADDITIONAL_DOSE_MIN_DAYS = env_int("VACCINATION_ADDITIONAL_DOSE_MIN_DAYS", 28, minimum=0)
# Citizen registrations per client address (each may create a person and sends an SMS).
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["vaccination_register"] = env_str("RATE_LIMIT_VACCINATION_REGISTER", "10/hour")

# --- Certificates (certificates app) -------------------------------------------------------------
# EU DCC document signer: key and certificate (`phongdich dcc_keys`); the key file never leaves this folder.
DCC_KEY_DIR = Path(env_str("DCC_KEY_DIR", str(VAR_DIR / "dcc")))
# Other signer certificates to trust (PEM or DER files), besides the province's own.
DCC_TRUST_DIR = Path(env_str("DCC_TRUST_DIR", str(VAR_DIR / "dcc" / "trust")))
# `is` of every certificate (schema: at most 80 characters) and O= of the signer certificate.
DCC_ISSUER = env_str("DCC_ISSUER", "Sở Y tế tỉnh Thanh Hóa")
DCC_ISSUER_COUNTRY = env_str("DCC_ISSUER_COUNTRY", "VN")
# Vaccination certificates: 12 months (QĐ 5772/QĐ-BYT, RULES.md §5); test certificates: 72 hours (the PCR
# window of the green/yellow card rules, RULES.md §5); recovery: the `du` date of the record.
DCC_VACCINATION_VALIDITY_DAYS = env_int("DCC_VACCINATION_VALIDITY_DAYS", 365, minimum=1)
DCC_TEST_VALIDITY_HOURS = env_int("DCC_TEST_VALIDITY_HOURS", 72, minimum=1)
DCC_SIGNER_VALIDITY_DAYS = env_int("DCC_SIGNER_VALIDITY_DAYS", 730, minimum=1)
# 4296: the longest alphanumeric text a QR code holds (version 40-L, ISO/IEC 18004:2015 table 7).
DCC_MAX_QR_CHARS = env_int("DCC_MAX_QR_CHARS", 4296, minimum=100)
DCC_MAX_DECOMPRESSED_BYTES = env_int("DCC_MAX_DECOMPRESSED_BYTES", 32 * 1024, minimum=1024)
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["dcc_verify"] = env_str("RATE_LIMIT_DCC_VERIFY", "120/min")

# --- Testing (testing app) ---------------------------------------------------------------------
# Highest valid Ct value of an RT-PCR result: the number of amplification cycles the kits run (the CDC 2019-nCoV
# RT-PCR panel runs 45; docs/testing.md "Results").
TESTING_CT_MAX = env_int("TESTING_CT_MAX", 45, minimum=1)
# Sample labels: "a4" (a sheet of 3 x 8 labels for an office printer) or "roll" (one label per page, 50 x 25 mm).
TESTING_LABELS_LAYOUT = env_str("TESTING_LABELS_LAYOUT", "a4")
# A test time may be this far ahead of the server's clock (a lab PC a little fast), not more.
TESTING_CLOCK_SKEW_SECONDS = env_int("TESTING_CLOCK_SKEW_SECONDS", 300, minimum=0)
# Largest lab sheet imported at once (rows).
TESTING_IMPORT_MAX_ROWS = env_int("TESTING_IMPORT_MAX_ROWS", 50_000, minimum=1)
# The citizen look-up (docs/testing.md "Look-up security"): code validity, wrong tries per code, and how many
# look-ups one ID number and one address may start per window.
TESTING_LOOKUP_CODE_TTL_SECONDS = env_int("TESTING_LOOKUP_CODE_TTL_SECONDS", 300, minimum=30)
TESTING_LOOKUP_MAX_ATTEMPTS = env_int("TESTING_LOOKUP_MAX_ATTEMPTS", 5, minimum=1)
TESTING_LOOKUP_PER_ID = env_int("TESTING_LOOKUP_PER_ID", 5, minimum=1)
TESTING_LOOKUP_PER_ID_WINDOW_SECONDS = env_int("TESTING_LOOKUP_PER_ID_WINDOW_SECONDS", 900, minimum=1)
TESTING_LOOKUP_PER_IP = env_int("TESTING_LOOKUP_PER_IP", 20, minimum=1)
TESTING_LOOKUP_PER_IP_WINDOW_SECONDS = env_int("TESTING_LOOKUP_PER_IP_WINDOW_SECONDS", 3600, minimum=1)
# Demo only: the look-up and claim pages show the one-time code just sent (the "outbox" SMS backend sends nothing).
# `phongdich demo` turns it on; never in production.
SMS_ECHO_ON_PAGE = env_bool("SMS_ECHO_ON_PAGE", False)

# --- Telecom (telecom app) ------------------------------------------------------------------------
# Subscriber location records from the operators (docs/telecom.md). Deleted after this many days (by end).
TELECOM_RETENTION_DAYS = env_int("TELECOM_RETENTION_DAYS", 30, minimum=1)
# Uploads above this are refused (the API is also bounded by MAX_REQUEST_BYTES; the page is not).
TELECOM_MAX_UPLOAD_MB = env_int("TELECOM_MAX_UPLOAD_MB", 50, minimum=1)
# A record longer than this is refused as impossible (an operator's record is one stay in one cell).
TELECOM_MAX_STAY_HOURS = env_int("TELECOM_MAX_STAY_HOURS", 24, minimum=1)
# Tracing: the shortest shared time in a cell that makes a candidate (by analogy with CV 11042's 15 minutes).
TELECOM_MIN_OVERLAP_MINUTES = env_int("TELECOM_MIN_OVERLAP_MINUTES", 15, minimum=0)
# Tracing: cells whose centres are this close also count as "the same place" (0: the same cell only).
TELECOM_NEIGHBOUR_CELL_M = env_int("TELECOM_NEIGHBOUR_CELL_M", 0, minimum=0)
# Holes inside one file's period (docs/telecom.md "Holes inside a file"): a stretch of at least this many minutes in
# which no record of the file runs is a hole, not covered; a judgment of this project, not from a regulation.
TELECOM_GAP_MINUTES = env_int("TELECOM_GAP_MINUTES", 180, minimum=30)
# ... and only where the file, at its own average rate, would have held at least this many records in that stretch:
# a small file's silence may be real (a few phones switched off), a busy file's is missing data.
TELECOM_GAP_MIN_EXPECTED = env_int("TELECOM_GAP_MIN_EXPECTED", 50, minimum=1)

# --- Robot calls (calls app, docs/calls.md) ---------------------------------------------------------------
# The switchboard: "outbox" (nothing dials; call-centre staff dial and record the key) or "http".
CALLS_BACKEND = env_str("CALLS_BACKEND", "outbox")
CALLS_HTTP_URL = env_str("CALLS_HTTP_URL", "")
CALLS_HTTP_TOKEN = env_str("CALLS_HTTP_TOKEN", "")
CALLS_HTTP_TIMEOUT_SECONDS = env_int("CALLS_HTTP_TIMEOUT_SECONDS", 10, minimum=1)
# The switchboard signs each result it posts back (HMAC-SHA256); a signature older than this is refused.
CALLS_CALLBACK_SECRET = env_str("CALLS_CALLBACK_SECRET", "")
CALLS_CALLBACK_MAX_AGE_SECONDS = env_int("CALLS_CALLBACK_MAX_AGE_SECONDS", 300, minimum=1)
# Calling hours, local time. Unconfirmed: Decree 91/2020/NĐ-CP limits advertising calls to 07:00-22:00, which does
# not bind health calls; 07:30-20:30 is our choice (docs/configuration.md).
CALLS_HOURS = env_str("CALLS_HOURS", "07:30-20:30")
CALLS_TIME_ZONE = env_str("CALLS_TIME_ZONE", "Asia/Ho_Chi_Minh")
# Calls placed per run of the dispatcher (every minute): the switchboard's channels. Unconfirmed: a setting.
CALLS_PER_MINUTE = env_int("CALLS_PER_MINUTE", 30, minimum=1)
# A placed call with no result after this long counts as a failed attempt (http switchboard only).
CALLS_RESULT_TIMEOUT_MINUTES = env_int("CALLS_RESULT_TIMEOUT_MINUTES", 30, minimum=1)
# No answer, busy or failed: tried again after this long, up to this many attempts in all. Unconfirmed: settings.
CALLS_RETRY_MINUTES = env_int("CALLS_RETRY_MINUTES", 60, minimum=1)
CALLS_MAX_ATTEMPTS = env_int("CALLS_MAX_ATTEMPTS", 3, minimum=1)

# --- Cases (cases app) ---------------------------------------------------------------------------
# The days of a contact's quarantine are data with dates (cases.QuarantineRule, migration 0017, docs/cases.md).
# Published exposure notices stay on the public list and the citizen page this many days after they end
# (not from a text: the 14-day look-back of QĐ 3638, RULES.md §1.2, is the longest window).
EXPOSURE_NOTICE_PUBLIC_DAYS = env_int("EXPOSURE_NOTICE_PUBLIC_DAYS", 14, minimum=1)
# The province's health hotline, as people dial it ("0237 3852 323", "1900 xxxx"): the exposure warning and the
# public list of places name it beside the Ministry of Health's national hotline (core.hotlines). Empty: only the
# national one. Each province publishes its own; Thanh Hóa's was not found in any source read (unconfirmed).
PROVINCE_HEALTH_HOTLINE = env_str("PROVINCE_HEALTH_HOTLINE", "").strip()

# --- The epidemic map (maps) ------------------------------------------------------------------------------
# Background tiles. OpenStreetMap's own tile servers allow light use only, with the attribution shown
# (https://operations.osmfoundation.org/policies/tiles/): a province puts its own tile server or a provider's
# address here. Empty: no background, the markers on a blank map (a machine without internet).
MAP_TILE_URL = env_str("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env_str(
    "MAP_TILE_ATTRIBUTION", '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
)
# Where the map opens when it has nothing to show (latitude, longitude, zoom): all of Vietnam by default.
MAP_CENTER = [float(value) for value in env_list("MAP_CENTER", ["16.0", "106.0"])][:2]  # a bad value stops the start
MAP_ZOOM = env_int("MAP_ZOOM", 6, minimum=1)

# --- Tracing (cases.tracing) ---------------------------------------------------------------------------
# Shortest shared time at a venue that makes an F1 candidate. Empty: the case's window rule decides (RULES.md
# §1.2: none under QĐ 3638, 15 minutes under CV 11042); a number overrides every rule.
TRACING_MIN_OVERLAP_MINUTES = (
    env_int("TRACING_MIN_OVERLAP_MINUTES", 0, minimum=0) if env_str("TRACING_MIN_OVERLAP_MINUTES").strip() else None
)
# Assumed stay of a check-in without a check-out, by venue type code ("market=90,school=480"). A type not named
# uses its auto_checkout_minutes (venues admin), what the auto check-out sweep will close the visit at.
TRACING_OPEN_CHECKIN_BUFFER_MINUTES = {
    code.strip(): int(minutes)
    for code, _, minutes in (item.partition("=") for item in env_list("TRACING_OPEN_CHECKIN_BUFFER_MINUTES", []))
}
# Closed visits up to this long are read by an index range; longer ones through the partial index built for
# stays over 24 hours (checkins migration 0004), hence the minimum. Any length is found: this only tunes reads.
TRACING_MAX_STAY_HOURS = env_int("TRACING_MAX_STAY_HOURS", 24, minimum=24)
# Processes of the task worker `serve` starts: one on SQLite, which has one writer at a time; with PostgreSQL one
# per core, so that background work (a batch tracing run's parts) uses the machine.
TASK_WORKER_PROCESSES = env_int(
    "TASK_WORKER_PROCESSES",
    (os.cpu_count() or 1) if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" else 1,
    minimum=1,
)
# A batch run's cases are traced in this many tasks side by side: the worker's processes (a machine with task
# workers of its own sets it to theirs). 1: one case after another.
TRACING_BATCH_PARTS = env_int("TRACING_BATCH_PARTS", TASK_WORKER_PROCESSES, minimum=1)
# Pages at a factory's scale (docs/cases.md): contacts per level on a case page; contacts a cluster graph draws one
# by one before it sums further levels up per case (the browser's layout takes seconds for a few hundred); rows of
# a work-list export, which is built in the request (past it the page and the file say the export is partial).
CASE_CONTACTS_PAGE = env_int("CASE_CONTACTS_PAGE", 200, minimum=10)
CLUSTER_GRAPH_MAX_CONTACTS = env_int("CLUSTER_GRAPH_MAX_CONTACTS", 500, minimum=0)
# Exposure notices from tracing are published at once (map, citizens who checked in there); 0: an official
# publishes each one.
EXPOSURE_NOTICES_AUTO_PUBLISH = env_bool("EXPOSURE_NOTICES_AUTO_PUBLISH", True)

# The check-in indexes carry extra columns for PostgreSQL's index-only reads (checkins migration 0005); SQLite
# ignores them, which costs it nothing it had, so its warning about them is silenced.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# Background jobs (telecom imports, tracing runs, exports) that show no progress for this long are taken for lost
# (their worker killed, or their message: the file-system broker deletes one when a worker fetches it): the
# `stale-work-sweep` beat tasks queue them again, or mark them failed after TASK_MAX_ATTEMPTS starts. Every job
# reports progress at least every few seconds while it works (2,000 rows, 1,000 rows, one case), so 30 minutes is
# far from any live job.
TASK_STALE_MINUTES = env_int("TASK_STALE_MINUTES", 30, minimum=5)
TASK_MAX_ATTEMPTS = env_int("TASK_MAX_ATTEMPTS", 3, minimum=1)
# Copies of such a job the sweep queues again while its task does not start (the workers down, or none reading its
# queue): past it the job waits, queued, without more copies piling on the broker (core.queue.stale_work_requeue).
TASK_MAX_REQUEUES = env_int("TASK_MAX_REQUEUES", 3, minimum=1)

# Spreadsheets built in the background (core.exports): where they wait for their requester, and for how long.
EXPORT_DIR = Path(env_str("EXPORT_DIR", str(VAR_DIR / "exports")))
EXPORT_KEEP_HOURS = env_int("EXPORT_KEEP_HOURS", 24, minimum=1)

# How long a write's Idempotency-Key (core.api.idempotent) and a page form's nonce (core.formonce) are remembered.
# Their stored answers can hold personal data, so they are not kept for ever. Our choice: a week, for phones that
# retry after days offline (Stripe keeps keys at least 24 hours, https://docs.stripe.com/api/idempotent_requests).
IDEMPOTENCY_KEEP_HOURS = env_int("IDEMPOTENCY_KEEP_HOURS", 7 * 24, minimum=1)

# Additions to Django's locale formats (phongdich/formats/<language>/formats.py); the rest are Django's.
FORMAT_MODULE_PATH = ["phongdich.formats"]

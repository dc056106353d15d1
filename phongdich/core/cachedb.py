"""The cache's own database when there is no Redis: rate limits counted once for every server process.

Without REDIS_URL the cache is Django's DatabaseCache in a SQLite file of its own (settings "cache" alias,
docs/configuration.md "Rate limits without Redis"). Its own file, not the main database: a count must not wait for
the main database's one writer (check-ins) nor pay its fsync, and a count written inside a request's transaction
would be rolled back with the request it limits. The throttles (core.throttling) read and write a count in one
transaction of this database, so two processes never both read the same count.
"""

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import router

CACHE_DATABASE = "cache"
CACHE_APP_LABEL = "django_cache"  # the app label of DatabaseCache's table (django.core.cache.backends.db.Options)


class CacheRouter:
    """The cache table lives in the cache database, and nothing else does."""

    def db_for_read(self, model, **hints):
        return CACHE_DATABASE if model._meta.app_label == CACHE_APP_LABEL else None

    db_for_write = db_for_read

    def allow_migrate(self, db, app_label, **hints):
        if db == CACHE_DATABASE or app_label == CACHE_APP_LABEL:
            return db == CACHE_DATABASE and app_label == CACHE_APP_LABEL
        return None


def cache_database() -> str | None:
    """The database alias the default cache is kept in, or None when it is not a database (Redis)."""
    backend = caches["default"]
    if not isinstance(backend, DatabaseCache):
        return None
    return router.db_for_write(backend.cache_model_class)


def cache_table_create() -> None:
    """Create the cache table if it is missing (`createcachetable` on the cache database; `serve` and `demo` call
    this, and the test databases get it from Django)."""
    from django.core.management import call_command

    if CACHE_DATABASE in settings.DATABASES:
        call_command("createcachetable", database=CACHE_DATABASE, verbosity=0)

"""DRF's throttles counting per core.clientip.client_ip, the one client address of the project (NUM_PROXIES), and
counting once for all server processes.

Import throttles from here, not from rest_framework.throttling (a test checks): DRF's own `get_ident` reads its
copy of the proxy count and takes any X-Forwarded-For text, valid address or not.

DRF keeps a client's recent request times in the cache and reads then writes them (a get and a set): two processes
that both read before either writes would count two requests as one. Without Redis the cache is a database
(core.cachedb), and the read and the write happen in one transaction that takes the database's write lock at BEGIN
(SQLite's IMMEDIATE), so every count sees the one before it. With Redis, DRF's get and set are left as they are.
"""

from django.db import transaction
from rest_framework import throttling

from .cachedb import cache_database
from .clientip import client_ip


class _ClientIpIdent:
    def get_ident(self, request) -> str:
        return client_ip(request) or ""


class _OneCount:
    def allow_request(self, request, view) -> bool:
        database = cache_database()
        if database is None:
            return super().allow_request(request, view)
        with transaction.atomic(using=database):
            return super().allow_request(request, view)


class SimpleRateThrottle(_OneCount, _ClientIpIdent, throttling.SimpleRateThrottle):
    pass


class ScopedRateThrottle(_OneCount, _ClientIpIdent, throttling.ScopedRateThrottle):
    pass

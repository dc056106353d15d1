"""DRF's throttles counting per core.clientip.client_ip, the one client address of the project (NUM_PROXIES).

Import throttles from here, not from rest_framework.throttling (a test checks): DRF's own `get_ident` reads its
copy of the proxy count and takes any X-Forwarded-For text, valid address or not.
"""

from rest_framework import throttling

from .clientip import client_ip


class _ClientIpIdent:
    def get_ident(self, request) -> str:
        return client_ip(request) or ""


class SimpleRateThrottle(_ClientIpIdent, throttling.SimpleRateThrottle):
    pass


class ScopedRateThrottle(_ClientIpIdent, throttling.ScopedRateThrottle):
    pass

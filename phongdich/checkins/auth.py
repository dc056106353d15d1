"""Bearer-token authentication for scanner devices (control staff phones, offline scanners)."""

import hashlib
import time

from django.conf import settings
from django.utils import timezone
from rest_framework import authentication, exceptions

# token hash -> (expires_monotonic, ScannerDevice with its venue). Per process: a scan must not pay a
# query to know who is scanning. Revocation clears the entry here at once (device_cache_clear) and
# takes effect elsewhere within SCANNER_DEVICE_CACHE_SECONDS.
_device_cache: dict[str, tuple[float, object]] = {}
_CACHE_MAX = 50_000


def hash_device_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def device_cache_clear(token_hash: str | None = None) -> None:
    if token_hash is None:
        _device_cache.clear()
    else:
        _device_cache.pop(token_hash, None)


def device_for_token(token: str):
    """The active device with this token (cached briefly), or None."""
    from .models import ScannerDevice

    token_hash = hash_device_token(token)
    ttl = settings.SCANNER_DEVICE_CACHE_SECONDS
    now = time.monotonic()
    hit = _device_cache.get(token_hash) if ttl else None
    if hit is not None and hit[0] > now:
        device = hit[1]
    else:
        device = (
            ScannerDevice.objects.select_related("venue", "venue__venue_type")
            .filter(token_hash=token_hash, revoked_at__isnull=True)
            .first()
        )
        if device is None:
            return None  # unknown tokens are not cached: nothing to gain, and no memory for an attacker to fill
        if ttl:
            if len(_device_cache) >= _CACHE_MAX:
                _device_cache.clear()
            _device_cache[token_hash] = (now + ttl, device)
    if device.revoked_at is not None and device.revoked_at <= timezone.now():
        return None
    return device


class DeviceTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <token>`. The request's user is then the ScannerDevice itself."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2 or len(header[1]) > 200:
            raise exceptions.AuthenticationFailed()
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed() from exc
        device = device_for_token(token)
        if device is None:
            raise exceptions.AuthenticationFailed()
        return (device, token)

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


try:
    from drf_spectacular.extensions import OpenApiAuthenticationExtension

    class DeviceTokenScheme(OpenApiAuthenticationExtension):
        """Documents the scanner device token in the OpenAPI schema."""

        target_class = "phongdich.checkins.auth.DeviceTokenAuthentication"
        name = "deviceToken"

        def get_security_definition(self, auto_schema):
            return {
                "type": "http",
                "scheme": "bearer",
                "description": "Scanner device token (POST /api/v1/devices/), shown once when the device is made.",
            }
except ImportError:  # pragma: no cover - drf-spectacular is a dependency; this keeps auth importable without it
    pass

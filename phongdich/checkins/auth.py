"""Bearer-token authentication for scanner devices (control staff phones, offline scanners)."""

import hashlib

from django.utils import timezone
from rest_framework import authentication, exceptions


def hash_device_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class DeviceTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <token>`. The request's user is then the ScannerDevice itself."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed()
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed() from exc
        from .models import ScannerDevice

        device = (
            ScannerDevice.objects.select_related("venue")
            .filter(token_hash=hash_device_token(token), revoked_at__isnull=True)
            .first()
        )
        if device is None or (device.revoked_at and device.revoked_at <= timezone.now()):
            raise exceptions.AuthenticationFailed()
        return (device, token)

    def authenticate_header(self, request):
        return 'Bearer realm="api"'

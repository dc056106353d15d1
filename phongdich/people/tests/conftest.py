import pytest


@pytest.fixture(autouse=True)
def _signing_key_in_tmp(settings, tmp_path):
    # Each test gets its own personal QR key file, never the developer's var/keys.
    settings.SIGNING_KEY_PEM = ""
    settings.SIGNING_KEY_FILE = tmp_path / "keys" / "personal-qr.pem"

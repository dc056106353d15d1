"""What every API write promises, checked on the URL conf so that a new endpoint cannot forget it: it honours the
`Idempotency-Key` header and declares it, and its input refuses a field it does not take (core.api.StrictInput).
The exceptions are listed here, each with its reason (docs/api.md)."""

import hashlib

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import encode_multipart
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from phongdich.core.api import StrictInput, _request_hash

WRITES = {"POST", "PUT", "PATCH", "DELETE"}

# Writes that do not take an Idempotency-Key.
WITHOUT_KEY = {
    ("POST", "/api/v1/calls/result/"): "the switchboard's signed callback, keyed by its call",
    ("POST", "/api/v1/certificates/verify"): "a read: checks a QR code, writes nothing",
    ("POST", "/api/v1/cases/{case_id}/contacts/identify/"): "a read: finds a person by a number, writes nothing",
    ("POST", "/api/v1/contacts/{contact_id}/contacts/identify/"): "a read: finds a person by a number",
}

# Writes that handle the key themselves and declare it in their own words: the check-ins take it as their nonce, in
# the service; a device's registration never stores its token (docs/api.md).
OWN_KEY = {"/api/v1/checkins/scan/", "/api/v1/checkins/self/", "/api/v1/devices/"}

# Writes whose input ignores a field it does not take (docs/api.md, "Fields a write does not take").
LENIENT = {
    ("POST", "/api/v1/checkins/scan/"): "scanner devices: an app's extra field must not lose a visitor's check-in",
    ("POST", "/api/v1/checkins/batch/"): "scanner devices: an offline upload of a day's scans, item by item",
    ("POST", "/api/v1/calls/result/"): "the switchboard's signed callback, in the vendor's format",
}


def _endpoints():
    generator = SchemaGenerator()
    generator.endpoints = generator.endpoint_inspector_cls(generator.patterns, generator.urlconf).get_api_endpoints()
    for path, _regex, method, view in generator._get_paths_and_endpoints():
        if method in WRITES:
            yield method, path, view


def _not_strict(serializer, where: str) -> list[str]:
    """The serializers of an input, its nested ones too (a declaration's members), that ignore unknown fields."""
    if isinstance(serializer, serializers.ListSerializer):
        return _not_strict(serializer.child, where)
    found = [] if isinstance(serializer, StrictInput) else [where]
    for name, field in serializer.fields.items():
        child = field.child if isinstance(field, serializers.ListField) else field
        if isinstance(child, serializers.BaseSerializer):
            found += _not_strict(child, f"{where}.{name}")
    return found


def test_every_write_takes_and_declares_an_idempotency_key():
    operations = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    missing = []
    for method, path, view in _endpoints():
        if (method, path) in WITHOUT_KEY:
            continue
        declared = {parameter["name"] for parameter in operations[path][method.lower()].get("parameters", [])}
        honoured = getattr(getattr(view, method.lower()), "honours_idempotency_key", False) or path in OWN_KEY
        if not honoured or "Idempotency-Key" not in declared:
            missing.append((method, path))
    assert missing == []


def test_every_write_refuses_a_field_it_does_not_take():
    lenient = []
    for method, path, view in _endpoints():
        if (method, path) in LENIENT:
            continue
        body = view.schema.get_request_serializer()
        for serializer in body.values() if isinstance(body, dict) else [body]:
            if serializer is None:
                continue  # takes no body
            if isinstance(serializer, type):
                serializer = serializer()
            lenient += [f"{method} {path}: {where}" for where in _not_strict(serializer, type(serializer).__name__)]
    assert lenient == []


class _Upload(APIView):
    parser_classes = [MultiPartParser]


def _hash(content: bytes, boundary: str, name: str = "sheet.xlsx", note: str = "a") -> str:
    body = encode_multipart(boundary, {"note": note, "file": SimpleUploadedFile(name, content)})
    raw = APIRequestFactory().generic(
        "POST", "/api/v1/upload/", body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    request = _Upload().initialize_request(raw)
    digest = _request_hash(request)
    upload = request.data["file"]
    assert upload.read() == content  # hashing left the file at its start for the view
    return digest


def test_an_upload_is_hashed_by_its_fields_and_files_not_by_its_boundary():
    """A client draws a new multipart boundary for each request: the same file sent again with its key is the same
    request; another file, name or field is another."""
    first = _hash(b"rows-1", "boundary-one")
    assert _hash(b"rows-1", "boundary-two") == first
    assert _hash(b"rows-2", "boundary-two") != first
    assert _hash(b"rows-1", "boundary-two", name="other.xlsx") != first
    assert _hash(b"rows-1", "boundary-two", note="b") != first


def test_a_json_body_is_hashed_as_sent():
    factory = APIRequestFactory()
    one = _request_hash(_Upload().initialize_request(factory.post("/x/", b'{"a": 1}', content_type="application/json")))
    two = _request_hash(_Upload().initialize_request(factory.post("/x/", b'{"a": 2}', content_type="application/json")))
    assert one != two
    assert hashlib.sha256(b"POST /x/\n" + b'{"a": 1}').hexdigest() == one

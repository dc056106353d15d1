"""Schemathesis over every operation of the API: generated input must never get a 500, and what the schema
promises (status codes' bodies, content type) must hold. See docs/api.md "Fuzzing".

The API runs in-process (schemathesis' WSGI transport into Django's WSGI handler) inside the test's database
transaction, on the demo data (officials of every kind, venues, people, cases, tests, doses), as one official
and anonymously. `make fuzz` runs the deeper version: more examples, every role of the demo
(FUZZ_EXAMPLES, FUZZ_ROLES, FUZZ_SEED below).
"""

import os
import secrets
import sys
import time
import traceback
from pathlib import Path

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.db import close_old_connections
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import AcceptedNegativeData, Failure, FailureGroup
from schemathesis.openapi.checks import UndefinedStatusCode

from phongdich.core.demo import demo_build
from phongdich.core.testing import FUZZ_FAST_ROLES, FUZZ_ROLES, make_area

pytestmark = pytest.mark.django_db

CSV = Path(__file__).resolve().parents[2] / "geo" / "data" / "thach_thanh_2021.csv"

# Examples per operation and per mode (valid input, then input the schema forbids). Low by default so that the
# sweep stays within a minute of the suite; `make fuzz` raises it.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
# Fixed seed: the same requests on every run, so a failure reproduces.
SEED = int(os.environ.get("FUZZ_SEED", "20211201"))
ROLES, FAST_ROLES = FUZZ_ROLES, FUZZ_FAST_ROLES
# What must hold: no server error; a body of a documented status matches its schema; the content type is the
# documented one.
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
# What `make fuzz` also reports, without failing: input the schema forbids yet answered 2xx (some is lenient by
# design: an id in a query string that cannot be a row's selects nothing, docs/api.md), and statuses the schema
# does not list.
NOTES = [negative_data_rejection, status_code_conformance]
# A body refused for its size (413, `MAX_REQUEST_BYTES`, DCC_MAX_QR_CHARS) is refused too.
CONFIG = {
    "checks": {
        "negative_data_rejection": {
            "expected-statuses": ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "429"]
        }
    }
}


class _Exceptions:
    """Tracebacks of the exceptions Django turned into 500s during the sweep (the 500 page hides them)."""

    def __init__(self):
        self.last = None

    def __call__(self, sender, request=None, **kwargs):
        self.last = "".join(traceback.format_exception(*sys.exc_info()))


@pytest.fixture
def api_app():
    """Django's WSGI handler as production runs it, minus the end-of-request connection close (which would end
    the test's transaction; Django's own test client does the same)."""
    exceptions = _Exceptions()
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    signals.got_request_exception.connect(exceptions)
    try:
        yield WSGIHandler(), exceptions
    finally:
        signals.got_request_exception.disconnect(exceptions)
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def demo_data():
    make_area("38", "Tỉnh Thanh Hóa", "province")
    call_command("geo_import_csv", str(CSV))
    demo_build(people=60, log=lambda text: None)


def _schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _session_headers(username):
    if username is None:
        return {}
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    csrf = secrets.token_hex(16)  # 32 characters: a valid unmasked CSRF secret, sent as cookie and header
    return {"Cookie": f"sessionid={client.cookies['sessionid'].value}; csrftoken={csrf}", "X-CSRFToken": csrf}


class _Sweep:
    """Every operation as each role, `examples` valid and `examples` invalid requests each. `failures`: those of
    CHECKS (and of NOTES when `notes`) by operation, check and status, with a curl command to reproduce."""

    def __init__(self, app, exceptions, examples, notes=False):
        self.schema = schemathesis.openapi.from_dict(_schema(), config=SchemathesisConfig.from_dict(CONFIG))
        self.schema.app = app
        self.exceptions = exceptions
        self.examples = examples
        self.checks = CHECKS + (NOTES if notes else [])
        self.failures = {}
        self.operations = 0
        self.requests = 0

    def role(self, role):
        headers = _session_headers(ROLES[role])
        for result in self.schema.get_all_operations():
            operation = result.ok()
            self.operations += 1
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                try:
                    self._operation(operation, mode, role, headers)
                except hypothesis.errors.Unsatisfiable:
                    pass  # nothing in this operation can be made invalid (no parameters, no body)

    def _operation(self, operation, mode, role, headers):
        @hypothesis.settings(
            max_examples=self.examples,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
            suppress_health_check=list(hypothesis.HealthCheck),
        )
        @hypothesis.seed(SEED)
        @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
        def run(case):
            cache.clear()  # rate limits would otherwise answer 429 to most of the sweep
            self.exceptions.last = None
            self.requests += 1
            response = case.call(headers=headers)
            try:
                case.validate_response(response, checks=self.checks, headers=headers)
            except (Failure, FailureGroup) as exc:
                for failure in getattr(exc, "exceptions", [exc]):
                    title = getattr(failure, "title", type(failure).__name__)
                    self.failures.setdefault(
                        (operation.label, title, response.status_code),
                        {
                            "note": isinstance(failure, AcceptedNegativeData | UndefinedStatusCode),
                            "role": role,
                            "mode": mode.value,
                            "message": str(failure)[:1500],
                            "request": case.as_curl_command(headers={}),
                            "response": response.text[:500],
                            "traceback": self.exceptions.last,
                        },
                    )

        run()


def _report(failures):
    lines = []
    for (label, title, status), info in sorted(failures.items(), key=lambda item: (item[1]["note"], item[0])):
        kind = "note" if info["note"] else "FAILURE"
        lines.append(f"\n=== {kind} {label}: {title} ({status}) as {info['role']}, {info['mode']}")
        lines.append(info["request"])
        lines.append(info["message"])
        if info["traceback"]:
            lines.append(info["traceback"])
        else:
            lines.append(info["response"])
    return "\n".join(lines)


def test_api_answers_generated_input_without_a_server_error(demo_data, api_app):
    app, exceptions = api_app
    roles = os.environ.get("FUZZ_ROLES", ",".join(FAST_ROLES))
    roles = list(ROLES) if roles == "all" else roles.split(",")
    notes = bool(os.environ.get("FUZZ_NOTES"))
    started = time.monotonic()
    sweep = _Sweep(app, exceptions, EXAMPLES, notes=notes)
    for role in roles:
        sweep.role(role)
    found = sweep.failures
    failures = [key for key, info in found.items() if not info["note"]]
    seconds = time.monotonic() - started
    operations = sweep.operations // len(roles)
    figures = f"{operations} operations x {len(roles)} roles, {sweep.requests} requests, {seconds:.1f} s"
    print(f"\nAPI fuzz: {figures}, {len(failures)} failures, {len(found) - len(failures)} notes")
    if notes:
        print(_report({key: info for key, info in found.items() if info["note"]}) or "no notes")
    assert not failures, _report(found)

"""The OpenAPI schema is generated without a warning: every endpoint documented, no clashing component."""

import yaml
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

from phongdich.core.tests.test_write_contract import LENIENT, WRITES


def test_openapi_schema_has_no_warnings(tmp_path):
    call_command("spectacular", "--file", str(tmp_path / "schema.yaml"), "--fail-on-warn", "--validate")
    text = (tmp_path / "schema.yaml").read_text()
    assert "operationId: checkins_scan" in text and "ErrorOutput" in text
    # Lists answered a page at a time are documented as pages ({count, next, previous, results}), with limit and
    # offset, not as plain arrays (schemathesis found the mismatch, 2026-12-06).
    for page in ("CasePage", "WorklistPage", "CheckInPage", "VenuePage", "TestResultPage", "ExposureNoticePage"):
        assert f"$ref: '#/components/schemas/{page}'" in text, page
    # Opening hours are wall-clock times: RFC 3339's full-time (format: time) would require an offset.
    assert "format: time" not in text and "Asia/Ho_Chi_Minh), HH:MM" in text


def test_every_operation_documents_the_errors_it_can_answer(tmp_path):
    """A client reads from the schema which errors to handle: a body can be refused (400), a path's object can be
    missing (404), a retried key with another body is refused (422, core.api.idempotent)."""
    call_command("spectacular", "--file", str(tmp_path / "schema.yaml"))
    schema = yaml.safe_load((tmp_path / "schema.yaml").read_text())
    missing = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            headers = {parameter["name"] for parameter in operation.get("parameters", [])}
            if "Idempotency-Key" in headers and "422" not in codes:
                missing.append((method, path, "422"))
            if "requestBody" in operation and "400" not in codes:
                missing.append((method, path, "400"))
            if "{" in path and "404" not in codes:
                missing.append((method, path, "404"))
    assert missing == []


def test_pages_bound_their_limit_and_offset_and_document_the_refusal(tmp_path):
    """A generated `limit=-209224587` was valid by the schema and answered 400, undocumented (schemathesis,
    core/tests/test_api_fuzz.py): the bounds are in the schema, and every operation with input documents 400."""
    call_command("spectacular", "--file", str(tmp_path / "schema.yaml"))
    schema = yaml.safe_load((tmp_path / "schema.yaml").read_text())
    exposures = schema["paths"]["/api/v1/exposures/"]["get"]
    by_name = {parameter["name"]: parameter["schema"] for parameter in exposures["parameters"]}
    assert by_name["limit"]["minimum"] == 0 and by_name["offset"]["minimum"] == 0
    assert "400" in exposures["responses"]
    assert "400" not in schema["paths"]["/api/v1/certificates/revoked"]["get"]["responses"]  # no input at all


def _components_under(schema: dict, node) -> set[str]:
    """The names of the components a part of the schema refers to, and those they refer to in turn."""
    components, found, todo = schema["components"]["schemas"], set(), [node]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/components/schemas/") and ref.split("/")[-1] not in found:
                found.add(ref.split("/")[-1])
                todo.append(components[ref.split("/")[-1]])
            todo += [value for key, value in node.items() if key != "$ref"]
        elif isinstance(node, list):
            todo += node
    return found


def test_strict_inputs_say_in_the_schema_that_they_refuse_other_fields():
    """A write's input refuses a field it does not take (core.api.StrictInput), nested objects too: its request body
    says `additionalProperties: false`, so that a client generator or a validator knows. The lenient writes
    (test_write_contract.LENIENT) do not say it; nor does an answer, which may grow fields."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    wrong, checked = [], 0
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method.upper() not in WRITES or "requestBody" not in operation:
                continue
            lenient = (method.upper(), path) in LENIENT
            for media_type, content in operation["requestBody"]["content"].items():
                names = _components_under(schema, content["schema"])
                assert names, (method, path, media_type)  # a body is a component, not an inline object
                for name in names:
                    component = components[name]
                    if component.get("type") != "object" or "properties" not in component:
                        continue  # an enum's component, say
                    checked += 1
                    if (component.get("additionalProperties") is False) == lenient:
                        wrong.append((method, path, media_type, name))
    assert checked > 50 and wrong == []
    answers = [
        operation.get("responses", {}) for operations in schema["paths"].values() for operation in operations.values()
    ]
    said = [
        name for name in _components_under(schema, answers) if components[name].get("additionalProperties") is False
    ]
    assert said == []

"""The OpenAPI schema is generated without a warning: every endpoint documented, no clashing component."""

from django.core.management import call_command


def test_openapi_schema_has_no_warnings(tmp_path):
    call_command("spectacular", "--file", str(tmp_path / "schema.yaml"), "--fail-on-warn", "--validate")
    text = (tmp_path / "schema.yaml").read_text()
    assert "operationId: checkins_scan" in text and "ErrorOutput" in text

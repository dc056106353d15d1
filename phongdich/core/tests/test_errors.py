import importlib
import re

import pytest
from django.apps import apps
from django.contrib.staticfiles import finders

from phongdich.core.errors import REGISTRY, ApplicationError
from phongdich.core.text import fold


def _load_all_error_modules():
    for config in apps.get_app_configs():
        if config.name.startswith("phongdich."):
            try:
                importlib.import_module(f"{config.name}.errors")
            except ModuleNotFoundError:
                pass


def test_every_error_code_has_both_languages_and_a_4xx_status():
    _load_all_error_modules()
    assert REGISTRY
    for code, error in REGISTRY.items():
        assert code == error.code and code.isidentifier() and code == code.lower()
        assert error.vi.strip() and error.en.strip(), code
        assert 400 <= error.status < 500 or code == "server_error", code


def test_error_shape_carries_both_messages():
    error = ApplicationError(REGISTRY["not_found"]).as_dict("en")
    assert set(error) == {"code", "message", "message_vi", "message_en", "extra"}
    assert error["message"] == error["message_en"]


def test_fold_removes_diacritics_and_case():
    assert fold("  Thạch   Thành ") == "thach thanh"
    assert fold("Đông Sơn") == "dong son"


def test_every_error_code_is_documented_in_docs_api():
    from pathlib import Path

    _load_all_error_modules()
    # Codes shared by all apps are in docs/api.md; each domain lists its own in its docs page.
    doc = "\n".join(p.read_text() for p in (Path(__file__).resolve().parents[3] / "docs").glob("*.md"))
    assert [code for code in REGISTRY if f"`{code}`" not in doc] == []


def _error_page(response) -> tuple[str, str]:
    """The page's headline and the whole page."""
    html = response.content.decode()
    return re.search(r"<h1>(.*?)</h1>", html, re.S).group(1).strip(), html


@pytest.mark.django_db
def test_the_error_page_is_in_the_pages_language_with_the_code_kept_small(client):
    headline, html = _error_page(client.get("/cases/no-such-page/"))
    assert headline == "Không tìm thấy." and "Not found." not in html
    assert "Mã lỗi (để báo bộ phận hỗ trợ): <code>not_found</code>" in html  # for support, not the headline
    headline, html = _error_page(client.get("/en/cases/no-such-page/"))
    assert headline == "Not found." and "Không tìm thấy" not in html
    assert "Error code (for support): <code>not_found</code>" in html


@pytest.mark.django_db
def test_the_site_has_an_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"] == "/static/core/favicon.svg"
    assert finders.find("core/favicon.svg")
    assert '<link rel="icon" href="/static/core/favicon.svg"' in client.get("/accounts/login/").content.decode()

import importlib

from django.apps import apps

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

"""What `phongdich serve` hands its children (granian, the Celery worker): the address it serves as SITE_URL when the
province set none, so that `PORT=8080 make demo` sends SMS and prints QR posters pointing at port 8080."""

from phongdich.core.management.commands.serve import children_environment, served_address


def test_an_unset_site_url_becomes_the_address_served(monkeypatch):
    monkeypatch.delenv("SITE_URL", raising=False)
    assert children_environment(served_address("0.0.0.0", 8080))["SITE_URL"] == "http://127.0.0.1:8080"
    assert children_environment(served_address("10.0.0.5", 9000))["SITE_URL"] == "http://10.0.0.5:9000"


def test_a_site_url_the_province_set_is_kept(monkeypatch):
    monkeypatch.setenv("SITE_URL", "https://phongdich.thanhhoa.gov.vn")
    env = children_environment(served_address("127.0.0.1", 8080))
    assert env["SITE_URL"] == "https://phongdich.thanhhoa.gov.vn"

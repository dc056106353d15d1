"""The top navigation offers each role what it may open."""

from phongdich.core.testing import make_official, make_province_with_communes


def test_venue_staff_are_not_offered_people_or_follow_up(client, db):
    areas = make_province_with_communes()
    client.force_login(make_official("venue_staff", areas["commune_a"]))
    html = client.get("/stats/").content.decode()
    assert "/people/" not in html and "/followups/" not in html
    assert "/checkins/scan/" in html and "/health/verify/" in html


def test_commune_officials_are_offered_people_and_follow_up(client, db):
    areas = make_province_with_communes()
    client.force_login(make_official("area_official", areas["commune_a"]))
    html = client.get("/stats/").content.decode()
    assert "/people/" in html and "/followups/" in html

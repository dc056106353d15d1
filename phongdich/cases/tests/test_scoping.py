"""An official sees the cases and contacts of their own area only (404 elsewhere, pages and API), and every
read of a case or contact is in the audit log."""

import pytest
from django.utils import timezone

from phongdich.core.models import AuditLog
from phongdich.core.testing import make_official

from .builders import ROLE, case, link, person


@pytest.fixture
def kim_tan_case(tree, kim_tan_official):
    entered = case(kim_tan_official, person(tree["kim_tan"], "Lê Văn Ca"))
    found, _ = link(person(tree["kim_tan"], "Trần Thị Tiếp"), entered)
    return entered, found.contact


@pytest.mark.parametrize(
    "path",
    [
        "/cases/{case}/",
        "/cases/contacts/{contact}/",
        "/api/v1/cases/{case}/",
        "/api/v1/cases/{case}/contacts/",
        "/api/v1/contacts/{contact}/",
    ],
)
def test_an_official_of_another_commune_gets_404(client, kim_tan_case, thach_lam_official, path):
    entered, contact = kim_tan_case
    client.force_login(thach_lam_official)
    response = client.get(path.format(case=entered.pk, contact=contact.pk))
    assert response.status_code == 404
    assert "Lê Văn Ca" not in response.content.decode()


def test_writes_out_of_area_are_404_too(client, kim_tan_case, thach_lam_official):
    entered, contact = kim_tan_case
    client.force_login(thach_lam_official)
    response = client.post(
        f"/api/v1/contacts/{contact.pk}/status/", {"status": "confirmed"}, content_type="application/json"
    )
    assert response.status_code == 404
    assert client.post(f"/cases/{entered.pk}/status/", {"status": "died"}).status_code == 404
    contact.refresh_from_db()
    assert contact.status == "candidate"


def test_lists_and_counts_leave_out_other_areas(client, kim_tan_case, thach_lam_official):
    client.force_login(thach_lam_official)
    assert "Lê Văn Ca" not in client.get("/cases/").content.decode()
    assert "Trần Thị Tiếp" not in client.get("/cases/worklist/").content.decode()
    assert client.get("/api/v1/cases/").json()["count"] == 0
    assert client.get("/api/v1/contacts/worklist/").json()["count"] == 0
    counts = client.get("/api/v1/cases/area-counts/").json()
    assert [row["area_code"] for row in counts] == ["15196"] and counts[0]["f1"] == 0


def test_the_district_sees_its_communes_and_reads_are_audited(client, kim_tan_case, district_official):
    entered, contact = kim_tan_case
    client.force_login(district_official)
    assert client.get(f"/cases/{entered.pk}/").status_code == 200
    assert client.get(f"/api/v1/contacts/{contact.pk}/").status_code == 200
    actions = set(AuditLog.objects.filter(actor=district_official).values_list("action", flat=True))
    assert {"cases.case.viewed", "cases.case.contacts_listed", "cases.contact.viewed"} <= actions


def test_venue_staff_see_no_case(client, tree, kim_tan_case):
    entered, _contact = kim_tan_case
    client.force_login(make_official(ROLE.VENUE_STAFF, tree["kim_tan"]))
    assert client.get(f"/api/v1/cases/{entered.pk}/").status_code in (403, 404)
    assert client.get("/cases/").status_code == 403


def test_a_contact_living_elsewhere_is_shown_by_initials_on_the_case_page(client, tree, kim_tan_official):
    entered = case(kim_tan_official, person(tree["kim_tan"]))
    link(person(tree["thach_lam"], "Phạm Ngoại Vi"), entered)
    client.force_login(kim_tan_official)
    html = client.get(f"/cases/{entered.pk}/").content.decode()
    assert "Phạm Ngoại Vi" not in html and "PNV" in html
    names = [row["name"] for row in client.get(f"/api/v1/cases/{entered.pk}/contacts/").json()["results"]]
    assert names == ["PNV"]


def test_a_contact_belongs_to_where_its_person_lives_now(
    client, tree, kim_tan_case, kim_tan_official, thach_lam_official
):
    """The contact's area is its person's (not a copy): after a move, the new commune's work list and counts
    have them, the old one's no longer do."""
    _entered, contact = kim_tan_case
    contact.person.area_path = tree["thach_lam"].path
    contact.person.save(update_fields=["area_path"])
    client.force_login(thach_lam_official)
    assert client.get(f"/api/v1/contacts/{contact.pk}/").status_code == 200
    assert "Trần Thị Tiếp" in client.get("/cases/worklist/").content.decode()
    counts = client.get("/api/v1/cases/area-counts/").json()
    assert [row["f1"] for row in counts] == [1]
    client.force_login(kim_tan_official)
    assert client.get(f"/api/v1/contacts/{contact.pk}/").status_code == 404
    assert "Trần Thị Tiếp" not in client.get("/cases/worklist/").content.decode()


def _edit_body(entered, **changes):
    from django.utils import timezone

    return {
        "sample_date": str(entered.sample_date),
        "test_type": entered.test_type,
        "onset_date": str(entered.onset_date),
        "isolated_at": timezone.localtime(entered.isolated_at).strftime("%Y-%m-%dT%H:%M"),
        "isolation_place": "",
        "infected_by": "",
        "cluster": "",
        "notes": "",
        **changes,
    }


def test_a_communes_edit_keeps_the_district_cluster_the_case_is_in(client, tree, kim_tan_official, district_official):
    """The district groups cases of several communes in a cluster of its own area. The commune's edit form offered
    only the commune's clusters, so saving a note sent an empty choice and took the case out of the cluster."""
    from .. import services

    entered = case(kim_tan_official, person(tree["kim_tan"], "Ca Trong Ổ Dịch"))
    cluster = services.cluster_create(actor=district_official, name="Ổ dịch chợ huyện", area_path=tree["district"].path)
    services.case_update(actor=district_official, case=entered, cluster=cluster)
    client.force_login(kim_tan_official)
    page = client.get(f"/cases/{entered.pk}/").content.decode()
    assert f'<option value="{cluster.pk}" selected>' in page
    body = _edit_body(entered, cluster=cluster.pk, notes="Gọi lại sáng mai")
    assert client.post(f"/cases/{entered.pk}/edit/", body).status_code == 302
    entered.refresh_from_db()
    assert entered.notes == "Gọi lại sáng mai" and entered.cluster_id == cluster.pk
    answer = client.patch(f"/api/v1/cases/{entered.pk}/", {"cluster": cluster.pk}, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["cluster"] == cluster.pk
    # Another district cluster is still out of the commune's reach.
    other = services.cluster_create(actor=district_official, name="Ổ dịch khác", area_path=tree["district"].path)
    refused = client.patch(f"/api/v1/cases/{entered.pk}/", {"cluster": other.pk}, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_cluster"


def test_a_communes_edit_keeps_the_source_case_in_another_commune(client, tree, kim_tan_official, district_official):
    """The district records that a Kim Tân case was infected by a Thạch Lâm case. The Kim Tân form shows the
    source's number and sends it back: every edit by the case's own commune was refused as case_source_invalid."""
    source = case(district_official, person(tree["thach_lam"], "Nguồn Lây Xã Bên"), days_ago=3, onset_days_ago=4)
    entered = case(district_official, person(tree["kim_tan"], "Ca Kim Tân"), infected_by=source)
    client.force_login(kim_tan_official)
    body = _edit_body(entered, infected_by=source.number, isolation_place="Khu cách ly tập trung")
    response = client.post(f"/cases/{entered.pk}/edit/", body)
    assert response.status_code == 302
    entered.refresh_from_db()
    assert entered.isolation_place == "Khu cách ly tập trung" and entered.infected_by_id == source.pk
    # Naming that case as a new source is still refused: it is not in the commune's area.
    other = case(kim_tan_official, person(tree["kim_tan"], "Ca Khác"))
    refused = client.post(f"/cases/{other.pk}/edit/", _edit_body(other, infected_by=source.number))
    assert refused.status_code == 400


def test_a_case_is_handed_to_another_investigator_of_its_areas(client, tree, kim_tan_official, district_official):
    """Case entry makes whoever enters the case its investigator, and nothing could change that: the district's
    or the commune's officials now choose among the active officials of the case's commune, district or province."""
    entered = case(kim_tan_official, person(tree["kim_tan"], "Ca Giao Việc"))
    elsewhere = make_official(ROLE.AREA_OFFICIAL, tree["thach_lam"], username="yte_thachlam_2")
    client.force_login(kim_tan_official)
    page = client.get(f"/cases/{entered.pk}/").content.decode()
    assert f'<option value="{district_official.pk}">' in page and f'<option value="{elsewhere.pk}">' not in page
    body = _edit_body(entered, investigator=district_official.pk)
    assert client.post(f"/cases/{entered.pk}/edit/", body).status_code == 302
    entered.refresh_from_db()
    assert entered.investigator == district_official
    assert client.post(f"/cases/{entered.pk}/edit/", _edit_body(entered, investigator=elsewhere.pk)).status_code == 400

    answer = client.patch(
        f"/api/v1/cases/{entered.pk}/", {"investigator": kim_tan_official.username}, content_type="application/json"
    )
    assert answer.status_code == 200 and answer.json()["investigator"] == kim_tan_official.username
    refused = client.patch(
        f"/api/v1/cases/{entered.pk}/", {"investigator": elsewhere.username}, content_type="application/json"
    )
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_case"
    entered.refresh_from_db()
    assert entered.investigator == kim_tan_official


def test_only_roles_that_investigate_cases_are_offered_as_investigators(client, tree, kim_tan_official):
    """The health department / CDC and area officials investigate cases; a province administrator sees people but
    does not trace contacts (docs/cases.md, "Investigator"): the list offered province administrators."""
    province_admin = make_official(ROLE.PROVINCE_ADMIN, tree["province"], username="tinh_thanhhoa")
    cdc = make_official(ROLE.HEALTH_DEPT, tree["province"], username="cdc_thanhhoa")
    entered = case(kim_tan_official, person(tree["kim_tan"], "Ca Điều Tra"))
    client.force_login(kim_tan_official)

    page = client.get(f"/cases/{entered.pk}/").content.decode()

    assert f'<option value="{cdc.pk}">' in page and f'<option value="{kim_tan_official.pk}"' in page
    assert f'<option value="{province_admin.pk}">' not in page
    body = _edit_body(entered, investigator=province_admin.pk)
    assert client.post(f"/cases/{entered.pk}/edit/", body).status_code == 400
    refused = client.patch(
        f"/api/v1/cases/{entered.pk}/", {"investigator": province_admin.username}, content_type="application/json"
    )
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_case"
    answer = client.patch(
        f"/api/v1/cases/{entered.pk}/", {"investigator": cdc.username}, content_type="application/json"
    )
    assert answer.status_code == 200 and answer.json()["investigator"] == cdc.username


def test_a_case_a_province_administrator_enters_waits_for_an_investigator(client, tree):
    province_admin = make_official(ROLE.PROVINCE_ADMIN, tree["province"], username="tinh_thanhhoa")
    client.force_login(province_admin)
    body = {"person": person(tree["kim_tan"], "Ca Của Tỉnh").pk, "sample_date": str(timezone.localdate())}
    answer = client.post("/api/v1/cases/", {**body, "test_type": "pcr"}, content_type="application/json")
    assert answer.status_code == 201 and answer.json()["investigator"] is None

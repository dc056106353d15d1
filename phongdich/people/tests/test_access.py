"""Who may see which person, through selectors, pages and the API; and that every read is audited."""

import pytest

from phongdich.accounts.models import Official
from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog
from phongdich.core.testing import make_official, make_province_with_communes, make_user
from phongdich.people.models import Person
from phongdich.people.selectors import person_duplicates, person_get, person_list
from phongdich.people.services import person_create

pytestmark = pytest.mark.django_db

Role = Official.Role


@pytest.fixture
def areas():
    return make_province_with_communes()


def _person(area, name="Nguyễn Văn An", **fields):
    return person_create(actor=None, full_name=name, address_area=area, created_via="official", **fields)


@pytest.fixture
def people(areas):
    return {
        "a": _person(areas["commune_a"], phone="0912345678", citizen_id="038090001234", birth_year=1990),
        "b": _person(areas["commune_b"], name="Lê Thị Bình", phone="0987654321"),
    }


def test_commune_official_lists_only_their_commune(areas, people):
    official = make_official(Role.AREA_OFFICIAL, areas["commune_a"])
    assert list(person_list(viewer=official)) == [people["a"]]
    province = make_official(Role.PROVINCE_ADMIN, areas["province"])
    assert set(person_list(viewer=province)) == {people["a"], people["b"]}


@pytest.mark.parametrize("role", [Role.VENUE_MANAGER, Role.VENUE_STAFF])
def test_venue_roles_see_no_people(areas, people, role):
    user = make_official(role, areas["province"])
    assert not person_list(viewer=user).exists()
    with pytest.raises(ApplicationError) as exc:
        person_get(viewer=user, person_id=people["a"].pk, reason="tracing")
    assert exc.value.code == "not_found"


def test_users_without_an_official_record_see_nobody(people):
    assert not person_list(viewer=make_user()).exists()


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("nguyen van", "a"),
        ("NGUYỄN", "a"),
        ("le thi binh", "b"),
        ("0912 345", "a"),
        ("+84987654321", "b"),
        ("84912345678", "a"),
        ("038090", "a"),
    ],
)
def test_search_ignores_diacritics_case_and_phone_format(areas, people, q, expected):
    province = make_official(Role.PROVINCE_ADMIN, areas["province"])
    assert list(person_list(viewer=province, q=q)) == [people[expected]]
    assert AuditLog.objects.filter(action="people.person.searched", extra__q=q).exists()


def test_person_get_audits_the_read_with_its_reason(areas, people):
    official = make_official(Role.AREA_OFFICIAL, areas["commune_a"])
    person = person_get(viewer=official, person_id=people["a"].pk, reason="tracing: case F0-12", ip="10.0.0.1")
    assert person == people["a"]
    entry = AuditLog.objects.get(action="people.person.viewed")
    assert (entry.actor, entry.object_id, entry.reason, entry.ip) == (
        official,
        str(person.pk),
        "tracing: case F0-12",
        "10.0.0.1",
    )
    assert entry.area_path == areas["commune_a"].path


def test_person_get_without_a_reason_is_refused_before_lookup(areas, people):
    official = make_official(Role.AREA_OFFICIAL, areas["commune_a"])
    for reason in ("", "   "):
        with pytest.raises(ApplicationError) as exc:
            person_get(viewer=official, person_id=people["a"].pk, reason=reason)
        assert exc.value.code == "reason_required"
    assert not AuditLog.objects.filter(action="people.person.viewed").exists()


def test_out_of_scope_and_unknown_people_are_the_same_not_found(areas, people):
    official = make_official(Role.AREA_OFFICIAL, areas["commune_a"])
    for person_id in (people["b"].pk, 999_999):
        with pytest.raises(ApplicationError) as exc:
            person_get(viewer=official, person_id=person_id, reason="tracing")
        assert exc.value.code == "not_found" and exc.value.status == 404
    assert not AuditLog.objects.filter(action="people.person.viewed").exists()


def test_duplicates_are_found_by_id_number_and_by_phone(areas, people):
    same_id = _person(areas["commune_a"], name="Nguyen Van Anh", citizen_id="038090001234", birth_year=1990)
    same_phone = _person(areas["commune_a"], name="Nguyễn Thị Hoa", phone="+84912345678")
    _person(areas["commune_b"], name="Elsewhere", phone="0912345678")  # out of the commune's scope
    official = make_official(Role.AREA_OFFICIAL, areas["commune_a"])
    groups = {(g["kind"], g["value"]): {p.pk for p in g["people"]} for g in person_duplicates(viewer=official)}
    assert groups == {
        ("citizen_id", "038090001234"): {people["a"].pk, same_id.pk},
        ("phone", "+84912345678"): {people["a"].pk, same_phone.pk},
    }


# --- pages ---------------------------------------------------------------------------------------


def test_detail_page_asks_the_purpose_then_shows_and_audits(client, areas, people):
    official = make_official(Role.AREA_OFFICIAL, areas["commune_a"])
    client.force_login(official)
    url = f"/people/{people['a'].pk}/"
    page = client.get(url)
    assert page.status_code == 200 and "Nguyễn Văn An" not in page.content.decode()
    assert not AuditLog.objects.filter(action="people.person.viewed").exists()
    page = client.post(url, {"purpose": "other", "detail": ""})
    assert page.status_code == 200 and "Nguyễn Văn An" not in page.content.decode()  # "other" needs a text
    page = client.post(url, {"purpose": "follow_up", "detail": "fever reported"})
    assert page.status_code == 200
    assert "038090001234" in page.content.decode()
    # The phone as people write it, as the exports give it; stored as +84912345678.
    assert "<td>0912345678</td>" in page.content.decode() and "+84912345678" not in page.content.decode()
    assert AuditLog.objects.get(action="people.person.viewed").reason == "follow_up: fever reported"


def test_detail_page_names_the_purpose_by_its_label_not_its_code(client, areas, people):
    client.force_login(make_official(Role.AREA_OFFICIAL, areas["commune_a"]))
    page = client.post(f"/people/{people['a'].pk}/", {"purpose": "tracing"}, HTTP_ACCEPT_LANGUAGE="vi")
    html = page.content.decode()
    assert "Mục đích xem: Truy vết tiếp xúc" in html and "tracing" not in html
    page = client.post(f"/people/{people['a'].pk}/", {"purpose": "data_correction", "detail": "sai năm sinh"})
    assert "Mục đích xem: Hiệu chỉnh dữ liệu: sai năm sinh" in page.content.decode()
    # The audit log keeps the stable code.
    reasons = list(
        AuditLog.objects.filter(action="people.person.viewed").order_by("pk").values_list("reason", flat=True)
    )
    assert reasons == ["tracing", "data_correction: sai năm sinh"]


def test_commune_official_gets_404_for_another_communes_person_page(client, areas, people):
    client.force_login(make_official(Role.AREA_OFFICIAL, areas["commune_a"]))
    response = client.post(f"/people/{people['b'].pk}/", {"purpose": "tracing"})
    assert response.status_code == 404
    assert "Lê Thị Bình" not in response.content.decode()
    listing = client.get("/people/")
    assert "Nguyễn Văn An" in listing.content.decode() and "Lê Thị Bình" not in listing.content.decode()


def test_people_pages_are_for_officials_who_see_people(client, areas, people):
    assert client.get("/people/").status_code == 302  # to the login page
    client.force_login(make_official(Role.VENUE_STAFF, areas["commune_a"]))
    assert client.get("/people/").status_code == 403
    assert client.get("/people/duplicates/").status_code == 403
    assert client.post(f"/people/{people['a'].pk}/", {"purpose": "tracing"}).status_code == 403


def test_duplicates_page_lists_groups(client, areas, people):
    _person(areas["commune_a"], name="Nguyễn Thị Hoa", phone="0912345678")
    client.force_login(make_official(Role.AREA_OFFICIAL, areas["commune_a"]))
    body = client.get("/people/duplicates/").content.decode()
    assert "+84912345678" in body and "Nguyễn Thị Hoa" in body


# --- API -----------------------------------------------------------------------------------------


def test_api_detail_needs_a_reason_and_audits_it(client, areas, people):
    client.force_login(make_official(Role.AREA_OFFICIAL, areas["commune_a"]))
    url = f"/api/v1/people/{people['a'].pk}/"
    response = client.get(url)
    assert response.status_code == 400 and response.json()["code"] == "reason_required"
    response = client.get(url, {"reason": "tracing"})
    assert response.status_code == 200
    assert response.json()["citizen_id"] == "038090001234"
    assert AuditLog.objects.filter(action="people.person.viewed", reason="tracing").count() == 1


def test_api_commune_official_gets_404_for_another_communes_person(client, areas, people):
    client.force_login(make_official(Role.AREA_OFFICIAL, areas["commune_a"]))
    response = client.get(f"/api/v1/people/{people['b'].pk}/", {"reason": "tracing"})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    listed = client.get("/api/v1/people/").json()
    assert [row["id"] for row in listed["results"]] == [people["a"].pk]


def test_api_search_and_roles(client, areas, people):
    assert client.get("/api/v1/people/").status_code in (401, 403)
    client.force_login(make_official(Role.VENUE_MANAGER, areas["province"]))
    assert client.get("/api/v1/people/").json()["code"] == "permission_denied"
    client.force_login(make_official(Role.HEALTH_DEPT, areas["province"]))
    rows = client.get("/api/v1/people/", {"q": "le thi"}).json()["results"]
    assert [row["full_name"] for row in rows] == ["Lê Thị Bình"]


def test_every_read_through_page_and_api_is_in_the_audit_log(client, areas, people):
    official = make_official(Role.PROVINCE_ADMIN, areas["province"])
    client.force_login(official)
    client.post(f"/people/{people['a'].pk}/", {"purpose": "tracing"})
    client.get(f"/api/v1/people/{people['b'].pk}/", {"reason": "data_correction"})
    reads = AuditLog.objects.filter(action="people.person.viewed", actor=official).order_by("at", "id")
    assert [(r.object_id, r.reason) for r in reads] == [
        (str(people["a"].pk), "tracing"),
        (str(people["b"].pk), "data_correction"),
    ]


def test_person_admin_is_scoped_for_staff_who_are_not_superusers(client, areas, people):
    from django.contrib.auth.models import Permission

    user = make_official(Role.AREA_OFFICIAL, areas["commune_a"])
    user.is_staff = True
    user.save()
    user.user_permissions.add(Permission.objects.get(codename="view_person"))
    client.force_login(user)
    body = client.get("/admin/people/person/").content.decode()
    assert "Nguyễn Văn An" in body and "Lê Thị Bình" not in body
    assert client.get(f"/admin/people/person/{people['b'].pk}/change/").status_code in (302, 404)
    assert Person.objects.count() == 2

"""Clusters: moving a case between clusters only when confirmed, who sees a cluster (through its cases), a cluster
made from an exposure notice holding its case, and the graph's caption (findings of the 2026-12 walk-through)."""

import pytest

from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog

from .. import errors, services
from ..models import Case, Cluster, ExposureNotice
from ..selectors import cluster_graph, cluster_list
from .builders import case, link, local, official, person, venue


@pytest.fixture
def market_cluster(tree, district_official):
    """A district's cluster at the Thạch Lâm market holding a Thạch Lâm case and a Kim Tân one."""
    cluster = services.cluster_create(
        actor=district_official,
        name="Ổ dịch Chợ Thạch Lâm",
        area_path="",
        venue=venue(tree["thach_lam"], "Chợ Thạch Lâm"),
    )
    there = case(district_official, person(tree["thach_lam"], "Người Thạch Lâm"), cluster=cluster)
    here = case(district_official, person(tree["kim_tan"], "Người Kim Tân"), cluster=cluster)
    return cluster, there, here


# --- 1. A case in another cluster is moved only when confirmed -------------------------------------------------


def test_a_case_in_another_cluster_is_refused_naming_it_then_moved_when_confirmed(
    tree, district_official, market_cluster
):
    old, _there, here = market_cluster
    new = services.cluster_create(actor=district_official, name="Ổ dịch Xưởng May", area_path=tree["kim_tan"].path)

    with pytest.raises(ApplicationError) as refused:
        services.case_update(actor=district_official, case=here, cluster=new)
    assert refused.value.error == errors.CASE_IN_OTHER_CLUSTER
    assert refused.value.extra["cluster"] == old.pk and "Ổ dịch Chợ Thạch Lâm" in refused.value.as_dict()["message"]
    here.refresh_from_db()
    assert here.cluster == old
    # Confirming another cluster than the one it is in confirms nothing.
    with pytest.raises(ApplicationError):
        services.case_update(actor=district_official, case=here, cluster=new, cluster_move_from=new.pk)

    services.case_update(actor=district_official, case=here, cluster=new, cluster_move_from=old.pk)

    here.refresh_from_db()
    assert here.cluster == new
    moved = AuditLog.objects.get(action="cases.case.cluster_moved")
    assert (moved.extra["from"], moved.extra["to"], moved.object_id) == (old.pk, new.pk, str(here.pk))


def test_a_case_is_not_taken_out_of_a_cluster_the_official_may_not_see(tree, market_cluster):
    """Unnamed: the official may not know the cluster exists. (A commune's official sees every cluster holding a case
    of their commune, so this is an official of another area reaching the service.)"""
    _old, there, _here = market_cluster
    hanoi = official(tree["hoan_kiem"], "hoankiem")
    mine = services.cluster_create(actor=hanoi, name="Ổ dịch Hà Nội", area_path=tree["hoan_kiem"].path)
    with pytest.raises(ApplicationError) as refused:
        services.case_update(actor=hanoi, case=there, cluster=mine, cluster_move_from=there.cluster_id)
    assert refused.value.extra == {"case": there.number, "field": "cluster", "movable": False}
    assert "Chợ Thạch Lâm" not in str(refused.value.as_dict())


def test_the_cluster_page_refuses_the_move_then_offers_the_tick(client, tree, kim_tan_official, market_cluster):
    """The walk-through: "Đã thêm ca … vào ổ dịch" while the case silently left its cluster."""
    old, _there, here = market_cluster
    client.force_login(kim_tan_official)
    client.post("/cases/clusters/", {"name": "Ổ dịch Xưởng May"})
    new = Cluster.objects.get(name="Ổ dịch Xưởng May")

    refused = client.post(f"/cases/clusters/{new.pk}/", {"case_number": here.number})

    page = refused.content.decode()
    assert refused.status_code == 409 and "Ổ dịch Chợ Thạch Lâm" in page
    assert f'name="cluster_move_from" value="{old.pk}"' in page and f'value="{here.number}"' in page
    assert Case.objects.get(pk=here.pk).cluster == old
    moved = client.post(f"/cases/clusters/{new.pk}/", {"case_number": here.number, "cluster_move_from": old.pk})
    assert moved.status_code == 302 and Case.objects.get(pk=here.pk).cluster == new


def test_the_case_edit_form_moves_the_case_only_with_the_tick(client, tree, kim_tan_official, market_cluster):
    old, _there, here = market_cluster
    new = services.cluster_create(actor=kim_tan_official, name="Ổ dịch Xưởng May", area_path=tree["kim_tan"].path)
    client.force_login(kim_tan_official)
    body = {"sample_date": str(here.sample_date), "test_type": "pcr", "cluster": new.pk}
    page = client.get(f"/cases/{here.pk}/").content.decode()
    assert f'name="cluster_move_from" value="{old.pk}"' in page

    assert client.post(f"/cases/{here.pk}/edit/", body).status_code == 409
    assert Case.objects.get(pk=here.pk).cluster == old
    assert client.post(f"/cases/{here.pk}/edit/", {**body, "cluster_move_from": old.pk}).status_code == 302
    assert Case.objects.get(pk=here.pk).cluster == new


def test_the_api_moves_a_case_only_with_cluster_move_from(client, tree, kim_tan_official, market_cluster):
    old, _there, here = market_cluster
    new = services.cluster_create(actor=kim_tan_official, name="Ổ dịch Xưởng May", area_path=tree["kim_tan"].path)
    client.force_login(kim_tan_official)
    url = f"/api/v1/cases/{here.pk}/"

    refused = client.patch(url, {"cluster": new.pk}, content_type="application/json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "case_in_other_cluster" and refused.json()["extra"]["cluster"] == old.pk
    moved = client.patch(url, {"cluster": new.pk, "cluster_move_from": old.pk}, content_type="application/json")
    assert moved.status_code == 200 and moved.json()["cluster"] == new.pk


# --- 2. A cluster is seen through its cases -----------------------------------------------------------------


def test_a_commune_official_sees_the_district_cluster_of_their_case_others_masked(
    client, tree, kim_tan_official, market_cluster
):
    cluster, there, here = market_cluster
    link(person(tree["thach_lam"], "Vợ Thạch Lâm"), there)
    client.force_login(kim_tan_official)

    assert [c.pk for c in cluster_list(viewer=kim_tan_official)] == [cluster.pk]
    assert cluster.name in client.get("/cases/clusters/").content.decode()
    response = client.get(f"/cases/clusters/{cluster.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Người Kim Tân" in page and f'href="/cases/{here.pk}/"' in page
    assert there.number in page and "Người Thạch Lâm" not in page and f"/cases/{there.pk}/" not in page
    assert AuditLog.objects.filter(action="cases.case.listed", actor=kim_tan_official).exists()
    graph = client.get(f"/api/v1/clusters/{cluster.pk}/graph/").json()
    assert graph["cases"] == 2 and "Thạch Lâm" not in str(graph["nodes"])
    assert client.get(f"/cases/clusters/{cluster.pk}/graph.json").status_code == 200
    assert [row["id"] for row in client.get("/api/v1/clusters/").json()["results"]] == [cluster.pk]


def test_an_official_of_another_area_does_not_see_the_cluster(client, tree, thach_lam_official, market_cluster):
    cluster, _there, _here = market_cluster
    hanoi = official(tree["hoan_kiem"], "hoankiem")
    client.force_login(hanoi)
    assert client.get(f"/cases/clusters/{cluster.pk}/").status_code == 404
    assert client.get(f"/cases/clusters/{cluster.pk}/graph.json").status_code == 404
    assert client.get(f"/api/v1/clusters/{cluster.pk}/graph/").status_code == 404
    assert client.get("/api/v1/clusters/").json()["results"] == []
    # The commune of the venue sees it by its own area.
    assert [c.pk for c in cluster_list(viewer=thach_lam_official)] == [cluster.pk]


# --- 3. A cluster made from an exposure notice holds its case --------------------------------------------------


def _notice(of: Case, where) -> ExposureNotice:
    return ExposureNotice.objects.create(
        case=of, venue=where, area_path=where.area_path, start=local(of.sample_date, 9), end=local(of.sample_date, 10)
    )


def test_a_cluster_made_from_a_notice_holds_the_case_and_keeps_a_venue_of_another_commune(
    client, tree, kim_tan_official
):
    """The venue of the case's notice is kept though it lies in Thạch Lâm: the cluster is Thạch Lâm's (its officials
    see it) and the Kim Tân official sees it through the case."""
    mine = case(kim_tan_official, person(tree["kim_tan"], "Ca Kim Tân"))
    market = venue(tree["thach_lam"], "Chợ Thạch Lâm")
    _notice(mine, market)
    client.force_login(kim_tan_official)
    detail = client.get(f"/cases/{mine.pk}/").content.decode()
    assert f"case={mine.pk}" in detail

    form = client.get("/cases/clusters/", {"venue": market.pk, "name": market.name, "case": mine.pk})
    assert mine.number in form.content.decode()
    created = client.post("/cases/clusters/", {"name": "Ổ dịch Chợ Thạch Lâm", "venue": market.pk, "case": mine.pk})

    cluster = Cluster.objects.get()
    assert created.status_code == 302 and created["Location"] == f"/cases/clusters/{cluster.pk}/"
    assert (cluster.venue, cluster.area_path) == (market, market.area_path)
    assert Case.objects.get(pk=mine.pk).cluster == cluster
    assert client.get(f"/cases/clusters/{cluster.pk}/").status_code == 200
    # Without the case, a venue of another commune is still refused.
    assert client.post("/cases/clusters/", {"name": "Khác", "venue": market.pk}).status_code == 400


def test_a_cluster_from_a_notice_of_a_case_in_another_cluster_asks_to_move_it(
    client, tree, kim_tan_official, market_cluster
):
    old, _there, here = market_cluster
    market = venue(tree["kim_tan"], "Xưởng May")
    _notice(here, market)
    client.force_login(kim_tan_official)
    body = {"name": "Ổ dịch Xưởng May", "venue": market.pk, "case": here.pk}

    form = client.get("/cases/clusters/", {"venue": market.pk, "case": here.pk}).content.decode()
    assert f'name="cluster_move_from" value="{old.pk}"' in form
    refused = client.post("/cases/clusters/", body)
    assert refused.status_code == 409 and "Ổ dịch Chợ Thạch Lâm" in refused.content.decode()
    assert not Cluster.objects.filter(name="Ổ dịch Xưởng May").exists()  # nothing half-written

    assert client.post("/cases/clusters/", {**body, "cluster_move_from": old.pk}).status_code == 302
    assert Case.objects.get(pk=here.pk).cluster.name == "Ổ dịch Xưởng May"


def test_the_api_makes_a_cluster_holding_a_case_at_its_notices_venue(client, tree, kim_tan_official):
    mine = case(kim_tan_official, person(tree["kim_tan"], "Ca Kim Tân"))
    market = venue(tree["thach_lam"], "Chợ Thạch Lâm")
    _notice(mine, market)
    elsewhere = venue(tree["thach_lam"], "Quán Khác")
    client.force_login(kim_tan_official)

    made = client.post(
        "/api/v1/clusters/",
        {"name": "Ổ dịch chợ", "venue": market.pk, "case": mine.pk},
        content_type="application/json",
    )

    assert made.status_code == 201 and made.json()["venue"] == market.pk
    assert Case.objects.get(pk=mine.pk).cluster_id == made.json()["id"]
    other = client.post(
        "/api/v1/clusters/", {"name": "Khác", "venue": elsewhere.pk, "case": mine.pk}, content_type="application/json"
    )
    assert other.status_code == 400 and other.json()["extra"] == {"field": "venue"}
    stranger = official(tree["hoan_kiem"], "hoankiem")
    client.force_login(stranger)
    lost = client.post("/api/v1/clusters/", {"name": "Lạ", "case": mine.pk}, content_type="application/json")
    assert lost.status_code == 404


# --- 4. The caption says what is drawn ------------------------------------------------------------------------


def test_the_caption_counts_each_level_and_says_which_are_grouped(tree, kim_tan_official, settings):
    settings.CLUSTER_GRAPH_MAX_CONTACTS = 2
    cluster = services.cluster_create(actor=kim_tan_official, name="Ổ dịch", area_path=tree["kim_tan"].path)
    first = case(kim_tan_official, person(tree["kim_tan"], "A"), cluster=cluster)
    f1, _ = link(person(tree["kim_tan"], "B"), first)
    link(person(tree["kim_tan"], "C"), first)
    for name in ("D", "E", "G"):
        link(person(tree["kim_tan"], name), first, level=2, via=f1.contact)

    graph = cluster_graph(viewer=kim_tan_official, cluster=cluster)

    assert graph["levels"] == [{"level": 1, "count": 2, "grouped": False}, {"level": 2, "count": 3, "grouped": True}]
    assert graph["caption"].startswith("1 ca F0, 2 F1, 3 F2 (gộp theo ca), ")


def test_a_case_already_in_the_cluster_is_said_to_be_so_and_nothing_is_audited(
    client, tree, kim_tan_official, market_cluster
):
    """The walk-through: adding BN-38-000007 again said "Đã thêm ca BN-38-000007 vào ổ dịch." (case added)."""
    cluster, _there, here = market_cluster
    client.force_login(kim_tan_official)
    audited = AuditLog.objects.filter(action__in=["cases.case.updated", "cases.case.cluster_moved"]).count()

    page = client.post(f"/cases/clusters/{cluster.pk}/", {"case_number": here.number}, follow=True).content.decode()
    assert f"Ca {here.number} đã có trong ổ dịch này: không có gì thay đổi." in page
    assert "Đã thêm ca" not in page
    english = client.post(f"/en/cases/clusters/{cluster.pk}/", {"case_number": here.number}, follow=True)
    assert f"Case {here.number} is already in this cluster: nothing was changed." in english.content.decode()
    assert AuditLog.objects.filter(action__in=["cases.case.updated", "cases.case.cluster_moved"]).count() == audited
    assert Case.objects.get(pk=here.pk).cluster == cluster


@pytest.mark.parametrize(
    "name, vietnamese, english",
    [
        ("Ổ dịch Chợ Thạch Bình", "Ổ dịch Chợ Thạch Bình", "Cluster: Ổ dịch Chợ Thạch Bình"),
        ("O dich cho Kim Tan", "O dich cho Kim Tan", "Cluster: O dich cho Kim Tan"),
        ("Chợ Kim Tân", "Ổ dịch: Chợ Kim Tân", "Cluster: Chợ Kim Tân"),
        ("Ổ dịchvụ", "Ổ dịch: Ổ dịchvụ", "Cluster: Ổ dịchvụ"),
    ],
)
def test_the_cluster_heading_does_not_say_cluster_twice(client, tree, kim_tan_official, name, vietnamese, english):
    """The demo's cluster was headed "Ổ dịch: Ổ dịch Chợ Thạch Bình" (walk of 2026-12-07)."""
    made = services.cluster_create(actor=kim_tan_official, name=name, area_path=tree["kim_tan"].path)
    client.force_login(kim_tan_official)

    page = client.get(f"/cases/clusters/{made.pk}/").content.decode()
    assert f"<h1>{vietnamese}</h1>" in page
    assert f"<h1>{english}</h1>" in client.get(f"/en/cases/clusters/{made.pk}/").content.decode()

"""The published exposure notices: the public list (area, place name, pages), its API, and the warning on a
citizen's own page, which must find a notice however many others a province has published."""

import datetime as dt

import pytest
from django.core import signing
from django.test import override_settings
from django.utils import timezone

from phongdich.checkins.views import DEVICE_COOKIE, DEVICE_COOKIE_SALT
from phongdich.core.testing import make_area

from .. import services
from ..models import ExposureNotice
from ..selectors import exposure_matches_for_person
from ..tracing import case_trace_checkins
from .builders import case, checkin, local, person, venue


def _notice(entered, market, *, published=True, hours_ago=24, minutes=90):
    start = timezone.now() - dt.timedelta(hours=hours_ago)
    return ExposureNotice.objects.create(
        case=entered,
        venue=market,
        area_path=market.area_path,
        start=start,
        end=start + dt.timedelta(minutes=minutes),
        published_at=timezone.now() if published else None,
    )


def _many_notices(entered, market, count, *, hours_ago=1):
    """`count` notices at `market`, a minute apart, the newest `hours_ago` hours ago."""
    newest = timezone.now() - dt.timedelta(hours=hours_ago)
    ExposureNotice.objects.bulk_create(
        ExposureNotice(
            case=entered,
            venue=market,
            area_path=market.area_path,
            start=newest - dt.timedelta(minutes=i),
            end=newest - dt.timedelta(minutes=i) + dt.timedelta(minutes=30),
            published_at=timezone.now(),
        )
        for i in range(count)
    )


@pytest.fixture
def entered(tree, kim_tan_official):
    return case(kim_tan_official, person(tree["kim_tan"], "Bí Mật Tên"))


def _table(response) -> str:
    """The list itself, without the filter (whose options name the areas)."""
    html = response.content.decode()
    return html[html.index("<tbody>") : html.index("</tbody>")]


def _warning(html: str) -> str:
    """The exposure warning of /c/me/ (the page also lists the citizen's own check-ins)."""
    return html[html.index('class="exposure-warning"') : html.index("</section>", html.index('"exposure-warning"'))]


def _remember(client, who):
    client.cookies[DEVICE_COOKIE] = signing.get_cookie_signer(salt=DEVICE_COOKIE + DEVICE_COOKIE_SALT).sign(
        who.public_id
    )


def test_public_exposure_list_shows_places_and_times_but_no_person(client, tree, entered):
    _notice(entered, venue(tree["kim_tan"], "Chợ Công Khai"))
    _notice(entered, venue(tree["kim_tan"], "Chợ Chưa Đăng"), published=False)
    html = client.get("/cases/exposures/").content.decode()
    assert "Chợ Công Khai" in html and "Chợ Chưa Đăng" not in html
    assert "Bí Mật Tên" not in html and entered.number not in html
    body = client.get("/api/v1/exposures/").json()
    assert body["count"] == 1 and [row["venue_name"] for row in body["results"]] == ["Chợ Công Khai"]
    assert "case" not in body["results"][0] and "person" not in body["results"][0]


def test_public_list_filters_by_commune_or_district_and_by_place_name(client, tree, entered):
    _notice(entered, venue(tree["kim_tan"], "Chợ Kim Tân"))
    _notice(entered, venue(tree["thach_lam"], "Trường Tiểu học Thạch Lâm"))
    _notice(entered, venue(tree["hoan_kiem"], "Chợ Đồng Xuân"))
    html = client.get("/cases/exposures/").content.decode()
    # The filter offers the areas with a notice, each with its count, under its district or province.
    assert "Thị trấn Kim Tân (1)" in html and "Xã Thạch Lâm (1)" in html and "Phường Hoàn Kiếm (1)" in html
    assert "Huyện Thạch Thành (2)" in html

    def places(**query):
        response = client.get("/cases/exposures/", query)
        assert response.status_code == 200
        listed = _table(response)
        return sorted(name for name in ("Chợ Kim Tân", "Thạch Lâm", "Đồng Xuân") if name in listed)

    assert places(area=tree["kim_tan"].pk) == ["Chợ Kim Tân"]
    assert places(area=tree["district"].pk) == ["Chợ Kim Tân", "Thạch Lâm"]
    assert places(q="cho") == ["Chợ Kim Tân", "Đồng Xuân"]  # without diacritics, as people type
    assert places(q="Đồng xuân") == ["Đồng Xuân"]
    assert places(area=tree["district"].pk, q="truong") == ["Thạch Lâm"]
    api = client.get("/api/v1/exposures/", {"area": tree["district"].path, "q": "cho"}).json()
    assert [row["venue_name"] for row in api["results"]] == ["Chợ Kim Tân"]


def test_public_list_counts_every_notice_beneath_an_area_as_choosing_it_lists(client, tree, entered):
    # A ward directly under the province (the 2025 two-level map) beside the district's communes.
    ward = make_area("14950", "Phường Hạc Thành", "commune", tree["province"])
    _notice(entered, venue(tree["kim_tan"], "Chợ Kim Tân"))
    _notice(entered, venue(tree["thach_lam"], "Trường Tiểu học Thạch Lâm"))
    _notice(entered, venue(ward, "Chợ Hạc Thành"))
    html = client.get("/cases/exposures/").content.decode()
    # The province counts its district's notices too, its own commune once, and nothing is counted twice.
    assert f'<option value="{tree["province"].pk}">Toàn bộ Tỉnh Thanh Hóa (3)</option>' in html
    assert f'<option value="{tree["district"].pk}">Toàn bộ Huyện Thạch Thành (2)</option>' in html
    assert f'<option value="{ward.pk}">Phường Hạc Thành (1)</option>' in html
    assert "Tỉnh Thanh Hóa (1)" not in html
    listed = _table(client.get("/cases/exposures/", {"area": tree["province"].pk}))
    assert listed.count("<tr>") == 3


def test_public_list_prints_the_date_then_the_time_under_from_and_to(client, tree, entered):
    notice = _notice(entered, venue(tree["kim_tan"], "Chợ Kim Tân"))
    notice.start = timezone.make_aware(dt.datetime(2026, 12, 5, 17, 12))
    notice.end, notice.end_assumed = notice.start + dt.timedelta(hours=2), True
    notice.save()
    with override_settings(EXPOSURE_NOTICE_PUBLIC_DAYS=100000):
        html = client.get("/cases/exposures/").content.decode()
    assert "<th>Từ</th><th>Đến</th>" in html
    assert '<td data-label="Từ">05/12/2026 17:12</td><td data-label="Đến">05/12/2026 19:12 <span' in html
    assert 'id="exposure-about-note"' in html  # what "(ước tính)" means


def test_public_list_refuses_an_unknown_area_plainly_and_keeps_an_area_whose_notices_ended(client, tree, entered):
    _notice(entered, venue(tree["kim_tan"], "Chợ Kim Tân"))
    for bad in ("999999", "abc"):
        response = client.get("/cases/exposures/", {"area": bad})
        assert response.status_code == 400
        assert "errorlist" in response.content.decode() and "Chợ Kim Tân" not in _table(response)
    # A link shared yesterday to Thạch Lâm, where nothing is listed today: the area stays chosen, the list empty.
    response = client.get("/cases/exposures/", {"area": tree["thach_lam"].pk})
    html = response.content.decode()
    assert response.status_code == 200 and "Chợ Kim Tân" not in _table(response)
    assert f'<option value="{tree["thach_lam"].pk}" selected>Xã Thạch Lâm (0)</option>' in html


def test_public_list_and_api_go_page_by_page(client, tree, entered):
    market = venue(tree["kim_tan"], "Chợ Đông Người")
    _many_notices(entered, market, 120)
    first = client.get("/cases/exposures/").content.decode()
    assert "120 địa điểm và thời gian" in first
    assert first.count("<td>Chợ Đông Người</td>") == 50 and "page=2" in first
    last = client.get("/cases/exposures/", {"page": 3}).content.decode()
    assert last.count("<td>Chợ Đông Người</td>") == 20
    body = client.get("/api/v1/exposures/", {"limit": 5000}).json()
    assert body["count"] == 120 and len(body["results"]) == 120
    page = client.get("/api/v1/exposures/", {"limit": 50, "offset": 100}).json()
    assert len(page["results"]) == 20 and page["next"] is None and page["previous"]


def test_public_api_never_hands_out_more_than_a_thousand_at_once(client, tree, entered):
    _many_notices(entered, venue(tree["kim_tan"], "Chợ Rất Đông"), 1001)
    body = client.get("/api/v1/exposures/", {"limit": 5000}).json()
    assert body["count"] == 1001 and len(body["results"]) == 1000 and body["next"]


def test_my_qr_page_warns_when_my_own_checkin_overlaps_a_notice(client, tree, entered):
    market = venue(tree["kim_tan"], "Chợ Trùng Giờ")
    notice = _notice(entered, market)
    me = person(tree["kim_tan"], "Tôi")
    _remember(client, me)
    assert "Chợ Trùng Giờ" not in client.get("/c/me/").content.decode()
    checkin(me, market, notice.start + dt.timedelta(minutes=30), None)  # no check-out: the buffer counts
    html = client.get("/c/me/").content.decode()
    assert "exposure-warning" in html and "Chợ Trùng Giờ" in html


def test_my_qr_page_finds_my_notice_among_thousands_of_newer_ones(client, tree, entered):
    """An outbreak publishes notices by the thousand; a person at a place named five days ago is still told."""
    mine = venue(tree["kim_tan"], "Quán Cơm Năm Ngày Trước")
    notice = _notice(entered, mine, hours_ago=5 * 24)
    _many_notices(entered, venue(tree["thach_lam"], "Chợ Khác"), 1200)
    me = person(tree["kim_tan"], "Tôi")
    checkin(me, mine, notice.start + dt.timedelta(minutes=10), 20)
    checkin(me, mine, notice.end + dt.timedelta(hours=3), 20)  # later the same day: not while the case was there
    _remember(client, me)
    html = client.get("/c/me/").content.decode()
    assert "exposure-warning" in html and _warning(html).count("Quán Cơm Năm Ngày Trước") == 1


def test_my_qr_page_ignores_a_notice_past_the_listed_days_and_one_kept_back(client, tree, entered, settings):
    settings.EXPOSURE_NOTICE_PUBLIC_DAYS = 3
    old_place, kept_back = venue(tree["kim_tan"], "Chợ Cũ"), venue(tree["kim_tan"], "Chợ Chưa Công Bố")
    old = _notice(entered, old_place, hours_ago=4 * 24)
    held = _notice(entered, kept_back, published=False)
    me = person(tree["kim_tan"], "Tôi")
    checkin(me, old_place, old.start, 30)
    checkin(me, kept_back, held.start, 30)
    _remember(client, me)
    assert "exposure-warning" not in client.get("/c/me/").content.decode()


def test_my_qr_page_assumes_the_stay_tracing_assumes(client, tree, entered, settings):
    """A check-in without check-out 100 minutes before the case came: tracing's buffer for that kind of place
    decides whether they met, and the citizen's warning must agree with it (it read the venue type alone)."""
    market = venue(tree["kim_tan"], "Chợ Đầu Mối", minutes=120)
    notice = _notice(entered, market)
    me = person(tree["kim_tan"], "Tôi")
    checkin(me, market, notice.start - dt.timedelta(minutes=100), None)
    _remember(client, me)
    assert "exposure-warning" in client.get("/c/me/").content.decode()  # 120 minutes assumed: they met

    settings.TRACING_OPEN_CHECKIN_BUFFER_MINUTES = {"test_market": 60}
    assert "exposure-warning" not in client.get("/c/me/").content.decode()  # tracing assumes an hour: they did not


def test_an_official_publishes_a_kept_back_notice_and_keeps_back_a_published_one(
    client, tree, entered, kim_tan_official, thach_lam_official
):
    """With EXPOSURE_NOTICES_AUTO_PUBLISH off, nothing could publish a notice: the province never warned anybody.
    The officials who see the case publish or keep back each notice, on the case's page and through the API."""
    from phongdich.core.models import AuditLog

    market = venue(tree["kim_tan"], "Chợ Kim Tân")
    notice = _notice(entered, market, published=False)
    client.force_login(kim_tan_official)
    page = client.get(f"/cases/{entered.pk}/").content.decode()
    assert f'action="/cases/notices/{notice.pk}/publication/"' in page and "Công bố" in page
    response = client.post(f"/cases/notices/{notice.pk}/publication/", {"published": "1"}, follow=True)
    assert response.redirect_chain[-1][0] == f"/cases/{entered.pk}/#notices"
    assert "Đã công bố thông báo tại Chợ Kim Tân." in response.content.decode()
    assert "Chợ Kim Tân" in _table(client.get("/cases/exposures/"))

    answer = client.post(
        f"/api/v1/exposure-notices/{notice.pk}/publication/", {"published": False}, content_type="application/json"
    )
    assert answer.status_code == 200 and answer.json()["published_at"] is None
    assert "Chợ Kim Tân" not in _table(client.get("/cases/exposures/"))
    listed = client.get(f"/api/v1/cases/{entered.pk}/notices/").json()
    assert [(row["id"], row["published_at"]) for row in listed] == [(notice.pk, None)]
    audited = AuditLog.objects.filter(action__startswith="cases.exposure_notice.").order_by("pk")
    actions = list(audited.values_list("action", flat=True))
    assert actions == ["cases.exposure_notice.published", "cases.exposure_notice.kept_back"]

    # Another commune's official: not found, on the page and in the API.
    client.force_login(thach_lam_official)
    assert client.post(f"/cases/notices/{notice.pk}/publication/", {"published": "1"}).status_code == 404
    refused = client.post(
        f"/api/v1/exposure-notices/{notice.pk}/publication/", {"published": True}, content_type="application/json"
    )
    assert refused.status_code == 404
    notice.refresh_from_db()
    assert notice.published_at is None


def test_a_notice_kept_back_stays_back_when_the_case_is_traced_again(client, tree, kim_tan_official, settings):
    from ..tracing import case_trace_checkins

    settings.EXPOSURE_NOTICES_AUTO_PUBLISH = True
    f0 = person(tree["kim_tan"], "Ca Truy Vết Lại")
    market = venue(tree["kim_tan"])
    checkin(f0, market, timezone.now() - dt.timedelta(days=2), 60)
    entered = case(kim_tan_official, f0)
    case_trace_checkins(case=entered, actor=kim_tan_official)
    notice = ExposureNotice.objects.get(case=entered)
    assert notice.published_at is not None
    client.force_login(kim_tan_official)
    client.post(f"/cases/notices/{notice.pk}/publication/", {"published": "0"})
    case_trace_checkins(case=entered, actor=kim_tan_official)
    notice.refresh_from_db()
    assert notice.published_at is None


def test_a_withdrawn_cases_notice_cannot_be_published(client, tree, entered, kim_tan_official):
    from .. import services

    notice = _notice(entered, venue(tree["kim_tan"]), published=True)
    services.case_withdraw(actor=kim_tan_official, case=entered, reason="Nhập nhầm")
    client.force_login(kim_tan_official)
    answer = client.post(
        f"/api/v1/exposure-notices/{notice.pk}/publication/", {"published": True}, content_type="application/json"
    )
    assert answer.status_code == 409 and answer.json()["code"] == "case_withdrawn"
    notice.refresh_from_db()
    assert notice.published_at is None


def test_a_citizen_who_left_as_the_case_arrived_is_not_warned(client, tree, kim_tan_official):
    """Tracing counts half-open stays: who left at 10:00 as the case arrived at 10:00 did not meet it (docs/cases.md,
    "touching ones … do not"); the citizen's page compared closed intervals and warned them anyway."""
    f0 = person(tree["kim_tan"], "Ca Đến Mười Giờ")
    before, after = person(tree["kim_tan"], "Về Lúc Mười Giờ"), person(tree["kim_tan"], "Đến Lúc Mười Một Giờ")
    market = venue(tree["kim_tan"])
    ten = local(timezone.localdate() - dt.timedelta(days=2), 10)
    checkin(f0, market, ten, 60)
    checkin(before, market, ten - dt.timedelta(hours=1), 60)  # 09:00-10:00
    checkin(after, market, ten + dt.timedelta(hours=1), 30)  # 11:00-11:30, as the case left
    entered = case(kim_tan_official, f0)
    assert case_trace_checkins(case=entered, actor=kim_tan_official).f1 == 0  # tracing: not contacts
    assert exposure_matches_for_person(person=before) == []
    assert exposure_matches_for_person(person=after) == []
    _remember(client, before)
    assert "exposure-warning" not in client.get("/c/me/").content.decode()


def test_a_citizen_is_warned_of_a_stay_only_as_long_as_the_cases_rule_asks(client, tree, kim_tan_official, settings):
    """A rule with a minimum overlap (15 minutes under CV 11042, RULES.md §1.2): tracing leaves out who shared ten
    minutes with the case, and the citizen's page warned them all the same."""
    settings.TRACING_MIN_OVERLAP_MINUTES = 15
    f0 = person(tree["kim_tan"], "Ca Mười Lăm Phút")
    brief, long = person(tree["kim_tan"], "Ghé Mười Phút"), person(tree["kim_tan"], "Ở Hai Mươi Phút")
    market = venue(tree["kim_tan"])
    ten = local(timezone.localdate() - dt.timedelta(days=2), 10)
    checkin(f0, market, ten, 60)
    checkin(brief, market, ten + dt.timedelta(minutes=50), 30)  # 10:50-11:20: ten minutes with the case
    checkin(long, market, ten + dt.timedelta(minutes=40), 30)  # 10:40-11:10: twenty minutes
    entered = case(kim_tan_official, f0)
    assert case_trace_checkins(case=entered, actor=kim_tan_official).f1 == 1
    assert exposure_matches_for_person(person=brief) == []
    assert [notice.case_id for notice, _ in exposure_matches_for_person(person=long)] == [entered.pk]


def test_a_case_is_not_warned_of_its_own_visits(tree, kim_tan_official):
    """/c/me/ warned "A person with COVID-19 was at a place you checked in at" for every published notice the
    person's own check-ins overlap, including the notices written from the F0's *own* check-ins: the case was told
    it may have been exposed, by itself."""
    kim_tan = tree["kim_tan"]
    patient = person(kim_tan, "Bệnh Nhân")
    market = venue(kim_tan)
    the_case = case(kim_tan_official, patient, days_ago=1, onset_days_ago=2)
    checkin(patient, market, local(timezone.localdate() - dt.timedelta(days=2), 9), minutes=60)
    case_trace_checkins(case=the_case, actor=kim_tan_official)
    assert the_case.exposure_notices.filter(published_at__isnull=False).exists()

    assert exposure_matches_for_person(person=patient) == []


def test_correcting_the_onset_takes_the_old_windows_places_off_the_public_list(client, tree, kim_tan_official):
    """Onset typed as 10 days ago, corrected to 3 days ago: the case was not infectious at the market 9 days ago,
    but the notice of the first trace stayed published (the public list, citizens' /c/me/ warnings), and tracing
    again did not touch it. A notice partly inside the new window comes back clipped to it."""
    f0 = person(tree["kim_tan"], "Ca Sửa Ngày")
    market, shop = venue(tree["kim_tan"], "Chợ Ngày Cũ"), venue(tree["kim_tan"], "Quán Qua Đêm")
    today = timezone.localdate()
    checkin(f0, market, local(today - dt.timedelta(days=9), 8), 60)
    overnight = local(today - dt.timedelta(days=6), 22)  # 22:00 to 02:00, across the new window's start
    checkin(f0, shop, overnight, 4 * 60)
    entered = case(kim_tan_official, f0, days_ago=1, onset_days_ago=10)
    case_trace_checkins(case=entered, actor=kim_tan_official)
    assert ExposureNotice.objects.filter(case=entered, published_at__isnull=False).count() == 2
    entered = services.case_update(actor=kim_tan_official, case=entered, onset_date=today - dt.timedelta(days=3))
    outcome = entered.traced_again  # traced before: the edit traces it again
    assert outcome.notices_removed == 2 and outcome.notices_added == 1
    notice = ExposureNotice.objects.get(case=entered)
    assert (notice.venue, notice.start, notice.end) == (shop, entered.window_start, overnight + dt.timedelta(hours=4))
    public = client.get("/cases/exposures/").content.decode()
    assert "Chợ Ngày Cũ" not in public and "Quán Qua Đêm" in public
    assert case_trace_checkins(case=entered, actor=kim_tan_official).notices_removed == 0


def test_a_notice_kept_back_stays_back_when_a_corrected_window_clips_it(client, tree, kim_tan_official, settings):
    """A trace after a correction deletes the notices outside the new window and writes what is inside, clipped. A
    notice an official had kept back came back published (found by the review of 2026-12-06): it stays back."""
    settings.EXPOSURE_NOTICES_AUTO_PUBLISH = True
    f0 = person(tree["kim_tan"], "Ca Giữ Lại")
    shop = venue(tree["kim_tan"], "Quán Qua Đêm")
    today = timezone.localdate()
    overnight = local(today - dt.timedelta(days=6), 22)  # 22:00 to 02:00, across the corrected window's start
    checkin(f0, shop, overnight, 4 * 60)
    entered = case(kim_tan_official, f0, days_ago=1, onset_days_ago=10)
    case_trace_checkins(case=entered, actor=kim_tan_official)
    notice = ExposureNotice.objects.get(case=entered)
    client.force_login(kim_tan_official)
    client.post(f"/cases/notices/{notice.pk}/publication/", {"published": "0"})
    entered = services.case_update(actor=kim_tan_official, case=entered, onset_date=today - dt.timedelta(days=3))
    outcome = entered.traced_again  # traced before: the edit traces it again
    assert (outcome.notices_removed, outcome.notices_added) == (1, 1)
    clipped = ExposureNotice.objects.get(case=entered)
    assert clipped.start == entered.window_start and clipped.published_at is None
    assert "Quán Qua Đêm" not in _table(client.get("/cases/exposures/"))


def test_my_warning_prints_both_days_of_a_notice_over_midnight_and_marks_an_estimated_end(client, tree, entered):
    """A notice from 04/12 18:57 to 05/12 02:57 read "18:57–02:57 05/12/2026": the start's day was left out."""
    school = venue(tree["kim_tan"], "Trường THPT Thạch Thành 1")
    notice = _notice(entered, school)
    day = timezone.localdate() - dt.timedelta(days=2)
    notice.start = local(day, 18, 57)
    notice.end, notice.end_assumed = local(day + dt.timedelta(days=1), 2, 57), True
    notice.save()
    me = person(tree["kim_tan"], "Tôi")
    checkin(me, school, notice.start + dt.timedelta(minutes=10), 60)
    _remember(client, me)
    nxt = day + dt.timedelta(days=1)
    for url, about in (("/c/me/", "(ước tính)"), ("/en/c/me/", "(about)")):
        warning = _warning(client.get(url).content.decode())
        assert f"18:57 {day:%d/%m/%Y}–02:57 {nxt:%d/%m/%Y}" in warning
        assert about in warning and "exposure-about-note" in warning
    # Within one day, the day once.
    notice.end, notice.end_assumed = local(day, 20, 30), False
    notice.save()
    warning = _warning(client.get("/c/me/").content.decode())
    assert f"18:57–20:30 {day:%d/%m/%Y}" in warning and "ước tính" not in warning


def test_my_warning_and_the_public_list_link_the_declaration_and_give_numbers_to_call(client, tree, entered, settings):
    market = venue(tree["kim_tan"], "Chợ Trùng Giờ")
    notice = _notice(entered, market)
    me = person(tree["kim_tan"], "Tôi")
    checkin(me, market, notice.start + dt.timedelta(minutes=10), 30)
    _remember(client, me)
    warning = _warning(client.get("/c/me/").content.decode())
    assert 'href="/declarations/domestic/"' in warning
    assert 'href="tel:19009095"' in warning and "Đường dây nóng Bộ Y tế" in warning
    assert "Đường dây nóng y tế của tỉnh" not in warning  # not set: the Ministry's only
    assert 'href="/en/declarations/domestic/"' in _warning(client.get("/en/c/me/").content.decode())
    settings.PROVINCE_HEALTH_HOTLINE = "0237 3852 323"
    warning = _warning(client.get("/en/c/me/").content.decode())
    assert "Provincial health hotline" in warning and 'href="tel:02373852323"' in warning
    assert warning.index("02373852323") < warning.index("19009095")  # the province's first
    for prefix in ("", "/en"):
        url, declare = f"{prefix}/cases/exposures/", f"{prefix}/declarations/domestic/"
        html = client.get(url).content.decode()
        assert f'href="{declare}"' in html and 'href="tel:19009095"' in html and 'href="tel:02373852323"' in html


def test_the_public_list_labels_each_cell_for_a_phone_in_both_languages(client, tree, entered):
    """At 390 px the table scrolled sideways and hid the end and its "(about)": on a phone each row is a card whose
    cells name their column (cases.css, data-label)."""
    _notice(entered, venue(tree["kim_tan"], "Chợ Kim Tân"))
    vi = _table(client.get("/cases/exposures/"))
    assert 'data-label="Địa chỉ"' in vi and 'data-label="Từ"' in vi and 'data-label="Đến"' in vi
    en = _table(client.get("/en/cases/exposures/"))
    assert 'data-label="Address"' in en and 'data-label="From"' in en and 'data-label="To"' in en

"""What the pages say a rule leaves unconfirmed, as an official reads it: once on the contact page, citing the
Ministry's document (not the project's research notes), only what concerns this person (no "not fully vaccinated"
caveat for someone the page calls fully vaccinated or recovered), and no note meant for developers on the case page."""

import datetime as dt
import html
import re

import pytest
from django.utils import timezone

from .. import services
from ..models import Case, InfectiousWindowRule, QuarantineRule
from .builders import case, link, local, person

TODAY = timezone.localdate


def _recovered(actor, who) -> None:
    """`who` had a case of their own, recovered a month ago: protected under CV 762/BYT-DP (within 3 months)."""
    own = case(actor, who, days_ago=40, onset_days_ago=41)
    Case.objects.filter(pk=own.pk).update(
        status=Case.Status.RECOVERED, status_changed_at=timezone.now() - dt.timedelta(days=30)
    )


@pytest.fixture
def quarantined(tree, kim_tan_official):
    """Two household F1 of a case, quarantined today under CV 762/BYT-DP: one recovered a month ago (5 days, the
    protected), one not (7 days)."""
    source = case(kim_tan_official, person(tree["kim_tan"], "Ca Nguồn"))
    met = local(TODAY() - dt.timedelta(days=1), 9)
    found = {}
    for name in ("Đã Khỏi", "Chưa Tiêm"):
        who = person(tree["kim_tan"], name)
        if name == "Đã Khỏi":
            _recovered(kim_tan_official, who)
        contact = link(who, source, exposure_start=met, exposure_end=met)[0].contact
        services.contact_status_set(actor=kim_tan_official, contact=contact, status="quarantined")
        contact.refresh_from_db()
        found[name] = contact
    assert (found["Đã Khỏi"].quarantine_protected, found["Chưa Tiêm"].quarantine_protected) == (True, False)
    return found


def _text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.mark.parametrize(
    "prefix, note",
    [("", "cài đặt của tỉnh, không phải quy định chung của Bộ Y tế"), ("/en", "a setting of the province, not")],
)
def test_the_contact_page_says_once_in_plain_words_what_the_province_set_citing_the_document(
    client, quarantined, kim_tan_official, prefix, note
):
    client.force_login(kim_tan_official)
    page = _text(client.get(f"{prefix}/cases/contacts/{quarantined['Chưa Tiêm'].pk}/").content.decode())
    assert page.count(note) == 1, page  # it was said twice, by the status and by the schedule
    assert "RULES.md" not in page
    assert "CV 762/BYT-DP" in page.split(note, 1)[1].split(".", 1)[0]  # the Ministry's document


@pytest.mark.parametrize("prefix, caveat", [("", "cài đặt của tỉnh"), ("/en", "a setting of the province")])
def test_the_not_fully_vaccinated_caveat_is_only_for_those_who_are_not(
    client, quarantined, kim_tan_official, prefix, caveat
):
    client.force_login(kim_tan_official)
    protected = _text(client.get(f"{prefix}/cases/contacts/{quarantined['Đã Khỏi'].pk}/").content.decode())
    assert "fully vaccinated or recovered" in protected or "đã tiêm đủ liều hoặc đã khỏi bệnh" in protected
    assert caveat not in protected  # the page calls them protected: the others' caveat is not theirs
    other = _text(client.get(f"{prefix}/cases/contacts/{quarantined['Chưa Tiêm'].pk}/").content.decode())
    assert caveat in other


def test_the_api_schedule_says_the_same(client, quarantined, kim_tan_official):
    client.force_login(kim_tan_official)
    protected = client.get(f"/api/v1/contacts/{quarantined['Đã Khỏi'].pk}/").json()["schedule"]
    other = client.get(f"/api/v1/contacts/{quarantined['Chưa Tiêm'].pk}/").json()["schedule"]
    assert "7 ngày" not in protected["unconfirmed"] and "CV 762/BYT-DP" in other["unconfirmed"]


def test_the_rules_texts_cite_documents_and_keep_each_caveat_for_whom_it_concerns(db):
    rules = {rule.code: rule for rule in QuarantineRule.objects.all()}
    for rule in rules.values():
        for text in (
            rule.unconfirmed,
            rule.unconfirmed_vi,
            rule.unconfirmed_unprotected,
            rule.unconfirmed_unprotected_vi,
        ):
            assert "RULES.md" not in text, rule.code
    assert "CV 5599/BYT-MT" in rules["cv5599_2021"].unconfirmed and rules["cv5599_2021"].unconfirmed_unprotected == ""
    for code, document in (("cv10696_2021", "CV 10696/BYT-MT"), ("cv762_2022", "CV 762/BYT-DP")):
        rule = rules[code]
        assert (rule.unconfirmed, rule.unconfirmed_vi) == ("", ""), code  # all about the others
        assert document in rule.unconfirmed_unprotected and document in rule.unconfirmed_unprotected_vi


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_case_page_has_no_note_for_developers(client, tree, kim_tan_official, prefix):
    entered = case(kim_tan_official, person(tree["kim_tan"], "Ca Nguồn"))
    assert entered.rule.code == "cv1909_2022"
    client.force_login(kim_tan_official)
    page = _text(client.get(f"{prefix}/cases/{entered.pk}/").content.decode())
    assert "chưa đọc được" not in page and "was not read" not in page
    assert "CV 1909/BYT-DP" in page  # the rule is still cited
    rule = InfectiousWindowRule.objects.get(code="cv1909_2022")
    assert rule.summary_vi.endswith("Định nghĩa ca bệnh xác định của CV 11042/BYT-DP được giữ.")
    assert rule.summary_en.endswith("The confirmed-case definition of CV 11042/BYT-DP is kept.")

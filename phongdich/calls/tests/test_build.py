"""Building a campaign: the levels chosen, bad numbers skipped and counted, no phone twice across a case's
campaigns, a withdrawn case refused, and an official sees only their own area's cases."""

import pytest

from phongdich.cases import services as case_services
from phongdich.cases.models import Case, Contact
from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog

from .. import services
from ..models import Call, CallCampaign
from .scene import build


@pytest.fixture
def scene(tree, kim_tan_official):
    return build(tree, kim_tan_official)


def _phones(campaign):
    return set(campaign.calls.values_list("phone", flat=True))


def test_f1_candidates_only_takes_those_with_a_phone_in_the_area(scene, kim_tan_official):
    campaign = services.call_campaign_create(actor=kim_tan_official, case_id=scene["case"].pk, f1_candidates=True)
    assert _phones(campaign) == {"+84912000001"}  # not confirmed, not F2, not dismissed, not outside
    assert campaign.status == CallCampaign.Status.DRAFT
    assert campaign.skipped_invalid == 1 and campaign.skipped_outside == 1
    call = campaign.calls.get()
    assert call.contact == scene["f1_candidate"] and call.level == 1 and call.place == "Chợ Kim Tân"
    assert call.next_attempt_at is None  # nothing dialled before the start
    entry = AuditLog.objects.get(action="calls.campaign.created")
    assert entry.extra["calls"] == 1 and entry.extra["skipped_invalid"] == 1


def test_all_levels_take_every_open_contact_and_never_a_dismissed_one(scene, kim_tan_official):
    campaign = services.call_campaign_create(
        actor=kim_tan_official, case_id=scene["case"].pk, f1_candidates=True, f1_confirmed=True, f2=True
    )
    assert _phones(campaign) == {"+84912000001", "+84912000002", "+84912000003"}
    assert dict(campaign.calls.values_list("phone", "level"))["+84912000003"] == 2


def test_a_second_campaign_takes_only_the_new_phones(scene, kim_tan_official, tree):
    from phongdich.cases.tests.builders import person

    from .scene import contact_with

    first = services.call_campaign_create(actor=kim_tan_official, case_id=scene["case"].pk, f1_candidates=True)
    with pytest.raises(ApplicationError) as refused:
        services.call_campaign_create(actor=kim_tan_official, case_id=scene["case"].pk, f1_candidates=True)
    assert refused.value.code == "calls_nothing_to_call" and refused.value.extra["skipped_called"] == 1
    contact_with(kim_tan_official, scene["case"], person(tree["kim_tan"], "Mới Tìm Thấy", phone="0912 000 007"))
    second = services.call_campaign_create(actor=kim_tan_official, case_id=scene["case"].pk, f1_candidates=True)
    assert _phones(second) == {"+84912000007"} and second.skipped_called == 1
    # A campaign cancelled before its calls were placed gives its phones back.
    services.call_campaign_action(actor=kim_tan_official, campaign_id=first.pk, action="cancel")
    assert first.calls.get().status == Call.Status.CANCELLED
    third = services.call_campaign_create(actor=kim_tan_official, case_id=scene["case"].pk, f1_candidates=True)
    assert _phones(third) == {"+84912000001"}


def test_a_withdrawn_case_is_refused_and_nothing_is_written(scene, kim_tan_official):
    case_services.case_withdraw(actor=kim_tan_official, case=scene["case"], reason="Dương tính giả")
    assert Case.objects.get(pk=scene["case"].pk).status == Case.Status.WITHDRAWN
    # The contacts were taken off the lists by the withdrawal; put one back to show the case alone refuses.
    Contact.objects.filter(pk=scene["f1_candidate"].pk).update(status=Contact.Status.CANDIDATE)
    with pytest.raises(ApplicationError) as refused:
        services.call_campaign_create(actor=kim_tan_official, case_id=scene["case"].pk, f1_candidates=True)
    assert refused.value.code == "case_withdrawn"
    assert not CallCampaign.objects.exists() and not Call.objects.exists()


def test_a_draft_built_before_the_case_was_withdrawn_cannot_be_started(scene, kim_tan_official):
    campaign = services.call_campaign_create(actor=kim_tan_official, case_id=scene["case"].pk, f1_candidates=True)
    case_services.case_withdraw(actor=kim_tan_official, case=scene["case"], reason="Nhập nhầm kết quả")
    # Building a campaign for a withdrawn case is refused (case_withdrawn); so is starting one built just before.
    with pytest.raises(ApplicationError) as refused:
        services.call_campaign_action(actor=kim_tan_official, campaign_id=campaign.pk, action="start")
    assert refused.value.code == "case_withdrawn"
    campaign.refresh_from_db()
    assert campaign.status == CallCampaign.Status.CANCELLED  # by the withdrawal
    assert not Call.objects.filter(next_attempt_at__isnull=False).exists()


def test_a_paused_campaign_of_a_withdrawn_case_cannot_be_resumed(scene, kim_tan_official):
    campaign = services.call_campaign_create(actor=kim_tan_official, case_id=scene["case"].pk, f1_candidates=True)
    for action in ("start", "pause"):
        services.call_campaign_action(actor=kim_tan_official, campaign_id=campaign.pk, action=action)
    case_services.case_withdraw(actor=kim_tan_official, case=scene["case"], reason="Nhập nhầm kết quả")
    for action in ("resume", "start"):
        with pytest.raises(ApplicationError) as refused:
            services.call_campaign_action(actor=kim_tan_official, campaign_id=campaign.pk, action=action)
        assert refused.value.code == "case_withdrawn"
    call = campaign.calls.get()
    assert (call.status, call.stop_reason, call.parked_next_attempt_at) == (
        Call.Status.CANCELLED,
        "case_withdrawn",
        None,
    )


def test_another_areas_official_gets_not_found(scene, thach_lam_official):
    with pytest.raises(ApplicationError) as refused:
        services.call_campaign_create(actor=thach_lam_official, case_id=scene["case"].pk, f1_candidates=True)
    assert refused.value.code == "not_found"


def test_no_target_chosen_is_refused(scene, kim_tan_official):
    with pytest.raises(ApplicationError) as refused:
        services.call_campaign_create(actor=kim_tan_official, case_id=scene["case"].pk)
    assert refused.value.code == "calls_no_targets"


def test_the_script_reads_the_place_and_time_and_never_a_name(scene, kim_tan_official):
    campaign = services.call_campaign_create(
        actor=kim_tan_official, case_id=scene["case"].pk, f1_candidates=True, f1_confirmed=True, f2=True
    )
    for call in campaign.calls.select_related("person"):
        text = services.call_script(
            campaign.script_template,
            place=call.place,
            start=call.exposure_start,
            end=call.exposure_end,
            level=call.level,
        )
        assert "nhấn phím 1" in text and "phím 2" in text and " ngày " in text
        # An F2 met an F1, not the case: the voice must not say a case was there.
        if call.level == 1:
            assert "nơi có người mắc COVID-19." in text
        else:
            assert "nơi có người tiếp xúc gần với người mắc COVID-19." in text
        for name in ("Hoàng Văn Bệnh", call.person.full_name, scene["case"].number):
            assert name not in text
    market = campaign.calls.get(phone="+84912000001")
    text = services.call_script(
        campaign.script_template, place=market.place, start=market.exposure_start, end=market.exposure_end
    )
    assert "tại Chợ Kim Tân từ 09:00 đến 10:00 ngày" in text


def test_phones_are_read_as_vietnamese_numbers():
    assert services.phone_e164("0912 345 678") == "+84912345678"
    assert services.phone_e164("+84 912.345.678") == "+84912345678"
    assert services.phone_e164("12345") is None
    assert services.phone_e164("+14155550123") is None  # valid, but not Vietnamese


def test_telecom_unknown_phones_for_the_roles_that_read_them(scene, kim_tan_official, tree):
    from phongdich.accounts.models import Official
    from phongdich.cases.tests.builders import official
    from phongdich.telecom.models import TelecomTrace

    TelecomTrace.objects.create(
        case=scene["case"],
        phone="+84911000001",
        unknown=[
            {
                "phone": "+84394000666",
                "records": 1,
                "overlap_minutes": 40,
                "first": "2021-09-14T09:00:00+07:00",
                "last": "2021-09-14T09:40:00+07:00",
                "cells": ["viettel TTH-KT-01"],
            },
            {"phone": "+84912000001", "records": 1, "overlap_minutes": 20, "first": None, "last": None, "cells": []},
        ],
        min_overlap_minutes=15,
        neighbour_cell_m=0,
    )
    with pytest.raises(ApplicationError) as refused:
        services.call_campaign_create(actor=kim_tan_official, case_id=scene["case"].pk, telecom=True)
    assert refused.value.code == "calls_telecom_not_allowed"
    health = official(tree["district"], "cdc", role=Official.Role.HEALTH_DEPT)
    campaign = services.call_campaign_create(actor=health, case_id=scene["case"].pk, f1_candidates=True, telecom=True)
    calls = {call.phone: call for call in campaign.calls.all()}
    # The district sees Thạch Lâm's contact too; the contact's phone is taken once, as a contact.
    assert set(calls) == {"+84912000001", "+84912000006", "+84394000666"}
    assert calls["+84912000001"].source == Call.Source.CONTACT
    unknown = calls["+84394000666"]
    assert unknown.source == Call.Source.TELECOM and unknown.person is None
    assert unknown.place == "khu vực trạm phát sóng TTH-KT-01"
    assert services.time_text(unknown.exposure_start, unknown.exposure_end) == "từ 09:00 đến 09:40 ngày 14/09/2021"


def test_telecom_numbers_found_only_through_an_import_withdrawn_since_are_not_called(scene, tree):
    """The telecom trace page stopped offering them; the robot call read the run's list whole and called them."""
    from phongdich.accounts.models import Official
    from phongdich.cases.tests.builders import official
    from phongdich.telecom.models import TelecomImport, TelecomTrace

    def locations(status):
        return TelecomImport.objects.create(
            kind="locations", operator="viettel", file_name="x.csv", file_format="csv", sha256=status, status=status
        )

    kept, wrong = locations(TelecomImport.Status.DONE), locations(TelecomImport.Status.WITHDRAWN)
    item = {"records": 1, "overlap_minutes": 40, "first": None, "last": None, "cells": []}
    TelecomTrace.objects.create(
        case=scene["case"],
        phone="+84911000001",
        unknown=[
            {**item, "phone": "+84394000666", "sources": [[kept.pk, kept.pk]]},
            {**item, "phone": "+84394000777", "sources": [[wrong.pk, wrong.pk]]},  # only through the wrong file
            {**item, "phone": "+84394000888", "sources": [[wrong.pk, wrong.pk], [kept.pk, kept.pk]]},
        ],
        imports_read=[kept.pk, wrong.pk],
        min_overlap_minutes=15,
        neighbour_cell_m=0,
    )
    health = official(tree["district"], "cdc", role=Official.Role.HEALTH_DEPT)
    campaign = services.call_campaign_create(actor=health, case_id=scene["case"].pk, telecom=True)
    telecom = {call.phone for call in campaign.calls.filter(source=Call.Source.TELECOM)}
    assert telecom == {"+84394000666", "+84394000888"}

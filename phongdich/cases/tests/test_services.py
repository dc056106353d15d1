"""Case entry and changes, contact evidence and status, through the services and the API."""

import datetime as dt

import pytest
from django.utils import timezone

from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog

from .. import services
from ..models import Case, Contact, ContactLink, InfectiousWindowRule
from ..providers import cases_recovery_certificates, cases_status_inputs
from .builders import case, link, local, person

TODAY = timezone.localdate


def api_post(client, path, body, **headers):
    return client.post(path, body, content_type="application/json", **headers)


# --- Case entry: bad input is a clear 4xx and writes nothing -------------------------------------------------


@pytest.mark.parametrize(
    "change, code, field",
    [
        ({"sample_date": None}, "case_date_missing", "sample_date"),
        ({"test_type": "blood"}, "invalid_case", "test_type"),
        ({"sample_date": "2099-01-01"}, "invalid_case", "sample_date"),
        ({"onset_date": "2099-01-01"}, "invalid_case", "onset_date"),
        ({"sample_date": "2021-09-01", "onset_date": "2021-09-20"}, "case_onset_too_late", "onset_date"),
        ({"sample_date": "2021-09-10", "source_exposure_date": "2021-09-12"}, "invalid_case", "source_exposure_date"),
        ({"sample_date": "2021-01-10"}, "no_window_rule", None),
        ({"infected_by": "BN-38-999999"}, "case_source_invalid", "infected_by"),
        ({"infected_by": "¹"}, "case_source_invalid", "infected_by"),  # a digit int() refuses: a 500 once
        # A typing slip (1900 for 2021) emptied the infectious window: a 500 once, then a wrong case.
        ({"isolated_at": "1900-01-01T00:00:00Z"}, "invalid_case", "isolated_at"),
        # An onset a year early (a slipped year) opened a year-long window: every co-visitor an F1.
        ({"onset_date": "1900-01-01"}, "invalid_case", "onset_date"),
        ({"onset_date": "0001-01-01"}, "invalid_case", "onset_date"),  # a 500 (OverflowError) once
        ({"sample_date": "0001-01-01"}, "invalid_case", "sample_date"),
        ({"sample_date": "2019-11-30"}, "invalid_case", "sample_date"),
        ({"sample_date": "2021-09-10", "onset_date": "2021-07-01"}, "invalid_case", "onset_date"),
        ({"sample_date": "2021-09-10", "source_exposure_date": "2020-09-10"}, "invalid_case", "source_exposure_date"),
    ],
)
def test_bad_case_input_answers_4xx_with_both_languages_and_writes_nothing(
    client, tree, kim_tan_official, change, code, field
):
    who = person(tree["kim_tan"])
    client.force_login(kim_tan_official)
    body = {"person": who.pk, "sample_date": str(TODAY()), "test_type": "pcr", **change}
    response = api_post(client, "/api/v1/cases/", body)
    assert 400 <= response.status_code < 500
    answer = response.json()
    assert answer["code"] == code and answer["message_vi"] and answer["message_en"]
    if field:
        assert answer["extra"]["field"] == field
    assert not Case.objects.exists()
    assert not AuditLog.objects.filter(action="cases.case.created").exists()


def test_a_sample_before_every_rule_is_refused_naming_the_earliest_rule_date(client, tree, kim_tan_official):
    """The message named no date (walk of 2026-12-07): the earliest is read from the rules loaded (30/07/2021 for
    QĐ 3638 of the migrations, an earlier one once a superuser adds it)."""
    client.force_login(kim_tan_official)
    body = {"person": person(tree["kim_tan"]).pk, "test_type": "pcr", "sample_date": "2021-01-10"}
    answer = api_post(client, "/api/v1/cases/", body).json()
    assert answer["code"] == "no_window_rule" and answer["extra"]["earliest"] == "2021-07-30"
    assert "ngày lấy mẫu 10/01/2021: quy định sớm nhất có hiệu lực từ ngày 30/07/2021" in answer["message_vi"]
    assert "sample date 10/01/2021: the earliest rule is in force from 30/07/2021" in answer["message_en"]
    page = client.post("/cases/new/", {"person": body["person"], "test_type": "pcr", "sample_date": "10/01/2021"})
    assert "quy định sớm nhất có hiệu lực từ ngày 30/07/2021" in page.content.decode()

    first = InfectiousWindowRule.objects.order_by("effective_from").first()
    InfectiousWindowRule.objects.create(
        **{
            field.name: getattr(first, field.name)
            for field in InfectiousWindowRule._meta.concrete_fields
            if field.name not in ("id", "code", "effective_from")
        },
        code="earlier_test",
        effective_from=dt.date(2021, 1, 1),
    )
    answer = api_post(client, "/api/v1/cases/", {**body, "sample_date": "2020-12-20"}).json()
    assert answer["extra"]["earliest"] == "2021-01-01" and "from 01/01/2021" in answer["message_en"]


def test_an_onset_too_late_is_refused_with_the_rules_limit(client, tree, kim_tan_official):
    client.force_login(kim_tan_official)
    body = {"person": person(tree["kim_tan"]).pk, "test_type": "pcr", "sample_date": "2021-09-01"}
    answer = api_post(client, "/api/v1/cases/", {**body, "onset_date": "2021-09-20"}).json()
    assert "14" in answer["message_vi"] and "14 days" in answer["message_en"]


def test_an_onset_up_to_60_days_before_the_sample_is_accepted(client, tree, kim_tan_official):
    client.force_login(kim_tan_official)
    sample = TODAY() - dt.timedelta(days=1)
    body = {"person": person(tree["kim_tan"]).pk, "test_type": "pcr", "sample_date": str(sample)}
    response = api_post(client, "/api/v1/cases/", {**body, "onset_date": str(sample - dt.timedelta(days=60))})
    assert response.status_code == 201, response.json()


def test_a_case_without_the_sample_date_key_is_refused_too(client, tree, kim_tan_official):
    client.force_login(kim_tan_official)
    response = api_post(client, "/api/v1/cases/", {"person": person(tree["kim_tan"]).pk, "test_type": "pcr"})
    assert response.status_code == 400 and response.json()["code"] == "case_date_missing"


def test_entering_a_case_computes_its_window_numbers_it_and_audits(client, tree, kim_tan_official):
    who = person(tree["kim_tan"])
    client.force_login(kim_tan_official)
    sample = TODAY() - dt.timedelta(days=1)
    response = api_post(
        client,
        "/api/v1/cases/",
        {"person": who.pk, "sample_date": str(sample), "test_type": "antigen", "isolation_place": "Trạm Y tế"},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"] == "BN-38-000001" and body["rule"]["code"] == "cv1909_2022"
    assert body["window_start"].startswith(str(sample - dt.timedelta(days=2)))
    assert AuditLog.objects.filter(action="cases.case.created", object_id=str(body["id"])).exists()
    # a second case under treatment for the same person is refused
    again = api_post(client, "/api/v1/cases/", {"person": who.pk, "sample_date": str(sample), "test_type": "pcr"})
    assert again.status_code == 409 and again.json()["code"] == "person_already_case"


def test_a_person_outside_the_area_cannot_be_made_a_case(client, tree, kim_tan_official):
    client.force_login(kim_tan_official)
    elsewhere = person(tree["thach_lam"])
    response = api_post(
        client, "/api/v1/cases/", {"person": elsewhere.pk, "sample_date": str(TODAY()), "test_type": "pcr"}
    )
    assert response.status_code == 404 and not Case.objects.exists()


def test_updating_the_onset_recomputes_the_window_and_audits_the_fields(tree, kim_tan_official):
    entered = case(kim_tan_official, person(tree["kim_tan"]), days_ago=1, onset_days_ago=None)
    old_start = entered.window_start
    updated = services.case_update(actor=kim_tan_official, case=entered, onset_date=TODAY() - dt.timedelta(days=5))
    assert updated.window_start == old_start - dt.timedelta(days=4)  # 2 days before onset (day -7) vs sample -3
    entry = AuditLog.objects.get(action="cases.case.updated")
    assert entry.extra["fields"] == ["onset_date"] and "window" in entry.extra


def test_a_chain_cannot_loop(tree, kim_tan_official):
    first = case(kim_tan_official, person(tree["kim_tan"], "A"))
    second = case(kim_tan_official, person(tree["kim_tan"], "B"), infected_by=first)
    with pytest.raises(ApplicationError) as caught:
        services.case_update(actor=kim_tan_official, case=first, infected_by=second)
    assert caught.value.code == "case_source_invalid"
    with pytest.raises(ApplicationError):
        services.case_update(actor=kim_tan_official, case=first, infected_by=first)


def test_outcome_only_from_under_treatment_and_within_dates(tree, kim_tan_official):
    entered = case(kim_tan_official, person(tree["kim_tan"]), days_ago=10, onset_days_ago=11)
    with pytest.raises(ApplicationError) as caught:
        services.case_status_set(
            actor=kim_tan_official, case=entered, status="recovered", on=TODAY() - dt.timedelta(days=20)
        )
    assert caught.value.code == "invalid_case"
    services.case_status_set(actor=kim_tan_official, case=entered, status="recovered")
    with pytest.raises(ApplicationError) as caught:
        services.case_status_set(actor=kim_tan_official, case=entered, status="died")
    assert caught.value.code == "case_status_transition"
    assert AuditLog.objects.filter(action="cases.case.recovered").count() == 1


# --- Evidence: one contact per person, idempotent links -----------------------------------------------------


def test_contact_link_add_is_idempotent_and_a_person_is_one_contact_with_several_links(tree, kim_tan_official):
    first = case(kim_tan_official, person(tree["kim_tan"], "A"))
    second = case(kim_tan_official, person(tree["kim_tan"], "B"))
    exposed = person(tree["kim_tan"], "C")
    t0 = timezone.now() - dt.timedelta(days=1)
    link_a, created_a = link(exposed, first, key="checkin:1:2:3", exposure_start=t0)
    again, created_again = link(exposed, first, key="checkin:1:2:3", exposure_start=t0)
    link_b, created_b = link(exposed, second, key="checkin:1:2:3", exposure_start=t0 - dt.timedelta(hours=5))
    assert created_a and not created_again and again.pk == link_a.pk and created_b
    assert Contact.objects.count() == 1 and ContactLink.objects.count() == 2
    contact = Contact.objects.get()
    assert contact.first_exposure_at == t0 - dt.timedelta(hours=5)
    # an F2 link never raises the level of an F1
    link(exposed, first, level=2, key="checkin:other")
    contact.refresh_from_db()
    assert contact.level == 1


def test_the_case_itself_is_never_its_own_contact(tree, kim_tan_official):
    who = person(tree["kim_tan"])
    entered = case(kim_tan_official, who)
    assert link(who, entered) == (None, False)
    assert not Contact.objects.exists()


def test_level_beyond_the_setting_is_refused(tree, kim_tan_official, settings):
    settings.TRACING_MAX_LEVEL = 2
    entered = case(kim_tan_official, person(tree["kim_tan"]))
    with pytest.raises(ApplicationError) as caught:
        link(person(tree["kim_tan"], "F3"), entered, level=3)
    assert caught.value.code == "invalid_contact"


def test_an_interview_submitted_twice_adds_one_link(client, tree, kim_tan_official):
    entered = case(kim_tan_official, person(tree["kim_tan"]))
    spouse = person(tree["kim_tan"], "Vợ")
    client.force_login(kim_tan_official)
    body = {"person": spouse.pk, "setting": "household", "place": "Nhà", "nonce": "nonce-12345678"}
    first = api_post(client, f"/api/v1/cases/{entered.pk}/contacts/", body)
    second = api_post(client, f"/api/v1/cases/{entered.pk}/contacts/", body)
    assert (first.status_code, second.status_code) == (201, 200)
    assert ContactLink.objects.filter(source="interview").count() == 1
    bad = api_post(client, f"/api/v1/cases/{entered.pk}/contacts/", {**body, "setting": "cell", "nonce": "x" * 10})
    assert bad.status_code == 400


def test_an_interview_exposure_dated_long_before_the_sample_is_refused(client, tree, kim_tan_official):
    """1900 for 2021 gave an overlap of 964 million minutes (schemathesis, 2026-12-06); 60 days before is the limit."""
    entered = case(kim_tan_official, person(tree["kim_tan"]))
    client.force_login(kim_tan_official)
    body = {"person": person(tree["kim_tan"], "Vợ").pk, "setting": "household", "nonce": "nonce-12345678"}
    sample = dt.datetime.combine(entered.sample_date, dt.time(12), tzinfo=dt.UTC)
    for field in ("exposure_start", "exposure_end"):
        too_early = {field: "1900-01-01T00:00:00Z"}
        response = api_post(client, f"/api/v1/cases/{entered.pk}/contacts/", {**body, **too_early})
        assert response.status_code == 400
        assert response.json()["extra"]["field"] == field and "60" in response.json()["message_en"]
    assert not ContactLink.objects.exists()
    ok = api_post(client, f"/api/v1/cases/{entered.pk}/contacts/", {**body, "exposure_start": sample.isoformat()})
    assert ok.status_code == 201


def test_an_interview_contact_met_before_the_infectious_window_is_refused(client, tree, kim_tan_official):
    """An interview exposure was bounded only by 60 days before the sample (a typing guard), never by the case's
    infectious window: a colleague last met 20 days before the sample of a case whose window (CV 1909: 2 days before
    onset) starts 4 days before it became an F1 candidate to call and quarantine, though the case was not infectious
    then; the check-in tracer, for the same meeting at a venue, finds nobody."""
    kim_tan = tree["kim_tan"]
    the_case = case(kim_tan_official, person(kim_tan, "Ca Bệnh"), days_ago=1, onset_days_ago=3)
    met = local(TODAY() - dt.timedelta(days=21), 9)
    assert met < the_case.window_start
    colleague = person(kim_tan, "Đồng Nghiệp")
    window_start = timezone.localtime(the_case.window_start).strftime("%d/%m/%Y %H:%M")
    for times in ({"exposure_start": met, "exposure_end": met + dt.timedelta(hours=8)}, {"exposure_start": met}):
        with pytest.raises(ApplicationError) as caught:
            services.contact_interview_add(
                actor=kim_tan_official,
                case=the_case,
                person=colleague,
                setting=ContactLink.Setting.WORKPLACE,
                nonce="before-window-1",
                **times,
            )
        assert caught.value.code == "invalid_contact"
        assert caught.value.extra["window_start"] == timezone.localtime(the_case.window_start).isoformat()
        assert window_start in caught.value.vi and window_start in caught.value.en
    assert not Contact.objects.exists()
    # Through the API, in both languages; a meeting that began before the window and ended in it is an exposure.
    client.force_login(kim_tan_official)
    body = {"person": colleague.pk, "setting": "workplace", "nonce": "before-window-2"}
    refused = api_post(client, f"/api/v1/cases/{the_case.pk}/contacts/", {**body, "exposure_start": met.isoformat()})
    assert refused.status_code == 400 and refused.json()["extra"]["field"] == "exposure_start"
    assert window_start in refused.json()["message_vi"] and window_start in refused.json()["message_en"]
    inside = the_case.window_start + dt.timedelta(hours=1)
    ok = api_post(
        client,
        f"/api/v1/cases/{the_case.pk}/contacts/",
        {**body, "exposure_start": met.isoformat(), "exposure_end": inside.isoformat()},
    )
    assert ok.status_code == 201 and Contact.objects.get().status == Contact.Status.CANDIDATE


# --- Contact status ----------------------------------------------------------------------------------------------


def test_dismiss_without_a_reason_is_refused_and_nothing_changes(client, tree, kim_tan_official):
    entered = case(kim_tan_official, person(tree["kim_tan"]))
    found, _ = link(person(tree["kim_tan"], "C"), entered)
    client.force_login(kim_tan_official)
    response = api_post(client, f"/api/v1/contacts/{found.contact_id}/status/", {"status": "dismissed", "reason": " "})
    assert response.status_code == 400 and response.json()["code"] == "contact_dismiss_reason_required"
    assert Contact.objects.get().status == "candidate"
    ok = api_post(client, f"/api/v1/contacts/{found.contact_id}/status/", {"status": "dismissed", "reason": "Đi vắng"})
    assert ok.status_code == 200 and ok.json()["status"] == "dismissed"


def test_status_transitions_follow_the_table_and_quarantine_lasts_the_rules_days(tree, kim_tan_official):
    entered = case(kim_tan_official, person(tree["kim_tan"]))
    found, _ = link(person(tree["kim_tan"], "C"), entered, exposure_start=timezone.now() - dt.timedelta(days=2))
    contact = found.contact
    with pytest.raises(ApplicationError) as caught:
        services.contact_status_set(actor=kim_tan_official, contact=contact, status="released")
    assert caught.value.code == "contact_status_transition"
    services.contact_status_set(actor=kim_tan_official, contact=contact, status="confirmed")
    with pytest.raises(ApplicationError) as caught:
        services.contact_status_set(
            actor=kim_tan_official, contact=contact, status="quarantined", quarantine_start=TODAY() + dt.timedelta(1)
        )
    assert caught.value.code == "quarantine_date_invalid"
    contact = services.contact_status_set(actor=kim_tan_official, contact=contact, status="quarantined")
    # The rule's days (today CV 762/BYT-DP's 7 for an unvaccinated F1) from the last exposure (RULES.md §2), not
    # from today's start.
    assert contact.quarantine_end == timezone.localdate(contact.last_exposure_at) + dt.timedelta(days=7)
    assert AuditLog.objects.filter(action="cases.contact.quarantined").count() == 1


def test_tracing_again_never_changes_a_status_an_official_set(tree, kim_tan_official):
    entered = case(kim_tan_official, person(tree["kim_tan"]))
    exposed = person(tree["kim_tan"], "C")
    found, _ = link(exposed, entered, key="checkin:a")
    services.contact_status_set(actor=kim_tan_official, contact=found.contact, status="dismissed", reason="Nhầm")
    link(exposed, entered, key="checkin:b")
    assert Contact.objects.get().status == "dismissed"


# --- What other apps learn ---------------------------------------------------------------------------------------


def test_health_card_inputs_and_recovery_certificate(tree, kim_tan_official):
    who = person(tree["kim_tan"])
    entered = case(kim_tan_official, who, days_ago=15, onset_days_ago=16)
    assert cases_status_inputs(person=who, at=timezone.now()) == {"active_case": True}
    assert cases_recovery_certificates(person=who) == []
    services.case_status_set(actor=kim_tan_official, case=entered, status="recovered")
    facts = cases_status_inputs(person=who, at=timezone.now())
    assert "active_case" not in facts and facts["recovered_at"] is not None
    [(key, recovery)] = cases_recovery_certificates(person=who)
    assert key == f"cases.recovery:{entered.pk}"
    assert recovery.valid_from == entered.sample_date + dt.timedelta(days=11)
    assert recovery.valid_until == entered.sample_date + dt.timedelta(days=180)


def test_a_quarantined_contact_is_in_quarantine_until_its_end(tree, kim_tan_official):
    entered = case(kim_tan_official, person(tree["kim_tan"]))
    exposed = person(tree["kim_tan"], "C")
    found, _ = link(exposed, entered)
    services.contact_status_set(actor=kim_tan_official, contact=found.contact, status="quarantined")
    until = cases_status_inputs(person=exposed, at=timezone.now())["in_quarantine_until"]
    assert timezone.localdate(until) == Contact.objects.get().quarantine_end
    from phongdich.healthcards.inputs import input_providers

    assert "cases" in input_providers()

"""Restoring a case that a lab's corrected result withdrew (services.case_restore, cases.origins): refused while the
result that opened it reads negative (or invalid) and no other positive of the person holds it up, since a case under
treatment whose only positive result reads negative would contradict the lab; the lab corrects its result first.
Through the service, the case page and the API."""

import pytest

from phongdich.accounts.models import Official
from phongdich.core.errors import ApplicationError
from phongdich.core.models import AuditLog
from phongdich.core.testing import make_official
from phongdich.testing.services import result_correct, result_enter
from phongdich.testing.tests.builders import make_sample, make_site

from .. import errors, services
from ..models import Case, Contact
from .builders import person

REASON = "Huỷ nhầm: kết quả âm tính là của người khác"
CORRECTION = "Nhập nhầm dòng của phiếu xét nghiệm"


@pytest.fixture
def lab(tree):
    return make_official(Official.Role.LAB_STAFF, tree["kim_tan"], "xetnghiem.kimtan")


@pytest.fixture
def lab_case(tree, lab, kim_tan_official):
    """Hà's positive RT-PCR opened a case; her sister, named in the interview, is its F1."""
    ha = person(tree["kim_tan"], "Trần Thị Hà")
    sample = make_sample(make_site(tree["kim_tan"], code="KT"), ha)
    result_enter(actor=lab, barcode=sample.barcode, outcome="positive", ct_value="19")
    case = Case.objects.get(person=ha)
    sister = person(tree["kim_tan"], "Trần Thị Lan")
    services.contact_link_add(
        person=sister, case=case, level=1, source="interview", setting="household", evidence_key="interview:lan"
    )
    return {"case": case, "sample": sample, "sister": sister}


def _corrected(lab, lab_case, outcome="negative"):
    result_correct(actor=lab, barcode=lab_case["sample"].barcode, outcome=outcome, reason=CORRECTION)
    case = Case.objects.get(pk=lab_case["case"].pk)
    assert case.status == Case.Status.WITHDRAWN
    return case


def _unchanged(lab_case):
    assert Case.objects.get(pk=lab_case["case"].pk).status == Case.Status.WITHDRAWN
    assert Contact.objects.get(person=lab_case["sister"]).status == Contact.Status.CASE_WITHDRAWN
    assert not AuditLog.objects.filter(action="cases.case.restored").exists()


@pytest.mark.parametrize(
    ("outcome", "vi", "en"), [("negative", "âm tính", "negative"), ("invalid", "mẫu lỗi", "invalid")]
)
def test_a_case_its_corrected_result_withdrew_is_not_restored_while_the_result_stands(
    lab, lab_case, kim_tan_official, outcome, vi, en
):
    case = _corrected(lab, lab_case, outcome)
    barcode = lab_case["sample"].barcode

    with pytest.raises(ApplicationError) as refused:
        services.case_restore(actor=kim_tan_official, case=case, reason=REASON)

    error = refused.value
    assert error.code == "case_restore_result_corrected" and error.status == 409
    assert error.extra == {"barcode": barcode, "result": outcome}
    assert barcode in error.vi and vi in error.vi and "phòng xét nghiệm sửa lại" in error.vi
    assert barcode in error.en and en in error.en and "have the lab correct it first" in error.en
    _unchanged(lab_case)


def test_corrected_back_to_positive_it_opens_a_new_case_as_the_refusal_says(lab, lab_case, kim_tan_official):
    """What the refusal tells the official the lab's correction does: a new case; the withdrawn one stays so (and,
    a case of the same illness standing, is not restored beside it)."""
    case = _corrected(lab, lab_case)
    with pytest.raises(ApplicationError) as refused:
        services.case_restore(actor=kim_tan_official, case=case, reason=REASON)
    assert "opens a new case for the person, and this one stays withdrawn" in refused.value.en

    outcome = result_correct(
        actor=lab, barcode=lab_case["sample"].barcode, outcome="positive", ct_value="19", reason=CORRECTION
    )

    new = Case.objects.get(person=case.person, status=Case.Status.UNDER_TREATMENT)
    assert outcome.case_opened == new.number != case.number
    assert Case.objects.get(pk=case.pk).status == Case.Status.WITHDRAWN
    with pytest.raises(ApplicationError) as refused:
        services.case_restore(actor=kim_tan_official, case=case, reason=REASON)
    assert refused.value.code == "case_restore_closed" and refused.value.extra["case"] == new.number
    # The way back to this case, its interview's contact with it: the new one withdrawn as entered twice.
    services.case_withdraw(actor=kim_tan_official, case=new, reason="Nhập trùng ca")
    services.case_restore(actor=kim_tan_official, case=case, reason=REASON)
    assert Case.objects.get(pk=case.pk).status == Case.Status.UNDER_TREATMENT
    assert Contact.objects.get(person=lab_case["sister"]).status == Contact.Status.CANDIDATE


def test_a_case_an_official_withdrew_is_refused_too_once_its_result_reads_negative(lab, lab_case, kim_tan_official):
    """The withdrawal was the official's, the correction came after (it found no case under treatment to withdraw):
    restored, the case would stand on a result that reads negative all the same."""
    case = lab_case["case"]
    services.case_withdraw(actor=kim_tan_official, case=case, reason="Nhập nhầm người")
    result_correct(actor=lab, barcode=lab_case["sample"].barcode, outcome="negative", reason=CORRECTION)

    with pytest.raises(ApplicationError) as refused:
        services.case_restore(actor=kim_tan_official, case=case, reason=REASON)

    assert refused.value.code == "case_restore_result_corrected"
    _unchanged(lab_case)


def test_a_positive_entered_while_the_case_was_open_holds_it_up_and_becomes_its_origin(
    tree, lab, lab_case, kim_tan_official
):
    """As a correction keeps a case another positive holds up (testing.result_correct), the restore does, and that
    result opens the case now: corrected in turn, it withdraws the case."""
    case = lab_case["case"]
    later = make_sample(lab_case["sample"].site, case.person)
    result_enter(actor=lab, barcode=later.barcode, outcome="positive", ct_value="24")  # the case open: no other case
    services.case_withdraw(actor=kim_tan_official, case=case, reason="Nhập nhầm người")
    result_correct(actor=lab, barcode=lab_case["sample"].barcode, outcome="negative", reason=CORRECTION)

    services.case_restore(actor=kim_tan_official, case=case, reason=REASON)

    case.refresh_from_db()
    assert case.status == Case.Status.UNDER_TREATMENT and case.origin == f"testing.sample:{later.pk}"
    entry = AuditLog.objects.get(action="cases.case.restored", object_id=str(case.pk))
    assert entry.extra["origin"] == case.origin
    assert entry.extra["origin_was"] == f"testing.sample:{lab_case['sample'].pk}"
    outcome = result_correct(actor=lab, barcode=later.barcode, outcome="negative", reason=CORRECTION)
    assert outcome.case_withdrawn == case.number


def test_a_case_withdrawn_by_an_official_whose_result_reads_positive_is_restored(lab_case, kim_tan_official):
    case = lab_case["case"]
    services.case_withdraw(actor=kim_tan_official, case=case, reason="Nhập nhầm người")

    services.case_restore(actor=kim_tan_official, case=case, reason=REASON)

    case.refresh_from_db()
    assert case.status == Case.Status.UNDER_TREATMENT and case.origin == f"testing.sample:{lab_case['sample'].pk}"
    assert Contact.objects.get(person=lab_case["sister"]).status == Contact.Status.CANDIDATE


# --- The page and the API ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_case_page_says_the_refusal_at_the_restore_form(lab, lab_case, kim_tan_official, client, prefix):
    case = _corrected(lab, lab_case)
    client.force_login(kim_tan_official)

    response = client.post(f"{prefix}/cases/{case.pk}/restore/", {"reason": REASON, "confirm": "on"})

    text = response.content.decode()
    form = text[text.index('id="restore"') :]
    form = form[: form.index("</form>")]
    told = "have the lab correct it first" if prefix else "đề nghị phòng xét nghiệm sửa lại trước"
    assert response.status_code == 409 and 'id="restore" open' in text
    assert told in form and lab_case["sample"].barcode in form and REASON in form
    assert 'name="confirm"' in form and "checked" not in form
    _unchanged(lab_case)


def test_the_api_refuses_with_the_code_the_sample_and_both_languages(lab, lab_case, kim_tan_official, client):
    case = _corrected(lab, lab_case)
    client.force_login(kim_tan_official)

    response = client.post(f"/api/v1/cases/{case.pk}/restore/", {"reason": REASON}, content_type="application/json")

    body = response.json()
    barcode = lab_case["sample"].barcode
    assert response.status_code == 409 and body["code"] == "case_restore_result_corrected"
    assert body["extra"] == {"barcode": barcode, "result": "negative"}
    assert barcode in body["message_vi"] and "âm tính" in body["message_vi"]
    assert barcode in body["message_en"] and "negative" in body["message_en"]
    _unchanged(lab_case)
    assert errors.CASE_RESTORE_RESULT_CORRECTED.status == 409


def test_the_api_schema_names_the_refusal(client, kim_tan_official):
    client.force_login(kim_tan_official)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/cases/{case_id}/restore/"]["post"]
    assert "case_restore_result_corrected" in operation["description"]

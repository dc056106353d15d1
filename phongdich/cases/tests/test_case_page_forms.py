"""The case page's forms post to the page itself (views.case_detail), each naming itself (`case_form`), as the contact
page's do: a refused withdrawal, outcome, restore... was answered at the form's own address (/cases/<id>/withdraw/),
where a reload or the back button went wrong and a phone showed an address the official had never opened. Now a
refused form comes back at the page's address, open, with its message beside the field and what was typed; a form
done goes back to the page, at its messages; the forms' own addresses still take a post."""

import re

import pytest

from phongdich.core.errors import INVALID_INPUT

from .. import errors, services
from ..models import Case, Contact
from .builders import case, link, person

REASON = "RT-PCR khẳng định âm tính ngày 16/09"


@pytest.fixture
def entered(tree, kim_tan_official):
    """A case under treatment of Kim Tân, with one F1."""
    the_case = case(kim_tan_official, person(tree["kim_tan"], "Nguyễn Thị Phương Thảo"))
    contact = link(person(tree["kim_tan"], "Hoàng Thị Ngọc Bích Phượng"), the_case)[0].contact
    return {"case": the_case, "contact": contact, "page": f"/cases/{the_case.pk}/"}


def _section(html: str, anchor: str) -> str:
    """The `<details id=anchor>` block of the page, its opening tag included."""
    return "<details" + html.split(f'<details class="card" id="{anchor}"', 1)[1].split("</details>", 1)[0]


def _actions(html: str) -> dict[str, str]:
    """The page's forms naming themselves (`case_form`): the address each posts to, by its name."""
    forms = re.findall(r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', html, re.S)
    named = [(re.search(r'name="case_form" value="(\w+)"', body), action) for action, body in forms]
    return {name.group(1): action for name, action in named if name}


def test_every_form_of_the_case_page_posts_to_the_page(client, entered, kim_tan_official):
    client.force_login(kim_tan_official)
    page = entered["page"]
    actions = _actions(client.get(page).content.decode())
    assert actions == {
        "trace": page,
        "interview": f"{page}#interview",
        "edit": f"{page}#edit",
        "status": f"{page}#outcome",
        "withdraw": f"{page}#withdraw",
    }
    services.case_status_set(
        actor=kim_tan_official, case=entered["case"], status=Case.Status.RECOVERED, date_confirmed=True
    )
    recovered = _actions(client.get(page).content.decode())
    assert recovered == {
        "trace": page,
        "interview": f"{page}#interview",
        "edit": f"{page}#edit",
        "outcome_undo": f"{page}#outcome-undo",
    }
    services.case_outcome_undo(actor=kim_tan_official, case=entered["case"], reason="Ghi nhầm ca")
    services.case_withdraw(actor=kim_tan_official, case=Case.objects.get(pk=entered["case"].pk), reason=REASON)
    assert _actions(client.get(page).content.decode()) == {"restore": f"{page}#restore"}


@pytest.mark.parametrize("prefix, told", [("", errors.CASE_WITHDRAW_REASON_REQUIRED.vi), ("/en", "Give the reason")])
def test_a_refused_withdrawal_comes_back_at_the_page_open_with_its_message(
    client, entered, kim_tan_official, prefix, told
):
    client.force_login(kim_tan_official)

    response = client.post(f"{prefix}{entered['page']}", {"case_form": "withdraw", "reason": "  ", "confirm": "on"})

    assert response.status_code == 400
    section = _section(response.content.decode(), "withdraw")
    assert " open>" in section.split("<summary>", 1)[0]
    reason = section.split('<div class="field has-error">', 1)[1].split("</div>", 1)[0]
    assert 'name="reason"' in reason and told in reason  # beside the field it concerns
    tick = re.search(r'<input[^>]*name="confirm"[^>]*>', section).group(0)
    assert "checked" not in tick  # ticked again, knowingly
    assert Case.objects.get(pk=entered["case"].pk).status == Case.Status.UNDER_TREATMENT


def test_a_refused_withdrawal_keeps_the_reason_typed(client, entered, kim_tan_official):
    """Without the tick: the reason typed is in the form again."""
    client.force_login(kim_tan_official)
    response = client.post(entered["page"], {"case_form": "withdraw", "reason": REASON})
    assert response.status_code == 400
    assert REASON in _section(response.content.decode(), "withdraw")


def test_a_withdrawal_refused_by_the_service_comes_back_with_its_status(client, entered, kim_tan_official):
    """The outcome recorded from another tab meanwhile: 409 at the page, the refusal in the withdrawal's form."""
    client.force_login(kim_tan_official)
    services.case_status_set(
        actor=kim_tan_official, case=entered["case"], status=Case.Status.RECOVERED, date_confirmed=True
    )

    response = client.post(entered["page"], {"case_form": "withdraw", "reason": REASON, "confirm": "on"})

    assert response.status_code == 409
    section = _section(response.content.decode(), "withdraw")
    assert " open>" in section.split("<summary>", 1)[0] and 'role="alert"' in section and REASON in section
    assert Case.objects.get(pk=entered["case"].pk).status == Case.Status.RECOVERED


def test_a_withdrawal_done_goes_back_to_the_page_with_its_message(client, entered, kim_tan_official):
    client.force_login(kim_tan_official)

    response = client.post(entered["page"], {"case_form": "withdraw", "reason": REASON, "confirm": "on"})

    assert (response.status_code, response["Location"]) == (302, f"{entered['page']}#messages")
    html = client.get(response["Location"]).content.decode()
    assert 'id="messages"' in html and "Đã huỷ ca bệnh" in html.split('id="messages"', 1)[1].split("</ul>", 1)[0]
    assert Case.objects.get(pk=entered["case"].pk).status == Case.Status.WITHDRAWN
    assert Contact.objects.get(pk=entered["contact"].pk).status == Contact.Status.CASE_WITHDRAWN


@pytest.mark.parametrize("body", [{"case_form": "nothing", "reason": REASON, "confirm": "on"}, {"reason": REASON}])
def test_a_form_the_page_does_not_know_is_refused_plainly(client, entered, kim_tan_official, body):
    client.force_login(kim_tan_official)

    response = client.post(entered["page"], body)

    assert response.status_code == 400
    html = response.content.decode()
    assert INVALID_INPUT.vi in html and f'href="{entered["page"]}"' in html  # a way back to the page
    assert Case.objects.get(pk=entered["case"].pk).status == Case.Status.UNDER_TREATMENT


def test_the_other_refused_forms_come_back_at_the_page_open(client, entered, kim_tan_official):
    client.force_login(kim_tan_official)
    page = entered["page"]

    edit = client.post(page, {"case_form": "edit", "sample_date": "2026-13-45", "isolation_place": "Trạm y tế xã"})
    assert edit.status_code == 400
    section = _section(edit.content.decode(), "edit")
    assert " open>" in section.split("<summary>", 1)[0] and 'value="Trạm y tế xã"' in section

    outcome = client.post(page, {"case_form": "status", "status": "recovered"})  # no tick
    assert outcome.status_code == 400
    assert " open>" in _section(outcome.content.decode(), "outcome").split("<summary>", 1)[0]

    services.case_status_set(
        actor=kim_tan_official, case=entered["case"], status=Case.Status.RECOVERED, date_confirmed=True
    )
    undo = client.post(page, {"case_form": "outcome_undo", "confirm": "on"})
    assert undo.status_code == 400
    section = _section(undo.content.decode(), "outcome-undo")
    assert " open>" in section.split("<summary>", 1)[0] and errors.CASE_OUTCOME_UNDO_REASON_REQUIRED.vi in section

    services.case_outcome_undo(actor=kim_tan_official, case=entered["case"], reason="Ghi nhầm ca")
    services.case_withdraw(actor=kim_tan_official, case=Case.objects.get(pk=entered["case"].pk), reason=REASON)
    restore = client.post(page, {"case_form": "restore", "confirm": "on"})
    assert restore.status_code == 400
    section = _section(restore.content.decode(), "restore")
    assert " open>" in section.split("<summary>", 1)[0] and errors.CASE_RESTORE_REASON_REQUIRED.vi in section
    assert Case.objects.get(pk=entered["case"].pk).status == Case.Status.WITHDRAWN


def test_a_form_from_a_tab_opened_before_the_withdrawal_is_told_at_the_page(client, entered, kim_tan_official):
    client.force_login(kim_tan_official)
    services.case_withdraw(actor=kim_tan_official, case=entered["case"], reason=REASON)
    for body in ({"case_form": "trace"}, {"case_form": "edit", "notes": "x"}, {"case_form": "withdraw"}):
        response = client.post(entered["page"], body)
        assert (response.status_code, response["Location"]) == (302, f"{entered['page']}#messages"), body
        assert "đã bị huỷ" in client.get(response["Location"]).content.decode(), body
    assert Case.objects.get(pk=entered["case"].pk).notes == ""


def test_another_communes_official_posting_to_the_page_gets_404(client, entered, thach_lam_official):
    client.force_login(thach_lam_official)
    response = client.post(entered["page"], {"case_form": "withdraw", "reason": REASON, "confirm": "on"})
    assert response.status_code == 404
    assert Case.objects.get(pk=entered["case"].pk).status == Case.Status.UNDER_TREATMENT


def test_the_old_addresses_still_take_a_form(client, entered, kim_tan_official):
    """A tab opened before the change posts to /withdraw/: done as before, and back to the page."""
    client.force_login(kim_tan_official)
    response = client.post(f"{entered['page']}withdraw/", {"reason": REASON, "confirm": "on"})
    assert (response.status_code, response["Location"]) == (302, f"{entered['page']}#messages")
    assert Case.objects.get(pk=entered["case"].pk).status == Case.Status.WITHDRAWN

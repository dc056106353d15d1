"""The contact page's forms post to the page itself (views.contact_detail), each naming itself (`contact_form`): a
refused dismissal or early release was shown again at /status/, the form's own address, with a 400 and the browser's
address bar at it; the reason typed in a dismissal was lost. Now a refused form comes back at the page's address,
with its message and what was typed; the forms' own addresses still take a post."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from .. import services
from ..models import Contact
from .builders import case, link, local, person

LONG = "Không gặp trực tiếp, chỉ nói chuyện qua điện thoại " * 11  # 561 characters: over the field's 500


@pytest.fixture
def scene(tree, kim_tan_official):
    """A candidate (Chờ), and an F1 quarantined today after a household meeting yesterday (Ánh)."""
    entered = case(kim_tan_official, person(tree["kim_tan"], "Ca Bệnh"))
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    candidate = link(person(tree["kim_tan"], "Trần Văn Chờ"), entered)[0].contact
    held = link(
        person(tree["kim_tan"], "Trần Văn Ánh"),
        entered,
        source="interview",
        setting="household",
        exposure_start=local(yesterday, 8),
        exposure_end=local(yesterday, 20),
    )[0].contact
    services.contact_status_set(actor=kim_tan_official, contact=held, status="quarantined")
    return {"candidate": candidate, "held": Contact.objects.get(pk=held.pk)}


def _actions(html: str) -> set[str]:
    return set(re.findall(r'<form method="post" action="(/[^"]*contacts/[^"]+)"', html))


def test_every_form_of_the_contact_page_posts_to_the_page(client, scene, kim_tan_official):
    client.force_login(kim_tan_official)
    for contact in scene.values():
        page = f"/cases/contacts/{contact.pk}/"
        html = client.get(page).content.decode()
        actions = _actions(html)
        assert actions and all(action.split("#")[0] == page for action in actions), actions
    names = set(re.findall(r'name="contact_form" value="([a-z_]+)"', html))
    assert names == {"status", "quarantine_start", "interview"}


def test_a_refused_dismissal_comes_back_at_the_page_with_the_reason_typed(client, scene, kim_tan_official):
    client.force_login(kim_tan_official)
    page = f"/cases/contacts/{scene['candidate'].pk}/"

    response = client.post(page, {"contact_form": "status", "status": "dismissed", "reason": LONG})

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="status"' in html and 'role="alert"' in html.split('id="status"', 1)[1].split("</section>", 1)[0]
    dismiss = html.split('class="status-action status-dismissed"', 1)[1].split("</form>", 1)[0]
    assert f'value="{LONG}"' in dismiss
    confirm = html.split('class="status-action status-confirmed"', 1)[1].split("</form>", 1)[0]
    assert "Không gặp" not in confirm  # the reason typed stays in the form it was typed in
    assert Contact.objects.get(pk=scene["candidate"].pk).status == Contact.Status.CANDIDATE

    blank = client.post(page, {"contact_form": "status", "status": "dismissed", "reason": ""})
    assert blank.status_code == 400 and "lý do" in blank.content.decode()


@pytest.mark.parametrize("prefix, words", [("", "lý do"), ("/en", "reason")])
def test_a_refused_early_release_comes_back_at_the_page_with_its_message(
    client, scene, kim_tan_official, prefix, words
):
    client.force_login(kim_tan_official)
    held = scene["held"]

    response = client.post(
        f"{prefix}/cases/contacts/{held.pk}/", {"contact_form": "status", "status": "released", "reason": "  "}
    )

    assert response.status_code == 400
    status = response.content.decode().split('id="status"', 1)[1].split("</section>", 1)[0]
    assert 'role="alert"' in status and words in status
    held.refresh_from_db()
    assert held.status == Contact.Status.QUARANTINED


def test_a_refused_start_correction_comes_back_at_the_page_with_what_was_typed(client, scene, kim_tan_official):
    client.force_login(kim_tan_official)
    held = scene["held"]
    later = (timezone.localdate() + dt.timedelta(days=30)).isoformat()

    response = client.post(
        f"/cases/contacts/{held.pk}/",
        {"contact_form": "quarantine_start", "quarantine_start": later, "reason": "Ghi nhầm ngày"},
    )

    assert response.status_code == 400
    section = response.content.decode().split('id="quarantine-start"', 1)[1].split("</details>", 1)[0]
    assert " open>" in section.split("<summary>", 1)[0]
    assert "form-error" in section or "has-error" in section
    assert f'value="{later}"' in section and 'value="Ghi nhầm ngày"' in section
    held.refresh_from_db()
    assert held.quarantine_start == timezone.localdate()


def test_a_refused_f2_interview_comes_back_at_the_page(client, scene, kim_tan_official):
    client.force_login(kim_tan_official)
    held = scene["held"]

    response = client.post(
        f"/cases/contacts/{held.pk}/",
        {"contact_form": "interview", "nonce": "f2-page-nonce-1", "setting": "workplace", "place": "Xưởng may"},
    )

    assert response.status_code == 400
    section = response.content.decode().split('id="interview"', 1)[1]
    assert "form-error" in section and 'value="Xưởng may"' in section


def test_a_form_the_page_does_not_know_is_refused(client, scene, kim_tan_official):
    client.force_login(kim_tan_official)
    response = client.post(f"/cases/contacts/{scene['held'].pk}/", {"status": "released"})
    assert response.status_code == 400
    scene["held"].refresh_from_db()
    assert scene["held"].status == Contact.Status.QUARANTINED

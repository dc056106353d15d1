"""Finding 11a of the December 2026 walk-through: the note of a telecom contact's evidence held both languages in both
interfaces ("Cùng trạm phát sóng: … Same cell: …"); it is stored as data and worded in the reader's language."""

import pytest

from phongdich.cases.models import ContactLink
from phongdich.cases.notes import evidence_note
from phongdich.telecom.samples import make_samples as samples
from phongdich.telecom.services import telecom_trace_case

from .conftest import import_sample, make_case, make_person


@pytest.fixture
def linked(health, cells, areas):
    """A Kim Tân case traced: Bùi Thị Hoa is its F1 through a shared cell."""
    import_sample(health, "viettel-locations.csv")
    case = make_case(health, make_person(areas["kim_tan"], "Lê Văn Ca", samples.CASE_PHONE))
    make_person(areas["kim_tan"], "Bùi Thị Hoa", samples.CONTACT_PHONE)
    telecom_trace_case(case=case, actor=health)
    return {"case": case, "link": ContactLink.objects.get(source="telecom")}


VI_NOTE = "Cùng trạm phát sóng: tín hiệu yếu hơn cùng địa điểm (một trạm phủ hàng trăm mét đến vài km); cần xác minh."
EN_NOTE = (
    "Same cell: a weaker sign than the same venue (a cell covers hundreds of metres to several kilometres); to be"
    " verified."
)


def test_the_note_is_stored_as_data_and_the_case_pages_word_it_in_their_language(client, health, linked):
    case, link = linked["case"], linked["link"]
    assert link.note == "telecom:cell"
    client.force_login(health)
    for url in (f"/cases/{case.pk}/", f"/cases/contacts/{link.contact_id}/"):
        vi = client.get(url).content.decode()
        assert VI_NOTE in vi and "Same cell" not in vi, url
        en = client.get("/en" + url).content.decode()
        assert EN_NOTE in en and "Cùng trạm phát sóng" not in en, url


def test_a_number_shared_by_several_people_is_said_in_the_readers_language(client, health, cells, areas):
    import_sample(health, "viettel-locations.csv")
    case = make_case(health, make_person(areas["kim_tan"], "Lê Văn Ca", samples.CASE_PHONE))
    make_person(areas["kim_tan"], "Bùi Thị Hoa", samples.CONTACT_PHONE)
    make_person(areas["kim_tan"], "Bùi Văn Chung", samples.CONTACT_PHONE)
    telecom_trace_case(case=case, actor=health)
    assert set(ContactLink.objects.values_list("note", flat=True)) == {"telecom:cell;shared=2"}
    client.force_login(health)
    vi = client.get(f"/cases/{case.pk}/").content.decode()
    assert f"{VI_NOTE} (2 người dùng chung số này)" in vi and "people share" not in vi
    en = client.get(f"/en/cases/{case.pk}/").content.decode()
    assert f"{EN_NOTE} (2 people share this number)" in en and "người dùng chung" not in en


def test_notes_stored_in_both_languages_before_are_shown_in_one(client, health, linked):
    """Links of runs before 2026-12-07 hold the two languages in one text: read the same way, no migration needed."""
    old = (
        "Cùng trạm phát sóng: tín hiệu yếu hơn cùng địa điểm (một trạm phủ hàng trăm mét đến vài km); cần xác minh. "
        "Same cell: a weaker signal than the same venue (a cell covers hundreds of metres to kilometres); verify."
        " (3 người dùng chung số / people share this number)"
    )
    ContactLink.objects.filter(pk=linked["link"].pk).update(note=old)
    client.force_login(health)
    vi = client.get(f"/cases/{linked['case'].pk}/").content.decode()
    assert f"{VI_NOTE} (3 người dùng chung số này)" in vi and "Same cell" not in vi
    en = client.get(f"/en/cases/{linked['case'].pk}/").content.decode()
    assert f"{EN_NOTE} (3 people share this number)" in en and "Cùng trạm" not in en


def test_the_api_answers_the_note_in_the_language_asked(client, health, linked):
    client.force_login(health)
    url = f"/api/v1/contacts/{linked['link'].contact_id}/"
    vi = client.get(url).json()
    en = client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    assert [item["note"] for item in vi["links"]] == [VI_NOTE]
    assert [item["note"] for item in en["links"]] == [EN_NOTE]


def test_an_interview_note_is_shown_as_typed(health, linked):
    link = linked["link"]
    link.source, link.note = ContactLink.Source.INTERVIEW, "telecom:cell"
    assert evidence_note(link) == "telecom:cell"  # only a telecom link's note is telecom's data
    link.source, link.note = ContactLink.Source.TELECOM, "Cùng tổ"
    assert evidence_note(link) == "Cùng tổ"

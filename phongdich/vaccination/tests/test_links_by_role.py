"""The staff pages offer each vaccination role only the pages it may open (core.testing.refused_links)."""

import pytest

from phongdich.core.testing import make_official, refused_links

from ..models import VaccinationRegistration
from ..selectors import VACCINATION_ROLES
from .builders import make_person, make_registration, make_session


@pytest.mark.parametrize("role", [str(role) for role in VACCINATION_ROLES])
def test_no_vaccination_role_is_offered_a_page_it_is_refused(client, areas, site, role):
    """The officials who follow the area's sessions are not offered the site's check-in and the dose form,
    which are the vaccinators' (DOSE_ROLES); a booked and a checked-in person give every row's link."""
    session = make_session(site, slots=((7, 3),))
    slot = session.slots.first()
    make_registration(make_person(areas["commune_a"], name="Lê Văn Đặt"), status="booked", slot=slot)
    make_registration(
        make_person(areas["commune_a"], name="Lê Thị Đến"), status=VaccinationRegistration.Status.CHECKED_IN, slot=slot
    )
    client.force_login(make_official(role, areas["commune_a"]))
    assert refused_links(client, ["/vaccination/sessions/"], follow="/vaccination/") == []


def test_vaccinators_are_still_offered_the_check_in_and_the_dose_form(client, areas, site, staff):
    session = make_session(site)
    registration = make_registration(
        make_person(areas["commune_a"]), status=VaccinationRegistration.Status.CHECKED_IN, slot=session.slots.first()
    )
    client.force_login(staff)
    assert 'href="/vaccination/checkin/"' in client.get("/vaccination/sessions/").content.decode()
    page = client.get(f"/vaccination/sessions/{session.pk}/").content.decode()
    assert f'href="/vaccination/registrations/{registration.pk}/dose/"' in page

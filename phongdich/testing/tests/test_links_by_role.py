"""The testing pages offer each role only the pages it may open (core.testing.refused_links)."""

import pytest

from phongdich.core.testing import make_official, refused_links

from ..services import LAB_ROLES, REGISTER_ROLES


@pytest.mark.parametrize("role", sorted({str(role) for role in (*LAB_ROLES, *REGISTER_ROLES)}))
def test_no_testing_role_is_offered_a_page_it_is_refused(client, areas, session, role):
    """An area official registers people but does not work in the lab: the day lists, pools, result entry and
    lab-sheet import are not offered to them."""
    client.force_login(make_official(role, areas["commune_a"]))
    assert refused_links(client, ["/testing/"], follow="/testing/") == []


def test_lab_staff_are_offered_the_lab_pages_and_area_officials_the_registration(client, areas, session, lab):
    client.force_login(lab)
    html = client.get("/testing/").content.decode()
    lab_pages = (
        "/testing/pools/",
        "/testing/results/enter/",
        "/testing/results/import/",
        f"/testing/sessions/{session.pk}/",
    )
    assert all(f'href="{path}"' in html for path in lab_pages)
    client.force_login(make_official("area_official", areas["commune_a"]))
    html = client.get("/testing/").content.decode()
    assert not any(f'href="{path}"' in html for path in lab_pages)
    assert f'href="/testing/sessions/{session.pk}/register/"' in html and 'href="/testing/results/"' in html

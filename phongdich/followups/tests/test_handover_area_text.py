"""The hand-over form's commune typed and not chosen from the picker's suggestions (geo.forms.AreaPickerFormMixin): it
posted an empty id and the page asked to choose a commune, the typed name gone. Now a text naming one commune of the
official's area is taken; one naming none or several is the field's error, the text kept, and nothing is written."""

import pytest
from django.urls import reverse

from phongdich.accounts.models import Official
from phongdich.core.models import AuditLog
from phongdich.core.testing import make_official
from phongdich.followups.models import FollowUpHandover

from .builders import declare, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def district_official(tree):
    return make_official(Official.Role.HEALTH_DEPT, tree["district"], "ttyt_thachthanh")


@pytest.fixture
def unplaced(tree, django_capture_on_commit_callbacks):
    """A task waiting at the district: the address was known only to it."""
    person = make_person(None, name="Phạm Văn Tùng", recorded_in=tree["district"], phone="+84911000222")
    with django_capture_on_commit_callbacks(execute=True):  # triage, on commit, makes the task
        declaration = declare(person, area=tree["district"], symptoms=["cough"])
    return declaration.followup_task


def test_a_commune_typed_and_not_chosen_receives_the_task(client, tree, district_official, unplaced):
    client.force_login(district_official)

    response = client.post(reverse("followups:hand_over", args=[unplaced.pk]), {"area": "", "area_text": "thach lam"})

    assert response.status_code == 302
    unplaced.refresh_from_db()
    assert unplaced.area == tree["thach_lam"] and FollowUpHandover.objects.get().to_area == tree["thach_lam"]


# "th": the start of both communes' names (Thị trấn Kim Tân, Xã Thạch Lâm); Hoàn Kiếm is not the district's.
@pytest.mark.parametrize("typed", ["th", "hoan kiem"])
def test_a_text_naming_several_communes_or_none_is_refused_with_the_text_kept(
    client, tree, district_official, unplaced, typed
):
    client.force_login(district_official)

    response = client.post(reverse("followups:hand_over", args=[unplaced.pk]), {"area": "", "area_text": typed})

    html = response.content.decode()
    assert response.status_code == 400 and "Chọn địa bàn trong danh sách" in html
    assert 'name="area_text"' in html and f'value="{typed}"' in html
    unplaced.refresh_from_db()
    assert unplaced.area == tree["district"] and not FollowUpHandover.objects.exists()
    assert not AuditLog.objects.filter(action__startswith="followups.task.handed").exists()

"""Triage: a flagged declaration becomes one task in the commune where the person lives, and nowhere else."""

import pytest
from django.core.management import call_command

from phongdich.core.models import AuditLog
from phongdich.declarations.models import PortOfEntry
from phongdich.followups import receivers
from phongdich.followups.models import FollowUpTask
from phongdich.followups.services import followup_task_create_for_declaration

from .builders import declare, make_person, make_tree

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    return make_tree()


def test_symptomatic_declaration_creates_one_task_in_the_commune_where_the_person_lives(
    tree, django_capture_on_commit_callbacks
):
    person = make_person(tree["kim_tan"])
    with django_capture_on_commit_callbacks(execute=True):
        declaration = declare(person, symptoms=["fever", "cough"])
    task = FollowUpTask.objects.get()
    assert task.declaration == declaration
    assert (task.area, task.area_path, task.area_is_commune) == (tree["kim_tan"], tree["kim_tan"].path, True)
    assert task.status == FollowUpTask.Status.OPEN and task.closed_at is None
    assert task.declared_at == declaration.submitted_at
    assert task.reason_vi == "Triệu chứng: sốt, ho."
    assert task.reason_en == "Symptoms: fever, cough."
    assert (task.has_symptoms, task.has_exposure) == (True, False)
    assert AuditLog.objects.filter(action="followups.task.created", object_id=str(task.pk)).count() == 1


def test_exposure_only_declaration_creates_a_task_saying_the_exposure(tree, django_capture_on_commit_callbacks):
    person = make_person(tree["thach_lam"])
    with django_capture_on_commit_callbacks(execute=True):
        declare(person, exposures=["contact_case"])
    task = FollowUpTask.objects.get()
    assert task.area == tree["thach_lam"]
    assert task.reason_vi == "Tiếp xúc: Người bệnh hoặc nghi ngờ mắc bệnh COVID-19."
    assert task.reason_en == "Exposure: A person who has or may have COVID-19."
    assert (task.has_symptoms, task.has_exposure) == (False, True)


def test_declaration_without_symptom_or_exposure_creates_nothing(tree, django_capture_on_commit_callbacks):
    person = make_person(tree["kim_tan"])
    with django_capture_on_commit_callbacks(execute=True):
        declaration = declare(person, travelled_14d=True, travel_places="Hà Nội")
    assert declaration.flagged is False
    assert FollowUpTask.objects.count() == 0
    assert followup_task_create_for_declaration(declaration=declaration) is None
    assert FollowUpTask.objects.count() == 0


def test_the_same_declaration_twice_makes_one_task(tree, django_capture_on_commit_callbacks):
    person = make_person(tree["kim_tan"])
    with django_capture_on_commit_callbacks(execute=True):
        declaration = declare(person, symptoms=["fever"])
    first = FollowUpTask.objects.get()
    # The signal again (a re-sent signal), the service directly, and the backfill command.
    receivers.on_declaration_submitted(sender=None, declaration=declaration)
    assert followup_task_create_for_declaration(declaration=declaration) == first
    call_command("followups_backfill")
    assert FollowUpTask.objects.count() == 1


def test_a_resubmitted_form_with_the_same_nonce_makes_one_task(tree, django_capture_on_commit_callbacks):
    person = make_person(tree["kim_tan"])
    from phongdich.declarations.services import declaration_submit

    data = {"area": tree["kim_tan"].pk, "symptoms": ["fever"]}
    with django_capture_on_commit_callbacks(execute=True):
        declaration_submit(person=person, kind="domestic", data=data, nonce="form-1")
    with django_capture_on_commit_callbacks(execute=True):
        declaration_submit(person=person, kind="domestic", data=data, nonce="form-1")
    assert FollowUpTask.objects.count() == 1


def test_task_follows_the_home_commune_not_where_the_record_was_first_filed(tree, django_capture_on_commit_callbacks):
    # First recorded at a venue in Hạc Thành (area_path there), but lives in Thạch Lâm and declares it.
    person = make_person(tree["thach_lam"], recorded_in=tree["hac_thanh"])
    with django_capture_on_commit_callbacks(execute=True):
        declare(person, symptoms=["fever"])
    task = FollowUpTask.objects.get()
    assert task.area == tree["thach_lam"]
    assert not task.area_path.startswith(tree["hac_thanh"].path)


def test_declared_address_wins_over_an_older_recorded_one(tree, django_capture_on_commit_callbacks):
    person = make_person(tree["hac_thanh"])  # moved since: declares Kim Tân
    with django_capture_on_commit_callbacks(execute=True):
        declare(person, area=tree["kim_tan"], symptoms=["cough"])
    assert FollowUpTask.objects.get().area == tree["kim_tan"]


def test_address_below_commune_goes_to_its_commune(tree, django_capture_on_commit_callbacks):
    person = make_person(tree["village"])
    with django_capture_on_commit_callbacks(execute=True):
        declare(person, symptoms=["cough"])
    task = FollowUpTask.objects.get()
    assert (task.area, task.area_is_commune) == (tree["kim_tan"], True)


def test_district_declared_with_a_recorded_commune_inside_it_goes_to_that_commune(
    tree, django_capture_on_commit_callbacks
):
    person = make_person(tree["thach_lam"])
    with django_capture_on_commit_callbacks(execute=True):
        declare(person, area=tree["district"], symptoms=["fever"])
    assert FollowUpTask.objects.get().area == tree["thach_lam"]


def test_district_declared_with_a_recorded_commune_elsewhere_stays_at_the_district_and_says_so(
    tree, django_capture_on_commit_callbacks
):
    # The recorded commune (Hạc Thành) is not inside the declared district: the person moved; not Hạc Thành.
    person = make_person(tree["hac_thanh"])
    with django_capture_on_commit_callbacks(execute=True):
        declare(person, area=tree["district"], symptoms=["fever"])
    task = FollowUpTask.objects.get()
    assert (task.area, task.area_is_commune) == (tree["district"], False)
    assert "Địa chỉ chưa rõ đến xã/phường: Huyện Thạch Thành." in task.reason_vi
    assert "Address not known to commune level: Huyện Thạch Thành." in task.reason_en


def test_entrant_without_an_address_goes_to_the_province_of_the_port_marked_not_a_commune(
    tree, django_capture_on_commit_callbacks
):
    from phongdich.declarations.models import Declaration

    port = PortOfEntry.objects.create(code="TST", name_vi="Cảng thử", name_en="Test port", kind="sea")
    port.province = tree["province"]
    port.save()
    person = make_person(None, recorded_in=tree["hac_thanh"], name="John Smith")
    from django.utils import timezone

    with django_capture_on_commit_callbacks(execute=True):
        declaration = declare(
            person,
            kind=Declaration.Kind.ENTRY,
            symptoms=["diarrhoea"],
            passport_number="B1234567",
            nationality="GB",
            port_of_entry="TST",
            arrival_date=timezone.localdate().isoformat(),
        )
    assert declaration.area is None
    task = FollowUpTask.objects.get()
    assert (task.area, task.area_is_commune) == (tree["province"], False)
    assert task.reason_en.startswith("Symptoms: diarrhoea.")


def test_receiver_failure_keeps_the_declaration_and_backfill_creates_the_task_later(
    tree, django_capture_on_commit_callbacks, monkeypatch
):
    person = make_person(tree["kim_tan"])

    def broken(*, declaration):
        raise RuntimeError("queue database down")

    monkeypatch.setattr(receivers, "followup_task_create_for_declaration", broken)
    with django_capture_on_commit_callbacks(execute=True):
        declaration = declare(person, symptoms=["fever"])
    assert declaration.pk is not None and FollowUpTask.objects.count() == 0
    monkeypatch.undo()
    call_command("followups_backfill", "--dry-run")
    assert FollowUpTask.objects.count() == 0
    call_command("followups_backfill")
    assert FollowUpTask.objects.get().declaration == declaration


def test_backfill_ignores_declarations_older_than_its_window(tree, django_capture_on_commit_callbacks, monkeypatch):
    import datetime as dt

    from django.utils import timezone

    person = make_person(tree["kim_tan"])
    monkeypatch.setattr(receivers, "followup_task_create_for_declaration", lambda *, declaration: None)
    with django_capture_on_commit_callbacks(execute=True):
        declare(person, symptoms=["fever"], now=timezone.now() - dt.timedelta(days=20))
    call_command("followups_backfill", "--days", "14")
    assert FollowUpTask.objects.count() == 0
    call_command("followups_backfill", "--days", "30")
    assert FollowUpTask.objects.count() == 1

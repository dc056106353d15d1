"""Demo data of the telecom app: Viettel's cell list (the committed sample) and a few days of location records.

The records are generated here, around today, by the same functions as the committed samples
(samples/make_samples.py), with the phones of demo people: the demo case's phone (the first case, when the
cases demo made one; otherwise a demo person's) shares 40 minutes of a cell with one person, 10 minutes with
another, is followed into the cell by a third, and shares a cell with a number that matches nobody. Both files
go through the import service like an official's upload, so the demo shows two finished imports, and
"trace by telecom records" on the case finds its contact.
"""

import datetime as dt
import random
from pathlib import Path

from django.utils import timezone

from phongdich.cases.models import Case
from phongdich.people.models import Person

from .models import TelecomImport
from .samples import make_samples as samples
from .services import telecom_import_create, telecom_import_run

SAMPLES = Path(__file__).resolve().parent / "samples"
IMPORTER = "tinh.thanhhoa"  # the province admin of core.demo.OFFICIALS: a role that may import
STORY_LENGTH = dt.timedelta(minutes=200)  # samples.scenario_stays spans 200 minutes from its start


def _import(*, actor, kind: str, name: str, data: bytes) -> TelecomImport:
    record = telecom_import_create(
        actor=actor, operator=samples.OPERATOR, kind=kind, file_name=name, chunks=[data], enqueue=False
    )
    return telecom_import_run(import_id=record.pk)


def _story_start(case: Case | None, now: dt.datetime) -> dt.datetime:
    """When the case's phone enters the first cell: inside its window when there is a case, and over before now."""
    latest = now - dt.timedelta(hours=1) - STORY_LENGTH
    if case is None:
        return latest - dt.timedelta(days=1)
    return max(case.window_start, min(case.window_end - STORY_LENGTH, latest))


def demo_extend(*, builder, log) -> None:
    actor = builder.users[IMPORTER]
    cells = _import(
        actor=actor, kind="cells", name="viettel-cells.csv", data=(SAMPLES / "viettel-cells.csv").read_bytes()
    )
    rng = random.Random(samples.SEED)
    case = Case.objects.select_related("person").exclude(person__phone="").order_by("pk").first()
    people = list(
        Person.objects.filter(pk__in=builder.all_person_ids)
        .exclude(phone="")
        .order_by("pk")
        .values_list("phone", flat=True)
    )
    case_phone = case.person.phone if case is not None else people[0]
    others = [phone for phone in dict.fromkeys(people) if phone != case_phone]
    story_phones = rng.sample(others[:500], 4)
    now = timezone.now()
    at = timezone.localtime(_story_start(case, now)).replace(tzinfo=None, second=0, microsecond=0)
    stays = samples.scenario_stays(
        case_phone=case_phone,
        contact_phone=story_phones[0],
        short_phone=story_phones[1],
        later_phone=story_phones[2],
        neighbour_phone=story_phones[3],
        unknown_phone="+84394000666",  # in no demo person's record (demo numbers are drawn at random)
        at=at,
    )
    noise_phones = [phone for phone in others[500:540] if phone not in story_phones]
    # The others' stays run from a day before the story to past its end (two days at least, over before now): an
    # operator's file has subscribers in its cells all along, and a file silent from the end of the others' stays to
    # the story would show a hole in the records (docs/telecom.md "Holes inside a file") the demo did not mean.
    latest = timezone.localtime(now - dt.timedelta(hours=1)).replace(tzinfo=None, second=0, microsecond=0)
    first = min(latest - dt.timedelta(days=2), at - dt.timedelta(days=1))
    until = min(latest, max(first + dt.timedelta(days=2), at + STORY_LENGTH + dt.timedelta(hours=2)))
    noise = samples.noise_stays(rng, noise_phones, first, (until - first) / dt.timedelta(days=1))
    # ... but not in the story's cells while it runs: the demo's trace finds the story's contact, not a crowd.
    story_cells = {cell for _phone, cell, _start, _end in stays}
    stays += [stay for stay in noise if not (stay[1] in story_cells and stay[2] < at + STORY_LENGTH and stay[3] > at)]
    rng.shuffle(stays)
    data = ("\ufeff" + samples.locations_csv(stays, rng)).encode()
    locations = _import(actor=actor, kind="locations", name=f"viettel-vitri-{now:%Y%m%d}.csv", data=data)
    log(
        f"telecom: {cells.rows_imported} cells, {locations.rows_imported} location records "
        f"({locations.status}, {locations.rows_rejected} rejected)"
    )

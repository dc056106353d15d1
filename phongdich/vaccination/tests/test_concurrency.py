"""Concurrent bookings of the last place: exactly one wins (PostgreSQL only: SQLite serialises writers)."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from phongdich.core.errors import ApplicationError

from .. import services
from ..models import VaccinationRegistration
from .builders import make_session

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_concurrent_bookings_never_exceed_capacity(reference_data, areas, site):
    # Tomorrow: a slot of today that has already ended takes no booking (slot_over).
    session = make_session(site, date=timezone.localdate() + dt.timedelta(days=1), slots=((7, 3),))
    slot = session.slots.get()
    results, barrier = [], threading.Barrier(8)

    def book(index):
        try:
            barrier.wait()
            services.registration_submit(
                actor=None,
                full_name=f"Người Thứ {index}",
                phone=f"09123450{index:02d}",
                birth_date=dt.date(1970, 1, 1),
                area=areas["commune_a"],
                priority_group="nq21-1",
                slot_id=slot.pk,
            )
            results.append("ok")
        except ApplicationError as exc:
            results.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=book, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    slot.refresh_from_db()
    assert sorted(results) == ["ok"] * 3 + ["slot_full"] * 5
    assert slot.booked_count == 3
    assert VaccinationRegistration.objects.filter(slot=slot).count() == 3

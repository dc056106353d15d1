"""A read audited inside a transaction that is then rolled back stays in the audit log (core.audit.reads_restore,
run by core.middleware.AuditReadsKeptMiddleware on every answer); the entries of a refused write go."""

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory

from phongdich.core.audit import audit_record, is_read_action, reads_collect, reads_collect_end, reads_restore
from phongdich.core.middleware import AuditReadsKeptMiddleware
from phongdich.core.models import AuditLog

pytestmark = pytest.mark.django_db


class Refused(Exception):
    pass


def test_a_read_rolled_back_is_written_again_and_a_write_is_not():
    reads, token = reads_collect()
    try:
        with pytest.raises(Refused), transaction.atomic():
            audit_record(actor=None, action="cases.contact.viewed", extra={"n": 1})
            audit_record(actor=None, action="cases.contact.confirmed")
            raise Refused
        audit_record(actor=None, action="cases.case.viewed")  # after the rollback: may reuse the first's id (SQLite)
        assert reads_restore(reads) == 1
    finally:
        reads_collect_end(token)
    assert sorted(AuditLog.objects.values_list("action", flat=True)) == ["cases.case.viewed", "cases.contact.viewed"]
    assert AuditLog.objects.get(action="cases.contact.viewed").extra == {"n": 1}


def test_reads_kept_are_not_written_twice():
    reads, token = reads_collect()
    try:
        audit_record(actor=None, action="people.person.searched")
        assert reads_restore(reads) == 0
    finally:
        reads_collect_end(token)
    assert AuditLog.objects.count() == 1


@pytest.mark.parametrize("status", [200, 400])
def test_the_middleware_keeps_a_read_rolled_back_whatever_the_answer(status):
    """A page that catches a refused write answers 200 with its form again: the middleware looked only at answers
    of 300 and above, so the read of the person shown in that form was lost with the rollback."""

    def view(request):
        try:
            with transaction.atomic():
                audit_record(actor=None, action="cases.contact.viewed")
                audit_record(actor=None, action="cases.contact.confirmed")
                raise Refused
        except Refused:
            return HttpResponse("the form again, with the error", status=status)

    response = AuditReadsKeptMiddleware(view)(RequestFactory().post("/cases/contacts/1/interview/"))

    assert response.status_code == status
    assert list(AuditLog.objects.values_list("action", flat=True)) == ["cases.contact.viewed"]


def test_outside_a_request_nothing_is_collected():
    audit_record(actor=None, action="cases.contact.viewed")  # no collector: nothing kept in memory, nothing fails
    assert AuditLog.objects.count() == 1


@pytest.mark.parametrize(
    "action, read",
    [
        ("cases.contact.viewed", True),
        ("telecom.trace.numbers_viewed", True),
        ("cases.case.contacts_listed", True),
        ("people.person.searched", True),
        ("cases.contact.confirmed", False),
        ("cases.contact.interview_added", False),
        ("core.export.downloaded", False),
    ],
)
def test_which_actions_are_reads(action, read):
    assert is_read_action(action) is read

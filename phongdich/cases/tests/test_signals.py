"""cases.signals: the persons whose case facts one transaction changed are sent in one signal after it commits;
nothing is sent for a rolled-back change."""

import pytest
from django.db import transaction

from ..signals import person_case_facts_changed
from .builders import case, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def signals_sent():
    sent = []

    def listen(sender, person_ids, **kwargs):
        sent.append(person_ids)

    person_case_facts_changed.connect(listen, dispatch_uid="test_signals.listen")
    yield sent
    person_case_facts_changed.disconnect(dispatch_uid="test_signals.listen")


def test_one_transaction_is_one_signal(tree, kim_tan_official, signals_sent, django_capture_on_commit_callbacks):
    people = [person(tree["kim_tan"], f"Người {index}", phone=f"+8490100000{index}") for index in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():  # a lab sheet's positives: a case for each, in one transaction
            for who in people:
                case(kim_tan_official, who)
    assert signals_sent == [[who.pk for who in people]]


def test_separate_transactions_are_separate_signals(
    tree, kim_tan_official, signals_sent, django_capture_on_commit_callbacks
):
    first, second = person(tree["kim_tan"], "Một", phone="+84901000001"), person(tree["kim_tan"], "Hai")
    with django_capture_on_commit_callbacks(execute=True):
        case(kim_tan_official, first)
    with django_capture_on_commit_callbacks(execute=True):
        case(kim_tan_official, second)
    assert signals_sent == [[first.pk], [second.pk]]


def test_a_rolled_back_savepoint_sends_nothing_of_its_own(
    tree, kim_tan_official, signals_sent, django_capture_on_commit_callbacks
):
    kept, undone, later = (person(tree["kim_tan"], name, phone=f"+8490200000{i}") for i, name in enumerate("ABC"))
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            try:
                with transaction.atomic():
                    case(kim_tan_official, undone)
                    raise RuntimeError
            except RuntimeError:
                pass
            case(kim_tan_official, kept)
            case(kim_tan_official, later)
    assert signals_sent == [[kept.pk, later.pk]]

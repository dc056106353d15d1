"""cases 0018 (case_one_open_per_person) on a database that already holds two cases under treatment for one person,
possible before it (two entries at the same moment both passed case_create's check): the upgrade stops before the
constraint, names the cases, and goes through once the wrong entry is withdrawn."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from ..models import Case
from .builders import case, ensure_rules, make_tree, official, person

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("cases", "0017_quarantine_rules")]
AT = [("cases", "0018_case_one_open_per_person")]


def test_0018_names_the_cases_entered_twice_and_applies_once_one_is_withdrawn():
    ensure_rules()
    tree = make_tree()
    first = case(official(tree["kim_tan"], "yte_kimtan"), person(tree["kim_tan"], "Hai Lần"))
    head = MigrationExecutor(connection).loader.graph.leaf_nodes()
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        OldCase = executor.loader.project_state(BEFORE).apps.get_model("cases", "Case")
        twin = OldCase.objects.get(pk=first.pk)
        twin.pk, twin.number = None, first.number + "B"
        twin.save()  # the race of two entries of one person, as it was possible before 0018

        with pytest.raises(RuntimeError) as refused:
            MigrationExecutor(connection).migrate(AT)
        assert f"{first.number}, {first.number}B" in str(refused.value) and "Hai Lần" not in str(refused.value)
        assert OldCase.objects.filter(person_id=first.person_id, status="under_treatment").count() == 2

        OldCase.objects.filter(number=first.number + "B").update(status="withdrawn", withdrawn_reason="entered twice")
        MigrationExecutor(connection).migrate(AT)  # now it applies
    finally:
        # Back to the head first: the delete goes through the current models, whose relations to Case (a later
        # migration's column) the old schema lacks.
        MigrationExecutor(connection).migrate(head)
        Case.objects.filter(number=first.number + "B").delete()

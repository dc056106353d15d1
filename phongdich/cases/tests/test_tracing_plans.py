"""PostgreSQL's plans for the tracer's statements that run once per trace and so end up prepared (generic plans)."""

import pytest
from django.db import connection

from phongdich.cases import tracing
from phongdich.cases.models import ContactLink

OLD_EXISTS_FORM = "SELECT EXISTS (SELECT 1 FROM {links} WHERE case_id = %(case)s AND evidence_key LIKE 'checkin:%%')"


def _generic_plan(sql_template: str) -> str:
    """EXPLAIN of the statement prepared with the case id as a parameter, under the plan psycopg's prepared
    statement gets once PostgreSQL settles on a generic plan."""
    sql = sql_template.format(links=ContactLink._meta.db_table).replace("%(case)s", "$1").replace("%%", "%")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(f"PREPARE traced_before (bigint) AS {sql}")
        try:
            cursor.execute("EXPLAIN EXECUTE traced_before (21)")
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("DEALLOCATE traced_before")


@pytest.fixture
def links_of_twenty_cases(db):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's query plans")
    # 20 cases with 1,000 links each, analysed: the statistics then say a case has 1/20 of the links.
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {ContactLink._meta.db_table} (contact_id, case_id, level, source, setting, evidence_key,
                place, overlap_minutes, occasions, end_assumed, note, created_at)
            SELECT g, 1 + g % 20, 1 + g % 2, 'checkin', 'venue', 'checkin:venue:' || g, '', 0, 1, false, '', now()
            FROM generate_series(1, 20000) g"""
        )
        cursor.execute(f"ANALYZE {ContactLink._meta.db_table}")


def test_whether_a_case_was_traced_before_is_read_through_the_index(links_of_twenty_cases):
    # A case about to be traced the first time has no link: a sequential scan would read every link to say so.
    plan = _generic_plan(tracing._LINKS_TRACED_BEFORE_SQL)
    assert "Index Scan" in plan and "Seq Scan" not in plan, plan


def test_the_exists_form_it_replaced_scans_the_table(links_of_twenty_cases):
    # Why the statement is not an EXISTS: the same statistics make PostgreSQL scan the whole table for it.
    assert "Seq Scan" in _generic_plan(OLD_EXISTS_FORM)

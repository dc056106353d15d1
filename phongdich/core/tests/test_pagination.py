import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from phongdich.core.pagination import CappedPaginator


@pytest.fixture
def users(db):
    model = get_user_model()
    model.objects.bulk_create(model(username=f"u{i:02d}") for i in range(12))
    return model.objects.order_by("-username")


def test_under_the_cap_it_counts_every_row(users):
    paginator = CappedPaginator(users, 5, cap=20)
    assert (paginator.count, paginator.capped, paginator.num_pages) == (12, False, 3)
    assert [u.username for u in paginator.page(3)] == ["u01", "u00"]


def test_at_the_cap_exactly_it_is_not_capped(users):
    paginator = CappedPaginator(users, 5, cap=12)
    assert (paginator.count, paginator.capped) == (12, False)


def test_past_the_cap_it_stops_there_and_says_so(users):
    paginator = CappedPaginator(users, 5, cap=8)
    assert (paginator.count, paginator.capped, paginator.num_pages) == (8, True, 2)
    assert [u.username for u in paginator.get_page(99)] == ["u06", "u05", "u04"]  # the last page ends at the cap


def test_the_count_is_one_bounded_unordered_query(users):
    paginator = CappedPaginator(users, 5, cap=8)
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count == 8 and paginator.capped
    (sql,) = [q["sql"].upper() for q in queries.captured_queries]
    assert "LIMIT 9" in sql and "ORDER BY" not in sql


def test_a_plain_list_is_capped_too():
    paginator = CappedPaginator(list(range(30)), 10, cap=25)
    assert (paginator.count, paginator.capped, paginator.num_pages) == (25, True, 3)

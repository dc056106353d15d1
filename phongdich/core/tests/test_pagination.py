import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from phongdich.core.errors import ApplicationError
from phongdich.core.pagination import ApiPages, CappedPaginator


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


@pytest.mark.parametrize("limit", ["9223372036854775808", "5000", "9" * 5000])
def test_an_api_page_cuts_a_huge_limit_to_its_cap(users, limit):
    """The cap keeps a page at 1,000 rows, whatever the client asks."""
    request = Request(APIRequestFactory().get("/", {"limit": limit}))
    pages = ApiPages()
    assert len(pages.paginate_queryset(users, request)) == 12 and pages.limit == 1000


def test_the_uncapped_page_was_a_database_error(users):
    """Why the cap: DRF's own paginator slices the rows with a limit past the database's integer, which the
    database refuses (a 500 on every list of the API, found by schemathesis on 2026-12-06)."""
    request = Request(APIRequestFactory().get("/", {"limit": "9223372036854775808"}))
    with pytest.raises(DatabaseError):
        LimitOffsetPagination().paginate_queryset(users, request)


def test_every_api_list_uses_the_capped_pages(settings):
    assert settings.REST_FRAMEWORK["DEFAULT_PAGINATION_CLASS"] == "phongdich.core.pagination.ApiPages"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": "abc"}, "limit"),
        ({"limit": "-5"}, "limit"),
        ({"limit": "null"}, "limit"),
        ({"limit": "１０"}, "limit"),
        ({"offset": "1.5"}, "offset"),
        ({"offset": "-1"}, "offset"),
        ({"offset": "9223372036854775807"}, "offset"),
        ({"offset": "9" * 5000}, "offset"),
    ],
)
def test_an_api_page_refuses_a_limit_or_offset_that_is_no_whole_number(users, query, field):
    """DRF answered the first page to `?limit=null&offset=-1.5` as if they were absent (schemathesis: a request the
    schema forbids, accepted); an offset near the database's integer made the slice's end overflow it."""
    request = Request(APIRequestFactory().get("/", query))
    with pytest.raises(ApplicationError) as refused:
        ApiPages().paginate_queryset(users, request)
    assert refused.value.code == "invalid_input" and list(refused.value.extra["fields"]) == [field]


@pytest.mark.parametrize("limit", ["", "0", " 0 "])
def test_an_api_page_takes_an_empty_or_zero_limit_as_the_default(users, limit):
    """limit=0 was DRF's default page before the check, and a client may send it."""
    request = Request(APIRequestFactory().get("/", {"limit": limit, "offset": "10"}))
    pages = ApiPages()
    assert len(pages.paginate_queryset(users, request)) == 2 and pages.limit == 50


def test_a_refused_limit_is_explained_in_the_language_of_the_answer(users):
    request = Request(APIRequestFactory().get("/", {"limit": "-5"}))
    with pytest.raises(ApplicationError) as refused:
        ApiPages().paginate_queryset(users, request)
    assert refused.value.as_dict("vi")["extra"]["fields"]["limit"] == ["Một số nguyên từ 0."]
    assert refused.value.as_dict("en")["extra"]["fields"]["limit"] == ["A whole number from 0."]

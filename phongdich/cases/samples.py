"""When samples were taken from persons, without this app reading the testing app's tables (testing imports cases,
not the reverse: docs/structure.md).

The testing app registers a source in its AppConfig.ready: `register_sample_source("testing", fn)`, where
`fn(person_ids=, since=, until=)` returns (person id, taken at) for every sample of those persons taken from `since`
(included) to `until` (excluded), both aware datetimes, that counts as a test done: a sample that has to be taken
again (a positive or invalid pool, an invalid result) does not. A source reads its own tables through its own
selectors, in as few queries as it can however many persons. The quarantine schedules (selectors.quarantine_schedules)
ask for the days a test was done.
"""

import datetime as dt
from collections.abc import Callable, Iterable

from phongdich.core.dates import local_day, local_midnight
from phongdich.core.registry import Registry

SampleSource = Callable[..., Iterable[tuple[int, dt.datetime]]]
# `fn(person_ids=, since=, until=)` yields (person id, taken at).
_SOURCES: Registry[SampleSource] = Registry()
register_sample_source = _SOURCES.register
unregister_sample_source = _SOURCES.unregister
sample_sources = _SOURCES.copy


def sample_days_of_persons(person_ids, *, since: dt.date, until: dt.date) -> dict[int, list[dt.date]]:
    """For each of `person_ids` with a sample taken on a local day (Asia/Ho_Chi_Minh) from `since` to `until`
    (excluded), those days in ascending order, from every registered source; persons without one are left out."""
    ids = sorted(set(person_ids))
    if not ids or until <= since:
        return {}
    start, end = local_midnight(since), local_midnight(until)
    days: dict[int, set[dt.date]] = {}
    for _name, fn in _SOURCES.items():
        for person_id, taken_at in fn(person_ids=ids, since=start, until=end):
            days.setdefault(person_id, set()).add(local_day(taken_at))
    return {person_id: sorted(found) for person_id, found in days.items()}

"""Exports built in the background (core.exports): the file is whole and formula-safe however long, only its
requester sees or downloads it, a failure says why, and files go after EXPORT_KEEP_HOURS."""

import datetime as dt
import io
import stat

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from openpyxl import load_workbook

from phongdich.accounts.models import Official
from phongdich.core import errors
from phongdich.core import exports as core_exports
from phongdich.core.errors import ApplicationError
from phongdich.core.exports import (
    ExportPlan,
    export_file,
    export_run,
    export_start,
    exports_prune,
    exports_sweep,
    xlsx_write,
)
from phongdich.core.models import AuditLog, ExportJob
from phongdich.core.testing import assert_formula_safe, make_area, make_official

pytestmark = pytest.mark.django_db


def rows_plan(user, params):
    count = int(params.get("rows", 3))
    return ExportPlan(
        filename="rows.xlsx",
        total=count,
        sheets=[("Rows", ["n", "text"], ([n, "=1+1" if n == 0 else f"row {n}"] for n in range(count)))],
    )


def refused_plan(user, params):
    raise ApplicationError(errors.PERMISSION_DENIED)


def broken_plan(user, params):
    raise RuntimeError("a bug with internals in its message")


@pytest.fixture(autouse=True)
def builders(monkeypatch):
    monkeypatch.setattr(
        core_exports, "_builders", {"test.rows": rows_plan, "test.refused": refused_plan, "test.broken": broken_plan}
    )


@pytest.fixture
def official(db):
    """An official of a commune: an export is served only while its requester holds a role in its area."""
    return make_official(Official.Role.AREA_OFFICIAL, make_area("15085", "Xã Thạch Lập", "commune"), "can-bo")


def run(user, kind="test.rows", capture=None, **params) -> ExportJob:
    with capture(execute=True):
        job = export_start(actor=user, kind=kind, params=params)
    job.refresh_from_db()
    return job


def test_a_long_export_goes_on_in_further_sheets_with_nothing_cut(tmp_path, monkeypatch):
    monkeypatch.setattr(core_exports, "XLSX_MAX_ROWS", 4)  # a header and 3 rows a sheet
    written = xlsx_write(tmp_path / "f.xlsx", [("Rows", ["n"], ([n] for n in range(8)))])
    workbook = load_workbook(tmp_path / "f.xlsx")
    assert written == 8
    assert workbook.sheetnames == ["Rows", "Rows (2)", "Rows (3)"]
    values = [row[0] for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)]
    assert values == ["n", 0, 1, 2, "n", 3, 4, 5, "n", 6, 7]


def test_an_empty_export_still_has_its_header(tmp_path):
    assert xlsx_write(tmp_path / "f.xlsx", [("Rows", ["n"], iter(()))]) == 0
    assert [row for row in load_workbook(tmp_path / "f.xlsx").active.iter_rows(values_only=True)] == [("n",)]


def test_the_requester_downloads_a_formula_safe_file_only_they_can_read(
    client, official, django_capture_on_commit_callbacks
):
    job = run(official, capture=django_capture_on_commit_callbacks, rows=5)
    assert (job.status, job.rows_done, job.rows_total, job.filename) == ("done", 5, 5, "rows.xlsx")
    path = export_file(job)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    client.force_login(official)
    assert 'id="export-download"' in client.get(f"/exports/{job.pk}/").content.decode()
    response = client.get(f"/exports/{job.pk}/file/")
    assert 'filename="rows.xlsx"' in response["Content-Disposition"]
    data = b"".join(response.streaming_content)
    assert load_workbook(io.BytesIO(data)).active["B2"].value == "=1+1"
    assert_formula_safe(data, "=1+1")
    assert AuditLog.objects.filter(action="core.export.downloaded", actor=official, object_id=str(job.pk)).exists()


def test_nobody_else_sees_or_downloads_an_export(client, official, django_capture_on_commit_callbacks):
    job = run(official, capture=django_capture_on_commit_callbacks)
    other = get_user_model().objects.create_superuser("quan-tri", password="pass-for-tests-1")
    client.force_login(other)
    assert client.get(f"/exports/{job.pk}/").status_code == 404
    assert client.get(f"/exports/{job.pk}/file/").status_code == 404
    client.logout()
    assert client.get(f"/exports/{job.pk}/file/").status_code == 302  # to the login page


def test_a_refused_export_says_why_in_both_languages(client, official, django_capture_on_commit_callbacks):
    job = run(official, kind="test.refused", capture=django_capture_on_commit_callbacks)
    assert job.status == "failed" and export_file(job) is None
    assert errors.PERMISSION_DENIED.vi in job.error and errors.PERMISSION_DENIED.en in job.error
    client.force_login(official)
    assert 'id="export-error"' in client.get(f"/exports/{job.pk}/").content.decode()
    assert client.get(f"/exports/{job.pk}/file/").status_code == 404


def test_a_broken_export_keeps_its_internals_in_the_log(official, django_capture_on_commit_callbacks, caplog):
    job = run(official, kind="test.broken", capture=django_capture_on_commit_callbacks)
    assert job.status == "failed" and "internals" not in job.error
    assert "internals" in caplog.text
    assert not list(core_exports.export_dir().iterdir())  # no partial file left


def test_a_job_delivered_again_after_it_is_done_is_left_alone(official, django_capture_on_commit_callbacks):
    job = run(official, capture=django_capture_on_commit_callbacks)
    export_run(job.pk)
    again = ExportJob.objects.get(pk=job.pk)
    assert (again.stored_as, again.finished_at) == (job.stored_as, job.finished_at)


def test_files_go_after_the_time_they_are_kept(client, official, settings, django_capture_on_commit_callbacks):
    settings.EXPORT_KEEP_HOURS = 24
    old = run(official, capture=django_capture_on_commit_callbacks)
    fresh = run(official, capture=django_capture_on_commit_callbacks)
    ExportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(hours=25))
    old_path = export_file(old)
    assert exports_prune() == 1
    assert not old_path.exists() and export_file(fresh) is not None
    assert list(ExportJob.objects.values_list("pk", flat=True)) == [fresh.pk]
    client.force_login(official)
    assert client.get(f"/exports/{old.pk}/").status_code == 404


def test_the_prune_task_is_scheduled_and_known_to_the_worker():
    from phongdich.config.celery import app

    name = "phongdich.core.tasks.exports_prune_task"
    assert name in {entry["task"] for entry in app.conf.beat_schedule.values()}
    app.loader.import_default_modules()  # what a worker does at start: autodiscovery of each app's tasks
    assert name in app.tasks and "phongdich.core.tasks.export_run_task" in app.tasks


def _beat(task_name: str):
    """Run the beat entry of `task_name` as the worker would (the entry exists, the task is registered)."""
    from phongdich.config.celery import app

    app.loader.import_default_modules()
    entries = [entry for entry in app.conf.beat_schedule.values() if entry["task"] == task_name]
    assert len(entries) == 1, task_name
    return app.tasks[task_name].apply(args=entries[0].get("args", ()), kwargs=entries[0].get("kwargs", {})).get()


def test_celery_gets_a_task_again_when_its_worker_process_dies():
    """acks_late alone: Celery acknowledges the message of a task whose pool process was killed (out of memory, a
    deploy's SIGKILL); task_reject_on_worker_lost re-queues it (Celery's configuration reference)."""
    from phongdich.config.celery import app

    app.loader.import_default_modules()
    for name in (
        "phongdich.core.tasks.export_run_task",
        "phongdich.telecom.tasks.telecom_import_process",
        "phongdich.cases.tasks.tracing_run_task",
        "phongdich.cases.tasks.tracing_run_part_task",
    ):
        task = app.tasks[name]
        assert task.acks_late and task.reject_on_worker_lost, name


def _lost(job: ExportJob, *, attempts: int, minutes: int) -> None:
    """The job's worker died `minutes` ago, after `attempts` starts: the row still says running."""
    then = timezone.now() - dt.timedelta(minutes=minutes)
    ExportJob.objects.filter(pk=job.pk).update(status="running", attempts=attempts, started_at=then, progress_at=then)


def test_an_export_left_running_by_a_dead_worker_is_built_again(official, settings):
    settings.TASK_STALE_MINUTES = 30
    job = ExportJob.objects.create(kind="test.rows", requested_by=official, params={"rows": 4})
    _lost(job, attempts=1, minutes=31)
    assert _beat("phongdich.core.tasks.exports_sweep_task") == {"requeued": [job.pk], "failed": []}
    job.refresh_from_db()
    assert (job.status, job.attempts, job.rows_done) == ("done", 2, 4) and export_file(job) is not None


def test_an_export_whose_every_start_died_fails_saying_so(official, settings):
    settings.TASK_STALE_MINUTES, settings.TASK_MAX_ATTEMPTS = 30, 3
    job = ExportJob.objects.create(kind="test.rows", requested_by=official)
    _lost(job, attempts=3, minutes=31)
    assert exports_sweep() == {"requeued": [], "failed": [job.pk]}
    job.refresh_from_db()
    assert job.status == "failed" and "stopped 3 times" in job.error and "dừng 3 lần" in job.error
    # The broker delivering it once more (task_reject_on_worker_lost) builds nothing either.
    ExportJob.objects.filter(pk=job.pk).update(status="running")
    export_run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.stored_as) == ("failed", "")


def test_the_sweep_leaves_exports_with_recent_progress_or_finished_alone(official, settings):
    settings.TASK_STALE_MINUTES = 30
    working = ExportJob.objects.create(kind="test.rows", requested_by=official)
    _lost(working, attempts=1, minutes=29)
    queued = ExportJob.objects.create(kind="test.rows", requested_by=official)  # waits for a worker, since now
    done = ExportJob.objects.create(kind="test.rows", requested_by=official, status="done")
    ExportJob.objects.filter(pk=done.pk).update(created_at=timezone.now() - dt.timedelta(hours=2))
    assert exports_sweep() == {"requeued": [], "failed": []}
    assert sorted(ExportJob.objects.values_list("status", flat=True)) == ["done", "queued", "running"]
    # A job queued long ago whose message was lost (the file-system broker deletes one when a worker fetches it).
    ExportJob.objects.filter(pk=queued.pk).update(created_at=timezone.now() - dt.timedelta(minutes=31))
    assert exports_sweep() == {"requeued": [queued.pk], "failed": []}
    assert ExportJob.objects.get(pk=queued.pk).status == "done"


def test_an_export_no_worker_picks_up_is_queued_again_a_bounded_number_of_times_and_waits(
    official, settings, monkeypatch, caplog
):
    """Attempts count starts: a job whose task never starts (the workers down, or none reading its queue) was queued
    again at every sweep, piling a copy on the broker every TASK_STALE_MINUTES for as long as that lasted."""
    settings.TASK_STALE_MINUTES, settings.TASK_MAX_ATTEMPTS, settings.TASK_MAX_REQUEUES = 30, 3, 2
    published = []
    monkeypatch.setattr(core_exports, "enqueue", lambda task, job_id: published.append(job_id))
    job = ExportJob.objects.create(kind="test.rows", requested_by=official)
    now = timezone.now()
    for hours in range(1, 25):  # a sweep every hour of a day with the workers down
        exports_sweep(now=now + dt.timedelta(hours=hours))
    assert published == [job.pk, job.pk]
    job.refresh_from_db()
    # Not failed: it waits, queued, for a worker; the copies are on the broker when one comes.
    assert (job.status, job.requeues, job.attempts, job.error) == ("queued", 2, 0, "")
    assert f"export [{job.pk}]: not started after 2 copies" in caplog.text
    # A worker picks it up: it is built, and a start counts the copies afresh.
    export_run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.requeues, job.attempts) == ("done", 0, 1)


def test_an_older_start_of_an_export_leaves_the_newer_one_its_job(official, monkeypatch):
    """Delivered twice (a worker thought dead, then the sweep): the start that finishes second writes nothing over
    the first's outcome, and leaves no file behind."""
    job = ExportJob.objects.create(kind="test.rows", requested_by=official)
    nested = []

    def plan_while_a_newer_start_runs(user, params):
        if not nested:
            nested.append(True)
            ExportJob.objects.filter(pk=job.pk).update(status="queued")  # as if the sweep queued it again
            export_run(job.pk)
        return rows_plan(user, params)

    monkeypatch.setitem(core_exports._builders, "test.rows", plan_while_a_newer_start_runs)
    export_run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("done", 2)
    assert [path.name for path in core_exports.export_dir().iterdir()] == [job.stored_as]


def test_my_exports_lists_the_requesters_own_only(client, official, django_capture_on_commit_callbacks):
    mine = run(official, capture=django_capture_on_commit_callbacks)
    # Another official (a user with no area is refused an export now: export_no_scope).
    other = make_official(Official.Role.AREA_OFFICIAL, make_area("15142", "Xã Cẩm Thạch", "commune"), "can-bo-khac")
    theirs = run(other, capture=django_capture_on_commit_callbacks)
    client.force_login(official)
    html = client.get("/exports/").content.decode()
    assert f'href="/exports/{mine.pk}/"' in html and f'href="/exports/{theirs.pk}/"' not in html
    assert "rows.xlsx" in html


def test_an_export_left_waiting_says_the_workers_may_be_down(client, official):
    """No worker took it (stopped, or busy): after two minutes the page says so instead of spinning in silence."""
    area = official.official.area.path
    fresh = ExportJob.objects.create(kind="test.rows", requested_by=official, area_path=area, role="area_official")
    stuck = ExportJob.objects.create(kind="test.rows", requested_by=official, area_path=area, role="area_official")
    ExportJob.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - dt.timedelta(minutes=3))
    client.force_login(official)
    assert 'id="export-waiting"' not in client.get(f"/exports/{fresh.pk}/").content.decode()
    page = client.get(f"/exports/{stuck.pk}/").content.decode()
    assert 'id="export-waiting"' in page and 'http-equiv="refresh"' in page  # and it goes on checking


def test_administrators_see_the_jobs_read_only_under_the_platforms_name(client):
    admin_user = get_user_model().objects.create_user("quantri", password="x", is_staff=True, is_superuser=True)
    job = export_start(actor=admin_user, kind="test.rows", params={"rows": 2})
    client.force_login(admin_user)
    index = client.get("/admin/").content.decode()
    assert "Phòng Dịch: quản trị" in index and "Django" not in index.split("<body")[1].split("</header>")[0]
    listing = client.get("/admin/core/exportjob/").content.decode()
    assert "test.rows" in listing and "quantri" in listing
    assert client.get(f"/admin/core/exportjob/{job.pk}/change/").status_code == 200
    assert client.post(f"/admin/core/exportjob/{job.pk}/delete/").status_code == 403
    assert client.get("/admin/core/exportjob/add/").status_code == 403
    english = client.get("/en/admin/").content.decode()
    assert "Phòng Dịch: administration" in english


def test_copies_queued_through_a_workers_outage_build_the_export_and_fail_nothing(monkeypatch, settings):
    """Workers stopped (a deploy) while beat runs: the sweep takes a job waiting in the queue for lost and queues it
    again every TASK_STALE_MINUTES. When the workers come back the copies run side by side; the one past
    TASK_MAX_ATTEMPTS failed the job while another copy was building it (review of 2026-12-06). It steps aside."""
    settings.TASK_STALE_MINUTES, settings.TASK_MAX_ATTEMPTS = 30, 3
    user = get_user_model().objects.create_user("can-bo", password="pass-for-tests-1")
    job = ExportJob.objects.create(kind="test.rows", requested_by=user)
    messages = [job.pk]  # the original message, waiting in the queue
    monkeypatch.setattr(core_exports, "enqueue", lambda task, job_id: messages.append(job_id))
    start = timezone.now()
    ExportJob.objects.filter(pk=job.pk).update(created_at=start)
    for minutes in (31, 62, 93):
        exports_sweep(now=start + dt.timedelta(minutes=minutes))
    assert len(messages) == 4  # one job, four messages: none was lost

    # The workers are back: each worker process takes one copy; they run at once (nested here, as in
    # test_an_older_start_of_an_export_leaves_the_newer_one_its_job).
    pending = messages[1:]

    def plan_while_other_copies_start(user, params):
        if pending:
            export_run(pending.pop(0))
        return rows_plan(user, params)

    monkeypatch.setattr(core_exports, "_builders", {"test.rows": plan_while_other_copies_start})
    export_run(messages[0])
    job.refresh_from_db()
    assert job.status == "done", (job.status, job.error)


def test_a_late_copy_past_the_bound_leaves_an_export_making_progress_alone(monkeypatch, settings):
    """The bound's premise is that each start before this one died: a copy delivered while the job reported
    progress a minute ago steps aside instead of failing it."""
    settings.TASK_MAX_ATTEMPTS = 3
    monkeypatch.setattr(core_exports, "_builders", {"test.rows": rows_plan})
    user = get_user_model().objects.create_user("can-bo", password="pass-for-tests-1")
    job = ExportJob.objects.create(kind="test.rows", requested_by=user)
    recent = timezone.now() - dt.timedelta(minutes=1)
    ExportJob.objects.filter(pk=job.pk).update(status="running", attempts=3, started_at=recent, progress_at=recent)
    export_run(job.pk)
    job.refresh_from_db()
    assert job.status == "running", (job.status, job.error)


def test_an_export_is_served_only_while_its_requester_holds_the_role_and_area_it_was_built_for(
    client, official, django_capture_on_commit_callbacks
):
    job = run(official, capture=django_capture_on_commit_callbacks)
    assert (job.area_path, job.role, job.venue_ids) == ("15085/", "area_official", [])
    client.force_login(official)
    assert client.get(f"/exports/{job.pk}/file/").status_code == 200
    elsewhere = make_area("15142", "Xã Cẩm Thạch", "commune")
    Official.objects.filter(user=official).update(area=elsewhere)
    assert client.get(f"/exports/{job.pk}/file/").status_code == 404
    assert client.get(f"/exports/{job.pk}/").status_code == 404
    assert f'href="/exports/{job.pk}/"' not in client.get("/exports/").content.decode()


def test_an_export_from_before_its_scope_was_recorded_is_a_superusers_only(client, official):
    """Jobs already there when the area was first recorded (migration core 0006) have none: their requester's area
    then is unknown, so the file is not served on their area now."""
    old = ExportJob.objects.create(kind="test.rows", requested_by=official, status="done")
    client.force_login(official)
    assert client.get(f"/exports/{old.pk}/").status_code == 404
    root = get_user_model().objects.create_superuser("quan-tri", password="pass-for-tests-1")
    theirs = ExportJob.objects.create(kind="test.rows", requested_by=root, status="done")
    client.force_login(root)
    assert client.get(f"/exports/{theirs.pk}/").status_code == 200


def test_an_export_asked_with_no_area_and_no_venue_is_refused_and_not_queued(
    db, monkeypatch, django_capture_on_commit_callbacks
):
    """A user with no role this kind serves and no venue to read it for (a venue member without a venue): the file
    would be nobody's to download (only a superuser's), so it is refused when asked, in both languages, and nothing
    is queued or built."""
    from phongdich.core.testing import make_user

    access = core_exports.ExportAccess(roles=(Official.Role.AREA_OFFICIAL,), venues=lambda user: [])
    monkeypatch.setattr(core_exports, "_access", {"test.rows": access})
    member_without_venue = make_official(Official.Role.VENUE_STAFF, make_area("15085", "Xã Thạch Lập", "commune"))
    for user in (make_user(), member_without_venue):
        with django_capture_on_commit_callbacks(execute=True) as queued:
            with pytest.raises(ApplicationError) as refused:
                export_start(actor=user, kind="test.rows", params={})
        assert (refused.value.code, refused.value.status, queued) == ("export_no_scope", 403, [])
    answer = refused.value.as_dict()
    assert answer["message_vi"].startswith("Bạn không có địa bàn") and answer["message_en"].startswith("You have no")
    assert not ExportJob.objects.exists()

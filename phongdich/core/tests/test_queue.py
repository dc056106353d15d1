"""core.queue: a task the broker refuses after the commit is kept, not lost and not a 500, and published again
once the broker answers. The brokers are real: a Redis address where nothing listens, then kombu's file-system
transport in a temporary folder (what the embedded set-up uses)."""

import pytest
from django.db import transaction

from phongdich.cases.tasks import tracing_run_part_task
from phongdich.config.celery import app
from phongdich.core.models import UnpublishedTask
from phongdich.core.queue import enqueue, enqueue_on_commit, unpublished_tasks_publish
from phongdich.core.tasks import exports_prune_task

REFUSING_BROKER = "redis://127.0.0.1:1/0"  # port 1: connection refused at once


def _use_broker(url: str, folder=None) -> None:
    app.conf.broker_url = url
    app.conf.broker_transport_options = (
        {"data_folder_in": str(folder), "data_folder_out": str(folder), "control_folder": str(folder / "control")}
        if folder
        else {}
    )
    # Celery keeps its connection pool and producers once made: drop them (as Celery does after a fork) so that
    # the next publish connects to `url`.
    app._after_fork()


@pytest.fixture
def real_broker():
    """Tasks go through a broker in this test (the suite otherwise runs them eagerly, conftest)."""
    saved = (app.conf.broker_url, app.conf.broker_transport_options, app.conf.task_always_eager)
    app.conf.task_always_eager = False
    yield _use_broker
    app.conf.task_always_eager = saved[2]
    _use_broker(saved[0])
    app.conf.broker_transport_options = saved[1]


@pytest.mark.django_db
def test_refused_publish_is_kept_then_published_when_the_broker_answers(real_broker, tmp_path):
    real_broker(REFUSING_BROKER)
    assert enqueue(exports_prune_task) is False
    assert enqueue(tracing_run_part_task, 7, [1, 2], part=1) is False  # arguments kept as given
    kept = list(UnpublishedTask.objects.values_list("name", "args", "kwargs", "attempts"))
    assert kept == [
        ("phongdich.core.tasks.exports_prune_task", [], {}, 1),
        ("phongdich.cases.tasks.tracing_run_part_task", [7, [1, 2]], {"part": 1}, 1),
    ]
    assert UnpublishedTask.objects.first().last_error  # the broker's words, for the admin

    # Still down: the first is tried, counted, and the run stops there.
    assert unpublished_tasks_publish() == 0
    assert list(UnpublishedTask.objects.values_list("attempts", flat=True)) == [2, 1]

    queue = tmp_path / "queue"
    queue.mkdir()
    real_broker("filesystem://localhost//", queue)
    assert unpublished_tasks_publish() == 2
    assert not UnpublishedTask.objects.exists()
    messages = [path.read_text() for path in queue.iterdir() if path.is_file()]
    assert len(messages) == 2
    assert "exports_prune_task" in "".join(messages) and "tracing_run_part_task" in "".join(messages)


@pytest.mark.django_db(transaction=True)
def test_refused_publish_after_commit_keeps_the_committed_work(real_broker):
    """The request's rows commit; the callback's refusal is neither raised nor lost."""
    from phongdich.notifications.models import Message
    from phongdich.notifications.services import notify

    real_broker(REFUSING_BROKER)
    with transaction.atomic():
        message = notify(phone="+84901234567", text="Xin chao", kind="test")
    assert Message.objects.filter(pk=message.pk, status=Message.Status.QUEUED).exists()
    kept = UnpublishedTask.objects.get()
    assert (kept.name, kept.args) == ("phongdich.notifications.tasks.message_send_task", [message.pk])


@pytest.mark.django_db(transaction=True)
def test_rolled_back_work_publishes_nothing(real_broker):
    real_broker(REFUSING_BROKER)
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_on_commit(exports_prune_task)
        raise RuntimeError
    assert not UnpublishedTask.objects.exists()


@pytest.mark.django_db
def test_a_kept_task_celery_refuses_does_not_hold_back_the_others(real_broker, tmp_path):
    """After an upgrade a kept task may no longer fit its task's arguments, or its task may be gone: it stays,
    with the error, and the tasks behind it are published."""
    UnpublishedTask.objects.create(name=exports_prune_task.name, args=[1, 2])  # the task takes no arguments now
    UnpublishedTask.objects.create(name="phongdich.gone.task_removed_in_an_upgrade", args=[])
    good = UnpublishedTask.objects.create(name=exports_prune_task.name, args=[])
    queue = tmp_path / "queue"
    queue.mkdir()
    real_broker("filesystem://localhost//", queue)

    assert unpublished_tasks_publish() == 1

    assert not UnpublishedTask.objects.filter(pk=good.pk).exists()
    kept = list(UnpublishedTask.objects.values_list("attempts", "last_error"))
    assert [attempts for attempts, _ in kept] == [2, 2]
    assert kept[0][1].startswith("TypeError") and "not registered" in kept[1][1]
    assert len([path for path in queue.iterdir() if path.is_file()]) == 1

from phongdich.followups.models import FollowUpTask
from phongdich.followups.tasks import followups_backfill

from .builders import declare, make_person


def test_the_periodic_task_creates_a_missing_follow_up_task_once(db, tree):
    # Outside django_capture_on_commit_callbacks the receiver never runs: as if the process died after the commit.
    declare(make_person(tree["thach_lam"]), symptoms=["fever"])
    assert not FollowUpTask.objects.exists()
    assert followups_backfill() == {"created": 1, "unplaced": 0}
    assert followups_backfill() == {"created": 0, "unplaced": 0}
    assert FollowUpTask.objects.get().area == tree["thach_lam"]

import pytest

from phongdich.cases.tests.builders import make_tree, official

from .. import services
from .scene import at, build


@pytest.fixture
def tree(db):
    return make_tree()


@pytest.fixture
def kim_tan_official(tree):
    return official(tree["kim_tan"], "yte_kimtan")


@pytest.fixture
def thach_lam_official(tree):
    return official(tree["thach_lam"], "yte_thachlam")


@pytest.fixture
def calls_settings(settings):
    """The defaults, spelled out, so that each test states what it changes."""
    settings.CALLS_BACKEND = "outbox"
    settings.CALLS_HOURS = "07:30-20:30"
    settings.CALLS_TIME_ZONE = "Asia/Ho_Chi_Minh"
    settings.CALLS_PER_MINUTE = 30
    settings.CALLS_RETRY_MINUTES = 60
    settings.CALLS_MAX_ATTEMPTS = 3
    settings.CALLS_RESULT_TIMEOUT_MINUTES = 30
    settings.CALLS_CALLBACK_SECRET = "s3cret-for-tests"
    settings.CALLS_CALLBACK_MAX_AGE_SECONDS = 300
    settings.SITE_URL = "http://127.0.0.1:8000"
    return settings


@pytest.fixture
def scene(tree, kim_tan_official, calls_settings):
    return build(tree, kim_tan_official)


@pytest.fixture
def running(scene, kim_tan_official):
    """The scene's campaign of F1 and F2, started at 07:00 on the calling day."""
    campaign = services.call_campaign_create(
        actor=kim_tan_official, case_id=scene["case"].pk, f1_candidates=True, f1_confirmed=True, f2=True
    )
    services.call_campaign_action(actor=kim_tan_official, campaign_id=campaign.pk, action="start", now=at(7))
    return campaign

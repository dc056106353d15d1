import pytest

from phongdich.cases.tests.builders import make_tree, official


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

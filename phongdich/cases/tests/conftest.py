import pytest

from .builders import make_tree, official


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
def district_official(tree):
    return official(tree["district"], "huyen")

import pytest

from .builders import commune_official, declare, make_person, make_tree


@pytest.fixture
def tree(db):
    return make_tree()


@pytest.fixture
def kim_tan_official(tree):
    return commune_official(tree["kim_tan"], "yte_kimtan")


@pytest.fixture
def thach_lam_official(tree):
    return commune_official(tree["thach_lam"], "yte_thachlam")


@pytest.fixture
def flagged(tree, django_capture_on_commit_callbacks):
    """A person of Kim Tân declared fever: one open task in Kim Tân's queue."""
    person = make_person(tree["kim_tan"], name="Lê Thị Hoa", phone="+84987654321")
    with django_capture_on_commit_callbacks(execute=True):
        declaration = declare(person, symptoms=["fever"], exposures=["contact_symptomatic"])
    return declaration.followup_task

"""A refused source case (infected_by) says which cause applied, not a list of possible ones: no such case in the
official's area, the case itself, or a loop in the chain (the code stays case_source_invalid, extra.reason tells)."""

import pytest

from phongdich.core.errors import ApplicationError

from .. import selectors, services
from .builders import case, person


@pytest.fixture
def chain(tree, kim_tan_official):
    first = case(kim_tan_official, person(tree["kim_tan"], "A"))
    second = case(kim_tan_official, person(tree["kim_tan"], "B"), infected_by=first)
    third = case(kim_tan_official, person(tree["kim_tan"], "C"), infected_by=second)
    return first, second, third


def _refusal(call) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call()
    assert caught.value.code == "case_source_invalid" and caught.value.extra["field"] == "infected_by"
    return caught.value


def test_a_loop_names_the_case_that_would_close_it(chain, kim_tan_official):
    first, _second, third = chain
    error = _refusal(lambda: services.case_update(actor=kim_tan_official, case=first, infected_by=third))
    assert error.extra["reason"] == "loop"
    assert error.as_dict("vi")["message"] == (
        f"Ca {third.number} đã lây từ ca này (trực tiếp hoặc qua ca khác): ghi nó là ca nguồn sẽ tạo thành vòng lặp."
    )
    assert "not in your area" not in error.as_dict("en")["message"]


def test_the_case_itself_is_told_as_such(chain, kim_tan_official):
    first, _second, _third = chain
    error = _refusal(lambda: services.case_update(actor=kim_tan_official, case=first, infected_by=first))
    assert error.extra["reason"] == "itself"
    assert error.as_dict("en")["message"] == "The source case cannot be this case itself (the same person)."


def test_a_case_outside_the_area_or_unknown_is_not_found_by_its_number(tree, chain, thach_lam_official):
    first, _second, _third = chain
    for typed in (first.number, "BN-38-999999"):  # another commune's case reads as one that does not exist
        error = _refusal(lambda typed=typed: selectors.case_find_for_source(viewer=thach_lam_official, value=typed))
        assert error.extra == {"field": "infected_by", "reason": "not_found", "value": typed}
        assert error.as_dict("vi")["message"] == f"Không có ca {typed} trong địa bàn của bạn: kiểm tra lại mã ca."


def test_the_edit_form_shows_the_cause(client, chain, kim_tan_official):
    first, _second, third = chain
    client.force_login(kim_tan_official)
    body = {"sample_date": str(first.sample_date), "test_type": "pcr", "infected_by": third.number}
    html = client.post(f"/cases/{first.pk}/edit/", body).content.decode()
    assert f"Ca {third.number} đã lây từ ca này" in html and "không có trong địa bàn của bạn" not in html

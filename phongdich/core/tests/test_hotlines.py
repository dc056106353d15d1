"""The numbers a citizen is told to call: the province's hotline when set, the Ministry of Health's always."""

from phongdich.core.checks import check_province_hotline
from phongdich.core.hotlines import health_hotlines


def test_without_a_province_hotline_only_the_ministrys_is_given(settings):
    settings.PROVINCE_HEALTH_HOTLINE = ""
    assert [(h.number, h.tel) for h in health_hotlines()] == [("1900 9095", "19009095")]
    assert check_province_hotline(None) == []


def test_the_province_hotline_comes_first_and_dials_without_its_spaces(settings):
    settings.PROVINCE_HEALTH_HOTLINE = "0237 3852 323"
    expected = [("0237 3852 323", "02373852323"), ("1900 9095", "19009095")]
    assert [(h.number, h.tel) for h in health_hotlines()] == expected
    assert check_province_hotline(None) == []


def test_a_province_hotline_that_is_not_a_number_stops_the_start(settings):
    for bad in ("call the station", "12", "0237 3852 323 ext"):
        settings.PROVINCE_HEALTH_HOTLINE = bad
        assert [error.id for error in check_province_hotline(None)] == ["core.E003"]

import pytest

from phongdich.core.errors import ApplicationError
from phongdich.people.validation import (
    CCCD_PROVINCE_CODES,
    normalise_phone,
    validate_citizen_id,
    validate_old_id_number,
    validate_passport,
)


@pytest.mark.parametrize(
    "raw",
    [
        "0912 345 678",
        "0912.345.678",
        "0912-345-678",
        "84912345678",
        "+84912345678",
        "+84 (0) 912 345 678",
        "0084912345678",
    ],
)
def test_usual_ways_of_writing_a_mobile_number_give_e164(raw):
    assert normalise_phone(raw) == "+84912345678"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("01686123456", "+84386123456"),  # Viettel 0168 -> 038
        ("0120 123 4567", "+84701234567"),  # MobiFone 0120 -> 070
        ("01271234567", "+84811234567"),  # VinaPhone 0127 -> 081
        ("01861234567", "+84561234567"),  # Vietnamobile 0186 -> 056
        ("01991234567", "+84591234567"),  # Gmobile 0199 -> 059
        ("+841686123456", "+84386123456"),
    ],
)
def test_old_eleven_digit_numbers_are_converted_by_the_2018_mapping(old, new):
    assert normalise_phone(old) == new


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "abc",
        "0912",
        "09123456789",  # one digit too many
        "0241234567",  # Hà Nội landline (area code 24)
        "02438256686",
        "0871234567",  # MVNO prefix not confirmed in RULES.md §8
        "0951234567",  # not an assigned mobile prefix
        "+14155550100",  # not Vietnamese
        "01301234567",  # 013x was never a mobile prefix
    ],
)
def test_landlines_foreign_and_malformed_numbers_are_invalid_phone(raw):
    with pytest.raises(ApplicationError) as exc:
        normalise_phone(raw)
    assert exc.value.code == "invalid_phone"
    assert exc.value.status == 400


def test_there_are_63_cccd_province_codes_from_001_to_096():
    assert len(CCCD_PROVINCE_CODES) == 63
    assert min(CCCD_PROVINCE_CODES) == "001" and max(CCCD_PROVINCE_CODES) == "096"
    assert CCCD_PROVINCE_CODES["038"] == "Thanh Hóa"


def test_valid_cccd_consistent_with_birth_year_and_gender():
    assert validate_citizen_id("038090001234", birth_year=1990, gender="male") == "038090001234"
    assert validate_citizen_id("038 190 001 234", birth_year=1990, gender="female") == "038190001234"
    assert validate_citizen_id("001205123456", birth_year=2005, gender="male") == "001205123456"
    assert validate_citizen_id("087084000999") == "087084000999"  # the example of RULES.md §8 (Đồng Tháp)


@pytest.mark.parametrize(
    ("value", "kwargs", "part"),
    [
        ("03809000123", {}, "length"),
        ("0380900012345", {}, "length"),
        ("03809000123A", {}, "length"),
        ("038²92004321", {}, "length"),  # "²" passes isdigit() and int() refused it: a 500 (fuzzing, 2026-12-06)
        ("03819200432²", {}, "length"),  # ... and was stored as typed in the random part
        ("038192004٣21", {}, "length"),  # an Arabic-Indic digit
        ("003090001234", {}, "province"),  # 003 is not a province code
        ("099090001234", {}, "province"),
        ("038499001234", {}, "birth_year"),  # born in 2199
        ("038090001234", {"birth_year": 1991}, "birth_year_mismatch"),
        ("038205001234", {"birth_year": 1905}, "birth_year_mismatch"),  # digit 2 means the 2000s
        ("038090001234", {"gender": "female"}, "gender_mismatch"),
        ("038190001234", {"gender": "male"}, "gender_mismatch"),
    ],
)
def test_invalid_cccd_says_which_part_is_wrong(value, kwargs, part):
    with pytest.raises(ApplicationError) as exc:
        validate_citizen_id(value, **kwargs)
    assert exc.value.code == "invalid_citizen_id"
    assert exc.value.extra["part"] == part
    body = exc.value.as_dict("en")
    assert body["message_en"] != "The citizen ID number (CCCD) is invalid."  # the reason is in the message
    assert "CCCD" in body["message_vi"]


def test_full_width_digits_are_read_as_the_digits_they_are():
    """East Asian input methods type ０–９: the same number, not a new one no look-up would find."""
    assert validate_citizen_id("0381９2004321") == "038192004321"
    assert validate_citizen_id("０３８１９２００４３２１") == "038192004321"
    assert validate_old_id_number("１７２３４５６７８") == "172345678"
    with pytest.raises(ApplicationError):
        validate_old_id_number("17234567²")


def test_gender_other_is_not_checked_against_the_cccd():
    assert validate_citizen_id("038090001234", gender="other") == "038090001234"


def test_old_id_number_is_nine_digits():
    assert validate_old_id_number("172 345 678") == "172345678"
    for bad in ("17234567", "1723456789", "17234567a"):
        with pytest.raises(ApplicationError) as exc:
            validate_old_id_number(bad)
        assert exc.value.code == "invalid_id_number"


def test_passport_is_upper_cased_letters_and_digits():
    assert validate_passport("c1234567") == "C1234567"
    for bad in ("C123", "C1234567*", "A" * 21, ""):
        with pytest.raises(ApplicationError) as exc:
            validate_passport(bad)
        assert exc.value.code == "invalid_passport"


def test_a_stored_number_is_shown_as_people_dial_it():
    from phongdich.people.validation import phone_national

    assert phone_national("+84912345678") == "0912345678"
    assert phone_national("+14155550100") == "+14155550100"  # abroad: E.164 as stored
    assert phone_national("") == ""


def test_the_phone_filter_writes_vietnamese_numbers_as_people_do_and_leaves_others_in_e164():
    from django.template import Context, Template

    shown = Template("{% load people_tags %}{{ a|phone }}|{{ b|phone }}|{{ c|phone }}")
    assert shown.render(Context({"a": "+84912345678", "b": "+6591234567", "c": None})) == "0912345678|+6591234567|"

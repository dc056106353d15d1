from hypothesis import given
from hypothesis import strategies as st

from ..barcodes import ALPHABET, barcode_is_valid, barcode_make, barcode_normalise, check_character


def test_known_check_character():
    # Luhn mod 36 worked by hand for "TL0000001": the check character makes the weighted sum a multiple of 36.
    assert barcode_make("TL", 1) == "TL0000001" + check_character("TL0000001")
    assert barcode_is_valid(barcode_make("TL", 1))


def test_normalise_accepts_what_people_type():
    assert barcode_normalise(" tl-000 0001x ") == "TL0000001X"


@given(
    code=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=2, max_size=4),
    seq=st.integers(min_value=1, max_value=9_999_999),
    position=st.integers(min_value=0),
    shift=st.integers(1, 35),
)
def test_every_single_character_mistake_is_caught(code, seq, position, shift):
    barcode = barcode_make(code, seq)
    assert barcode_is_valid(barcode)
    index = position % len(barcode)
    wrong = ALPHABET[(ALPHABET.index(barcode[index]) + shift) % len(ALPHABET)]
    assert not barcode_is_valid(barcode[:index] + wrong + barcode[index + 1 :])


def test_swapped_neighbours_are_caught():
    barcode = barcode_make("KT", 1234567)
    swapped = barcode[:4] + barcode[5] + barcode[4] + barcode[6:]
    assert swapped != barcode and not barcode_is_valid(swapped)


def test_garbage_is_not_a_barcode():
    assert not barcode_is_valid("")
    assert not barcode_is_valid("KT*0000001")

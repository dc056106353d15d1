"""The verifier's base45 decoder against the `base45` package (the reference) on random data and bad shapes."""

import base45
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phongdich.certificates import dcc


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_decoding_gives_back_what_the_package_encoded(data):
    assert dcc.b45decode(base45.b45encode(data).decode("ascii")) == data


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:abc~é", max_size=30))
def test_any_text_is_decoded_or_refused_as_the_package_does(text):
    try:
        expected = base45.b45decode(text)
    except (ValueError, UnicodeError):
        with pytest.raises(dcc._Refused) as refused:
            dcc.b45decode(text)
        assert refused.value.reason == "bad_base45"
    else:
        assert dcc.b45decode(text) == expected


@pytest.mark.parametrize("text", ["A", "GGW", ":::", "::", "ab", "QED8WEX0é", "QED8WEX0 1"])
def test_malformed_base45_is_refused(text):
    with pytest.raises(dcc._Refused) as refused:
        dcc.b45decode(text)
    assert refused.value.reason == "bad_base45"

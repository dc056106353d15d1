"""The product admin refuses codes that are not in the EU DCC value sets."""

from ..admin import VaccineProductForm


def _form(**changes):
    data = {"code": "x", "name": "X", "medicinal_product": "EU/1/20/1528", "manufacturer": "ORG-100030215",
            "prophylaxis": "1119349007", "series_doses": 2, "min_interval_days": 21, "recommended_interval_days": 21,
            "interval_source": "test", "active": True, **changes}  # fmt: skip
    return VaccineProductForm(data=data)


def test_product_codes_are_checked_against_the_value_sets(db):
    assert _form().is_valid()
    assert not _form(medicinal_product="EU/9/99/9999").is_valid()

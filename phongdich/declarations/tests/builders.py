"""Builders for declaration tests: each makes only what it is asked for."""

from phongdich.declarations.models import PortOfEntry


def make_port(code: str = "HAN", *, province=None, active: bool = True) -> PortOfEntry:
    # Transactional tests flush the seeded ports: each test makes those it needs.
    port, _ = PortOfEntry.objects.update_or_create(
        code=code,
        defaults={
            "name_vi": f"Cảng hàng không {code}",
            "name_en": f"{code} International Airport",
            "kind": PortOfEntry.Kind.AIRPORT,
            "province": province,
            "active": active,
        },
    )
    return port


def domestic_post(area, **overrides) -> dict:
    """The POST body of the domestic page form, all answers "no"."""
    data = {
        "full_name": "Nguyễn Thị Lan",
        "id_number": "",
        "birth_year": "1990",
        "gender": "female",
        "nationality": "VN",
        "phone": "0912 345 678",
        "email": "",
        "area": str(area.pk),
        "address_street": "12 Lê Lợi",
        "travelled_14d": "no",
        "travel_places": "",
        "symptom_notes": "",
        "nonce": "n-1",
    }
    data.update(overrides)
    return data

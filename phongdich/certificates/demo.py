"""Demo data of the certificates app: the province's signer key and certificate (under the demo's VAR_DIR).
Certificates themselves are issued when a citizen looks them up, from the doses, results and recoveries that
later demo steps create."""

from . import keys


def demo_extend(*, builder, log) -> None:
    try:
        signer = keys.signer(create=False)
        log(f"  EU DCC signer present (kid {signer.kid.hex()})")
    except FileNotFoundError:
        signer = keys.dcc_keys_create()
        log(f"  EU DCC signer created in {keys.key_path().parent} (kid {signer.kid.hex()})")

"""Lot numbers recorded before services.lot_normalise: the same lot typed "ab1234" at one desk and " AB 1234 " at
another counted as two lots in the reactions per lot. Folds them the same way (white space out, capitals). The rule
is copied here, not imported, so that this migration keeps doing what it did when the service changes."""

from django.db import migrations

BATCH = 1000


def _fold(lot: str) -> str:
    text = "".join(lot.split())
    # A lot with other than ASCII text was never accepted by the service; left as it is rather than changed.
    return text.upper() if text.isascii() else lot


def normalise_lots(apps, schema_editor):
    Dose = apps.get_model("vaccination", "Dose")
    changed = []
    # Only the lots that can change are read (a small letter or white space): most are typed as printed, and a
    # province has millions of doses.
    foldable = Dose.objects.filter(lot__regex=r"[a-z]|\s").order_by("pk").values_list("pk", "lot")
    for pk, lot in foldable.iterator(chunk_size=BATCH):
        folded = _fold(lot)
        if folded and folded != lot:
            changed.append(Dose(pk=pk, lot=folded))
        if len(changed) >= BATCH:
            Dose.objects.bulk_update(changed, ["lot"])
            changed = []
    if changed:
        Dose.objects.bulk_update(changed, ["lot"])


class Migration(migrations.Migration):
    dependencies = [("vaccination", "0004_choice_labels")]

    operations = [migrations.RunPython(normalise_lots, migrations.RunPython.noop, elidable=True)]

# A contact's exposure span is that of its standing links of its current episode **at its level** (docs/cases.md,
# "Contacts and their status"): an F1's quarantine counts from its meetings with the F0, not from its F2 evidence
# (RULES.md §2, CĐ 600/CĐ-BCĐ "from entry or last contact"). Until now the span covered every level. The contacts with
# standing evidence of a further level than theirs get the span of their level's links, as
# services.contacts_span_settle computes it; the others already have it. Quarantines already set keep their dates: a
# migration shortens no quarantine an official set. Reversed, the span covers every level again.

from django.db import migrations
from django.db.models import Exists, Max, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual, IsNull


def _standing(ContactLink):
    """The standing links of a contact's current episode (models.links_standing_q, links_of_episode_q, as of this
    migration): of a case not withdrawn, not named through an F1 since dismissed, ending in the episode."""
    moment = Coalesce("exposure_end", "exposure_start", "case__window_end")
    return (
        ContactLink.objects.filter(contact_id=OuterRef("pk"))
        .exclude(case__status="withdrawn")
        .exclude(source="interview", via__status="dismissed")
        .filter(Q(IsNull(OuterRef("episode_start"), True)) | Q(GreaterThanOrEqual(moment, OuterRef("episode_start"))))
        .order_by()
    )


def _span_from(contacts, links) -> None:
    links = links.values("contact_id")
    contacts.update(
        first_exposure_at=Subquery(links.annotate(first=Min("exposure_start")).values("first")),
        last_exposure_at=Subquery(links.annotate(last=Max(Coalesce("exposure_end", "exposure_start"))).values("last")),
    )


def _mixed(Contact, standing):
    """The contacts with standing evidence both of their level and of a further one: the only spans that differ."""
    return Contact.objects.filter(
        Exists(standing.filter(level=OuterRef("level"))), Exists(standing.filter(level__gt=OuterRef("level")))
    )


def span_of_the_level(apps, schema_editor):
    Contact, ContactLink = apps.get_model("cases", "Contact"), apps.get_model("cases", "ContactLink")
    standing = _standing(ContactLink)
    _span_from(_mixed(Contact, standing), standing.filter(level=OuterRef("level")))


def span_of_every_level(apps, schema_editor):
    Contact, ContactLink = apps.get_model("cases", "Contact"), apps.get_model("cases", "ContactLink")
    standing = _standing(ContactLink)
    _span_from(_mixed(Contact, standing), standing)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0037_case_restore"),
    ]

    operations = [
        migrations.RunPython(span_of_the_level, span_of_every_level),
    ]

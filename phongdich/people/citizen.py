"""A citizen's verified session: after the one-time-code look-up (testing app, docs/testing.md) the session
holds the person it proved to be, and the citizen pages (results, doses, certificates) show only that
person's records. Officials never use this: they sign in and are scoped by area."""

from django.utils import timezone

SESSION_KEY = "citizen_person_id"
SESSION_AT_KEY = "citizen_verified_at"
# How long a verified look-up lasts before the code must be asked again.
SESSION_MAX_AGE_S = 30 * 60


def citizen_mark_verified(request, person) -> None:
    request.session.cycle_key()  # a new session id after proving identity (no fixation)
    request.session[SESSION_KEY] = person.pk
    request.session[SESSION_AT_KEY] = timezone.now().timestamp()


def citizen_verified_person(request):
    """The person this browser proved to be in the last SESSION_MAX_AGE_S seconds, or None."""
    from .models import Person

    person_id = request.session.get(SESSION_KEY)
    verified_at = request.session.get(SESSION_AT_KEY) or 0
    if not person_id or timezone.now().timestamp() - verified_at > SESSION_MAX_AGE_S:
        return None
    return Person.objects.filter(pk=person_id).first()


def citizen_forget(request) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.pop(SESSION_AT_KEY, None)

"""Pages of the four ways a check-in is made, and the officials' list.

Views are thin: they read forms and cookies and call the services (checkins.services, people.services),
which validate, write and audit. A refusal (ApplicationError) is shown in Vietnamese with English below.
"""

import functools

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from phongdich.cases.selectors import exposure_matches_for_person
from phongdich.core import errors as core_errors
from phongdich.core.audit import client_ip
from phongdich.core.errors import ApplicationError
from phongdich.core.exports import export_start
from phongdich.core.hotlines import health_hotlines
from phongdich.core.pagination import CappedPaginator, count_capped
from phongdich.core.redirects import safe_next
from phongdich.core.throttling import SimpleRateThrottle
from phongdich.declarations.selectors import declaration_required
from phongdich.healthcards.selectors import status_quarantine_last_day, status_reason_texts
from phongdich.healthcards.services import status_qr_issue
from phongdich.people.models import Person
from phongdich.people.selectors import person_get_by_public_id
from phongdich.people.validation import phone_masked
from phongdich.venues.models import VenueCode

from . import errors, selectors, services
from .exports import CHECKINS_EXPORT, EXPORT_MAX_ROWS, FILTERS, filtered_checkins
from .forms import (
    CheckoutForm,
    DeclarationForm,
    PaperDeclarationForm,
    QuickCheckinForm,
    add_service_error,
    new_nonce,
)
from .models import CheckIn

# --- The remembered device ---------------------------------------------------------------------
# A signed cookie holds the public ids of the people declared on this phone (a family may share one).
# Signed so that nobody can plant someone else's id; HttpOnly so that page scripts cannot read it.
# Path "/": the citizen pages are /c/ (check-in) and /declarations/ (also /en/declarations/), which read and
# extend the same list of people (declarations.views).
DEVICE_COOKIE = "pd_device"
DEVICE_COOKIE_SALT = "phongdich.checkins.device"
DEVICE_COOKIE_PATH = "/"
MAX_REMEMBERED = 8


def _device_max_age() -> int:
    return settings.DEVICE_COOKIE_DAYS * 24 * 3600


# A person found by name, phone and year of birth (not created by this phone's declaration) is marked
# LINKED: the phone may check them in with one tap, but does not get their personal QR code. Name, phone
# and year of birth are no secret, so they must not be enough to obtain someone's signed identity. The owner
# lifts the mark with a code sent by SMS to the phone on the record (claim, below).
LINKED_MARK = "~"


def _cookie_entries(request) -> list[tuple[str, bool]]:
    """(public id, linked) pairs remembered on this device, oldest first; [] for a missing or forged cookie."""
    raw = request.get_signed_cookie(DEVICE_COOKIE, default="", salt=DEVICE_COOKIE_SALT, max_age=_device_max_age())
    entries, seen = [], set()
    for item in raw.split(","):
        linked = item.startswith(LINKED_MARK)
        public_id = item.removeprefix(LINKED_MARK)
        if public_id and public_id not in seen:
            seen.add(public_id)
            entries.append((public_id, linked))
    return entries[:MAX_REMEMBERED]


def remembered_ids(request) -> list[str]:
    """Public ids remembered on this device, oldest first."""
    return [public_id for public_id, _ in _cookie_entries(request)]


def linked_ids(request) -> set[str]:
    return {public_id for public_id, linked in _cookie_entries(request) if linked}


def remember(response, ids: list[str], *, linked: set[str] = frozenset()) -> None:
    """Store the ids (re-signed, so the cookie lives DEVICE_COOKIE_DAYS from the last visit)."""
    if not ids:
        response.delete_cookie(DEVICE_COOKIE, path=DEVICE_COOKIE_PATH, samesite="Lax")
        return
    response.set_signed_cookie(
        DEVICE_COOKIE,
        ",".join(LINKED_MARK + i if i in linked else i for i in ids[-MAX_REMEMBERED:]),
        salt=DEVICE_COOKIE_SALT,
        max_age=_device_max_age(),
        path=DEVICE_COOKIE_PATH,
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )


def remembered_people(request) -> list[Person]:
    people = []
    for public_id in remembered_ids(request):
        person = person_get_by_public_id(public_id)
        if person is not None:  # removed by retention or an official: forget quietly
            people.append(person)
    return people


def _private(response):
    # Names and personal codes: never stored by a shared cache or the browser's back-forward cache.
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store, private"
    return response


def vietnamese_first(view):
    """Citizen pages speak Vietnamese with English below (the `bi` tag), unless the person picked a language:
    the language of the address (/en/c/me/, reached from an English page, whose links keep their prefix), else the
    one chosen with the switch (its cookie: a venue's QR code holds the unprefixed /c/<token>). Many phones in
    Vietnam run in English, so the browser's Accept-Language is not followed."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        chosen = translation.get_language_from_path(request.path_info) or request.COOKIES.get(
            settings.LANGUAGE_COOKIE_NAME
        )
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        with translation.override(language):
            request.LANGUAGE_CODE = language
            return view(request, *args, **kwargs)

    return wrapper


class CitizenPostThrottle(SimpleRateThrottle):
    """The citizen pages' form posts (they may create people) share the public API's limit per address."""

    scope = "public"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": "citizen_page", "ident": self.get_ident(request)}


def _throttled(request) -> bool:
    return request.method == "POST" and not CitizenPostThrottle().allow_request(request, None)


def _citizen_error(request, error: ApplicationError):
    context = {"error": error.as_dict()}
    return _private(render(request, "checkins/citizen_error.html", context, status=error.status))


# --- 1. The citizen scans a venue's QR code ------------------------------------------------------


@vietnamese_first
@require_http_methods(["GET", "POST"])
def venue_checkin(request, token):
    """/c/<token>: the page a venue's QR code opens on a phone."""
    if _throttled(request):
        return _citizen_error(request, ApplicationError(core_errors.RATE_LIMITED))
    try:
        code = services.checkin_code_resolve(code_token=token[:64])
    except ApplicationError as error:
        return _citizen_error(request, error)
    people = remembered_people(request)
    declaration = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "declare":
            declaration = DeclarationForm(request.POST)
            if declaration.is_valid():
                return _declare_and_check_in(request, code, declaration, people)
        elif action == "checkin":
            quick = QuickCheckinForm(request.POST)
            person = _remembered(people, request.POST.get("person"))
            if quick.is_valid() and person is not None:
                return _check_in(request, code, person, quick.cleaned_data, people)
            # A tampered or stale form: show the page again rather than an error screen.
    if declaration is None and (not people or request.GET.get("add")):
        declaration = DeclarationForm(initial={"nonce": new_nonce()})
    open_visits = {checkin.person_id: checkin for checkin in _open_checkins(people, code.venue)}
    cards = [
        {
            "person": person,
            "form": QuickCheckinForm(initial={"person": person.public_id, "nonce": new_nonce()}, auto_id=f"p{i}_%s"),
            "open_checkin": open_visits.get(person.pk),
            "needs_declaration": declaration_required(person=person, venue=code.venue),
        }
        for i, person in enumerate(people)
    ]
    context = {
        "code": code,
        "venue": code.venue,
        "cards": cards,
        "form": declaration,
        "adding": bool(people),
        "needs_declaration": declaration_required(person=None, venue=code.venue),
    }
    status = 400 if declaration is not None and declaration.is_bound else 200
    return _private(render(request, "checkins/citizen_checkin.html", context, status=status))


def _remembered(people: list[Person], public_id: str | None) -> Person | None:
    # Only people remembered on this device can be checked in from it.
    return next((person for person in people if person.public_id == public_id), None)


def _open_checkins(people, venue):
    # Only the visits of the people remembered on this very device (their own data, not an official's read).
    if not people:
        return []
    return CheckIn.objects.filter(person__in=people, venue=venue, checked_out_at__isnull=True).order_by("checked_in_at")


def _declare_and_check_in(request, code, form, people):
    data = form.cleaned_data
    started = timezone.now()
    try:
        # Finds or creates the person and checks in (with the venue rule's short declaration, if the venue has
        # one), in one transaction: a refusal leaves nothing behind.
        checkin = services.checkin_self_declare(
            code_token=code.token,
            full_name=data["full_name"],
            phone=data["phone"],
            birth_year=data["birth_year"],
            citizen_id=data["citizen_id"],
            has_symptoms=data["has_symptoms"],
            had_contact=data["had_contact"],
            travelled=data["travelled"],
            nonce=data["nonce"],
            now=started,
        )
    except ApplicationError as error:
        add_service_error(form, error)
        context = {"code": code, "venue": code.venue, "cards": [], "form": form, "adding": bool(people)}
        return _private(render(request, "checkins/citizen_checkin.html", context, status=error.status))
    person = checkin.person
    ids = [p.public_id for p in people if p.public_id != person.public_id] + [person.public_id]
    linked = linked_ids(request)
    if person.created_at < started:  # an existing record matched: see LINKED_MARK
        linked.add(person.public_id)
    else:
        linked.discard(person.public_id)
    # The name shown is the one just typed: person_find_or_create may have matched an existing record.
    return _success(request, code, checkin, person, ids, shown_name=data["full_name"], linked=linked)


def _check_in(request, code, person, data, people):
    try:
        # With the venue rule's short declaration when the venue has one (in the same transaction).
        checkin = services.checkin_self(
            code_token=code.token,
            person=person,
            has_symptoms=data["has_symptoms"],
            had_contact=data["had_contact"],
            travelled=data["travelled"],
            nonce=data["nonce"],
        )
    except ApplicationError as error:
        return _citizen_error(request, error)
    ids = [p.public_id for p in people]
    return _success(request, code, checkin, person, ids, shown_name=person.full_name, linked=linked_ids(request))


def _success(request, code, checkin, person, ids, *, shown_name, linked):
    context = {
        "code": code,
        "venue": code.venue,
        "checkin": checkin,
        "person": person,
        "shown_name": shown_name,
        "checkout_form": CheckoutForm(initial={"person": person.public_id, "checkin": checkin.pk}),
    }
    response = render(request, "checkins/citizen_success.html", context)
    remember(response, ids, linked=linked)
    return _private(response)


@vietnamese_first
@require_POST
def venue_checkout(request, token):
    """The "Check out" button of the success screen and of the venue page."""
    if _throttled(request):
        return _citizen_error(request, ApplicationError(core_errors.RATE_LIMITED))
    try:
        code = services.checkin_code_resolve(code_token=token[:64])
    except ApplicationError as error:
        return _citizen_error(request, error)
    form = CheckoutForm(request.POST)
    person = _remembered(remembered_people(request), request.POST.get("person"))
    if not form.is_valid() or person is None:
        return HttpResponseRedirect(reverse("checkins_public:venue", args=[token]))
    try:
        checkin = services.checkin_checkout_self(checkin_id=form.cleaned_data["checkin"], person=person)
    except ApplicationError as error:
        return _citizen_error(request, error)
    context = {"code": code, "venue": code.venue, "checkin": checkin, "person": person}
    return _private(render(request, "checkins/citizen_checked_out.html", context))


# --- 2. The citizen's own QR code, shown to control staff -------------------------------------------


def claim_offer(person: Person) -> dict:
    """What a page shows of a LINKED person to offer the claim: the phone on the record, masked (this phone typed
    it, but a page must not print it whole)."""
    phone = phone_masked(person.phone) if person.phone else ""
    return {"person": person, "phone": phone, "send_label": SEND_CODE_LABEL}


SEND_CODE_LABEL = gettext_lazy("Send a code to %(phone)s")
CHECKIN_DAYS_LABEL = gettext_lazy("Your check-ins of the last %(days)s days, newest first.")
NO_CHECKINS_LABEL = gettext_lazy("No check-in in the last %(days)s days.")
CODE_VALID_LABEL = gettext_lazy("Valid for %(minutes)s minutes. Do not give it to anyone.")


@vietnamese_first
@require_GET
def my_qr(request):
    """/c/me/: a personal QR code for each person remembered on this device. No personal data in the URL."""
    cards, linked_people = [], []
    linked = linked_ids(request)
    for person in remembered_people(request):
        if person.public_id in linked:
            linked_people.append(claim_offer(person))
            continue
        # The code carries the health status colour, its validity and the initials (healthcards, issue 3).
        token, status = status_qr_issue(person=person)
        qr = segno.make(token, error="m")
        svg = qr.svg_inline(scale=5, border=2, omitsize=True, title=person.initials)
        # Published exposure notices that this person's own check-ins overlap (cases app, issue 4).
        exposures = exposure_matches_for_person(person=person)
        last_day = status_quarantine_last_day(person=person, card=status)
        cards.append(
            {
                "person": person,
                "svg": svg,
                "status": status,
                "reasons": status_reason_texts(status, quarantine_last_day=last_day),
                "exposure_matches": exposures,
                # Only a person held as their own (not LINKED: the SMS-code claim first); audited.
                "checkins": selectors.checkin_list_for_citizen(person=person, ip=client_ip(request)),
            }
        )
    context = {
        "cards": cards,
        "linked_people": linked_people,
        "checkin_days": settings.EXPOSURE_NOTICE_PUBLIC_DAYS,
        "days_label": CHECKIN_DAYS_LABEL,
        "no_checkins_label": NO_CHECKINS_LABEL,
        "hotlines": health_hotlines(),
    }
    return _private(render(request, "checkins/my_qr.html", context))


@vietnamese_first
@require_POST
def forget_device(request):
    """Forget everyone on this phone (a borrowed or shared phone)."""
    response = redirect("checkins_public:me")
    remember(response, [])
    return _private(response)


# --- 2b. The owner of a LINKED record shows its QR code on this phone -------------------------------------
# The code's hash, expiry, tries and use are in the ClaimCode table (a cleared session must not reset the tries);
# the session keeps only which person this browser asked a code for and the challenge that the code was hashed
# with, so the code works only in the browser that asked for it. One claim at a time per browser.
CLAIM_STATE = "checkins_claim"


def _claimable(request, public_id) -> Person | None:
    """The person, if this very device holds `public_id` as LINKED; None for anything else (not on the device, not
    linked, removed, garbage): the same answer, so the claim cannot be used to probe public ids."""
    if not isinstance(public_id, str) or public_id not in linked_ids(request):
        return None
    return _remembered(remembered_people(request), public_id)


def _claim_page(request, person, *, status=200, error=None, sent=False, echo_code=None):
    state = request.session.get(CLAIM_STATE) or {}
    context = {
        **claim_offer(person),
        "awaiting_code": state.get("person") == person.public_id and bool(state.get("challenge")),
        "sent": sent,
        "echo_code": echo_code,
        "error": error.as_dict() if error else None,
        "next": safe_next(request),
        "ttl_minutes": max(1, settings.CHECKIN_CLAIM_CODE_TTL_SECONDS // 60),
        "valid_label": CODE_VALID_LABEL,
    }
    return _private(render(request, "checkins/my_claim.html", context, status=status))


@vietnamese_first
@require_http_methods(["GET", "POST"])
def claim(request):
    """/c/me/claim/: "send a code" (step=send, person=<public id>) to the phone on a LINKED record, then the code
    (step=verify); a right code lifts the LINKED mark in this device's cookie, and the QR code shows."""
    if _throttled(request):
        return _citizen_error(request, ApplicationError(core_errors.RATE_LIMITED))
    state = request.session.get(CLAIM_STATE) or {}
    step = request.POST.get("step") if request.method == "POST" else None
    if step == "send":
        person = _claimable(request, request.POST.get("person"))
        if person is None:
            return _citizen_error(request, ApplicationError(errors.CLAIM_NOT_FOUND))
        try:
            started = services.claim_code_send(person=person, ip=client_ip(request))
        except ApplicationError as error:
            return _claim_page(request, person, status=error.status, error=error)
        request.session[CLAIM_STATE] = {"person": person.public_id, "challenge": started.challenge}
        echo = started.code if settings.SMS_ECHO_ON_PAGE else None
        return _claim_page(request, person, sent=True, echo_code=echo)
    person = _claimable(request, state.get("person"))
    if step == "verify":
        if person is None:
            return _citizen_error(request, ApplicationError(errors.CLAIM_NOT_FOUND))
        try:
            services.claim_code_verify(
                person=person, challenge=state.get("challenge"), code=request.POST.get("code"), ip=client_ip(request)
            )
        except ApplicationError as error:
            if error.error in (errors.CLAIM_EXPIRED, errors.CLAIM_LOCKED):
                request.session.pop(CLAIM_STATE, None)  # the page offers a new code
            return _claim_page(request, person, status=error.status, error=error)
        request.session.pop(CLAIM_STATE, None)
        response = redirect(safe_next(request, default=reverse("checkins_public:me")))
        remember(response, remembered_ids(request), linked=linked_ids(request) - {person.public_id})
        return _private(response)
    if request.method == "POST":  # no or an unknown step: a tampered form
        return _citizen_error(request, ApplicationError(core_errors.INVALID_INPUT))
    if person is None:  # nothing asked on this browser (or no longer on the device): back to the QR page
        return _private(redirect("checkins_public:me"))
    return _claim_page(request, person)


# --- 3. Control staff scan personal QR codes ------------------------------------------------------


def _staff_venues(user):
    if not selectors.records_checkins(user):
        raise PermissionDenied
    return selectors.staff_venues(user=user)


def _venues_searched(venues) -> bool:
    """Whether the page searches the venues rather than list them all (selectors.PICKER_SELECT_MAX)."""
    return venues.order_by()[: selectors.PICKER_SELECT_MAX + 1].count() > selectors.PICKER_SELECT_MAX


def _venue_picker(request) -> dict:
    """The venue search of the scan and paper pages (checkins/_venue_search.html): without script, the plain search
    `?venue_q=` lists the matches as links that choose by `?venue=`; with script, the same list comes from
    StaffVenueSearchApi as staff type."""
    q = (request.GET.get("venue_q") or "").strip()[:100]
    matches, more = selectors.staff_venue_search(user=request.user, q=q) if q else ([], False)
    return {"q": q, "matches": matches, "more": more}


def _chosen_venue(request, session_key: str):
    """The venue `?venue=` chooses (kept in the session for the next visit), else the one chosen last; None when
    none is. A `?venue=` that is not one of the user's venues (another area's, or not an id) is a 404."""
    asked = request.GET.get("venue")
    if asked is not None:
        found, _more = selectors.staff_venue_search(user=request.user, venue_id=asked, limit=1)
        if not found:
            raise Http404
        request.session[session_key] = found[0].pk
        return found[0]
    remembered = request.session.get(session_key)
    if remembered is None:
        return None
    found, _more = selectors.staff_venue_search(user=request.user, venue_id=remembered, limit=1)
    return found[0] if found else None


def _entrances(venues) -> list[dict]:
    """The venues with their active codes (entrances), for the scanner's picker. A venue without a code
    is still offered: the scan then names the venue alone."""
    groups = {venue.pk: {"venue": venue, "codes": []} for venue in venues}
    for code in VenueCode.objects.filter(venue__in=list(groups), revoked_at__isnull=True).order_by("id"):
        groups[code.venue_id]["codes"].append(code)
    return list(groups.values())


SCAN_VENUE = "checkins.scan.venue"


@login_required
@require_GET
def scan(request):
    """/checkins/scan/: the camera page of control staff. The scan itself goes to the JSON API. A few venues are all
    offered; many (an official's district) are searched, and the chosen one's entrances offered."""
    venues = _staff_venues(request.user)
    context = {"api_url": "/api/v1/checkins/scan/"}  # not translated, not prefixed: a fixed API path
    if _venues_searched(venues):
        chosen = _chosen_venue(request, SCAN_VENUE)
        context.update(
            venue_searched=True,
            picker=_venue_picker(request),
            chosen_venue=chosen,
            entrances=_entrances([chosen] if chosen else []),
        )
    else:
        context["entrances"] = _entrances(list(venues))
    return render(request, "checkins/scan.html", context)


# --- 4. Control staff enter paper declarations -----------------------------------------------------

PAPER_LAST = "checkins.paper.last"
PAPER_PLACE = "checkins.paper.place"
PAPER_VENUE = "checkins.paper.venue"  # the venue chosen by the search, before anything is recorded there


@login_required
@require_http_methods(["GET", "POST"])
def paper(request):
    """/checkins/paper/: keyboard-first entry of paper declarations, one after another."""
    venues = _staff_venues(request.user)
    searched = _venues_searched(venues)
    if request.method == "POST":
        form = PaperDeclarationForm(request.POST, venues=venues, searched=searched)
        if form.is_valid():
            data = form.cleaned_data
            try:
                checkin = services.checkin_paper(
                    actor=request.user,
                    venue=data["venue"],
                    code=data["code"],
                    full_name=data["full_name"],
                    phone=data["phone"],
                    birth_year=data["birth_year"],
                    citizen_id=data["citizen_id"],
                    address_area=data["address_area"],
                    address_street=data["address_street"],
                    has_symptoms=data["has_symptoms"],
                    had_contact=data["had_contact"],
                    travelled=data["travelled"],
                    checked_in_at=data["checked_in_at"],
                    nonce=data["nonce"],
                )
            except ApplicationError as error:
                add_service_error(form, error)
            else:
                # The last entry is kept in the session (server side), not in a cookie: it names a person.
                request.session[PAPER_LAST] = {
                    "name": data["full_name"],
                    "birth_year": data["birth_year"],
                    "venue": data["venue"].name,
                    "entrance": data["code"].label if data["code"] else "",
                    "at": timezone.localtime(checkin.checked_in_at).strftime("%H:%M %d/%m/%Y"),
                    "id": checkin.pk,
                }
                request.session[PAPER_PLACE] = [data["venue"].pk, data["code"].pk if data["code"] else None]
                request.session[PAPER_VENUE] = data["venue"].pk  # chosen by the page's script, without a ?venue=
                return redirect("checkins:paper")
        status = 400
    else:
        venue_id, code_id = request.session.get(PAPER_PLACE) or [None, None]
        if searched:
            chosen = _chosen_venue(request, PAPER_VENUE)
            if chosen is not None and chosen.pk != venue_id:
                venue_id, code_id = chosen.pk, None
        elif venue_id is None:
            venue_id = venues.first().pk
        form = PaperDeclarationForm(
            venues=venues,
            searched=searched,
            initial={
                "venue": venue_id,
                "code": code_id,
                "nonce": new_nonce(),
                "checked_in_at": timezone.localtime().replace(second=0, microsecond=0),
            },
        )
        status = 200
    context = {
        "form": form,
        "last": request.session.get(PAPER_LAST),
        "area_picker": _area_picker_available(),
        # After a refusal the picker shows the area already chosen.
        "picked_area": getattr(form, "cleaned_data", {}).get("address_area"),
        "venue_searched": searched,
        "picker": _venue_picker(request) if searched else None,
    }
    return render(request, "checkins/paper.html", context, status=status)


def _area_picker_available() -> bool:
    from django.template import TemplateDoesNotExist
    from django.template.loader import get_template

    try:
        get_template("geo/area_picker.html")
    except TemplateDoesNotExist:
        return False
    return True


# --- 5. Officials: who was where ------------------------------------------------------------------

PAGE_SIZE = 50
LIST_COUNT_MAX = EXPORT_MAX_ROWS  # the list counts as far as an export may go: "more than 100,000" beyond


def _filtered_checkins(request):
    return filtered_checkins(viewer=request.user, params=request.GET)


@login_required
@require_GET
def checkin_list(request):
    form, checkins = _filtered_checkins(request)
    page = CappedPaginator(checkins, PAGE_SIZE, cap=LIST_COUNT_MAX).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "sees_people": selectors.viewer_sees_people(request.user),
    }
    return render(request, "checkins/list.html", context)


@login_required
@require_POST
def checkin_export(request):
    """Queue the list, as filtered on the page, as an .xlsx built in the background (checkins.exports); the
    official is taken to the export's page. Filters the page refuses, or more than EXPORT_MAX_ROWS rows, are sent
    back to the list with the reason."""
    form, checkins = _filtered_checkins(request)
    query = request.GET.urlencode()
    back = reverse("checkins:list") + (f"?{query}" if query else "")
    if form.is_bound and not form.is_valid():
        messages.error(request, _("Correct the filters before exporting."))
        return redirect(back)
    if count_capped(checkins, EXPORT_MAX_ROWS) > EXPORT_MAX_ROWS:
        messages.error(
            request,
            _("The export is limited to %(limit)s rows: choose a venue or fewer days.") % {"limit": EXPORT_MAX_ROWS},
        )
        return redirect(back)
    params = {key: request.GET.get(key, "") for key in FILTERS}
    try:
        job = export_start(actor=request.user, kind=CHECKINS_EXPORT, params=params, ip=client_ip(request))
    except ApplicationError as error:  # export_no_scope: a venue member without a venue
        return render(request, "core/error.html", {"error": error.as_dict()}, status=error.status)
    return redirect("core:export", job_id=job.pk)


@login_required
@require_GET
def checkin_detail(request, checkin_id: int):
    try:
        checkin = selectors.checkin_get(viewer=request.user, checkin_id=checkin_id)
    except ApplicationError as error:
        raise Http404 from error
    if checkin is None:
        raise Http404
    context = {"checkin": checkin, "sees_people": selectors.viewer_sees_people(request.user)}
    return render(request, "checkins/detail.html", context)

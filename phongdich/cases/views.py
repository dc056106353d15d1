"""Pages of the cases app: case entry and list, the case page (window, presences, contacts with evidence,
exposure notices), contacts, the F1 work list and its export, clusters with the transmission graph, tracing
runs, and the public list of exposure notices.

Thin: selectors scope, read and audit; services validate, write and audit. Out-of-area records answer 404.
"""

import re
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from phongdich.accounts.permissions import PEOPLE_ROLES, has_role
from phongdich.calls.selectors import call_results_for_contact
from phongdich.core import errors as core_errors
from phongdich.core.audit import audit_record, client_ip
from phongdich.core.errors import ApplicationError
from phongdich.core.exports import export_start
from phongdich.core.formonce import FormSentBefore, form_nonce, form_once, form_sent_before
from phongdich.core.hotlines import health_hotlines
from phongdich.core.ids import id_or_none
from phongdich.core.redirects import post_only, safe_next
from phongdich.core.scoping import viewer_area_path
from phongdich.geo.errors import AREA_NOT_CHOSEN
from phongdich.geo.forms import area_not_chosen_context, typed_area_text
from phongdich.geo.models import Area
from phongdich.people.errors import PERSON_ID_ON_RECORD

from . import errors, forms, selectors, services
from .exports import WORKLIST_EXPORT, commune_names, worklist_contacts, worklist_filters, worklist_query
from .models import Case, Cluster, Contact, quarantine_last_day
from .templatetags.cases_tags import label as status_label

PAGE_SIZE = 50
WORKLIST_PAGE_SIZE = 200
PERSON_READ_REASON = "case investigation"
# The transmission graph's colours, in one place: the legend (cluster.html) is drawn with them and passes them to the
# drawing (cluster_graph.js, through json_script). Until 2026-12-07 each had its own copy, which a change to one left
# disagreeing with the other. A level's colour is that of the level's badge on the cases pages (cases.css .level-N).
CLUSTER_GRAPH_COLOURS = {
    "levels": {"0": "#a4161a", "1": "#e8590c", "2": "#d4a106", "3": "#5c7cfa"},
    "level_other": "#868e96",  # a level past 3, when TRACING_MAX_LEVEL allows one
    "case_border": "#212529",
    "case_outside": "#e5989b",
    "case_outside_border": "#495057",
    "infected_by": "#a4161a",
}


class _Denied(Exception):
    pass


def _error(request, error: ApplicationError, back: str = ""):
    """The error page in both languages; `back`, a link to the page the form was on."""
    return render(request, "core/error.html", {"error": error.as_dict(), "back": back}, status=error.status)


def _query_without_page(request) -> str:
    """The page's filters as a query string, for the links to the pages before and after."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _query_without(request, *names: str) -> str:
    """The page's filters without `names`, as a query string to which a link adds its own value of them."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def _require_people_role(request):
    if not has_role(request.user, *PEOPLE_ROLES):
        raise ApplicationError(core_errors.PERMISSION_DENIED)


def _scope_area(user) -> Area | None:
    official = getattr(user, "official", None)
    return getattr(official, "area", None)


def _visible_communes(user):
    path = viewer_area_path(user)
    if path is None:
        return Area.objects.none()
    return Area.objects.filter(path__startswith=path, kind=Area.Kind.COMMUNE)


def _visible_clusters(user, *, keeping: Case | None = None):
    """The clusters an official may put a case in: those they see (selectors.clusters_visible_q), and the one
    `keeping` is in already (left out, the form would take the case out of it)."""
    visible = selectors.clusters_visible_q(user)
    if keeping is not None and keeping.cluster_id:
        visible |= Q(pk=keeping.cluster_id)
    return Cluster.objects.filter(visible).order_by("-created_at")


def _message_of(exc: ApplicationError) -> str:
    return exc.as_dict()["message"]


def _area_not_chosen(request, template: str, form, exc: ApplicationError):
    """A list's filters answered again when the area typed names none or several of the official's areas
    (geo.selectors.area_from_text): the text kept with the message beside it, the other filters kept, and no list
    (it showed the whole area when the text was dropped)."""
    context = {"form": form, **area_not_chosen_context(request.GET, exc), "scope_area": _scope_area(request.user)}
    return render(request, template, context, status=exc.status)


def _case_page_at(fragment: str = ""):
    return lambda request, case_id: reverse("cases:detail", args=[case_id]) + fragment


def _contact_page_at(fragment: str = ""):
    return lambda request, contact_id: reverse("cases:contact", args=[contact_id]) + fragment


def _notice_case_page(request, notice_id):
    """The case page of a notice of the official's area; the cases list for any other (a redirect naming its case
    would tell that it exists)."""
    try:
        notice = selectors.exposure_notice_get(viewer=request.user, notice_id=notice_id)
    except ApplicationError:
        return reverse("cases:list")
    return reverse("cases:detail", args=[notice.case_id]) + "#notices"


# --- Case list and batch tracing -------------------------------------------------------------------------


@login_required
@require_GET
def case_list(request):
    """/cases/: the cases of the official's area, newest sample first, filterable; select some to trace them
    in the background."""
    try:
        _require_people_role(request)
        form = forms.CaseFilterForm(request.GET or None)
        if form.is_bound and not form.is_valid():
            raise errors.invalid_filter(*form.errors)
        values = form.cleaned_data if form.is_bound else {}
        area = selectors.filter_area(
            viewer=request.user, area_id=values.get("area"), area_text=typed_area_text(request.GET, values)
        )
        cases = selectors.case_list(
            viewer=request.user,
            status=values.get("status") or "",
            area=area,
            date_from=values.get("date_from"),
            date_to=values.get("date_to"),
        )
    except ApplicationError as exc:
        if exc.error == AREA_NOT_CHOSEN:
            return _area_not_chosen(request, "cases/list.html", form, exc)
        return _error(request, exc)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form if form.is_bound else forms.CaseFilterForm(),
        "page": page,
        "query": _query_without_page(request),
        "filter_area": area,
        "scope_area": _scope_area(request.user),
        "nonce": form_nonce(),  # of the batch-trace form (core.formonce)
        # An empty list says whether nothing matches the filters or there is no case at all.
        "filtered": area is not None or any(values.get(name) for name in ("status", "date_from", "date_to")),
    }
    return render(request, "cases/list.html", context)


@login_required
@post_only(lambda request: reverse("cases:list"))
def trace_batch(request):
    """Trace the selected cases in the background (cases.tasks); then the run's progress page."""
    try:
        _require_people_role(request)
        ids = [case_id for value in request.POST.getlist("case") if (case_id := id_or_none(value))][:1000]
        cases = list(Case.objects.filter(selectors.cases_visible_q(request.user), pk__in=ids))
    except ApplicationError as exc:
        return _error(request, exc)
    if cases and all(case.status == Case.Status.WITHDRAWN for case in cases):
        messages.error(request, _("Withdrawn cases are not traced."))
        return redirect("cases:list")
    if not cases:
        messages.error(request, _("Select at least one case to trace."))
        return redirect("cases:list")
    try:
        from phongdich.cases.tasks import tracing_run_start
    except ModuleNotFoundError as exc:
        if exc.name != "phongdich.cases.tasks":
            raise
        messages.error(request, _("Background tracing is not installed on this server."))
        return redirect("cases:list")
    nonce = request.POST.get("nonce", "")
    earlier = form_sent_before(request, nonce)
    if earlier:  # a double click: the first copy started the run
        return redirect(earlier)
    try:
        with form_once(request, nonce) as sent:
            run = tracing_run_start(actor=request.user, cases=cases)
            sent.led_to(reverse("cases:run", args=[run.pk]))
    except FormSentBefore as first_copy:
        return redirect(first_copy.location or "cases:list")
    except ApplicationError as exc:
        messages.error(request, _message_of(exc))
        return redirect("cases:list")
    return redirect("cases:run", run_id=run.pk)


@login_required
@require_GET
def run_detail(request, run_id: int):
    """/cases/runs/<id>/: a tracing run's progress; the page reloads itself until the run ends."""
    try:
        run = selectors.tracing_run_get(viewer=request.user, run_id=run_id)
    except ApplicationError as exc:
        return _error(request, exc)
    cases = run.cases.filter(selectors.cases_visible_q(request.user)).order_by("number")
    percent = int(100 * run.done / run.total) if run.total else (100 if run.status == run.Status.DONE else 0)
    finished = run.status in (run.Status.DONE, run.Status.FAILED)
    # The run's figure adds up each case's contacts; once it is over, the distinct people too (read once: the page
    # stops reloading).
    people = selectors.tracing_run_people(run=run) if finished else None
    cases = list(cases)
    if finished:
        figures = selectors.tracing_run_case_figures(cases=cases)
        for case in cases:
            case.run_figures = figures[case.pk]
    context = {"run": run, "cases": cases, "percent": percent, "finished": finished, "people": people}
    return render(request, "cases/run.html", context)


# --- Case entry -------------------------------------------------------------------------------------------


def _case_kwargs(*, viewer, data: dict, keeping: Case | None = None) -> dict:
    return {
        "sample_date": data.get("sample_date"),
        "test_type": data.get("test_type") or "",
        "onset_date": data.get("onset_date"),
        "source_exposure_date": data.get("source_exposure_date"),
        "isolated_at": data.get("isolated_at"),
        "isolation_place": data.get("isolation_place") or "",
        "infected_by": selectors.case_find_for_source(viewer=viewer, value=data.get("infected_by"), keeping=keeping),
        "cluster": data.get("cluster"),
        "notes": data.get("notes") or "",
    }


def _from_f1_interview_told(request, case: Case) -> None:
    """What entering the case did with the people its person named as an F1 (services.FromF1Interview)."""
    carried = getattr(case, "from_f1_interview", None)
    if carried is None:
        return
    name = case.person.full_name
    if carried.added:
        text = ngettext(
            "%(n)s person %(name)s named when interviewed as an F1 is now an F1 of this case.",
            "%(n)s people %(name)s named when interviewed as an F1 are now F1 of this case.",
            carried.added,
        )
        messages.info(request, text % {"n": carried.added, "name": name})
    if carried.outside_window:
        text = ngettext(
            "%(n)s person %(name)s named when interviewed as an F1 was met outside this case's infectious window: not"
            " added, still an F2 of the case %(name)s was an F1 of.",
            "%(n)s people %(name)s named when interviewed as an F1 were met outside this case's infectious window: not"
            " added, still F2 of the case %(name)s was an F1 of.",
            carried.outside_window,
        )
        messages.info(request, text % {"n": carried.outside_window, "name": name})


@login_required
@require_http_methods(["GET", "POST"])
def case_create(request):
    """/cases/new/: find the person in the official's area (or create them), then enter the case.

    GET ?q= searches people (audited search); GET ?person=<id> opens the person (audited read) and the form.
    POST creates the person when needed and the case in one transaction: an error leaves neither.
    """
    try:
        _require_people_role(request)
    except ApplicationError as exc:
        return _error(request, exc)
    viewer, ip = request.user, client_ip(request)
    search = forms.PersonSearchForm(request.GET or None)
    results, person, status = None, None, 200
    communes = _visible_communes(viewer)
    person_id = request.POST.get("person") or request.GET.get("person")
    try:
        if person_id:
            from phongdich.people.selectors import person_get

            person = person_get(viewer=viewer, person_id=person_id, reason=PERSON_READ_REASON, ip=ip)
        elif search.is_valid() and search.cleaned_data["q"]:
            from phongdich.people.selectors import person_list

            results = list(person_list(viewer=viewer, q=search.cleaned_data["q"], ip=ip)[:20])
    except ApplicationError as exc:
        return _error(request, exc)
    initial = {"test_type": Case.TestType.PCR, "nonce": form_nonce()}
    prefilled = person is not None and request.method == "GET" and _prefill_from_contact(viewer, person, initial)
    case_form = forms.CaseCreateForm(
        request.POST if request.method == "POST" else None,
        clusters=_visible_clusters(viewer),
        initial=initial,
    )
    own_area = _scope_area(viewer)
    person_form = forms.NewPersonForm(
        request.POST if request.method == "POST" and not person else None,
        areas=communes,
        prefix="new",
        initial={"address_area": own_area if getattr(own_area, "kind", "") == Area.Kind.COMMUNE else None},
    )
    existing_case = None
    if request.method == "POST":
        earlier = form_sent_before(request, request.POST.get("nonce", ""))
        if earlier:  # a double click or a refresh: the first copy entered the case
            messages.info(request, _("This form was sent already: here is the case it entered."))
            return redirect(earlier)
        valid = case_form.is_valid() and (person is not None or person_form.is_valid())
        if valid:
            try:
                with form_once(request, case_form.cleaned_data["nonce"]) as sent:
                    if person is None:
                        from phongdich.people.services import person_create

                        data = person_form.cleaned_data
                        person = person_create(
                            actor=viewer,
                            full_name=data["full_name"],
                            phone=data.get("phone") or "",
                            birth_year=data.get("birth_year"),
                            citizen_id=data.get("citizen_id") or "",
                            address_area=data["address_area"],
                            address_street=data.get("address_street") or "",
                            created_via="official",
                            refuse_id_on_record=True,
                        )
                    case = services.case_create(
                        actor=viewer,
                        person=person,
                        investigator=selectors.investigator_for_new_case(viewer),
                        **_case_kwargs(viewer=viewer, data=case_form.cleaned_data),
                    )
                    sent.led_to(reverse("cases:detail", args=[case.pk]))
            except FormSentBefore as first_copy:
                messages.info(request, _("This form was sent already: here is the case it entered."))
                return redirect(first_copy.location or "cases:list")
            except ApplicationError as exc:
                if person is not None and not person_id:
                    person = None  # rolled back with the case
                if exc.error is errors.PERSON_ALREADY_CASE and person is not None:
                    existing_case = (
                        Case.objects.filter(selectors.cases_visible_q(viewer), person=person)
                        .filter(status=Case.Status.UNDER_TREATMENT)
                        .first()
                    )
                case_form.add_error(None, _message_of(exc))
                status = exc.status
            else:
                messages.success(request, _("Case %(number)s was entered.") % {"number": case.number})
                _from_f1_interview_told(request, case)
                return redirect("cases:detail", case_id=case.pk)
        else:
            status = 400
    context = {
        "search": search,
        "results": results,
        "person": person,
        "form": case_form,
        "person_form": person_form,
        "scope_area": _scope_area(viewer),
        "existing_case": existing_case,
        "prefilled": prefilled,
    }
    return render(request, "cases/create.html", context, status=status)


def _prefill_from_contact(viewer, person, initial: dict) -> bool:
    """What the person's contact evidence says (selectors.contact_case_defaults, as a case opened by a positive
    result takes it), put in the new case form for the official to check and change: the first contact with a known
    source, that source when the viewer sees it, and the isolation by quarantine. The sample date is not known yet:
    today bounds the dates. Whether anything was filled in."""
    defaults = selectors.contact_case_defaults(person=person, sample_date=timezone.localdate())
    if defaults.source_exposure_date is not None:
        initial["source_exposure_date"] = defaults.source_exposure_date
    source = defaults.infected_by
    if source is not None and Case.objects.filter(selectors.cases_visible_q(viewer), pk=source.pk).exists():
        initial["infected_by"] = source.number
    if defaults.isolated_at is not None:
        initial["isolated_at"] = timezone.localtime(defaults.isolated_at)
    return any(name in initial for name in ("source_exposure_date", "infected_by", "isolated_at"))


# --- The case page -------------------------------------------------------------------------------------------


def _page_query(request, name: str, page, *, previous: bool) -> str:
    """The query string of the page before or after `page`, for the parameter `name`; "" if there is none."""
    if not (page.has_previous() if previous else page.has_next()):
        return ""
    query = request.GET.copy()
    query[name] = page.previous_page_number() if previous else page.next_page_number()
    return query.urlencode()


def _case_page(
    request,
    case_id,
    *,
    edit_form=None,
    interview_form=None,
    new_person_form=None,
    status_form=None,
    withdraw_form=None,
    undo_form=None,
    restore_form=None,
    moves=None,
    status=200,
):
    """The case page; after a refused form, that form again with its message and what was typed (`moves`: the
    refused move of ticked contacts, see _moves_refused)."""
    viewer, ip = request.user, client_ip(request)
    case = selectors.case_get(viewer=viewer, case_id=case_id, ip=ip)
    pages = {level: value for key, value in request.GET.items() if key[:1] == "p" and (level := id_or_none(key[1:]))}
    levels = selectors.case_contact_levels(viewer=viewer, case=case, pages=pages)
    presences = selectors.case_presences(viewer=viewer, case=case)
    if edit_form is None:
        edit_form = forms.CaseEditForm(
            clusters=_visible_clusters(viewer, keeping=case),
            investigators=selectors.case_investigators(case=case),
            initial={
                "investigator": case.investigator_id,
                "sample_date": case.sample_date,
                "test_type": case.test_type,
                "onset_date": case.onset_date,
                "source_exposure_date": case.source_exposure_date,
                "isolated_at": timezone.localtime(case.isolated_at),
                "isolation_place": case.isolation_place,
                "infected_by": case.infected_by.number if case.infected_by else "",
                "cluster": case.cluster_id,
                "notes": case.notes,
            },
        )
    # The interview's search is sent again with a refused interview form, so that its choice can be kept.
    iq = (request.GET.get("iq") or request.POST.get("iq") or "").strip()[:100]
    found = _interview_found(request, iq, purpose=selectors.interview_purpose(case), excluding=case.person_id)
    here = reverse("cases:detail", args=[case.pk]) + (f"?{request.GET.urlencode()}" if request.GET else "")
    groups = [  # each level's pager keeps the other levels' pages
        {
            "level": level.level,
            "form_id": f"contacts-form-f{level.level}",
            "back": f"{here}#contacts-f{level.level}",  # where its moves come back to
            "tickable": any(row.visible for row in level.page),  # rows of the official's own area on this page
            "count": level.count,
            "page": level.page,
            "prev_query": _page_query(request, f"p{level.level}", level.page, previous=True),
            "next_query": _page_query(request, f"p{level.level}", level.page, previous=False),
        }
        for level in levels
    ]
    context = {
        "case": case,
        "person": case.person,
        "levels": groups,
        "contacts_count": sum(level.count for level in levels),
        "presences": presences,
        "notices": selectors.case_exposure_notices(case=case),
        "edit_form": edit_form,
        "status_form": status_form or forms.CaseStatusForm(initial={"on": timezone.localdate()}),
        # A recovery before this day asks the official to check its date (CASE_RECOVERY_MIN_DAYS, unconfirmed).
        "recovery_usual_from": services.case_recovery_usual_from(case),
        "withdraw_form": withdraw_form or forms.CaseWithdrawForm(),
        # An outcome recorded by mistake is undone until then (services.case_outcome_undo); None: it stands.
        "outcome_undo_until": services.case_outcome_undo_until(case),
        "undo_form": undo_form or forms.CaseOutcomeUndoForm(),
        "withdrawn": case.status == Case.Status.WITHDRAWN,
        "restore_form": restore_form or forms.CaseRestoreForm(),
        "interview_form": interview_form or forms.InterviewForm.blank(),
        **found,
        "iq": iq,
        # Not `required` in the browser: the block stays closed when a found person is chosen (case_interview
        # asks for a found person or a complete new one).
        "new_person_form": new_person_form or _blank_new_person_form(viewer),
        "moves": moves,
        "infected": case.infected.filter(selectors.cases_visible_q(viewer)).order_by("number"),
        "scope_area": _scope_area(viewer),
        "quarantine_rule": services.quarantine_rule_today(),
        "today": timezone.localdate(),
    }
    return render(request, "cases/detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def case_detail(request, case_id: int):
    """/cases/<id>/: the case (audited read), its window and rule, presences, contacts and notices. The page's forms
    post here, each naming itself (`case_form`), so that a refused one is shown again, with what was typed and why it
    was refused, at the page's own address, as the contact page's are: posted to their own addresses (`withdraw/`...),
    a refusal left the browser there, where a reload or the back button went wrong. Those addresses still take a form
    (a tab opened before)."""
    if request.method == "POST":
        post = _CASE_FORMS.get(request.POST.get("case_form", ""))
        if post is None:
            return _error(request, ApplicationError(core_errors.INVALID_INPUT), back=_case_page_at()(request, case_id))
        return post(request, case_id)
    try:
        _require_people_role(request)
        return _case_page(request, case_id, moves=_moves_kept(request))
    except ApplicationError as exc:
        return _error(request, exc)


def _case_page_told(case_id):
    """After a form done (or a form no longer on the page): the case page at its messages, at the top. Named, since
    the form posted to the page at its section (`#withdraw`), and a redirect without a fragment keeps the request's:
    the browser would land where the form was, gone or closed now, the message out of sight."""
    return redirect(reverse("cases:detail", args=[case_id]) + "#messages")


def _case_for_write(request, case_id) -> Case:
    _require_people_role(request)
    return selectors.case_get(viewer=request.user, case_id=case_id, ip=client_ip(request))


def _standing_case_for_form(request, case_id) -> tuple[Case | None, object]:
    """(case, None) for a form posted at a case of the official's area that stands; (None, the answer) otherwise:
    the error page outside the area, or for a withdrawn case (the form came from a page opened before it was
    withdrawn) its page again with the reason, since that form is no longer on it."""
    try:
        case = _case_for_write(request, case_id)
    except ApplicationError as exc:
        return None, _error(request, exc)
    if case.status == Case.Status.WITHDRAWN:
        messages.error(request, _message_of(ApplicationError(errors.CASE_WITHDRAWN, extra={"case": case.number})))
        return None, _case_page_told(case.pk)
    return case, None


@login_required
@post_only(_case_page_at("#edit"))
def case_edit(request, case_id: int):
    return _case_edit_post(request, case_id)


def _case_edit_post(request, case_id: int):
    """Change the case's facts; its window is computed again (services.case_update)."""
    case, refused = _standing_case_for_form(request, case_id)
    if refused is not None:
        return refused
    form = forms.CaseEditForm(
        request.POST,
        clusters=_visible_clusters(request.user, keeping=case),
        investigators=selectors.case_investigators(case=case),
    )
    if form.is_valid():
        try:
            data = _case_kwargs(viewer=request.user, data=form.cleaned_data, keeping=case)
            # Left empty, or sent as the form showed it (to the minute): the time kept stays, seconds and all. Taken
            # as typed, every save of the form moved the window's end by the seconds and traced the case again.
            shown = timezone.localtime(case.isolated_at).replace(second=0, microsecond=0)
            if data["isolated_at"] is None or data["isolated_at"] == shown:
                data.pop("isolated_at")
            if form.cleaned_data.get("investigator") is not None:  # left empty: the investigator stays
                data["investigator"] = form.cleaned_data["investigator"]
            case = services.case_update(
                actor=request.user, case=case, cluster_move_from=form.cleaned_data.get("cluster_move_from"), **data
            )
        except ApplicationError as exc:
            form.add_error(None, _message_of(exc))
            return _case_page(request, case_id, edit_form=form, status=exc.status)
        messages.success(request, _case_updated_text(case.traced_again))
        return _case_page_told(case.pk)
    return _case_page(request, case_id, edit_form=form, status=400)


def _case_updated_text(traced) -> str:
    """What the edit did: the case updated and, when its window changed and it had been traced before, what tracing
    it again from check-ins found and dropped (services.case_update's `traced_again`)."""
    if traced is None:
        return _("The case was updated.")
    return _(
        "The case was updated. Its infectious window changed, so it was traced again from check-ins: %(levels)s; "
        "%(links)d new pieces of evidence, %(removed)d that the check-ins no longer give removed (%(closed)d "
        "contacts left with no evidence closed); exposure notices: %(notices)d new, %(notices_removed)d outside the "
        "window removed. Evidence from interviews and telecom records is unchanged: check it against the new window."
    ) % {
        "levels": _levels_found(traced.levels),
        "links": traced.links_added,
        "removed": traced.links_removed,
        "closed": traced.contacts_closed,
        "notices": traced.notices_added,
        "notices_removed": traced.notices_removed,
    }


@login_required
@post_only(_case_page_at("#outcome"))
def case_status(request, case_id: int):
    return _case_status_post(request, case_id)


def _case_status_post(request, case_id: int):
    """Record the case's outcome (recovered or died) and its date."""
    case, refused = _standing_case_for_form(request, case_id)
    if refused is not None:
        return refused
    form = forms.CaseStatusForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.case_status_set(
                actor=request.user,
                case=case,
                status=data["status"],
                on=data.get("on"),
                date_confirmed=data.get("date_confirmed", False),
            )
        except ApplicationError as exc:
            form.add_error(None, _message_of(exc))
            form.early = exc.error is errors.CASE_RECOVERY_EARLY  # the page offers the tick that confirms the date
            form.untick()  # ticked again for what is sent next, knowingly
            return _case_page(request, case_id, status_form=form, status=exc.status)
        messages.success(request, _("The case's outcome was recorded."))
        return _case_page_told(case.pk)
    form.untick()
    return _case_page(request, case_id, status_form=form, status=400)


@login_required
@post_only(_case_page_at("#outcome-undo"))
def case_outcome_undo(request, case_id: int):
    return _case_outcome_undo_post(request, case_id)


def _case_outcome_undo_post(request, case_id: int):
    """Undo an outcome recorded by mistake, with a reason (services.case_outcome_undo): under treatment again."""
    try:
        case = _case_for_write(request, case_id)
    except ApplicationError as exc:
        return _error(request, exc)
    form = forms.CaseOutcomeUndoForm(request.POST)
    if not form.is_valid():
        form.untick()  # ticked again for what is sent next, knowingly
        return _case_page(request, case_id, undo_form=form, status=400)
    try:
        services.case_outcome_undo(actor=request.user, case=case, reason=form.cleaned_data["reason"])
    except ApplicationError as exc:
        form.add_error(None, _message_of(exc))
        form.untick()
        return _case_page(request, case_id, undo_form=form, status=exc.status)
    messages.success(request, _("The outcome was undone: the case is under treatment again."))
    return _case_page_told(case.pk)


@login_required
@post_only(_case_page_at("#withdraw"))
def case_withdraw(request, case_id: int):
    return _case_withdraw_post(request, case_id)


def _case_withdraw_post(request, case_id: int):
    """Withdraw a case that is not one, with the reason (services.case_withdraw): what it set off is undone."""
    case, refused = _standing_case_for_form(request, case_id)
    if refused is not None:
        return refused
    form = forms.CaseWithdrawForm(request.POST)
    if not form.is_valid():
        form.untick()  # ticked again for what is sent next, knowingly
        return _case_page(request, case_id, withdraw_form=form, status=400)
    try:
        outcome = services.case_withdraw(actor=request.user, case=case, reason=form.cleaned_data["reason"])
    except ApplicationError as exc:
        form.add_error(None, _message_of(exc))
        form.untick()
        return _case_page(request, case_id, withdraw_form=form, status=exc.status)
    messages.success(
        request,
        _(
            "The case was withdrawn. Contacts taken off the lists: %(closed)d; exposure notices taken off the public "
            "list: %(notices)d."
        )
        % {"closed": outcome.contacts_closed, "notices": outcome.notices_withdrawn},
    )
    if outcome.contacts_quarantined:
        messages.warning(
            request,
            ngettext(
                "%(count)d contact of this case alone is in quarantine: release them from the case's list below.",
                "%(count)d contacts of this case alone are in quarantine: release them from the case's list below.",
                outcome.contacts_quarantined,
            )
            % {"count": outcome.contacts_quarantined},
        )
    return _case_page_told(case.pk)


@login_required
@post_only(_case_page_at("#restore"))
def case_restore(request, case_id: int):
    return _case_restore_post(request, case_id)


def _case_restore_post(request, case_id: int):
    """Restore a case withdrawn by mistake, with a reason and a tick (services.case_restore); the page then says what
    came back. A case no longer withdrawn (a second click, a page opened before the restore): its page, saying so."""
    try:
        case = _case_for_write(request, case_id)
    except ApplicationError as exc:
        return _error(request, exc)
    if case.status != Case.Status.WITHDRAWN:
        messages.info(request, _("This case is not withdrawn: there is nothing to restore."))
        return _case_page_told(case.pk)
    form = forms.CaseRestoreForm(request.POST)
    if not form.is_valid():
        form.untick()
        return _case_page(request, case_id, restore_form=form, status=400)
    try:
        outcome = services.case_restore(actor=request.user, case=case, reason=form.cleaned_data["reason"])
    except ApplicationError as exc:
        form.add_error(None, _message_of(exc))
        form.untick()
        return _case_page(request, case_id, restore_form=form, status=exc.status)
    messages.success(
        request,
        _(
            "The case was restored: %(status)s again. Contacts back on the lists: %(back)d; exposure notices published "
            "again: %(notices)d. Traced again from check-ins: %(found)d persons found, %(links)d new pieces of "
            "evidence, %(added)d new exposure notices."
        )
        % {
            "status": outcome.case.get_status_display(),
            "back": outcome.contacts_back,
            "notices": outcome.notices_republished,
            "found": outcome.contacts_found,
            "links": outcome.links_added,
            "added": outcome.notices_added,
        },
    )
    if outcome.notices_kept_back:
        messages.warning(
            request,
            ngettext(
                "%(count)d exposure notice of this case is not published: publish it below if it should be.",
                "%(count)d exposure notices of this case are not published: publish them below if they should be.",
                outcome.notices_kept_back,
            )
            % {"count": outcome.notices_kept_back},
        )
    return _case_page_told(case.pk)


@login_required
@post_only(_notice_case_page)
def notice_publication(request, notice_id: int):
    """Publish an exposure notice of a case of the official's area, or keep it back (services.
    exposure_notice_publication_set); then the case's page."""
    try:
        _require_people_role(request)
        notice = selectors.exposure_notice_get(viewer=request.user, notice_id=notice_id)
    except ApplicationError as exc:
        return _error(request, exc)
    published = request.POST.get("published") == "1"
    try:
        services.exposure_notice_publication_set(actor=request.user, notice=notice, published=published)
    except ApplicationError as exc:
        messages.error(request, _message_of(exc))
    else:
        if published:
            messages.success(request, _("The notice of %(venue)s is published.") % {"venue": notice.venue.name})
        else:
            messages.success(request, _("The notice of %(venue)s is kept back.") % {"venue": notice.venue.name})
    return redirect(reverse("cases:detail", args=[notice.case_id]) + "#notices")


def _levels_found(levels: dict[int, int]) -> str:
    """ "1 F1, 1 F2 và 1 F3" / "1 F1, 1 F2 and 1 F3": each level tracing goes to (F1 and F2 at least), and any found
    deeper, with how many persons were found at it."""
    deepest = max([2, services.tracing_max_level(), *levels])
    return get_text_list([f"{levels.get(level, 0)} F{level}" for level in range(1, deepest + 1)], _("and"))


@login_required
@post_only(_case_page_at())
def case_trace(request, case_id: int):
    return _case_trace_post(request, case_id)


def _case_trace_post(request, case_id: int):
    """Trace this case from check-ins now (cases.tracing); the contacts found appear on its page."""
    try:
        case = _case_for_write(request, case_id)
    except ApplicationError as exc:
        return _error(request, exc)
    try:
        from phongdich.cases.tracing import case_trace_checkins
    except ModuleNotFoundError as exc:
        if exc.name != "phongdich.cases.tracing":
            raise
        messages.error(request, _("Tracing from check-ins is not installed on this server."))
        return _case_page_told(case.pk)
    try:
        result = case_trace_checkins(case=case, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, _message_of(exc))
    else:
        # Which levels, and whether anything is new: "N contacts, 0 new" read as a contradiction.
        found = {"levels": _levels_found(result.levels), "links": result.links_added}
        if result.links_added:
            text = _("Tracing done: %(levels)s from check-ins; %(links)s new pieces of evidence.")
        elif not result.contacts_found:
            text = _("Tracing done: %(levels)s from check-ins; nobody shared a place with the case in its window.")
        else:
            text = _("Tracing done: %(levels)s from check-ins, all already recorded by an earlier trace.")
        messages.success(request, text % found)
        # A dismissal stands when a trace links the person again: told, so that a real F1 is not lost unseen.
        if dismissed := selectors.case_dismissed_new_evidence_count(viewer=request.user, case=case):
            messages.warning(
                request,
                ngettext(
                    "%(n)s dismissed contact has new evidence from this case since the dismissal: review it on"
                    " their page (New evidence since the dismissal, below).",
                    "%(n)s dismissed contacts have new evidence from this case since the dismissal: review them on"
                    " their pages (New evidence since the dismissal, below).",
                    dismissed,
                )
                % {"n": dismissed},
            )
    return _case_page_told(case.pk)


def _interview_found(request, iq: str, *, purpose: str, excluding: int) -> dict:
    """The interview search's answer: `interview_results`, the people of the official's area matching `iq` (audited
    search; None when nothing was searched), and for a whole CCCD, CMND or phone number `interview_identified`, those
    who have it and live outside the area, shown by initials, year of birth and commune only
    (people.selectors.person_identify: audited with the purpose, capped per official); `interview_identify_error`
    the message when the cap is reached, and `interview_identify_paused`: then nobody found in the area is no sign
    that the person is not on record, and the form must not invite entering them anew with that number."""
    from phongdich.people.selectors import identifier_exact, person_identify, person_list

    viewer, ip = request.user, client_ip(request)
    found = {
        "interview_results": None,
        "interview_identified": [],
        "interview_identify_error": "",
        "interview_identify_paused": False,
    }
    if not iq:
        return found
    found["interview_results"] = list(person_list(viewer=viewer, q=iq, ip=ip).exclude(pk=excluding)[:20])
    if identifier_exact(iq) is None:
        return found
    try:
        identified = person_identify(viewer=viewer, identifier=iq, purpose=purpose, reason=PERSON_READ_REASON, ip=ip)
    except ApplicationError as exc:
        found["interview_identify_error"] = _message_of(exc)
        found["interview_identify_paused"] = exc.error.code == core_errors.RATE_LIMITED.code
        return found
    found["interview_identified"] = [one for one in identified if not one.in_viewer_area and one.person.pk != excluding]
    return found


def _shown_name(viewer, person) -> str:
    """The person as the official's pages name them: the full name in their own area, else initials."""
    return person.full_name if selectors.viewer_sees(viewer, person.area_path) else person.initials


def _blank_new_person_form(viewer) -> forms.NewPersonForm:
    """An interview's block for a person not on record, its commune the official's own when they are a commune's,
    as the new-case form has it (it was empty, and a commune official's F1 refused with a bare "required")."""
    own_area = _scope_area(viewer)
    return forms.NewPersonForm(
        areas=_visible_communes(viewer),
        prefix="new",
        use_required_attribute=False,
        initial={"address_area": own_area if getattr(own_area, "kind", "") == Area.Kind.COMMUNE else None},
    )


def _interview_forms(request):
    """The interview form and the new-person form as posted (an F1 named by a case, an F2 named by an F1); the
    new-person form is None when a found person was chosen (shown again after a refusal only when it was used: with
    a found person chosen, its empty fields are no error)."""
    form = forms.InterviewForm(request.POST)
    person_form = forms.NewPersonForm(
        request.POST, areas=_visible_communes(request.user), prefix="new", use_required_attribute=False
    )
    return form, person_form, (None if request.POST.get("person") else person_form)


def _interview_person(request, form, person_form, *, purpose: str):
    """The person an interview names: one found in the official's area (person_get: 404 elsewhere, audited), one an
    exact look-up for this `purpose` found elsewhere (its ref: person_identified_get, 404 for any other ref) or a new
    person in one of the official's communes (person_create; a CCCD already on record is refused,
    person_id_on_record); _Denied, with the form's error, for none. Call inside the transaction that adds the link,
    so that a refused link leaves no new person behind."""
    data, viewer = form.cleaned_data, request.user
    chosen = data.get("person")
    if isinstance(chosen, str):
        from phongdich.people.selectors import person_identified_get

        return person_identified_get(
            viewer=viewer, ref=chosen, purpose=purpose, reason=PERSON_READ_REASON, ip=client_ip(request)
        )
    if chosen:
        from phongdich.people.selectors import person_get

        return person_get(viewer=viewer, person_id=chosen, reason=PERSON_READ_REASON, ip=client_ip(request))
    if person_form.is_valid():
        from phongdich.people.services import person_create

        new = person_form.cleaned_data
        return person_create(
            actor=viewer,
            full_name=new["full_name"],
            phone=new.get("phone") or "",
            birth_year=new.get("birth_year"),
            citizen_id=new.get("citizen_id") or "",
            address_area=new["address_area"],
            address_street=new.get("address_street") or "",
            created_via="official",
            refuse_id_on_record=True,
        )
    form.add_error(None, _("Choose a person found in your area, or enter the new person's name and commune."))
    raise _Denied


def _interview_answer(form, *, with_breach: bool = False) -> dict:
    """The interview's answer as the services take it; with the F1's "met while breaking quarantine" for an F2
    (`with_breach`: a case's interview has no such tick)."""
    data = form.cleaned_data
    breach = {"quarantine_breach": bool(data.get("quarantine_breach"))} if with_breach else {}
    return breach | {
        "setting": data["setting"],
        "nonce": data["nonce"],
        "place": data.get("place") or "",
        "exposure_start": data.get("exposure_start"),
        "exposure_end": data.get("exposure_end"),
        "note": data.get("note") or "",
    }


def _dismissed_warning(request, contact, person) -> None:
    if contact.status == Contact.Status.DISMISSED:
        # One contact per person: a dismissal made for another case's evidence stands until an official undoes it,
        # so the investigator is told rather than the person left off the lists unseen.
        messages.warning(
            request,
            _(
                "%(name)s was dismissed as a contact earlier (reason: %(reason)s) and stays off the work list: if "
                "this meeting is real, confirm them again on their page."
            )
            % {"name": _shown_name(request.user, person), "reason": contact.dismissed_reason},
        )


def _interview_submit(request, *, add, page, purpose: str, with_breach: bool = False):
    """An interview form posted (a case's F1, an F1's F2): ((person, what `add(person, answer)` returned), None), or
    (None, the page shown again by `page(**shown)` with the form, what was typed and the refusal). The person is
    read or created in the transaction of the link, so that a refused link leaves no new person behind. The form's
    "Find" button (`find`) searches the person instead: the page again with the results (its `iq`) and what was
    typed, nothing checked or written."""
    if request.POST.get("find"):
        return None, page(
            interview_form=forms.InterviewForm.typed_again(request.POST),
            new_person_form=forms.NewPersonForm.typed_again(
                request.POST, areas=_visible_communes(request.user), prefix="new"
            ),
            status=200,
        )
    form, person_form, typed = _interview_forms(request)

    def again(status: int):
        return None, page(interview_form=form, new_person_form=typed, status=status)

    if not form.is_valid():
        return again(400)
    try:
        with transaction.atomic():
            person = _interview_person(request, form, person_form, purpose=purpose)
            result = add(person, _interview_answer(form, with_breach=with_breach))
    except _Denied:
        return again(400)
    except ApplicationError as exc:
        # Next to the field the refusal names when the form shows that field (a time, the setting; a new person's ID
        # number on record), else above it.
        field = exc.extra.get("field")
        if typed is not None and exc.error is PERSON_ID_ON_RECORD and field in typed.fields:
            typed.add_error(field, _message_of(exc))
        else:
            form.add_error(field if field in _INTERVIEW_FIELDS_SHOWN else None, _message_of(exc))
        return again(exc.status)
    return (person, result), None


# The interview form's fields shown with their own errors (cases/_interview.html).
_INTERVIEW_FIELDS_SHOWN = ("setting", "place", "exposure_start", "exposure_end", "quarantine_breach")


@login_required
@post_only(_case_page_at("#interview"))
def case_interview(request, case_id: int):
    return _case_interview_post(request, case_id)


def _case_interview_post(request, case_id: int):
    """Add a contact named in the case's interview: a person found in the area, or a new person."""
    case, refused = _standing_case_for_form(request, case_id)
    if refused is not None:
        return refused
    added, refused = _interview_submit(
        request,
        add=lambda person, answer: services.contact_interview_add(
            actor=request.user, case=case, person=person, **answer
        ),
        page=lambda **shown: _case_page(request, case_id, **shown),
        purpose=selectors.interview_purpose(case),
    )
    if refused is not None:
        return refused
    person, (link, created) = added
    if created:
        name = _shown_name(request.user, person)
        messages.success(request, _("%(name)s was added as an F1 contact.") % {"name": name})
    else:
        # The same meeting entered again (services._same_meeting): nothing added, and said so.
        text = _("This meeting of %(name)s was already recorded as F1 evidence of this case: nothing was added.")
        messages.info(request, text % {"name": person.full_name})
    _dismissed_warning(request, link.contact, person)
    # The form was sent to #interview (a refusal shows it there); the outcome is read at the top.
    return _case_page_told(case.pk)


# The case page's forms, by the `case_form` each sends (detail.html, _interview.html), posted to the page. Not the
# notices' publication (a notice's own address, answered by a redirect) nor the moves of ticked contacts (shared with
# the work list, which come back to their page with a `next`): neither is shown again at its address.
_CASE_FORMS = {
    "edit": _case_edit_post,
    "status": _case_status_post,
    "outcome_undo": _case_outcome_undo_post,
    "withdraw": _case_withdraw_post,
    "restore": _case_restore_post,
    "trace": _case_trace_post,
    "interview": _case_interview_post,
}


# --- Contacts -----------------------------------------------------------------------------------------------


def _next_moves(contact) -> list[tuple[str, str]]:
    refusals = services.contact_move_refusals(contact=contact)
    return [
        (status, _message_of(refusals[status]) if status in refusals else "")
        for status in sorted(services.CONTACT_NEXT[contact.status])
    ]


def _contact_page(
    request,
    contact_id,
    *,
    form=None,
    interview_form=None,
    new_person_form=None,
    undo_form=None,
    start_form=None,
    breach_form=None,
    keep_form=None,
    status=200,
):
    """The contact page; after a refused form, that form again with its message and what was typed."""
    viewer, ip = request.user, client_ip(request)
    contact = selectors.contact_get(viewer=viewer, contact_id=contact_id, ip=ip)
    links = list(selectors.contact_links(contact=contact))
    for link in links:
        link.case_visible = selectors.viewer_sees(request.user, link.case.area_path)
    # An F2 named in an F1's interview, of the current episode, is marked, or unmarked, as met while the F1 broke
    # quarantine on its evidence (services.contact_link_breach_set), by an official who sees that F1 too: the mark
    # judges the F1's quarantine, and is left to the F1's area otherwise (the page says so).
    selectors.mark_breach_markable(request.user, contact, links)
    # The evidence of an episode the contact has left (released, or recovered, then met again) is shown apart: it no
    # longer counts for the level and the exposure above (Contact.episode_start).
    links, earlier_links = selectors.links_by_episode(contact, links)
    # A refused form comes back under its link with what was typed; one naming no link offered here (none, junk,
    # another kind, an earlier episode's) is told at the top of the evidence.
    refused_link = id_or_none(breach_form.data.get("link")) if breach_form is not None else None
    placed = False
    for link in links:
        link.breach_form = breach_form if link.breach_markable and link.pk == refused_link else None
        placed = placed or link.breach_form is not None
    context = {
        "breach_refused": breach_form if breach_form is not None and not placed else None,
        "contact": contact,
        "person": contact.person,
        "links": links,
        "earlier_links": earlier_links,
        # (status, why it is refused or ""): a move the status allows but the contact's cases do not (the person is
        # a case, no standing case, telecom evidence alone) is shown disabled with the reason, not as a button that
        # fails (services.contact_move_refusals).
        "next_moves": _next_moves(contact),
        "person_cases": selectors.cases_of_person(viewer=request.user, person_id=contact.person_id),
        # What the person answered a robot call (calls app): shown, never a status change (an investigator confirms).
        "robot_calls": call_results_for_contact(contact=contact, viewer=request.user),
        "form": form or forms.ContactStatusForm(initial={"quarantine_start": timezone.localdate()}),
        "today": timezone.localdate(),
        # A release before this last day of the quarantine asks for a reason (services._contact_status_apply).
        "release_early_until": services.contact_release_early_until(contact),
        # A release made by mistake is undone until then (services.contact_release_undo); None: it stands.
        "release_undo_until": services.contact_release_undo_until(contact),
        # The last day the quarantine would run through again (Contact.quarantine_end_before_release).
        "release_undo_last_day": quarantine_last_day(contact.quarantine_start, contact.quarantine_end_before_release),
        "undo_form": undo_form or forms.ContactReleaseUndoForm(),
        # The quarantine's start corrected (services.contact_quarantine_start_move), for a contact in quarantine.
        "start_form": start_form
        or forms.ContactQuarantineStartForm(initial={"quarantine_start": contact.quarantine_start}),
    }
    # The days a quarantine of this person starting today would take (the protected days when their doses or
    # recovery meet the rule's definition), and the rule of the quarantine already set.
    context["quarantine_rule"], context["quarantine_days"], context["quarantine_protected"] = (
        services.contact_quarantine_today(contact=contact)
    )
    context["set_rule"] = services.quarantine_rule_of(contact)
    # Dismissed, and evidence added since (a later trace or interview): said by the status, where "confirmed" is
    # offered (docs/cases.md, "New evidence since a dismissal").
    context["new_evidence"] = selectors.dismissed_new_evidence(viewer=viewer, contacts=[contact]).get(contact.pk, [])
    # Reviewed and still no contact: the dismissal kept with the review's reason (services.contact_dismissal_keep).
    context["keep_form"] = keep_form or forms.ContactDismissalKeepForm()
    # The day its days count from (day 1), said beside them (docs/cases.md, "Counted from the last exposure").
    context["quarantine_counted_from"] = selectors.quarantine_counted_from(contact)
    # That part of that quarantine is the province's setting, not a national rule (in plain words; the sources'
    # notes are in the admin and the API). Said with the quarantine to start; once one is set, the schedule says it.
    context["quarantine_setting_note"] = selectors.quarantine_setting_note(
        context["quarantine_rule"], contact.level, context["quarantine_protected"]
    )
    context["offers_quarantine"] = any(move == Contact.Status.QUARANTINED for move, _refused in context["next_moves"])
    # The quarantine's test days (done, due, missed) and the self-monitoring after it, from the rule it took.
    context["schedule"] = selectors.contact_quarantine_schedule(contact=contact)
    # The F2 this F1 names in their interview (services.contact_interview_f2_add): the form, or why not.
    refusal = services.contact_f2_refusal(contact=contact)
    context["f2_refusal"] = _message_of(refusal) if refusal is not None else ""
    if refusal is None:
        iq = (request.GET.get("iq") or request.POST.get("iq") or "").strip()[:100]
        context.update(
            _interview_found(request, iq, purpose=selectors.interview_purpose(contact), excluding=contact.person_id),
            # An F1 in quarantine may have broken it: the tick taking a meeting during it (contact_interview_f2_add).
            offers_breach=contact.status == Contact.Status.QUARANTINED and contact.quarantine_start is not None,
            interview_form=interview_form or forms.InterviewForm.blank(),
            iq=iq,
            new_person_form=new_person_form or _blank_new_person_form(viewer),
            scope_area=_scope_area(viewer),
        )
    return render(request, "cases/contact.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def contact_detail(request, contact_id: int):
    """/cases/contacts/<id>/: the contact (audited read), all its evidence and the status actions. The page's forms
    post here, each naming itself (`contact_form`), so that a refused one is shown again, with what was typed and why
    it was refused, at the page's own address: posted to their own addresses, a refused dismissal or early release
    left the browser at /status/ with a 400. Those addresses still take a form (a tab opened before)."""
    if request.method == "POST":
        post = _CONTACT_FORMS.get(request.POST.get("contact_form", ""))
        if post is None:
            return _error(
                request, ApplicationError(core_errors.INVALID_INPUT), back=_contact_page_at()(request, contact_id)
            )
        return post(request, contact_id)
    try:
        _require_people_role(request)
        return _contact_page(request, contact_id)
    except ApplicationError as exc:
        return _error(request, exc)


@login_required
@post_only(lambda request, contact_id: safe_next(request, default=_contact_page_at()(request, contact_id)))
def contact_status(request, contact_id: int):
    return _contact_status_post(request, contact_id)


def _contact_status_post(request, contact_id: int):
    """Confirm, dismiss (with a reason), quarantine (from a date) or release a contact."""
    try:
        _require_people_role(request)
        contact = selectors.contact_get(viewer=request.user, contact_id=contact_id, ip=client_ip(request))
    except ApplicationError as exc:
        return _error(request, exc)
    form = forms.ContactStatusForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            moved = services.contact_status_set(
                actor=request.user,
                contact=contact,
                status=data["status"],
                reason=data.get("reason") or "",
                quarantine_start=data.get("quarantine_start"),
            )
        except ApplicationError as exc:
            form.add_error(None, _message_of(exc))
            return _contact_page(request, contact_id, form=form, status=exc.status)
        messages.success(request, _("The contact's status was changed."))
        _named_f2_told(request, moved.named_f2_followed, data["status"])
        return redirect(safe_next(request, default=reverse("cases:contact", args=[contact.pk])))
    return _contact_page(request, contact_id, form=form, status=400)


@login_required
@post_only(_contact_page_at("#release-undo"))
def contact_release_undo(request, contact_id: int):
    return _contact_release_undo_post(request, contact_id)


def _contact_release_undo_post(request, contact_id: int):
    """Undo a release from quarantine made by mistake, with a reason and a tick (services.contact_release_undo): in
    quarantine again, to the end it had."""
    try:
        _require_people_role(request)
        contact = selectors.contact_get(viewer=request.user, contact_id=contact_id, ip=client_ip(request))
    except ApplicationError as exc:
        return _error(request, exc)
    form = forms.ContactReleaseUndoForm(request.POST)
    if not form.is_valid():
        form.untick()
        return _contact_page(request, contact_id, undo_form=form, status=400)
    try:
        services.contact_release_undo(actor=request.user, contact=contact, reason=form.cleaned_data["reason"])
    except ApplicationError as exc:
        form.add_error(None, _message_of(exc))
        form.untick()
        return _contact_page(request, contact_id, undo_form=form, status=exc.status)
    messages.success(request, _("The release was undone: the contact is in quarantine again."))
    return redirect("cases:contact", contact_id=contact.pk)


@login_required
@post_only(_contact_page_at("#quarantine-start"))
def contact_quarantine_start(request, contact_id: int):
    return _contact_quarantine_start_post(request, contact_id)


def _contact_quarantine_start_post(request, contact_id: int):
    """Correct the start of a contact's quarantine, with a reason (services.contact_quarantine_start_move); the page
    says what it did to the F2 named in the contact's interview."""
    try:
        _require_people_role(request)
        contact = selectors.contact_get(viewer=request.user, contact_id=contact_id, ip=client_ip(request))
    except ApplicationError as exc:
        return _error(request, exc)
    form = forms.ContactQuarantineStartForm(request.POST)
    if not form.is_valid():
        return _contact_page(request, contact_id, start_form=form, status=400)
    data = form.cleaned_data
    try:
        moved = services.contact_quarantine_start_move(
            actor=request.user, contact=contact, quarantine_start=data["quarantine_start"], reason=data["reason"]
        )
    except ApplicationError as exc:
        field = exc.extra.get("field")
        form.add_error(field if field in ("quarantine_start", "reason") else None, _message_of(exc))
        return _contact_page(request, contact_id, start_form=form, status=exc.status)
    messages.success(
        request,
        _("The quarantine start is now %(start)s, through %(last)s.")
        % {
            "start": moved.quarantine_start.strftime("%d/%m/%Y"),
            "last": (moved.quarantine_last_day or moved.quarantine_start).strftime("%d/%m/%Y"),
        },
    )
    _named_f2_told(request, moved.named_f2_followed, Contact.Status.QUARANTINED)
    return redirect("cases:contact", contact_id=contact.pk)


@login_required
@post_only(_contact_page_at("#interview"))
def contact_interview(request, contact_id: int):
    return _contact_interview_post(request, contact_id)


def _contact_interview_post(request, contact_id: int):
    """Add a person named in this F1's interview as F2 (services.contact_interview_f2_add): a person found in the
    official's area, or a new person. A refusal comes back at the form, with what was chosen and typed."""
    try:
        _require_people_role(request)
        contact = selectors.contact_get(viewer=request.user, contact_id=contact_id, ip=client_ip(request))
    except ApplicationError as exc:
        return _error(request, exc)
    added, refused = _interview_submit(
        request,
        add=lambda person, answer: services.contact_interview_f2_add(
            actor=request.user, f1=contact, person=person, **answer
        ),
        page=lambda **shown: _contact_page(request, contact_id, **shown),
        with_breach=True,
        purpose=selectors.interview_purpose(contact),
    )
    if refused is not None:
        return refused
    person, (links, created) = added
    numbers = get_text_list([link.case.number for link in links], _("and"))
    if created:
        text = _("%(name)s was added as an F2 contact of %(cases)s.")
        messages.success(request, text % {"name": _shown_name(request.user, person), "cases": numbers})
    else:
        text = _("This meeting of %(name)s was already recorded as F2 evidence of %(cases)s: nothing was added.")
        messages.info(request, text % {"name": person.full_name, "cases": numbers})
    _dismissed_warning(request, links[0].contact, person)
    return redirect(reverse("cases:contact", args=[contact.pk]) + "#messages")


def _contact_breach_post(request, contact_id: int):
    """Mark, or unmark, an F2 link of this contact as met while the F1 broke quarantine, with a reason
    (services.contact_link_breach_set); the page says what it did to the contact."""
    try:
        _require_people_role(request)
        contact = selectors.contact_get(viewer=request.user, contact_id=contact_id, ip=client_ip(request))
    except ApplicationError as exc:
        return _error(request, exc)
    form = forms.ContactLinkBreachForm(request.POST)
    if not form.is_valid():
        # The hidden fields come from the page: wrong, the form was not sent from it as it is (an old tab, a forged
        # post). Django's own words on a hidden field are shown nowhere: say what to do instead.
        if form.has_error("link") or form.has_error("quarantine_breach"):
            form.add_error(
                None,
                _(
                    "The form did not say which meeting of this person to mark or unmark: nothing was changed. "
                    "Reload the page and send the form under that meeting again."
                ),
            )
        return _contact_page(request, contact_id, breach_form=form, status=400)
    data = form.cleaned_data
    try:
        outcome = services.contact_link_breach_set(
            actor=request.user,
            link_id=data["link"],
            contact=contact,
            quarantine_breach=data["quarantine_breach"],
            reason=data["reason"],
        )
    except ApplicationError as exc:
        if exc.status == 404:
            return _error(request, exc, back=_contact_page_at()(request, contact_id))
        field = exc.extra.get("field")
        form.add_error("reason" if field == "reason" else None, _message_of(exc))
        return _contact_page(request, contact_id, breach_form=form, status=exc.status)
    if not outcome.changed:
        messages.info(request, _("This meeting was already recorded so: nothing was changed."))
    elif data["quarantine_breach"]:
        messages.success(request, _("The meeting is marked as met while the F1 broke their quarantine."))
    else:
        messages.success(request, _("The meeting is no longer marked as met while the F1 broke their quarantine."))
    if outcome.reopened:
        messages.info(request, _("The contact is back on the work list: this evidence counts again."))
    if outcome.closed:
        messages.info(request, _("No evidence stands any longer: the contact is off the work list."))
    if outcome.quarantined:
        messages.warning(
            request, _("No evidence stands any longer and the contact is in quarantine: decide on the release.")
        )
    return redirect(reverse("cases:contact", args=[contact_id]) + "#messages")


def _contact_dismissal_keep_post(request, contact_id: int):
    """Keep a dismissal after reviewing the evidence added since it, with the reason (services.contact_dismissal_keep):
    the evidence is no longer told as new. A refusal comes back in the note, with what was typed."""
    try:
        _require_people_role(request)
        contact = selectors.contact_get(viewer=request.user, contact_id=contact_id, ip=client_ip(request))
    except ApplicationError as exc:
        return _error(request, exc)
    form = forms.ContactDismissalKeepForm(request.POST)
    if not form.is_valid():
        return _contact_page(request, contact_id, keep_form=form, status=400)
    try:
        services.contact_dismissal_keep(actor=request.user, contact=contact, reason=form.cleaned_data["reason"])
    except ApplicationError as exc:
        form.add_error("reason" if exc.extra.get("field") == "reason" else None, _message_of(exc))
        return _contact_page(request, contact_id, keep_form=form, status=exc.status)
    messages.success(request, _("The dismissal was kept after review: the new evidence is no longer flagged."))
    return redirect(reverse("cases:contact", args=[contact.pk]) + "#messages")


# The contact page's forms, by the `contact_form` each sends (contact.html, _interview.html), posted to the page.
_CONTACT_FORMS = {
    "dismissal_keep": _contact_dismissal_keep_post,
    "breach": _contact_breach_post,
    "status": _contact_status_post,
    "release_undo": _contact_release_undo_post,
    "quarantine_start": _contact_quarantine_start_post,
    "interview": _contact_interview_post,
}


# The forms moves come from (cases/_contacts_actions.html): a level of a case's page, or the work list.
_MOVE_FORM_ID = re.compile(r"contacts-form-f\d{1,2}|worklist-form")

# What a malformed move form lacks, in both languages (shown in the page's).
_BULK_FORM_ERRORS = {
    "status": ("Chưa chọn việc cần làm với những người đã đánh dấu.", "No action was chosen for the ticked contacts."),
    "quarantine_start": ("Ngày bắt đầu cách ly không đúng dạng.", "The quarantine start date is not a date."),
}


def _moved_messages(
    request, outcome: services.ContactsStatusOutcome, status: str, names: dict[int, str], *, form_id: str = ""
) -> None:
    """The outcome of a move in messages, tagged with the form it came from (`form_id`): the case page shows them in
    that level's section too, where the page lands."""
    label = str(status_label(status, "contact_status"))
    if outcome.changed:
        count = len(outcome.changed)
        text = ngettext("%(count)d contact is now “%(status)s”.", "%(count)d contacts are now “%(status)s”.", count) % {
            "count": count,
            "status": label,
        }
        messages.success(request, text, extra_tags=form_id)
    by_reason: dict[str, list] = {}
    for contact, exc in outcome.skipped:
        by_reason.setdefault(_message_of(exc), []).append(names[contact.pk])
    for reason, left in by_reason.items():
        shown = ", ".join(left[:10]) + (_(" and %(n)d more") % {"n": len(left) - 10} if len(left) > 10 else "")
        text = ngettext(
            "%(count)d contact was left as it was (%(reason)s): %(names)s.",
            "%(count)d contacts were left as they were (%(reason)s): %(names)s.",
            len(left),
        ) % {"count": len(left), "reason": reason.rstrip("."), "names": shown}
        messages.warning(request, text, extra_tags=form_id)


def _named_f2_told(request, followed: services.NamedF2Followed, status: str, *, form_id: str = "") -> None:
    """What dismissing F1s (`status` dismissed), or confirming them again, or quarantining them (or correcting the
    start), did to the F2 named in their interviews, in one message on the page that moved them
    (services._named_f2_follow, services._named_f2_quarantine_follow)."""
    if not followed.named:
        return
    if status == Contact.Status.QUARANTINED:
        said = _quarantine_f2_said(followed)
    elif status == Contact.Status.DISMISSED:
        said = [
            ngettext(
                "%(count)d F2 named in the interview of the F1 dismissed no longer counts through them: a dismissal "
                "ends the chain there.",
                "%(count)d F2 named in the interview of the F1 dismissed no longer count through them: a dismissal "
                "ends the chain there.",
                followed.named,
            )
            % {"count": followed.named}
        ]
    else:
        said = [
            ngettext(
                "%(count)d F2 named in the interview of the F1 confirmed again counts through them again.",
                "%(count)d F2 named in the interview of the F1 confirmed again count through them again.",
                followed.named,
            )
            % {"count": followed.named}
        ]
    if followed.closed:
        said.append(
            ngettext(
                "%(count)d of them has no other evidence: off the work list (no standing evidence).",
                "%(count)d of them have no other evidence: off the work list (no standing evidence).",
                followed.closed,
            )
            % {"count": followed.closed}
        )
    if followed.quarantined:
        said.append(
            ngettext(
                "%(count)d of them is in quarantine with no other evidence: an official decides on the release, "
                "on their page.",
                "%(count)d of them are in quarantine with no other evidence: an official decides on each release, "
                "on their pages.",
                followed.quarantined,
            )
            % {"count": followed.quarantined}
        )
    if followed.reopened and status == Contact.Status.QUARANTINED:
        said.append(
            ngettext(
                "%(count)d of them, left with no standing evidence by the earlier start, is a contact to follow again.",
                "%(count)d of them, left with no standing evidence by the earlier start, are contacts to follow again.",
                followed.reopened,
            )
            % {"count": followed.reopened}
        )
    elif followed.reopened:
        said.append(
            ngettext(
                "%(count)d of them, left with no standing evidence by the dismissal, is a contact to follow again.",
                "%(count)d of them, left with no standing evidence by the dismissal, are contacts to follow again.",
                followed.reopened,
            )
            % {"count": followed.reopened}
        )
    messages.info(request, " ".join(said), extra_tags=form_id)


def _quarantine_f2_said(followed: services.NamedF2Followed) -> list[str]:
    """The F2 named in the interviews of F1s quarantined (or whose start was corrected) whose meeting now comes after
    the quarantine's start, and those whose meeting no longer does (services._named_f2_quarantine_follow)."""
    said = []
    if followed.after_start:
        said.append(
            ngettext(
                "%(count)d F2 named in the interview of this F1 was met after the quarantine's start: no longer an F2 "
                "through them (an F2 met the F1 before the F1's isolation), unless marked as met while breaking the "
                "quarantine.",
                "%(count)d F2 named in the interview of this F1 were met after the quarantine's start: no longer F2 "
                "through them (an F2 met the F1 before the F1's isolation), unless marked as met while breaking the "
                "quarantine.",
                followed.after_start,
            )
            % {"count": followed.after_start}
        )
    if followed.named > followed.after_start:
        count = followed.named - followed.after_start
        said.append(
            ngettext(
                "%(count)d F2 named in the interview of this F1 was met before the corrected start: an F2 through "
                "them again.",
                "%(count)d F2 named in the interview of this F1 were met before the corrected start: F2 through them "
                "again.",
                count,
            )
            % {"count": count}
        )
    return said


@login_required
@post_only(lambda request: safe_next(request, default=reverse("cases:list")))
def contacts_status(request):
    """Confirm, quarantine, dismiss or release the contacts ticked on a case's page or the work list, at once
    (services.contacts_status_set); a row's Confirm button moves its one contact the same way. Contacts whose
    status does not allow the move are left as they were and named in a warning."""
    back = safe_next(request, default=reverse("cases:worklist"))
    try:
        _require_people_role(request)
        form = forms.ContactsStatusForm(request.POST)
        if not form.is_valid():
            field = next(iter(form.errors))
            vi, en = _BULK_FORM_ERRORS.get(field, (None, None))
            raise ApplicationError(errors.INVALID_CONTACT, extra={"field": field}, vi=vi, en=en)
        data = form.cleaned_data
        ids = [data["confirm_one"]] if data.get("confirm_one") else request.POST.getlist("contact")
        contacts = selectors.contacts_get_many(viewer=request.user, contact_ids=ids)
        outcome = services.contacts_status_set(
            actor=request.user,
            contacts=contacts,
            status=data["status"],
            # One field for the reason of a dismissal and of a release before the quarantine's last day.
            reason=(data.get("reason") or "") if data["status"] in ("dismissed", "released") else "",
            quarantine_start=data.get("quarantine_start"),
        )
    except ApplicationError as exc:
        if exc.status == 400 and (page := _moves_refused(request, back, exc)) is not None:
            return page
        return _error(request, exc, back=back)
    skipped = {contact.pk for contact, _exc in outcome.skipped}  # named in the warning below
    selectors.contacts_named_audit(
        viewer=request.user, contacts=[contact for contact in contacts if contact.pk in skipped], ip=client_ip(request)
    )
    form_id = request.POST.get("form", "")
    _moved_messages(
        request,
        outcome,
        data["status"],
        {contact.pk: contact.person.full_name for contact in contacts},
        form_id=form_id if _MOVE_FORM_ID.fullmatch(form_id) else "",
    )
    _named_f2_told(
        request, outcome.named_f2, data["status"], form_id=form_id if _MOVE_FORM_ID.fullmatch(form_id) else ""
    )
    if outcome.skipped:  # a warning to read: the page opens at the messages, not at the table further down
        back = back.split("#", 1)[0] + "#messages"
    return redirect(back)


# The refused move kept for the page it goes back to (_moves_refused), read once by that page (_moves_kept), and
# only on the redirect's heels: a move refused long ago is not shown on a later visit of the same page.
_MOVES_KEPT = "cases.moves_refused"
_MOVES_KEPT_SECONDS = 120


def _moves_refused(request, back: str, exc: ApplicationError):
    """Back to the page the refused move was sent from (a case's page or the work list, named by `back`), where its
    form shows the message in the page's language ("nothing was changed: …"), the same contacts ticked and what was
    typed: a redirect, as a release refused for some contacts goes back with its message, so that a reload does not
    send the move again. None when `back` is neither (the error page then)."""
    parts = urlsplit(back)
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    on_worklist = match.view_name == "cases:worklist"
    if not (on_worklist or match.view_name == "cases:detail"):
        return None
    visible = Case.objects.filter(selectors.cases_visible_q(request.user), pk=match.kwargs.get("case_id"))
    if not on_worklist and not visible.exists():
        return None  # a case not found, or outside the area: the error page, with its way back
    request.session[_MOVES_KEPT] = {
        "page": urlunsplit(("", "", parts.path, parts.query, "")),
        "at": timezone.now().timestamp(),
        "form_id": request.POST.get("form") or ("worklist-form" if on_worklist else "contacts-form-f1"),
        "error": _("Nothing was changed: %(reason)s") % {"reason": _message_of(exc)},
        "ticked": sorted(
            {contact_id for value in request.POST.getlist("contact") if (contact_id := id_or_none(value))}
        ),
        "reason": (request.POST.get("reason") or "")[:500],
        "quarantine_start": (request.POST.get("quarantine_start") or "")[:10],
    }
    return redirect(back)


def _moves_kept(request) -> dict | None:
    """The refused move _moves_refused kept for this page (its address, filters and pages included), once."""
    kept = request.session.get(_MOVES_KEPT)
    if not kept or kept.get("page") != request.get_full_path():
        return None
    del request.session[_MOVES_KEPT]
    if timezone.now().timestamp() - kept.get("at", 0) > _MOVES_KEPT_SECONDS:
        return None
    return {**kept, "ticked": set(kept["ticked"])}


# --- Work list and export ---------------------------------------------------------------------------------------


def _worklist(request):
    return worklist_query(viewer=request.user, params=request.GET)


@login_required
@require_GET
def worklist(request):
    """/cases/worklist/: per commune, the F1 (and F2) to contact and quarantine; filterable; Excel export."""
    try:
        return _worklist_page(request, moves=_moves_kept(request))
    except ApplicationError as exc:
        if exc.error == AREA_NOT_CHOSEN:
            return _area_not_chosen(request, "cases/worklist.html", forms.WorklistFilterForm(request.GET), exc)
        return _error(request, exc)


def _worklist_page(request, *, moves=None, here: str = "", status: int = 200):
    """The work list; `moves`, a refused move of ticked contacts shown again (_moves_refused), `here` the page's
    address for the way back when it is shown at another."""
    form, area, values = worklist_filters(viewer=request.user, params=request.GET)
    # Who has a test to take today and who is under self-monitoring: counted above the list, and its two filters.
    follow_up = selectors.worklist_follow_up(viewer=request.user, area=area, level=values.get("level") or None)
    contacts = worklist_contacts(viewer=request.user, area=area, values=values, follow_up=follow_up)
    page = Paginator(contacts, WORKLIST_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page)
    case_levels = selectors.worklist_case_levels(rows)
    schedules = selectors.quarantine_schedules(rows)
    names = commune_names({row.area_path for row in rows})
    groups: list[dict] = []
    for contact in rows:
        contact.case_levels = case_levels.get(contact.pk, [])
        contact.schedule = schedule = schedules.get(contact.pk)
        # Nothing in the test column but a dash (worklist.html): on a phone's card the cell is left out, not shown
        # as "Test, self-monitoring: –" (a candidate's card had it).
        contact.follow_up_none = schedule is None or (
            schedule.shown is None
            and not (schedule.quarantine_over and schedule.monitoring_until)
            and bool(schedule.tests or schedule.monitoring_tests)
        )
        if not groups or groups[-1]["path"] != contact.area_path:
            groups.append({"path": contact.area_path, "name": names[contact.area_path], "contacts": []})
        groups[-1]["contacts"].append(contact)
    # A commune's heading counts all of its contacts: only the first and the last on the page may run over to
    # another page; those in between are whole here.
    edges = {groups[0]["path"], groups[-1]["path"]} if groups and page.has_other_pages() else set()
    totals = selectors.worklist_area_counts(contacts, edges) if edges else {}
    for group in groups:
        group["total"] = totals.get(group["path"], len(group["contacts"]))
    audit_record(
        actor=request.user,
        action="cases.contact.listed",
        extra={"status": values.get("status") or "open", "area": area.path if area else "", "shown": len(rows)},
    )
    context = {
        "form": form if form.is_bound else forms.WorklistFilterForm(),
        "page": page,
        "groups": groups,
        "query": _query_without_page(request),
        "filter_area": area,
        "scope_area": _scope_area(request.user),
        "quarantine_rule": services.quarantine_rule_today(),
        "today": timezone.localdate(),
        "here": here or request.get_full_path(),
        "moves": moves,
        "follow_up": follow_up,
        "follow_up_query": _query_without(request, "status", "page"),
        # Dismissed contacts with evidence added since (a trace or an interview of another case): to review.
        "dismissed_new": selectors.dismissed_new_evidence_count(
            viewer=request.user, area=area, level=values.get("level") or None
        ),
        # Filtered away from "to handle" in the whole area: an empty list says nothing matches, not nothing to do.
        "filtered": area is not None or bool(values.get("level")) or (values.get("status") or "open") != "open",
    }
    return render(request, "cases/worklist.html", context, status=status)


def _worklist_address(request) -> str:
    """The work list as the export was asked for: its filters are the export address's query."""
    query = request.GET.urlencode()
    return reverse("cases:worklist") + (f"?{query}" if query else "")


@login_required
@post_only(_worklist_address)
def worklist_export(request):
    """Queue the work list, as filtered on the page, as an .xlsx built in the background (cases.exports); the
    official is taken to the export's page, which offers the file once it is written."""
    try:
        _worklist(request)  # the filters and the role checked now, so that a bad request is told at once
        job = export_start(actor=request.user, kind=WORKLIST_EXPORT, params=request.GET.dict(), ip=client_ip(request))
    except ApplicationError as exc:
        return _error(request, exc)
    return redirect("core:export", job_id=job.pk)


# --- Clusters -------------------------------------------------------------------------------------------------


def _cluster_venues(user, *, case: Case | None = None):
    """The venues of the official's area; with `case`, the venues of its exposure notices too: a commune's case
    exposed at a market of the next commune makes a cluster at that market, which its official sees through the case
    (selectors.clusters_visible_q), as the case page shows the notice's venue."""
    from phongdich.venues.models import Venue
    from phongdich.venues.selectors import venue_list

    venues = venue_list(viewer=user)
    if case is None:
        return venues.order_by("name_folded")
    notices = selectors.case_exposure_notices(case=case).values("venue_id")
    return Venue.objects.filter(Q(pk__in=venues.values("pk")) | Q(pk__in=notices)).order_by("name_folded")


def _cluster_case(request) -> Case | None:
    """The case a new cluster is to hold (`case`: the case page's "Cluster at this venue"), of the official's area
    (not_found otherwise)."""
    case_id = (request.POST if request.method == "POST" else request.GET).get("case")
    if case_id in (None, ""):
        return None
    return selectors.case_get(viewer=request.user, case_id=case_id, ip=client_ip(request))


@login_required
@require_http_methods(["GET", "POST"])
def cluster_list(request):
    """/cases/clusters/: the clusters of the area and a form to create one (optionally at a venue)."""
    try:
        _require_people_role(request)
        case = _cluster_case(request)
    except ApplicationError as exc:
        return _error(request, exc)
    form = forms.ClusterForm(
        request.POST if request.method == "POST" else None,
        venues=_cluster_venues(request.user, case=case),
        initial={
            "venue": request.GET.get("venue"),
            "name": request.GET.get("name", ""),
            "nonce": form_nonce(),
            "case": case.pk if case is not None else None,
        },
    )
    # A case in another cluster: the tick to move it is offered at once, naming the cluster it leaves.
    move = None
    if (
        case is not None
        and case.cluster is not None
        and selectors.cluster_visible(viewer=request.user, cluster=case.cluster)
    ):
        move = {"cluster": case.cluster_id, "name": case.cluster.name, "case": case.number}
    status = 200
    if request.method == "POST":
        earlier = form_sent_before(request, request.POST.get("nonce", ""))
        if earlier:  # a double click: the first copy created the cluster
            return redirect(earlier)
        if form.is_valid():
            area = _scope_area(request.user)
            try:
                with form_once(request, form.cleaned_data["nonce"]) as sent:
                    cluster = services.cluster_create(
                        actor=request.user,
                        name=form.cleaned_data["name"],
                        venue=form.cleaned_data.get("venue"),
                        area_path=area.path if area is not None else "",
                        case=case,
                        case_move_from=form.cleaned_data.get("cluster_move_from"),
                    )
                    sent.led_to(reverse("cases:cluster", args=[cluster.pk]))
            except FormSentBefore as first_copy:
                return redirect(first_copy.location or "cases:clusters")
            except ApplicationError as exc:
                form.add_error(None, _message_of(exc))
                status = exc.status
            else:
                messages.success(request, _("The cluster was created."))
                return redirect("cases:cluster", cluster_id=cluster.pk)
        else:
            status = 400
    page = Paginator(selectors.cluster_list(viewer=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "form": form, "case": case, "move": move}
    return render(request, "cases/clusters.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def cluster_detail(request, cluster_id: int):
    """/cases/clusters/<id>/: the cluster's cases and its transmission graph (Cytoscape.js). POST attaches a
    case by its number."""
    try:
        _require_people_role(request)
        cluster = selectors.cluster_get(viewer=request.user, cluster_id=cluster_id)
    except ApplicationError as exc:
        return _error(request, exc)
    status, typed, move = 200, "", None
    if request.method == "POST":
        typed = (request.POST.get("case_number") or "").strip()[:30]
        try:
            case = selectors.case_find_for_source(viewer=request.user, value=typed)
            if case is None:
                raise ApplicationError(errors.INVALID_CLUSTER, extra={"field": "case_number"})
            if case.cluster_id == cluster.pk:
                # Nothing to add (case_update changes and audits nothing then): said so, not "was added".
                messages.info(
                    request,
                    _("Case %(number)s is already in this cluster: nothing was changed.") % {"number": case.number},
                )
                return redirect("cases:cluster", cluster_id=cluster.pk)
            services.case_update(
                actor=request.user,
                case=case,
                cluster=cluster,
                cluster_move_from=id_or_none(request.POST.get("cluster_move_from")),
            )
        except ApplicationError as exc:
            messages.error(request, _message_of(exc))
            status = exc.status
            move = _move_asked(exc)
        else:
            messages.success(request, _("Case %(number)s was added to the cluster.") % {"number": case.number})
            return redirect("cases:cluster", cluster_id=cluster.pk)
    cases = list(selectors.case_list(viewer=request.user, cluster=cluster))
    elsewhere = selectors.cluster_cases_elsewhere(viewer=request.user, cluster=cluster)
    context = {
        "cluster": cluster,
        "cases": cases,
        "cases_elsewhere": elsewhere,
        "cases_count": len(cases) + len(elsewhere),
        "max_level": services.tracing_max_level(),
        "graph_colours": CLUSTER_GRAPH_COLOURS,
        "typed": typed,
        "move": move,
    }
    return render(request, "cases/cluster.html", context, status=status)


def _move_asked(exc: ApplicationError) -> dict | None:
    """The confirmation a refused move asks for (case_in_other_cluster naming the cluster the case leaves): the
    form's tick, `cluster_move_from`; None for any other refusal."""
    if exc.code != errors.CASE_IN_OTHER_CLUSTER.code or not exc.extra.get("movable"):
        return None
    return {"cluster": exc.extra["cluster"], "name": exc.extra["cluster_name"], "case": exc.extra["case"]}


@login_required
@require_GET
def cluster_graph(request, cluster_id: int):
    """The graph's elements as JSON (scoped to the official; audited)."""
    try:
        _require_people_role(request)
        cluster = selectors.cluster_get(viewer=request.user, cluster_id=cluster_id)
        graph = selectors.cluster_graph(viewer=request.user, cluster=cluster)
    except ApplicationError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    return JsonResponse(graph)


# --- Public: exposure notices -----------------------------------------------------------------------------------


@require_GET
def exposures(request):
    """/cases/exposures/: the published exposure notices of the last days (venue, address, area, times), newest
    first, by area and place name, a page at a time. Public: no person, no case number."""
    areas = selectors.exposure_notice_areas()
    asked = id_or_none(request.GET.get("area"))
    if asked and asked not in {area.pk for area, _count in areas}:
        # A shared link to an area whose notices have all ended: the area stays chosen, the list is empty.
        areas += [(area, 0) for area in Area.objects.filter(pk=asked).select_related("parent")]
    form = forms.ExposureFilterForm(request.GET or None, areas=areas)
    notices = selectors.exposure_notices_public().none()
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        status = 200
        chosen = form.cleaned_data if form.is_bound else {}
        area = next((area for area, _count in areas if area.pk == chosen.get("area")), None)
        notices = selectors.exposure_notices_public(area_path=area.path if area else "", name=chosen.get("q", ""))
    page = Paginator(notices, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "query": _query_without_page(request),
        "days": settings.EXPOSURE_NOTICE_PUBLIC_DAYS,
        # "(about)" is explained under the list when it is used.
        "any_end_assumed": any(notice.end_assumed for notice in page),
        "filtered": form.is_bound and bool(form.data.get("area") or form.data.get("q")),
        "hotlines": health_hotlines(),  # "call": the numbers (the platform knows no health station's)
    }
    return render(request, "cases/exposures.html", context, status=status)

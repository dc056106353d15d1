"""Pages of the testing app. Thin: forms parse, services write and audit, selectors scope and audit reads.

Citizens (no login): register for a test, look up their results with a one-time code, download a result PDF.
Officials and lab staff (login): the day's sessions, sample collection and labels, pools, result entry, the
lab-sheet import, the re-test list and the results list with its Excel export.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from phongdich.accounts.permissions import has_role
from phongdich.checkins.views import CitizenPostThrottle
from phongdich.core import errors as core_errors
from phongdich.core.audit import audit_record, client_ip
from phongdich.core.errors import ApplicationError
from phongdich.core.exports import XLSX_CONTENT_TYPE, export_start
from phongdich.core.redirects import safe_next
from phongdich.core.scoping import viewer_area_path
from phongdich.people.citizen import citizen_forget, citizen_mark_verified, citizen_verified_person
from phongdich.people.views import identity_warning

from . import errors, imports, lookup, pdfs, selectors, services
from .exports import RESULTS_EXPORT, results_query
from .forms import (
    CollectForm,
    ImportForm,
    LookupCodeForm,
    LookupStartForm,
    PoolAddForm,
    RegistrationForm,
    ResultCorrectForm,
    ResultForm,
    ResultsFilterForm,
)
from .models import Pool

PAGE_SIZE = 50


def _error(request, error: ApplicationError):
    return render(request, "core/error.html", {"error": error.as_dict()}, status=error.status)


def _form_error(form, error: ApplicationError) -> None:
    field = error.extra.get("field") if isinstance(error.extra, dict) else None
    message = error.as_dict()["message"]
    form.add_error(field if field in form.fields else None, message)


def _pdf(data: bytes, filename: str, *, inline: bool = True) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    return response


def _private(response):
    # Pages with a person's data must not be kept by shared caches or the browser's back-forward cache.
    response["Cache-Control"] = "no-store, private"
    return response


# --- citizens ---------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def register(request):
    """/testing/register/: a citizen registers for a test at an open session (seed 003)."""
    sessions = list(selectors.sessions_open())
    form = RegistrationForm(request.POST or None, sessions=sessions)
    status = 200
    if request.method == "POST":
        if not CitizenPostThrottle().allow_request(request, None):
            return _error(request, ApplicationError(core_errors.RATE_LIMITED))
        if form.is_valid():
            data = form.cleaned_data
            try:
                registration = services.registration_self(
                    full_name=data["full_name"],
                    id_number=data["id_number"],
                    birth_date=data["birth_date"],
                    phone=data["phone"],
                    area=data["area"],
                    session_id=data["session"],
                    reason=data["reason"],
                )
            except ApplicationError as exc:
                _form_error(form, exc)
                status = exc.status
            else:
                # Only what the citizen typed is shown back (people.services.person_find_or_create).
                context = {"session": registration.session, "full_name": data["full_name"]}
                return _private(render(request, "testing/registered.html", context, status=201))
        else:
            status = 400
    context = {"form": form, "sessions": sessions, "area_errors": form.errors.get("area")}
    context["picked_area"] = form.picked_area()  # kept when another field is refused
    return _private(render(request, "testing/register.html", context, status=status))


@never_cache
@require_http_methods(["GET", "POST"])
def lookup_page(request):
    """/testing/lookup/: ID number + date of birth → a code by SMS → the citizen's results (lookup.py)."""
    next_url = safe_next(request)
    state = request.session.get(lookup.STATE_KEY)
    start_form, code_form = LookupStartForm(), LookupCodeForm()
    status, echo_code, sent = 200, None, False
    start_error = code_error = ""
    step = request.POST.get("step")
    if request.method == "POST" and step == "start":
        start_form = LookupStartForm(request.POST)
        if start_form.is_valid():
            try:
                started = lookup.lookup_start(
                    id_number=start_form.cleaned_data["id_number"],
                    birth_date=start_form.cleaned_data["birth_date"],
                    ip=client_ip(request),
                )
            except ApplicationError as exc:
                if exc.status == 429:
                    return _private(_error(request, exc))
                _form_error(start_form, exc)
                status = exc.status
            else:
                request.session[lookup.STATE_KEY] = state = started.state
                sent = True
                if settings.SMS_ECHO_ON_PAGE:
                    echo_code = started.code
        else:
            status = 400
    elif request.method == "POST" and step == "code":
        code_form = LookupCodeForm(request.POST)
        if code_form.is_valid():
            state = dict(state or {})
            try:
                person = lookup.lookup_verify(state=state, code=code_form.cleaned_data["code"], ip=client_ip(request))
            except ApplicationError as exc:
                request.session[lookup.STATE_KEY] = state
                # The typed code is not shown back: the answer is the same whatever was typed.
                code_form = LookupCodeForm()
                if exc.error in (errors.LOOKUP_EXPIRED, errors.LOOKUP_LOCKED):
                    # The look-up starts again: the message goes above the first step's form.
                    request.session.pop(lookup.STATE_KEY, None)
                    state = None
                    start_error = exc.as_dict()["message"]
                else:
                    code_error = exc.as_dict()["message"]
                status = exc.status
            else:
                request.session.pop(lookup.STATE_KEY, None)
                citizen_mark_verified(request, person)
                return redirect(next_url or reverse("testing:me"))
        else:
            status = 400
    elif request.method == "POST":
        status = 400
    if request.method == "GET" and request.GET.get("restart"):
        request.session.pop(lookup.STATE_KEY, None)
        state = None
    context = {
        "start_form": start_form,
        "code_form": code_form,
        "awaiting_code": bool(state and state.get("challenge")),
        "sent": sent,
        "start_error": start_error,
        "code_error": code_error,
        "echo_code": echo_code,
        "next": next_url,
        "ttl_minutes": max(1, settings.TESTING_LOOKUP_CODE_TTL_SECONDS // 60),
    }
    return _private(render(request, "testing/lookup.html", context, status=status))


@never_cache
@require_GET
def my_results(request):
    """/testing/me/: the verified citizen's registrations, samples and results."""
    person = citizen_verified_person(request)
    if person is None:
        return redirect(f"{reverse('testing:lookup')}?next={reverse('testing:me')}")
    records = selectors.citizen_records(person=person, ip=client_ip(request))
    return _private(render(request, "testing/me.html", {"person": person, **records}))


@never_cache
@require_GET
def my_result_pdf(request, result_id: int):
    """/testing/me/results/<id>.pdf: one of the verified citizen's own results as a PDF."""
    person = citizen_verified_person(request)
    if person is None:
        return redirect(f"{reverse('testing:lookup')}?next={reverse('testing:me')}")
    try:
        result = selectors.citizen_result_get(person=person, result_id=result_id)
    except ApplicationError as exc:
        return _error(request, exc)
    return _private(_pdf(pdfs.result_pdf(result), f"ket-qua-{result.sample.barcode}.pdf"))


@require_POST
def forget(request):
    """End the citizen's verified look-up on this browser (a shared phone)."""
    citizen_forget(request)
    return redirect("testing:lookup")


# --- officials and lab staff --------------------------------------------------------------------------------------


def _gate(request, *roles):
    if not has_role(request.user, *roles):
        return _error(request, ApplicationError(core_errors.PERMISSION_DENIED))
    return None


@login_required
@require_GET
def home(request):
    """/testing/: the sites of the official's area with their sessions of the coming week."""
    if (denied := _gate(request, *services.LAB_ROLES, *services.REGISTER_ROLES)) is not None:
        return denied
    today = timezone.localdate()
    sites = list(selectors.sites_visible(viewer=request.user).filter(active=True))
    sessions = selectors.sessions_open(today=today, days=8).filter(site__in=sites)
    by_site = {site.pk: [] for site in sites}
    for session in sessions:
        by_site[session.site_id].append(session)
    context = {
        "sites": [(site, by_site[site.pk]) for site in sites],
        "retest_count": selectors.retest_list(viewer=request.user).count(),
    }
    return render(request, "testing/home.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def session_page(request, session_id: int):
    """/testing/sessions/<id>/: the day's list of a session; "collect" takes a sample and gives it a barcode."""
    if (denied := _gate(request, *services.LAB_ROLES)) is not None:
        return denied
    try:
        session = selectors.session_get(viewer=request.user, session_id=session_id)
    except ApplicationError as exc:
        return _error(request, exc)
    status = 200
    if request.method == "POST":
        form = CollectForm(request.POST)
        if form.is_valid():
            try:
                registration = selectors.registration_get(
                    viewer=request.user, registration_id=form.cleaned_data["registration"]
                )
                if registration.session_id != session.pk:
                    raise ApplicationError(core_errors.NOT_FOUND)
                sample = services.sample_collect(actor=request.user, site=session.site, registration=registration)
            except ApplicationError as exc:
                messages.error(request, exc.as_dict()["message"])
                status = exc.status
            else:
                messages.success(request, _("Sample %(barcode)s taken.") % {"barcode": sample.barcode})
                return redirect("testing:session", session_id=session.pk)
        else:
            status = 400
    registrations = selectors.session_registrations(viewer=request.user, session=session, ip=client_ip(request))
    context = {"session": session, "registrations": registrations}
    return render(request, "testing/session.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def session_register(request, session_id: int):
    """/testing/sessions/<id>/register/: an official registers a person (without a smartphone) for the session."""
    if (denied := _gate(request, *services.REGISTER_ROLES)) is not None:
        return denied
    session = selectors.sessions_open(days=366).filter(pk=session_id).first()
    if session is None:
        return _error(request, ApplicationError(core_errors.NOT_FOUND))
    form = RegistrationForm(
        request.POST or None,
        sessions=[session],
        initial={"session": session.pk},
        within_path=viewer_area_path(request.user),  # as the picker offers them (within=scope_area)
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                registration = services.registration_by_official(
                    actor=request.user,
                    full_name=data["full_name"],
                    id_number=data["id_number"],
                    birth_date=data["birth_date"],
                    phone=data["phone"],
                    area=data["area"],
                    session_id=session.pk,
                    reason=data["reason"],
                )
            except ApplicationError as exc:
                _form_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("%(name)s is registered.") % {"name": data["full_name"]})
                identity_warning(request, registration.person)
                if selectors.works_in_lab(request.user):
                    return redirect("testing:session", session_id=session.pk)
                return redirect("testing:session_register", session_id=session.pk)
        else:
            status = 400
    scope = getattr(getattr(request.user, "official", None), "area", None)
    context = {"form": form, "session": session, "scope_area": scope, "area_errors": form.errors.get("area")}
    context["picked_area"] = form.picked_area()
    return render(request, "testing/session_register.html", context, status=status)


@login_required
@require_GET
def labels(request):
    """/testing/labels.pdf?session=<id> or ?sample=<id>&sample=<id>: printable barcode labels."""
    if (denied := _gate(request, *services.LAB_ROLES)) is not None:
        return denied
    try:
        if request.GET.get("session"):
            session = selectors.session_get(viewer=request.user, session_id=request.GET["session"])
            samples = list(selectors.session_samples(viewer=request.user, session=session).order_by("barcode"))
        else:
            samples = selectors.samples_by_ids(viewer=request.user, sample_ids=request.GET.getlist("sample"))
    except ApplicationError as exc:
        return _error(request, exc)
    layout = request.GET.get("layout") if request.GET.get("layout") in ("a4", "roll") else None
    audit_record(
        actor=request.user,
        action="testing.labels.printed",
        ip=client_ip(request),
        extra={"samples": [sample.pk for sample in samples][:200]},
    )
    return _pdf(pdfs.labels_pdf(samples, layout=layout), "nhan-mau.pdf")


@login_required
@require_http_methods(["GET", "POST"])
def pools(request):
    """/testing/pools/: open pools of the staff's sites; create a pool, add samples up to the site's limit."""
    if (denied := _gate(request, *services.LAB_ROLES)) is not None:
        return denied
    sites = list(selectors.sites_visible(viewer=request.user).filter(active=True))
    add_form = PoolAddForm()
    status = 200
    if request.method == "POST" and request.POST.get("action") == "create":
        site = next((site for site in sites if str(site.pk) == request.POST.get("site")), None)
        if site is None:
            return _error(request, ApplicationError(core_errors.NOT_FOUND))
        pool = services.pool_create(actor=request.user, site=site)
        messages.success(request, _("Pool %(barcode)s created.") % {"barcode": pool.barcode})
        return redirect(f"{reverse('testing:pools')}?pool={pool.barcode}")
    if request.method == "POST":
        add_form = PoolAddForm(request.POST)
        if add_form.is_valid():
            try:
                sample = services.pool_add_sample(
                    actor=request.user,
                    pool_barcode=add_form.cleaned_data["pool"],
                    sample_barcode=add_form.cleaned_data["sample"],
                )
            except ApplicationError as exc:
                _form_error(add_form, exc)
                status = exc.status
            else:
                messages.success(request, _("Sample %(barcode)s added to the pool.") % {"barcode": sample.barcode})
                return redirect(f"{reverse('testing:pools')}?pool={add_form.cleaned_data['pool']}")
        else:
            status = 400
    elif request.GET.get("pool"):
        add_form = PoolAddForm(initial={"pool": request.GET["pool"]})
    open_pools = selectors.pools_list(viewer=request.user, status=Pool.Status.OPEN).prefetch_related("samples")[:100]
    recent = selectors.pools_list(viewer=request.user, status=Pool.Status.RESULTED).prefetch_related("results")[:20]
    context = {"sites": sites, "add_form": add_form, "open_pools": open_pools, "recent_pools": recent}
    return render(request, "testing/pools.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def result_enter(request):
    """/testing/results/enter/: one result by the barcode of a sample or a pool."""
    if (denied := _gate(request, *services.LAB_ROLES)) is not None:
        return denied
    form = ResultForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            tested_at = data["tested_at"]
            try:
                result = services.result_enter(
                    actor=request.user,
                    barcode=data["barcode"],
                    outcome=data["outcome"],
                    test_type=data["test_type"],
                    ct_value=data["ct_value"] or None,
                    tested_at=tested_at,
                    device=data["device"],
                )
            except ApplicationError as exc:
                _form_error(form, exc)
                status = exc.status
            else:
                target = result.sample or result.pool
                text = _("Result of %(barcode)s saved: %(outcome)s.") % {
                    "barcode": target.barcode,
                    "outcome": result.get_outcome_display(),
                }
                if result.sample is not None and selectors.sample_needs_rtpcr(sample=result.sample):
                    text += " " + _(
                        "One positive rapid test confirms no case for someone who is not an F1: no case was opened, "
                        "the person is on the re-test list for an RT-PCR."
                    )
                messages.success(request, text)
                return redirect("testing:result_enter")
        else:
            status = 400
    context = {"form": form, "correct_form": ResultCorrectForm(prefix="fix"), "ct_max": settings.TESTING_CT_MAX}
    return render(request, "testing/result_enter.html", context, status=status)


@login_required
@require_POST
def result_correct(request):
    """/testing/results/correct/: correct a sample's result after it was entered, with the reason (what it set off
    follows: services.result_correct)."""
    if (denied := _gate(request, *services.LAB_ROLES)) is not None:
        return denied
    form = ResultCorrectForm(request.POST, prefix="fix")
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            outcome = services.result_correct(
                actor=request.user,
                barcode=data["barcode"],
                outcome=data["outcome"],
                ct_value=data["ct_value"] or None,
                reason=data["reason"],
            )
        except ApplicationError as exc:
            _form_error(form, exc)
            status = exc.status
        else:
            result = outcome.result
            text = _("Result of %(barcode)s corrected: %(outcome)s.") % {
                "barcode": result.sample.barcode,
                "outcome": result.get_outcome_display(),
            }
            if outcome.case_withdrawn:
                text += " " + _("The case it had opened, %(case)s, is withdrawn.") % {"case": outcome.case_withdrawn}
            if outcome.case_kept_by:
                text += " " + _(
                    "The case stays open: the positive result %(barcode)s, entered while it was open, still "
                    "supports it; check its dates."
                ) % {"barcode": outcome.case_kept_by}
            if outcome.case_opened:
                text += " " + _("Case %(case)s was opened.") % {"case": outcome.case_opened}
            if outcome.certificates_revoked:
                text += " " + _("Test certificates revoked: %(count)d.") % {"count": outcome.certificates_revoked}
            messages.success(request, text)
            return redirect("testing:result_enter")
    context = {"form": ResultForm(), "correct_form": form, "ct_max": settings.TESTING_CT_MAX, "correcting": True}
    return render(request, "testing/result_enter.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request):
    """/testing/results/import/: upload a lab sheet; it is imported in the background (the job page polls)."""
    if (denied := _gate(request, *services.LAB_ROLES)) is not None:
        return denied
    form = ImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = imports.import_job_create(actor=request.user, filename=upload.name, content=upload.read())
            except ApplicationError as exc:
                _form_error(form, exc)
                status = exc.status
            else:
                return redirect("testing:import_job", job_id=job.pk)
        else:
            status = 400
    vi, en = imports._header_labels()
    context = {
        "form": form,
        "columns": list(zip(vi, en, strict=True)),
        "max_rows": settings.TESTING_IMPORT_MAX_ROWS,
        "ct_max": settings.TESTING_CT_MAX,
    }
    return render(request, "testing/import.html", context, status=status)


@login_required
@require_GET
def import_job(request, job_id: int):
    """/testing/results/import/<id>/: the progress and the outcome of an upload (polls the API while it runs)."""
    if (denied := _gate(request, *services.LAB_ROLES)) is not None:
        return denied
    try:
        job = selectors.import_job_get(viewer=request.user, job_id=job_id)
    except ApplicationError as exc:
        return _error(request, exc)
    return render(request, "testing/import_job.html", {"job": job})


@login_required
@require_GET
def import_template(request):
    """/testing/results/import/template.xlsx: an empty lab sheet with the expected columns."""
    language = "en" if (request.LANGUAGE_CODE or "vi").startswith("en") else "vi"
    response = HttpResponse(imports.lab_sheet_xlsx(language=language), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="mau-ket-qua-xet-nghiem.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def retest(request):
    """/testing/retest/: people whose pool was positive (or invalid) and must give a new sample."""
    if (denied := _gate(request, *services.LAB_ROLES, *services.REGISTER_ROLES)) is not None:
        return denied
    if request.method == "POST":
        try:
            item = selectors.retest_get(viewer=request.user, item_id=request.POST.get("item"))
            services.retest_close(actor=request.user, item=item)
        except ApplicationError as exc:
            return _error(request, exc)
        messages.success(request, _("Taken off the re-test list."))
        return redirect("testing:retest")
    items = selectors.retest_list(viewer=request.user)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_record(
        actor=request.user, action="testing.retest.listed", ip=client_ip(request), extra={"count": page.paginator.count}
    )
    return render(request, "testing/retest.html", {"page": page})


@login_required
@require_GET
def results(request):
    """/testing/results/: individual results of the official's area, filtered (exported by results_export)."""
    try:  # results_query checks the role too
        form, _values, found = results_query(viewer=request.user, params=request.GET)
    except ApplicationError as exc:
        return _error(request, exc)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_record(
        actor=request.user,
        action="testing.results.listed",
        ip=client_ip(request),
        extra={"page": page.number, "count": page.paginator.count},
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form if form.is_bound else ResultsFilterForm(), "page": page, "query": query.urlencode()}
    return render(request, "testing/results.html", context)


@login_required
@require_POST
def results_export(request):
    """Queue the results, as filtered on the page, as an .xlsx built in the background (testing.exports); the
    official is taken to the export's page. A bad filter is refused at once (400)."""
    try:
        results_query(viewer=request.user, params=request.GET)
        job = export_start(actor=request.user, kind=RESULTS_EXPORT, params=request.GET.dict(), ip=client_ip(request))
    except ApplicationError as exc:
        return _error(request, exc)
    return redirect("core:export", job_id=job.pk)

"""REST API of cases, contacts, work lists, per-area counts, clusters and exposure notices. Thin classes:
scoping and audit are in selectors, rules and writes in services (docs/cases.md lists the endpoints)."""

import datetime as dt
import hashlib
import uuid

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from phongdich.accounts.permissions import SeesPeople
from phongdich.core import errors as core_errors
from phongdich.core.api import (
    ERROR_RESPONSE,
    IDEMPOTENCY_HEADER,
    PAGE_PARAMETERS,
    StrictInput,
    api_page,
    error_responses,
    idempotency_key_of,
    idempotent,
    read_again,
)
from phongdich.core.audit import audit_record, client_ip
from phongdich.core.errors import ApplicationError
from phongdich.core.pagination import ApiPages
from phongdich.core.throttling import ScopedRateThrottle
from phongdich.people.models import initials_of

from . import errors, selectors, services
from .models import Case, Cluster, Contact
from .notes import evidence_note

ERRORS = error_responses(400, 401, 403, 404, 409, 415, 422)


# --- Output serializers ------------------------------------------------------------------------------------


class CaseRuleOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    source = serializers.CharField()
    summary_vi = serializers.CharField(help_text="What the rule says, citing the document, in Vietnamese")
    summary_en = serializers.CharField(help_text="The same in English")
    effective_from = serializers.DateField()


class CasePersonOutput(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    birth_year = serializers.IntegerField(allow_null=True)
    phone = serializers.CharField()


class CaseOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    person = CasePersonOutput()
    area_path = serializers.CharField()
    sample_date = serializers.DateField()
    test_type = serializers.CharField()
    onset_date = serializers.DateField(allow_null=True)
    source_exposure_date = serializers.DateField(allow_null=True)
    isolated_at = serializers.DateTimeField()
    isolation_place = serializers.CharField()
    status = serializers.CharField()
    status_changed_at = serializers.DateTimeField(allow_null=True)
    withdrawn_reason = serializers.CharField(help_text="Why a withdrawn case is not one; empty otherwise")
    infected_by = serializers.CharField(source="infected_by.number", default=None, allow_null=True)
    cluster = serializers.IntegerField(source="cluster_id", allow_null=True)
    investigator = serializers.CharField(source="investigator.username", default=None, allow_null=True)
    rule = CaseRuleOutput()
    window_start = serializers.DateTimeField()
    window_end = serializers.DateTimeField()
    traced_at = serializers.DateTimeField(allow_null=True)
    notes = serializers.CharField()


class EvidenceNoteField(serializers.CharField):
    """A link's note in the request's language: a tracer's note is stored as data (cases.notes.evidence_note)."""

    def to_representation(self, value) -> str:
        return evidence_note(value)


class ContactLinkOutput(serializers.Serializer):
    id = serializers.IntegerField()
    case = serializers.CharField(source="case.number", help_text="The F0 at the root of this evidence")
    case_status = serializers.ChoiceField(
        source="case.status", choices=Case.Status.choices, help_text="That case's status now"
    )
    case_withdrawn = serializers.SerializerMethodField(
        help_text="True when that case was withdrawn as not a case: this evidence no longer makes a contact (the page"
        ' marks it "Đã huỷ")'
    )
    level = serializers.IntegerField()
    via_contact = serializers.IntegerField(source="via_id", allow_null=True, help_text="For F2+: through whom")
    source = serializers.CharField()
    setting = serializers.CharField()
    venue = serializers.IntegerField(source="venue_id", allow_null=True)
    place = serializers.CharField()
    exposure_start = serializers.DateTimeField(allow_null=True)
    exposure_end = serializers.DateTimeField(allow_null=True)
    overlap_minutes = serializers.IntegerField(allow_null=True, help_text="Time the occasions cover together")
    occasions = serializers.IntegerField(
        help_text="How many of the contact's check-ins this evidence sums up (check-in tracing); the start is the"
        " first overlap's, the end the last's"
    )
    end_assumed = serializers.BooleanField()
    note = EvidenceNoteField(source="*", help_text="In the request's language when a tracer wrote it (cases.notes)")
    named_as_f1_of = serializers.CharField(
        help_text="For a link given to a case when it was entered, from its person's interview as an F1: the number"
        " of the case they were an F1 of; empty otherwise"
    )
    quarantine_breach = serializers.BooleanField(
        help_text="An F2 named by an F1 for a meeting while the F1 broke their quarantine (the investigator's tick)"
    )
    after_f1_quarantine = serializers.BooleanField(
        help_text="An F2 named by an F1 for a meeting after the F1's quarantine began, its start set or corrected to an"
        " earlier day since: the link no longer counts (no F2 through this F1)"
    )
    created_at = serializers.DateTimeField()

    def get_case_withdrawn(self, link) -> bool:
        return link.case.status == Case.Status.WITHDRAWN


class EarlierEpisodeOutput(serializers.Serializer):
    """One of Contact.earlier_episodes: stored as text (JSON), answered as the other dates and times are."""

    end = serializers.SerializerMethodField(
        help_text="Where the episode ended: the start of the next one (the end of its quarantine or illness)"
    )
    quarantine_start = serializers.DateField(allow_null=True, help_text="Its quarantine's first day; null: none")
    quarantine_end = serializers.DateField(
        allow_null=True, help_text="Its quarantine's first day out (exclusive), as `quarantine_end`; null: none"
    )

    def get_end(self, episode) -> dt.datetime:
        return serializers.DateTimeField().to_representation(dt.datetime.fromisoformat(episode["end"]))

    def to_representation(self, episode):
        dates = {
            key: dt.date.fromisoformat(episode[key]) if episode.get(key) else None
            for key in ("quarantine_start", "quarantine_end")
        }
        return super().to_representation({**episode, **dates})


class ContactOutput(serializers.Serializer):
    id = serializers.IntegerField()
    level = serializers.IntegerField()
    status = serializers.CharField()
    area_path = serializers.CharField()
    person = CasePersonOutput()
    dismissed_reason = serializers.CharField()
    release_reason = serializers.CharField(help_text="Why the last release came before the quarantine's last day")
    first_exposure_at = serializers.DateTimeField(
        allow_null=True,
        help_text="The earliest exposure of the evidence of the contact's level (an F1's meetings with a case) in its"
        " current episode; a further level's evidence (an F1's F2 links) is among the contact's links only",
    )
    last_exposure_at = serializers.DateTimeField(
        allow_null=True,
        help_text="The latest exposure of the evidence of the contact's level in its current episode: the quarantine"
        " counts its days from its local day",
    )
    quarantine_start = serializers.DateField(allow_null=True)
    quarantine_end = serializers.DateField(
        allow_null=True,
        help_text="The first day OUT of quarantine (exclusive): the day after its last day, the self-monitoring's"
        " first; a release cuts it to the release day",
    )
    quarantine_last_day = serializers.DateField(
        allow_null=True,
        help_text="The last day in quarantine (inclusive): quarantine_end minus one day; null without a quarantine"
        " or for one released on the day it began",
    )
    quarantine_days = serializers.IntegerField(
        allow_null=True, help_text="The days the quarantine was set with (the rule's, counted from the last exposure)"
    )
    quarantine_protected = serializers.BooleanField(
        allow_null=True, help_text="True: the rule's days for a fully vaccinated or recovered contact applied"
    )
    status_changed_at = serializers.DateTimeField(allow_null=True)
    episode_start = serializers.DateTimeField(
        allow_null=True,
        help_text="Where the contact's current episode begins (the end of the quarantine or illness after which it was"
        " met again); level and exposure are those of its evidence from then on (its end, else its start, else its"
        " case's isolation). Null: every piece of evidence counts",
    )
    earlier_episodes = serializers.SerializerMethodField(
        help_text="The contact's earlier episodes, oldest first, each with where it ended and the quarantine it had"
        " (Contact.earlier_episodes: an F1 released, or a case recovered, then met again). Empty: none kept"
    )

    @extend_schema_field(EarlierEpisodeOutput(many=True))
    def get_earlier_episodes(self, contact) -> list:
        return EarlierEpisodeOutput(contact.earlier_episodes or [], many=True).data


class ScheduledTestOutput(serializers.Serializer):
    days = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Day numbers of the quarantine (day 1: the last exposure's day, or the quarantine's start for a"
        " contact named without times) or, for a test of the"
        " self-monitoring, of the monitoring (day 1: the quarantine's end); several when the quarantine began after"
        " them and they are taken on its start",
    )
    date = serializers.DateField(source="on")
    state = serializers.CharField(
        help_text="done (a sample on its day, or later before the next test's day), due (today), missed (past, no"
        " sample since), upcoming, not_needed (the quarantine ended before its day, or on it without a sample"
        " that day)",
    )
    sampled_on = serializers.DateField(allow_null=True, help_text="The day of the sample that counts for it")


class QuarantineScheduleOutput(serializers.Serializer):
    rule = serializers.CharField(source="rule.code", help_text="The quarantine rule the quarantine took")
    protected = serializers.BooleanField(help_text="The rule's schedule for a fully vaccinated or recovered contact")
    day_one = serializers.DateField(
        help_text="Day 1 of the quarantine: the first of the days its rule counts (the last exposure's day, or the"
        " quarantine's start for a contact named without times)"
    )
    tests = ScheduledTestOutput(many=True)
    test_needed = serializers.BooleanField(help_text="In quarantine, and the test of the day is due or missed")
    monitoring_days = serializers.IntegerField(allow_null=True, help_text="None: the rule gives no self-monitoring")
    monitoring_from = serializers.DateField(
        source="end", help_text="The quarantine's end (quarantine_end, the first day out): first day of monitoring"
    )
    monitoring_until = serializers.DateField(
        allow_null=True, help_text="The last day of the self-monitoring (inclusive)"
    )
    in_monitoring = serializers.BooleanField(
        help_text="Released, and the self-monitoring goes on today: the work list's `monitoring`. False for a"
        " contact whose quarantine is over but who is not released yet (awaiting_release)"
    )
    awaiting_release = serializers.BooleanField(
        help_text="The quarantine is over and the contact is still quarantined: to release (the work list's"
        " `quarantine_over`); the self-monitoring counts from the quarantine's end all the same"
    )
    monitoring_tests = ScheduledTestOutput(many=True)
    unconfirmed = serializers.CharField(
        source="unconfirmed_text",
        help_text="What no source read confirms, in the answer's language: the rule's own text and, for an F2 or"
        " further, that the F1's rule is applied though no source confirms an F2's quarantine length",
    )


class ContactDetailLinkOutput(ContactLinkOutput):
    breach_markable = serializers.BooleanField(
        help_text="You may mark or unmark it as met while the F1 broke quarantine (POST .../links/<id>/breach/): an F2"
        " named in an F1's interview, of the contact's current episode, whose F1 you see too (the page offers its"
        " form so); false for any other link. Whether a mark is taken is judged when it is sent (the F1 in"
        " quarantine, the meeting within it)"
    )


class NewEvidenceOutput(serializers.Serializer):
    link = serializers.IntegerField(help_text="The link's id (among the contact's links)")
    case = serializers.CharField(
        allow_null=True, help_text="The case's number; null for a case outside your area (handled there)"
    )
    level = serializers.IntegerField()
    created_at = serializers.DateTimeField(help_text="When the evidence was added: after the dismissal")

    def to_representation(self, one):
        return {**super().to_representation(one), "case": one.case or None}


class NewEvidenceFields(serializers.Serializer):
    """A dismissed contact's evidence added since the dismissal (docs/cases.md, "New evidence since a dismissal"):
    the view sets `new_evidence` on the contact (selectors.dismissed_new_evidence, for the viewer)."""

    new_evidence_since_dismissal = serializers.SerializerMethodField(
        help_text="Dismissed, and a standing link of its current episode was added after the dismissal (a later trace"
        " or interview): to review, and confirm again if the meeting is real. False for any other status"
    )
    new_evidence = NewEvidenceOutput(
        many=True, help_text="Those links, oldest first; empty when new_evidence_since_dismissal is false"
    )

    def get_new_evidence_since_dismissal(self, contact) -> bool:
        return bool(contact.new_evidence)


class ContactDetailOutput(NewEvidenceFields, ContactOutput):
    links = ContactDetailLinkOutput(many=True, source="link_list")
    schedule = QuarantineScheduleOutput(
        allow_null=True, help_text="The quarantine's tests and the self-monitoring after it; null without a quarantine"
    )


class CaseContactOutput(serializers.Serializer):
    id = serializers.IntegerField(source="contact.pk")
    level = serializers.IntegerField(help_text="The lowest level of this contact's evidence for this case")
    status = serializers.CharField(source="contact.status")
    visible = serializers.BooleanField(help_text="False: lives outside your area; only initials are given")
    name = serializers.SerializerMethodField()
    links = ContactLinkOutput(many=True)

    def get_name(self, row) -> str:
        person = row.contact.person
        return person.full_name if row.visible else initials_of(person.full_name)


class CaseContactPage(serializers.Serializer):
    count = serializers.IntegerField(help_text="How many contacts in all (of the level asked for)")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = CaseContactOutput(many=True)


def _person_in(viewer, person_id, ip):
    from phongdich.people.selectors import person_get

    return person_get(viewer=viewer, person_id=person_id, reason="case investigation", ip=ip)


class IdentifiedOutput(serializers.Serializer):
    """A person an exact look-up found: only what confirms them."""

    ref = serializers.CharField(help_text="Names this person as `person_ref`, for you and this interview, for an hour")
    initials = serializers.CharField()
    birth_year = serializers.IntegerField(allow_null=True)
    commune = serializers.CharField(help_text="The commune they live in (whose work list they go on)")
    in_your_area = serializers.BooleanField(source="in_viewer_area")


def _identified(one) -> dict:
    return IdentifiedOutput(one).data


def _person_named(request, named: dict, purpose: str):
    """The person an interview's request names (_interview_answer): by id in the area (404 elsewhere), by a whole
    identifier anywhere (404 nobody, 409 identifier_ambiguous with the matches to choose from), or by the ref of an
    earlier look-up for the same interview (404 for any other)."""
    from phongdich.people import errors as people_errors
    from phongdich.people.selectors import person_identified_get, person_identify

    viewer, ip = request.user, client_ip(request)
    if "person" in named:
        return _person_in(viewer, named["person"], ip)
    if "person_ref" in named:
        return person_identified_get(
            viewer=viewer, ref=named["person_ref"], purpose=purpose, reason="case investigation", ip=ip
        )
    found = person_identify(
        viewer=viewer, identifier=named["identifier"], purpose=purpose, reason="case investigation", ip=ip
    )
    if not found:
        raise ApplicationError(core_errors.NOT_FOUND, extra={"field": "identifier"})
    if len(found) > 1:
        raise ApplicationError(
            people_errors.IDENTIFIER_AMBIGUOUS, extra={"matches": [_identified(one) for one in found]}
        )
    return found[0].person


class InterviewIdentifyApi(APIView):
    """POST …/contacts/identify/ {"identifier"}: who has this whole CCCD, CMND or phone number, anywhere."""

    permission_classes = [SeesPeople]

    class IdentifyInput(StrictInput):
        identifier = serializers.CharField(max_length=30)

    class IdentifyOutput(serializers.Serializer):
        matches = IdentifiedOutput(many=True)

    def _interviewed(self, request, **kwargs):
        raise NotImplementedError

    def post(self, request, **kwargs):
        interviewed = self._interviewed(request, **kwargs)
        data = self.IdentifyInput(data=request.data)
        data.is_valid(raise_exception=True)
        from phongdich.people.selectors import person_identify

        found = person_identify(
            viewer=request.user,
            identifier=data.validated_data["identifier"],
            purpose=selectors.interview_purpose(interviewed),
            reason="case investigation",
            ip=client_ip(request),
        )
        return Response(self.IdentifyOutput({"matches": found}).data)


_IDENTIFY_DESCRIPTION = (
    "For naming a contact who lives outside your area: the people (at most 5) whose CCCD, CMND or mobile phone "
    "(normalised to E.164) is exactly `identifier`, wherever they live, each by initials, year of birth and commune "
    "only, with a `ref` to name them as `person_ref` in this interview (yours alone, for an hour). Each look-up is "
    "audited (`people.person.identifier_searched`, with the purpose) and capped per official "
    "(RATE_LIMIT_PERSON_IDENTIFY, 429 rate_limited). A partial number or a name: 400 identifier_not_exact "
    "(search your area with GET /api/v1/people/?q=)."
)


class CaseIdentifyApi(InterviewIdentifyApi):
    def _interviewed(self, request, case_id: int):
        return selectors.case_get(viewer=request.user, case_id=case_id, ip=client_ip(request))

    @extend_schema(
        operation_id="cases_contacts_identify",
        summary="Find a person to name in the case's interview by a whole ID or phone number, anywhere",
        description=_IDENTIFY_DESCRIPTION,
        request=InterviewIdentifyApi.IdentifyInput,
        responses={200: InterviewIdentifyApi.IdentifyOutput, **error_responses(400, 401, 403, 404, 429)},
        tags=["cases"],
    )
    def post(self, request, case_id: int):
        return super().post(request, case_id=case_id)


class ContactIdentifyApi(InterviewIdentifyApi):
    def _interviewed(self, request, contact_id: int):
        return selectors.contact_get(viewer=request.user, contact_id=contact_id, ip=client_ip(request))

    @extend_schema(
        operation_id="contacts_contacts_identify",
        summary="Find a person to name in an F1's interview by a whole ID or phone number, anywhere",
        description=_IDENTIFY_DESCRIPTION,
        request=InterviewIdentifyApi.IdentifyInput,
        responses={200: InterviewIdentifyApi.IdentifyOutput, **error_responses(400, 401, 403, 404, 429)},
        tags=["cases"],
    )
    def post(self, request, contact_id: int):
        return super().post(request, contact_id=contact_id)


def _cluster_in(viewer, cluster_id, *, keeping=None):
    """The cluster named, in the viewer's area; the one `keeping` (a case being changed) is in already is kept
    wherever it lies (a district's cluster, sent back by a commune)."""
    if cluster_id is None:
        return None
    if keeping is not None and keeping.cluster_id is not None and cluster_id == keeping.cluster_id:
        return keeping.cluster
    try:
        return selectors.cluster_get(viewer=viewer, cluster_id=cluster_id)
    except ApplicationError:
        raise ApplicationError(errors.INVALID_CLUSTER, extra={"field": "cluster"}) from None


# --- Cases ---------------------------------------------------------------------------------------------------


# What the idempotency store keeps of an answer that shows a person (core.api.idempotent's stored=/replayed=): the
# ids of what the write made. A repeat reads the record again through the selectors, which check the official's
# area and audit the read as the first answer did: the stored copy would hand the person out unaudited, and to an
# official moved to another area since.
def _case_marker(response) -> dict:
    return {"case": response.data["id"]}


def _case_replayed(view, request, marker: dict) -> Response:
    case = selectors.case_get(viewer=request.user, case_id=marker["case"], ip=client_ip(request))
    return Response(CaseOutput(case).data, status=status.HTTP_201_CREATED)


def _link_marker(response) -> dict:
    return {"link": response.data["id"], "created": response.status_code == status.HTTP_201_CREATED}


def _link_replayed(view, request, marker: dict, case_id: int) -> Response:
    case = selectors.case_get(viewer=request.user, case_id=case_id, ip=client_ip(request))
    link = selectors.case_link_get(case=case, link_id=marker["link"])
    return Response(
        ContactLinkOutput(link).data, status=status.HTTP_201_CREATED if marker["created"] else status.HTTP_200_OK
    )


def _case_again(request, pk, case_id: int) -> dict:
    """A case's write (its facts, outcome or outcome undone) repeated with its Idempotency-Key (core.api.read_again):
    the case read again, scoped and audited, not a stored copy of the person in it."""
    return CaseOutput(selectors.case_get(viewer=request.user, case_id=pk, ip=client_ip(request))).data


def _withdraw_marker(response) -> dict:
    """A withdrawal's answer without its person: the case's id and the counts, which name no one."""
    return {key: value for key, value in response.data.items() if key != "case"} | {"case": response.data["case"]["id"]}


def _withdraw_replayed(view, request, marker: dict, case_id: int) -> Response:
    case = selectors.case_get(viewer=request.user, case_id=marker["case"], ip=client_ip(request))
    return Response({**marker, "case": CaseOutput(case).data})


class CaseListCreateApi(APIView):
    permission_classes = [SeesPeople]

    class CaseDatesInput(serializers.Serializer):
        date_from = serializers.DateField(required=False)
        date_to = serializers.DateField(required=False)

    class CaseInput(StrictInput):
        person = serializers.IntegerField(min_value=1, help_text="A person of your area (people API)")
        sample_date = serializers.DateField(
            help_text="The positive sample's date; missing or null answers `case_date_missing`"
        )
        test_type = serializers.CharField(max_length=20, help_text="pcr or antigen")
        onset_date = serializers.DateField(required=False, allow_null=True, help_text="null: no symptoms")
        source_exposure_date = serializers.DateField(required=False, allow_null=True)
        isolated_at = serializers.DateTimeField(required=False, allow_null=True, help_text="Default: now")
        isolation_place = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")
        infected_by = serializers.CharField(
            required=False, allow_blank=True, max_length=30, default="", help_text="The source case's number"
        )
        cluster = serializers.IntegerField(required=False, allow_null=True, min_value=1)
        notes = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")

        def to_internal_value(self, data):
            # Required (the schema says so); missing or null alone, it has its own code, not invalid_input's.
            try:
                return super().to_internal_value(data)
            except serializers.ValidationError as exc:
                if isinstance(data, dict) and data.get("sample_date") is None and set(exc.detail) == {"sample_date"}:
                    raise ApplicationError(errors.CASE_DATE_MISSING, extra={"field": "sample_date"}) from None
                raise

    @extend_schema(
        operation_id="cases_list",
        summary="Cases of your area, newest sample first",
        parameters=[
            *PAGE_PARAMETERS,
            OpenApiParameter("status", str, required=False, enum=list(Case.Status.values)),
            OpenApiParameter("area", int, required=False),
            OpenApiParameter("date_from", str, required=False, description="YYYY-MM-DD (sample date)"),
            OpenApiParameter("date_to", str, required=False),
        ],
        responses={200: api_page("CasePage", CaseOutput(many=True)), **ERRORS},
        tags=["cases"],
    )
    def get(self, request):
        params = request.query_params
        dates = self.CaseDatesInput(data={key: params[key] for key in ("date_from", "date_to") if params.get(key)})
        if not dates.is_valid():
            raise errors.invalid_filter(**{name: params[name][:40] for name in dates.errors})
        cases = selectors.case_list(
            viewer=request.user,
            status=params.get("status", ""),
            area=selectors.filter_area(viewer=request.user, area_id=params.get("area")),
            date_from=dates.validated_data.get("date_from"),
            date_to=dates.validated_data.get("date_to"),
        )
        paginator = ApiPages()
        page = paginator.paginate_queryset(cases, request, view=self)
        return paginator.get_paginated_response(CaseOutput(page, many=True).data)

    @extend_schema(
        operation_id="cases_create",
        summary="Enter a case (F0) for a person of your area",
        description=(
            "The infectious window is computed by the rule in force on the sample date. Errors: "
            "`case_date_missing`, `invalid_case` (`extra.field`), `case_onset_too_late`, `case_isolation_too_late` "
            "(an `isolated_at` given more than CASE_ISOLATION_MAX_DAYS_AFTER_SAMPLE days after the sample), "
            "`no_window_rule`, "
            "`person_already_case` (409), `case_source_invalid`, `invalid_cluster`; 404 for a person outside "
            "your area. Nothing is written on an error."
        ),
        request=CaseInput,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: CaseOutput, **ERRORS},
        tags=["cases"],
    )
    @idempotent(stored=_case_marker, replayed=_case_replayed)
    def post(self, request):
        data = self.CaseInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        viewer = request.user
        person = _person_in(viewer, values["person"], client_ip(request))
        case = services.case_create(
            actor=viewer,
            person=person,
            sample_date=values.get("sample_date"),
            test_type=values["test_type"],
            onset_date=values.get("onset_date"),
            source_exposure_date=values.get("source_exposure_date"),
            isolated_at=values.get("isolated_at"),
            isolation_place=values.get("isolation_place", ""),
            investigator=selectors.investigator_for_new_case(viewer),
            infected_by=selectors.case_find_for_source(viewer=viewer, value=values.get("infected_by")),
            cluster=_cluster_in(viewer, values.get("cluster")),
            notes=values.get("notes", ""),
        )
        return Response(CaseOutput(case).data, status=status.HTTP_201_CREATED)


class CaseTracedAgainOutput(serializers.Serializer):
    contacts_found = serializers.IntegerField(help_text="Persons the trace from check-ins found (new or not)")
    links_added = serializers.IntegerField(help_text="New pieces of evidence from the trace")
    links_removed = serializers.IntegerField(help_text="Check-in evidence the check-ins no longer give")
    contacts_closed = serializers.IntegerField(help_text="Of those links' contacts, the ones left with no evidence")
    notices_added = serializers.IntegerField(help_text="New exposure notices from the trace")
    notices_removed = serializers.IntegerField(help_text="Exposure notices outside the new window, deleted")


class CaseUpdateOutput(CaseOutput):
    traced_again = CaseTracedAgainOutput(
        allow_null=True,
        help_text="The window (or its rule) changed and the case had been traced from check-ins: traced again, what "
        "it did; null otherwise (a case never traced is not traced by an edit)",
    )


_TRACED_AGAIN_COUNTS = tuple(CaseTracedAgainOutput().fields)


def _update_marker(response) -> dict:
    """What a repeat of a case's edit answers: the case read again (scoped, audited), with the counts of the trace
    the edit made (they name no one)."""
    return {"case": response.data["id"], "traced_again": response.data["traced_again"]}


def _update_replayed(view, request, marker: dict, case_id: int) -> Response:
    case = selectors.case_get(viewer=request.user, case_id=marker["case"], ip=client_ip(request))
    return Response({**CaseOutput(case).data, "traced_again": marker["traced_again"]})


class CaseDetailApi(APIView):
    permission_classes = [SeesPeople]

    class CaseUpdateInput(StrictInput):
        sample_date = serializers.DateField(required=False, allow_null=True)
        test_type = serializers.CharField(required=False, max_length=20)
        onset_date = serializers.DateField(required=False, allow_null=True)
        source_exposure_date = serializers.DateField(required=False, allow_null=True)
        isolated_at = serializers.DateTimeField(required=False)
        isolation_place = serializers.CharField(required=False, allow_blank=True, max_length=255)
        infected_by = serializers.CharField(required=False, allow_blank=True, max_length=30)
        cluster = serializers.IntegerField(required=False, allow_null=True, min_value=1)
        cluster_move_from = serializers.IntegerField(
            required=False,
            allow_null=True,
            min_value=1,
            help_text="The id of the cluster the case is in: confirms moving it to `cluster` (case_in_other_cluster)",
        )
        investigator = serializers.CharField(
            required=False,
            max_length=150,
            help_text="The username of an active official of an area this case is in",
        )
        notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)

    @extend_schema(
        operation_id="cases_retrieve",
        summary="One case with its window and rule (an audited read; 404 outside your area)",
        responses={200: CaseOutput, **ERRORS},
        tags=["cases"],
    )
    def get(self, request, case_id: int):
        case = selectors.case_get(viewer=request.user, case_id=case_id, ip=client_ip(request))
        return Response(CaseOutput(case).data)

    @extend_schema(
        operation_id="cases_update",
        summary="Change a case's facts; the window is computed again",
        description=(
            "When the window (or its rule) changed and the case had been traced from check-ins (`traced_at`), it is "
            "traced again from check-ins: `traced_again` says what that did (new evidence, check-in evidence the "
            "check-ins no longer give removed, notices); evidence from interviews and telecom records is not touched. "
            "Errors as `cases_create`, and 400 `case_isolation_too_late` for a new sample date or isolation time that "
            "puts the isolation more than CASE_ISOLATION_MAX_DAYS_AFTER_SAMPLE (30) days after the sample "
            "(`extra.max_days`); 409 `case_in_other_cluster` for a cluster move without `cluster_move_from`."
        ),
        request=CaseUpdateInput,
        parameters=[IDEMPOTENCY_HEADER],
        responses={200: CaseUpdateOutput, **ERRORS},
        tags=["cases"],
    )
    @idempotent(stored=_update_marker, replayed=_update_replayed)
    def patch(self, request, case_id: int):
        case = selectors.case_get(viewer=request.user, case_id=case_id, ip=client_ip(request))
        data = self.CaseUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if "infected_by" in fields:
            fields["infected_by"] = selectors.case_find_for_source(
                viewer=request.user, value=fields["infected_by"], keeping=case
            )
        if "cluster" in fields:
            fields["cluster"] = _cluster_in(request.user, fields["cluster"], keeping=case)
        if "investigator" in fields:
            fields["investigator"] = (
                selectors.case_investigators(case=case).filter(username=fields["investigator"]).first()
            )
            if fields["investigator"] is None:
                raise ApplicationError(errors.INVALID_CASE, extra={"field": "investigator"})
        case = services.case_update(actor=request.user, case=case, **fields)
        traced = case.traced_again
        again = {key: getattr(traced, key) for key in _TRACED_AGAIN_COUNTS} if traced is not None else None
        answer = CaseOutput(selectors.case_get(viewer=request.user, case_id=case.pk)).data
        return Response({**answer, "traced_again": again})


class CaseStatusApi(APIView):
    permission_classes = [SeesPeople]

    class CaseStatusInput(StrictInput):
        status = serializers.ChoiceField(choices=[Case.Status.RECOVERED, Case.Status.DIED])
        date = serializers.DateField(required=False, allow_null=True, help_text="Default: today")
        date_confirmed = serializers.BooleanField(
            required=False,
            default=False,
            help_text="True: a recovery earlier than CASE_RECOVERY_MIN_DAYS after the sample was checked and is right",
        )

    @extend_schema(
        operation_id="cases_status",
        summary="Record a case's outcome (recovered or died) and its date",
        description=(
            "Only a case under treatment changes: otherwise 409 `case_status_transition`. A recovery earlier than "
            "CASE_RECOVERY_MIN_DAYS (10) days after the positive sample answers 409 `case_recovery_early` "
            "(`extra.usual_from`, `extra.min_days`; an unconfirmed figure) unless `date_confirmed` is true. An "
            "outcome recorded by mistake is undone for 24 hours: `cases_outcome_undo`."
        ),
        request=CaseStatusInput,
        responses={200: CaseOutput, **ERRORS},
        tags=["cases"],
    )
    @idempotent(**read_again(_case_again))
    def post(self, request, case_id: int):
        case = selectors.case_get(viewer=request.user, case_id=case_id, ip=client_ip(request))
        data = self.CaseStatusInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        case = services.case_status_set(
            actor=request.user,
            case=case,
            status=values["status"],
            on=values.get("date"),
            date_confirmed=values.get("date_confirmed", False),
        )
        return Response(CaseOutput(case).data)


class CaseOutcomeUndoApi(APIView):
    permission_classes = [SeesPeople]

    class CaseOutcomeUndoInput(StrictInput):
        reason = serializers.CharField(
            required=False, allow_blank=True, max_length=500, default="", help_text="Why it is undone (required)"
        )

    @extend_schema(
        operation_id="cases_outcome_undo",
        summary="Undo an outcome (recovered, died) recorded by mistake, with the reason: under treatment again",
        description=(
            "Within 24 hours of the recording (`OUTCOME_UNDO_HOURS`): otherwise, or once a recovery certificate was "
            "issued for the case, 409 `case_outcome_undo_closed` (`extra.reason` `too_late` or `certified`). 409 "
            "`case_status_transition` for a case with no outcome, `person_already_case` when the person has another "
            "case under treatment; 400 `case_outcome_undo_reason_required`."
        ),
        request=CaseOutcomeUndoInput,
        responses={200: CaseOutput, **ERRORS},
        tags=["cases"],
    )
    @idempotent(**read_again(_case_again))
    def post(self, request, case_id: int):
        case = selectors.case_get(viewer=request.user, case_id=case_id, ip=client_ip(request))
        data = self.CaseOutcomeUndoInput(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_outcome_undo(actor=request.user, case=case, reason=data.validated_data["reason"])
        return Response(CaseOutput(case).data)


class CaseWithdrawApi(APIView):
    permission_classes = [SeesPeople]

    class CaseWithdrawInput(StrictInput):
        reason = serializers.CharField(
            required=False, allow_blank=True, max_length=500, default="", help_text="Why it is not a case (required)"
        )

    class CaseWithdrawOutput(serializers.Serializer):
        case = CaseOutput()
        contacts_closed = serializers.IntegerField(
            help_text="Candidates and confirmed contacts of no other standing case: now `case_withdrawn`"
        )
        contacts_relevelled = serializers.IntegerField(help_text="Contacts of other cases too: level from theirs")
        contacts_quarantined = serializers.IntegerField(help_text="In quarantine, of no other case: to release")
        notices_withdrawn = serializers.IntegerField(help_text="Exposure notices taken off the public list")

    @extend_schema(
        operation_id="cases_withdraw",
        summary="Withdraw a case that is not one (entered in error, not confirmed), with the reason",
        description=(
            "Only a case under treatment: otherwise 409 `case_status_transition`. Its exposure notices leave the "
            "public list; its candidate and confirmed contacts of no other standing case become `case_withdrawn`. A "
            "withdrawn case is not traced, given contacts or changed: 409 `case_withdrawn`."
        ),
        request=CaseWithdrawInput,
        responses={200: CaseWithdrawOutput, **ERRORS},
        tags=["cases"],
    )
    @idempotent(stored=_withdraw_marker, replayed=_withdraw_replayed)
    def post(self, request, case_id: int):
        case = selectors.case_get(viewer=request.user, case_id=case_id, ip=client_ip(request))
        data = self.CaseWithdrawInput(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = services.case_withdraw(actor=request.user, case=case, reason=data.validated_data["reason"])
        return Response(self.CaseWithdrawOutput(outcome).data)


_RESTORE_COUNTS = (
    "contacts_back",
    "contacts_relevelled",
    "notices_republished",
    "notices_kept_back",
    "contacts_found",
    "links_added",
    "links_removed",
    "notices_added",
)


def _restore_marker(response) -> dict:
    """What a repeat of a restore answers: the case read again (scoped, audited), with the counts of what the restore
    did (no personal data in them)."""
    return {"case": response.data["case"]["id"], **{key: response.data[key] for key in _RESTORE_COUNTS}}


def _restore_replayed(view, request, marker: dict, case_id: int) -> Response:
    case = selectors.case_get(viewer=request.user, case_id=marker["case"], ip=client_ip(request))
    return Response({"case": CaseOutput(case).data, **{key: marker[key] for key in _RESTORE_COUNTS}})


class CaseRestoreApi(APIView):
    permission_classes = [SeesPeople]

    class CaseRestoreInput(StrictInput):
        reason = serializers.CharField(
            required=False,
            allow_blank=True,
            max_length=500,
            default="",
            help_text="Why the withdrawal was a mistake (required)",
        )

    class CaseRestoreOutput(serializers.Serializer):
        case = CaseOutput()
        contacts_back = serializers.IntegerField(
            help_text="Contacts closed as `case_withdrawn` whose evidence from this case stands again: candidates (or "
            "`became_case` for a person under treatment)"
        )
        contacts_relevelled = serializers.IntegerField(help_text="Contacts whose level this case's evidence lowered")
        notices_republished = serializers.IntegerField(
            help_text="Exposure notices the withdrawal had taken off, on the public list again"
        )
        notices_kept_back = serializers.IntegerField(
            help_text="The case's exposure notices left unpublished (kept back by an official before the withdrawal, "
            "or of a withdrawal before 0036 that did not say which it took off): to publish by hand if they should be"
        )
        contacts_found = serializers.IntegerField(help_text="Persons the trace from check-ins found (new or not)")
        links_added = serializers.IntegerField(help_text="New pieces of evidence from the trace")
        links_removed = serializers.IntegerField(help_text="Check-in evidence the check-ins no longer give")
        notices_added = serializers.IntegerField(help_text="New exposure notices from the trace")

    @extend_schema(
        operation_id="cases_restore",
        summary="Restore a case withdrawn by mistake, with the reason: its status, contacts and notices come back",
        description=(
            "The case has the status it had before the withdrawal (under treatment); its person's contact is a case "
            "again; its contacts closed as `case_withdrawn` whose evidence from it stands again are candidates; the "
            "exposure notices the withdrawal took off are published again; it is traced again from check-ins. No "
            "time limit. 409 `case_status_transition` for a case not withdrawn; 409 `case_restore_closed` "
            "(`extra.reason` `other_case`, `extra.case`, `extra.status`) when the person has another case of the "
            "same illness (under treatment, dead, or recovered on or after this case's sample); 409 "
            "`case_restore_result_corrected` (`extra.barcode`, `extra.result`) while the test result that opened the "
            "case reads negative or invalid since a correction and no other positive of the person holds it up (the "
            "lab corrects the result first); 400 `case_restore_reason_required`. A repeat with the same "
            "Idempotency-Key reads the case again, with the counts of the first answer."
        ),
        request=CaseRestoreInput,
        parameters=[IDEMPOTENCY_HEADER],
        responses={200: CaseRestoreOutput, **ERRORS},
        tags=["cases"],
    )
    @idempotent(stored=_restore_marker, replayed=_restore_replayed)
    def post(self, request, case_id: int):
        case = selectors.case_get(viewer=request.user, case_id=case_id, ip=client_ip(request))
        data = self.CaseRestoreInput(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = services.case_restore(actor=request.user, case=case, reason=data.validated_data["reason"])
        return Response(self.CaseRestoreOutput(outcome).data)


class CaseNoticeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    case = serializers.CharField(source="case.number")
    venue = serializers.IntegerField(source="venue_id")
    venue_name = serializers.CharField(source="venue.name")
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    end_assumed = serializers.BooleanField()
    published_at = serializers.DateTimeField(allow_null=True, help_text="null: kept back, off the public list")


class CaseNoticesApi(APIView):
    permission_classes = [SeesPeople]

    @extend_schema(
        operation_id="cases_notices",
        summary="A case's exposure notices, published or kept back",
        responses={200: CaseNoticeOutput(many=True), **ERRORS},
        tags=["cases"],
    )
    def get(self, request, case_id: int):
        case = selectors.case_get(viewer=request.user, case_id=case_id, ip=client_ip(request))
        notices = selectors.case_exposure_notices(case=case).select_related("case")
        return Response(CaseNoticeOutput(notices, many=True).data)


class NoticePublicationApi(APIView):
    permission_classes = [SeesPeople]

    class PublicationInput(StrictInput):
        published = serializers.BooleanField(help_text="true: on the public list, the map and people's warnings")

    @extend_schema(
        operation_id="exposure_notices_publication",
        summary="Publish an exposure notice of a case of your area, or keep it back",
        description=(
            "Tracing publishes new notices itself unless `EXPOSURE_NOTICES_AUTO_PUBLISH` is off, and leaves a notice "
            "decided on here as it is. A withdrawn case's notices stay off: 409 `case_withdrawn`."
        ),
        request=PublicationInput,
        responses={200: CaseNoticeOutput, **ERRORS},
        tags=["cases"],
    )
    @idempotent  # the answer names no one: a notice's case number, venue and times
    def post(self, request, notice_id: int):
        notice = selectors.exposure_notice_get(viewer=request.user, notice_id=notice_id)
        data = self.PublicationInput(data=request.data)
        data.is_valid(raise_exception=True)
        notice = services.exposure_notice_publication_set(
            actor=request.user, notice=notice, published=data.validated_data["published"]
        )
        return Response(CaseNoticeOutput(notice).data)


class InterviewInput(StrictInput):
    """A person named in an interview: a case's (added as F1) or an F1's (added as F2). Exactly one of `person`,
    `identifier` and `person_ref` names them."""

    person = serializers.IntegerField(min_value=1, required=False, help_text="A person of your area (404 otherwise)")
    identifier = serializers.CharField(
        required=False,
        max_length=30,
        help_text="A whole CCCD, CMND or mobile phone number: the person who has it, wherever they live (an audited "
        "look-up, capped per official: RATE_LIMIT_PERSON_IDENTIFY); several people: 409 identifier_ambiguous",
    )
    person_ref = serializers.CharField(
        required=False,
        max_length=500,
        help_text="The `ref` of a person an exact look-up for this interview found (…/contacts/identify/, or "
        "identifier_ambiguous's `extra.matches`), valid for an hour",
    )
    setting = serializers.ChoiceField(choices=list(services.INTERVIEW_SETTINGS))
    place = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")
    exposure_start = serializers.DateTimeField(required=False, allow_null=True)
    exposure_end = serializers.DateTimeField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    nonce = serializers.CharField(
        required=False,
        min_length=8,
        max_length=100,
        help_text="Identifies this piece of evidence; default: the Idempotency-Key header, else one made by the server "
        "(optional: the same meeting sent again under another is still recorded once)",
    )


class F2InterviewInput(InterviewInput):
    """A person named in an F1's interview (added as F2)."""

    quarantine_breach = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Met while the F1 broke their quarantine: the meeting is taken within the F1's quarantine (it needs "
        "a time, not before the quarantine's first day nor from its end on); without it a meeting after the "
        "quarantine's first day is refused",
    )


def _interview_answer(request, serializer=InterviewInput) -> tuple[dict, dict]:
    """Who the interview names (`person`, `identifier` or `person_ref`: exactly one) and its answer as the services
    take it (the nonce: the body's, else the Idempotency-Key); an F1's (`F2InterviewInput`) with its "met while
    breaking quarantine"."""
    data = serializer(data=request.data)
    data.is_valid(raise_exception=True)
    values = data.validated_data
    named = {name: values[name] for name in ("person", "identifier", "person_ref") if values.get(name)}
    if len(named) != 1:
        raise ApplicationError(
            errors.INVALID_CONTACT,
            extra={"field": "person"},
            vi="Nêu đúng một trong: person (người trong địa bàn), identifier (số CCCD, CMND hoặc điện thoại) hoặc "
            "person_ref.",
            en="Give exactly one of person (a person of your area), identifier (a CCCD, CMND or phone number) or "
            "person_ref.",
        )
    breach = {"quarantine_breach": values["quarantine_breach"]} if "quarantine_breach" in values else {}
    return named, breach | {
        "setting": values["setting"],
        "nonce": _interview_nonce(values, request),
        "place": values.get("place", ""),
        "exposure_start": values.get("exposure_start"),
        "exposure_end": values.get("exposure_end"),
        "note": values.get("note", ""),
    }


def _interview_nonce(values: dict, request) -> str:
    """The nonce of the interview's evidence key (services: "interview:<nonce>", 8-100 characters): the body's, else
    the Idempotency-Key, else one made here. Optional, as documented: the page's form needs its nonce against a double
    click, but a client that sends neither is kept from recording a meeting twice by the same-meeting check
    (services._same_meeting), and one with a key by @idempotent. A key the nonce's length cannot hold (the header
    takes 1-255 characters) is used by its digest, so that any valid key works."""
    if values.get("nonce"):
        return values["nonce"]
    key = (idempotency_key_of(request) or "").strip()
    if not key:
        return uuid.uuid4().hex
    return key if 8 <= len(key) <= 100 else "key-" + hashlib.sha256(key.encode()).hexdigest()[:40]


class CaseContactsApi(APIView):
    permission_classes = [SeesPeople]

    @extend_schema(
        operation_id="cases_contacts",
        summary="The contacts of a case, each with its evidence for this case, a page at a time",
        description=(
            "By level, then name. A factory's case has tens of thousands of F2: page with `limit` and `offset`, "
            "or ask for one `level`. Contacts living outside your area are given by initials only (`visible` "
            "false). Errors: `cases_invalid_filter` for a level tracing does not record (past "
            "TRACING_MAX_LEVEL, 2 by default)."
        ),
        parameters=[
            OpenApiParameter("level", int, required=False, description="Only the contacts of this level (1 = F1)"),
            OpenApiParameter("limit", int, required=False),
            OpenApiParameter("offset", int, required=False),
        ],
        responses={200: CaseContactPage, **ERRORS},
        tags=["cases"],
    )
    def get(self, request, case_id: int):
        case = selectors.case_get(viewer=request.user, case_id=case_id, ip=client_ip(request))
        contacts = selectors.case_contacts(case=case, level=request.query_params.get("level"))
        paginator = ApiPages()
        page = paginator.paginate_queryset(contacts, request, view=self)
        rows = selectors.case_contact_rows(viewer=request.user, case=case, contacts=page)
        return paginator.get_paginated_response(CaseContactOutput(rows, many=True).data)

    @extend_schema(
        operation_id="cases_contacts_add",
        summary="Add an F1 named in the case's interview",
        description=(
            "The evidence is keyed by `nonce` (optional: else the Idempotency-Key, else a key the server makes): "
            "sending it again adds nothing (200); so "
            "does the same meeting under another nonce (same person, setting, start and end: 200 with the link "
            "already recorded). "
            "Errors: `invalid_contact` (`extra.field`; `extra.window_start` for a meeting over before the case's "
            "infectious window opened, `extra.window_end` for one begun once the case was isolated), 404 for a "
            "`person` id outside your area. A person living elsewhere is named by `identifier` (a whole CCCD, CMND "
            "or phone number: 404 nobody has it, 409 `identifier_ambiguous` with `extra.matches` to choose from by "
            "`person_ref`) or by the `person_ref` of …/contacts/identify/; they go on their own commune's work list."
        ),
        request=InterviewInput,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: ContactLinkOutput, 200: ContactLinkOutput, **ERRORS},
        tags=["cases"],
    )
    @idempotent(stored=_link_marker, replayed=_link_replayed)
    def post(self, request, case_id: int):
        case = selectors.case_get(viewer=request.user, case_id=case_id, ip=client_ip(request))
        named, answer = _interview_answer(request)
        with transaction.atomic():
            person = _person_named(request, named, selectors.interview_purpose(case))
            link, created = services.contact_interview_add(actor=request.user, case=case, person=person, **answer)
        return Response(ContactLinkOutput(link).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


# --- Contacts ------------------------------------------------------------------------------------------------


class ContactDetailApi(APIView):
    permission_classes = [SeesPeople]

    @extend_schema(
        operation_id="contacts_retrieve",
        summary="One contact with all its evidence (an audited read; 404 outside your area)",
        responses={200: ContactDetailOutput, **ERRORS},
        tags=["cases"],
    )
    def get(self, request, contact_id: int):
        contact = selectors.contact_get(viewer=request.user, contact_id=contact_id, ip=client_ip(request))
        contact.link_list = list(selectors.contact_links(contact=contact))
        selectors.mark_breach_markable(request.user, contact, contact.link_list)
        contact.schedule = selectors.contact_quarantine_schedule(contact=contact)
        found = selectors.dismissed_new_evidence(viewer=request.user, contacts=[contact])
        contact.new_evidence = found.get(contact.pk, [])
        return Response(ContactDetailOutput(contact).data)


class ContactF2AddedOutput(serializers.Serializer):
    contact = serializers.IntegerField(source="contact.pk", help_text="The F2's contact (one per person)")
    level = serializers.IntegerField(
        source="contact.level",
        help_text="The contact's level now: the lowest of its links of its current episode (1 if an F1 elsewhere)",
    )
    status = serializers.CharField(source="contact.status")
    links = ContactLinkOutput(many=True, help_text="The evidence added: one link per case of the F1, level 2")


class _F2Added:
    def __init__(self, links):
        self.links, self.contact = links, links[0].contact


def _f2_marker(response) -> dict:
    return {"links": [link["id"] for link in response.data["links"]], "created": response.status_code == 201}


def _f2_replayed(view, request, marker: dict, contact_id: int) -> Response:
    """A repeat: the F1 read again (scoped, audited) and the evidence the first answer added, as it stands now."""
    f1 = selectors.contact_get(viewer=request.user, contact_id=contact_id, ip=client_ip(request))
    links = selectors.f2_links_get(f1=f1, link_ids=marker["links"])
    return Response(
        ContactF2AddedOutput(_F2Added(links)).data,
        status=status.HTTP_201_CREATED if marker["created"] else status.HTTP_200_OK,
    )


class ContactContactsApi(APIView):
    permission_classes = [SeesPeople]

    @extend_schema(
        operation_id="contacts_contacts_add",
        summary="Add an F2 named in an F1's interview",
        description=(
            "The person (of your area; 404 otherwise, as for an F1 out of your area) met the F1 `id` closely "
            "(household, workplace, transport, other) between the F1's first exposure and the start of its "
            "quarantine (F2 under QĐ 3638/QĐ-BYT). One link of level 2, `via_contact` the F1, is added to each "
            "standing case the F1 is an F1 of, as the check-in tracer links its F2 (none to a case the person is "
            "already an F1 of). The evidence is keyed by `nonce` (optional: else the Idempotency-Key, else a key the "
            "server makes): sending it again adds nothing (200), nor does the same meeting under another. "
            "Errors: 409 `f2_not_traced` (TRACING_MAX_LEVEL below 2), `contact_not_f1` (the contact "
            "is an F2 or further), `contact_f1_closed` (dismissed, released, became a case or no standing evidence: "
            "`extra.status`), `contact_no_standing_case` (its cases were withdrawn); 400 `invalid_contact` "
            "(`extra.field`; `extra.reason` `itself`, `case` or `already_f1` for the person, `not_addable` when "
            "the case is not one you may see: then unnamed; "
            "`extra.quarantine_start` for an exposure after the F1's quarantine began, unless `quarantine_breach`; "
            "`extra.f1_first_exposure` for one before the F1's first exposure; an exposure in the future or ending "
            "before it starts; with `quarantine_breach`, `extra.reason` `not_in_quarantine`, `breach_undated`, "
            "`breach_before` (`extra.quarantine_start`) or `breach_after` (`extra.quarantine_end`))."
        ),
        request=F2InterviewInput,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: ContactF2AddedOutput, 200: ContactF2AddedOutput, **ERRORS},
        tags=["cases"],
    )
    @idempotent(stored=_f2_marker, replayed=_f2_replayed)
    def post(self, request, contact_id: int):
        f1 = selectors.contact_get(viewer=request.user, contact_id=contact_id, ip=client_ip(request))
        named, answer = _interview_answer(request, F2InterviewInput)
        with transaction.atomic():
            person = _person_named(request, named, selectors.interview_purpose(f1))
            links, created = services.contact_interview_f2_add(actor=request.user, f1=f1, person=person, **answer)
        return Response(
            ContactF2AddedOutput(_F2Added(links)).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class NamedF2Output(serializers.Serializer):
    """What a dismissal, or its undoing, did to the F2 named in the interviews of the contacts moved."""

    named = serializers.IntegerField(
        help_text="F2 named in the interviews of the contacts moved (one per person); for a quarantine, those whose "
        "meeting named the quarantine's start now comes before (or no longer does, for a start corrected later)"
    )
    closed = serializers.IntegerField(
        help_text="Left with no standing evidence by a dismissal, or a quarantine begun before the meeting: now "
        "`case_withdrawn`"
    )
    quarantined = serializers.IntegerField(
        help_text="In quarantine with no standing evidence left by the move: for an official to release"
    )
    reopened = serializers.IntegerField(
        help_text="Left with no standing evidence before, candidates again (or cases): the dismissal undone, or the "
        "F1's quarantine start corrected to after the meeting"
    )
    after_start = serializers.IntegerField(
        help_text="For a quarantine, or its start corrected: of `named`, those whose meeting now comes after the "
        "quarantine's start (no longer F2 through the F1); the others count again"
    )


class ContactMoveOutput(ContactOutput):
    named_f2 = NamedF2Output(
        source="named_f2_followed",
        help_text="A dismissal ends the chain through the contact, for the F2 named in its interview too; confirming "
        "it again resumes it; a quarantine (or its start corrected) ends it for the meetings named after its start "
        "(zeros for other moves)",
    )


def _contact_move_marker(response) -> dict:
    return {"contact": response.data["id"], "named_f2": response.data["named_f2"]}


def _contact_move_replayed(view, request, marker: dict, contact_id: int) -> Response:
    """A move repeated with its Idempotency-Key: the contact read again (scoped, audited) with what the first move did
    to the F2 named in its interview."""
    contact = selectors.contact_get(viewer=request.user, contact_id=marker["contact"], ip=client_ip(request))
    contact.named_f2_followed = marker["named_f2"]
    return Response(ContactMoveOutput(contact).data)


class ContactStatusApi(APIView):
    permission_classes = [SeesPeople]

    class ContactStatusInput(StrictInput):
        status = serializers.ChoiceField(choices=list(Contact.Status.values))
        reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
        quarantine_start = serializers.DateField(required=False, allow_null=True, help_text="Default: today")

    @extend_schema(
        operation_id="contacts_status",
        summary="Confirm, dismiss (reason required), quarantine or release a contact",
        description=(
            "Allowed moves: candidate → confirmed, dismissed, quarantined; confirmed → quarantined, dismissed; "
            "dismissed → confirmed; quarantined → released (a release made by mistake is undone for 24 hours: "
            "`contacts_release_undo`). Others: 409 `contact_status_transition`. "
            "`contact_dismiss_reason_required`, `contact_release_reason_required` (a release before the quarantine's "
            "last day needs a `reason`), `quarantine_date_invalid`. Quarantine lasts the days of the "
            "quarantine rule in force on its start date (`quarantine_rule_missing` when none is). A dismissal ends "
            "the chain through the contact, for the F2 named in its interview too, and confirming it again resumes "
            "it: `named_f2` says how many F2 that concerned. So does a quarantine whose start comes before meetings "
            "named in the contact's interview: those F2 no longer count through it (unless marked a breach)."
        ),
        request=ContactStatusInput,
        responses={200: ContactMoveOutput, **ERRORS},
        tags=["cases"],
    )
    @idempotent(stored=_contact_move_marker, replayed=_contact_move_replayed)
    def post(self, request, contact_id: int):
        contact = selectors.contact_get(viewer=request.user, contact_id=contact_id, ip=client_ip(request))
        data = self.ContactStatusInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        contact = services.contact_status_set(
            actor=request.user,
            contact=contact,
            status=values["status"],
            reason=values.get("reason", ""),
            quarantine_start=values.get("quarantine_start"),
        )
        return Response(ContactMoveOutput(contact).data)


def _contact_again(request, pk, contact_id: int) -> dict:
    """A release undone, repeated with its Idempotency-Key (core.api.read_again): the contact read again, scoped and
    audited, not the stored answer with the person in it."""
    return ContactOutput(selectors.contact_get(viewer=request.user, contact_id=pk, ip=client_ip(request))).data


class ContactReleaseUndoApi(APIView):
    permission_classes = [SeesPeople]

    class ContactReleaseUndoInput(StrictInput):
        reason = serializers.CharField(
            required=False, allow_blank=True, max_length=500, default="", help_text="Why it is undone (required)"
        )

    @extend_schema(
        operation_id="contacts_release_undo",
        summary="Undo a release from quarantine made by mistake, with the reason: in quarantine again",
        description=(
            "The contact is quarantined again with the start, rule, days and protection it had, and the end it had "
            "before an early release cut it (later if evidence since then ends later). Within 24 hours of the "
            "release (`RELEASE_UNDO_HOURS`): otherwise 409 `contact_release_undo_closed` (`extra.reason` "
            "`too_late`), also once another case met the person again and reopened them (`reopened`) or the person "
            "became a case (`became_case`, `extra.case`). 409 `contact_status_transition` for a contact not "
            "released, `contact_no_standing_case` when only withdrawn cases link them; 400 "
            "`contact_release_undo_reason_required`. A repeat with the same Idempotency-Key reads the contact "
            "again."
        ),
        request=ContactReleaseUndoInput,
        parameters=[IDEMPOTENCY_HEADER],
        responses={200: ContactOutput, **ERRORS},
        tags=["cases"],
    )
    @idempotent(**read_again(_contact_again))
    def post(self, request, contact_id: int):
        contact = selectors.contact_get(viewer=request.user, contact_id=contact_id, ip=client_ip(request))
        data = self.ContactReleaseUndoInput(data=request.data)
        data.is_valid(raise_exception=True)
        contact = services.contact_release_undo(
            actor=request.user, contact=contact, reason=data.validated_data["reason"]
        )
        return Response(ContactOutput(contact).data)


class ContactDismissalKeepApi(APIView):
    permission_classes = [SeesPeople]

    class ContactDismissalKeepInput(StrictInput):
        reason = serializers.CharField(
            required=False,
            allow_blank=True,
            max_length=500,
            default="",
            help_text="Why they are still not a contact after the review (required): the dismissal's reason from now",
        )

    @extend_schema(
        operation_id="contacts_dismissal_keep",
        summary="Keep a dismissal after reviewing the evidence added since it, with the reason",
        description=(
            "For a dismissed contact with `new_evidence_since_dismissal`: it stays dismissed, `reason` becomes its "
            "`dismissed_reason` and `status_changed_at` is now, so the evidence reviewed is no longer new (evidence "
            "added later is). 400 `contact_dismissal_keep_reason_required`; 409 `contact_no_new_evidence` for a "
            "dismissed contact with none, `contact_status_transition` for a contact not dismissed; 404 outside your "
            "area. Audited as `cases.contact.dismissal_kept`. A repeat with the same Idempotency-Key reads the "
            "contact again."
        ),
        request=ContactDismissalKeepInput,
        parameters=[IDEMPOTENCY_HEADER],
        responses={200: ContactOutput, **ERRORS},
        tags=["cases"],
    )
    @idempotent(**read_again(_contact_again))
    def post(self, request, contact_id: int):
        contact = selectors.contact_get(viewer=request.user, contact_id=contact_id, ip=client_ip(request))
        data = self.ContactDismissalKeepInput(data=request.data)
        data.is_valid(raise_exception=True)
        contact = services.contact_dismissal_keep(
            actor=request.user, contact=contact, reason=data.validated_data["reason"]
        )
        return Response(ContactOutput(contact).data)


class ContactLinkBreachOutput(serializers.Serializer):
    link = serializers.IntegerField(help_text="The F2 link marked or unmarked")
    quarantine_breach = serializers.BooleanField(help_text="Met while the F1 broke quarantine, as recorded now")
    contact = ContactOutput(help_text="The F2's contact, as the change left it")


def _link_breach_answer(request, contact_id: int, link_id: int) -> dict:
    """The F2's contact (scoped, audited read) and its link's mark: the answer, and what a repeat with the same
    Idempotency-Key reads again."""
    contact = selectors.contact_get(viewer=request.user, contact_id=contact_id, ip=client_ip(request))
    breach = contact.links.filter(pk=link_id).values_list("quarantine_breach", flat=True).first()
    return ContactLinkBreachOutput({"link": link_id, "quarantine_breach": bool(breach), "contact": contact}).data


class ContactLinkBreachApi(APIView):
    permission_classes = [SeesPeople]

    class ContactLinkBreachInput(StrictInput):
        quarantine_breach = serializers.BooleanField(help_text="True to mark the meeting a breach, false to unmark")
        reason = serializers.CharField(
            required=False, allow_blank=True, max_length=500, default="", help_text="Why (required)"
        )

    @extend_schema(
        operation_id="contacts_link_breach",
        summary="Mark or unmark an F2 meeting as met while the F1 broke quarantine, with the reason",
        description=(
            "For an F2 link named in an F1's interview (`link_id`, a link of this contact): marking takes the rules "
            "of the tick at entry (400 `invalid_contact` with `extra.reason` `not_in_quarantine`, `breach_undated`, "
            "`breach_before` or `breach_after`), and a link the F1's quarantine start had put out of the chain "
            "stands again; unmarking judges it as an unticked meeting (after the F1's quarantine's first day it no "
            "longer stands, and the contact is settled on what stands). 400 `invalid_contact` for another kind of "
            "link (`not_interview_f2`), a link of an episode the contact has left (`earlier_episode`, with "
            "`extra.episode_start`: it no longer counts) or without a reason (`extra.field` `reason`); 404 for a "
            "link not of this contact, or one whose F1 the official may not see (the mark judges the F1's "
            "quarantine: left to the F1's area). The same value again changes nothing. A repeat with the same "
            "Idempotency-Key reads the contact again."
        ),
        request=ContactLinkBreachInput,
        parameters=[IDEMPOTENCY_HEADER],
        responses={200: ContactLinkBreachOutput, **ERRORS},
        tags=["cases"],
    )
    @idempotent(
        stored=lambda response: {"status": response.status_code},
        replayed=lambda view, request, marker, contact_id, link_id: Response(
            _link_breach_answer(request, contact_id, link_id), status=marker["status"]
        ),
    )
    def post(self, request, contact_id: int, link_id: int):
        contact = selectors.contact_get(viewer=request.user, contact_id=contact_id, ip=client_ip(request))
        data = self.ContactLinkBreachInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.contact_link_breach_set(
            actor=request.user,
            link_id=link_id,
            contact=contact,
            quarantine_breach=data.validated_data["quarantine_breach"],
            reason=data.validated_data["reason"],
        )
        return Response(_link_breach_answer(request, contact_id, link_id))


class ContactQuarantineStartApi(APIView):
    permission_classes = [SeesPeople]

    class ContactQuarantineStartInput(StrictInput):
        quarantine_start = serializers.DateField(help_text="The day the quarantine really began")
        reason = serializers.CharField(
            required=False, allow_blank=True, max_length=500, default="", help_text="Why it is corrected (required)"
        )

    @extend_schema(
        operation_id="contacts_quarantine_start",
        summary="Correct the start of a contact's quarantine, with the reason",
        description=(
            "For a contact in quarantine: the start is set to `quarantine_start`, checked as a quarantine from that "
            "day (400 `quarantine_date_invalid`, 409 `quarantine_period_over`, `quarantine_rule_missing`); the rule, "
            "days and end are those of the new start. 400 `quarantine_move_reason_required`; 409 "
            "`contact_status_transition` for a contact not in quarantine. The same start again changes nothing. "
            "The F2 named in the contact's interview for meetings after an earlier start no longer count (unless "
            "marked a breach of the quarantine), and count again when the start moves later: `named_f2` says how "
            "many; the check-in F2 follow by a re-trace queued."
        ),
        request=ContactQuarantineStartInput,
        responses={200: ContactMoveOutput, **ERRORS},
        tags=["cases"],
    )
    @idempotent(stored=_contact_move_marker, replayed=_contact_move_replayed)
    def post(self, request, contact_id: int):
        contact = selectors.contact_get(viewer=request.user, contact_id=contact_id, ip=client_ip(request))
        data = self.ContactQuarantineStartInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        contact = services.contact_quarantine_start_move(
            actor=request.user, contact=contact, quarantine_start=values["quarantine_start"], reason=values["reason"]
        )
        return Response(ContactMoveOutput(contact).data)


class ContactMovedOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()


class ContactSkippedOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    message_vi = serializers.CharField()
    message_en = serializers.CharField()


class ContactsStatusOutput(serializers.Serializer):
    changed = ContactMovedOutput(many=True)
    skipped = ContactSkippedOutput(many=True)
    named_f2 = NamedF2Output(
        help_text="What a dismissal, or its undoing, did to the F2 named in the interviews of the contacts moved"
    )


class ContactIdsField(serializers.ListField):
    """A move's contact ids: the schema keeps its 1-500 items, but none or too many are refused with the codes the
    pages give (services.contacts_selection_check), not `invalid_input`."""

    def to_internal_value(self, data):
        if isinstance(data, list):
            services.contacts_selection_check(len(data))
        return super().to_internal_value(data)


class ContactsStatusApi(APIView):
    permission_classes = [SeesPeople]

    class ContactsStatusInput(StrictInput):
        contacts = ContactIdsField(
            child=serializers.IntegerField(min_value=1),
            min_length=1,
            max_length=services.CONTACTS_STATUS_MAX,
            help_text=f"Contact ids, at most {services.CONTACTS_STATUS_MAX}",
        )
        status = serializers.ChoiceField(choices=list(services.CONTACT_MOVES))
        reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
        quarantine_start = serializers.DateField(required=False, allow_null=True, help_text="Default: today")

    @extend_schema(
        operation_id="contacts_status_many",
        summary="Move several contacts at once (confirm, quarantine, dismiss with a reason, release)",
        description=(
            "One transaction. A contact whose status does not allow the move (see `contacts_status`), or whose "
            "quarantine would start before its first exposure, is left as it was and listed in `skipped` with "
            "the reason (a release before a quarantine's last day without a `reason`: "
            "`contact_release_reason_required`); the others are moved and listed in `changed`. Refused whole: an id "
            "outside your area or "
            "unknown (404), no id or more than 500 (400 `contacts_none_selected`, `contacts_too_many`), "
            "`contact_dismiss_reason_required`, `quarantine_date_invalid` for a start in the future, "
            "`quarantine_rule_missing` (409) when no quarantine rule is in force on the start date."
        ),
        request=ContactsStatusInput,
        responses={200: ContactsStatusOutput, **ERRORS},
        tags=["cases"],
    )
    @idempotent  # ids, statuses and reasons: the answer names no one
    def post(self, request):
        data = self.ContactsStatusInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        contacts = selectors.contacts_get_many(viewer=request.user, contact_ids=values["contacts"])
        outcome = services.contacts_status_set(
            actor=request.user,
            contacts=contacts,
            status=values["status"],
            reason=values.get("reason", ""),
            quarantine_start=values.get("quarantine_start"),
        )
        skipped = [{"id": contact.pk, **exc.as_dict()} for contact, exc in outcome.skipped]
        return Response(
            ContactsStatusOutput({"changed": outcome.changed, "skipped": skipped, "named_f2": outcome.named_f2}).data
        )


class WorklistApi(APIView):
    permission_classes = [SeesPeople]

    class WorklistRowOutput(NewEvidenceFields, ContactOutput):
        cases = serializers.ListField(child=serializers.CharField(), source="case_numbers")
        schedule = QuarantineScheduleOutput(
            allow_null=True, help_text="The quarantine's tests and the self-monitoring after it; null without one"
        )

    @extend_schema(
        operation_id="contacts_worklist",
        summary="Contacts to call and quarantine in your area, by commune then name",
        description="Malformed filters are refused together: 400 `cases_invalid_filter`, `extra.fields` naming "
        "each. `status`: `tests_due` lists the contacts in quarantine whose test of the day (by the quarantine"
        " rule's test days) is due today or was missed; `monitoring` the released contacts still within the rule's"
        " self-monitoring after the quarantine; `dismissed_new_evidence` the dismissed contacts with evidence added"
        " since the dismissal (`new_evidence`). Each row carries its quarantine's `schedule`.",
        parameters=[
            *PAGE_PARAMETERS,
            OpenApiParameter("status", str, required=False, enum=list(selectors.WORKLIST_STATUS_FILTERS)),
            OpenApiParameter("level", int, required=False, description="1 = F1, up to TRACING_MAX_LEVEL (2)"),
            OpenApiParameter("area", int, required=False),
        ],
        responses={200: api_page("WorklistPage", WorklistRowOutput(many=True)), **ERRORS},
        tags=["cases"],
    )
    def get(self, request):
        params = request.query_params
        status, level, area = selectors.worklist_filters_checked(
            viewer=request.user, status=params.get("status"), level=params.get("level"), area_id=params.get("area")
        )
        contacts = selectors.contact_worklist(viewer=request.user, area=area, level=level, status=status)
        paginator = ApiPages()
        page = paginator.paginate_queryset(contacts, request, view=self)
        numbers = selectors.worklist_cases(page)
        schedules = selectors.quarantine_schedules(page)
        new_evidence = selectors.dismissed_new_evidence(viewer=request.user, contacts=page)
        for contact in page:
            contact.case_numbers = numbers.get(contact.pk, [])
            contact.schedule = schedules.get(contact.pk)
            contact.new_evidence = new_evidence.get(contact.pk, [])
        audit_record(
            actor=request.user,
            action="cases.contact.listed",
            extra={"via": "api", "area": area.path if area else "", "shown": len(page)},
        )
        return paginator.get_paginated_response(self.WorklistRowOutput(page, many=True).data)


class AreaCountsApi(APIView):
    permission_classes = [SeesPeople]

    class AreaCountOutput(serializers.Serializer):
        area_id = serializers.IntegerField(source="area.pk")
        area_code = serializers.CharField(source="area.code")
        area_name = serializers.CharField(source="area.name")
        area_path = serializers.CharField(source="area.path")
        f0 = serializers.IntegerField(help_text="Cases under treatment living there")
        f1 = serializers.IntegerField(help_text="F1 contacts to handle (candidate, confirmed, in quarantine)")
        f2 = serializers.IntegerField(help_text="F2 contacts to handle")
        f3 = serializers.IntegerField(
            help_text="Contacts of level 3 and further to handle (F3, F4 ...; 0 unless TRACING_MAX_LEVEL is 3 or more)"
        )

    @extend_schema(
        operation_id="cases_area_counts",
        summary="F0 and the contacts to handle (F1, F2, F3 and further) per commune of your area; counts only",
        parameters=[OpenApiParameter("area", int, required=False, description="Only this area's communes")],
        responses={200: AreaCountOutput(many=True), **ERRORS},
        tags=["cases"],
    )
    def get(self, request):
        area = selectors.filter_area(viewer=request.user, area_id=request.query_params.get("area"))
        rows = selectors.area_counts_by_commune(viewer=request.user, area=area)
        return Response(self.AreaCountOutput(rows, many=True).data)


# --- Clusters ------------------------------------------------------------------------------------------------


class ClusterOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    venue = serializers.IntegerField(source="venue_id", allow_null=True)
    area_path = serializers.CharField()
    created_at = serializers.DateTimeField()


class ClusterListCreateApi(APIView):
    permission_classes = [SeesPeople]

    class ClusterInput(StrictInput):
        name = serializers.CharField(max_length=200)
        venue = serializers.IntegerField(
            required=False,
            allow_null=True,
            min_value=1,
            help_text="A venue of your area, or one of the exposure notices of `case`",
        )
        case = serializers.IntegerField(
            required=False, allow_null=True, min_value=1, help_text="A case of your area the cluster holds"
        )
        cluster_move_from = serializers.IntegerField(
            required=False,
            allow_null=True,
            min_value=1,
            help_text="The id of the cluster `case` is in: confirms moving it (case_in_other_cluster)",
        )

    @extend_schema(
        operation_id="clusters_list",
        summary="Clusters of your area or holding a case of it, newest first",
        parameters=PAGE_PARAMETERS,
        responses={200: api_page("ClusterPage", ClusterOutput(many=True)), **ERRORS},
        tags=["cases"],
    )
    def get(self, request):
        paginator = ApiPages()
        page = paginator.paginate_queryset(selectors.cluster_list(viewer=request.user), request, view=self)
        return paginator.get_paginated_response(ClusterOutput(page, many=True).data)

    @extend_schema(
        operation_id="clusters_create",
        summary="Create a cluster, optionally at a venue of your area",
        request=ClusterInput,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: ClusterOutput, **ERRORS},
        tags=["cases"],
    )
    @idempotent
    def post(self, request):
        data = self.ClusterInput(data=request.data)
        data.is_valid(raise_exception=True)
        case = None
        if data.validated_data.get("case"):
            case = selectors.case_get(viewer=request.user, case_id=data.validated_data["case"], ip=client_ip(request))
        venue = None
        if data.validated_data.get("venue"):
            from phongdich.venues.selectors import venue_get

            try:
                venue = venue_get(viewer=request.user, venue_id=data.validated_data["venue"])
            except ApplicationError:
                # A venue of the case's exposure notices, as the page offers (views._cluster_venues).
                notice = None
                if case is not None:
                    notice = (
                        selectors.case_exposure_notices(case=case).filter(venue_id=data.validated_data["venue"]).first()
                    )
                if notice is None:
                    raise ApplicationError(errors.INVALID_CLUSTER, extra={"field": "venue"}) from None
                venue = notice.venue
        official = getattr(request.user, "official", None)
        area = getattr(official, "area", None)
        cluster = services.cluster_create(
            actor=request.user,
            name=data.validated_data["name"],
            venue=venue,
            area_path=area.path if area is not None else "",
            case=case,
            case_move_from=data.validated_data.get("cluster_move_from"),
        )
        return Response(ClusterOutput(cluster).data, status=status.HTTP_201_CREATED)


class GraphLevelOutput(serializers.Serializer):
    level = serializers.IntegerField(help_text="1 = F1, 2 = F2...")
    count = serializers.IntegerField(help_text="Persons of this level")
    grouped = serializers.BooleanField(help_text="True: drawn as one summary node per case, not one node a person")


class ClusterGraphApi(APIView):
    permission_classes = [SeesPeople]

    class GraphOutput(serializers.Serializer):
        nodes = serializers.ListField(child=serializers.DictField(), help_text="Cytoscape.js nodes ({data: {...}})")
        edges = serializers.ListField(child=serializers.DictField(), help_text="Cytoscape.js edges")
        contacts = serializers.IntegerField(
            help_text="Persons who are contacts of its cases (nodes of kind `summary` count per case)"
        )
        cases = serializers.IntegerField(
            help_text="The cluster's cases drawn (withdrawn ones aside), wherever they are, as the cluster list counts"
        )
        outside = serializers.IntegerField(
            help_text="Cases outside the cluster drawn because they infected, or were infected by, one of its cases"
        )
        links = serializers.IntegerField(help_text="Edges drawn: infections, contact links and summaries")
        levels = GraphLevelOutput(
            many=True,
            help_text="Per contact level, the persons drawn one by one (`grouped` false) or counted in summary nodes",
        )
        caption = serializers.CharField(help_text="All these figures in words, in the request's language")

    @extend_schema(
        operation_id="clusters_graph",
        summary="The transmission graph of a cluster (Cytoscape.js elements), scoped to your area",
        responses={200: GraphOutput, **ERRORS},
        tags=["cases"],
    )
    def get(self, request, cluster_id: int):
        cluster: Cluster = selectors.cluster_get(viewer=request.user, cluster_id=cluster_id)
        return Response(selectors.cluster_graph(viewer=request.user, cluster=cluster))


# --- Tracing runs ---------------------------------------------------------------------------------------------


class TracingRunApi(APIView):
    permission_classes = [SeesPeople]

    class TracingRunOutput(serializers.Serializer):
        id = serializers.IntegerField()
        status = serializers.CharField()
        total = serializers.IntegerField()
        done = serializers.IntegerField()
        contacts_found = serializers.IntegerField(
            help_text="Contacts found from check-ins, added up case by case: a person found for two cases counts twice"
        )
        links_added = serializers.IntegerField(help_text="New pieces of evidence (an earlier trace's are not new)")
        error = serializers.CharField()
        created_at = serializers.DateTimeField()
        started_at = serializers.DateTimeField(allow_null=True)
        finished_at = serializers.DateTimeField(allow_null=True)

    @extend_schema(
        operation_id="tracing_runs_retrieve",
        summary="Progress of a background tracing run you started",
        responses={200: TracingRunOutput, **ERRORS},
        tags=["cases"],
    )
    def get(self, request, run_id: int):
        run = selectors.tracing_run_get(viewer=request.user, run_id=run_id)
        return Response(self.TracingRunOutput(run).data)


# --- Public: exposure notices ---------------------------------------------------------------------------------


class ExposureNoticeListApi(APIView):
    """Published exposure notices for the map and the public: no person, no case number."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "public"

    class ExposureNoticeOutput(serializers.Serializer):
        venue_name = serializers.CharField(source="venue.name")
        venue_address = serializers.CharField(source="venue.street_address")
        area_code = serializers.CharField(source="venue.area.code")
        area_name = serializers.CharField(source="venue.area.name")
        area_path = serializers.CharField()
        latitude = serializers.DecimalField(source="venue.latitude", max_digits=9, decimal_places=6, allow_null=True)
        longitude = serializers.DecimalField(source="venue.longitude", max_digits=9, decimal_places=6, allow_null=True)
        start = serializers.DateTimeField()
        end = serializers.DateTimeField()
        end_assumed = serializers.BooleanField(help_text="No check-out: the end is the venue type's buffer")

    class Pages(ApiPages):
        default_limit = 100

    @extend_schema(
        operation_id="exposures_list",
        summary="Places and times where a case was (published notices of the last days), newest first",
        parameters=[
            OpenApiParameter("area", str, required=False, description="An area path, e.g. 38/391/"),
            OpenApiParameter("q", str, required=False, description="Words of the place's name (diacritics optional)"),
            OpenApiParameter("limit", int, required=False, description="Default 100, at most 1000"),
            OpenApiParameter("offset", int, required=False),
        ],
        responses={
            200: api_page("ExposureNoticePage", ExposureNoticeOutput(many=True)),
            429: ERROR_RESPONSE,
        },
        tags=["cases"],
    )
    def get(self, request):
        area_path = (request.query_params.get("area") or "")[:255]
        name = (request.query_params.get("q") or "")[:100]
        notices = selectors.exposure_notices_public(area_path=area_path, name=name)
        paginator = self.Pages()
        page = paginator.paginate_queryset(notices, request, view=self)
        return paginator.get_paginated_response(self.ExposureNoticeOutput(page, many=True).data)

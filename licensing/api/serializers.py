"""Shapes of the applications API. Input serializers validate requests; output is built by
`application_payload` so the web pages and the API show the same facts."""

from __future__ import annotations

from rest_framework import serializers

from django.urls import reverse

from licensing import correction, workflow
from licensing.constants import SYSTEM_ACTOR, CaseVerb, NoticeKind, Stage, State
from licensing.models import Application
from licensing.permissions import material_visible, sees_internal_record, visible_track_codes

# Extra fields for the application detail (the certificates app adds `certificate`).
detail_extensions: list = []


class CreateInput(serializers.Serializer):
    service = serializers.SlugField()
    data = serializers.DictField(required=False, default=dict)
    original_licence_number = serializers.CharField(required=False, allow_blank=True, max_length=40)


class UpdateInput(serializers.Serializer):
    data = serializers.DictField(required=False)
    original_licence_number = serializers.CharField(required=False, allow_blank=True, max_length=40)


class MaterialInput(serializers.Serializer):
    material = serializers.SlugField()
    file = serializers.FileField(allow_empty_file=True)
    document_date = serializers.DateField(required=False, allow_null=True)


class CommitmentInput(serializers.Serializer):
    material = serializers.SlugField()


class CorrectionItem(serializers.Serializer):
    """A material code, or "data" for the form: the whole form, or one of its fields with `field`.
    The workflow checks the codes, the field and that each item has a reason (`items.<i>.<key>`)."""

    material = serializers.CharField(max_length=60)
    field = serializers.CharField(required=False, max_length=60)
    reason = serializers.CharField(max_length=500, allow_blank=True)


class ErrorOutput(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    state = serializers.CharField(required=False)


class DeadlinesOutput(serializers.Serializer):
    acceptance_due = serializers.DateField(allow_null=True)
    committed_due = serializers.DateField(allow_null=True)
    statutory_due = serializers.DateField(allow_null=True)
    issuance_due = serializers.DateField(allow_null=True)


class ApplicationSummaryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    case_number = serializers.CharField()
    service = serializers.CharField()
    state = serializers.ChoiceField(choices=State.choices)
    stage = serializers.ChoiceField(choices=Stage.choices, allow_null=True,
                                    help_text="whose turn inside in_review: handling (承办) or decision (批准)")
    status_code = serializers.IntegerField(allow_null=True)
    deadlines = DeadlinesOutput()
    remaining_working_days = serializers.IntegerField(allow_null=True)
    warning = serializers.ChoiceField(choices=["green", "yellow", "red"])


class ApplicationOutput(ApplicationSummaryOutput):
    received_at = serializers.DateTimeField(allow_null=True)
    accepted_at = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    paused = serializers.BooleanField()
    provisional = serializers.BooleanField()
    data = serializers.DictField()
    materials = serializers.ListField(child=serializers.DictField())
    tracks = serializers.ListField(child=serializers.DictField())
    log = serializers.ListField(child=serializers.DictField())


class StatusOutput(serializers.Serializer):
    case_number = serializers.CharField()
    service = serializers.CharField()
    state = serializers.ChoiceField(choices=State.choices)
    status_code = serializers.IntegerField(allow_null=True)
    received_on = serializers.DateField(allow_null=True)
    accepted_on = serializers.DateField(allow_null=True)
    decided_on = serializers.DateField(allow_null=True)
    issued_on = serializers.DateField(allow_null=True)
    deadlines = DeadlinesOutput()
    provisional = serializers.BooleanField()
    tracks = serializers.ListField(child=serializers.DictField())


def _deadlines(application: Application) -> dict:
    return {
        "acceptance_due": application.acceptance_due,
        "committed_due": application.committed_due,
        "statutory_due": application.statutory_due,
        "issuance_due": application.issuance_due,
    }


def summary_payload(application: Application, *, on=None, user=None) -> dict:
    """The list and queue row; with `user`, who holds the case is shown only to whom it is internal."""
    claimed = application.claimed_by_id and (user is None or sees_internal_record(user, application))
    return {
        "id": application.pk,
        "case_number": application.case_number,
        "service": application.service_type.code,
        "service_name": application.service_type.name_zh,
        "service_name_en": application.service_type.name_en,
        "applicant": application.applicant.name,
        "state": application.state,
        "state_label": str(State(application.state).label),
        "status_code": application.status_code,
        "category": application.category,
        "deadlines": _deadlines(application),
        "current_due": application.current_due,
        "remaining_working_days": workflow.remaining_working_days(application, on=on),
        "warning": workflow.warning(application, on=on),
        "provisional": application.provisional,
        "stage": application.stage or None if application.state == State.IN_REVIEW else None,
        "claimed_by": application.claimed_by.username if claimed else None,
        "issue_error": application.issue_error or None,
        "issue_error_permanent": application.issue_error_permanent,
        "submitted_at": application.submitted_at,
        "parent": application.parent.case_number if application.parent_id else None,
    }


def _materials(application: Application, request) -> list[dict]:
    filing = application.filing
    submissions = {s.material_id: s for s in filing.submissions.all() if not s.superseded}
    rows = []
    for material in filing.service_type.materials.all():
        if application.parent_id and material.tracks and application.service_type.code not in material.tracks:
            continue
        if not material_visible(request.user, filing, material):  # the other agency's track
            continue
        submission = submissions.get(material.pk)
        row = {
            "code": material.code,
            "name": material.name_zh,
            "name_en": material.name_en,
            "mode": material.mode,
            "required": material.required,
            "shared": material.shared,
            "max_age_days": material.max_age_days,
            "submitted": None,
        }
        if submission is not None:
            row["submitted"] = {
                "kind": submission.kind,
                "file_name": submission.original_name or None,
                "content_type": submission.content_type or None,
                "size": submission.size or None,
                "sha256": submission.sha256 or None,
                "document_date": submission.document_date,
                "commitment_version": submission.commitment_text.version if submission.commitment_text_id else None,
                "at": submission.submitted_at,
                "url": (request.build_absolute_uri(reverse("material-file", args=[filing.pk, submission.pk]))
                        if submission.file else None),
            }
        rows.append(row)
    return rows


def _open_correction(application: Application) -> dict | None:
    """The open notice with what is still outstanding (unchanged since the notice)."""
    notice = correction.open_notice(application)
    if notice is None:
        return None
    return {"items": notice.items, "issued_at": notice.issued_at,
            "outstanding": correction.notice_outstanding(notice, filing=application.filing)}


# What the applicant reads of the case log: every act and its date; who acted as a role (the applicant,
# the authority, the system), never an officer's name; the reason only where the law notifies it to the
# applicant (Arts. 32, 38, 45 and the extension), and a decision's reasons once its notice is out (the
# grant's opinion; the refusal's reasons, which are those of the last proposal). The handling opinion,
# the legal reviewer's opinions and a proposed refusal before the decision stay internal.
NOTIFIED_REASONS = frozenset({
    CaseVerb.SUBMIT, CaseVerb.CORRECT_DATA, CaseVerb.CORRECT_MATERIAL, CaseVerb.REQUEST_CORRECTION,
    CaseVerb.RESUBMIT, CaseVerb.REFUSE_ACCEPTANCE, CaseVerb.DEEM_ACCEPTED, CaseVerb.PAUSE, CaseVerb.RESUME,
    CaseVerb.EXTEND, CaseVerb.WITHDRAW, CaseVerb.DEEM_RENEWED,
})
DECISION_NOTICES = {CaseVerb.APPROVE: NoticeKind.GRANT, CaseVerb.PROPOSE_REFUSAL: NoticeKind.REFUSAL}
PUBLIC_DATA = NOTIFIED_REASONS | {CaseVerb.TRACKS, CaseVerb.ISSUE}
APPLICANT_ACTOR, AUTHORITY_ACTOR = "applicant", "authority"


def log_rows(application: Application, user) -> list[dict]:
    """The case log as `user` may read it (the internal record for officers and superusers, the
    applicant's view otherwise); the API and the applicant's page both show these rows."""
    entries = list(application.log.all())
    if sees_internal_record(user, application):
        return [{"seq": e.seq, "at": e.at, "actor_label": e.actor_label, "verb": e.verb,
                 "from_state": e.from_state, "to_state": e.to_state, "reason": e.reason, "data": e.data,
                 "hash": e.hash} for e in entries]
    notified = {n.kind for n in application.notices.all()}
    last_proposal = max((e.seq for e in entries if e.verb == CaseVerb.PROPOSE_REFUSAL), default=None)
    rows = []
    for e in entries:
        reason_shown = e.verb in NOTIFIED_REASONS or (
            DECISION_NOTICES.get(e.verb) in notified
            and (e.verb != CaseVerb.PROPOSE_REFUSAL or e.seq == last_proposal))
        if e.actor_id is None:
            actor = SYSTEM_ACTOR
        elif e.actor_id == application.applicant.user_id:
            actor = APPLICANT_ACTOR
        else:
            actor = AUTHORITY_ACTOR
        rows.append({"seq": e.seq, "at": e.at, "actor_label": actor, "verb": e.verb, "from_state": e.from_state,
                     "to_state": e.to_state, "reason": e.reason if reason_shown else "",
                     "data": e.data if e.verb in PUBLIC_DATA else {}, "hash": e.hash})
    return rows


def _log(application: Application, user) -> list[dict]:
    return [
        {"seq": e["seq"], "at": e["at"], "actor": e["actor_label"], "verb": e["verb"], "from": e["from_state"],
         "to": e["to_state"], "reason": e["reason"], "data": e["data"], "hash": e["hash"]}
        for e in log_rows(application, user)
    ]


def _visible_data(application: Application, user) -> tuple[dict, bool]:
    """The form data a viewer may read (a joint filing's officers: the fields of their track and those
    common to both, per the form schema's `x-tracks`), and whether anything was held back."""
    codes = visible_track_codes(user, application.filing)
    if codes is None:
        return application.data, False
    from services.catalog.forms import FORMS, form_schema

    code = application.filing.service_type.code
    properties = form_schema(code)["properties"] if code in FORMS else {}
    kept = {key: value for key, value in application.data.items()
            if not properties.get(key, {}).get("x-tracks") or set(properties[key]["x-tracks"]) & codes}
    return kept, len(kept) != len(application.data)


def application_payload(application: Application, *, request, on=None) -> dict:
    payload = summary_payload(application, on=on, user=request.user)
    internal = sees_internal_record(request.user, application)
    data, held_back = _visible_data(application, request.user)
    payload.update({
        "received_at": application.submitted_at,
        "received_on": application.received_on,
        "accepted_at": application.accepted_at,
        "accepted_on": application.accepted_on,
        "deemed_accepted": application.deemed_accepted,
        "decided_at": application.decided_at,
        "issued_at": application.issued_at,
        "paused": application.state == State.PAUSED,
        "extension_days": application.extension_days,
        "correction_rounds": application.correction_rounds,
        "handling_opinion": ({"opinion": application.handling_opinion,
                              "by": application.recommended_by.get_full_name() or application.recommended_by.username,
                              "at": application.recommended_at}
                             if application.recommended_by_id and internal else None),
        "authority": application.authority.code,
        "points": (application.points or None) if not held_back else None,  # scored from the held-back fields
        "data": data,
        "original_licence_number": application.original_licence_number or None,
        "materials": _materials(application, request),
        "pauses": [{"kind": p.kind, "started_on": p.started_on, "ended_on": p.ended_on,
                    "expected_days": p.expected_days, "reason": p.reason, "result": p.result}
                   for p in application.pauses.all()],
        "open_correction": _open_correction(application),
        "tracks": [summary_payload(track, on=on, user=request.user) | {"authority": track.authority.code}
                   for track in application.tracks.all()],
        "notices": [{"id": n.pk, "kind": n.kind, "number": n.number, "issued_at": n.issued_at,
                     "title": n.content.get("title_zh"),
                     "url": request.build_absolute_uri(reverse("api-notice", args=[n.pk])),
                     "pdf_url": request.build_absolute_uri(reverse("api-notice-pdf", args=[n.pk])),
                     "page_url": request.build_absolute_uri(reverse("notice-document", args=[n.pk]))}
                    for n in application.notices.all()],
        "log": _log(application, request.user),
    })
    if not internal:  # why issuing failed is the authority's business
        payload["issue_error"] = None
    for extend in detail_extensions:
        payload.update(extend(application, request))
    return payload


def status_payload(application: Application) -> dict:
    """The public status query: dates and state, no personal data."""
    return {
        "case_number": application.case_number,
        "service": application.service_type.code,
        "service_name": application.service_type.name_zh,
        "state": application.state,
        "state_label": str(State(application.state).label),
        "status_code": application.status_code,
        "received_on": application.received_on,
        "accepted_on": application.accepted_on,
        "decided_on": application.decided_on,
        "issued_on": application.issued_on,
        "deadlines": _deadlines(application),
        "provisional": application.provisional,
        "tracks": [{"service": t.service_type.code, "state": t.state, "status_code": t.status_code,
                    "accepted_on": t.accepted_on, "decided_on": t.decided_on} for t in application.tracks.all()],
    }


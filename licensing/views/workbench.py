"""The officer's pages: the queue, the case page with its action forms, and the supervisor's
电子监察 board."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from services.catalog.forms import form_schema
from services.selectors import published_service_types

from .. import correction, hooks, queues, selectors, workflow
from ..api.serializers import application_payload, summary_payload
from ..constants import CaseVerb, State
from ..forms import (
    CorrectionForm,
    QueueFilterForm,
    data_rows,
    field_title,
    is_en,
    verb_form_class,
)
from ..models import Application
from ..permissions import can_view, officer_of, officer_roles, waiting_on
from ..verbs import Verb, registry
from .common import (
    PAGE_SIZE,
    POINT_LABELS,
    _detail_or_404,
    _open_correction,
    _render,
    _today,
)

# --- officer workbench ---------------------------------------------------------------------------

def _officer(request: HttpRequest):
    officer = officer_of(request.user)
    if officer is None:
        raise PermissionDenied
    return officer


@login_required
def workbench(request: HttpRequest) -> HttpResponse:
    """The officer's queue: the actionable cases of the authority, overdue first."""
    officer = _officer(request)
    on = _today()
    services = list(published_service_types())
    form = QueueFilterForm(request.GET or None, services=services)
    params = {"stage": "", "service": "", "warning": "", "mine": False}
    if form.is_bound:
        form.is_valid()
        params.update({k: v for k, v in form.cleaned_data.items() if v})
    queue = selectors.queue_for_officer(user=request.user, on=on, **params)
    query = request.GET.get("q", "").strip()
    if query:
        queue = queue.filter(Q(case_number__icontains=query) | Q(applicant__name__icontains=query))
    cursor = request.GET.get("cursor", "")
    try:
        page = queues.queue_page(queue, cursor=cursor, size=PAGE_SIZE)
    except ValueError:  # a damaged link: start again from the first page
        cursor, page = "", queues.queue_page(queue, size=PAGE_SIZE)
    count = None
    if not cursor:
        at_least, exact = queues.queue_count_capped(queue)
        count = {"n": at_least, "exact": exact}
    keep = request.GET.copy()
    keep.pop("page", None)
    keep.pop("cursor", None)
    rows = queues.queue_rows(page.rows, on=on)
    return _render(request, "licensing/workbench.html", {
        "officer": officer, "form": form, "page": page, "rows": rows,
        "has_categories": any(row.get("category") for row in rows),
        "query": query, "count": count, "querystring": keep.urlencode(), "roles": officer_roles(request.user),
        "duties": hooks.officer_duties(user=request.user, on=on),
    })


def _officer_case(request: HttpRequest, pk: int) -> Application:
    if officer_of(request.user) is None:
        raise Http404
    application = _detail_or_404(pk)
    if not can_view(request.user, application):
        raise Http404
    return application


def allowed_actions(application: Application, user) -> list[str]:
    """The verbs this officer may use on the case now (state, role, authority, stage, duties)."""
    return [verb.slug for verb in registry.actions_for(application, user)[0]]


def _correction_choices(application: Application) -> list[tuple[str, str]]:
    """What a correction notice may flag: the whole form, each of its fields, and each material the
    applicant hands in (for a track: its own and the shared ones)."""
    filing = application.filing
    english = is_en()
    properties = form_schema(filing.service_type.code)["properties"]
    choices = [(correction.DATA, str(_("整张申请表")))]
    choices += [(f"{correction.DATA}.{name}", field_title(prop)) for name, prop in properties.items()]
    for material in filing.service_type.materials.all():
        if not material.accepts_upload:
            continue
        if application.parent_id and material.tracks and application.service_type.code not in material.tracks:
            continue
        choices.append((material.code, material.name_en if english else material.name_zh))
    return choices


def _action_form(verb: Verb, application: Application, data=None):
    if any(spec.kind == "correction_items" for spec in verb.inputs):
        return CorrectionForm(data, choices=_correction_choices(application), prefix=verb.slug)
    return verb_form_class(verb, application)(data, prefix=verb.slug)


def _form_input(verb: Verb, form) -> dict:
    """The service's keyword arguments from a valid action form."""
    if isinstance(form, CorrectionForm):
        return {"items": form.items()}
    return {spec.name: form.cleaned_data[spec.name] for spec in verb.inputs}


def _render_workbench_case(request: HttpRequest, application: Application, *, failed: tuple | None = None,
                           status: int = 200) -> HttpResponse:
    on = _today()
    facts = application_payload(application, request=request, on=on)
    filing = application.filing
    signers = {s.material.code: s for s in filing.submissions.filter(superseded=False)
               .select_related("material", "submitted_by", "commitment_text")}
    materials = [row | {"submission": signers.get(row["code"])} for row in facts["materials"]]
    available, blocked = registry.actions_for(application, request.user)
    actions = []
    for verb in available:
        form = failed[1] if failed and failed[0] == verb.slug else _action_form(verb, application)
        actions.append({"verb": verb.slug, "label": verb.label, "help": verb.help_text(application), "css": verb.css,
                        "form": form, "open": bool(failed and failed[0] == verb.slug),
                        "url": reverse("workbench-action", args=[application.pk, verb.slug])})
    unavailable = [{"verb": verb.slug, "label": verb.label, "reason": reason} for verb, reason in blocked]
    errors = []
    if failed:
        form = failed[1]
        errors = [{"anchor": f"action-{failed[0]}", "message": m} for m in form.non_field_errors()] + [
            {"anchor": f"id_{form[name].html_name}", "label": form.fields[name].label, "message": m}
            for name in form.fields for m in form[name].errors]
    siblings = []
    if application.parent_id:
        siblings = [summary_payload(t, on=on) | {"authority_name": t.authority.name_en if is_en() else
                                                 t.authority.name_zh}
                    for t in application.parent.tracks.select_related("service_type", "authority", "applicant",
                                                                      "claimed_by", "parent")
                    .exclude(pk=application.pk)]
    return _render(request, "licensing/workbench_case.html", {
        "application": application, "facts": facts, "data_rows": data_rows(application.service_type.code,
                                                                           facts["data"]),
        "materials": materials, "actions": actions, "unavailable": unavailable, "errors": errors,
        "stages": _stage_rows(application), "log": list(application.log.all()),
        "siblings": siblings, "pauses": list(application.pauses.all()),
        "paused_days": _paused_days(application), "correction": _open_correction(application),
        "points_rows": [{"label": POINT_LABELS.get(k, k), "points": v} for k, v in (facts["points"] or {}).items()
                        if k != "total"],
        "panels": hooks.case_panels(application=application, user=request.user, audience="officer"),
        "waiting_on": waiting_on(application),
    }, status=status)


def _paused_days(application: Application) -> int:
    from services.calendar import get_calendar

    calendar = get_calendar()
    return sum(calendar.working_days(p.started_on, p.ended_on) for p in application.pauses.all() if p.ended_on)


@login_required
def workbench_case(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_workbench_case(request, _officer_case(request, pk))


@require_POST
@login_required
def workbench_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    """One lifecycle verb from the case page's forms. A verb that is no longer allowed (someone else
    acted first) is reported with the case's current state; nothing is lost."""
    definition = registry.get(verb)
    if definition is None or definition.applicant_act:
        raise Http404
    application = _officer_case(request, pk)
    form = _action_form(definition, application, request.POST)
    if not form.is_valid():
        return _render_workbench_case(request, application, failed=(verb, form), status=400)
    try:
        definition.service(application=application, actor=request.user, **_form_input(definition, form))
    except workflow.Invalid as exc:
        for field, field_messages in exc.errors.items():
            for message in field_messages if isinstance(field_messages, list) else [field_messages]:
                form.add_error(field if field in form.fields else None, str(message))
        if not exc.errors:
            form.add_error(None, exc.message)
        return _render_workbench_case(request, _detail_or_404(pk), failed=(verb, form), status=400)
    except workflow.WorkflowError as exc:
        current = Application.objects.filter(pk=pk).values_list("state", flat=True).first()
        messages.error(request, _("操作未执行：%(message)s 办件当前状态：%(state)s。") % {
            "message": exc.message, "state": State(current).label if current else "—"})
        return redirect("workbench-case", pk=pk)
    messages.success(request, definition.done)
    return redirect("workbench-case", pk=pk)


def _stage_rows(application: Application) -> list[dict]:
    """Each stage's opinion, who gave it and when (承办 → 批准, and the legal review), from the log."""
    shown = {CaseVerb.RECOMMEND, CaseVerb.SEND_BACK, CaseVerb.APPROVE, CaseVerb.PROPOSE_REFUSAL,
             CaseVerb.CONFIRM_REFUSAL, CaseVerb.RETURN}
    return [{"verb": e.verb, "label": CaseVerb(e.verb).label, "actor": e.actor_label, "at": e.at, "opinion": e.reason}
            for e in application.log.all() if e.verb in shown]


@login_required
def board(request: HttpRequest) -> HttpResponse:
    """电子监察: the authority's yellow and red cases, counted per colour and per service."""
    officer = _officer(request)
    if "supervisor" not in officer_roles(request.user):
        raise PermissionDenied
    on = _today()
    cases = list(selectors.supervision_board(authority_id=officer.authority_id, on=on))
    rows = [summary_payload(a, on=on) for a in cases]
    counts = {"yellow": 0, "red": 0}
    per_service: dict[str, dict] = {}
    for row in rows:
        counts[row["warning"]] = counts.get(row["warning"], 0) + 1
        entry = per_service.setdefault(row["service"], {"name": row["service_name"], "name_en": row["service_name_en"],
                                                         "yellow": 0, "red": 0})
        entry[row["warning"]] = entry.get(row["warning"], 0) + 1
    colour = request.GET.get("warning", "")
    if colour in ("yellow", "red"):
        rows = [r for r in rows if r["warning"] == colour]
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    watched = hooks.watched_deadlines(authority_id=officer.authority_id, on=on)
    return _render(request, "licensing/board.html", {
        "officer": officer, "page": page, "rows": list(page), "counts": counts,
        "per_service": sorted(per_service.values(), key=lambda e: (-e["red"], -e["yellow"])), "colour": colour,
        "today": on, "watched": [d for d in watched if d.warning in ("yellow", "red")],
        "watched_counts": hooks.deadline_counts(watched),
    })

"""案卷评查: the sample of decided cases (tongban-draw-v1 ranking, kind "case"), the law's checks
filled from the case log and the clock with their evidence, the manual items and the grade."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from licensing import clock
from licensing.caselog import verify_chain
from licensing.constants import NoticeKind, State
from licensing.models import Application
from licensing.permissions import officer_of
from licensing.workflow import Invalid, NotAllowed
from services.calendar import get_calendar
from services.models import Officer

from . import draw as algorithm
from . import sealing
from .constants import CHECK_POINTS, CHECKS, MANUAL_ITEMS, LogVerb, grade_for
from .log import log_append, review_subject
from .models import CaseReview, ReviewedFile
from .services import _require_supervisor

DECIDED = [State.APPROVED, State.ISSUED, State.REFUSED]


def decided_cases(*, authority_id: int, start: dt.date, end: dt.date):
    """Cases of the authority decided in [start, end]: granted or refused by the decision date, not
    accepted by the date of that decision; withdrawn cases are not decisions."""
    return (Application.objects.cases().filter(authority_id=authority_id)
            .filter(Q(state__in=DECIDED, decided_on__range=(start, end))
                    | Q(state=State.NOT_ACCEPTED, closed_at__date__range=(start, end)))
            .order_by("case_number"))


def review_create(*, actor, start: dt.date, end: dt.date, sample_size: int) -> CaseReview:
    _require_supervisor(actor)
    errors = {}
    if end < start:
        errors["end"] = [_("结束日期不能早于开始日期。")]
    if sample_size < 1:
        errors["sample_size"] = [_("至少抽取一件。")]
    if errors:
        raise Invalid(_("评查信息有误。"), errors=errors)
    seed = algorithm.new_seed()
    with transaction.atomic():
        review = CaseReview.objects.create(authority_id=officer_of(actor).authority_id, start=start, end=end,
                                           sample_size=sample_size, sealed_seed=sealing.seal(seed),
                                           seed_commitment=algorithm.commitment(seed), created_by=actor)
        log_append(subject=review_subject(review.pk), actor=actor, verb=LogVerb.REVIEW_CREATE,
                   data={"seed_commitment": review.seed_commitment, "start": start, "end": end,
                         "sample_size": sample_size})
    return review


@transaction.atomic
def review_draw(*, review: CaseReview, actor) -> CaseReview:
    _require_supervisor(actor)
    review = CaseReview.objects.select_for_update().get(pk=review.pk)
    if review.drawn_at is not None:
        raise NotAllowed(_("该评查已经抽取，不能重新抽取。"), code="already_drawn")
    cases = dict(decided_cases(authority_id=review.authority_id, start=review.start, end=review.end)
                 .values_list("case_number", "pk"))
    numbers = sorted(cases)
    seed_hex = sealing.secret_seed(review)
    sample = algorithm.sample(seed_hex=seed_hex, kind="case", idents=numbers, size=review.sample_size)
    review.cases_input, review.sample, review.drawn_at = numbers, sample, timezone.now()
    review.seed, review.sealed_seed = seed_hex, ""  # revealed with the sample
    review.save(update_fields=["cases_input", "sample", "drawn_at", "seed", "sealed_seed"])
    ReviewedFile.objects.bulk_create(ReviewedFile(review=review, application_id=cases[number], position=i)
                                     for i, number in enumerate(sample))
    log_append(subject=review_subject(review.pk), actor=actor, verb=LogVerb.REVIEW_DRAW,
               data={"seed": review.seed, "cases_input": numbers, "sample": sample})
    return review


def public_review(review: CaseReview) -> dict:
    """No personal data: the case numbers only."""
    drawn = review.drawn_at is not None
    return {"id": review.pk, "algorithm": algorithm.ALGORITHM, "start": review.start.isoformat(),
            "end": review.end.isoformat(), "sample_size": review.sample_size,
            "seed_commitment": review.seed_commitment, "seed": review.seed if drawn else None,
            "drawn_at": review.drawn_at.isoformat() if drawn else None,
            "cases_input": review.cases_input, "sample": review.sample}


# --- the automatic checks ---------------------------------------------------------------------------

def _result(passed: bool | None, **evidence) -> dict:
    return {"passed": passed, "evidence": evidence}


def _row(entry) -> dict:
    return {"seq": entry.seq, "verb": entry.verb, "on": timezone.localdate(entry.at).isoformat(),
            "actor": entry.actor_label}


def _roles(user_ids) -> dict[int, set[str]]:
    officers = Officer.objects.filter(user_id__in=[u for u in user_ids if u]).prefetch_related("roles")
    return {o.user_id: {r.code for r in o.roles.all()} for o in officers}


def case_checks(application: Application) -> dict[str, dict]:
    calendar = get_calendar()
    service = application.service_type
    log = list(application.log.order_by("seq"))
    notices = list(application.notices.all())
    kinds = [n.kind for n in notices]
    rows = {verb: [e for e in log if e.verb == verb] for verb in {e.verb for e in log}}
    checks: dict[str, dict] = {}

    # acceptance_in_time: each intake answer within the acceptance limit of its clock's start
    # (the receipt, or a resubmission after correction); a deemed acceptance fails.
    starts = [e for e in log if e.verb in ("submit", "resubmit")]
    answers = [e for e in log if e.verb in ("accept", "request_correction", "refuse_acceptance", "deem_accepted")]
    steps, passed = [], True
    for answer in answers:
        start = max((s for s in starts if s.seq < answer.seq), key=lambda s: s.seq, default=None)
        if start is None:
            continue
        start_day, answer_day = timezone.localdate(start.at), timezone.localdate(answer.at)
        days = calendar.working_days(start_day, answer_day)
        ok = answer.verb != "deem_accepted" and days <= service.acceptance_limit
        passed = passed and ok
        steps.append({"from": _row(start), "answer": _row(answer), "working_days": days,
                      "limit": service.acceptance_limit, "ok": ok})
    checks["acceptance_in_time"] = _result(passed if steps else None, steps=steps,
                                           deemed=application.deemed_accepted)

    # decision_in_time: acceptance → decision, pauses left out, within the statutory limit + extension.
    if application.state in DECIDED and application.accepted_on and application.decided_on:
        pauses = [clock.Pause(p.started_on, p.ended_on) for p in application.pauses.order_by("started_on")]
        used = clock.clock_days(calendar, application.accepted_on, application.decided_on, pauses)
        paused = clock.paused_working_days(calendar, application.accepted_on, application.decided_on, pauses)
        limit = service.statutory_limit + application.extension_days
        checks["decision_in_time"] = _result(
            used <= limit, accepted_on=application.accepted_on.isoformat(),
            decided_on=application.decided_on.isoformat(), working_days=used, paused_working_days=paused,
            statutory_limit=service.statutory_limit, extension_days=application.extension_days, limit=limit)
    else:
        checks["decision_in_time"] = _result(None, reason="not_decided_on_merits")

    # extension_lawful: at most once, within the allowance, with a reason, by an approver.
    extensions = rows.get("extend", [])
    if extensions:
        roles = _roles([e.actor_id for e in extensions])
        days = [int((e.data or {}).get("days", 0)) for e in extensions]
        ok = (len(extensions) == 1 and all(0 < d <= service.extension_limit for d in days)
              and all(e.reason.strip() for e in extensions)
              and all("approver" in roles.get(e.actor_id, set()) for e in extensions))
        checks["extension_lawful"] = _result(ok, rows=[_row(e) for e in extensions], days=days,
                                             allowance=service.extension_limit,
                                             reasons=[e.reason for e in extensions])
    else:
        checks["extension_lawful"] = _result(None, rows=[])

    # notices_complete: every notice the acts on the case require.
    required = [NoticeKind.RECEIPT] if starts else []
    for verb, kind in (("accept", NoticeKind.ACCEPTANCE), ("deem_accepted", NoticeKind.DEEMED_ACCEPTANCE),
                       ("request_correction", NoticeKind.CORRECTION),
                       ("refuse_acceptance", NoticeKind.NON_ACCEPTANCE), ("pause", NoticeKind.PAUSE),
                       ("resume", NoticeKind.RESUME), ("extend", NoticeKind.EXTENSION),
                       ("approve", NoticeKind.GRANT), ("confirm_refusal", NoticeKind.REFUSAL)):
        required += [kind] * len(rows.get(verb, []))
    missing = []
    pool = list(kinds)
    for kind in required:
        if kind in pool:
            pool.remove(kind)
        else:
            missing.append(str(kind))
    checks["notices_complete"] = _result(not missing, required=[str(k) for k in required],
                                         issued=[{"kind": n.kind, "number": n.number,
                                                  "on": timezone.localdate(n.issued_at).isoformat()}
                                                 for n in notices], missing=missing)

    # remedies_stated: a refusal or non-acceptance names reconsideration and litigation.
    adverse = [n for n in notices if n.kind in (NoticeKind.REFUSAL, NoticeKind.NON_ACCEPTANCE)]
    if application.state in (State.REFUSED, State.NOT_ACCEPTED):
        texts = {n.number: str(n.content) for n in adverse}
        stated = {number: ("复议" in text or "reconsideration" in text) and ("诉讼" in text or "lawsuit" in text)
                  for number, text in texts.items()}
        checks["remedies_stated"] = _result(bool(stated) and all(stated.values()), notices=stated)
    else:
        checks["remedies_stated"] = _result(None, notices={})

    # legal_review_before_refusal: proposed, reviewed in legal_review by a legal reviewer who did not propose it.
    if application.state == State.REFUSED:
        confirms = rows.get("confirm_refusal", [])
        proposals = rows.get("propose_refusal", [])
        roles = _roles([e.actor_id for e in confirms])
        ok = bool(confirms) and all(
            c.from_state == State.LEGAL_REVIEW and "legal_reviewer" in roles.get(c.actor_id, set())
            and any(p.seq < c.seq and p.actor_id != c.actor_id for p in proposals) for c in confirms)
        refused_rows = [e for e in log if e.to_state == State.REFUSED]
        checks["legal_review_before_refusal"] = _result(
            ok and bool(refused_rows) and all(e.verb == "confirm_refusal" for e in refused_rows),
            proposals=[_row(e) for e in proposals], confirmations=[_row(e) for e in confirms],
            refusal_rows=[_row(e) for e in refused_rows])
    else:
        checks["legal_review_before_refusal"] = _result(None)

    # duties_separated: who recommended does not approve; who proposed a refusal does not confirm it.
    pairs = []
    for first, second in (("recommend", "approve"), ("propose_refusal", "confirm_refusal")):
        for b in rows.get(second, []):
            for a in rows.get(first, []):
                if a.seq < b.seq:
                    pairs.append({"first": _row(a), "second": _row(b), "same_person": a.actor_id == b.actor_id})
    checks["duties_separated"] = _result(not any(p["same_person"] for p in pairs) if pairs else None, pairs=pairs)

    # log_intact: the case log's hash chain recomputes.
    problem = verify_chain(log)
    checks["log_intact"] = _result(problem is None, rows=len(log),
                                   first_bad_row=problem[0] if problem else None,
                                   problem=problem[1] if problem else "")
    return {name: checks[name] for name in CHECKS}


def file_score(checks: dict, scores: dict) -> int | None:
    """The 100-point sheet; None until the manual items are scored."""
    if not scores:
        return None
    automatic = sum(CHECK_POINTS for name in CHECKS if checks[name]["passed"] is not False)
    return automatic + sum(int(scores.get(code, 0)) for code in MANUAL_ITEMS)


def file_payload(reviewed: ReviewedFile) -> dict:
    checks = case_checks(reviewed.application)
    score = file_score(checks, reviewed.scores)
    return {"case_number": reviewed.application.case_number, "service": reviewed.application.service_type.code,
            "state": reviewed.application.state, "checks": checks, "scores": reviewed.scores,
            "comment": reviewed.comment, "score": score, "grade": grade_for(score)}


def review_detail(review: CaseReview) -> dict:
    files = review.files.select_related("application__service_type").order_by("position")
    return {**public_review(review), "files": [file_payload(f) for f in files]}


@transaction.atomic
def review_score(*, review: CaseReview, actor, case_number: str, scores: dict, comment: str = "") -> ReviewedFile:
    _require_supervisor(actor)
    review = CaseReview.objects.select_for_update().get(pk=review.pk)
    reviewed = review.files.select_related("application").filter(application__case_number=case_number).first()
    if reviewed is None:
        raise Invalid(_("该案卷不在本次评查样本中。"), errors={"case_number": [_("不在样本中。")]})
    errors = {}
    for code, (label, maximum) in MANUAL_ITEMS.items():
        value = scores.get(code)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= maximum:
            errors[f"scores.{code}"] = [_("%(label)s：应为0至%(max)d分。") % {"label": label, "max": maximum}]
    unknown = sorted(set(scores) - set(MANUAL_ITEMS))
    if unknown:
        errors["scores"] = [_("没有这些评分项：%(codes)s") % {"codes": _("、").join(unknown)}]
    if errors:
        raise Invalid(_("评分有误。"), errors=errors)
    reviewed.scores = {code: scores[code] for code in MANUAL_ITEMS}
    reviewed.comment = comment
    reviewed.scored_by, reviewed.scored_at = actor, timezone.now()
    reviewed.save(update_fields=["scores", "comment", "scored_by", "scored_at"])
    checks = case_checks(reviewed.application)
    log_append(subject=review_subject(review.pk), actor=actor, verb=LogVerb.REVIEW_SCORE,
               data={"case_number": case_number, "scores": reviewed.scores,
                     "checks": {name: checks[name]["passed"] for name in CHECKS},
                     "score": file_score(checks, reviewed.scores)})
    return reviewed

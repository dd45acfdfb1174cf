"""Every act on a case, defined once: its URL slug, the FSM transition, the service function, its
input (fields and limits), who may act, its labels, help text and success message, and the
case-log verb. The API endpoints, the officers' and applicants' buttons and forms, the template
labels and the OpenAPI schema are all derived from this registry; adding a verb touches one place.

The FSM transitions ask this registry who may take them (`permissions.acts`), and the pages ask it
why an act is unavailable (`Verb.blocked`), so a rule is never written twice."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django_fsm import can_proceed

from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import workflow
from .constants import MAX_PAUSE_DAYS, CaseVerb, PauseKind, Stage, State
from .permissions import officer_of, officer_roles, perm_applicant
from .workflow.errors import NotAllowed, WorkflowError

APPLICANT = "applicant"


@dataclass(frozen=True)
class Input:
    """One field of a verb's input. `kind` is text (multi-line), line (one line), int, choice or
    correction_items (the one-time notice's list). Limits that depend on the case (the service
    type's extension allowance) are callables of the application."""

    name: str
    kind: str
    label: Promise
    required: bool = True
    max_length: int = 2000
    min_value: int | None = None
    max_value: int | Callable | None = None
    choices: tuple = ()
    help: Promise | Callable | None = None
    rows: int = 3

    def limit(self, application) -> int | None:
        return self.max_value(application) if callable(self.max_value) else self.max_value

    def hint(self, application) -> str:
        if callable(self.help):
            return self.help(application) if application is not None else ""
        return str(self.help or "")


@dataclass(frozen=True)
class Duty:
    """Separation of duties: `conflicts(application, user)` is true when this user must not act."""

    conflicts: Callable
    message: Promise


@dataclass(frozen=True)
class Verb:
    slug: str
    log: CaseVerb
    service: Callable
    label: Promise
    help: Promise | Callable
    done: Promise
    roles: tuple[str, ...]
    transition: str | None = None
    inputs: tuple[Input, ...] = ()
    css: str = ""
    # A role that acts only in one stage of the review (propose a refusal: the handling officer in
    # `handling`, the approver in `decision`).
    stage_roles: dict = field(default_factory=dict)
    duties: tuple[Duty, ...] = ()
    # The states in which a verb without an FSM transition (claim, release, issue) applies.
    states: frozenset = frozenset()
    # Whether the act concerns this user at all (release: only the officer who claimed the case).
    applies: Callable | None = None
    on_page: bool = True
    # Extra fields of the API response built from the service's result (submit: the query password).
    response: Callable | None = None
    # Whether the service is one transaction, so its receipt is written inside it; a service that
    # commits a record before raising (issue: the failure stays on the case) gets it afterwards.
    one_transaction: bool = True

    def __post_init__(self) -> None:
        # `service` is the act run through the shared dispatch (idempotent repeats); `act` is the
        # bare service function. Every caller — the API, the pages — calls `service`.
        act = self.service.act if isinstance(self.service, Dispatch) else self.service
        object.__setattr__(self, "act", act)
        object.__setattr__(self, "service", Dispatch(self))

    @property
    def applicant_act(self) -> bool:
        return APPLICANT in self.roles

    def help_text(self, application=None) -> str:
        return self.help(application) if callable(self.help) else str(self.help)

    # --- who may act ---------------------------------------------------------------------------
    def permits(self, application, user) -> bool:
        """The role check of the FSM's `permission=`: authority, role and stage; not the duties."""
        if self.applicant_act:
            return perm_applicant(application, user)
        officer = officer_of(user)
        if officer is None or officer.authority_id != application.authority_id:
            return False
        roles = self.stage_roles.get(application.stage, self.roles)
        return bool(officer_roles(user) & set(roles))

    def duty_conflict(self, application, user) -> str | None:
        for duty in self.duties:
            if duty.conflicts(application, user):
                return str(duty.message)
        return None

    def state_allows(self, application) -> bool:
        if application.joint and not self.applicant_act:
            return False
        if self.transition:
            return can_proceed(getattr(application, self.transition))
        return application.state in self.states

    def concerns(self, application, user) -> bool:
        return self.applies is None or bool(self.applies(application, user))

    def available(self, application, user) -> bool:
        return self.state_allows(application) and self.permits(application, user) \
            and self.concerns(application, user) and self.duty_conflict(application, user) is None

    def blocked(self, application, user) -> str | None:
        """Why a user who holds the role cannot take this act on the case now (None: nothing to
        say — the act is available, or it is simply not this user's or this state's)."""
        if application.joint or not self.permits(application, user) or not self.concerns(application, user):
            return None
        if self.transition:
            method = getattr(application, self.transition)
            if application.state not in _sources(method):
                return None
            if not can_proceed(method):
                return condition_reason(self, application)
        elif application.state not in self.states:
            return None
        return self.duty_conflict(application, user)


# --- the shared dispatch: a repeated act is answered with its committed result ---------------------

# A repeat of the same act by the same user within this window, with nothing but the system's
# follow-ups (issuing, deemed acts) logged on the case since, is answered as the success it was.
REPEAT_WINDOW = dt.timedelta(minutes=10)
KEY_MAX_LENGTH = 200


class KeyReused(WorkflowError):
    """An Idempotency-Key sent again with another act (verb, case or input)."""

    status = 422
    code = "idempotency_key_reused"


@dataclass(frozen=True)
class Repeat:
    """What a repeated act returns instead of running again: the receipt of the first success
    (`payload` is the stored response when the first request carried an Idempotency-Key)."""

    status: int
    payload: dict | None


def input_digest(verb: Verb, inputs: dict[str, Any]) -> str:
    canonical = json.dumps({"verb": verb.slug, "input": inputs}, sort_keys=True, ensure_ascii=False,
                           separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class Dispatch:
    """`verb.service(application=, actor=, **inputs)`: the act in one transaction with its receipt
    (services.ActReceipt). When the act is refused (409) but it is a repeat of this user's own
    committed act — the answer was lost after the COMMIT, the request was run again by
    config.middleware or by the client — the repeat is answered as the success (a `Repeat`).
    `idempotency_key` (the API's Idempotency-Key header) replays the stored response of the first
    request with that key; `answer(result)` builds the response stored with the key, inside the
    act's transaction."""

    def __init__(self, verb: Verb) -> None:
        self.verb = verb
        self.act = verb.act

    def __call__(self, *, application, actor, idempotency_key: str | None = None,
                 answer: Callable[[Any], dict] | None = None, **inputs: Any) -> Any:
        from services.models import ActReceipt

        from .models import Application

        verb, digest = self.verb, input_digest(self.verb, inputs)
        if idempotency_key:
            replay = self._replay(actor, idempotency_key, application.pk, digest)
            if replay is not None:
                return replay
        def receipt(result) -> None:
            seq = Application.objects.filter(pk=application.pk).values_list("log_seq", flat=True).get()
            payload = answer(result) if answer is not None and idempotency_key else None
            ActReceipt.objects.create(user=actor, verb=verb.slug, subject=application.pk, digest=digest,
                                      log_seq=seq, key=idempotency_key or None, payload=payload)

        try:
            with transaction.atomic() if verb.one_transaction else contextlib.nullcontext():
                result = self.act(application=application, actor=actor, **inputs)
                if verb.one_transaction:
                    receipt(result)
            if not verb.one_transaction:
                with transaction.atomic():
                    receipt(result)
        except NotAllowed:
            repeat = self._repeat(actor, application.pk, digest)
            if repeat is None:
                raise
            return repeat
        except IntegrityError:
            # The same key committed by a concurrent request meanwhile: answer what it answered.
            replay = self._replay(actor, idempotency_key, application.pk, digest) if idempotency_key else None
            if replay is None:
                raise
            return replay
        return result

    def _replay(self, actor, key: str, subject: int, digest: str) -> Repeat | None:
        from services.models import ActReceipt

        receipt = ActReceipt.objects.filter(user=actor, key=key).first()
        if receipt is None:
            return None
        if (receipt.verb, receipt.subject, receipt.digest) != (self.verb.slug, subject, digest):
            raise KeyReused(gettext("该幂等键（Idempotency-Key）已用于另一项操作（%(verb)s，办件 %(case)s），"
                                    "不能用于不同的操作或输入；请为新的操作使用新的键。") % {
                "verb": receipt.verb, "case": receipt.subject})
        return Repeat(status=receipt.status, payload=receipt.payload)

    def _repeat(self, actor, subject: int, digest: str) -> Repeat | None:
        from services.models import ActReceipt

        from .models import CaseLogEntry

        receipt = (ActReceipt.objects.filter(subject=subject, user=actor, verb=self.verb.slug,
                                             created_at__gte=timezone.now() - REPEAT_WINDOW)
                   .order_by("-created_at").first())
        if receipt is None or receipt.digest != digest:
            return None
        later = (CaseLogEntry.objects.filter(application_id=subject, seq__gte=receipt.log_seq)
                 .values_list("seq", "verb", "actor_id"))
        rows = {seq: (log_verb, actor_id) for seq, log_verb, actor_id in later}
        if rows.get(receipt.log_seq) != (self.verb.log, actor.pk):
            return None
        if any(log_verb not in FOLLOW_UPS for seq, (log_verb, _a) in rows.items() if seq > receipt.log_seq):
            return None  # someone acted on the case since: a new act, not a repeat
        return Repeat(status=receipt.status, payload=None)


def _sources(method) -> set[str]:
    transitions = method._django_fsm.transitions
    return {source for source in transitions if source not in ("*", "+")} | (
        set(State.values) if "*" in transitions else set())


def condition_reason(verb: Verb, application) -> str | None:
    """Why the FSM's conditions refuse a verb in a state it starts from."""
    if verb.slug == "approve" and application.stage != Stage.DECISION:
        return gettext("须先由承办人提出承办意见，再由审批人决定。")
    if verb.slug == "approve" and application.parent_id:
        from .permissions import waiting_for_tracks

        waiting = waiting_for_tracks(application)
        if waiting:
            return gettext("须待%(tracks)s准予许可后才能作出本项决定。") % {"tracks": gettext("、").join(waiting)}
    if verb.slug == "extend":
        return gettext("审查期限已延长过一次，依法不能再次延长。") if application.extension_days else None
    if verb.slug == "recommend" and application.stage == Stage.DECISION:
        return gettext("承办意见已提出，等待审批人决定。")
    if verb.slug == "send-back" and application.stage != Stage.DECISION:
        return gettext("本件尚在承办环节。")
    if verb.slug == "request-correction":
        return gettext("依法只能一次性告知补正，本件已出具过补正通知。")
    if verb.slug == "pause":
        return gettext("本事项不适用特别程序，或已有特别程序在进行中。")
    return None


class VerbRegistry:
    """The verbs by slug; `register` refuses a slug, a transition or a log verb used twice."""

    def __init__(self) -> None:
        self._verbs: dict[str, Verb] = {}

    def register(self, verb: Verb) -> Verb:
        if verb.slug in self._verbs:
            raise ImproperlyConfigured(f"verb {verb.slug!r} is registered twice")
        for other in self._verbs.values():
            if verb.transition and other.transition == verb.transition:
                raise ImproperlyConfigured(f"transition {verb.transition!r} belongs to {other.slug!r}")
            if other.log == verb.log:
                raise ImproperlyConfigured(f"log verb {verb.log!r} belongs to {other.slug!r}")
        self._verbs[verb.slug] = verb
        return verb

    def __getitem__(self, slug: str) -> Verb:
        return self._verbs[slug]

    def __contains__(self, slug: str) -> bool:
        return slug in self._verbs

    def __iter__(self) -> Iterator[Verb]:
        return iter(self._verbs.values())

    def get(self, slug: str) -> Verb | None:
        return self._verbs.get(slug)

    def by_transition(self, name: str) -> Verb | None:
        return next((v for v in self._verbs.values() if v.transition == name), None)

    def officer_verbs(self) -> list[Verb]:
        return [v for v in self._verbs.values() if not v.applicant_act]

    def actions_for(self, application, user) -> tuple[list[Verb], list[tuple[Verb, str]]]:
        """(verbs this officer may take now, [(verb, why not)] for those they would expect)."""
        available, blocked = [], []
        for verb in self.officer_verbs():
            if not verb.on_page:
                continue
            if verb.available(application, user):
                available.append(verb)
            else:
                reason = verb.blocked(application, user)
                if reason:
                    blocked.append((verb, reason))
        return available, blocked


registry = VerbRegistry()


def _extension_allowance(application) -> int:
    return application.service_type.extension_limit if application is not None else 60


def _extend_help(application) -> str:
    if application is None:
        return gettext("经本机关负责人批准可延长一次，理由将告知申请人。")
    return gettext("经本机关负责人批准可延长一次，最多%(days)d个工作日，理由将告知申请人。") % {
        "days": application.service_type.extension_limit}


def _recommended_by_actor(application, user) -> bool:
    return application.recommended_by_id is not None and application.recommended_by_id == user.pk


def _proposed_by_actor(application, user) -> bool:
    return application.refusal_proposed_by_id is not None and application.refusal_proposed_by_id == user.pk


OPINION = Input("opinion", "text", _("审批意见"), max_length=4000)
OPTIONAL_OPINION = Input("opinion", "text", _("受理意见（选填）"), required=False, rows=2)

registry.register(Verb(
    slug="accept", log=CaseVerb.ACCEPT, transition="accept", service=workflow.application_accept,
    roles=("intake",), label=_("受理"), inputs=(OPTIONAL_OPINION,),
    help=_("材料齐全、符合法定形式：予以受理，出具受理通知书，审查期限开始计算。"),
    done=_("已受理，受理通知书已出具。"),
))
registry.register(Verb(
    slug="request-correction", log=CaseVerb.REQUEST_CORRECTION, transition="request_correction",
    service=workflow.application_request_correction, roles=("intake",), label=_("一次性告知补正"),
    inputs=(Input("items", "correction_items", _("补正事项")),), css="button-secondary",
    help=_("勾选全部需要补正的事项并逐项说明，出具一份补正通知书。"), done=_("补正通知书已出具。"),
))
registry.register(Verb(
    slug="refuse-acceptance", log=CaseVerb.REFUSE_ACCEPTANCE, transition="refuse_acceptance",
    service=workflow.application_refuse_acceptance, roles=("intake",), label=_("不予受理"), css="button-warning",
    inputs=(Input("reason", "text", _("不予受理理由")),
            Input("competent_authority", "line", _("有权机关（不属本机关职权时填写）"), required=False,
                  max_length=160)),
    help=_("依法不予受理，须说明理由并告知救济途径。"), done=_("已作出不予受理决定。"),
))
registry.register(Verb(
    slug="claim", log=CaseVerb.CLAIM, service=workflow.application_claim, roles=("reviewer", "approver"),
    states=frozenset({State.IN_REVIEW, State.PAUSED, State.LEGAL_REVIEW}), label=_("认领"),
    help=_("认领后由您承办，队列中显示承办人。"), done=_("已认领该办件。"),
    applies=lambda a, u: a.claimed_by_id != u.pk,
    duties=(Duty(lambda a, u: a.claimed_by_id is not None, _("该办件已由他人认领。")),),
))
registry.register(Verb(
    slug="release", log=CaseVerb.RELEASE, service=workflow.application_release, roles=("reviewer", "approver"),
    states=frozenset({State.IN_REVIEW, State.PAUSED, State.LEGAL_REVIEW}), label=_("释放认领"),
    css="button-secondary", help=_("释放后其他审核、审批人员可以认领。"), done=_("已释放认领。"),
    applies=lambda a, u: a.claimed_by_id == u.pk,
))
registry.register(Verb(
    slug="pause", log=CaseVerb.PAUSE, transition="pause", service=workflow.application_pause, roles=("reviewer",),
    label=_("启动特别程序"), css="button-secondary",
    inputs=(Input("kind", "choice", _("特别程序类型"), choices=tuple(PauseKind.choices)),
            Input("expected_days", "int", _("预计所需工作日"), min_value=1, max_value=MAX_PAUSE_DAYS),
            Input("reason", "text", _("理由（将告知申请人）"))),
    help=_("专家评审、现场核查等所需时间不计入审查期限，将书面告知申请人。"),
    done=_("特别程序已启动，审查期限暂停计算。"),
))
registry.register(Verb(
    slug="resume", log=CaseVerb.RESUME, transition="resume", service=workflow.application_resume, roles=("reviewer",),
    label=_("结束特别程序"), inputs=(Input("result", "text", _("特别程序结果")),),
    help=_("登记结果，审查期限恢复计算。"), done=_("特别程序已结束，审查期限恢复计算。"),
))
registry.register(Verb(
    slug="recommend", log=CaseVerb.RECOMMEND, transition="recommend", service=workflow.application_recommend,
    roles=("reviewer",), label=_("提出承办意见"), inputs=(Input("opinion", "text", _("承办意见"), max_length=4000),),
    help=_("写明审查情况和处理建议，提交审批人决定。"), done=_("承办意见已提交审批人。"),
    duties=(Duty(lambda a, u: a.claimed_by_id is not None and a.claimed_by_id != u.pk,
                 _("该办件已由他人认领，须由认领的承办人提出意见。")),),
))
registry.register(Verb(
    slug="send-back", log=CaseVerb.SEND_BACK, transition="send_back", service=workflow.application_send_back,
    roles=("approver",), label=_("退回承办"), css="button-secondary",
    inputs=(Input("reason", "text", _("退回理由")),),
    help=_("不同意承办意见或需补充审查：退回承办人，写明理由。"), done=_("已退回承办人。"),
))
registry.register(Verb(
    slug="extend", log=CaseVerb.EXTEND, transition="extend", service=workflow.application_extend, roles=("approver",),
    label=_("延长审查期限"), css="button-secondary",
    inputs=(Input("days", "int", _("延长工作日"), min_value=1, max_value=_extension_allowance),
            Input("reason", "text", _("延长理由（将告知申请人）"))),
    help=_extend_help, done=_("审查期限已延长。"),
))
registry.register(Verb(
    slug="approve", log=CaseVerb.APPROVE, transition="approve", service=workflow.application_approve,
    roles=("approver",), label=_("准予许可"), inputs=(OPINION,),
    help=_("作出准予行政许可决定，出具决定书，随后颁发电子证照。"), done=_("已作出准予许可决定。"),
    duties=(Duty(_recommended_by_actor, _("您提出了本件的承办意见，须由另一名审批人作出决定（审批分离）。")),),
))
registry.register(Verb(
    slug="propose-refusal", log=CaseVerb.PROPOSE_REFUSAL, transition="propose_refusal",
    service=workflow.application_propose_refusal, roles=("reviewer", "approver"),
    stage_roles={Stage.HANDLING: ("reviewer",), Stage.DECISION: ("approver",)}, label=_("拟不予许可"),
    css="button-warning",
    inputs=(Input("reasons", "text", _("不予许可理由"), max_length=4000), Input("legal_basis", "text", _("法律依据"))),
    help=_("提出不予许可的理由和依据，提交法制审核。"), done=_("已提交法制审核。"),
))
registry.register(Verb(
    slug="confirm-refusal", log=CaseVerb.CONFIRM_REFUSAL, transition="confirm_refusal",
    service=workflow.application_confirm_refusal, roles=("legal_reviewer",), label=_("确认不予许可"),
    css="button-warning", inputs=(Input("opinion", "text", _("法制审核意见（选填）"), required=False, rows=2),),
    help=_("法制审核通过，作出不予行政许可决定。"), done=_("已作出不予许可决定。"),
    duties=(Duty(_proposed_by_actor, _("您提出了拟不予许可意见，须由另一名法制审核人员确认。")),),
))
registry.register(Verb(
    slug="return", log=CaseVerb.RETURN, transition="return_to_review", service=workflow.application_return,
    roles=("legal_reviewer",), label=_("退回重新审查"), css="button-secondary",
    inputs=(Input("opinion", "text", _("退回理由")),),
    help=_("法制审核不同意拟不予许可意见，退回审查。"), done=_("已退回重新审查。"),
))
registry.register(Verb(
    slug="issue", log=CaseVerb.ISSUE, service=workflow.application_issue_again, roles=("approver",),
    states=frozenset({State.APPROVED}), label=_("重新发证"), css="button-secondary",
    help=_("立即颁发电子证照：用于发证失败后处理完原因，或不等待下一次自动重试。"), done=_("电子证照已颁发。"),
    one_transaction=False,
))
registry.register(Verb(
    slug="submit", log=CaseVerb.SUBMIT, transition="submit", service=workflow.application_submit,
    roles=(APPLICANT,), label=_("提交申请"), help=_("核对无误并声明后提交；提交后收到收件回执和查询密码。"),
    done=_("申请已提交。"), on_page=False,
    response=lambda result: {"status_password": result.password} if result.password else {},
))
registry.register(Verb(
    slug="resubmit", log=CaseVerb.RESUBMIT, transition="resubmit", service=workflow.application_resubmit,
    roles=(APPLICANT,), label=_("补正后重新提交"), help=_("补正通知所列事项均已补正后，重新提交申请。"),
    done=_("补正材料已重新提交，受理期限重新计算。"), on_page=False,
))
registry.register(Verb(
    slug="withdraw", log=CaseVerb.WITHDRAW, transition="withdraw", service=workflow.application_withdraw,
    roles=(APPLICANT,), label=_("撤回申请"), inputs=(Input("reason", "text", _("撤回原因（选填）"), required=False),),
    help=_("作出决定前可以撤回申请；撤回后本件办结。"), done=_("申请已撤回，本件办结。"), on_page=False,
))

# Acts that are not a user's verb: taken by the system (the sweep, the issuer, a joint filing
# following its tracks) or part of editing a filing. Each FSM transition and each case-log verb is
# either a registered verb's or listed here (a test holds both lists complete).
SYSTEM_TRANSITIONS = {"deem_accepted": CaseVerb.DEEM_ACCEPTED, "mark_issued": CaseVerb.ISSUE,
                      "follow_tracks": CaseVerb.TRACKS, "deem_renewed": CaseVerb.DEEM_RENEWED}
# `issue` is both the approver's verb (issue again) and what the issuer logs when it moves the case.
OTHER_LOG_VERBS = {CaseVerb.CREATE, CaseVerb.CORRECT_DATA, CaseVerb.CORRECT_MATERIAL, CaseVerb.ISSUE_FAILED,
                   CaseVerb.DEEM_ACCEPTED, CaseVerb.TRACKS, CaseVerb.DEEM_RENEWED}
# What the system logs after a person's act (issuing its certificate, a deemed act, a joint filing
# following its tracks): such rows after an act leave a repeat of it a repeat.
FOLLOW_UPS = {*SYSTEM_TRANSITIONS.values(), CaseVerb.ISSUE_FAILED}

"""Who may move a case (django-fsm `permission=`) and when (`conditions=`).

Officers act only on cases of their own authority (for a one-stop filing: their agency's track)
and only with the role the verb needs; applicants act only on their own cases."""

from __future__ import annotations

from collections.abc import Callable


def officer_of(user):
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.officer
    except Exception:  # RelatedObjectDoesNotExist: not an officer
        return None


def officer_roles(user) -> set[str]:
    officer = officer_of(user)
    if officer is None:
        return set()
    cached = getattr(officer, "_role_codes", None)
    if cached is None:
        cached = officer._role_codes = officer.role_codes()
    return cached


def perm_role(*roles: str) -> Callable:
    def check(instance, user) -> bool:
        officer = officer_of(user)
        return (
            officer is not None
            and officer.authority_id == instance.authority_id
            and bool(officer_roles(user) & set(roles))
        )

    check.__name__ = f"role_{'_or_'.join(roles)}"
    return check


def perm_applicant(instance, user) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return instance.applicant.user_id == user.pk


def acts(slug: str) -> Callable:
    """The FSM `permission=` of a transition: the verb registry says who may take it."""

    def check(instance, user) -> bool:
        from .verbs import registry

        return registry[slug].permits(instance, user)

    check.__name__ = f"may_{slug.replace('-', '_')}"
    return check


def no_correction_yet(instance) -> bool:
    """Art. 32: the correction notice is given once, listing every deficient item."""
    return instance.correction_rounds == 0 and not instance.corrections.exists()


def in_handling_stage(instance) -> bool:
    return instance.stage == "handling"


def in_decision_stage(instance) -> bool:
    return instance.stage == "decision"


def pause_allowed(instance) -> bool:
    return instance.service_type.pause_allowed and not instance.pauses.filter(ended_on__isnull=True).exists()


def extension_available(instance) -> bool:
    service_type = instance.service_type
    return service_type.extension_allowed and service_type.extension_limit > 0 and instance.extension_days == 0


def waiting_for_tracks(instance) -> list[str]:
    """In a joint filing a track may be approved only once the tracks listed before it in the
    joint service's components are approved (the residence permit needs the work permit): the
    names of those not yet approved."""
    if not instance.parent_id:
        return []
    from .constants import State

    order = instance.parent.service_type.components
    code = instance.service_type.code
    earlier = order[: order.index(code)] if code in order else []
    if not earlier:
        return []
    siblings = {t.service_type.code: t for t in instance.parent.tracks.filter(service_type__code__in=earlier)
                .select_related("service_type")}
    approved = {State.APPROVED, State.ISSUED}
    english = _english()
    return [(siblings[c].service_type.name_en if english else siblings[c].service_type.name_zh)
            if c in siblings else c for c in earlier if c not in siblings or siblings[c].state not in approved]


def _english() -> bool:
    from django.utils.translation import get_language

    return (get_language() or "").startswith("en")


def prerequisite_tracks_approved(instance) -> bool:
    return not waiting_for_tracks(instance)


def can_view(user, application) -> bool:
    """Applicants see their own cases; officers their authority's (and a joint filing whose track
    is theirs); supervisors every case of their authority."""
    if perm_applicant(application, user):
        return True
    officer = officer_of(user)
    if officer is None:
        return False
    if officer.authority_id == application.authority_id:
        return True
    if application.parent_id is None:
        return application.tracks.filter(authority_id=officer.authority_id).exists()
    return False


def sees_internal_record(user, application) -> bool:
    """Officers who may view the case, and superusers, read its internal record: opinions, proposed
    refusals, officers' names. The applicant reads acts and dates, and reasons the law notifies."""
    if getattr(user, "is_superuser", False):
        return True
    return officer_of(user) is not None and can_view(user, application)


def visible_track_codes(user, filing) -> set[str] | None:
    """The tracks of a joint filing whose materials and data `user` may read: None for all (the applicant,
    a superuser, any case that is not a joint filing); for an officer, the tracks of their authority."""
    if not filing.joint or getattr(user, "is_superuser", False) or perm_applicant(filing, user):
        return None
    officer = officer_of(user)
    if officer is None:
        return set()
    return {t.service_type.code for t in filing.tracks.all() if t.authority_id == officer.authority_id}


def material_visible(user, filing, material) -> bool:
    """Least privilege in a joint filing: an officer reads the shared materials (and those serving every
    track) and their own track's, never the other agency's (Art. 5: the applicant's privacy)."""
    codes = visible_track_codes(user, filing)
    return codes is None or material.shared or not material.tracks or bool(set(material.tracks) & codes)


# --- what the pages may offer, and whose turn it is ----------------------------------------------

def can_withdraw(application) -> bool:
    """The applicant may withdraw a filing not yet closed; a joint filing only until one of its
    tracks is decided (the rule `workflow.application_withdraw` enforces)."""
    from django_fsm import can_proceed

    from .constants import DECIDED_STATES, FINAL_STATES

    if application.parent_id:
        return False
    if application.joint:
        return application.state not in FINAL_STATES and not any(
            t.state in DECIDED_STATES for t in application.tracks.all())
    return can_proceed(application.withdraw)


def can_change_filing(application) -> bool:
    """The applicant may change the data or the materials of a draft, or of a filing while a
    correction notice is open on it or on one of its tracks (what the workflow's filing acts accept)."""
    from .constants import State

    if application.state == State.DRAFT:
        return True
    return any(a.state == State.CORRECTION_REQUESTED for a in [application, *application.tracks.all()])


def _pending_earlier_tracks(instance) -> list:
    """The tracks of the same joint filing that must be approved before this one, not yet approved."""
    if not instance.parent_id:
        return []
    from .constants import State

    order = instance.parent.service_type.components or []
    code = instance.service_type.code
    earlier = order[: order.index(code)] if code in order else []
    if not earlier:
        return []
    return [t for t in instance.parent.tracks.filter(service_type__code__in=earlier)
            .select_related("service_type", "authority")
            if t.state not in (State.APPROVED, State.ISSUED)]


def waiting_on(application) -> str:
    """Whose turn it is on a case, in words for an officer's page ("" once the case is closed)."""
    from django.utils.translation import gettext

    from .constants import FINAL_STATES, Stage, State

    state = application.state
    if state in FINAL_STATES:
        return ""
    if application.joint:
        return gettext("各分项由各自的审批机关办理，见下表")
    if state == State.DRAFT:
        return gettext("等待申请人提交申请")
    if state == State.SUBMITTED:
        return gettext("等待受理人员审查材料，决定受理、一次性告知补正或不予受理")
    if state == State.CORRECTION_REQUESTED:
        return gettext("等待申请人补正")
    if state == State.PAUSED:
        return gettext("特别程序进行中（专家评审、现场核查等），结束后由承办人继续审查")
    if state == State.LEGAL_REVIEW:
        return gettext("等待法制审核人员审核拟不予许可的意见")
    if state == State.APPROVED:
        return gettext("已准予许可，等待颁发电子证照")
    pending = _pending_earlier_tracks(application) if application.stage == Stage.DECISION else []
    if pending:
        english = _english()
        return "；".join(gettext("等待%(track)s决定（%(authority)s）") % {
            "track": t.service_type.name_en if english else t.service_type.name_zh,
            "authority": t.authority.name_en if english else t.authority.name_zh} for t in pending)
    if application.stage == Stage.DECISION:
        return gettext("等待审批人决定")
    return gettext("等待承办人审查并提出承办意见")


def next_step(application) -> dict:
    """What happens next on an applicant's case and who acts: {"who": …, "what": …} (empty once the
    case is closed). Said in the applicant's terms: the authority, or the applicant."""
    from django.utils.translation import gettext

    from .constants import State

    state = application.state
    service = application.service_type
    authority = application.authority.name_en if _english() else application.authority.name_zh
    if state == State.SUBMITTED:
        return {"who": authority, "what": gettext(
            "审查您提交的材料：在 %(n)d 个工作日内受理，或一次性告知需要补正的全部事项，或作出不予受理决定。")
            % {"n": service.acceptance_limit}}
    if state == State.CORRECTION_REQUESTED:
        return {"who": gettext("您（申请人）"), "what": gettext(
            "按补正通知修改所列的全部事项，然后重新提交；审批机关收到后重新计算受理期限。")}
    if state in (State.IN_REVIEW, State.LEGAL_REVIEW):
        return {"who": authority, "what": gettext("审查中，将在当前环节期限内作出准予或不予许可的决定，并书面通知您。")}
    if state == State.PAUSED:
        return {"who": authority, "what": gettext(
            "正在进行专家评审、现场核查等特别程序，所用时间不计入期限；结束后继续审查。")}
    if state == State.APPROVED:
        return {"who": authority, "what": gettext("已准予许可，将在 %(n)d 个工作日内颁发电子证照，颁发后可在本页下载。")
                % {"n": service.issuance_limit}}
    return {}

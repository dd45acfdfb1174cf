"""One set of cases built through the real workflow for the English sweep: an applicant's filings in
every state the pages show (with the notices each act sends), issued licences, after-licence tasks, a
drawn inspection plan and a case review — and every string a person typed, so the check can set
user data apart from the site's own words."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core import mail
from django.test import Client, TestCase

from licensing import workflow
from licensing.models import Application
from services.calendar import calendar_load_bundled, reset_calendar_cache
from services.catalog.loader import catalog_load
from services.selectors import service_type_current
from tests.factories import ApplicantFactory, make_officer
from tests.licensing.conftest import at, fill_materials, lab_data, person_data, recommend

D = dt.date
APPROVED = "经审查符合许可条件，同意"
# What the officers of the scene type (reasons, opinions): user data, stripped before the check.
TYPED = ["平面图未标明动物流向", "现场核查屏障设施", "屏障设施符合要求", "需组织专家评审", "设施不达标",
         "《实验动物管理条例》第八条", "不属于本机关职权", "昆明市科学技术局", "经审查，符合法定条件，建议准予许可。",
         "经审查符合许可条件，同意", "经法制审核，同意不予许可", "申请人主动撤回", "2026年抽查"]


@dataclass
class Scene:
    cases: dict[str, Application] = field(default_factory=dict)
    accounts: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)
    mails: list = field(default_factory=list)
    user_data: list[str] = field(default_factory=list)


def build() -> Scene:
    """Runs inside the caller's transaction (rolled back by the caller); e-mails are captured."""
    catalog_load()
    calendar_load_bundled()
    reset_calendar_cache()
    mail.outbox = []
    scene = Scene()
    officers = {
        "intake": make_officer("e-intake", "yn-kjt", "intake"),
        "reviewer": make_officer("e-reviewer", "yn-kjt", "reviewer"),
        "approver": make_officer("e-approver", "yn-kjt", "approver"),
        "legal": make_officer("e-legal", "yn-kjt", "legal_reviewer"),
        "supervisor": make_officer("e-supervisor", "yn-kjt", "supervisor"),
        "crj": make_officer("e-crj", "yn-crj", "intake", "reviewer", "supervisor"),
        "crj_approver": make_officer("e-crj-approver", "yn-crj", "approver"),
    }
    applicant = ApplicantFactory()
    applicant.user.email = "applicant@example.org"
    applicant.user.save(update_fields=["email"])
    scene.accounts = {"applicant": applicant.user, **{k: v.user for k, v in officers.items()}}
    scene.objects["applicant"] = applicant

    def capture():
        return TestCase.captureOnCommitCallbacks(execute=True)

    def file(on: dt.date, service: str = "lab-animal-production", submit: bool = True, **data) -> Application:
        with at(on), capture():
            service_type = service_type_current(code=service)
            payload = (person_data if service.startswith("foreign") else lab_data)(**data)
            app = workflow.application_create(applicant=applicant, service_type=service_type, data=payload,
                                              actor=applicant.user)
            fill_materials(app, on=on)
            if submit:
                workflow.application_submit(application=app, actor=applicant.user)
        app.refresh_from_db()
        return app

    def act(on: dt.date, func, app: Application, **kwargs) -> None:
        with at(on), capture():
            func(application=app, **kwargs)
        app.refresh_from_db()

    o = {k: v.user for k, v in officers.items()}
    cases = scene.cases
    cases["draft"] = file(D(2026, 11, 20), submit=False)
    cases["one_stop_draft"] = file(D(2026, 11, 20), service="foreign-talent-one-stop", submit=False)
    cases["submitted"] = file(D(2026, 11, 23))
    cases["correcting"] = file(D(2026, 11, 16))
    act(D(2026, 11, 18), workflow.application_request_correction, cases["correcting"], actor=o["intake"],
        items=[{"material": "floor-plan", "reason": "平面图未标明动物流向"}])
    cases["paused"] = file(D(2026, 11, 2))
    act(D(2026, 11, 3), workflow.application_accept, cases["paused"], actor=o["intake"])
    act(D(2026, 11, 5), workflow.application_pause, cases["paused"], actor=o["reviewer"], kind="site_inspection",
        expected_days=5, reason="现场核查屏障设施")
    cases["extended"] = file(D(2026, 10, 12))
    act(D(2026, 10, 13), workflow.application_accept, cases["extended"], actor=o["intake"])
    act(D(2026, 10, 14), workflow.application_pause, cases["extended"], actor=o["reviewer"],
        kind="expert_review", expected_days=3, reason="需组织专家评审")
    act(D(2026, 10, 19), workflow.application_resume, cases["extended"], actor=o["reviewer"], result="屏障设施符合要求")
    act(D(2026, 10, 20), workflow.application_extend, cases["extended"], actor=o["approver"], days=10,
        reason="需组织专家评审")
    cases["not_accepted"] = file(D(2026, 10, 12))
    act(D(2026, 10, 13), workflow.application_refuse_acceptance, cases["not_accepted"], actor=o["intake"],
        reason="不属于本机关职权", competent_authority="昆明市科学技术局")
    cases["refusing"] = file(D(2026, 9, 14))
    act(D(2026, 9, 15), workflow.application_accept, cases["refusing"], actor=o["intake"])
    act(D(2026, 9, 16), workflow.application_propose_refusal, cases["refusing"], actor=o["reviewer"],
        reasons="设施不达标", legal_basis="《实验动物管理条例》第八条")
    cases["refused"] = file(D(2026, 9, 14))
    act(D(2026, 9, 15), workflow.application_accept, cases["refused"], actor=o["intake"])
    act(D(2026, 9, 16), workflow.application_propose_refusal, cases["refused"], actor=o["reviewer"],
        reasons="设施不达标", legal_basis="《实验动物管理条例》第八条")
    act(D(2026, 9, 17), workflow.application_confirm_refusal, cases["refused"], actor=o["legal"],
        opinion="经法制审核，同意不予许可")
    cases["withdrawn"] = file(D(2026, 9, 14))
    act(D(2026, 9, 15), workflow.application_withdraw, cases["withdrawn"], actor=applicant.user,
        reason="申请人主动撤回")
    cases["issued"] = file(D(2026, 3, 2))
    act(D(2026, 3, 2), workflow.application_accept, cases["issued"], actor=o["intake"])
    with at(D(2026, 3, 2)):
        recommend(cases["issued"], officers["reviewer"])
    act(D(2026, 3, 3), workflow.application_approve, cases["issued"], actor=o["approver"], opinion=APPROVED)
    cases["one_stop"] = file(D(2026, 3, 2), service="foreign-talent-one-stop")
    for track in sorted(cases["one_stop"].tracks.all(), key=lambda t: t.service_type.code != "foreign-work-permit"):
        act(D(2026, 3, 2), workflow.application_accept, track, actor=o["crj"] if track.authority.code == "yn-crj"
            else o["intake"])
        with at(D(2026, 3, 2)):
            recommend(track, officers["crj"] if track.authority.code == "yn-crj" else officers["reviewer"])
        act(D(2026, 3, 3), workflow.application_approve, track,
            actor=o["crj_approver"] if track.authority.code == "yn-crj" else o["approver"], opinion=APPROVED)
    cases["one_stop"].refresh_from_db()

    # After the licence: the sweep opens windows and sends reminders; the supervisor draws a plan.
    from certificates.models import Certificate
    from licensing.workflow import deadlines_sweep

    certificate = Certificate.objects.filter(application=cases["issued"]).first()
    scene.objects["certificate"] = certificate
    scene.objects["certificates"] = list(Certificate.objects.all())
    Certificate.objects.filter(pk=certificate.pk).update(valid_to=D(2027, 5, 20))
    with at(D(2026, 11, 20)), capture():
        deadlines_sweep(on=D(2026, 11, 20))
    _supervision(scene, o)
    scene.mails = list(mail.outbox)
    scene.user_data = _user_data(scene)
    return scene


def _supervision(scene: Scene, o: dict) -> None:
    from supervision.models import CaseReview, InspectionPlan
    from tests.supervision.conftest import add_inspector

    for n, key in enumerate(("intake", "reviewer", "approver", "legal"), start=1):
        add_inspector(scene.accounts[key].officer, f"ZF-E0{n}")
    for n in range(5, 9):
        add_inspector(make_officer(f"e-inspector-{n}", "yn-kjt"), f"ZF-E0{n}")
    from supervision.items import inspection_items_load

    inspection_items_load()
    client = Client()
    client.force_login(o["supervisor"])
    with at(D(2026, 3, 10)):
        assert client.post("/supervision/", {
            "kind": "plan", "plan-year": 2026, "plan-title": "2026年抽查", "plan-item": "lab-animal-licence-conditions",
            "plan-targets_count": 1, "plan-groups": 1, "plan-group_size": 2}).status_code == 302
        plan = InspectionPlan.objects.get()
        assert client.post(f"/supervision/plans/{plan.pk}/draw/").status_code == 302
    with at(D(2026, 4, 10)):
        assert client.post("/supervision/", {"kind": "review", "review-start": "2026-01-01",
                                             "review-end": "2026-12-31", "review-sample_size": 5}).status_code == 302
        review = CaseReview.objects.get()
        client.post(f"/supervision/reviews/{review.pk}/", {"act": "draw"})
    plan.refresh_from_db()
    scene.objects.update(plan=plan, review=review, inspections=list(plan.inspections.all()))


def _user_data(scene: Scene) -> list[str]:
    """Every string a person typed or a register holds about a person or unit, longest first."""
    from django.contrib.auth import get_user_model

    from licensing.models import Applicant

    found: set[str] = set(TYPED)

    def walk(value) -> None:
        if isinstance(value, str):
            found.add(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    for applicant in Applicant.objects.all():
        walk([applicant.name, applicant.legal_representative, applicant.city, applicant.address,
              applicant.contact_name])
    for user in get_user_model().objects.all():
        walk([user.first_name, user.last_name, user.get_full_name(), user.username])
    for app in Application.objects.all():
        walk(app.data)
    for certificate in scene.objects["certificates"]:
        walk([certificate.holder_name])
    from supervision.models import Inspector

    walk(list(Inspector.objects.values_list("surname", flat=True)))
    return sorted((s for s in found if s.strip()), key=len, reverse=True)

"""A realistic history made by the real service functions with the clock moved (time-machine):
filings on working days, one-time correction notices, site inspections and expert reviews that stop
the clock, a few extensions, refusals through legal review, withdrawals, deemed acceptances by the
nightly sweep, and one-stop filings reviewed by both agencies. Nothing here writes a metric row: the
figures come from case_metrics_record, called by the workflow exactly as for real cases.

Also writes a legacy cohort (pre-reform case records of 2022) as the CSV that import_legacy_cases
reads; its durations follow the pre-reform practice (lab animal licences ~40–70 working days).

Each simulated day runs in one transaction (the day's notices and issuance follow its commit, still
at that day's time). Notification e-mails go nowhere, the query passwords of simulated filings are
hashed with a cheap hasher (nobody ever sees them), and the certificate issuer registered by the
certificates app runs only with `with_certificates` (a signed PDF per approval is slow); without it
the grant decision is the delivered document, through licensing.issuance's own no-issuer path."""

from __future__ import annotations

import csv
import datetime as dt
import heapq
import io
import itertools
import math
import random
import time
from collections import Counter
from collections.abc import Generator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import time_machine

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import override_settings

from licensing import issuance, workflow
from licensing.constants import FINAL_STATES, State
from licensing.licences import licences_for
from licensing.materials import minimal_files
from licensing.models import Applicant, ApplicantKind, Application
from services.calendar import get_calendar
from services.constants import MaterialMode
from services.models import Authority, Officer, StaffRole
from services.selectors import service_type_current
from services.validators import credit_code_check_char

TZ = ZoneInfo("Asia/Shanghai")
# Real minimal files: uploads are parsed and images re-encoded (licensing.materials), so fakes are refused.
_FILES = minimal_files()
PDF_BYTES, PNG_BYTES = _FILES["pdf"], _FILES["png"]

# Filings per working day (Poisson): in 2025 about 260 filings, 50 of them one-stop (with 100 tracks).
ARRIVALS = {
    "lab-animal-production": 0.16,
    "lab-animal-use": 0.32,
    "lab-animal-change": 0.10,
    "lab-animal-renewal": 0.09,
    "lab-animal-cancel": 0.04,
    "foreign-work-permit": 0.14,
    "foreign-talent-one-stop": 0.20,
}

LICENCE_CODES = ("lab-animal-change", "lab-animal-renewal", "lab-animal-cancel")

CITIES = ["昆明市", "昆明市", "昆明市", "玉溪市", "曲靖市", "大理白族自治州", "红河哈尼族彝族自治州", "楚雄彝族自治州",
          "西双版纳傣族自治州", "保山市"]
INSTITUTE_KINDS = ["医学院", "生物医药研究所", "药物研究院", "实验动物中心", "疫苗研究所", "中医药研究院",
                   "生物技术有限公司", "医药科技有限公司", "农业科学研究院", "第一人民医院"]
PLACES = ["滇池", "高原", "春城", "彩云", "南诏", "玉龙", "澜沧", "金沙", "抚仙", "哀牢", "苍山", "洱海", "普洱",
          "红河", "乌蒙"]
EMPLOYER_KINDS = ["智能制造有限公司", "新材料科技有限公司", "国际学校", "生物科技有限公司", "大学", "咖啡产业集团",
                  "光伏科技有限公司", "旅游发展有限公司"]
SURNAMES = ["Müller", "Smith", "García", "Rossi", "Dubois", "Tanaka", "Kim", "Nguyen", "Silva", "Kowalski",
            "Jensen", "Novak", "Ivanova", "Okafor", "Haddad", "Larsen", "Moreau", "Costa", "Bauer", "Khan"]
GIVEN = ["Anna", "Lukas", "Maria", "James", "Sofia", "Marco", "Elena", "Yuki", "Minho", "Linh", "Pedro",
         "Olga", "Chinedu", "Layla", "Erik", "Claire", "Tomás", "Priya", "Jonas", "Aisha"]
NATIONALITIES = ["DEU", "GBR", "ESP", "ITA", "FRA", "JPN", "KOR", "VNM", "BRA", "POL", "DNK", "CZE", "RUS",
                 "NGA", "JOR", "NOR", "FRA", "PRT", "AUT", "PAK"]
POSITIONS = ["Senior process engineer", "Research scientist", "English teacher", "Data engineer",
             "Plant manager", "Agronomist", "Quality director", "Postdoctoral researcher"]
SPECIES = ["mouse", "rat", "rabbit", "guinea_pig", "hamster", "dog", "monkey", "pig", "zebrafish", "tree_shrew"]

# Legacy cohort (2022): cases per service and working days (receipt → decision, pauses excluded).
LEGACY_COHORT = {
    # service: (cases, low, mode, high, share with expert/site time, materials low, materials high)
    "lab-animal-production": (24, 40, 56, 72, 0.7, 11, 13),
    "lab-animal-use": (46, 38, 54, 70, 0.6, 11, 13),
    "lab-animal-change": (20, 9, 16, 26, 0.1, 5, 7),
    "lab-animal-renewal": (16, 22, 33, 46, 0.4, 8, 10),
    "lab-animal-cancel": (6, 6, 11, 20, 0.0, 3, 4),
    "foreign-work-permit": (60, 6, 10, 16, 0.0, 10, 12),
    "foreign-residence-permit": (60, 9, 14, 20, 0.0, 6, 8),
}


class SimulationHasher(PBKDF2PasswordHasher):
    """Same format as Django's default (verifiable by it), fewer rounds: only for the query passwords
    of simulated filings, which are never shown to anyone."""

    iterations = 1000


@dataclass
class SimulationResult:
    filings: Counter = field(default_factory=Counter)
    outcomes: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    days: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    last_day: dt.date | None = None
    open_cases: int = 0


def poisson(rng: random.Random, lam: float) -> int:
    threshold, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= threshold:
            return k
        k += 1


def _credit_code(seed: str) -> str:
    return seed + credit_code_check_char(seed)


Step = Generator[int, None, None]  # a case script yields the number of working days to wait


class Simulation:
    def __init__(self, *, start: dt.date, end: dt.date, seed: int, until: dt.date | None = None,
                 with_certificates: bool = False) -> None:
        self.start, self.end, self.seed = start, end, seed
        self.until = until or end  # processing goes on past `end` (no new filings) to drain open cases
        self.with_certificates = with_certificates
        self.rng = random.Random(seed)
        self.calendar = get_calendar()
        self.result = SimulationResult()
        self._queue: list[tuple[int, int, Step, int]] = []
        self._order = itertools.count()
        self._minute = 0
        self._traveller = None
        self._officers: dict[tuple[int, str], object] = {}
        self._services = {code: service_type_current(code=code) for code in ARRIVALS}

    # --- set-up ---------------------------------------------------------------------------------
    def _organisations(self) -> tuple[list[Applicant], list[Applicant]]:
        """Research institutes and companies that file lab animal applications; employers of
        foreign staff. Their accounts have no usable password; the demo accounts file some too."""
        user_model = get_user_model()
        labs, employers = [], []
        rng = random.Random(self.seed + 1)
        for index in range(36):
            kind = ApplicantKind.ORGANISATION if index < 24 else ApplicantKind.EMPLOYER
            city = CITIES[index % len(CITIES)]
            place = PLACES[index % len(PLACES)]
            if kind == ApplicantKind.ORGANISATION:
                name = f"云南{place}{INSTITUTE_KINDS[index % len(INSTITUTE_KINDS)]}"
                seed = f"125301{index % 9 + 1}0MB{index:06d}{rng.randrange(10)}"
            else:
                name = f"云南{place}{EMPLOYER_KINDS[index % len(EMPLOYER_KINDS)]}"
                seed = f"915301{index % 9 + 1}0MA6{index:05d}{rng.randrange(10)}"
            username = f"sim-{'org' if kind == ApplicantKind.ORGANISATION else 'employer'}-{index:02d}"
            user, created = user_model.objects.get_or_create(username=username, defaults={"first_name": name[:30]})
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
            applicant, _ = Applicant.objects.get_or_create(user=user, defaults={
                "kind": kind, "name": name, "credit_code": _credit_code(seed), "legal_representative": "张立",
                "city": city, "address": f"云南省{city}{place}路{index + 1}号", "contact_name": "王联络",
                "contact_phone": f"0871-63{index:06d}"[:13]})
            (labs if kind == ApplicantKind.ORGANISATION else employers).append(applicant)
        demo = {a.user.username: a for a in Applicant.objects.filter(user__username__in=["applicant", "employer"])
                .select_related("user")}
        if "applicant" in demo:
            labs.append(demo["applicant"])
        if "employer" in demo:
            employers.append(demo["employer"])
        return labs, employers

    def officer(self, authority_id: int, role: str):
        """An officer of the authority with the role; a city bureau without one gets a simulated
        officer (no usable password) so that its cases can be decided."""
        key = (authority_id, role)
        if key not in self._officers:
            officer = (Officer.objects.filter(authority_id=authority_id, roles__code=role)
                       .select_related("user").order_by("user__username").first())
            if officer is None:
                authority = Authority.objects.get(pk=authority_id)
                user_model = get_user_model()
                user, created = user_model.objects.get_or_create(username=f"sim-{authority.code}-{role}".replace(
                    "_", "-"), defaults={"first_name": f"{authority.name_zh}（模拟）"[:30]})
                if created:
                    user.set_unusable_password()
                    user.save(update_fields=["password"])
                officer, _ = Officer.objects.get_or_create(user=user, defaults={"authority": authority})
                officer.roles.add(StaffRole.objects.get(code=role))
            self._officers[key] = officer.user
        return self._officers[key]

    # --- the clock ------------------------------------------------------------------------------
    def now(self, hour: int = 9) -> None:
        self._minute = 0
        self._traveller.move_to(dt.datetime.combine(self.day, dt.time(hour, 0), tzinfo=TZ))

    def tick(self) -> None:
        """Each act of the day a few minutes after the previous one (9:00 to 17:59)."""
        self._minute = min(self._minute + self.rng.randint(2, 9), 8 * 60 + 59)
        self._traveller.move_to(dt.datetime.combine(self.day, dt.time(9 + self._minute // 60, self._minute % 60),
                                                    tzinfo=TZ))

    # --- acts -------------------------------------------------------------------------------------
    def upload(self, application: Application, material, actor) -> None:
        content = PNG_BYTES if "png" in material.file_types and "pdf" not in material.file_types else PDF_BYTES
        workflow.material_upload(application=application, material_code=material.code,
                                 uploaded=SimpleUploadedFile(f"{material.code}.pdf", content),
                                 document_date=self.day if material.max_age_days else None, actor=actor)

    def file(self, code: str, applicant: Applicant) -> Application:
        licence = None
        if code in LICENCE_CODES:
            licence = self.licence_to_name(code, applicant)
            if licence is None:  # nothing to change, renew or cancel: the organisation applies for a licence
                code = "lab-animal-production" if self.rng.random() < 0.35 else "lab-animal-use"
        service_type = self._services[code]
        data = self.person_data(applicant) if code.startswith("foreign") else self.lab_data(code, applicant)
        actor = applicant.user
        self.tick()
        application = workflow.application_create(applicant=applicant, service_type=service_type, data=data,
                                                  actor=actor, original_licence_number=licence)
        for material in service_type.materials.all():
            if material.mode == MaterialMode.COMMITMENT:
                workflow.commitment_sign(application=application, material_code=material.code, actor=actor)
            elif material.mode == MaterialMode.UPLOAD and material.required:
                self.upload(application, material, actor)
        workflow.application_submit(application=application, actor=actor)
        self.result.filings[code] += 1
        return Application.objects.select_related("service_type", "authority", "applicant__user").get(
            pk=application.pk)

    def lab_data(self, code: str, applicant: Applicant) -> dict:
        rng = self.rng
        data = {
            "unit_name": applicant.name, "credit_code": applicant.credit_code, "city": applicant.city,
            "contact_name": applicant.contact_name, "contact_phone": applicant.contact_phone,
        }
        if code != "lab-animal-cancel":
            environments = rng.sample(["conventional", "barrier", "isolation"], rng.choice([1, 1, 2]))
            data.update({
                "legal_representative": applicant.legal_representative,
                "facility_address": f"{applicant.address}实验动物楼",
                "scope": [{"environment": e, "species": rng.sample(SPECIES, rng.randint(1, 3))} for e in environments],
            })
        if code == "lab-animal-change":
            data["change_description"] = rng.choice(["变更法定代表人", "增加屏障环境小鼠饲养范围", "设施地址门牌号变更",
                                                     "单位名称变更"])
        if code == "lab-animal-cancel":
            data["reason"] = rng.choice(["单位停止实验动物生产", "设施搬迁，原址停止使用", "机构合并"])
        return data

    def licence_to_name(self, code: str, applicant: Applicant) -> str | None:
        """One of the applicant's valid licences that no open case already changes, renews or cancels
        (the first of two such cases to be issued would leave the other's licence superseded)."""
        taken = set(Application.objects.filter(applicant=applicant, service_type__code__in=LICENCE_CODES)
                    .exclude(state__in=FINAL_STATES).values_list("original_licence_number", flat=True))
        free = [licence.number for licence in licences_for(applicant=applicant, service_type=self._services[code],
                                                           on=self.day) if licence.number not in taken]
        return self.rng.choice(free) if free else None

    def person_data(self, applicant: Applicant) -> dict:
        rng = self.rng
        index = rng.randrange(len(SURNAMES))
        profile = rng.random()
        if profile < 0.3:  # category A: high salary, doctorate
            salary, degree, years = rng.randint(450, 900) * 1000, "doctorate", rng.randint(5, 20)
        elif profile < 0.9:
            salary, degree, years = rng.randint(150, 420) * 1000, rng.choice(["bachelor", "master"]), rng.randint(2, 12)
        else:
            salary, degree, years = rng.randint(80, 160) * 1000, "other", rng.randint(0, 3)
        birth = dt.date(self.day.year - rng.randint(26, 52), rng.randint(1, 12), rng.randint(1, 28))
        return {
            "employer_name": applicant.name, "employer_credit_code": applicant.credit_code,
            "full_name": f"{GIVEN[rng.randrange(len(GIVEN))]} {SURNAMES[index]}", "nationality": NATIONALITIES[index],
            "passport_number": f"P{rng.randint(10**7, 10**8 - 1)}",
            "passport_expiry": (self.day + dt.timedelta(days=rng.randint(800, 3000))).isoformat(),
            "birth_date": birth.isoformat(), "position": rng.choice(POSITIONS), "annual_salary_cny": salary,
            "highest_degree": degree, "experience_years": years, "chinese_level": rng.choice([0, 0, 1, 2, 3, 4]),
            "months_per_year": rng.choice([12, 12, 12, 10, 6]),
        }

    def state(self, application: Application) -> str:
        return Application.objects.filter(pk=application.pk).values_list("state", flat=True).get()

    def accept(self, application: Application) -> None:
        self.tick()
        workflow.application_accept(application=application,
                                    actor=self.officer(application.authority_id, "intake"))

    def correct(self, application: Application) -> Step:
        """One-time correction notice, the applicant's new upload and resubmission."""
        filing = application.filing
        materials = [m for m in filing.service_type.materials.all() if m.mode == MaterialMode.UPLOAD and m.required]
        material = self.rng.choice(materials)
        reason = self.rng.choice(["文件不清晰，请重新扫描", "缺少盖章页", "检测报告已超过有效期",
                                  "未标明功能分区及人、物流向", "签字页缺失"])
        self.tick()
        workflow.application_request_correction(application=application,
                                                actor=self.officer(application.authority_id, "intake"),
                                                items=[{"material": material.code, "reason": reason}])
        yield self.rng.randint(2, 9)
        self.tick()
        self.upload(filing, material, filing.applicant.user)
        workflow.application_resubmit(application=application, actor=filing.applicant.user)

    def review(self, application: Application, *, target: int, pause: tuple[str, int, int] | None = None,
               extension: int = 0, refuse: bool = False) -> Step:
        """Decide when `target` clock days have run: optional pause (kind, start clock day, length in
        working days), optional extension, approval or refusal through legal review."""
        authority = application.authority_id
        reviewer, approver = self.officer(authority, "reviewer"), self.officer(authority, "approver")
        elapsed = 0
        if pause:
            kind, at, length = pause
            yield at
            elapsed = at
            self.tick()
            workflow.application_pause(application=application, actor=reviewer, kind=kind, expected_days=length,
                                       reason={"site_inspection": "现场核查设施、设备与管理制度落实情况",
                                               "expert_review": "组织专家对申请材料进行技术评审"}.get(kind, "特别程序"))
            yield length + self.rng.choice([0, 0, 0, 1, -1]) if length > 2 else length
            self.tick()
            workflow.application_resume(application=application, actor=reviewer,
                                        result="核查合格" if kind == "site_inspection" else "专家评审通过")
        if extension:
            at = max(elapsed, min(target - 2, 18))
            if at > elapsed:
                yield at - elapsed
                elapsed = at
            self.tick()
            workflow.application_extend(application=application, actor=approver, days=extension,
                                        reason=self.rng.choice(["需补充专家论证", "现场核查发现问题需整改复核",
                                                                "涉及多物种屏障设施，技术审查复杂"]))
        if refuse:
            if target - 2 > elapsed:
                yield target - 2 - elapsed
                elapsed = target - 2
            self.tick()
            workflow.application_propose_refusal(
                application=application, actor=reviewer,
                reasons=self.rng.choice(["屏障环境检测指标不合格", "从业人员未取得培训合格证明",
                                         "申请人不具备相应设施条件"]),
                legal_basis="《实验动物管理条例》及《实验动物许可证管理办法（试行）》相关规定")
            yield max(target - elapsed, 1)
            self.tick()
            workflow.application_confirm_refusal(application=application,
                                                 actor=self.officer(authority, "legal_reviewer"), opinion="同意")
            return
        if target > elapsed:
            yield target - elapsed
        self.tick()
        self.recommend(application, reviewer)
        workflow.application_approve(application=application, actor=approver,
                                     opinion=self.rng.choice(["符合条件，同意", "经审查符合法定条件", "同意核发"]))

    def recommend(self, application: Application, reviewer) -> None:
        """The handling officer's opinion, which hands the case to the approver (三级审查)."""
        workflow.application_recommend(application=application, actor=reviewer, opinion=self.rng.choice([
            "材料齐全，经审查符合法定条件，建议准予许可", "经核查符合条件，拟同意", "审查无异议，建议批准"]))

    def intake(self, application: Application, *, deemed: float, correction: float, not_accepted: float) -> Step:
        """The acceptance phase; returns when the case is in review (or closed)."""
        rng = self.rng
        roll = rng.random()
        if roll < deemed:
            yield 6  # nobody answered within 5 WD: the nightly sweep accepts it as of receipt
            while self.state(application) == State.SUBMITTED:
                yield 1
            return
        yield rng.choice([0, 1, 1, 1, 2, 2, 3])
        if roll < deemed + not_accepted:
            self.tick()
            workflow.application_refuse_acceptance(application=application,
                                                   actor=self.officer(application.authority_id, "intake"),
                                                   reason="申请事项不属于本机关职权范围或不符合申请条件")
            return
        if roll < deemed + not_accepted + correction:
            yield from self.correct(application)
            yield rng.choice([0, 1, 1, 2])
        self.accept(application)

    # --- case scripts ---------------------------------------------------------------------------
    def lab_case(self, code: str, applicant: Applicant) -> Step:
        rng = self.rng
        application = self.file(code, applicant)
        code = application.service_type.code  # a change without a licence to change was filed as a new licence
        yield from self.intake(application, deemed=0.05, correction=0.15 if code != "lab-animal-cancel" else 0.05,
                               not_accepted=0.02)
        if self.state(application) != State.IN_REVIEW:
            return
        new = code in ("lab-animal-production", "lab-animal-use")
        committed = {"lab-animal-change": 5, "lab-animal-cancel": 3}.get(code, 14)
        roll = rng.random()
        extension = 0
        if code == "lab-animal-cancel":
            target = rng.randint(1, 4) if roll < 0.95 else rng.randint(5, 8)
        elif roll < 0.80:
            target = max(1, round(rng.triangular(committed * 0.35, committed, committed * 0.7)))
        elif roll < 0.93:
            target = rng.randint(committed + 1, min(19, committed + 6))
        elif roll < 0.98 and code != "lab-animal-cancel":
            extension = rng.randint(5, 10)
            target = rng.randint(20, 19 + extension)
        else:
            target = rng.randint(21, 24)  # late even against the statutory limit
        pause = None
        pause_roll = rng.random()
        if new and pause_roll < 0.40:
            pause = ("site_inspection", rng.randint(1, max(1, min(4, target - 1))), rng.randint(3, 10))
        elif new and pause_roll < 0.55:
            pause = ("expert_review", rng.randint(1, max(1, min(5, target - 1))), rng.randint(5, 12))
        elif code == "lab-animal-renewal" and pause_roll < 0.2:
            pause = ("site_inspection", rng.randint(1, max(1, min(4, target - 1))), rng.randint(2, 6))
        if pause and pause[1] >= target:
            target = pause[1] + 1
        if rng.random() < 0.03:  # the applicant withdraws during the review
            yield rng.randint(1, max(1, min(target, 8)))
            if self.state(application) == State.IN_REVIEW:
                self.tick()
                workflow.application_withdraw(application=application, actor=application.applicant.user,
                                              reason=rng.choice(["设施改造，暂缓申请", "单位调整研究方向"]))
            return
        yield from self.review(application, target=target, pause=pause, extension=extension,
                               refuse=rng.random() < 0.05)

    def work_permit_case(self, applicant: Applicant) -> Step:
        rng = self.rng
        application = self.file("foreign-work-permit", applicant)
        yield from self.intake(application, deemed=0.03, correction=0.10, not_accepted=0.02)
        if self.state(application) != State.IN_REVIEW:
            return
        committed = 5 if application.category == "A" else 10
        roll = rng.random()
        target = rng.randint(max(1, committed - 3), committed) if roll < 0.9 else rng.randint(committed + 1,
                                                                                               committed + 5)
        yield from self.review(application, target=target, refuse=rng.random() < 0.03)

    def one_stop_case(self, applicant: Applicant) -> Step:
        """Both agencies accept and review in parallel; the residence permit is decided once the work
        permit is granted."""
        rng = self.rng
        joint = self.file("foreign-talent-one-stop", applicant)
        tracks = {t.service_type.code: t for t in joint.tracks.select_related("service_type", "authority", "parent",
                                                                               "applicant__user")}
        permit, residence = tracks["foreign-work-permit"], tracks["foreign-residence-permit"]
        if rng.random() < 0.03:
            yield rng.randint(0, 2)
            self.tick()
            workflow.application_withdraw(application=joint, actor=applicant.user, reason="外籍人员不再入职")
            return
        first, second = sorted([(rng.choice([0, 1, 1, 2]), permit), (rng.choice([0, 1, 1, 2, 3]), residence)],
                               key=lambda pair: pair[0])
        yield first[0]
        self.accept(first[1])
        yield second[0] - first[0]
        self.accept(second[1])
        permit.refresh_from_db()
        # The one-stop promise is 7 WD for the filing: most work permits are decided well inside their
        # own limit (A 5, B/C 10) so that the residence permit can follow within it.
        committed = 5 if permit.category == "A" else 10
        days = rng.randint(2, min(committed, 6)) if rng.random() < 0.9 else rng.randint(committed - 2, committed + 3)
        elapsed = max(second[0] - first[0], 0) if first[1] is permit else 0
        yield max(days - elapsed, 0)
        authority = permit.authority_id
        self.tick()
        refused = rng.random() < 0.03
        if refused:
            workflow.application_propose_refusal(application=permit, actor=self.officer(authority, "reviewer"),
                                                 reasons="工作资历证明与申报职位不符",
                                                 legal_basis="《外国人入境出境管理条例》")
            yield 1
            self.tick()
            workflow.application_confirm_refusal(application=permit, actor=self.officer(authority, "legal_reviewer"))
        else:
            self.recommend(permit, self.officer(authority, "reviewer"))
            workflow.application_approve(application=permit, actor=self.officer(authority, "approver"),
                                         opinion="符合条件，同意")
        yield rng.choice([0, 1, 1, 1, 2, 2, 3])
        exit_entry = residence.authority_id
        self.tick()
        if refused:
            workflow.application_propose_refusal(application=residence, actor=self.officer(exit_entry, "reviewer"),
                                                 reasons="工作许可未获批准",
                                                 legal_basis="《外国人入境出境管理条例》第三十条")
            self.tick()
            workflow.application_confirm_refusal(application=residence,
                                                 actor=self.officer(exit_entry, "legal_reviewer"))
        else:
            self.recommend(residence, self.officer(exit_entry, "reviewer"))
            workflow.application_approve(application=residence, actor=self.officer(exit_entry, "approver"),
                                         opinion="准予签发工作类居留许可")

    # --- the loop -------------------------------------------------------------------------------
    def _schedule(self, script: Step, wake: int) -> None:
        heapq.heappush(self._queue, (wake, next(self._order), script, 0))

    def _advance(self, script: Step, index: int) -> None:
        try:
            wait = next(script)
        except StopIteration:
            return
        except workflow.WorkflowError as exc:
            self.result.errors.append(f"{self.day}: {type(exc).__name__}: {exc.message} {exc.errors or ''}")
            return
        if wait <= 0:
            self._advance(script, index)
        else:
            self._schedule(script, index + wait)

    def run(self) -> SimulationResult:
        started, cpu_started = time.perf_counter(), time.process_time()
        rng = self.rng
        labs, employers = self._organisations()
        saved_issuers = dict(issuance.issuers)
        settings = override_settings(
            EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend", DEBUG=False,
            PASSWORD_HASHERS=[f"{SimulationHasher.__module__}.SimulationHasher"],
        )
        with ExitStack() as stack:
            stack.enter_context(settings)
            if not self.with_certificates:
                issuance.issuers.clear()
                stack.callback(issuance.issuers.update, saved_issuers)
            self._traveller = stack.enter_context(time_machine.travel(
                dt.datetime.combine(self.start, dt.time(9), tzinfo=TZ), tick=False))
            day = self.start
            while day <= self.until and (day <= self.end or self._queue):
                self.day = day
                # The sweep runs on working days only: a deemed acceptance dates from the receipt
                # whichever day it runs, and nobody reads the alerts on a Sunday.
                with transaction.atomic():
                    if self.calendar.is_working_day(day):
                        self.now(8)
                        workflow.deadlines_sweep(on=day)
                        index = self.calendar.nth_working_day_index(day)
                        self.now(9)
                        if day <= self.end:
                            for code, rate in ARRIVALS.items():
                                for _ in range(poisson(rng, rate)):
                                    if code.startswith("lab"):
                                        script = self.lab_case(code, rng.choice(labs))
                                    elif code == "foreign-work-permit":
                                        script = self.work_permit_case(rng.choice(employers))
                                    else:
                                        script = self.one_stop_case(rng.choice(employers))
                                    self._advance(script, index)
                        while self._queue and self._queue[0][0] <= index:
                            _wake, _order, script, _ = heapq.heappop(self._queue)
                            self._advance(script, index)
                self.result.days += 1
                day += dt.timedelta(days=1)
        self.result.last_day = day - dt.timedelta(days=1)
        self.result.open_cases = len(self._queue)
        self.result.outcomes = Counter(Application.objects.filings()
                                       .values_list("state", flat=True))
        self.result.seconds = time.perf_counter() - started
        self.result.cpu_seconds = time.process_time() - cpu_started
        return self.result


def simulate_history(*, start: dt.date, end: dt.date, seed: int, until: dt.date | None = None,
                     with_certificates: bool = False) -> SimulationResult:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # the simulation commits once per day; no need to wait for the disk
            cursor.execute("PRAGMA synchronous = OFF")
    return Simulation(start=start, end=end, seed=seed, until=until, with_certificates=with_certificates).run()


def legacy_cohort_csv(*, seed: int, year: int = 2022) -> str:
    """Historical case records of the pre-reform procedure, one row per case (see README, Metrics)."""
    rng = random.Random(seed * 7919 + year)
    calendar = get_calendar()
    days = [dt.date(year, 1, 1) + dt.timedelta(days=n) for n in range(365)]
    working = [d for d in days if calendar.is_working_day(d)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["service", "received_on", "decided_on", "materials_count", "paused_days", "case_ref"])
    serial = itertools.count(1)
    rows = []
    for code, (cases, low, mode, high, paused_share, m_low, m_high) in LEGACY_COHORT.items():
        for _ in range(cases):
            received = rng.choice(working)
            clock = round(rng.triangular(low, high, mode))
            paused = rng.randint(5, 20) if rng.random() < paused_share else 0
            decided = calendar.add_working_days(received, clock + paused)
            rows.append((received, code, decided, rng.randint(m_low, m_high), paused))
    for received, code, decided, materials, paused in sorted(rows):
        writer.writerow([code, received.isoformat(), decided.isoformat(), materials, paused,
                         f"YN{year}-{next(serial):04d}"])
    return out.getvalue()


def write_legacy_cohort(path: Path, *, seed: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(legacy_cohort_csv(seed=seed), encoding="utf-8")
    return path

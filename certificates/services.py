"""Issuing certificates and changing their status. `certificate_issue` is the issuer the licensing
app calls (through its issuance hook) right after an approval commits."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import random

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from licensing.constants import State, SubmissionKind
from licensing.issuance import IssueRefused
from licensing.licences import HeldLicence
from licensing.models import Application, MaterialSubmission
from licensing.permissions import perm_role
from licensing.workflow import application_mark_issued
from licensing.workflow.core import locked
from services.constants import Matter
from services.models import Authority

from . import keys
from .constants import KIND_TITLES, TOKEN_KINDS, CertificateStatus, Kind
from .core import identifiers, tokens
from .core import keys as core_keys
from .core.pades import sign_pdf
from .core.pdf import CertificatePdfData, render_certificate_pdf
from .core.statuslist import MIN_SIZE, random_free_index
from .hooks import status_changed
from .links import verify_url
from .models import Certificate, CertificateEvent, SerialCounter, SigningKey
from .ratelimit import publish_status_change

ENVIRONMENTS = {"conventional": "普通环境", "barrier": "屏障环境", "isolation": "隔离环境"}
ENVIRONMENTS_EN = {"conventional": "conventional environment", "barrier": "barrier environment",
                   "isolation": "isolation environment"}
SPECIES = {"mouse": "小鼠", "rat": "大鼠", "hamster": "地鼠", "guinea_pig": "豚鼠", "rabbit": "兔", "dog": "犬",
           "monkey": "猴", "pig": "小型猪", "cat": "猫", "chicken": "鸡", "zebrafish": "斑马鱼", "tree_shrew": "树鼩"}
NATIONALITIES = {"DEU": "德国", "USA": "美国", "GBR": "英国", "FRA": "法国", "JPN": "日本", "KOR": "韩国",
                 "RUS": "俄罗斯", "ITA": "意大利", "CAN": "加拿大", "AUS": "澳大利亚", "THA": "泰国", "VNM": "越南",
                 "LAO": "老挝", "MMR": "缅甸", "IND": "印度", "SGP": "新加坡", "ESP": "西班牙", "NLD": "荷兰"}
# The licence type codes of the national e-licence catalogue (issuing ministry's credit code + 3
# digits); set TONGBAN_TYPE_CODE_<KIND> to the catalogue's values where they differ.
DEFAULT_TYPE_CODES = {Kind.SCXK: "11100000MB0C1749XT001", Kind.SYXK: "11100000MB0C1749XT002",
                      Kind.WORK_PERMIT: "11100000MB0C1749XT003", Kind.RESIDENCE_PERMIT: "11100000MB0C1749XT004"}


class IssueError(IssueRefused):
    """The certificate cannot be issued (the case stays approved, with this reason)."""


class CertificateActionError(Exception):
    def __init__(self, message: str, *, status: int = 409, code: str = "not_allowed") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


def type_code(kind: str) -> str:
    return os.environ.get(f"TONGBAN_TYPE_CODE_{kind.upper()}", DEFAULT_TYPE_CODES[kind])


def scope_text(scope: list[dict], *, english: bool = False) -> str:
    """屏障环境：小鼠、大鼠 — as the licence states it (or in English for the English pages)."""
    parts = []
    for entry in scope or []:
        environment = entry.get("environment")
        if english:
            species = ", ".join(s.replace("_", " ") for s in entry.get("species", []))
            parts.append(f"{ENVIRONMENTS_EN.get(environment, environment)}: {species}")
        else:
            species = "、".join(SPECIES.get(s, s) for s in entry.get("species", []))
            parts.append(f"{ENVIRONMENTS.get(environment, environment)}：{species}")
    return ("; " if english else "；").join(parts)


def mask_name(name: str) -> str:
    """Keep the first letter of each word (the first character of a Chinese name)."""
    if not name:
        return ""
    if all("\u4e00" <= ch <= "\u9fff" for ch in name.replace("·", "")):
        return name[0] + "*" * (len(name) - 1)
    return " ".join(word[0] + "*" * (len(word) - 1) for word in name.split())


def mask_passport(number: str) -> str:
    if len(number) <= 3:
        return "*" * len(number)
    return number[0] + "*" * (len(number) - 3) + number[-2:]


def _next_serial(kind: str, year: int) -> int:
    """The next serial of `kind` in `year`, gap-free: the counter is raised and read in one statement,
    which holds its row lock to the end of the issuing transaction (a concurrent issue waits for it,
    then takes the next). The year's first certificate creates the counter first."""
    table = connection.ops.quote_name(SerialCounter._meta.db_table)
    for _attempt in range(2):
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET last = last + 1 WHERE kind = %s AND year = %s RETURNING last",
                           [kind, year])
            row = cursor.fetchone()
        if row is not None:
            return row[0]
        SerialCounter.objects.get_or_create(kind=kind, year=year)  # a concurrent first one may win: fine
    raise RuntimeError(f"no serial counter for {kind} {year}")


def held_licences(*, credit_code: str, on: dt.date) -> list[HeldLicence]:
    """The licence source registered with licensing: the valid lab animal licences the organisation with
    this credit code holds on `on` (a suspended or expired licence cannot be changed or renewed)."""
    certificates = (Certificate.objects.filter(holder_code=credit_code, kind__in=[Kind.SCXK, Kind.SYXK],
                                               status=CertificateStatus.VALID, valid_to__gte=on)
                    .order_by("number", "-revision"))
    return [HeldLicence(number=c.number, kind=c.kind, holder_name=c.holder_name, holder_code=c.holder_code,
                        valid_from=c.valid_from, valid_to=c.valid_to, status=c.status) for c in certificates]


def _predecessor(application: Application) -> Certificate | None:
    number = application.original_licence_number
    if not number:
        return None
    return (Certificate.objects.select_for_update()
            .filter(number=number, status__in=[CertificateStatus.VALID, CertificateStatus.SUSPENDED])
            .order_by("-revision").first())


def _validity(application: Application, kind: str, issued: dt.date, predecessor: Certificate | None):
    service = application.service_type
    if service.matter == Matter.CHANGE and predecessor:
        return issued, predecessor.valid_to
    if service.matter == Matter.RENEWAL and predecessor:
        # The renewed licence follows on from the old one: no gap, no overlap (also when deemed
        # renewed, or issued a day late).
        start = predecessor.valid_to + dt.timedelta(days=1)
        return start, identifiers.validity_end(start, service.validity_years or 5)
    if kind in (Kind.WORK_PERMIT, Kind.RESIDENCE_PERMIT):
        # A first permit runs one year (the employment contract's term is checked by the officer).
        return issued, identifiers.validity_end(issued, 1)
    return issued, identifiers.validity_end(issued, service.validity_years or 5)


def _holder(application: Application, kind: str) -> dict:
    data = application.data
    if kind in (Kind.WORK_PERMIT, Kind.RESIDENCE_PERMIT):
        return {
            "holder_name": data["full_name"], "holder_code": data["passport_number"], "holder_code_type": "414",
            "facility_address": "", "scope": "",
            "details": {"nationality": data["nationality"], "birth_date": data["birth_date"],
                        "employer": data["employer_name"], "employer_credit_code": data["employer_credit_code"],
                        "position": data["position"], "category": application.category},
        }
    return {
        "holder_name": data["unit_name"], "holder_code": data["credit_code"], "holder_code_type": "001",
        "facility_address": data.get("facility_address", ""), "scope": scope_text(data.get("scope", [])),
        "details": {"legal_representative": data.get("legal_representative", ""),
                    "scope_en": scope_text(data.get("scope", []), english=True)},
    }


def _number(kind: str, authority: Authority, year: int, serial: int) -> str:
    if kind in (Kind.SCXK, Kind.SYXK):
        return identifiers.licence_number(kind=kind, province=settings.TONGBAN_PROVINCE_ABBR, year=year,
                                          serial=serial)
    region = authority.credit_code[2:8]
    number = identifiers.work_permit_number(authority_region=region, year=year, serial=serial)
    return number if kind == Kind.WORK_PERMIT else f"R{number}"


def _pdf_rows(kind: str, holder: dict, certificate_number: str) -> list[tuple[str, str | None, str]]:
    details = holder["details"]
    if kind in (Kind.WORK_PERMIT, Kind.RESIDENCE_PERMIT):
        nationality = details["nationality"]
        rows = [
            ("姓名", "Name", holder["holder_name"]),
            ("国籍", "Nationality", f"{NATIONALITIES.get(nationality, nationality)} {nationality}"),
            ("护照号码", "Passport No.", holder["holder_code"]),
            ("出生日期", "Date of birth", details["birth_date"]),
            ("工作单位", "Employer", details["employer"]),
            ("职位", "Position", details["position"]),
        ]
        if kind == Kind.WORK_PERMIT:
            rows.append(("人才类别", "Category", f"{details['category']}类 / Category {details['category']}"))
        return rows
    return [
        ("单位名称", "Holder", holder["holder_name"]),
        ("统一社会信用代码", "Credit code", holder["holder_code"]),
        ("法定代表人", "Legal representative", details["legal_representative"]),
        ("设施地址", "Facility address", holder["facility_address"]),
        ("适用范围", "Scope", holder["scope"]),
    ]


# The material that holds the holder's photo in the work and residence permit checklists (and the
# one-stop filing's shared one): services/catalog/data.py.
PHOTO_MATERIAL = "photo"


def holder_photo(application: Application) -> bytes | None:
    """The current upload of the holder's photo (on the joint filing for a one-stop track), or None."""
    submission = (MaterialSubmission.objects
                  .filter(application=application.filing, material__code=PHOTO_MATERIAL, superseded=False,
                          kind=SubmissionKind.UPLOAD)
                  .exclude(file="").first())
    if submission is None:
        return None
    try:
        with submission.file.open("rb") as stored:
            return stored.read()
    except OSError:  # the file is gone from storage: the permit shows the empty photo box instead
        return None


def _used_indexes(key: SigningKey) -> set[int]:
    return set(Certificate.objects.filter(signing_key=key).values_list("status_index", flat=True))


def _event(certificate: Certificate, actor, action: str, before: str, *, reason: str = "", legal_basis: str = ""):
    return CertificateEvent.objects.create(certificate=certificate, at=timezone.now(), actor=actor, action=action,
                                           from_status=before, to_status=certificate.status, reason=reason,
                                           legal_basis=legal_basis)


def _epoch(day: dt.date, end: bool = False) -> int:
    moment = dt.datetime.combine(day, dt.time(23, 59, 59) if end else dt.time(0, 0),
                                 tzinfo=timezone.get_default_timezone())
    return int(moment.timestamp())


@transaction.atomic
def certificate_issue(*, application: Application, actor) -> Certificate | None:
    """Number, render, sign and store the certificate of an approved application and move the case
    to `issued` — all in one transaction, so a failure leaves neither a number gap nor a half-issued
    case. Idempotent: a case that already has its certificate gets it back."""
    application = locked(application)  # the case's row lock, held to the end (application_mark_issued)
    existing = Certificate.objects.filter(application=application).first()
    if existing:
        return existing
    if application.state != State.APPROVED:
        raise IssueError(_("只有准予许可的办件才能发证。"))
    service = application.service_type
    predecessor = _predecessor(application)
    if service.matter in (Matter.CHANGE, Matter.RENEWAL, Matter.CANCELLATION) and predecessor is None:
        raise IssueError(_("找不到原许可证 %(n)s（或其已失效）。") % {"n": application.original_licence_number or "—"})
    if predecessor and predecessor.holder_code != application.applicant.credit_code:
        raise IssueError(_("原许可证 %(n)s 的持证单位与申请人不一致。") % {"n": predecessor.number})
    if service.matter == Matter.CANCELLATION:
        certificate_set_status(certificate=predecessor, actor=actor, status=CertificateStatus.CANCELLED,
                               action="cancel", reason=application.data.get("reason", ""),
                               legal_basis="《中华人民共和国行政许可法》第七十条")
        application_mark_issued(application=application, actor=actor, locked_here=True,
                                data={"cancelled": predecessor.number})
        return None
    kind = service.certificate_kind or (predecessor.kind if predecessor else "")
    if not kind:
        application_mark_issued(application=application, actor=actor, locked_here=True, data={"certificate": None})
        return None
    authority = application.authority
    try:
        key = keys.active_key(authority=authority)
        signing_key, signing_cert, root_cert = keys.chain(key)
    except (core_keys.KekError, core_keys.KeyDecryptionError, ValueError) as exc:
        # Retrying cannot help: the key-encryption key or the stored key must be put right first.
        message = _("发证机关“%(authority)s”没有可用的签名密钥（%(detail)s），请管理员检查密钥配置后重新发证。")
        raise IssueError(message % {"authority": authority.name_zh, "detail": exc}) from exc
    now = timezone.now()
    today = timezone.localdate()
    holder = _holder(application, kind)
    if service.matter == Matter.CHANGE and predecessor:
        serial, number, revision = predecessor.serial, predecessor.number, predecessor.revision + 1
    else:
        serial = _next_serial(kind, today.year)
        number, revision = _number(kind, authority, today.year, serial), 1
    valid_from, valid_to = _validity(application, kind, today, predecessor)
    identifier = identifiers.certificate_identifier(
        type_code=type_code(kind), issuer_code=authority.credit_code, serial=f"{today.year}{serial:08d}",
        version=revision)
    status_index = random_free_index(_used_indexes(key), MIN_SIZE, random.SystemRandom())
    cti = os.urandom(tokens.CTI_LENGTH)
    person = kind in (Kind.WORK_PERMIT, Kind.RESIDENCE_PERMIT)
    claims = tokens.TokenClaims(
        iss=authority.code, iat=int(now.timestamp()), nbf=_epoch(valid_from), exp=_epoch(valid_to, end=True),
        cti=cti, kind=TOKEN_KINDS[kind], number=number,
        holder_name=mask_name(holder["holder_name"]) if person else holder["holder_name"],
        holder_code=mask_passport(holder["holder_code"]) if person else holder["holder_code"],
        valid_from=valid_from, valid_to=valid_to, revision=revision, status_index=status_index)
    token = tokens.encode_token(claims=claims, private_key=signing_key, kid=bytes.fromhex(key.kid))
    title_zh, title_en = KIND_TITLES[kind]
    pdf = render_certificate_pdf(
        CertificatePdfData(
            authority_name=authority.name_zh, authority_name_en=authority.name_en, title_zh=title_zh,
            title_en=title_en, number=number, identifier=identifier,
            holder_rows=_pdf_rows(kind, holder, number), issue_date=today, valid_from=valid_from,
            valid_to=valid_to, qr_url=verify_url(cose=token),
            seal_text=authority.name_zh, seal_label="行政许可专用章" if not person else "",
            with_photo=person, photo=holder_photo(application) if person else None,
            footer_note=(f"本证照由{authority.name_zh}依法颁发，加盖电子签章，与纸质证照具有同等法律效力。"
                         f"扫描二维码核验真伪及有效状态。"),
        ),
        font_path=settings.TONGBAN_CJK_FONT,
    )
    signed = sign_pdf(pdf, signing_key=signing_key, signing_cert=signing_cert, root_cert=root_cert,
                      reason="电子证照签发", location=authority.name_zh)
    certificate = Certificate(
        application=application, authority=authority, signing_key=key, kind=kind, number=number,
        identifier=identifier, cti=cti.hex(), serial=serial, revision=revision, predecessor=predecessor,
        status_index=status_index, valid_from=valid_from, valid_to=valid_to, issued_at=now, published_on=today,
        token=token,
        pdf_sha256=hashlib.sha256(signed).hexdigest(), **holder)
    certificate.pdf.save(f"{cti.hex()}.pdf", ContentFile(signed), save=False)
    certificate.save()
    _event(certificate, actor, "issue", "", reason=application.case_number)
    if predecessor:
        certificate_set_status(certificate=predecessor, actor=actor, status=CertificateStatus.SUPERSEDED,
                               action="supersede", reason=_("已换发新版本 %(n)s") % {"n": identifier})
    application_mark_issued(application=application, actor=actor, locked_here=True,
                            data={"certificate": number, "identifier": identifier})
    return certificate


def notice_sign(*, pdf: bytes, authority: Authority) -> bytes:
    """Sign a notice PDF (licensing's notice signer) with the authority's document key, as its
    certificates are, so a PDF reader shows who issued it and that it is unchanged."""
    signing_key, signing_cert, root_cert = keys.chain(keys.active_key(authority=authority))
    return sign_pdf(pdf, signing_key=signing_key, signing_cert=signing_cert, root_cert=root_cert,
                    reason="行政许可文书", location=authority.name_zh)


# --- status changes ------------------------------------------------------------------------------

@transaction.atomic
def certificate_set_status(*, certificate: Certificate, actor, status: str, action: str, reason: str = "",
                           legal_basis: str = "") -> Certificate:
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    before = certificate.status
    certificate.status = status
    certificate.status_changed_at = timezone.now()
    certificate.status_reason = reason
    certificate.save(update_fields=["status", "status_changed_at", "status_reason"])
    status_changed(certificate=certificate, event=_event(certificate, actor, action, before, reason=reason,
                                                         legal_basis=legal_basis))
    key = f"tongban:certificate:{certificate.cti}"  # verification.record_cache_key

    def announce() -> None:
        cache.delete(key)
        publish_status_change()  # every worker drops the statuses it holds in memory

    transaction.on_commit(announce)
    return certificate


def _require(certificate: Certificate, actor, *roles: str) -> None:
    if not perm_role(*roles)(certificate, actor):
        raise CertificateActionError(_("您无权对该证照执行此操作。"), status=403)


def _require_text(value: str, field: str) -> None:
    if not (value or "").strip():
        raise CertificateActionError(_("请填写%(f)s。") % {"f": field}, status=400)


@transaction.atomic
def certificate_suspend(*, certificate: Certificate, actor, reason: str, legal_basis: str = "") -> Certificate:
    _require(certificate, actor, "approver")
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    _require_text(reason, _("理由"))
    if certificate.status != CertificateStatus.VALID:
        raise CertificateActionError(_("只有有效的证照可以暂扣。"))
    return certificate_set_status(certificate=certificate, actor=actor, status=CertificateStatus.SUSPENDED,
                                  action="suspend", reason=reason, legal_basis=legal_basis)


@transaction.atomic
def certificate_restore(*, certificate: Certificate, actor, reason: str) -> Certificate:
    _require(certificate, actor, "approver")
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    _require_text(reason, _("理由"))
    if certificate.status != CertificateStatus.SUSPENDED:
        raise CertificateActionError(_("只有暂扣的证照可以恢复。"))
    return certificate_set_status(certificate=certificate, actor=actor, status=CertificateStatus.VALID,
                                  action="restore", reason=reason)


@transaction.atomic
def certificate_propose_revocation(*, certificate: Certificate, actor, reason: str, legal_basis: str) -> Certificate:
    _require(certificate, actor, "approver", "reviewer")
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    _require_text(reason, _("理由"))
    _require_text(legal_basis, _("法律依据"))
    if certificate.status not in (CertificateStatus.VALID, CertificateStatus.SUSPENDED):
        raise CertificateActionError(_("该证照已失效，不能撤销。"))
    certificate.revocation_proposed_by = actor
    certificate.revocation_reason = reason
    certificate.revocation_legal_basis = legal_basis
    certificate.save(update_fields=["revocation_proposed_by", "revocation_reason", "revocation_legal_basis"])
    _event(certificate, actor, "propose_revocation", certificate.status, reason=reason, legal_basis=legal_basis)
    return certificate


def revocation_proposed_by(*, certificate: Certificate, user) -> bool:
    """Whether `user` proposed the pending revocation, and so may not confirm it: whoever proposes
    a revocation is not its legal reviewer (separation of duties, DESIGN §3)."""
    return bool(certificate.revocation_proposed_by_id) and certificate.revocation_proposed_by_id == getattr(
        user, "pk", None)


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, actor, opinion: str = "") -> Certificate:
    """The legal reviewer confirms a proposed revocation (legal review before the decision)."""
    _require(certificate, actor, "legal_reviewer")
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if not certificate.revocation_proposed_by_id:
        raise CertificateActionError(_("撤销须先由审批人员提出并说明理由和依据。"))
    if revocation_proposed_by(certificate=certificate, user=actor):
        raise CertificateActionError(_("提请撤销的人员不能确认该撤销，须由另一名法制审核人员确认。"), status=403,
                                     code="same_officer")
    if certificate.status not in (CertificateStatus.VALID, CertificateStatus.SUSPENDED):
        raise CertificateActionError(_("该证照已失效，不能撤销。"))
    reason = certificate.revocation_reason + (f"（法制审核意见：{opinion}）" if opinion else "")
    return certificate_set_status(certificate=certificate, actor=actor, status=CertificateStatus.REVOKED,
                                  action="revoke", reason=reason, legal_basis=certificate.revocation_legal_basis)


@transaction.atomic
def certificate_cancel(*, certificate: Certificate, actor, reason: str) -> Certificate:
    _require(certificate, actor, "approver")
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    _require_text(reason, _("理由"))
    if certificate.status not in (CertificateStatus.VALID, CertificateStatus.SUSPENDED):
        raise CertificateActionError(_("该证照已失效。"))
    return certificate_set_status(certificate=certificate, actor=actor, status=CertificateStatus.CANCELLED,
                                  action="cancel", reason=reason, legal_basis="《中华人民共和国行政许可法》第七十条")


# The status verbs of the pages and the API: name → (certificate, actor, posted fields) → certificate.
ACTIONS = {
    "suspend": lambda c, u, p: certificate_suspend(certificate=c, actor=u, reason=p.get("reason", ""),
                                                  legal_basis=p.get("legal_basis", "")),
    "restore": lambda c, u, p: certificate_restore(certificate=c, actor=u, reason=p.get("reason", "")),
    "propose-revocation": lambda c, u, p: certificate_propose_revocation(
        certificate=c, actor=u, reason=p.get("reason", ""), legal_basis=p.get("legal_basis", "")),
    "revoke": lambda c, u, p: certificate_revoke(certificate=c, actor=u, opinion=p.get("opinion", "")),
    "cancel": lambda c, u, p: certificate_cancel(certificate=c, actor=u, reason=p.get("reason", "")),
}

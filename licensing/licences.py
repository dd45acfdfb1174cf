"""Which licences an applicant holds, so that a change, renewal or cancellation names one of the
applicant's own valid licences. The certificates app registers the lookup (AppConfig.ready), so
licensing never imports certificates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from services.constants import CertificateKind, Matter

FIELD = "original_licence_number"
# The matters that act on a licence the applicant already holds.
LICENCE_MATTERS = frozenset({Matter.CHANGE, Matter.RENEWAL, Matter.CANCELLATION})
# A change, renewal or cancellation type without its own certificate kind applies to either lab animal
# licence (a renewal of a production licence is filed under lab-animal-renewal).
LAB_ANIMAL_KINDS = (CertificateKind.SCXK, CertificateKind.SYXK)


@dataclass(frozen=True)
class HeldLicence:
    number: str
    kind: str
    holder_name: str
    holder_code: str
    valid_from: dt.date
    valid_to: dt.date
    status: str

    @property
    def kind_label(self) -> str:
        return str(CertificateKind(self.kind).label) if self.kind in CertificateKind.values else self.kind


LicenceSource = Callable[..., list[HeldLicence]]


class LicenceSources:
    """Callables `source(*, credit_code, on) -> list[HeldLicence]` returning the valid (not expired on
    `on`) lab animal licences held by the organisation with that unified social credit code."""

    def __init__(self) -> None:
        self._sources: list[LicenceSource] = []

    def register(self, source: LicenceSource) -> LicenceSource:
        if source in self._sources:
            raise ImproperlyConfigured(f"Licence source {source!r} is registered twice.")
        self._sources.append(source)
        return source

    def __iter__(self):
        return iter(list(self._sources))


licence_sources = LicenceSources()


def register_licence_source(source: LicenceSource) -> LicenceSource:
    return licence_sources.register(source)


# Further rules on the licence an application names, registered by the apps that own them (the renewal
# window of Art. 50 by aftercare): `check(*, service_type, licence, on) -> list[str]` (messages, empty when
# fine). A licence that fails one is neither offered nor accepted.
LicenceCheck = Callable[..., list[str]]
licence_checks: list[LicenceCheck] = []


def register_licence_check(check: LicenceCheck) -> LicenceCheck:
    if check in licence_checks:
        raise ImproperlyConfigured(f"Licence check {check!r} is registered twice.")
    licence_checks.append(check)
    return check


def needs_original_licence(service_type) -> bool:
    return service_type.matter in LICENCE_MATTERS


def licence_kinds_for(service_type) -> tuple[str, ...]:
    """The licence kinds a change, renewal or cancellation of this service type may name."""
    return (service_type.certificate_kind,) if service_type.certificate_kind else LAB_ANIMAL_KINDS


def licences_held(*, applicant, on: dt.date) -> list[HeldLicence]:
    """The applicant's valid licences on `on` (matched on the unified social credit code), by number."""
    found: dict[str, HeldLicence] = {}
    for source in licence_sources:
        for licence in source(credit_code=applicant.credit_code, on=on):
            if licence.holder_code == applicant.credit_code and licence.valid_to >= on:
                found.setdefault(licence.number, licence)
    return sorted(found.values(), key=lambda licence: (licence.kind, licence.number))


def licences_for(*, applicant, service_type, on: dt.date) -> list[HeldLicence]:
    """The licences the applicant may name in an application for `service_type`."""
    kinds = licence_kinds_for(service_type)
    return [licence for licence in licences_held(applicant=applicant, on=on)
            if licence.kind in kinds and not _check_failures(service_type, licence, on)]


def _check_failures(service_type, licence: HeldLicence, on: dt.date) -> list[str]:
    for check in list(licence_checks):
        messages = check(service_type=service_type, licence=licence, on=on)
        if messages:
            return list(messages)
    return []


def check_original_licence(*, application, on: dt.date) -> dict[str, list[str]]:
    """Field errors for the licence an application names (empty when fine): a change, renewal or
    cancellation must name a valid licence of a kind the service applies to, held by the applicant."""
    service_type = application.service_type
    number = (application.original_licence_number or "").strip()
    if not needs_original_licence(service_type):
        if number:
            return {FIELD: [_("新办事项不需要选择原许可证。")]}
        return {}
    if not number:
        return {FIELD: [_("请选择本次申请所针对的许可证。")]}
    held = {licence.number: licence for licence in licences_held(applicant=application.applicant, on=on)}
    licence = held.get(number)
    if licence is None:
        return {FIELD: [_("许可证 %(number)s 不是贵单位持有的有效许可证。") % {"number": number}]}
    if licence.kind not in licence_kinds_for(service_type):
        return {FIELD: [_("许可证 %(number)s（%(kind)s）不属于本事项适用的许可证种类。") % {
            "number": number, "kind": licence.kind_label}]}
    messages = _check_failures(service_type, licence, on)
    return {FIELD: messages} if messages else {}

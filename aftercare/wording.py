"""How the after-licence notices are worded (one builder per NoticeKind, registered with licensing's
notice builders when this module is imported in AppConfig.ready)."""

from __future__ import annotations

import datetime as dt

from django.utils import translation

from licensing.constants import NoticeKind
from licensing.models import Application
from licensing.notices import Wording, notice_builders


def _zh_day(day: dt.date) -> str:
    return f"{day:%Y年%m月%d日}"


@notice_builders.register(NoticeKind.DEEMED_RENEWAL, title_en="Notice of renewal by operation of law")
def deemed_renewal(application: Application, *, number: str, old_valid_to: dt.date, on: dt.date) -> Wording:
    new_from = old_valid_to + dt.timedelta(days=1)
    return Wording(
        lines_zh=[f"你单位于{_zh_day(application.received_on)}申请延续许可证 {number}"
                  f"（有效期至{_zh_day(old_valid_to)}）。我机关未在该许可证有效期届满前作出是否准予延续的决定，依照《中华人民共和国行政许可法》第五十条第二款，"
                  "视为准予延续。",
                  f"延续后的许可证自{_zh_day(new_from)}起生效，新的电子证照即予颁发，原证照同时失效（已换发）。"],
        lines_en=[f"You applied on {application.received_on.isoformat()} to renew licence {number}, valid to "
                  f"{old_valid_to.isoformat()}. As no decision was made before it expired, the renewal is granted "
                  "by operation of law (Administrative Licensing Law Art. 50(2)).",
                  f"The renewed licence is valid from {new_from.isoformat()}; its electronic certificate is issued "
                  "now and replaces the old one."],
        facts={"licence": number, "old_valid_to": old_valid_to, "new_valid_from": new_from, "deemed_on": on},
    )


@notice_builders.register(NoticeKind.CANCELLATION, title_en="Public notice of cancellation")
def cancellation(application: Application, *, certificate, on: dt.date) -> Wording:
    authority = application.authority
    with translation.override("zh-hans"):
        kind_zh = str(certificate.get_kind_display())
    return Wording(
        lines_zh=[f"{certificate.holder_name}（统一社会信用代码 {certificate.holder_code}）持有的"
                  f"{kind_zh} {certificate.number}，有效期至{_zh_day(certificate.valid_to)}届满，"
                  "未依法申请延续。",
                  f"依照《中华人民共和国行政许可法》第七十条第（一）项，{authority.name_zh}决定予以注销，特此公告。"],
        lines_en=[f"Licence {certificate.number} held by {certificate.holder_name} ({certificate.holder_code}) "
                  f"expired on {certificate.valid_to.isoformat()} without renewal.",
                  f"{authority.name_en} cancels it under Art. 70(1) of the Administrative Licensing Law; this notice "
                  "is published on the public register."],
        facts={"licence": certificate.number, "valid_to": certificate.valid_to, "cancelled_on": on},
    )

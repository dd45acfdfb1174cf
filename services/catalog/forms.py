"""Application forms per service: the JSON Schema of an application's `data` (the API contract),
plus the checks a schema cannot express (check characters, document validity)."""

from __future__ import annotations

import datetime as dt
from copy import deepcopy

from jsonschema import Draft202012Validator, FormatChecker

from django.utils.translation import gettext as _

from services.catalog.countries import country_codes
from services.catalog.points import age_on
from services.validators import is_valid_credit_code

YUNNAN_CITIES = [
    "昆明市", "曲靖市", "玉溪市", "保山市", "昭通市", "丽江市", "普洱市", "临沧市", "楚雄彝族自治州",
    "红河哈尼族彝族自治州", "文山壮族苗族自治州", "西双版纳傣族自治州", "大理白族自治州",
    "德宏傣族景颇族自治州", "怒江傈僳族自治州", "迪庆藏族自治州",
]
ENVIRONMENTS = ["conventional", "barrier", "isolation"]
SPECIES = ["mouse", "rat", "hamster", "guinea_pig", "rabbit", "dog", "monkey", "pig", "cat", "chicken",
           "zebrafish", "tree_shrew"]
CREDIT_CODE_PATTERN = "^[0-9A-HJ-NPQRTUWXY]{18}$"
PHONE_PATTERN = r"^[0-9+()\- ]{7,20}$"


def _text(title: str, title_en: str, max_length: int = 120, **extra) -> dict:
    return {"type": "string", "minLength": 1, "maxLength": max_length, "title": title,
            "x-title-en": title_en, **extra}


LAB_PROPERTIES = {
    "unit_name": _text("单位名称", "Unit name", 160),
    "credit_code": _text("统一社会信用代码", "Unified social credit code", 18, pattern=CREDIT_CODE_PATTERN),
    "legal_representative": _text("法定代表人", "Legal representative", 60),
    "city": {"type": "string", "enum": YUNNAN_CITIES, "title": "所在州市", "x-title-en": "City or prefecture"},
    "facility_address": _text("设施地址", "Facility address", 200),
    "scope": {
        "type": "array", "minItems": 1, "maxItems": 6, "title": "适用范围", "x-title-en": "Scope",
        "items": {
            "type": "object", "additionalProperties": False, "required": ["environment", "species"],
            "properties": {
                "environment": {"type": "string", "enum": ENVIRONMENTS, "title": "环境设施",
                                "x-title-en": "Environment"},
                "species": {"type": "array", "minItems": 1, "uniqueItems": True,
                            "items": {"type": "string", "enum": SPECIES}, "title": "动物品种",
                            "x-title-en": "Species"},
            },
        },
    },
    "contact_name": _text("联系人", "Contact person", 60),
    "contact_phone": _text("联系电话", "Contact phone", 20, pattern=PHONE_PATTERN),
}
LAB_REQUIRED = list(LAB_PROPERTIES)

WORK_PERMIT = "foreign-work-permit"

PERSON_PROPERTIES = {
    "employer_name": _text("用人单位名称", "Employer", 160),
    "employer_credit_code": _text("用人单位统一社会信用代码", "Employer's unified social credit code", 18,
                                  pattern=CREDIT_CODE_PATTERN),
    "full_name": _text("外籍人员姓名（与护照一致）", "Full name (as in the passport)", 120),
    # Stored as the ISO 3166-1 alpha-3 code, as before; the page offers the countries by name.
    "nationality": {"type": "string", "enum": list(country_codes()), "title": "国籍",
                    "x-title-en": "Nationality", "description": "ISO 3166-1 alpha-3"},
    "passport_number": _text("护照号码", "Passport number", 20, pattern="^[A-Z0-9]{5,20}$"),
    "passport_expiry": {"type": "string", "format": "date", "title": "护照有效期至", "x-title-en": "Passport expiry"},
    "birth_date": {"type": "string", "format": "date", "title": "出生日期", "x-title-en": "Date of birth"},
    "position": _text("拟任职位", "Position", 120),
    # The work permit's points (salary, degree, experience, language, time in China) are that track's
    # alone: in the one-stop filing the exit-entry officers do not read them (x-tracks).
    "annual_salary_cny": {"type": "integer", "minimum": 0, "maximum": 100_000_000, "title": "年薪（元）",
                          "x-title-en": "Annual salary (CNY)", "x-tracks": [WORK_PERMIT]},
    "highest_degree": {"type": "string", "enum": ["bachelor", "master", "doctorate", "other"],
                       "title": "最高学位", "x-title-en": "Highest degree", "x-tracks": [WORK_PERMIT]},
    "experience_years": {"type": "integer", "minimum": 0, "maximum": 60, "title": "相关工作经历（年）",
                         "x-title-en": "Years of relevant experience", "x-tracks": [WORK_PERMIT]},
    "chinese_level": {"type": "integer", "minimum": 0, "maximum": 6, "title": "汉语水平（HSK级别，0为无）",
                      "x-title-en": "Chinese level (HSK 0–6)", "x-tracks": [WORK_PERMIT]},
    "months_per_year": {"type": "integer", "minimum": 1, "maximum": 12, "title": "每年在华工作月数",
                        "x-title-en": "Months per year in China", "x-tracks": [WORK_PERMIT]},
}
PERSON_REQUIRED = list(PERSON_PROPERTIES)


def _schema(title: str, properties: dict, required: list[str]) -> dict:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
        "required": required,
    }


FORMS = {
    "lab-animal-production": _schema("实验动物生产许可证申请", LAB_PROPERTIES, LAB_REQUIRED),
    "lab-animal-use": _schema("实验动物使用许可证申请", LAB_PROPERTIES, LAB_REQUIRED),
    "lab-animal-change": _schema(
        "实验动物许可证变更申请",
        {**LAB_PROPERTIES, "change_description": _text("变更事项说明", "What changes", 1000)},
        [*LAB_REQUIRED, "change_description"],
    ),
    "lab-animal-renewal": _schema("实验动物许可证延续申请", LAB_PROPERTIES, LAB_REQUIRED),
    "lab-animal-cancel": _schema(
        "实验动物许可证注销申请",
        {key: LAB_PROPERTIES[key] for key in ("unit_name", "credit_code", "city", "contact_name", "contact_phone")}
        | {"reason": _text("注销原因", "Reason", 1000)},
        ["unit_name", "credit_code", "city", "contact_name", "contact_phone", "reason"],
    ),
    "foreign-work-permit": _schema("外国人来华工作许可申请", PERSON_PROPERTIES, PERSON_REQUIRED),
    "foreign-residence-permit": _schema("外国人工作类居留许可申请", PERSON_PROPERTIES, PERSON_REQUIRED),
    "foreign-talent-one-stop": _schema("外国人才工作居留一站式申请", PERSON_PROPERTIES, PERSON_REQUIRED),
}


def form_schema(code: str) -> dict:
    return deepcopy(FORMS[code])


def normalise_data(data: dict) -> dict:
    """What an applicant types, in the stored form: a passport number in upper case without spaces, a
    nationality code in upper case. Anything else is returned as it came."""
    if not isinstance(data, dict):
        return data
    normalised = dict(data)
    for field in ("passport_number", "nationality"):
        value = normalised.get(field)
        if isinstance(value, str):
            normalised[field] = "".join(value.split()).upper()
    return normalised


def _path(error) -> str:
    parts = [str(p) for p in error.absolute_path]
    if error.validator == "required":
        missing = error.message.split("'")[1]
        parts.append(missing)
    if error.validator == "additionalProperties":
        return "data"
    return ".".join(parts) or "data"


def _message(error) -> str:
    kind = error.validator
    if kind == "required":
        return _("此项为必填项。")
    if kind in ("minLength",) and error.instance == "":
        return _("此项为必填项。")
    if kind == "enum":
        return _("不是可选的值。")
    if kind == "pattern":
        return _("格式不正确。")
    if kind == "format":
        return _("日期格式应为 YYYY-MM-DD。")
    if kind == "type":
        return _("类型不正确（应为%(type)s）。") % {"type": error.validator_value}
    if kind in ("minimum", "maximum"):
        return _("超出允许范围。")
    if kind == "minItems":
        return _("至少填写一项。")
    if kind == "additionalProperties":
        return _("包含未定义的字段：%(detail)s") % {"detail": error.message}
    return error.message


def validate_form(code: str, data: dict, *, complete: bool, today: dt.date) -> dict[str, list[str]]:
    """Field errors keyed by dotted path. A draft (`complete=False`) may leave fields out; a
    submission must be complete and pass the semantic checks."""
    if not isinstance(data, dict):
        return {"data": [_("应为对象。")]}
    schema = form_schema(code)
    if not complete:
        schema["required"] = []
    errors: dict[str, list[str]] = {}
    for error in Draft202012Validator(schema, format_checker=FormatChecker()).iter_errors(data):
        errors.setdefault(_path(error), []).append(_message(error))
    for field in ("credit_code", "employer_credit_code"):
        value = data.get(field)
        if isinstance(value, str) and field not in errors and value and not is_valid_credit_code(value):
            errors[field] = [_("统一社会信用代码校验位不正确（GB 32100）。")]
    # Checks a single field allows are made whenever it is saved (a draft too), so the task list never
    # says "done" for data that submitting would refuse.
    for field, messages in _person_checks(data, today).items():
        if field not in errors:
            errors[field] = messages
    return errors


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)


def _date_or_none(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None  # the schema's format check names it


def _person_checks(data: dict, today: dt.date) -> dict[str, list[str]]:
    """The passport's remaining validity and the holder's age, each checked when its field is present."""
    errors: dict[str, list[str]] = {}
    expiry = _date_or_none(data.get("passport_expiry"))
    if expiry is not None and expiry < _add_months(today, 6):
        errors["passport_expiry"] = [_("护照有效期须在6个月以上（至少到 %(day)s）。") % {
            "day": _add_months(today, 6).isoformat()}]
    birth = _date_or_none(data.get("birth_date"))
    if birth is not None and not 18 <= age_on(birth, today) <= 70:
        errors["birth_date"] = [_("年龄须在18至70周岁之间。")]
    return errors

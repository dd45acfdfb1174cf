"""Forms of the licensing pages: the application details built from the service's JSON Schema,
material uploads, the declaration, the officers' action forms and the public status query.

The forms only shape and pre-check input; the workflow service functions decide."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from services.catalog.countries import country_choices, country_name
from services.catalog.forms import form_schema, normalise_data

from .constants import SPECIES, Degree, Environment
from .correction import DATA as DATA_ITEM
from .materials import _reencoded_image, sniff_type
from .selectors import STAGES

CITY_EN = {
    "昆明市": "Kunming", "曲靖市": "Qujing", "玉溪市": "Yuxi", "保山市": "Baoshan", "昭通市": "Zhaotong",
    "丽江市": "Lijiang", "普洱市": "Pu'er", "临沧市": "Lincang", "楚雄彝族自治州": "Chuxiong Yi AP",
    "红河哈尼族彝族自治州": "Honghe Hani and Yi AP", "文山壮族苗族自治州": "Wenshan Zhuang and Miao AP",
    "西双版纳傣族自治州": "Xishuangbanna Dai AP", "大理白族自治州": "Dali Bai AP",
    "德宏傣族景颇族自治州": "Dehong Dai and Jingpo AP", "怒江傈僳族自治州": "Nujiang Lisu AP",
    "迪庆藏族自治州": "Diqing Tibetan AP",
}
ENVIRONMENT_EN = {"conventional": "Conventional environment", "barrier": "Barrier environment",
                  "isolation": "Isolation environment"}
DEGREE_EN = {"bachelor": "Bachelor", "master": "Master", "doctorate": "Doctorate", "other": "Other"}
HINTS = {
    "credit_code": _("18位，含校验位"),
    "employer_credit_code": _("18位，含校验位"),
    "contact_phone": _("例如 0871-12345678 或 13800000000"),
    "nationality": _("护照上所载的国籍"),
    "passport_number": _("字母和数字，与护照一致；小写字母会自动转为大写"),
    "passport_expiry": _("保存时须距今6个月以上"),
    "annual_salary_cny": _("人民币元，税前"),
}
SCOPE_ROWS = 3
SCOPE_MAX = 6


def is_en() -> bool:
    return (get_language() or "").startswith("en")


def enum_label(field: str, value) -> str:
    """How an enumerated value of the application data reads in the current language."""
    english = is_en()
    if field == "city":
        return f"{value} ({CITY_EN[value]})" if english and value in CITY_EN else str(value)
    if field == "environment":
        if english:
            return ENVIRONMENT_EN.get(value, str(value))
        return str(Environment(value).label) if value in Environment.values else str(value)
    if field == "highest_degree":
        if english:
            return DEGREE_EN.get(value, str(value))
        return str(Degree(value).label) if value in Degree.values else str(value)
    if field == "species":
        zh, en = SPECIES.get(value, (value, value))
        return en if english else str(zh)
    if field == "nationality":
        return f"{country_name(value, english=english)} ({value})"
    return str(value)


def field_title(prop: dict) -> str:
    return prop.get("x-title-en", prop.get("title", "")) if is_en() else prop.get("title", "")


def scope_text(scope) -> str:
    """屏障环境：小鼠、大鼠; 普通环境：兔 (or the English)."""
    if not isinstance(scope, list):
        return ""
    english = is_en()
    parts = []
    for row in scope:
        if not isinstance(row, dict):
            continue
        env = enum_label("environment", row.get("environment", ""))
        species = [enum_label("species", s) for s in row.get("species", []) or []]
        parts.append(f"{env}: {', '.join(species)}" if english else f"{env}：{'、'.join(species)}")
    return "; ".join(parts) if english else "；".join(parts)


def value_text(field: str, value) -> str:
    if value in (None, "", []):
        return ""
    if field == "scope":
        return scope_text(value)
    if field in ("city", "highest_degree", "nationality"):
        return enum_label(field, value)
    return str(value)


def data_rows(code: str, data: dict) -> list[dict]:
    """The application data as labelled rows in the schema's order (for summaries and case pages)."""
    properties = form_schema(code)["properties"]
    return [{"field": name, "label": field_title(prop), "value": value_text(name, data.get(name))}
            for name, prop in properties.items()]


# --- the application details --------------------------------------------------------------------

class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ApplicationDataForm(forms.Form):
    """Every field of the service's schema, none required (a draft may be saved incomplete:
    completeness is checked on the check-your-answers page). During a correction notice only the
    `editable` fields can be changed; the others are disabled (what is posted for them is ignored)
    and shown as read-only rows."""

    def __init__(self, *args, service_code: str, saved: dict | None = None, editable: set[str] | None = None,
                 **kwargs):
        self.schema = form_schema(service_code)
        self.service_code = service_code
        saved = saved or {}
        self.saved = saved
        self.editable = None if editable is None else set(editable)
        super().__init__(*args, initial=self._initial(saved), **kwargs)
        self.scope_rows = 0
        for name, prop in self.schema["properties"].items():
            if name == "scope":
                self._add_scope(prop, saved.get("scope"))
                continue
            field = self._field(name, prop)
            field.label = field_title(prop)
            if name in HINTS:
                field.help_text = HINTS[name]
            self.fields[name] = field
        for name, field in self.fields.items():
            field.disabled = not self.is_editable("scope" if name.startswith("scope_") else name)

    def is_editable(self, name: str) -> bool:
        return self.editable is None or name in self.editable

    def clean_passport_number(self) -> str:
        return normalise_data({"passport_number": self.cleaned_data.get("passport_number") or ""})["passport_number"]

    # building ---------------------------------------------------------------------------------------
    def _field(self, name: str, prop: dict) -> forms.Field:
        if name == "nationality":
            choices = list(country_choices(english=is_en()))
            saved = self.saved.get("nationality")
            if saved and saved not in prop["enum"]:
                choices.append((saved, saved))  # a code stored before the list was kept stays selectable
            # config/static/js/searchable-select.js adds a filter box (the plain select works without it).
            return forms.ChoiceField(required=False, choices=[("", "—"), *choices],
                                     widget=forms.Select(attrs={
                                         "data-searchable": "countries",
                                         "data-filter-label": _(
                                             "输入国名（中文或英文）或三位字母代码筛选，例如 德国、Germany、DEU"),
                                         "data-filter-count": _("%s 个国家符合"),
                                         "data-filter-chosen": _("，已选择 %s")}))
        if "enum" in prop:
            return forms.ChoiceField(required=False, choices=[("", "—")] + [
                (value, enum_label(name, value)) for value in prop["enum"]])
        if prop.get("type") == "integer":
            return forms.IntegerField(required=False, min_value=prop.get("minimum"), max_value=prop.get("maximum"),
                                      widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
        if prop.get("format") == "date":
            return forms.DateField(required=False, widget=DateInput())
        max_length = prop.get("maxLength")
        widget = forms.Textarea(attrs={"rows": 3}) if max_length and max_length > 300 else forms.TextInput()
        return forms.CharField(required=False, max_length=max_length, widget=widget, strip=True)

    def _add_scope(self, prop: dict, saved) -> None:
        items = prop["items"]["properties"]
        env_choices = [("", "—")] + [(v, enum_label("environment", v)) for v in items["environment"]["enum"]]
        species_choices = [(v, enum_label("species", v)) for v in items["species"]["items"]["enum"]]
        saved = saved if isinstance(saved, list) else []
        self.scope_rows = min(SCOPE_MAX, max(SCOPE_ROWS, len(saved)))
        self.scope_title = field_title(prop)
        for index in range(self.scope_rows):
            self.fields[f"scope_{index}_environment"] = forms.ChoiceField(
                required=False, choices=env_choices, label=field_title(items["environment"]))
            self.fields[f"scope_{index}_species"] = forms.MultipleChoiceField(
                required=False, choices=species_choices, widget=forms.CheckboxSelectMultiple,
                label=field_title(items["species"]))

    @staticmethod
    def _initial(saved: dict) -> dict:
        initial = {}
        for name, value in saved.items():
            if name == "scope" and isinstance(value, list):
                for index, row in enumerate(value[:SCOPE_MAX]):
                    if isinstance(row, dict):
                        initial[f"scope_{index}_environment"] = row.get("environment", "")
                        initial[f"scope_{index}_species"] = row.get("species", [])
            else:
                initial[name] = value
        return initial

    # reading ----------------------------------------------------------------------------------------
    def plain_fields(self):
        return [self[name] for name in self.fields if not name.startswith("scope_") and self.is_editable(name)]

    @property
    def scope_editable(self) -> bool:
        return bool(self.scope_rows) and self.is_editable("scope")

    def readonly_rows(self) -> list[dict]:
        """The fields that cannot be changed now, as labelled values."""
        return [row for row in data_rows(self.service_code, self.saved) if not self.is_editable(row["field"])]

    def scope_groups(self):
        return [{"index": i, "number": i + 1, "environment": self[f"scope_{i}_environment"],
                 "species": self[f"scope_{i}_species"]} for i in range(self.scope_rows)]

    def scope_errors(self):
        return self._scope_errors if hasattr(self, "_scope_errors") else []

    def to_data(self) -> dict:
        """The data to save: every schema field; None clears a field that was emptied."""
        data: dict = {}
        for name in self.schema["properties"]:
            if not self.is_editable(name):
                continue
            if name == "scope":
                rows = []
                for index in range(self.scope_rows):
                    env = self.cleaned_data.get(f"scope_{index}_environment") or ""
                    species = list(self.cleaned_data.get(f"scope_{index}_species") or [])
                    if env or species:
                        row = {"species": species}
                        if env:
                            row["environment"] = env
                        rows.append(row)
                data["scope"] = rows or None
                continue
            value = self.cleaned_data.get(name)
            if isinstance(value, dt.date):
                value = value.isoformat()
            data[name] = None if value in ("", None) else value
        return data

    def add_data_errors(self, errors: dict[str, list[str]]) -> None:
        """Field errors from the workflow, keyed by dotted path (`scope.0.species`)."""
        self._scope_errors = []
        for path, messages in errors.items():
            name = self.field_for_path(path)
            for message in messages:
                if name is None:
                    self.add_error(None, message)
                elif name == "scope":
                    self._scope_errors.append(message)
                else:
                    self.add_error(name, message)

    def field_for_path(self, path: str) -> str | None:
        parts = path.split(".")
        if parts[0] == "scope":
            if len(parts) >= 3 and parts[1].isdigit() and int(parts[1]) < self.scope_rows:
                return f"scope_{parts[1]}_{parts[2]}"
            return "scope"
        return parts[0] if parts[0] in self.fields else None

    def error_list(self) -> list[dict]:
        """[{anchor, label, message}] for the error summary."""
        rows = []
        for message in self.non_field_errors():
            rows.append({"anchor": "", "label": "", "message": message})
        for message in self.scope_errors():
            rows.append({"anchor": "scope", "label": self.scope_title, "message": message})
        for name, field in self.fields.items():
            for message in self[name].errors:
                label = field.label
                if name.startswith("scope_"):
                    label = f"{self.scope_title} {int(name.split('_')[1]) + 1} · {field.label}"
                anchor = f"id_{name}_0" if isinstance(field.widget, forms.CheckboxSelectMultiple) else f"id_{name}"
                rows.append({"anchor": anchor, "label": label, "message": message})
        return rows


# --- materials and submission --------------------------------------------------------------------

class UploadForm(forms.Form):
    file = forms.FileField(label=_("选择文件"), required=True, allow_empty_file=True,
                           error_messages={"required": _("请选择要上传的文件。")})
    document_date = forms.DateField(label=_("出具日期"), required=False, widget=DateInput())
    confirm_duplicate = forms.BooleanField(
        label=_("我确认：同一份文件确实同时作为这两项材料提交"), required=False, widget=forms.HiddenInput)

    def __init__(self, *args, material, duplicates: dict[str, str] | None = None, **kwargs):
        """`duplicates`: SHA-256 → name of another material of the filing that already holds that file."""
        super().__init__(*args, **kwargs)
        self.material = material
        self.duplicates = duplicates or {}
        self.duplicate_of = ""
        if material.max_age_days:
            self.fields["document_date"].required = True
            self.fields["document_date"].error_messages["required"] = _("请填写文件的出具日期。")
            self.fields["document_date"].help_text = _("文件上注明的出具或检测日期，须在 %(days)d 天内。") % {
                "days": material.max_age_days}
        else:
            del self.fields["document_date"]
        accept = {"pdf": ".pdf,application/pdf", "jpeg": ".jpg,.jpeg,image/jpeg", "png": ".png,image/png"}
        self.fields["file"].widget.attrs["accept"] = ",".join(accept[t] for t in material.file_types if t in accept)

    def clean(self):
        """The same file for two materials is usually a slip: say so, and take it only once confirmed."""
        cleaned = super().clean()
        uploaded = cleaned.get("file")
        if uploaded is None or not self.duplicates:
            return cleaned
        uploaded.seek(0)
        data = uploaded.read()
        uploaded.seek(0)
        digests = [hashlib.sha256(data).hexdigest()]
        kind = sniff_type(data[:16])
        if kind in ("png", "jpeg"):
            # An image is stored re-encoded (licensing.materials), so the other material holds that digest.
            # An image the workflow cannot read is refused by its upload check, which names why.
            with contextlib.suppress(Exception):
                digests.append(hashlib.sha256(_reencoded_image(data, kind)).hexdigest())
        other = next((self.duplicates[d] for d in digests if d in self.duplicates), "")
        if other and not cleaned.get("confirm_duplicate"):
            self.duplicate_of = other
            field = self.fields["confirm_duplicate"]
            field.widget = forms.CheckboxInput()
            field.help_text = _("确认后请重新选择文件并上传；如果选错了文件，请选择正确的文件。")
            self.add_error("file", _("这个文件与“%(other)s”已上传的文件完全相同（SHA-256 相同）。") % {"other": other})
        return cleaned


class DeclarationForm(forms.Form):
    declaration = forms.BooleanField(
        label=_("本单位承诺所填信息和所交材料真实、准确、完整，所签署的承诺书内容属实；如有虚假，愿承担相应法律责任。"),
        error_messages={"required": _("请勾选声明后再提交。")},
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("撤回原因（选填）"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))
    confirm = forms.BooleanField(label=_("我确认撤回该申请。撤回后本件办结，如需办理须重新申请。"),
                                 error_messages={"required": _("请勾选确认后再撤回。")})


# --- officer actions -----------------------------------------------------------------------------

def verb_form_class(verb, application) -> type[forms.Form]:
    """The Django form of a registered verb's input, with the limits of this case (the service
    type's extension allowance) and their hints."""
    fields = {}
    for spec in verb.inputs:
        required_message = {"required": _("此项为必填项。")}
        if spec.kind == "int":
            field = forms.IntegerField(label=spec.label, required=spec.required, min_value=spec.min_value,
                                       max_value=spec.limit(application), error_messages=required_message)
        elif spec.kind == "choice":
            field = forms.ChoiceField(label=spec.label, required=spec.required, choices=spec.choices)
        elif spec.kind == "line":
            field = forms.CharField(label=spec.label, required=spec.required, max_length=spec.max_length)
        else:
            field = forms.CharField(label=spec.label, required=spec.required, max_length=spec.max_length,
                                    widget=forms.Textarea(attrs={"rows": spec.rows}), error_messages=required_message)
        hint = spec.hint(application)
        if spec.kind == "int" and spec.limit(application) is not None and not hint:
            hint = _("%(min)d 至 %(max)d 个工作日") % {"min": spec.min_value or 0, "max": spec.limit(application)}
        field.help_text = hint
        fields[spec.name] = field
    return type(f"{verb.slug.title().replace('-', '')}Form", (forms.Form,), fields)


class CorrectionForm(forms.Form):
    """One notice listing every deficient item: tick each material, the whole application form or
    single fields of it, and say what is wrong with each. A choice's key is a material code, "data"
    for the whole form or "data.<field>" for one field."""

    def __init__(self, *args, choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.choices = choices
        for key, label in choices:
            self.fields[f"item_{key}"] = forms.BooleanField(label=label, required=False)
            self.fields[f"reason_{key}"] = forms.CharField(label=label, required=False, max_length=500)

    def rows(self):
        return [{"code": key, "label": label, "tick": self[f"item_{key}"], "reason": self[f"reason_{key}"],
                 "data": key == DATA_ITEM or key.startswith(f"{DATA_ITEM}.")} for key, label in self.choices]

    def groups(self):
        rows = self.rows()
        groups = [{"legend": _("申请信息"), "id": "data", "rows": [r for r in rows if r["data"]],
                   "hint": _("可勾选整张申请表，或只勾选需要修改的字段；申请人只能修改所勾选的内容。")},
                  {"legend": _("申请材料"), "id": "materials", "rows": [r for r in rows if not r["data"]],
                   "hint": ""}]
        return [g for g in groups if g["rows"]]

    def clean(self):
        cleaned = super().clean()
        ticked = [key for key, _label in self.choices if cleaned.get(f"item_{key}")]
        if not ticked:
            raise forms.ValidationError(_("请勾选至少一项需要补正的内容（一次性告知全部事项）。"))
        for key in ticked:
            if not (cleaned.get(f"reason_{key}") or "").strip():
                self.add_error(f"reason_{key}", _("请说明补正理由。"))
        return cleaned

    def items(self) -> list[dict]:
        items = []
        for key, _label in self.choices:
            if not self.cleaned_data.get(f"item_{key}"):
                continue
            reason = self.cleaned_data[f"reason_{key}"].strip()
            if key.startswith(f"{DATA_ITEM}."):
                items.append({"material": DATA_ITEM, "field": key.split(".", 1)[1], "reason": reason})
            else:
                items.append({"material": key, "reason": reason})
        return items


class QueueFilterForm(forms.Form):
    stage = forms.ChoiceField(label=_("环节"), required=False)
    service = forms.ChoiceField(label=_("事项"), required=False)
    warning = forms.ChoiceField(label=_("预警"), required=False, choices=[
        ("", _("全部")), ("green", _("正常")), ("yellow", _("黄牌预警")), ("red", _("红牌超期"))])
    mine = forms.BooleanField(label=_("只看我认领的"), required=False)

    STAGE_LABELS = {"intake": _("待受理"), "correction": _("待补正"), "review": _("审查中"),
                    "handling": _("待承办"), "decision": _("待批准"),
                    "paused": _("特别程序"), "legal_review": _("法制审核"), "issuance": _("待发证")}

    def __init__(self, *args, services, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [("", _("全部"))] + [(s, self.STAGE_LABELS.get(s, s)) for s in STAGES]
        english = is_en()
        self.fields["service"].choices = [("", _("全部"))] + [
            (s.code, s.name_en if english else s.name_zh) for s in services]


class StatusQueryForm(forms.Form):
    case_number = forms.CharField(label=_("办件编号"), max_length=40, strip=True,
                                  error_messages={"required": _("请输入办件编号。")})
    password = forms.CharField(label=_("查询密码"), max_length=20, strip=True,
                               widget=forms.PasswordInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
                               error_messages={"required": _("请输入查询密码。")})

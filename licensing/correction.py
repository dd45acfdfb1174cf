"""The one-time correction notice (Art. 32) as rules over plain values: what a notice flags, what
it records when issued, and, compared with the filing now, what has changed and what is outstanding.

An item is `{"material": <code>, "reason": …}` or `{"material": "data", "field": <key>, "reason": …}`;
`{"material": "data"}` without a field opens the whole form."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

DATA = "data"


@dataclass(frozen=True)
class Flags:
    """What the open notices of a case let the applicant change."""

    whole_form: bool = False
    fields: frozenset[str] = frozenset()
    materials: frozenset[str] = frozenset()

    @property
    def data_open(self) -> bool:
        return self.whole_form or bool(self.fields)

    def field_open(self, name: str) -> bool:
        return self.whole_form or name in self.fields

    def material_open(self, code: str) -> bool:
        return code in self.materials


def flags(items: Iterable[Mapping]) -> Flags:
    whole, fields, materials = False, set(), set()
    for item in items:
        if item.get("material") == DATA:
            if item.get("field"):
                fields.add(item["field"])
            else:
                whole = True
        elif item.get("material"):
            materials.add(item["material"])
    return Flags(whole_form=whole, fields=frozenset(fields), materials=frozenset(materials))


def fingerprint(submission) -> dict | None:
    """Which submission is current for a material: its id and its content (hash or commitment text)."""
    if submission is None:
        return None
    if submission.commitment_text_id:
        return {"submission": submission.pk, "commitment": submission.commitment_text_id,
                "commitment_version": submission.commitment_text.version}
    return {"submission": submission.pk, "sha256": submission.sha256}


def snapshot(items: Iterable[Mapping], *, data: Mapping, current: Mapping) -> dict:
    """What the notice flags, as it stood when the notice was issued. `current` maps a material
    code to its current submission."""
    items = list(items)
    flagged = flags(items)
    taken: dict = {"data": {name: data.get(name) for name in sorted(flagged.fields)},
                   "materials": {code: fingerprint(current.get(code)) for code in sorted(flagged.materials)}}
    if flagged.whole_form:
        taken["form"] = dict(data)
    return taken


def _material_changed(code: str, taken: Mapping, current: Mapping, issued_at) -> bool:
    submission = current.get(code)
    if submission is None:
        return False
    before = taken.get("materials", {})
    if code in before:
        return before[code] is None or before[code].get("submission") != submission.pk
    # A notice issued before snapshots were kept: a submission made after the notice counts.
    return issued_at is not None and submission.submitted_at > issued_at


def _form_changes(taken: Mapping, data: Mapping) -> list[str]:
    form = taken.get("form", {})
    return sorted(name for name in {*form, *data} if form.get(name) != data.get(name))


def outstanding(items: Iterable[Mapping], taken: Mapping, *, data: Mapping, current: Mapping,
                issued_at=None) -> list[dict]:
    """Every flagged item that has not changed since the notice, in the notice's order:
    `{"field": key}`, `{"material": "data"}` for the whole form, or `{"material": code}`."""
    left: list[dict] = []
    for item in items:
        code = item.get("material")
        if code == DATA and item.get("field"):
            name = item["field"]
            before = taken.get("data", {})
            entry = {"field": name}
            unchanged = name in before and before[name] == data.get(name)
        elif code == DATA:
            entry = {"material": DATA}
            unchanged = "form" in taken and not _form_changes(taken, data)
        else:
            entry = {"material": code}
            unchanged = not _material_changed(code, taken, current, issued_at)
        if unchanged and entry not in left:
            left.append(entry)
    return left


def changes(items: Iterable[Mapping], taken: Mapping, *, data: Mapping, current: Mapping) -> dict:
    """What changed in the flagged items: the field names and each new material's hash (or the
    version of the commitment signed instead). For the case log of the resubmission."""
    items = list(items)
    flagged = flags(items)
    fields = set(_form_changes(taken, data)) if flagged.whole_form else set()
    before = taken.get("data", {})
    fields |= {name for name in flagged.fields if name in before and before[name] != data.get(name)}
    materials = []
    for code in sorted(flagged.materials):
        print_now = fingerprint(current.get(code))
        if print_now is None or print_now == taken.get("materials", {}).get(code):
            continue
        row = {"material": code}
        row.update({"sha256": print_now["sha256"]} if "sha256" in print_now else
                   {"commitment_version": print_now["commitment_version"]})
        materials.append(row)
    return {"fields": sorted(fields), "materials": materials}


def titles(item: Mapping, *, materials: Mapping, properties: Mapping) -> tuple[str, str]:
    """(Chinese, English) name of an item for the notice text: the material's name, or the form
    field's title from the schema."""
    code = item.get("material")
    if code != DATA:
        material = materials[code]
        return material.name_zh, material.name_en
    if not item.get("field"):
        return "申请信息", "Application details"
    prop = properties.get(item["field"], {})
    zh = prop.get("title", item["field"])
    return f"申请信息（{zh}）", f"Application details ({prop.get('x-title-en', zh)})"


# --- reading a case (related managers only, so pages and services share one rule) -----------------

def current_submissions(filing) -> dict:
    """The filing's current submission per material code."""
    return {s.material.code: s for s in filing.submissions.filter(superseded=False)
            .select_related("material", "commitment_text")}


def open_notice(case):
    return next((c for c in case.corrections.all() if c.resolved_at is None), None)


def notice_outstanding(notice, *, filing, current: Mapping | None = None) -> list[dict]:
    current = current_submissions(filing) if current is None else current
    return outstanding(notice.items, notice.snapshot or {}, data=filing.data, current=current,
                       issued_at=notice.issued_at)

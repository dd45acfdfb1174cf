"""Countries for the nationality field: the ISO 3166-1 alpha-3 codes with their Chinese and English
names, from pycountry (the Debian iso-codes data and its translations), not a hand-kept list."""

from __future__ import annotations

import gettext
from functools import cache

import pycountry


@cache
def _zh() -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"], fallback=True)


@cache
def country_codes() -> tuple[str, ...]:
    """Every current ISO 3166-1 country, as its alpha-3 code (the value stored in the application data)."""
    return tuple(sorted(country.alpha_3 for country in pycountry.countries))


def country_name(code: str, *, english: bool) -> str:
    """The ISO short name (English) or its Chinese translation; the code itself when unknown."""
    country = pycountry.countries.get(alpha_3=code) if isinstance(code, str) and len(code) == 3 else None
    if country is None:
        return str(code)
    return country.name if english else _zh().gettext(country.name)


@cache
def country_choices(*, english: bool) -> tuple[tuple[str, str], ...]:
    """(code, label) sorted by English name; the label names the country in both languages and the
    code, so typing either name (or the code) finds it: "德国 · Germany (DEU)", "Germany · 德国 (DEU)"."""
    rows = []
    for code in country_codes():
        zh, en = country_name(code, english=False), country_name(code, english=True)
        label = f"{en} · {zh} ({code})" if english else f"{zh} · {en} ({code})"
        rows.append((en, code, label))
    return tuple((code, label) for _, code, label in sorted(rows))

"""The English catalogue is complete and its compiled form is the one Django loads."""

import re
from pathlib import Path

from django.conf import settings
from django.utils import translation

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"


def entries() -> list[tuple[str, str, bool, str | None]]:
    """(msgid, msgstr, fuzzy, msgctxt) for every entry but the header, multi-line strings joined."""
    found = []
    for block in CATALOGUE.read_text(encoding="utf-8").split("\n\n"):
        lines = block.strip().splitlines()
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        parts: dict[str, str] = {}
        key = None
        for line in lines:
            match = re.match(r'^(msgctxt|msgid|msgstr|msgid_plural|msgstr\[\d\])\s+"(.*)"$', line)
            if match:
                key = match[1]
                parts[key] = match[2]
            elif line.startswith('"') and key:
                parts[key] += line[1:-1]
        if parts.get("msgid"):
            found.append((parts["msgid"], parts.get("msgstr", parts.get("msgstr[0]", "")), fuzzy,
                          parts.get("msgctxt")))
    return found


def test_every_message_has_a_reviewed_english_translation():
    rows = entries()
    assert len(rows) > 500
    assert [msgid for msgid, msgstr, _, _ in rows if not msgstr] == []
    assert [msgid for msgid, _, fuzzy, _ in rows if fuzzy] == []


def test_the_compiled_catalogue_is_what_django_serves():
    rows = [(msgid, msgstr, context) for msgid, msgstr, _, context in entries()
            if "%" not in msgid and "\\" not in msgid]
    with translation.override("en"):
        stale = [msgid for msgid, msgstr, context in rows
                 if (translation.pgettext(context, msgid) if context else translation.gettext(msgid)) != msgstr]
    assert stale == [], "run `manage.py compilemessages -l en`"

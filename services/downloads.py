"""The Content-Disposition of a downloaded document named in Chinese (e.g. a licence number
`SCXK(滇)2026-0005.pdf`): the real name for browsers (RFC 6266 with RFC 5987's filename*), and a
readable ASCII name for the clients that only read filename. Pure: no Django import."""

from __future__ import annotations

import re
from urllib.parse import quote

# The province abbreviations of licence numbers (GB/T 2260's 简称), romanised for the ASCII name.
PROVINCE_PINYIN = {
    "京": "Jing", "津": "Jin", "冀": "Ji", "晋": "Jin", "蒙": "Meng", "辽": "Liao", "吉": "Ji", "黑": "Hei",
    "沪": "Hu", "苏": "Su", "浙": "Zhe", "皖": "Wan", "闽": "Min", "赣": "Gan", "鲁": "Lu", "豫": "Yu",
    "鄂": "E", "湘": "Xiang", "粤": "Yue", "桂": "Gui", "琼": "Qiong", "渝": "Yu", "川": "Chuan", "蜀": "Shu",
    "贵": "Gui", "黔": "Qian", "云": "Yun", "滇": "Dian", "藏": "Zang", "陕": "Shaan", "秦": "Qin", "甘": "Gan",
    "陇": "Long", "青": "Qing", "宁": "Ning", "新": "Xin", "港": "Gang", "澳": "Ao", "台": "Tai",
}
# RFC 5987 attr-char besides letters and digits: everything else is percent-encoded.
_ATTR_CHARS = "!#$&+-.^_`|~"


def ascii_filename(name: str, *, default: str = "document") -> str:
    """`SCXK(滇)2026-0005.pdf` → `SCXK-Dian-2026-0005.pdf`: province abbreviations romanised, anything
    else outside letters, digits, `.`, `_` and `-` turned into a hyphen (no quote can break the header)."""
    stem, dot, extension = name.rpartition(".")
    if not dot or not re.fullmatch(r"[A-Za-z0-9]{1,8}", extension):
        stem, dot, extension = name, "", ""
    parts = []
    for ch in stem:
        if ch in PROVINCE_PINYIN:
            parts.append(f"-{PROVINCE_PINYIN[ch]}-")
        elif ch.isascii() and (ch.isalnum() or ch in "._-"):
            parts.append(ch)
        else:
            parts.append("-")
    ascii_stem = re.sub(r"-{2,}", "-", "".join(parts)).strip("-.") or default
    return f"{ascii_stem}{dot}{extension}"


def attachment_disposition(name: str) -> str:
    """The Content-Disposition header value for downloading a file called `name`."""
    fallback = ascii_filename(name)
    if fallback == name:
        return f'attachment; filename="{name}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe=_ATTR_CHARS)}"

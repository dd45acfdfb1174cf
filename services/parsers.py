"""JSON that cannot hurt the server: a depth limit checked before decoding (no recursion to blow up),
integers and floats inside what the databases hold, and no NUL characters or lone surrogates in any
string or key (PostgreSQL refuses both, so they would surface as a 500). `loads_strict` is the pure
function; `SafeJSONParser` is DRF's parser around it (REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"])."""

from __future__ import annotations

import json
import re

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from django.conf import settings
from django.utils.translation import gettext as _

MAX_DEPTH = 32
# Integers a PostgreSQL bigint holds; anything beyond is no valid identifier, amount or count here.
MAX_INT = 2**63 - 1
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")
_FORBIDDEN = re.compile("[\x00\ud800-\udfff]")


class UnsafeJSON(ValueError):
    """The text is not JSON we accept; the message says why (for the `detail` of a 400)."""


def nesting_depth(text: str, *, limit: int) -> int:
    """Deepest nesting of arrays and objects outside strings, stopping as soon as it passes `limit`."""
    depth = deepest = 0
    for match in _BRACKETS.finditer(_STRING.sub("", text)):
        if match.group() in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        else:
            depth -= 1
    return deepest


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > 19:
        raise UnsafeJSON(_("数值超出允许范围。"))
    value = int(text)
    if abs(value) > MAX_INT:
        raise UnsafeJSON(_("数值超出允许范围。"))
    return value


def _parse_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise UnsafeJSON(_("数值超出允许范围。"))
    return value


def _refuse_constant(name: str):
    raise UnsafeJSON(_("不接受 %(name)s。") % {"name": name})


def _check_strings(value) -> None:
    """Walk the decoded value without recursion; refuse NUL and lone surrogates in strings and keys."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _FORBIDDEN.search(item):
                raise UnsafeJSON(_("文本中含有不允许的字符（空字符或无效的 Unicode 代理字符）。"))
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def loads_strict(data: bytes | str, *, max_depth: int = MAX_DEPTH):
    """Decode JSON or raise UnsafeJSON with a message fit for the client."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UnsafeJSON(_("请求体不是有效的 UTF-8 文本。")) from exc
    else:
        text = data
    if nesting_depth(text, limit=max_depth) > max_depth:
        raise UnsafeJSON(_("JSON 嵌套过深（最多 %(depth)d 层）。") % {"depth": max_depth})
    try:
        value = json.loads(text, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_refuse_constant)
    except UnsafeJSON:
        raise
    except (ValueError, RecursionError) as exc:
        raise UnsafeJSON(_("请求体不是有效的 JSON：%(error)s") % {"error": str(exc)[:200]}) from exc
    _check_strings(value)
    return value


class SafeJSONParser(JSONParser):
    """DRF's JSON parser with loads_strict: every JSON endpoint answers bad JSON with a 400 `detail`.
    The body must be an object unless the view sets `json_body_may_be_any = True`."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if stream is None:
            data = b""
        elif limit is None:
            data = stream.read()
        else:
            data = stream.read(limit + 1)
            if len(data) > limit:
                raise ParseError(_("请求体过大。"))
        try:
            value = loads_strict(data)
        except UnsafeJSON as exc:
            raise ParseError(str(exc)) from exc
        view = (parser_context or {}).get("view")
        if not isinstance(value, dict) and not getattr(view, "json_body_may_be_any", False):
            raise ParseError(_("请求体应为 JSON 对象（{...}）。"))
        return value

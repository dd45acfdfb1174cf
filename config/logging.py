"""Log filters: verification tokens carry personal data, so their paths never reach access logs."""

import logging
import re

_TOKEN_PATH = re.compile(r"(/[Cc]/)[0-9A-Za-z%]+")


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(_TOKEN_PATH.sub(r"\1[redacted]", a) if isinstance(a, str) else a
                                for a in (record.args if isinstance(record.args, tuple) else (record.args,)))
        if isinstance(record.msg, str):
            record.msg = _TOKEN_PATH.sub(r"\1[redacted]", record.msg)
        return True

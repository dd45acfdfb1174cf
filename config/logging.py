"""Log filters: verification tokens carry personal data, so their paths never reach access logs."""

import logging
import re

_TOKEN_PATH = re.compile(r"(/[Cc]/)[0-9A-Za-z%]+")


def _redact(value):
    return _TOKEN_PATH.sub(r"\1[redacted]", value) if isinstance(value, str) else value


class RedactTokens(logging.Filter):
    """Replace the token in `/C/<token>` paths, in the message and in its arguments — a tuple
    (Django's server log) or a mapping (gunicorn's access log)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, dict):
            record.args = {key: _redact(value) for key, value in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_redact(value) for value in record.args)
        record.msg = _redact(record.msg)
        return True

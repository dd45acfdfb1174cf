"""Verification tokens never reach the logs."""

import logging

from config.logging import RedactTokens

TOKEN = "1" + "2345678901" * 30


def record(msg, args):
    return logging.LogRecord("x", logging.INFO, __file__, 1, msg, args, None)


def test_django_style_request_line_is_redacted():
    entry = record('"%s" %s %s', (f"GET /C/{TOKEN} HTTP/1.1", "200", "2223"))
    RedactTokens().filter(entry)
    assert TOKEN not in entry.getMessage() and "/C/[redacted]" in entry.getMessage()


def test_gunicorn_style_mapping_arguments_are_redacted_and_still_format():
    atoms = {"h": "127.0.0.1", "r": f"GET /c/{TOKEN} HTTP/1.1", "U": f"/c/{TOKEN}", "s": "200", "b": 10}
    entry = record('%(h)s "%(r)s" %(s)s %(b)s', atoms)
    RedactTokens().filter(entry)
    assert entry.getMessage() == '127.0.0.1 "GET /c/[redacted] HTTP/1.1" 200 10'
    assert TOKEN not in str(entry.args)


def test_other_paths_are_left_alone():
    entry = record("GET %s", ("/guide/lab-animal-use/",))
    RedactTokens().filter(entry)
    assert entry.getMessage() == "GET /guide/lab-animal-use/"

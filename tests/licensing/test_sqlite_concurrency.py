"""Officers acting at once on the embedded SQLite database: a real gunicorn (3 processes × 4 threads)
over a SQLite file, hit by concurrent HTTP requests. A lost race is a 409 as on PostgreSQL, never a
500 "database is locked". Runs in both passes of the suite: the server has its own SQLite file."""

import sqlite3
import threading
from collections import Counter

import dj_database_url
import pytest

from tests.liveserver import LiveServer

OFFICERS = ["intake"] + [f"intake-{n}" for n in range(2, 10)]  # nine intake officers of the department
CASES = 10


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer(tmp_path_factory.mktemp("sqlite-live"))
    live.prepare(cases=CASES, officers=OFFICERS[1:])
    live.start(workers=3, threads=4)
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture(scope="module")
def tokens(server):
    return {username: server.token(username) for username in OFFICERS}


def at_once(server: LiveServer, calls: list[tuple[str, str, str]]) -> list[tuple[int, dict]]:
    """Send (method, path, token) requests from one thread each, released together by a barrier."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def send(index: int, method: str, path: str, token: str) -> None:
        barrier.wait()
        try:
            results[index] = server.request(method, path, token=token, body={} if method == "POST" else None)
        except OSError as exc:  # a dropped connection counts as a server failure
            results[index] = (599, {"raw": repr(exc)})

    threads = [threading.Thread(target=send, args=(i, *call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def failures(results) -> list:
    return [r for r in results if r[0] >= 500]


def test_nine_officers_accepting_one_case_at_once_one_wins_and_eight_get_409(server, tokens):
    case = server.case_ids[0]
    results = at_once(server, [("POST", f"/api/v1/applications/{case}/accept/", tokens[u]) for u in OFFICERS])
    statuses = Counter(status for status, _body in results)
    assert not failures(results), f"{statuses}: {failures(results)[:2]}\n{server.log.read_text()[-3000:]}"
    assert statuses == {200: 1, 409: 8}
    for status, body in results:
        if status == 409:
            assert body["code"] == "not_allowed_in_state"
            assert body["state"] == "in_review"
    status, detail = server.request("GET", f"/api/v1/applications/{case}/", token=tokens["intake"])
    assert status == 200
    assert detail["state"] == "in_review"
    assert [entry["verb"] for entry in detail["log"]].count("accept") == 1


def test_accepts_on_nine_cases_mixed_with_reads_all_succeed(server, tokens):
    cases = server.case_ids[1:10]
    calls = []
    for username, case in zip(OFFICERS, cases, strict=True):
        calls += [("POST", f"/api/v1/applications/{case}/accept/", tokens[username]),
                  ("GET", "/api/v1/queue/", tokens[username]),
                  ("GET", f"/api/v1/applications/{case}/", tokens[username])]
    results = at_once(server, calls)
    statuses = Counter(status for status, _body in results)
    assert not failures(results), f"{statuses}: {failures(results)[:2]}\n{server.log.read_text()[-3000:]}"
    assert all(200 <= status < 300 for status, _body in results), statuses
    for case in cases:
        status, detail = server.request("GET", f"/api/v1/applications/{case}/", token=tokens["intake"])
        assert (status, detail["state"]) == (200, "in_review")
        assert [entry["verb"] for entry in detail["log"]].count("accept") == 1


def test_sqlite_connections_start_write_transactions_immediately_and_wait_for_the_lock(monkeypatch):
    from config.settings.base import sqlite_options

    options = sqlite_options()
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] == 20
    assert "journal_mode=WAL" in options["init_command"]
    monkeypatch.setenv("SQLITE_TIMEOUT", "7.5")
    assert sqlite_options()["timeout"] == 7.5


def test_the_sqlite_options_apply_to_sqlite_urls_only():
    from config.settings.base import database_from_url

    sqlite = database_from_url("sqlite:///var/tongban.sqlite3")
    assert sqlite["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    memory = database_from_url("sqlite:///:memory:")
    assert memory["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    postgres = database_from_url("postgres://u@db:5432/tongban")
    assert "transaction_mode" not in postgres.get("OPTIONS", {})
    assert dj_database_url.parse("postgres://u@db:5432/tongban")["ENGINE"] == postgres["ENGINE"]


def test_the_live_database_file_is_in_wal_mode(server):
    with sqlite3.connect(server.folder / "db.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)

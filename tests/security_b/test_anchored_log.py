"""The anchored case log: the head on the case, the state against the last row, and the daily signed
Merkle root that a chain rewritten inside the database no longer matches. Tampering is done in raw SQL,
as a database administrator would (the models refuse updates and deletes)."""

import datetime as dt
import hashlib
import json
import urllib.request

import pytest

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test import Client

from certificates.logroots import log_root_publish
from certificates.models import LogRoot
from licensing import workflow
from licensing.caselog import GENESIS, Head, entry_digest, merkle_leaf, merkle_root, verify_case_log
from licensing.models import Application, CaseLogEntry
from tests.licensing.conftest import at

D = dt.date
LOG = CaseLogEntry._meta.db_table
APP = Application._meta.db_table


def sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.fixture
def cases(file_application, officers):
    """Three accepted cases (three rows each) and one draft (one row)."""
    made = []
    for _ in range(3):
        app = file_application(on=D(2025, 9, 26))
        with at(D(2025, 9, 29)):
            workflow.application_accept(application=app, actor=officers["intake"].user, opinion="材料齐全")
        app.refresh_from_db()
        made.append(app)
    made.append(file_application(on=D(2025, 9, 26), submit=False))
    return made


def rehash_from(app: Application, seq: int) -> None:
    """What an administrator who knows the algorithm does after an edit: recompute every hash from `seq`
    on, and move the case's head to the new last hash."""
    rows = list(CaseLogEntry.objects.filter(application=app).order_by("seq"))
    prev = rows[seq - 2].hash if seq > 1 else GENESIS
    for row in rows[seq - 1:]:
        digest = entry_digest(prev_hash=prev, application_id=row.application_id, seq=row.seq, at=row.at,
                              actor_id=row.actor_id, actor_label=row.actor_label, verb=row.verb,
                              from_state=row.from_state, to_state=row.to_state, reason=row.reason, data=row.data)
        sql(f"UPDATE {LOG} SET prev_hash = %s, hash = %s WHERE id = %s", [prev, digest, row.pk])
        prev = digest
    sql(f"UPDATE {APP} SET log_head = %s WHERE id = %s", [prev, app.pk])


def test_every_act_moves_the_head_on_the_case_in_its_transaction(cases):
    for app in cases:
        app.refresh_from_db()
        last = app.log.order_by("-seq").first()
        assert (app.log_seq, app.log_head) == (last.seq, last.hash)
        assert app.state == last.to_state
    assert [r.verb for r in cases[0].log.order_by("seq")] == ["create", "submit", "accept"]
    assert cases[0].log_seq == 3 and cases[3].log_seq == 1


def test_a_clean_log_passes_with_and_without_roots(cases, tmp_path, capsys):
    assert verify_case_log()[1] == []
    root = log_root_publish(on=D(2025, 9, 29))
    (tmp_path / "2025-09-29.cose").write_bytes(bytes(root.cose))
    call_command("verify_case_log", roots=str(tmp_path))
    out = capsys.readouterr().out
    assert "case log intact" in out and "1 published root(s) checked, 0 not matched" in out


# --- the seven tamper types -----------------------------------------------------------------------

def tamper_edit_middle(app):
    sql(f"UPDATE {LOG} SET reason = %s WHERE application_id = %s AND seq = 2", ["改过了", app.pk])
    return 2, "content does not match its hash"


def tamper_remove_middle(app):
    sql(f"DELETE FROM {LOG} WHERE application_id = %s AND seq = 2", [app.pk])
    return 3, "sequence gap"


def tamper_remove_last(app):
    sql(f"DELETE FROM {LOG} WHERE application_id = %s AND seq = %s", [app.pk, app.log_seq])
    return app.log_seq, "rows removed from the end"


def tamper_delete_whole_log(app):
    sql(f"DELETE FROM {LOG} WHERE application_id = %s", [app.pk])
    return 0, "no case log"


def tamper_state_without_row(app):
    sql(f"UPDATE {APP} SET state = %s WHERE id = %s", ["approved", app.pk])
    return app.log_seq, "changed without a log row"


def tamper_insert_row(app):
    """A well-formed row chained onto the last one, as if an act had happened."""
    last = app.log.order_by("-seq").first()
    at_ = last.at + dt.timedelta(minutes=5)
    seq = last.seq + 1
    digest = entry_digest(prev_hash=last.hash, application_id=app.pk, seq=seq, at=at_, actor_id=None,
                          actor_label="系统", verb="accept", from_state=last.to_state, to_state=last.to_state,
                          reason="", data={})
    CaseLogEntry.objects.create(application=app, seq=seq, at=at_, actor_id=None, actor_label="系统", verb="accept",
                                from_state=last.to_state, to_state=last.to_state, reason="", data={},
                                prev_hash=last.hash, hash=digest)
    return seq, "added behind its back"


TAMPERS = [tamper_edit_middle, tamper_remove_middle, tamper_remove_last, tamper_delete_whole_log,
           tamper_state_without_row, tamper_insert_row]


@pytest.mark.parametrize("tamper", TAMPERS, ids=lambda f: f.__name__.removeprefix("tamper_"))
def test_each_tamper_is_named_by_verify_case_log(cases, tamper, capsys):
    victim = cases[1]
    seq, problem = tamper(victim)
    checked, breaks = verify_case_log()
    assert [(b.case_number, b.seq) for b in breaks if problem in b.problem] == [(victim.case_number, seq)]
    assert {b.case_number for b in breaks} == {victim.case_number}  # the other cases stay clean
    with pytest.raises(CommandError, match="case log altered"):
        call_command("verify_case_log")
    assert victim.case_number in capsys.readouterr().err


def test_a_chain_rehashed_after_an_edit_passes_alone_but_not_against_the_published_root(cases, tmp_path, capsys):
    published = log_root_publish(on=D(2025, 9, 29))
    (tmp_path / "2025-09-29.cose").write_bytes(bytes(published.cose))
    victim = cases[0]
    sql(f"UPDATE {LOG} SET reason = %s WHERE application_id = %s AND seq = 2", ["改过了", victim.pk])
    rehash_from(victim, 2)
    assert verify_case_log()[1] == []  # the chain and the head agree again: only the anchor can tell
    call_command("verify_case_log")
    with pytest.raises(CommandError, match="1 not matched"):
        call_command("verify_case_log", roots=str(tmp_path))
    err = capsys.readouterr().err
    assert f"root 2025-09-29: {victim.case_number}: row #{victim.log_seq}" in err and "rewritten" in err


def test_seven_tamper_types_are_all_detected(cases, tmp_path):
    """The figure for the report: 7/7 — the six with the plain check, the re-hash only with --roots;
    each tried alone on a clean database (rolled back to a savepoint in between)."""
    published = log_root_publish(on=D(2025, 9, 29))
    (tmp_path / "2025-09-29.cose").write_bytes(bytes(published.cose))
    victim = cases[1]

    def rehash_after_edit(app):
        sql(f"UPDATE {LOG} SET reason = %s WHERE application_id = %s AND seq = 1", ["改过了", app.pk])
        rehash_from(app, 1)

    detected = []
    for tamper in [*TAMPERS, rehash_after_edit]:
        with transaction.atomic():
            victim.refresh_from_db()
            tamper(victim)
            named = victim.case_number in {b.case_number for b in verify_case_log()[1]}
            if tamper is rehash_after_edit:
                assert not named  # invisible to the chain and the head alone
                try:
                    call_command("verify_case_log", roots=str(tmp_path), case=[victim.case_number])
                except CommandError:
                    named = True
            detected.append(named)
            transaction.set_rollback(True)
    assert verify_case_log()[1] == []
    assert detected == [True] * 7


def test_the_root_is_recomputed_from_the_rows_when_the_kept_leaves_are_gone(cases, tmp_path, capsys):
    published = log_root_publish(on=D(2025, 9, 29))
    (tmp_path / "2025-09-29.cose").write_bytes(bytes(published.cose))
    LogRoot.objects.filter(pk=published.pk).update(leaves=[])  # the administrator removes them too
    call_command("verify_case_log", roots=str(tmp_path))
    sql(f"UPDATE {LOG} SET reason = %s WHERE application_id = %s AND seq = 2", ["改过了", cases[2].pk])
    rehash_from(cases[2], 2)
    with pytest.raises(CommandError):
        call_command("verify_case_log", roots=str(tmp_path))
    assert "does not reproduce the published root" in capsys.readouterr().err


def test_a_root_file_not_signed_by_the_publisher_is_refused(cases, tmp_path, capsys):
    from certificates.core.cose import parse_sign1, sign1
    from certificates.core.keys import generate_signing_key, kid_for

    published = log_root_publish(on=D(2025, 9, 29))
    forger = generate_signing_key()
    payload = parse_sign1(bytes(published.cose)).payload  # the genuine payload, signed by someone else
    (tmp_path / "2025-09-29.cose").write_bytes(sign1(payload=payload, private_key=forger,
                                                     kid=kid_for(forger.public_key())))
    with pytest.raises(CommandError):
        call_command("verify_case_log", roots=str(tmp_path))
    assert "not a genuine published root" in capsys.readouterr().err


# --- the tree and the published files ---------------------------------------------------------------

def test_the_merkle_tree_is_the_documented_one():
    a, b, c = Head("TB1", 3, "a" * 64), Head("TB2", 1, "b" * 64), Head("TB3", 7, "c" * 64)
    leaf = lambda h: hashlib.sha256(b"\x00" + f"{h.case_number}:{h.seq}:{h.hash}".encode()).digest()  # noqa: E731
    node = lambda x, y: hashlib.sha256(b"\x01" + x + y).digest()  # noqa: E731
    assert merkle_leaf(a) == leaf(a)
    assert merkle_root([]) == hashlib.sha256(b"").digest()
    assert merkle_root([a]) == leaf(a)
    assert merkle_root([c, a, b]) == node(node(leaf(a), leaf(b)), leaf(c))  # sorted; the odd one promoted
    assert merkle_root([a, b]) != merkle_root([Head("TB1", 3, "a" * 64), Head("TB2", 2, "b" * 64)])


def test_the_index_and_the_day_files_are_served_and_verify_case_log_reads_the_url(cases, monkeypatch, capsys):
    log_root_publish(on=D(2025, 9, 29))
    log_root_publish(on=D(2025, 9, 30))
    client = Client()
    index = client.get("/.well-known/tongban/log-roots/")
    assert index.status_code == 200 and index["Content-Type"] == "application/json"
    document = index.json()
    assert [r["date"] for r in document["roots"]] == ["2025-09-29", "2025-09-30"]
    assert document["tree"] == "tongban-caselog-merkle-v1"
    first = document["roots"][0]
    assert set(first) == {"date", "root", "size", "kid", "cutoff", "url"} and first["size"] == 4
    day = client.get("/.well-known/tongban/log-roots/2025-09-29.cose")
    assert day.status_code == 200 and day["Content-Type"] == "application/cose"
    assert client.get("/.well-known/tongban/log-roots/2025-10-01.cose").status_code == 404
    assert client.get("/.well-known/tongban/log-roots/2025-13-01.cose").status_code == 404

    class Reply:
        def __init__(self, body): self.body = body
        def read(self, n=-1): return self.body
        def __enter__(self): return self
        def __exit__(self, *exc): return False

    def urlopen(url, timeout=None):
        path = url.removeprefix("https://verify.example")
        response = client.get(path)
        assert response.status_code == 200, url
        return Reply(response.content)

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    call_command("verify_case_log", roots="https://verify.example/.well-known/tongban/log-roots/")
    assert "2 published root(s) checked, 0 not matched" in capsys.readouterr().out
    sql(f"UPDATE {LOG} SET reason = %s WHERE application_id = %s AND seq = 1", ["改过了", cases[0].pk])
    rehash_from(cases[0], 1)
    with pytest.raises(CommandError, match="2 not matched"):
        call_command("verify_case_log", roots="https://verify.example/.well-known/tongban/log-roots/")


def test_publishing_is_once_a_day_and_registered_as_a_periodic_task(cases):
    from services.tasks import periodic_tasks

    first = log_root_publish(on=D(2025, 9, 29))
    with at(D(2025, 9, 29)):
        workflow.application_submit(application=cases[3], actor=cases[3].applicant.user)
    again = log_root_publish(on=D(2025, 9, 29))
    assert again.pk == first.pk and again.root == first.root and LogRoot.objects.count() == 1
    assert "certificates.logroots.publish_log_root" in {p.name for p in periodic_tasks()}


def test_the_pinned_publisher_key_decides(cases, tmp_path, capsys):
    from certificates.core.keys import generate_signing_key, public_key_jwk

    published = log_root_publish(on=D(2025, 9, 29))
    (tmp_path / "roots").mkdir()
    (tmp_path / "roots" / "2025-09-29.cose").write_bytes(bytes(published.cose))
    client = Client()
    (tmp_path / "publisher.json").write_bytes(client.get("/.well-known/tongban/publisher-key.json").content)
    call_command("verify_case_log", roots=str(tmp_path / "roots"), publisher_key=str(tmp_path / "publisher.json"))
    (tmp_path / "other.json").write_text(json.dumps({"jwk": public_key_jwk(generate_signing_key().public_key())}))
    with pytest.raises(CommandError):
        call_command("verify_case_log", roots=str(tmp_path / "roots"), publisher_key=str(tmp_path / "other.json"))
    assert "not a genuine published root" in capsys.readouterr().err


def test_the_migration_fills_the_head_of_existing_cases_from_their_last_row(cases):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("licensing.migrations.0008_case_log_head")
    Application.objects.update(log_seq=0, log_head="")  # as before the migration
    assert {b.problem.split(":")[0] for b in verify_case_log()[1]} == {"rows after the case's head #0"}
    migration.fill_heads(apps, None)
    assert verify_case_log()[1] == []
    assert Application.objects.get(pk=cases[0].pk).log_seq == 3

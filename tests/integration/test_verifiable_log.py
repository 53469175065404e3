"""The log proves its own history: positions, leaves, checkpoints, and the tamper campaign.

A store of a few hundred events in two organizations is built once; each case tampers with a
copy (of the store and witness file, or of an export) and must be caught at the right position.
"""

from __future__ import annotations

import io
import json
import random
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from api.services import open_ledger, verifiable_log
from api.settings import Settings
from ledger.canonical import canonical_line
from ledger.checkpoints import create_key_file
from ledger.content import from_value
from revledger_verify import merkle
from revledger_verify.export import verify_export
from revledger_verify.note import Checkpoint, PrivateKey

ORGS = ("acme", "globex")


def populate(settings: Settings, scripts: int = 6, versions: int = 5) -> None:
    ledger = open_ledger(settings)
    try:
        for org in ORGS:
            for s in range(scripts):
                name = f"{org}-svc{s}"
                ledger.create_script(org=org, name=name, actor="alice")
                for v in range(1, versions + 1):
                    ledger.save_draft(org=org, name=name, content=from_value({"v": v, "org": org}, "json"), actor="alice")
                    ledger.publish(org=org, name=name, actor="alice")
                    ledger.promote(org=org, name=name, version=v, environment="staging", actor="bob")
        verifiable_log(ledger).checkpoint()
    finally:
        ledger.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("verifiable")
    key_file = root / "keys" / "ledger.key"
    key = create_key_file(key_file, "ledger.example/log")
    settings = Settings(home=root / "home", signing_key_file=key_file, checkpoint_every=50)
    populate(settings)
    ledger = open_ledger(settings)
    log = verifiable_log(ledger)
    exports = {None: root / "all.jsonl", "acme": root / "acme.jsonl"}
    for org, path in exports.items():
        log.export(path, org)
    ledger.close()
    return {"root": root, "settings": settings, "key": key, "exports": exports}


@pytest.fixture
def copy(built: dict[str, Any], tmp_path: Path) -> Iterator[Callable[[], Any]]:
    """A copy of the store (home and witness) and a function verifying it."""
    home = tmp_path / "home"
    shutil.copytree(built["settings"].home, home)
    settings = built["settings"].model_copy(update={"home": home})
    ledger = open_ledger(settings)

    def verify() -> Any:
        return verifiable_log(ledger).verify_store()

    verify.settings = settings  # type: ignore[attr-defined]
    yield verify
    ledger.close()


def events_db(settings: Settings) -> sqlite3.Connection:
    """The event table with its guard rails dropped, as an attacker with file access would."""
    db = sqlite3.connect(settings.ledger_path, isolation_level=None)
    for op in ("update", "delete"):
        db.execute(f"DROP TRIGGER stored_events_refuse_{op}")
    return db


# The log ---------------------------------------------------------------------------


def test_every_event_gets_the_next_position_and_the_leaf_hash_of_its_export_line(built: dict[str, Any]) -> None:
    settings = built["settings"]
    db = sqlite3.connect(settings.ledger_path)
    rows = db.execute("SELECT rowid, originator_id, originator_version, topic, state FROM stored_events ORDER BY rowid").fetchall()
    tree = sqlite3.connect(settings.tree_path)
    leaves = tree.execute("SELECT seq, notification_id, hash FROM leaves ORDER BY seq").fetchall()
    assert [seq for seq, _n, _h in leaves] == list(range(1, len(rows) + 1))
    lines = built["exports"][None].read_bytes().splitlines()[2:]
    for (seq, notification_id, leaf), row, line in zip(leaves, rows, lines, strict=True):
        assert notification_id == row[0]
        from uuid import UUID

        assert line == canonical_line(seq, UUID(row[1]), row[2], row[3], row[4])
        assert bytes(leaf) == merkle.leaf_hash(line)


def test_a_checkpoint_is_signed_every_n_events_and_appended_to_the_witness_file(built: dict[str, Any]) -> None:
    settings, key = built["settings"], built["key"]
    records = [json.loads(line) for line in settings.witness_path.read_text().splitlines()]
    sizes = [r["size"] for r in records]
    total = sqlite3.connect(settings.ledger_path).execute("SELECT COUNT(*) FROM stored_events").fetchone()[0]
    assert [s for s in sizes if s % 50 == 0] == list(range(50, total + 1, 50))
    assert sizes[-1] == total  # the explicit checkpoint (and the exports) cover the whole log
    for record in records:
        checkpoint = key.public().verify(record["note"])
        assert checkpoint.size == record["size"] and checkpoint.origin == "ledger.example/log"
        assert checkpoint.time == record["time"]


def test_the_event_table_refuses_update_and_delete(built: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    shutil.copy(built["settings"].ledger_path, path)
    db = sqlite3.connect(path)
    with pytest.raises(sqlite3.IntegrityError, match="immutable: UPDATE refused"):
        db.execute("UPDATE stored_events SET topic = 'x' WHERE rowid = 3")
    with pytest.raises(sqlite3.IntegrityError, match="immutable: DELETE refused"):
        db.execute("DELETE FROM stored_events WHERE rowid = 3")


def test_the_log_tree_is_rebuilt_identically_from_the_events(built: dict[str, Any], copy: Any) -> None:
    settings = copy.settings
    before = sqlite3.connect(settings.tree_path).execute("SELECT seq, hash FROM leaves ORDER BY seq").fetchall()
    settings.tree_path.unlink()
    ledger = open_ledger(settings)
    try:
        verifiable_log(ledger).catch_up()
        assert verifiable_log(ledger).tree.root(len(before)) == merkle.root(bytes(h) for _s, h in before)
    finally:
        ledger.close()
    after = sqlite3.connect(settings.tree_path).execute("SELECT seq, hash FROM leaves ORDER BY seq").fetchall()
    assert after == before


# The store's tamper campaign -------------------------------------------------------


def test_an_untouched_copy_of_the_store_verifies(copy: Any) -> None:
    verdict = copy()
    assert verdict.ok, verdict
    assert verdict.events == verdict.tree_size and verdict.extra["unverified_tail"] == 0


def test_one_edited_byte_in_each_of_200_random_events_is_found_at_its_position(copy: Any) -> None:
    db = events_db(copy.settings)
    rows = db.execute("SELECT rowid FROM stored_events ORDER BY rowid").fetchall()
    rng = random.Random(15)
    found = 0
    for (rowid,) in rng.sample(rows, 200):
        (state,) = db.execute("SELECT state FROM stored_events WHERE rowid = ?", [rowid]).fetchone()
        offset = rng.randrange(len(state))
        edited = bytearray(state)
        edited[offset] ^= 1 << rng.randrange(8)
        db.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", [bytes(edited), rowid])
        verdict = copy()
        assert not verdict.ok and verdict.first_bad_position == rowid, (rowid, offset, verdict)
        assert "edited" in (verdict.reason or "")
        found += 1
        db.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", [state, rowid])
    assert found == 200
    assert copy().ok  # every byte put back: the copy verifies again


def _shift(db: sqlite3.Connection, start: int, by: int) -> None:
    db.execute("UPDATE stored_events SET rowid = rowid + 1000000 WHERE rowid >= ?", [start])
    db.execute("UPDATE stored_events SET rowid = rowid - 1000000 + ? WHERE rowid >= 1000000", [by])


def test_a_deleted_event_is_found_at_its_position(copy: Any) -> None:
    db = events_db(copy.settings)
    db.execute("DELETE FROM stored_events WHERE rowid = 123")
    _shift(db, 124, -1)  # no gap left behind either
    verdict = copy()
    assert (verdict.ok, verdict.first_bad_position) == (False, 123), verdict
    assert "missing" in verdict.reason


def test_two_swapped_events_are_found_at_the_first_of_them(copy: Any) -> None:
    db = events_db(copy.settings)
    a = db.execute("SELECT originator_id, originator_version, topic, state FROM stored_events WHERE rowid = 40").fetchone()
    b = db.execute("SELECT originator_id, originator_version, topic, state FROM stored_events WHERE rowid = 90").fetchone()
    db.execute("DELETE FROM stored_events WHERE rowid IN (40, 90)")
    insert = "INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?, ?)"
    db.execute(insert, [40, *b])
    db.execute(insert, [90, *a])
    verdict = copy()
    assert (verdict.ok, verdict.first_bad_position) == (False, 40), verdict


def test_an_inserted_forged_event_is_found_at_its_position(copy: Any) -> None:
    db = events_db(copy.settings)
    _shift(db, 77, +1)
    db.execute(
        "INSERT INTO stored_events (rowid, originator_id, originator_version, topic, state) VALUES (77, ?, 99, ?, ?)",
        ["0" * 32, "revledger:Deployment.Promoted", b'{"version": 666}'],
    )
    verdict = copy()
    assert (verdict.ok, verdict.first_bad_position) == (False, 77), verdict


def test_a_cut_tail_is_found_against_the_witness_file(copy: Any) -> None:
    db = events_db(copy.settings)
    (total,) = db.execute("SELECT COUNT(*) FROM stored_events").fetchone()
    db.execute("DELETE FROM stored_events WHERE rowid > ?", [total - 3])
    verdict = copy()
    assert (verdict.ok, verdict.first_bad_position) == (False, total - 2), verdict
    assert "tail was cut" in verdict.reason


def _rewrite_last_witness(settings: Settings, note: Callable[[str], str]) -> int:
    lines = settings.witness_path.read_text().splitlines()
    record = json.loads(lines[-1])
    record["note"] = note(record["note"])
    lines[-1] = json.dumps(record)
    settings.witness_path.write_text("\n".join(lines) + "\n")
    return int(json.loads(lines[-2])["size"])


def test_a_replaced_checkpoint_signature_is_found(copy: Any) -> None:
    def forge(note: str) -> str:
        body, _sig = note.rsplit(" ", 1)
        return body + " " + "vTu4k" + "A" * 87 + "=\n"

    previous = _rewrite_last_witness(copy.settings, forge)
    verdict = copy()
    assert (verdict.ok, verdict.first_bad_position) == (False, previous + 1), verdict


def test_a_checkpoint_signed_with_another_key_is_found(copy: Any) -> None:
    other = PrivateKey.generate("ledger.example/log")

    def resign(note: str) -> str:
        body = note.split("\n\n")[0]
        origin, size, root, *ext = body.split("\n")
        import base64

        return other.sign(Checkpoint(origin, int(size), base64.b64decode(root), tuple(ext)))

    previous = _rewrite_last_witness(copy.settings, resign)
    verdict = copy()
    assert (verdict.ok, verdict.first_bad_position) == (False, previous + 1), verdict
    assert "not signed by key" in verdict.reason


# The export's tamper campaign ------------------------------------------------------


def verify_bytes(data: bytes, built: dict[str, Any]) -> Any:
    return verify_export(io.BytesIO(data), built["key"].public())


def export_lines(built: dict[str, Any], org: str | None = None) -> list[bytes]:
    return built["exports"][org].read_bytes().splitlines(keepends=True)


def test_an_untouched_export_verifies(built: dict[str, Any]) -> None:
    verdict = verify_bytes(b"".join(export_lines(built)), built)
    assert verdict.ok, verdict
    assert verdict.events == verdict.tree_size == len(export_lines(built)) - 2


def test_one_edited_byte_in_each_of_200_random_exported_events_is_found_at_its_position(built: dict[str, Any]) -> None:
    lines = export_lines(built)
    rng = random.Random(6962)
    for position in rng.sample(range(1, len(lines) - 1), 200):
        line = bytearray(lines[position + 1])
        offset = rng.randrange(len(line) - 1)  # any byte but the newline
        line[offset] = rng.choice([b for b in range(32, 127) if b != line[offset]])
        tampered = [*lines[:position + 1], bytes(line), *lines[position + 2:]]
        verdict = verify_bytes(b"".join(tampered), built)
        assert not verdict.ok and verdict.first_bad_position == position, (position, offset, verdict)


@pytest.mark.parametrize("case", ["delete", "swap", "insert", "truncate", "cut-mid-line"])
def test_deleted_swapped_inserted_and_cut_exported_events_are_found_at_their_position(
    built: dict[str, Any], case: str
) -> None:
    lines = export_lines(built)
    events = lines[2:]
    if case == "delete":
        tampered, expected = events[:99] + events[100:], 100
    elif case == "swap":
        tampered, expected = [*events[:19], events[59], *events[20:59], events[19], *events[60:]], 20
    elif case == "insert":
        forged = events[70].replace(b'"version":', b'"version":9', 1)
        tampered, expected = [*events[:70], forged, *events[70:]], 71
    elif case == "truncate":
        tampered, expected = events[:-5], len(events) - 4
    else:
        tampered, expected = [*events[:-1], events[-1][:30]], len(events)
    verdict = verify_bytes(b"".join(lines[:2] + tampered), built)
    assert (verdict.ok, verdict.first_bad_position) == (False, expected), verdict


def test_a_replaced_signature_or_another_key_fails_the_export_from_position_1(built: dict[str, Any]) -> None:
    lines = export_lines(built)
    header = json.loads(lines[0])
    body = header["checkpoint"].split("\n\n")[0] + "\n"
    forged = dict(header, checkpoint=body + "\n\u2014 ledger.example/log " + "vTu4k" + "A" * 87 + "=\n")
    other = PrivateKey.generate("ledger.example/log")
    import base64

    origin, size, root, *ext = body[:-1].split("\n")
    resigned = dict(header, checkpoint=other.sign(Checkpoint(origin, int(size), base64.b64decode(root), tuple(ext))))
    for changed in (forged, resigned):
        verdict = verify_bytes(json.dumps(changed).encode() + b"\n" + b"".join(lines[1:]), built)
        assert (verdict.ok, verdict.first_bad_position) == (False, 1), verdict
        assert "checkpoint" in verdict.reason


def test_two_spliced_exports_are_found_where_they_part(built: dict[str, Any], tmp_path: Path) -> None:
    """The same key, a second ledger: its tail glued under this export's head and checkpoint."""
    other = Settings(home=tmp_path / "other", signing_key_file=built["settings"].signing_key_file, checkpoint_every=50)
    populate(other)
    ledger = open_ledger(other)
    try:
        verifiable_log(ledger).export(tmp_path / "other.jsonl")
    finally:
        ledger.close()
    ours, theirs = export_lines(built), (tmp_path / "other.jsonl").read_bytes().splitlines(keepends=True)
    cut = 150
    spliced = ours[:cut + 2] + theirs[cut + 2:]
    expected = next(p for p in range(cut + 1, len(ours) - 1) if ours[p + 1] != spliced[p + 1])
    verdict = verify_bytes(b"".join(spliced), built)
    assert (verdict.ok, verdict.first_bad_position) == (False, expected), verdict


# Organization exports --------------------------------------------------------------


def test_an_org_export_verifies_and_holds_no_other_organizations_data(built: dict[str, Any]) -> None:
    data = built["exports"]["acme"].read_bytes()
    verdict = verify_bytes(data, built)
    assert verdict.ok and verdict.extra["org"] == "acme", verdict
    assert b"globex" not in data
    everything = [json.loads(line) for line in export_lines(built)[2:]]
    acme_ids = {e["id"] for e in everything if e["state"].get("org") == "acme"}
    globex_ids = {e["id"] for e in everything if e["state"].get("org") == "globex"}
    lines = data.splitlines()
    exported = [json.loads(line) for line in lines[1::2]]
    assert {e["id"] for e in exported} == acme_ids
    assert not {e["id"] for e in exported} & globex_ids
    assert len(exported) == sum(1 for e in everything if e["id"] in acme_ids)


@pytest.mark.parametrize("case", ["edit", "delete", "truncate"])
def test_a_tampered_org_export_is_found_at_the_position(built: dict[str, Any], case: str) -> None:
    lines = export_lines(built, "acme")
    header, pairs = lines[0], [lines[i:i + 2] for i in range(1, len(lines), 2)]
    victim = 7
    position = json.loads(pairs[victim][0])["seq"]
    if case == "edit":
        pairs[victim][0] = pairs[victim][0].replace(b'"alice"', b'"mallory"', 1).replace(b'"bob"', b'"eve"', 1)
        assert pairs[victim][0] != lines[1 + 2 * victim]
    elif case == "delete":
        del pairs[victim]
    else:
        pairs = pairs[:victim]
    verdict = verify_bytes(header + b"".join(b"".join(p) for p in pairs), built)
    assert (verdict.ok, verdict.first_bad_position) == (False, position), verdict


# The same campaign through the parallel verifier (python -m revledger_verify --jobs N) --------


def test_the_parallel_verifier_decides_only_an_untouched_export_and_agrees_otherwise(
    built: dict[str, Any], tmp_path: Path
) -> None:
    """Several processes hash byte ranges of the file; anything but a verified root goes to the
    one-process verifier, so every tampered copy gets the same verdict (and position) as above."""
    from revledger_verify.parallel import _verify_in_parallel, verify_file

    key = built["key"].public()
    lines = export_lines(built)
    events = lines[2:]
    rng = random.Random(9162)
    cases: dict[str, list[bytes]] = {"untouched": lines}
    for position in rng.sample(range(1, len(events) + 1), 4):
        line = bytearray(events[position - 1])
        offset = rng.randrange(len(line) - 1)
        line[offset] = rng.choice([b for b in range(32, 127) if b != line[offset]])
        cases[f"edit {position}"] = [*lines[:position + 1], bytes(line), *lines[position + 2:]]
    cases["delete"] = lines[:2] + events[:99] + events[100:]
    a, b, c = len(events) // 2, len(events) // 2 + 30, len(events) * 2 // 3  # in the second range
    cases["swap"] = lines[:2] + [*events[:a], events[b], *events[a + 1:b], events[a], *events[b + 1:]]
    cases["insert"] = lines[:2] + [*events[:c], events[c].replace(b'"version":', b'"version":9', 1), *events[c:]]
    cases["truncate"] = lines[:-5]
    cases["cut mid-line"] = [*lines[:-1], lines[-1][:30]]
    cases["appended"] = [*lines, events[-1]]
    for number, (name, tampered) in enumerate(cases.items()):
        path = tmp_path / f"{name}.jsonl"
        path.write_bytes(b"".join(tampered))
        expected = verify_export(io.BytesIO(path.read_bytes()), key)
        assert expected.ok == (name == "untouched"), (name, expected)
        jobs = 2 + number % 2
        with path.open("rb") as stream:
            decided = _verify_in_parallel(str(path), stream, key, jobs, min_bytes=0)
        assert (decided is not None) == expected.ok, (name, jobs, decided)
        if decided is not None:
            assert decided.as_dict() == expected.as_dict()
        if name in ("untouched", "swap", "cut mid-line"):
            assert verify_file(path, key, jobs=jobs, min_bytes=0).as_dict() == expected.as_dict(), name


def test_saves_append_their_own_events_and_catch_up_when_another_writer_came_between(tmp_path: Path) -> None:
    """Two ledgers on one store (two processes, say): each save appends what it recorded without
    reading it back, unless the other wrote meanwhile; the tree is the one a rebuild makes."""
    key_file = tmp_path / "keys" / "ledger.key"
    create_key_file(key_file, "ledger.example/log")
    settings = Settings(home=tmp_path / "home", signing_key_file=key_file, checkpoint_every=7)
    first, second = open_ledger(settings), open_ledger(settings)
    reads = []
    for ledger in (first, second):
        select = ledger.recorder.select_notifications

        def counted(*args: Any, _select: Any = select, **kwargs: Any) -> Any:
            reads.append(1)
            return _select(*args, **kwargs)

        ledger.recorder.select_notifications = counted  # type: ignore[method-assign]
    try:
        for ledger, org in ((first, "acme"), (second, "globex")):
            ledger.create_script(org=org, name="svc", actor="alice")
            for v in (1, 2):
                ledger.save_draft(org=org, name="svc", content=from_value({"v": v}, "json"), actor="alice")
                ledger.publish(org=org, name="svc", actor="alice")
        reads.clear()
        moves = {"acme": 0, "globex": 0}
        for i in range(40):
            ledger, org = (second, "globex") if i % 10 == 9 else (first, "acme")
            moves[org] += 1
            moved = ledger.promote(org=org, name="svc", version=1 + moves[org] % 2, environment="staging", actor="bob")
            assert moved.changed
        # Read back: each of the 4 saves of the second ledger, and the first's next save after it.
        assert len(reads) == 8, reads
        verdict = verifiable_log(first).verify_store()
        assert verdict.ok, verdict
    finally:
        first.close()
        second.close()
    tables = ("SELECT seq, notification_id, org, hash FROM leaves ORDER BY seq",
              "SELECT level, idx, hash FROM nodes ORDER BY level, idx", "SELECT id, org FROM originators ORDER BY id",
              "SELECT size FROM checkpoints ORDER BY size")
    grown = [sqlite3.connect(settings.tree_path).execute(q).fetchall() for q in tables]
    settings.tree_path.unlink()
    rebuilt_ledger = open_ledger(settings)
    try:
        verifiable_log(rebuilt_ledger).catch_up()
    finally:
        rebuilt_ledger.close()
    rebuilt = [sqlite3.connect(settings.tree_path).execute(q).fetchall() for q in tables]
    assert grown[:3] == rebuilt[:3]
    assert {org for _s, _n, org, _h in grown[0]} == {"acme", "globex"}
    assert grown[3] == [(s,) for s in range(7, len(grown[0]) + 1, 7)] and grown[3] == rebuilt[3]

"""``revledger script``, ``draft`` and ``version`` through the CLI runner."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

import pytest
import yaml

SCRIPT_KEYS = {"name", "description", "tags", "latest_version", "draft", "environments"}
VERSION_KEYS = {"version", "label", "note", "author", "published_at", "content_sha256"}
PUBLISH_KEYS = {"script", "version", "content_sha256", "label", "note", "author", "published_at"}


def is_utc_iso(text: str) -> bool:
    return datetime.fromisoformat(text).utcoffset() == timedelta(0)


def test_script_create_shows_the_new_script(cli) -> None:
    created = cli.json(
        "script",
        "create",
        "invoice-parser",
        "--description",
        "Parse invoices",
        "--tags",
        "llm,billing",
    )

    assert SCRIPT_KEYS <= set(created)
    assert created["name"] == "invoice-parser"
    assert created["description"] == "Parse invoices"
    assert sorted(created["tags"]) == ["billing", "llm"]
    assert created["latest_version"] is None
    assert created["draft"] == "none"
    assert created["environments"] == {"development": None, "staging": None, "production": None}


def test_script_get_json_has_the_contract_shape(cli) -> None:
    cli.ok("script", "create", "svc", "--tags", "a")
    cli.ok("draft", "save", "svc", "-f", cli.write("w.json", '{"v": 1}'))
    cli.ok("draft", "publish", "svc")
    cli.ship("svc", 1)
    cli.ok("draft", "save", "svc", "-f", cli.write("w.json", '{"v": 2}'))

    script = cli.json("script", "get", "svc")

    assert SCRIPT_KEYS <= set(script)
    assert (script["name"], script["tags"], script["latest_version"], script["draft"]) == (
        "svc",
        ["a"],
        1,
        "modified",
    )
    assert script["environments"] == {"development": None, "staging": 1, "production": 1}


@pytest.mark.parametrize(
    ("steps", "status"),
    [
        ((), "none"),
        (("save",), "modified"),
        (("save", "publish"), "unchanged"),
        (("save", "publish", "edit"), "modified"),
    ],
)
def test_script_get_reports_the_draft_status(cli, steps: tuple[str, ...], status: str) -> None:
    cli.ok("script", "create", "svc")
    for step in steps:
        if step == "save":
            cli.ok("draft", "save", "svc", "-f", cli.write("w.yaml", "a: 1\n"))
        elif step == "publish":
            cli.ok("draft", "publish", "svc")
        else:
            cli.ok("draft", "save", "svc", "-f", cli.write("w.yaml", "a: 2\n"))

    assert cli.json("script", "get", "svc")["draft"] == status


def test_the_table_says_the_draft_was_modified_since_the_latest_version(cli) -> None:
    cli.given_script("svc", versions=2)
    cli.ok("draft", "save", "svc", "-f", cli.write("w.json", '{"v": 3}'))

    out = cli.ok("script", "get", "svc").stdout

    assert "modified since version 2" in out
    assert "svc" in out


def test_script_list_filters_by_every_given_tag(cli) -> None:
    cli.ok("script", "create", "b", "--tags", "x,y")
    cli.ok("script", "create", "a", "--tags", "x")
    cli.ok("script", "create", "c")

    assert [s["name"] for s in cli.json("script", "list")] == ["a", "b", "c"]
    assert [s["name"] for s in cli.json("script", "list", "--tags", "x")] == ["a", "b"]
    assert [s["name"] for s in cli.json("script", "list", "--tags", "x,y")] == ["b"]
    assert cli.json("script", "list", "--tags", "nope") == []
    assert all(SCRIPT_KEYS <= set(s) for s in cli.json("script", "list"))


@pytest.mark.parametrize(
    ("filename", "text", "fmt", "canonical"),
    [
        ("w.json", '{\n  "b": [1, 2],\n  "a": "x"\n}\n', "json", '{"a":"x","b":[1,2]}'),
        ("w.yaml", "b:\n  - 1\n  - 2\na: x\n", "yaml", '{"a":"x","b":[1,2]}'),
        ("w.yml", "b: [1, 2]\na: x\n", "yaml", '{"a":"x","b":[1,2]}'),
        ("w.txt", "print('hi')\n", "text", "print('hi')\n"),
        ("script.py", "x = 1\n", "text", "x = 1\n"),
    ],
)
def test_draft_save_parses_by_extension_and_stores_canonically(
    cli, filename, text, fmt, canonical
) -> None:
    cli.ok("script", "create", "svc")

    saved = cli.json("draft", "save", "svc", "-f", cli.write(filename, text))

    assert saved["format"] == fmt
    assert saved["content_sha256"] == hashlib.sha256(canonical.encode()).hexdigest()
    assert cli.json("script", "get", "svc")["latest_version"] is None  # saving creates no version


def test_draft_publish_json_has_the_contract_shape(cli) -> None:
    cli.ok("script", "create", "svc")
    cli.ok("draft", "save", "svc", "-f", cli.write("w.json", '{"b": 1, "a": 2}'))

    published = cli.json(
        "draft", "publish", "svc", "--name", "first-cut", "--note", "initial", "--actor", "bob"
    )

    assert PUBLISH_KEYS <= set(published)
    assert (
        published["script"],
        published["version"],
        published["label"],
        published["note"],
        published["author"],
    ) == (
        "svc",
        1,
        "first-cut",
        "initial",
        "bob",
    )
    assert published["content_sha256"] == hashlib.sha256(b'{"a":2,"b":1}').hexdigest()
    assert is_utc_iso(published["published_at"])


def test_publishing_appends_versions_one_two_three(cli) -> None:
    cli.ok("script", "create", "svc")
    numbers = []
    for n in (1, 2, 3):
        cli.ok("draft", "save", "svc", "-f", cli.write("w.json", json.dumps({"v": n})))
        numbers.append(cli.json("draft", "publish", "svc")["version"])

    assert numbers == [1, 2, 3]


def test_version_list_json_has_the_contract_shape(cli) -> None:
    cli.ok("script", "create", "svc")
    for n in (1, 2):
        cli.ok("draft", "save", "svc", "-f", cli.write("w.json", json.dumps({"v": n})))
        cli.ok("draft", "publish", "svc", "--name", f"v{n}", "--note", f"note {n}")

    versions = cli.json("version", "list", "svc")

    assert [v["version"] for v in versions] == [1, 2]
    assert all(VERSION_KEYS <= set(v) for v in versions)
    assert [(v["label"], v["note"], v["author"]) for v in versions] == [
        ("v1", "note 1", "tester"),
        ("v2", "note 2", "tester"),
    ]
    assert all(is_utc_iso(v["published_at"]) for v in versions)


def test_version_get_shows_one_version_with_its_content_on_request(cli) -> None:
    cli.given_script("svc", versions=2)

    without = cli.json("version", "get", "svc", "1")
    with_content = cli.json("version", "get", "svc", "2", "--content")

    assert VERSION_KEYS <= set(without)
    assert without["version"] == 1
    assert without.get("content") is None
    assert (with_content["version"], with_content["content"]) == (2, {"v": 2})


def test_version_get_table_prints_the_content(cli) -> None:
    cli.ok("script", "create", "svc")
    cli.ok("draft", "save", "svc", "-f", cli.write("w.yaml", "model: small\nsteps: [a, b]\n"))
    cli.ok("draft", "publish", "svc")

    out = cli.ok("version", "get", "svc", "1", "--content").stdout

    assert yaml.safe_load(out[out.index("model:") :]) == {"model": "small", "steps": ["a", "b"]}


def test_version_zero_is_the_version_production_runs(cli) -> None:
    cli.given_script("svc", versions=3, shipped=(2,))

    assert cli.json("version", "get", "svc", "0")["version"] == 2


@pytest.mark.parametrize(
    "command",
    [
        ("script", "get", "svc"),
        ("script", "list"),
        ("version", "list", "svc"),
        ("version", "get", "svc", "1"),
    ],
)
def test_yaml_output_carries_the_same_data_as_json(cli, command: tuple[str, ...]) -> None:
    cli.given_script("svc", versions=1)

    as_yaml = yaml.safe_load(cli.ok(*command, "-o", "yaml").stdout)
    as_json = cli.json(*command)

    assert json.loads(json.dumps(as_yaml, default=str)) == as_json


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (("script", "get", "svc"), ["svc", "latest_version", "draft"]),
        (("script", "list"), ["svc", "name"]),
        (("version", "list", "svc"), ["version", "content_sha256", "seed"]),
        (("version", "get", "svc", "1"), ["content_sha256", "seed"]),
    ],
)
def test_table_output_is_a_readable_table(
    cli, command: tuple[str, ...], expected: list[str]
) -> None:
    cli.given_script("svc", versions=1)

    out = cli.ok(*command).stdout

    for text in expected:
        assert text in out
    assert not out.lstrip().startswith(("{", "["))

"""Over HTTP: a version may be named by its label; labels are unique; an import of a file
named for an environment needs a scope (``base=true`` for the base scope on purpose)."""

from __future__ import annotations

import httpx

from tests.e2e.test_api_flow import publish
from tests.e2e.test_api_server import LiveServer, assert_problem, org, server  # noqa: F401


def test_a_label_names_a_version_in_promote_rollback_and_get(server: LiveServer, org: str) -> None:
    editor, deployer = server.client(org, "editor"), server.client(org, "deployer")
    assert editor.post("/v1/scripts", json={"name": "svc"}).status_code == 201
    publish(editor, "svc", {"v": 1}, label="first")
    publish(editor, "svc", {"v": 2})

    relabel = editor.put("/v1/scripts/svc/versions/2/label", json={"label": "second"})
    assert relabel.status_code == 200, relabel.text
    assert relabel.json()["label"] == "second"
    for label in ("first", "second"):
        staged = editor.post("/v1/scripts/svc/environments/staging/promote", json={"version": label})
        assert staged.status_code == 200, staged.text
        moved = deployer.post("/v1/scripts/svc/environments/production/promote", json={"version": label})
        assert moved.status_code == 200, moved.text
    assert moved.json()["version"] == 2
    assert editor.get("/v1/scripts/svc/versions/first").json()["version"] == 1
    rolled = deployer.post("/v1/scripts/svc/environments/production/rollback", json={"to": "first"})
    assert (rolled.json()["version"], rolled.json()["previous_version"]) == (1, 2)


def test_a_duplicate_label_is_a_409_problem_and_an_unknown_one_a_404(server: LiveServer, org: str) -> None:
    editor = server.client(org, "editor")
    assert editor.post("/v1/scripts", json={"name": "svc"}).status_code == 201
    publish(editor, "svc", {"v": 1}, label="stable")
    assert editor.put("/v1/scripts/svc/draft", json={"content": {"v": 2}}).status_code == 200

    body = assert_problem(editor.post("/v1/scripts/svc/publish", json={"label": "stable"}), 409)
    assert "already names version 1" in body["detail"]
    assert_problem(editor.get("/v1/scripts/svc/versions/nope"), 404)
    assert_problem(editor.put("/v1/scripts/svc/versions/1/label", json={"label": "12"}), 422)


def test_an_import_named_for_an_environment_needs_a_scope(server: LiveServer, org: str) -> None:
    editor: httpx.Client = server.client(org, "editor")
    before = server.log_size()

    body = assert_problem(editor.post("/v1/env/import", content=b"A=1\n", params={"source": ".env.prod"}), 422)
    assert "--environment production" in body["detail"] and "--base" in body["detail"]
    assert server.log_size() == before
    based = editor.post("/v1/env/import", content=b"A=1\n", params={"source": ".env.prod", "base": "true"})
    assert based.status_code == 200, based.text
    assert based.json()["environment"] is None
    assert based.json()["effective_changes"] == {"development": ["A"], "staging": ["A"], "production": ["A"]}

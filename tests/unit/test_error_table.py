"""The error table (api/errors.py): every LedgerError subclass has its own row, domain errors
carry nothing of the edge, and every problem body has one shape."""

from __future__ import annotations

import importlib
import json
import pkgutil

import pytest

import api
import ledger
import projections
from api.errors import ERRORS, TYPE_PREFIX, PositionNotReachedError, error_class, row_of
from api.problems import invalid_request, ledger_problem, problem
from ledger.errors import LedgerError
from ledger.gates import Gate, GateError
from projections.log_records import MalformedLogError

PACKAGES = (ledger, projections, api)


def error_classes() -> list[type[LedgerError]]:
    """Every LedgerError subclass defined in ledger/, projections/ and api/ (all imported first);
    the per-problem classes the remote client makes on the fly are left out."""
    for package in PACKAGES:
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if not module.name.endswith("__main__"):
                importlib.import_module(module.name)
    found: list[type[LedgerError]] = []
    todo = [LedgerError]
    while todo:
        cls = todo.pop()
        if not cls.__dict__.get("remote") and cls not in found:
            found.append(cls)
        todo.extend(cls.__subclasses__())
    return sorted(found, key=lambda c: c.__name__)


CLASSES = error_classes()


#: Errors whose constructor takes more than the message.
MADE = {
    GateError: lambda message: GateError(message, [Gate("staging_first", False, "never ran in staging")]),
    MalformedLogError: lambda message: MalformedLogError(message, 3),
    PositionNotReachedError: lambda message: PositionNotReachedError(message, 12, 10),
}


def example(cls: type[LedgerError]) -> LedgerError:
    return MADE.get(cls, cls)(f"a {cls.__name__} happened")  # type: ignore[operator]


def test_the_walk_finds_the_errors_of_every_layer() -> None:
    names = {cls.__name__ for cls in CLASSES}
    assert {"NotFoundError", "GateError", "MalformedLogError", "ServerUnreachableError"} <= names


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_ledger_error_has_its_own_row(cls: type[LedgerError]) -> None:
    assert cls in ERRORS, f"{cls.__module__}.{cls.__name__} has no row in api/errors.py ERRORS"
    row = ERRORS[cls]
    # 2 is a usage error: click's, and a --version label no version has (as a mistyped number).
    assert 400 <= row.status <= 599 and row.exit_code in (1, 2, 3, 4, 130) and row.title
    assert row.type.startswith(TYPE_PREFIX)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_domain_errors_carry_no_status_exit_code_or_title(cls: type[LedgerError]) -> None:
    assert not {"http_status", "exit_code", "title"} & set(dir(cls)), cls


def test_each_problem_type_is_one_class_and_maps_back_to_it() -> None:
    types = [row.type for row in ERRORS.values()]
    assert len(types) == len(set(types))
    for cls, row in ERRORS.items():
        assert error_class(row.type, row.status) is cls


def test_a_class_without_a_row_takes_its_nearest_ancestors() -> None:
    class Unlisted(LedgerError):
        remote = True  # made here only: left out of the walk above

    assert row_of(Unlisted("x")) == ERRORS[LedgerError]


def shape(body: dict[str, object]) -> dict[str, type]:
    return {key: type(body[key]) for key in ("type", "title", "status", "detail")}


ONE_SHAPE = {"type": str, "title": str, "status": int, "detail": str}


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_domain_problem_has_one_shape(cls: type[LedgerError]) -> None:
    body = ledger_problem(example(cls))
    row = row_of(cls)
    assert shape(body) == ONE_SHAPE
    assert (body["type"], body["title"], body["status"]) == (row.type, row.title, row.status)
    assert body["detail"] == f"a {cls.__name__} happened"  # members of extra() never replace these
    json.dumps(body)


def test_validation_and_http_problems_have_the_same_shape() -> None:
    assert shape(invalid_request("body: bad", [])) == ONE_SHAPE
    assert shape(problem(404, "Not Found")) == ONE_SHAPE

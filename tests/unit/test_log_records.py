"""Log records without I/O: validation field by field, durations, buckets and percentiles."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from ledger.errors import InvalidInputError
from projections.buckets import bucket_seconds, bucket_start, format_duration, parse_duration, percentile
from projections.log_records import is_error, json_lines, validate_record

GOOD = {"timestamp": "2026-11-25T14:03:00.5+01:00", "script": "invoice-parser",
        "environment": "production", "status": "completed", "duration_ms": 120, "run_id": "r-1",
        "message": "ok"}


def with_(**changes: Any) -> dict[str, Any]:
    record = {**GOOD, **changes}
    return {k: v for k, v in record.items() if v is not ...}


def test_a_valid_record_keeps_its_fields_with_the_timestamp_in_fixed_width_utc() -> None:
    record = validate_record(GOOD)
    assert record.ts == "2026-11-25T13:03:00.500000+00:00"
    assert (record.script, record.environment, record.status, record.level) == (
        "invoice-parser", "production", "completed", None)
    assert (record.duration_ms, record.run_id, record.message, record.error) == (120.0, "r-1", "ok", False)


@pytest.mark.parametrize(("status", "level", "error"), [
    ("failed", None, True), ("completed", None, False), ("ERROR", None, True), ("timeout", None, True),
    (None, "error", True), (None, "critical", True), (None, "info", False), (None, "warning", False),
    ("completed", "fatal", True),
])
def test_a_record_is_an_error_by_its_status_or_its_level(status: str | None, level: str | None, error: bool) -> None:
    assert is_error(status, level) is error
    assert validate_record(with_(status=status or ..., level=level or ...)).error is error


@pytest.mark.parametrize(("record", "problem"), [
    (with_(timestamp=...), "missing 'timestamp'"),
    (with_(timestamp="2026-11-25T14:03:00"), "has no offset"),
    (with_(timestamp="yesterday"), "is not ISO 8601"),
    (with_(timestamp=1764079380), "'1764079380' is not ISO 8601"),
    (with_(script=...), "missing 'script'"),
    (with_(script="Invoice Parser"), "invalid script name"),
    (with_(environment=...), "missing 'environment'"),
    (with_(environment="prod"), "unknown environment 'prod'"),
    (with_(status=...), "needs a 'status' or a 'level'"),
    (with_(status=""), "needs a 'status' or a 'level'"),
    (with_(duration_ms=-1), "'duration_ms' must be a number"),
    (with_(duration_ms="120"), "'duration_ms' must be a number"),
    (with_(duration_ms=True), "'duration_ms' must be a number"),
    (with_(message=["a"]), "'message' must be a string"),
    (with_(run_id={"id": 1}), "'run_id' must be a string"),
    (["not", "an", "object"], "must be a JSON object"),
])
def test_a_malformed_record_is_refused_saying_what_is_wrong(record: Any, problem: str) -> None:
    with pytest.raises(ValueError, match=problem.replace("(", r"\(")):
        validate_record(record)


def test_json_lines_numbers_every_line_skipping_blank_ones_and_flags_lines_that_are_not_json() -> None:
    decoded = list(json_lines(['{"a": 1}\n', "\n", "  \n", "{oops\n", "[1]"]))
    assert [number for number, _ in decoded] == [1, 4, 5]
    assert decoded[0][1] == {"a": 1}
    assert "not valid JSON" in decoded[1][1].problem
    assert decoded[2][1] == [1]


@pytest.mark.parametrize(("text", "seconds"), [
    ("90s", 90), ("5m", 300), ("2h", 7200), ("1d", 86400), ("1h30m", 5400), ("500ms", 0.5), ("1w", 604800),
])
def test_durations_read_units_and_combinations(text: str, seconds: float) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)
    assert parse_duration(format_duration(seconds)) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "5", "m5", "5 m", "0s", "1h-5m", "5y"])
def test_a_duration_without_a_unit_or_zero_long_is_refused(text: str) -> None:
    with pytest.raises(InvalidInputError, match="--bucket"):
        parse_duration(text, "--bucket")


@pytest.mark.parametrize("window", [
    timedelta(seconds=30), timedelta(minutes=10), timedelta(hours=3), timedelta(hours=7),
    timedelta(days=1), timedelta(days=30),
])
def test_buckets_adapt_to_about_sixty_per_window(window: timedelta) -> None:
    count = window.total_seconds() / bucket_seconds(window)
    assert 40 <= count <= 90 or bucket_seconds(window) == 1


def test_a_given_bucket_size_wins_over_the_adaptive_one() -> None:
    assert bucket_seconds(timedelta(hours=3), timedelta(minutes=5)) == 300
    assert bucket_seconds(timedelta(hours=3)) == 180


def test_buckets_are_aligned_to_multiples_of_their_size_in_utc() -> None:
    assert bucket_start("2026-11-25T13:07:59.999999+00:00", 300) == "2026-11-25T13:05:00.000000+00:00"
    assert bucket_start("2026-11-25T13:05:00.000000+00:00", 300) == "2026-11-25T13:05:00.000000+00:00"


def test_percentiles_are_nearest_rank_and_none_without_values() -> None:
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 50), percentile(values, 95)) == (50.0, 95.0)
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 50) is None


def test_a_timestamp_outside_the_years_1_to_9999_in_utc_is_refused_not_a_crash() -> None:
    record = {"timestamp": "0001-01-01T00:30:00+01:00", "script": "svc", "environment": "production",
              "status": "ok"}
    with pytest.raises(ValueError, match="out of range"):
        validate_record(record)

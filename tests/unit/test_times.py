"""Instants: parsing what users type, and the fixed-width UTC text read models compare."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import InvalidInputError
from ledger.times import parse_instant, utc_text


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-25T14:03:00+01:00",
        "2026-11-25T13:03:00Z",
        "2026-11-25T13:03:00z",
        "2026-11-25T13:03:00+00:00",
        "2026-11-25T08:03:00-05:00",
        "2026-11-25 13:03:00+00:00",
        "  2026-11-25T13:03:00Z  ",
    ],
)
def test_an_instant_with_any_offset_means_one_moment_in_utc(text: str) -> None:
    parsed = parse_instant(text)

    assert parsed == datetime(2026, 11, 25, 13, 3, tzinfo=UTC)
    assert parsed.utcoffset() == timedelta(0)


def test_fractions_of_a_second_are_kept_to_the_microsecond() -> None:
    assert parse_instant("2026-11-25T13:03:00.123456Z").microsecond == 123456


@pytest.mark.parametrize("text", ["now", "NOW", " Now "])
def test_now_is_the_current_moment_in_utc(text: str) -> None:
    before = datetime.now(UTC)

    parsed = parse_instant(text)

    assert before <= parsed <= datetime.now(UTC)
    assert parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize("text", ["2026-11-25T14:03:00", "2026-11-25"])
def test_an_instant_without_an_offset_is_refused_asking_for_one(text: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        parse_instant(text)

    assert "offset" in refused.value.message
    assert text in refused.value.message


@pytest.mark.parametrize("text", ["yesterday", "", "2026-13-01T00:00:00Z", "14:03", "2026-11-25T25:00:00Z"])
def test_text_that_is_not_an_instant_is_refused_with_an_example(text: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        parse_instant(text)

    assert "ISO 8601" in refused.value.message


@pytest.mark.parametrize("text", ["0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00"])
def test_an_instant_outside_the_utc_calendar_is_refused_as_invalid_input(text: str) -> None:
    """Year 1 in a positive offset is still year 0 in UTC: refused, not a crash."""
    with pytest.raises(InvalidInputError):
        parse_instant(text)


def test_utc_text_is_fixed_width_utc_with_microseconds() -> None:
    local = datetime(2026, 11, 25, 14, 3, tzinfo=timezone(timedelta(hours=1)))

    assert utc_text(local) == "2026-11-25T13:03:00.000000+00:00"
    assert utc_text(datetime(987, 1, 2, 3, 4, 5, 6, tzinfo=UTC)) == "0987-01-02T03:04:05.000006+00:00"


moments = st.datetimes(
    min_value=datetime(1000, 1, 2), max_value=datetime(9999, 12, 30),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]),
)


@given(a=moments, b=moments)
def test_utc_text_sorts_as_the_moments_do(a: datetime, b: datetime) -> None:
    """Read models compare instants as text: text order must be time order."""
    assert (utc_text(a) < utc_text(b)) == (a < b)
    assert (utc_text(a) == utc_text(b)) == (a == b)


@given(moment=moments)
def test_parsing_utc_text_gives_back_the_same_moment(moment: datetime) -> None:
    assert parse_instant(utc_text(moment)) == moment

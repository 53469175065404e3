"""Table output drawn directly is byte-for-byte what rich draws (rich takes ~0.5 ms a row: a
600-row `revledger status` spent 0.3 s in it); tables it cannot draw fall back to rich."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from api.output import TABLE_WIDTH, _draw_plain_table, rich_table_text, table_text

ascii_cell = st.text(alphabet=string.ascii_letters + string.digits + " -_:.+", max_size=30)
any_cell = st.one_of(ascii_cell, st.text(max_size=12), st.sampled_from(["", " x", "x ", "a\tb", "é", "日本", "a\nb"]))


@st.composite
def tables(draw: st.DrawFn, cell: st.SearchStrategy[str]) -> tuple[list[str], list[list[str]]]:
    width = draw(st.integers(min_value=1, max_value=8))
    header = draw(st.lists(cell, min_size=width, max_size=width))
    rows = draw(st.lists(st.lists(cell, min_size=width, max_size=width), max_size=6))
    return header, rows


@settings(max_examples=300, deadline=None)
@given(tables(any_cell))
def test_any_table_reads_as_rich_draws_it(table: tuple[list[str], list[list[str]]]) -> None:
    header, rows = table
    value = [dict(zip(header, row)) for row in rows]
    if len(set(header)) == len(header):
        assert table_text(value, columns=header) == rich_table_text(header, [[c or "-" for c in r] for r in rows])


@settings(max_examples=300, deadline=None)
@given(tables(ascii_cell))
def test_a_table_drawn_directly_is_the_one_rich_draws(table: tuple[list[str], list[list[str]]]) -> None:
    header, rows = table
    drawn = _draw_plain_table(header, rows)
    if drawn is not None:
        assert drawn == rich_table_text(header, rows)


def test_tables_at_and_beyond_the_width_limit() -> None:
    for total in range(TABLE_WIDTH - 12, TABLE_WIDTH + 4):
        # two columns: borders and padding take 7 characters
        header, rows = ["a", "b"], [["x" * (total - 7 - 40), "y" * 40], ["short", "words and more words"]]
        drawn = _draw_plain_table(header, rows)
        assert (drawn is not None) == (total <= TABLE_WIDTH)
        assert table_text([dict(zip(header, r)) for r in rows], columns=header) == rich_table_text(header, rows)


def test_single_objects_empty_lists_and_titles_read_as_before() -> None:
    assert table_text({"k": "v", "k2": None, "k3": ""}) == rich_table_text(["field", "value"], [["k", "v"], ["k2", "-"], ["k3", ""]])
    assert table_text([]) == rich_table_text(["(empty)"], [])
    assert table_text([{"a": "x"}], columns=["a"], title="T") == "  T  \n┏━━━┓\n┃ a ┃\n┡━━━┩\n│ x │\n└───┘\n"
    assert _draw_plain_table(["a"], [["x"]]) == "┏━━━┓\n┃ a ┃\n┡━━━┩\n│ x │\n└───┘\n"

"""Tables drawn as HTML (risk.present.tables): data stays text, links only when they are web
addresses, and what a reader sees is what the table holds."""

from __future__ import annotations

import math

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from risk.present.tables import Column, cell_text, html_table
from tests.support import read_tables as _read

HOSTILE = "<img src=x onerror=alert(1)>"


def test_cells_and_headers_are_text_never_markup() -> None:
    frame = pd.DataFrame({"name": [HOSTILE, '=HYPERLINK("x")'], "n": [1, 2]})
    markup = html_table(frame, {"name": Column(HOSTILE), "n": Column("n")}, "t")
    assert "<img" not in markup
    assert markup.count("&lt;img src=x onerror=alert(1)&gt;") == 2  # header and cell
    assert _read(markup)["t"]["name"].tolist() == [HOSTILE, '=HYPERLINK("x")']


def test_only_web_addresses_become_links() -> None:
    frame = pd.DataFrame(
        {"link": ["https://example.org/a?b=1&c=2", "javascript:alert(1)", None, 'http://x/"><b>']}
    )
    markup = html_table(frame, {"link": Column("Link", link_text="source")}, "t")
    assert markup.count("<a ") == 2
    assert 'href="https://example.org/a?b=1&amp;c=2"' in markup
    assert 'rel="noopener noreferrer"' in markup and 'target="_blank"' in markup
    assert "javascript:alert(1)</td>" in markup  # shown as text, not a link
    assert "<b>" not in markup
    assert _read(markup)["t"]["link"].tolist() == [
        "https://example.org/a?b=1&c=2",
        "javascript:alert(1)",
        "",
        'http://x/"><b>',
    ]


def test_cells_read_as_written() -> None:
    values = (True, False, 3.0, 2, 0.123456, 1e6, -1e-5, math.nan, None, pd.NA)
    assert [cell_text(v) for v in values] == [
        "✓",
        "",
        "3",
        "2",
        "0.1235",
        "1000000",
        "0",
        "",
        "",
        "",
    ]


def test_columns_in_the_order_given_numbers_right_aligned_best_marked() -> None:
    frame = pd.DataFrame({"a": ["x", "y"], "b": [1.5, 2.25], "c": ["left out", "too"]})
    markup = html_table(frame, {"b": Column("B"), "a": Column("A")}, "k", best={1: "b"})
    table = _read(markup)["k"]
    assert table.columns.tolist() == ["b", "a"]
    assert table.values.tolist() == [["1.5", "x"], ["2.25", "y"]]
    assert '<th data-col="b" class="n">B</th>' in markup
    assert '<td class="n best">2.25</td>' in markup and "left out" not in markup


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(), min_size=1, max_size=6))
def test_any_text_comes_back_as_it_was(texts: list[str]) -> None:
    # an HTML parser's reading of the markup gives back each cell as stored: escaping loses nothing
    frame = pd.DataFrame({"v": texts})
    markup = html_table(frame, {"v": Column("V")}, "k")
    assert _read(markup)["k"]["v"].tolist() == texts

"""Helpers the page tests share: open a page in AppTest, read its URL and tables (dataframes and
HTML tables), and the description of an uploaded indicator used by the upload tests."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


def open_app(
    page: str | None = None, params: dict[str, str] | None = None, timeout: float = 90
) -> AppTest:
    """The dashboard with `params` in its URL, run, then switched to `app_pages/<page>.py` (if given);
    fails on any exception."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=timeout)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.run()
    if page:
        at.switch_page(f"app_pages/{page}.py")
        at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def query(at: AppTest) -> dict[str, str]:
    """The page's URL query parameters, one value each."""
    return {k: (v[-1] if isinstance(v, list) else v) for k, v in at.query_params.items()}


def frame_with(at: AppTest, column: str) -> pd.DataFrame:
    """The first table on the page that has `column`: a dataframe (AppTest does not expose their
    keys) or an HTML table (`html_tables`)."""
    for df in [d.value for d in at.dataframe] + list(html_tables(at).values()):
        if column in df.columns:
            return df
    raise AssertionError(f"no table with a {column!r} column")


class _TableReader(HTMLParser):
    """Reads `risk.present.tables.html_table` output: column names (data-col), and each cell's
    text (a link: its address)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, tuple[list[str], list[list[str]]]] = {}
        self._key = ""
        self._text: list[str] | None = None  # the cell being read
        self._href: str | None = None
        self._body = False  # in a table's body (not its header row)
        self.rows: dict[str, list[str]] = {}  # each row's id (data-row), by table
        self.best: dict[str, dict[int, str]] = {}  # the column marked best, by table and row

    def _column(self) -> str:
        columns, rows = self.tables[self._key]
        return columns[len(rows[-1])]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self._key = a.get("data-key") or f"table{len(self.tables)}"
            self.tables[self._key] = ([], [])
            self.rows[self._key], self.best[self._key] = [], {}
            self._body = False
        elif tag == "th":
            self.tables[self._key][0].append(a.get("data-col") or "")
        elif tag == "tbody":
            self._body = True
        elif tag == "tr" and self._body:
            self.tables[self._key][1].append([])
            self.rows[self._key].append(a.get("data-row") or "")
        elif tag == "td":
            self._text, self._href = [], None
            if "best" in (a.get("class") or "").split():
                self.best[self._key][len(self.rows[self._key]) - 1] = self._column()
        elif tag == "a" and self._text is not None:
            self._href = a.get("href") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._text is not None:
            value = self._href if self._href is not None else "".join(self._text)
            self.tables[self._key][1][-1].append(value)
            self._text = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)


def html_tables(at: AppTest) -> dict[str, pd.DataFrame]:
    """The page's HTML tables by key (`read_tables`)."""
    return read_tables(*(e.proto.body for e in at.get("html") if 'class="rt"' in e.proto.body))


def read_tables(*markup: str) -> dict[str, pd.DataFrame]:
    """The HTML tables in `markup` by key (`data-key`), their cells as text (a link: its address),
    indexed by their rows' ids (`data-row`) if they have any, with the column marked best in each
    row as `attrs["best"]` if any is."""
    reader = _TableReader()
    for text in markup:
        reader.feed(text)
    out = {}
    for key, (cols, rows) in reader.tables.items():
        frame = pd.DataFrame(rows, columns=cols)
        if any(reader.rows[key]):
            frame.index = pd.Index(reader.rows[key], name="row")
        if reader.best[key]:
            frame.attrs["best"] = [reader.best[key].get(i, "") for i in range(len(rows))]
        out[key] = frame
    return out


# A new indicator's description, as an analyst gives it with an upload.
UPLOAD_META: dict[str, str] = {
    "code": "upload.parks",
    "name_en": "AI parks",
    "name_zh": "AI 園區",
    "unit": "count",
    "pillar": "compute_demand",
    "direction": "1",
    "weight": "1",
    "source": "Ministry",
    "licence": "CC BY 4.0",
    "year": "2024",
}

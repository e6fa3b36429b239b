"""Tables drawn as HTML: every header and cell is escaped text (a web address becomes a link only
when it is one), numbers right-aligned, a long table scrolls inside its box under a header that
stays in view.

A browser draws such a table at once with the page's text. Streamlit's interactive table loads
about 1.2 MB of script before its first one is drawn, and the page shows grey placeholders
meanwhile; the pages whose tables are short read-outs (a country's profile, a comparison) use
these, and the ranked tables one sorts and scrolls keep the interactive one."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from risk.text import cell_text as plain_text

TABLE_CLASS = "rt"
MAX_HEIGHT_PX = 400  # about ten rows, as high as Streamlit's own table
LINK_SCHEMES = ("https://", "http://")
TICK = "✓"
MISSING = "–"  # a missing number or date

STYLE = (
    "<style>"
    f".{TABLE_CLASS}-box{{max-height:{MAX_HEIGHT_PX}px;overflow:auto;margin:0 0 1rem 0;"
    "border:1px solid rgba(49,51,63,.12);border-radius:.5rem}"
    f".{TABLE_CLASS}{{border-collapse:collapse;width:100%;font-size:.85rem;line-height:1.35}}"
    f".{TABLE_CLASS} th{{position:sticky;top:0;z-index:1;background:#f6f7f9;text-align:left;"
    "font-weight:600;color:rgba(49,51,63,.85);padding:.35rem .55rem;"
    "border-bottom:1px solid rgba(49,51,63,.15);white-space:nowrap}"
    f".{TABLE_CLASS} td{{padding:.3rem .55rem;border-bottom:1px solid rgba(49,51,63,.07);"
    "vertical-align:top;overflow-wrap:break-word}"
    f".{TABLE_CLASS} td.u{{overflow-wrap:anywhere}}"
    f".{TABLE_CLASS} .s{{white-space:nowrap}}"
    f".{TABLE_CLASS} .n{{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}}"
    f".{TABLE_CLASS} td.best{{font-weight:700;background:#d9ead3}}"
    "</style>"
)


@dataclass(frozen=True)
class Column:
    """How a column is shown: its header, a width in pixels (None: as wide as its content),
    right-aligned or not (numbers are), a header tooltip, and for a column of web addresses the
    word its links show."""

    label: str
    width: int | None = None
    align: Literal["left", "right"] | None = None
    help: str | None = None
    link_text: str | None = None


def cell_text(value: object) -> str:
    """A cell as read: blank when missing, a tick for yes, whole numbers without a decimal point,
    other numbers to at most four decimals, anything else as `risk.text.cell_text` writes it."""
    if value is pd.NaT:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return TICK if value else ""
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if math.isnan(number):
            return ""
        if number.is_integer():
            return str(int(number))
        text = f"{number:.4f}".rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    return plain_text(value)


def display_frame(frame: pd.DataFrame, formats: Mapping[str, str]) -> pd.DataFrame:
    """A table as shown: the columns in `formats` as text in their format (`"{:.1f}"`), and a dash
    for every missing cell (a numeric column with a dash becomes text throughout); the frame itself
    is left as it was."""
    out = frame.copy()
    for col in out.columns:
        fmt = formats.get(col)
        values = out[col]
        missing = values.isna()
        if fmt is not None:
            out[col] = [
                MISSING if m else fmt.format(v) for v, m in zip(values, missing, strict=True)
            ]
        elif missing.any() and pd.api.types.is_numeric_dtype(values):
            # all text, each number as the other cells' are written
            out[col] = [
                MISSING if m else cell_text(v) for v, m in zip(values, missing, strict=True)
            ]
        elif missing.any():
            out[col] = values.astype(object).where(~missing, MISSING)
    return out


SHORT = 24  # a column whose cells are all this short is never wrapped
LONG_WORD = 30  # a column with a longer word (an address) may break it anywhere


def _wrap(texts: list[str], column: Column) -> str:
    """How a column's cells wrap: "n" (a number: right, never), "s" (short, or codes without a
    space: never), "u" (long words such as addresses: anywhere) or "" (at spaces)."""
    if column.align == "right":
        return "n"
    if column.link_text is not None:
        texts = [column.link_text]
    if all(len(x) <= SHORT or " " not in x for x in texts):  # short, or a code
        return "s"
    if any(len(word) > LONG_WORD for x in texts for word in x.split()):
        return "u"
    return ""


def _cell(text: str, column: Column, wrap: str, best: bool) -> str:
    css = " ".join(c for c in (wrap, "best" if best else "") if c)
    opening = f'<td class="{css}">' if css else "<td>"
    if column.link_text is not None and text.lower().startswith(LINK_SCHEMES):
        link = (
            f'<a href="{html.escape(text, quote=True)}" target="_blank" rel="noopener noreferrer">'
            f"{html.escape(column.link_text)}</a>"
        )
        return opening + link + "</td>"
    return opening + html.escape(text) + "</td>"


def html_table(
    frame: pd.DataFrame,
    columns: Mapping[str, Column],
    key: str,
    *,
    formats: Mapping[str, str] | None = None,
    best: Mapping[int, str] | None = None,
    row_ids: Sequence[object] | None = None,
) -> str:
    """`frame` as an HTML table (with its style sheet): the columns of `columns` in that order,
    others left out; given `formats` (even none), cells as `display_frame` shows them: those
    columns in their format and missing cells as a dash (else blank). Numbers are right-aligned
    unless a column says otherwise. `best` marks one cell per row (row position -> column) in bold
    on green. The table carries `key` (data-key), each header its column's name (data-col) and,
    given `row_ids`, each row its id (data-row)."""
    shown = [c for c in columns if c in frame.columns]
    specs = {
        c: columns[c]
        if columns[c].align is not None
        else Column(
            columns[c].label,
            columns[c].width,
            "right" if c in (formats or {}) or _is_number(frame[c]) else "left",
            columns[c].help,
            columns[c].link_text,
        )
        for c in shown
    }
    if formats is not None:
        frame = display_frame(frame[shown], formats)
    head = []
    for c in shown:
        spec = specs[c]
        style = f' style="min-width:{int(spec.width)}px"' if spec.width else ""
        tip = f' title="{html.escape(spec.help, quote=True)}"' if spec.help else ""
        css = ' class="n"' if spec.align == "right" else ""
        head.append(
            f'<th data-col="{html.escape(c, quote=True)}"{css}{style}{tip}>'
            f"{html.escape(spec.label)}</th>"
        )
    texts = {c: [cell_text(v) for v in frame[c].tolist()] for c in shown}
    wraps = {c: _wrap(texts[c], specs[c]) for c in shown}
    marks = best or {}
    body = []
    for i in range(len(frame)):
        mark = marks.get(i)
        cells = "".join(_cell(texts[c][i], specs[c], wraps[c], c == mark) for c in shown)
        row = "" if row_ids is None else f' data-row="{html.escape(str(row_ids[i]), quote=True)}"'
        body.append(f"<tr{row}>{cells}</tr>")
    return (
        f'{STYLE}<div class="{TABLE_CLASS}-box"><table class="{TABLE_CLASS}" '
        f'data-key="{html.escape(key, quote=True)}"><thead><tr>{"".join(head)}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _is_number(values: pd.Series) -> bool:
    """Numbers (not yes/no): shown right-aligned."""
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)

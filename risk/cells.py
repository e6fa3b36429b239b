"""Spreadsheet-safe cells: text that a spreadsheet could run as a formula is neutralised.

A cell whose text starts with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with an
apostrophe, so Excel, LibreOffice and Google Sheets show it as text. Numbers are never touched:
a negative number stays a number.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """The value, with an apostrophe in front if it is text that could run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of `df` with every text cell neutralised (numeric columns are left as they are)."""
    out = df.copy()
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def csv_text(df: pd.DataFrame, **to_csv: Any) -> str:
    """CSV text safe to open in a spreadsheet (what the command line prints or writes)."""
    return str(neutralise_frame(df).to_csv(index=False, lineterminator="\n", **to_csv))


def safe_csv(df: pd.DataFrame) -> bytes:
    """CSV bytes (UTF-8 with BOM, for Excel) safe to open in a spreadsheet."""
    return neutralise_frame(df).to_csv(index=False).encode("utf-8-sig")

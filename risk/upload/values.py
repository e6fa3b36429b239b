"""Values and years as people write them: `12.3%`, `1,234.5`, full-width digits, missing markers."""

from __future__ import annotations

import calendar
import hashlib
import re
import unicodedata

import numpy as np
import pandas as pd

from risk.schema import MISSING_MARKERS

YEAR_MIN, YEAR_MAX = 1900, 2100
EXTRA_MISSING = frozenset({"—", "–", "-", "n.a.", "n.a", "x", "…", "#n/a", "#value!", "#div/0!"})
MISSING = MISSING_MARKERS | EXTRA_MISSING
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?%?$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d{1,2}%?$|^[+-]?\d+,\d{4,}%?$")
_DATE_YEAR = re.compile(r"^(\d{4})(?:[-/.]\d{1,2}(?:[-/.]\d{1,2})?)?(?:[ T].*)?$")
_DATE_PARTS = re.compile(r"^(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?(?:[ T].*)?$")
UPLOAD_PREFIX = "upload."
# No indicator of this dashboard comes near: the largest, GDP in current US$, is about 3e13.
ABSURD_ABS = 1e15


# -- parsing values -----------------------------------------------------------------------
# Periods people put in headers, each read as the year it ends in, with its place in that year
# (a quarter's number, a half's end quarter, a month / 3; a whole year counts as 4.5, after Q4).
_CN_DIGITS = {"一": "1", "二": "2", "三": "3", "四": "4"}
_PERIODS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^(\d{4})(?:\s*\[yr\d{4}\])?$"), "year"),  # 2023, "2023 [YR2023]" (WDI)
    (re.compile(r"^(\d{4})\s*年度?$"), "year"),  # 2025年, 2025年度
    (re.compile(r"^民國\s*(\d{2,3})\s*年度?$"), "roc"),  # 民國114年 (Taiwan's calendar)
    (re.compile(r"^fy\s*'?(\d{4})$"), "year"),  # FY2024, FY 2024
    (re.compile(r"^fy\s*'?(\d{2})$"), "fy2"),  # FY24
    (re.compile(r"^(\d{4})\s*[-/–]\s*(\d{2}|\d{4})$"), "span"),  # 2025-26, 2025/2026
    (re.compile(r"^fy\s*(\d{4})\s*[-/–]\s*(\d{2}|\d{4})$"), "span"),  # FY2025-26
    (re.compile(r"^([hs])([12])\s*[-/ ]?\s*(\d{4})$"), "half"),  # H1 2025, S2 2025
    (re.compile(r"^(\d{4})\s*[-/ ]?\s*([hs])([12])$"), "half_"),  # 2025H1, 2025-H2
    (re.compile(r"^q([1-4])\s*[-/ ]?\s*(\d{4})$"), "quarter"),  # Q1 2026
    (re.compile(r"^(\d{4})\s*[-/ ]?\s*q([1-4])$"), "quarter_"),  # 2026Q1, 2026-Q1
    (re.compile(r"^(\d{4})\s*年\s*第?\s*([1-4一二三四])\s*季$"), "quarter_"),  # 2025年第1季
    (re.compile(r"^(\d{4})\s*[-/ ]?\s*m(\d{1,2})$"), "month"),  # 2025M01
]


def period_of(name: str) -> tuple[int, float] | None:
    """(year, place in the year) of a period as written in a header or a cell ('Q1 2026' ->
    (2026, 1.0), 'FY2024' -> (2024, 4.5)), or None."""
    key = re.sub(r"[\s_]+", " ", unicodedata.normalize("NFKC", str(name)).strip().casefold())
    for pattern, kind in _PERIODS:
        m = pattern.match(key)
        if not m:
            continue
        g = [_CN_DIGITS.get(x, x) for x in m.groups()]
        place = 4.5
        if kind == "roc":
            year = int(g[0]) + 1911
        elif kind == "fy2":
            year = 2000 + int(g[0])
        elif kind == "span":
            start, end = int(g[0]), int(g[1])
            end = end if end >= 100 else start // 100 * 100 + end
            if end != start + 1:
                return None  # '2020-12' is a month, not a fiscal year
            year = end
        elif kind == "half":
            year, place = int(g[2]), 2.0 * int(g[1])
        elif kind == "half_":
            year, place = int(g[0]), 2.0 * int(g[2])
        elif kind == "quarter":
            year, place = int(g[1]), float(g[0])
        elif kind == "quarter_":
            year, place = int(g[0]), float(g[1])
        elif kind == "month":
            if not 1 <= int(g[1]) <= 12:
                return None
            year, place = int(g[0]), int(g[1]) / 3
        else:
            year = int(g[0])
        return (year, place) if YEAR_MIN <= year <= YEAR_MAX else None
    return None


def parse_values(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(numbers, missing, invalid): '12.3%', '1,234.5', '−5', full-width digits parsed; the missing
    markers ('', '..', 'n/a', '—', ...) give `missing`; anything else is `invalid`, never guessed
    (a decimal comma such as '12,5' is invalid: it could be 125 or 12.5)."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        nums = values.astype("float64")
        finite = np.isfinite(nums)
        return nums.where(finite), ~finite & nums.isna(), ~finite & nums.notna()
    text = values.astype(object).where(values.notna(), "").astype(str).str.strip()
    nums = pd.to_numeric(text, errors="coerce").astype("float64")
    todo = nums.isna() | ~np.isfinite(nums)
    if not todo.any():
        return nums, pd.Series(False, index=values.index), pd.Series(False, index=values.index)
    rest = text[todo]
    if not rest.map(str.isascii).all():
        rest = rest.map(lambda s: unicodedata.normalize("NFKC", s))
    missing = rest.str.casefold().isin(MISSING)
    cleaned = rest.str.replace("\u2212", "-", regex=False).str.replace(" ", "", regex=False)
    thousands = cleaned.str.match(_THOUSANDS)
    cleaned = cleaned.where(~thousands, cleaned.str.replace(",", "", regex=False))
    cleaned = cleaned.str.removesuffix("%")
    parsed = pd.to_numeric(cleaned.where(~missing, ""), errors="coerce").astype("float64")
    parsed = parsed.where(np.isfinite(parsed))
    nums.loc[todo] = parsed
    missing_all = pd.Series(False, index=values.index)
    missing_all.loc[todo] = missing
    invalid = pd.Series(False, index=values.index)
    invalid.loc[todo] = parsed.isna() & ~missing
    return nums, missing_all, invalid


def parse_periods(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(year, place in the year) of each cell: whole years 1900-2100 from '2020', '2020.0',
    '2020-12-31', and periods such as 'FY2024', '2025年', 'H1 2025', 'Q1 2026' or '2025-26' (read
    as the year they end in; the place orders several periods of one year); NaN otherwise."""
    text = values.astype(str).str.strip()
    nums = pd.to_numeric(text, errors="coerce")
    places = pd.Series(np.where(nums.notna(), 4.5, np.nan), index=values.index)
    todo = nums.isna()
    period = pd.Series(False, index=values.index)
    if todo.any():
        found = text[todo].map(period_of)
        hit = found.notna()
        period.loc[found.index[hit]] = True
        nums.loc[found.index[hit]] = [f[0] for f in found[hit]]
        places.loc[found.index[hit]] = [f[1] for f in found[hit]]
        rest = todo & nums.isna()
        if rest.any():
            dated = pd.to_numeric(text[rest].str.extract(_DATE_YEAR)[0], errors="coerce")
            nums.loc[rest] = dated
            places.loc[rest] = np.where(dated.notna(), 4.5, np.nan)
    whole = nums.notna() & (nums % 1 == 0) & nums.between(YEAR_MIN, YEAR_MAX)
    keep = whole & (period | ~impossible_dates(values))  # '2025-26' is a span, not month 26
    return nums.where(keep), places.where(keep)


def parse_years(values: pd.Series) -> pd.Series:
    """The year of each cell (see `parse_periods`); NaN where there is none."""
    return parse_periods(values)[0]


def impossible_dates(values: pd.Series) -> pd.Series:
    """Dates whose month or day does not exist ('2024-13-45', '2023-02-29'): never read as a year."""
    text = values.astype(str).str.strip()
    parts = text.str.extract(_DATE_PARTS)
    has = parts[0].notna() & pd.to_numeric(text, errors="coerce").isna()  # '2020.0' is a number
    if not has.any():
        return pd.Series(False, index=values.index)
    bad = pd.Series(False, index=values.index)
    for i in parts.index[has]:
        year, month, day = parts.at[i, 0], parts.at[i, 1], parts.at[i, 2]
        m = int(month)
        if not 1 <= m <= 12:
            bad.at[i] = True
        elif isinstance(day, str):
            bad.at[i] = not 1 <= int(day) <= calendar.monthrange(int(year), m)[1]
    return bad


# -- what a unit allows ----------------------------------------------------------------------
_RANGE = re.compile(r"(-?\d+(?:\.\d+)?)\s*[-–]\s*(\d+(?:\.\d+)?)\s*$")
_WHOLE_SHARE = re.compile(
    r"^%\s*of\s+(population|people|adults|individuals|households|firms|enterprises|companies|"
    r"total|manufactured exports|land|area|labou?r force|employment|respondents)"
)
_COUNT_WORDS = frozenset(
    {
        "count", "number", "agencies", "applications", "people", "persons", "equivalents",
        "clusters", "regions", "zones", "cables", "servers", "firms", "mw", "gw", "twh", "kwh",
        "mwh", "gco2/kwh", "km",
    }
)  # fmt: skip


def unit_bounds(unit: str) -> tuple[str, float | None, float | None]:
    """What a unit (the `unit` column of indicators) allows: ("range", lo, hi) for 'score 0-100'
    and shares of a whole ('% of population'); ("percent", None, 100) for a bare '%' (over 100 is
    suspicious, not impossible); ("count", 0, None) for counts and physical quantities; else
    ("any", None, None). Growth rates, '% of GDP' and percentage points may be anything."""
    text = " ".join(str(unit or "").strip().casefold().split())
    if not text or "annual" in text or "growth" in text or "points" in text:
        return "any", None, None
    m = _RANGE.search(text)
    if m and "about" not in text:
        return "range", float(m.group(1)), float(m.group(2))
    if _WHOLE_SHARE.match(text):
        return "range", 0.0, 100.0
    if text in ("%", "percent", "% share", "share (%)"):
        return "percent", None, 100.0
    if set(text.replace(",", " ").split()) & _COUNT_WORDS:
        return "count", 0.0, None
    return "any", None, None


def slug(text: str) -> str:
    """An ASCII indicator code from a label; non-ASCII labels get a short hash."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "_", ascii_text.casefold()).strip("_")[:60]
    if not base or len(base) < len(str(text).strip()) // 3:
        base = (base + "_" if base else "x") + hashlib.sha256(str(text).encode()).hexdigest()[:6]
    return base

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


def parse_years(values: pd.Series) -> pd.Series:
    """Whole years 1900-2100 from '2020', '2020.0', '2020-12-31'; NaN otherwise."""
    text = values.astype(str).str.strip()
    nums = pd.to_numeric(text, errors="coerce")
    todo = nums.isna()
    if todo.any():
        found = text[todo].str.extract(_DATE_YEAR)[0]
        nums.loc[todo] = pd.to_numeric(found, errors="coerce")
    whole = nums.notna() & (nums % 1 == 0) & nums.between(YEAR_MIN, YEAR_MAX)
    return nums.where(whole & ~impossible_dates(values))


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

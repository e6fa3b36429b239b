"""Analyst uploads: read a file as it comes, find its layout, match countries, validate, publish.

The chain is load -> shape -> match -> check, each step a function over tables:

    read_upload(bytes, name)        CSV/TSV (any common delimiter), Excel, Parquet; encoding detected
    to_long(raw, options)           long, wide (countries x indicators or x years), World Bank and
                                    Our World in Data downloads -> one row per (country, indicator,
                                    year) with the file row and column it came from
    validate(raw, reference, ...)   countries matched (aggregates set aside), years and values
                                    parsed, duplicates, outliers, unit and coverage checks ->
                                    an UploadReport with row-level issues and publishable rows
    publish_report(store, report)   a new data version, only when there are no errors

Uploaded content is data: it never becomes SQL (the store takes frames and parameters) or markup.
Every issue names the row, the column, the value, what is wrong and how to fix it, in both languages.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from risk.cells import safe_csv as safe_csv  # re-exported: the upload report download uses it
from risk.errors import UploadError
from risk.harmonise import WB_AGGREGATE_CODES, CountryMatcher, is_aggregate, normalise_name
from risk.i18n import t
from risk.ingest.obs_common import MISSING_MARKERS
from risk.store import FRAMEWORK_COLUMNS, DuckDBStore, VersionInfo

# -- constants ---------------------------------------------------------------------------
# File types the upload accepts (the reader also sniffs the content, whatever the name says).
UPLOAD_TYPES = ("csv", "tsv", "txt", "xlsx", "xlsm", "xls", "parquet")
MAX_ITEMS_PER_CODE = 200  # row-level items kept per issue code; counts are always complete
YEAR_MIN, YEAR_MAX = 1900, 2100
LEGACY_ENCODINGS = ("cp950", "big5hkscs", "gb18030", "shift_jis", "cp1252", "latin-1")
EXTRA_MISSING = frozenset({"—", "–", "-", "n.a.", "n.a", "x", "…", "#n/a", "#value!", "#div/0!"})
MISSING = MISSING_MARKERS | EXTRA_MISSING
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")
_YEAR_HEADER = re.compile(r"^(\d{4})(?:\s*\[yr\d{4}\])?$", re.IGNORECASE)
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?%?$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d{1,2}%?$|^[+-]?\d+,\d{4,}%?$")
_DATE_YEAR = re.compile(r"^(\d{4})(?:[-/.]\d{1,2}(?:[-/.]\d{1,2})?)?(?:[ T].*)?$")
PILLARS = ("gov_support", "compute_demand", "alignment", "financial")
HIGHER_IS = ("better", "worse", "context")
UPLOAD_PREFIX = "upload."


def _words(text: str) -> frozenset[str]:
    """A set of header spellings written as 'a|b|c' (easier to read than a long list)."""
    return frozenset(text.split("|"))


_SYNONYMS: dict[str, frozenset[str]] = {
    "country": _words(
        "country|country name|countryname|country or area|country/area|economy|nation|entity|"
        "location|area|geo|reference area|name|國家|国家|國家名稱|国家名称|國家/地區|国家/地区|"
        "國家或地區|国家或地区|經濟體|经济体|國別|国别|地區|地区|國名"
    ),
    "code": _words(
        "iso3|iso 3|iso|iso code|iso3 code|iso alpha 3|iso alpha3|iso a3|iso_a3|country code|"
        "countrycode|code|iso2|iso 2|iso alpha 2|iso_a2|ref area|國家代碼|国家代码|代碼|代码|"
        "iso代碼|iso代码"
    ),
    "indicator": _words(
        "indicator|indicator code|indicator id|series|series code|variable|measure|"
        "指標|指标|指標代碼|指标代码|項目|项目"
    ),
    "indicator_name": _words("indicator name|series name|指標名稱|指标名称"),
    "year": _words("year|yr|time|period|time period|date|年|年份|年度|時間|时间"),
    "value": _words("value|obs value|obs_value|val|amount|數值|数值|值|數據|数据"),
    "unit": _words("unit|units|unit of measure|單位|单位"),
}


# -- issues --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Issue:
    """One problem: `code` names its message and fix in risk/locales/data.json."""

    severity: str  # "error" blocks publishing; "warning" does not
    code: str
    row: int | None = None  # row in the file as a spreadsheet shows it (header included)
    column: str | None = None
    value: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    def message(self, lang: str) -> str:
        return t(f"data.issue.{self.code}", lang, **self._fmt())

    def fix(self, lang: str) -> str:
        return t(f"data.fix.{self.code}", lang, **self._fmt())

    def _fmt(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, **self.params}

    def as_dict(self, lang: str) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "code": self.code,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message(lang),
            "fix": self.fix(lang),
        }


@dataclass
class Issues:
    """Issues with complete counts per code and at most MAX_ITEMS_PER_CODE items each."""

    items: list[Issue] = field(default_factory=list)
    counts: dict[tuple[str, str], int] = field(default_factory=dict)

    def add(self, issue: Issue, count: int = 1) -> None:
        key = (issue.severity, issue.code)
        seen = self.counts.get(key, 0)
        self.counts[key] = seen + count
        if seen < MAX_ITEMS_PER_CODE:
            self.items.append(issue)

    def add_rows(
        self,
        severity: str,
        code: str,
        rows: pd.DataFrame,
        column: str | pd.Series,
        value: pd.Series,
        params: Callable[[int], Mapping[str, Any]] | None = None,
    ) -> None:
        """Add one issue per row of `rows` (a slice of the long frame), keeping the first items."""
        if rows.empty:
            return
        key = (severity, code)
        room = max(MAX_ITEMS_PER_CODE - self.counts.get(key, 0), 0)
        self.counts[key] = self.counts.get(key, 0) + len(rows)
        cols = column if isinstance(column, pd.Series) else pd.Series(column, index=rows.index)
        for idx in rows.index[:room]:
            self.items.append(
                Issue(
                    severity,
                    code,
                    int(rows.at[idx, "_row"]),
                    str(cols.at[idx]),
                    _text(value.at[idx]),
                    params(idx) if params else {},
                )
            )

    def of(self, severity: str) -> list[Issue]:
        return [i for i in self.items if i.severity == severity]

    def count(self, severity: str) -> int:
        return sum(n for (s, _), n in self.counts.items() if s == severity)


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)[:200]


# -- reading --------------------------------------------------------------------------------
@dataclass
class RawTable:
    """A file read as text cells: header row located, format and encoding detected."""

    frame: pd.DataFrame
    file_name: str
    sha256: str
    format: str  # csv, tsv, excel, parquet
    header_row: int = 1  # 1-based row of the header in the file
    encoding: str = ""
    delimiter: str = ""
    sheet: str = ""
    metadata: pd.DataFrame | None = None  # an Excel sheet named metadata / indicators
    notes: list[str] = field(default_factory=list)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode(data: bytes, score: Callable[[str], int] | None = None) -> tuple[str, str]:
    """(text, encoding): BOMs first, then strict UTF-8, then the legacy encoding that decodes and
    makes the most sense (`score`, e.g. how many country names it matches; first wins a tie)."""
    for bom, name in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(name), name
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    sample = data[:200_000]
    best: tuple[int, int, str] | None = None
    for rank, enc in enumerate(LEGACY_ENCODINGS):
        try:
            text = sample.decode(enc)
        except UnicodeDecodeError:
            continue
        try:
            data.decode(enc)  # the whole file must decode, not only its start
        except UnicodeDecodeError:
            continue
        points = score(text) if score else 0
        if best is None or (points, -rank) > (best[0], -best[1]):
            best = (points, rank, enc)
    if best is None:  # latin-1 decodes anything, so this is unreachable in practice
        raise UploadError("the file's text encoding could not be recognised")
    return data.decode(best[2]), best[2]


def _sniff_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the sample lines most consistently into the most fields."""
    best, best_score = ",", -1.0
    for delim in (",", ";", "\t", "|"):
        counts = [len(r) for r in csv.reader(lines, delimiter=delim) if any(c.strip() for c in r)]
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        if mode < 2:
            continue
        score = counts.count(mode) / len(counts) * 10 + mode / 100
        if score > best_score:
            best, best_score = delim, score
    return best


def _header_index(rows: list[list[str]]) -> int:
    """Index of the header among the first rows: skip titles and notes above the table.

    The header is the first row with at least two filled cells whose width matches the width most
    rows below it share (World Bank downloads have four metadata lines above theirs).
    """
    filled = [sum(1 for c in r if str(c).strip()) for r in rows]
    wide = [f for f in filled if f >= 2]
    if not wide:
        return 0
    for i, r in enumerate(rows[:30]):
        cells = [str(c).strip().casefold() for c in r]
        if "country code" in cells and ("country name" in cells or "indicator code" in cells):
            return i
    body = filled[len(filled) // 4 :] or filled
    mode = max(set(body), key=body.count)
    for i, f in enumerate(filled[:30]):
        if f >= 2 and f >= mode * 0.8:
            return i
    return 0


def read_upload(
    data: bytes, file_name: str, *, score: Callable[[str], int] | None = None
) -> RawTable:
    """Read any supported file into text cells; raise UploadError if it cannot be read at all."""
    if not data:
        raise UploadError("the file is empty", rows=[{"file": file_name}])
    sha = sha256_bytes(data)
    lower = file_name.lower()
    try:
        if data[:4] == b"PAR1" or lower.endswith(".parquet"):
            return _read_parquet(data, file_name, sha)
        if data[:4] == b"PK\x03\x04" or lower.endswith((".xlsx", ".xlsm", ".xls")):
            return _read_excel(data, file_name, sha)
        return _read_text(data, file_name, sha, score)
    except UploadError:
        raise
    except (ValueError, OSError, KeyError, IndexError, zipfile.BadZipFile, csv.Error) as exc:
        raise UploadError(
            f"{file_name} could not be read as CSV, Excel or Parquet: {str(exc)[:300]}"
        ) from exc
    except Exception as exc:  # noqa: BLE001 (third-party readers raise many types on bad bytes)
        raise UploadError(f"{file_name} could not be read: {type(exc).__name__}") from exc


def _read_text(
    data: bytes, file_name: str, sha: str, score: Callable[[str], int] | None
) -> RawTable:
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UploadError(f"{file_name} is a binary file, not CSV, Excel or Parquet")
    text, encoding = decode(data, score)
    head_lines = text[:200_000].splitlines()[:200]
    delim = "\t" if file_name.lower().endswith(".tsv") else _sniff_delimiter(head_lines)
    head_rows = list(csv.reader(head_lines, delimiter=delim))
    skip = _header_index(head_rows)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delim,
            skiprows=skip,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=True,
            engine="c",
        )
    except pd.errors.ParserError as exc:
        match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if match:
            want, line, got = (int(g) for g in match.groups())
            raise UploadError(
                "ragged rows",
                rows=[{"row": line + skip, "expected": want, "found": got}],
            ) from exc
        raise
    except pd.errors.EmptyDataError as exc:
        raise UploadError(f"{file_name} has no table in it") from exc
    fmt = "tsv" if delim == "\t" else "csv"
    return RawTable(
        _tidy(frame), file_name, sha, fmt, skip + 1, encoding, delim, notes=_notes(skip)
    )


def _notes(skip: int) -> list[str]:
    return [f"skipped {skip} lines above the header"] if skip else []


def _read_excel(data: bytes, file_name: str, sha: str) -> RawTable:
    sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, header=None, dtype=object)
    meta = None
    chosen = ""
    for name in sheets:
        if str(name).strip().casefold() in ("metadata", "indicators", "指標說明", "指标说明"):
            meta = _sheet_frame(sheets[name])
        elif not chosen and not sheets[name].dropna(how="all").empty:
            chosen = str(name)
    if not chosen:
        raise UploadError(f"{file_name} has no sheet with data")
    grid = sheets[chosen].dropna(how="all").dropna(axis=1, how="all")
    rows = [[_cell(v) for v in r] for r in grid.head(200).itertuples(index=False)]
    skip = _header_index(rows)
    header_row = int(grid.index[skip]) + 1
    frame = _sheet_frame(grid.iloc[skip:])
    frame.attrs["rows"] = (grid.index[skip + 1 :] + 1).to_numpy()
    return RawTable(
        frame, file_name, sha, "excel", header_row, sheet=chosen, metadata=meta, notes=[]
    )


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, pd.Timestamp | date):
        return value.isoformat()
    return str(value)


def _sheet_frame(grid: pd.DataFrame) -> pd.DataFrame:
    """Cells as text, first row as header."""
    grid = grid.dropna(how="all")
    if grid.empty:
        return pd.DataFrame()
    header = [_cell(v) or f"column {i + 1}" for i, v in enumerate(grid.iloc[0])]
    body = grid.iloc[1:].map(_cell)
    body.columns = _dedupe(header)
    return _tidy(body.reset_index(drop=True))


def _read_parquet(data: bytes, file_name: str, sha: str) -> RawTable:
    frame = pd.read_parquet(io.BytesIO(data))
    for col in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[col]) or pd.api.types.is_bool_dtype(frame[col]):
            frame[col] = frame[col].map(_cell)
    frame.columns = _dedupe([str(c) for c in frame.columns])
    return RawTable(_tidy(frame), file_name, sha, "parquet", 1)


def _dedupe(names: Sequence[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        n = str(n).strip().lstrip("\ufeff")
        if n in seen:
            seen[n] += 1
            n = f"{n} ({seen[n]})"
        else:
            seen[n] = 0
        out.append(n)
    return out


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop unnamed empty columns (trailing delimiters) and strip header whitespace."""
    frame.columns = _dedupe([str(c) for c in frame.columns])
    drop = [
        c
        for c in frame.columns
        if (c.startswith("Unnamed:") or not c) and (frame[c].astype(str).str.strip() == "").all()
    ]
    return frame.drop(columns=drop)


# -- layout ---------------------------------------------------------------------------------
def _key(name: str) -> str:
    text = unicodedata.normalize("NFKC", str(name)).strip().casefold()
    return re.sub(r"[\s_]+", " ", text)


def _role(name: str) -> str | None:
    key = _key(name)
    for role, names in _SYNONYMS.items():
        if key in names:
            return role
    return None


def _year_header(name: str) -> int | None:
    m = _YEAR_HEADER.match(_key(name))
    if m and YEAR_MIN <= int(m.group(1)) <= YEAR_MAX:
        return int(m.group(1))
    return None


@dataclass
class UploadOptions:
    """Choices the file itself cannot tell: an indicator or year for layouts that lack them."""

    indicator: str | None = None  # the indicator of a file without an indicator column
    year: int | None = None  # the year of a file without a year column
    source: str | None = None  # the `source` recorded on every row (default upload:<file>)
    indicator_map: Mapping[str, str] = field(default_factory=dict)  # column/name -> code


@dataclass
class Shaped:
    """The file as long rows, before any check: raw text of each field plus its file position."""

    long: pd.DataFrame  # _row, _col, country, code, indicator, indicator_label, year, value
    layout: str
    roles: dict[str, str]
    issues: Issues


def _indicator_of_rows(
    df: pd.DataFrame, by_role: dict[str, str], ind_col: str | None, opts: Any
) -> tuple[Any, Any] | None:
    """(indicator, label) per row: from the indicator column, else the one given for the whole
    file; None when neither exists."""
    if ind_col:
        return df[ind_col], df[by_role.get("indicator_name", ind_col)]
    if opts.indicator:
        return pd.Series(opts.indicator, index=df.index), opts.indicator
    return None


def to_long(raw: RawTable, options: UploadOptions | None = None) -> Shaped:
    """Recognise the layout and melt it to one row per (country, indicator, year) value."""
    opts = options or UploadOptions()
    df = raw.frame
    issues = Issues()
    roles: dict[str, str] = {}
    for col in df.columns:
        role = _role(col)
        if role and role not in roles.values():
            roles[col] = role
    by_role = {r: c for c, r in roles.items()}
    rows = df.attrs.get("rows")
    file_rows = (
        pd.Series(rows, index=df.index)
        if rows is not None and len(rows) == len(df)
        else pd.Series(np.arange(len(df)) + raw.header_row + 1, index=df.index)
    )
    empty = pd.Series("", index=df.index, dtype=object)
    country = df[by_role["country"]] if "country" in by_role else empty
    code = df[by_role["code"]] if "code" in by_role else empty
    if "country" not in by_role and "code" not in by_role:
        issues.add(Issue("error", "no_country_column", params={"columns": _cols(df)}))
        return Shaped(_empty_long(), "unknown", roles, issues)
    year_cols = {c: y for c in df.columns if c not in roles and (y := _year_header(c))}
    other = [c for c in df.columns if c not in roles and c not in year_cols]

    def frame(
        values: pd.Series, col: str | pd.Series, indicator: Any, label: Any, year: Any
    ) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "_row": file_rows,
                "_col": col,
                "country": country,
                "code": code,
                "indicator": indicator,
                "indicator_label": label,
                "year": year,
                "value": values,
            }
        )

    parts: list[pd.DataFrame] = []
    ind_col = by_role.get("indicator") or by_role.get("indicator_name")
    if year_cols:
        layout = "wide_years"
        if {"indicator", "code"} <= set(by_role) and _key(by_role["indicator"]) in (
            "indicator code",
            "series code",
        ):
            layout = "worldbank"
        named = _indicator_of_rows(df, by_role, ind_col, opts)
        if named is None:
            issues.add(Issue("error", "no_indicator", params={"columns": _cols(df)}))
            return Shaped(_empty_long(), layout, roles, issues)
        ind, label = named
        for col, year in year_cols.items():
            parts.append(frame(df[col], col, ind, label, str(year)))
    elif "value" in by_role:
        layout = "long"
        if "year" in by_role:
            year_s: Any = df[by_role["year"]]
        elif opts.year is not None:
            year_s = str(opts.year)
        else:
            issues.add(Issue("error", "no_year", params={"columns": _cols(df)}))
            return Shaped(_empty_long(), layout, roles, issues)
        named = _indicator_of_rows(df, by_role, ind_col, opts)
        if named is None:
            issues.add(Issue("error", "no_indicator", params={"columns": _cols(df)}))
            return Shaped(_empty_long(), layout, roles, issues)
        ind, label = named
        parts.append(frame(df[by_role["value"]], by_role["value"], ind, label, year_s))
    else:
        layout = "wide_indicators"
        if {"country", "code", "year"} <= set(by_role) and _key(by_role["country"]) == "entity":
            layout = "owid"
        value_cols = [c for c in other if c not in roles]
        if not value_cols:
            issues.add(Issue("error", "no_value_column", params={"columns": _cols(df)}))
            return Shaped(_empty_long(), layout, roles, issues)
        if "year" in by_role:
            year_s = df[by_role["year"]]
        elif opts.year is not None:
            year_s = str(opts.year)
        else:
            issues.add(Issue("error", "no_year", params={"columns": _cols(df)}))
            return Shaped(_empty_long(), layout, roles, issues)
        for col in value_cols:
            parts.append(frame(df[col], col, opts.indicator_map.get(col, col), col, year_s))
    long = pd.concat(parts, ignore_index=True) if parts else _empty_long()
    return Shaped(long, layout, roles, issues)


def _cols(df: pd.DataFrame) -> str:
    shown = ", ".join(str(c) for c in list(df.columns)[:12])
    return shown + (" …" if len(df.columns) > 12 else "")


def _empty_long() -> pd.DataFrame:
    cols = ["_row", "_col", "country", "code", "indicator", "indicator_label", "year", "value"]
    return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})


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
    return nums.where(whole)


def slug(text: str) -> str:
    """An ASCII indicator code from a label; non-ASCII labels get a short hash."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "_", ascii_text.casefold()).strip("_")[:60]
    if not base or len(base) < len(str(text).strip()) // 3:
        base = (base + "_" if base else "x") + hashlib.sha256(str(text).encode()).hexdigest()[:6]
    return base


# -- reference data -------------------------------------------------------------------------
@dataclass
class Reference:
    """What uploads are checked against: countries, the indicator catalogue and current figures."""

    matcher: CountryMatcher
    names: pd.DataFrame  # iso3, name (every known variant, for suggestions)
    indicators: pd.DataFrame  # catalogue of the current version
    stats: pd.DataFrame  # per indicator: n, median, q01, q99, countries
    current: Callable[[pd.DataFrame], pd.DataFrame] | None = None  # rows already stored
    sovereign: int = 195

    @property
    def codes(self) -> set[str]:
        return set(self.indicators["code"].astype(str)) if len(self.indicators) else set()


def reference_from_store(store: DuckDBStore) -> Reference:
    """A Reference over the store's current version."""
    countries = store.table("countries")
    names = store.table("country_names") if "country_names" in store.tables() else None
    if names is None:
        names = pd.DataFrame({"iso3": countries["iso3"], "name": countries["name_en"]})
    matcher = CountryMatcher(names, countries["iso3"])
    stats = store.query(
        "SELECT indicator, count(*) AS n, median(value) AS median, quantile_cont(value, 0.01) AS q01,"
        " quantile_cont(value, 0.99) AS q99, count(DISTINCT iso3) AS countries "
        "FROM observations GROUP BY indicator"
    )
    sovereign = int(countries["sovereign"].sum()) if "sovereign" in countries.columns else 195
    return Reference(matcher, names, store.table("indicators"), stats, None, sovereign)


def _suggest(name: str, ref: Reference, limit: int = 3) -> list[str]:
    """Close known names for an unmatched one ('ISO3 name')."""
    if not name:
        return []
    table = ref.names.dropna(subset=["name"])
    pool = {normalise_name(n): (i, n) for i, n in table[["iso3", "name"]].itertuples(index=False)}
    hits = difflib.get_close_matches(normalise_name(name), list(pool), n=limit, cutoff=0.6)
    out: list[str] = []
    for h in hits:
        iso3, shown = pool[h]
        label = f"{iso3} {shown}"
        if label not in out:
            out.append(label)
    return out


# -- metadata for new indicators ------------------------------------------------------------
META_COLUMNS = (
    "code",
    "name_en",
    "name_zh",
    "unit",
    "pillar",
    "direction",
    "weight",
    "source",
    "licence",
    "year",
    "description",
)


def read_metadata(data: bytes, file_name: str) -> pd.DataFrame:
    """Indicator metadata from JSON (a list of objects, or one object) or CSV / Excel."""
    if file_name.lower().endswith(".json"):
        obj = json.loads(decode(data)[0])
        records = obj if isinstance(obj, list) else [obj]
        return pd.DataFrame(records)
    raw = read_upload(data, file_name)
    return raw.frame


def metadata_template(
    codes: Sequence[str], meta_json: str = "", *, keep_all: bool = False
) -> pd.DataFrame:
    """One editable row per new indicator, pre-filled from earlier edits (JSON records);
    with `keep_all`, every edited row is returned as is."""
    if keep_all:
        try:
            rows = json.loads(meta_json) if meta_json else []
        except ValueError:
            rows = []
        return pd.DataFrame(rows if isinstance(rows, list) else [], dtype=str)
    base = pd.DataFrame({c: [""] * len(codes) for c in META_COLUMNS})
    base["code"] = list(codes)
    base["direction"] = "1"
    base["weight"] = "0"
    if meta_json:
        try:
            old = pd.DataFrame(json.loads(meta_json)).astype(str)
        except (ValueError, TypeError):
            old = pd.DataFrame()
        if "code" in old.columns:
            old = old.drop_duplicates("code").set_index("code")
            for col in META_COLUMNS[1:]:
                if col in old.columns:
                    known = base["code"].map(old[col])
                    base[col] = known.where(known.notna(), base[col])
    return base


def check_metadata(meta: pd.DataFrame, codes: Sequence[str], issues: Issues) -> pd.DataFrame:
    """One clean metadata row per new indicator code; problems become issues."""
    meta = meta.copy() if meta is not None else pd.DataFrame()
    meta.columns = [_key(c).replace(" ", "_") for c in meta.columns]
    if "code" not in meta.columns:
        meta["code"] = pd.Series(dtype=object)
    meta["code"] = meta["code"].astype(str).str.strip().str.casefold()
    rows = []
    for code in codes:
        found = meta[meta["code"] == code]
        if found.empty:
            issues.add(Issue("error", "meta_missing", column="indicator", value=code))
            continue
        rec: dict[str, Any] = {c: _text(found.iloc[0].get(c, "")).strip() for c in META_COLUMNS}
        rec["code"] = code
        bad = [c for c in ("name_en", "name_zh", "unit", "source", "licence") if not rec[c]]
        for col in bad:
            issues.add(Issue("error", "meta_field", column=col, value=code))
        direction = rec["direction"].casefold()
        if direction in ("1", "+1", "better", "higher", "higher is better"):
            rec["direction"] = "1"
        elif direction in ("-1", "worse", "lower", "lower is better"):
            rec["direction"] = "-1"
        elif direction in ("", "0", "context"):
            rec["direction"] = "0"
        else:
            issues.add(Issue("error", "meta_direction", column="direction", value=rec["direction"]))
        weight = pd.to_numeric(pd.Series([rec["weight"] or "0"]), errors="coerce").iloc[0]
        if pd.isna(weight) or weight < 0:
            issues.add(Issue("error", "meta_weight", column="weight", value=rec["weight"]))
            weight = 0.0
        rec["weight"] = float(weight)
        if weight > 0 and rec["pillar"] not in PILLARS:
            issues.add(
                Issue(
                    "error",
                    "meta_pillar",
                    column="pillar",
                    value=rec["pillar"],
                    params={"pillars": ", ".join(PILLARS)},
                )
            )
        if weight > 0 and rec["direction"] == "0":
            issues.add(Issue("error", "meta_direction", column="direction", value="0"))
        rows.append(rec)
    return pd.DataFrame(rows, columns=list(META_COLUMNS))


# -- validation -----------------------------------------------------------------------------
@dataclass
class UploadReport:
    """Everything an analyst needs before publishing, and the rows that would be published."""

    file_name: str
    sha256: str
    format: str
    encoding: str
    layout: str
    rows_read: int
    observations: pd.DataFrame  # iso3, indicator, year, value, source (publishable)
    matches: pd.DataFrame  # name, code, iso3, how, rows
    unmatched: list[str]
    suggestions: dict[str, list[str]]
    aggregates: list[str]
    new_indicators: list[str]
    metadata: pd.DataFrame  # one row per new indicator (META_COLUMNS)
    issues: Issues
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.issues.count("error") == 0 and not self.observations.empty

    @property
    def countries_matched(self) -> int:
        return int(self.observations["iso3"].nunique()) if len(self.observations) else 0

    def issue_frame(self, lang: str) -> pd.DataFrame:
        cols = ["severity", "code", "row", "column", "value", "message", "fix"]
        df = pd.DataFrame([i.as_dict(lang) for i in self.issues.items], columns=cols)
        df["row"] = df["row"].astype("Int64")
        return df

    def summary_text(self, lang: str) -> str:
        """One sentence: what was read, how, and how many rows, countries and issues."""
        s = self.summary(lang)
        return t(
            "data.report.summary",
            lang,
            rows=s["rows_read"],
            format=s["format"] or "?",
            encoding=s["encoding"] or "?",
            layout=s["layout"],
            valid=s["rows_valid"],
            countries=s["countries_matched"],
            errors=s["error_count"],
            warnings=s["warning_count"],
        )

    def issue_table(self, lang: str) -> pd.DataFrame:
        """The issues as shown to the analyst: severity and kind in words, "—" for file-level ones."""
        df = self.issue_frame(lang)
        df["severity"] = df["severity"].map(lambda v: t(f"data.severity.{v}", lang))
        df["code"] = df["code"].map(lambda c: t(f"data.kind.{c}", lang))
        df["row"] = df["row"].astype("string").fillna("—")
        return df

    def count_table(self, lang: str) -> pd.DataFrame:
        """How many issues of each kind (the issue table keeps at most MAX_ITEMS_PER_CODE each)."""
        return pd.DataFrame(
            [
                {
                    "severity": t(f"data.severity.{sev}", lang),
                    "code": t(f"data.kind.{code}", lang),
                    "count": n,
                }
                for (sev, code), n in self.issues.counts.items()
            ],
            columns=["severity", "code", "count"],
        )

    def unmatched_table(self) -> pd.DataFrame:
        """Country names nobody could match, with the closest known names."""
        return pd.DataFrame(
            {
                "name": self.unmatched,
                "suggestions": [", ".join(self.suggestions.get(n, [])) for n in self.unmatched],
            }
        )

    def summary(self, lang: str = "en") -> dict[str, Any]:
        """The JSON report of `python -m risk import --format json`."""
        counts: dict[str, dict[str, int]] = {"error": {}, "warning": {}}
        for (sev, code), n in self.issues.counts.items():
            counts.setdefault(sev, {})[code] = n
        return {
            "file": self.file_name,
            "sha256": self.sha256,
            "format": self.format,
            "encoding": self.encoding,
            "layout": self.layout,
            "rows_read": self.rows_read,
            "rows_valid": len(self.observations),
            "countries_matched": self.countries_matched,
            "matched": self.matches.to_dict("records"),
            "unmatched": self.unmatched,
            "suggestions": self.suggestions,
            "aggregates": self.aggregates,
            "indicators": sorted(set(self.observations["indicator"]))
            if len(self.observations)
            else [],
            "new_indicators": self.new_indicators,
            "errors": [i.as_dict(lang) for i in self.issues.of("error")],
            "warnings": [i.as_dict(lang) for i in self.issues.of("warning")],
            "counts": counts,
            "error_count": self.issues.count("error"),
            "warning_count": self.issues.count("warning"),
            "ok": self.ok,
            "notes": self.notes,
        }


def _indicator_codes(long: pd.DataFrame, ref: Reference, opts: UploadOptions) -> pd.Series:
    """Map each distinct indicator text to a code: known code, World Bank code, known name, slug."""
    known = ref.codes
    by_name: dict[str, str] = {}
    for code, en, zh in ref.indicators[["code", "name_en", "name_zh"]].itertuples(index=False):
        for label in (en, zh):
            if isinstance(label, str) and label.strip():
                by_name.setdefault(_key(label), str(code))
    mapping: dict[str, str] = {}
    for text in pd.unique(long["indicator"].astype(str)):
        raw = str(text).strip()
        key = _key(raw)
        ckey = unicodedata.normalize("NFKC", raw).casefold()
        bare = re.sub(r"\s*\([^)]*\)\s*$", "", key)  # "GDP (current US$)" -> "gdp"
        if raw in opts.indicator_map:
            code = opts.indicator_map[raw]
        elif ckey in known:
            code = ckey
        elif "wdi." + ckey in known:
            code = "wdi." + ckey
        elif key in by_name:
            code = by_name[key]
        elif bare in by_name:
            code = by_name[bare]
        elif CODE_RE.match(ckey) and "." in ckey:
            code = ckey
        else:
            code = UPLOAD_PREFIX + slug(raw)
        mapping[text] = code
    return long["indicator"].astype(str).map(mapping)


def _match_countries(
    long: pd.DataFrame, ref: Reference
) -> tuple[pd.Series, pd.Series, pd.DataFrame, list[str], list[str]]:
    """(iso3 per row, status per row, matches table, unmatched names, aggregates)."""
    codes = long["code"].astype(str).str.strip()
    names = long["country"].astype(str).str.strip()
    pairs = pd.DataFrame({"code": codes, "name": names})
    uniq = pairs.drop_duplicates()
    m = ref.matcher
    result: dict[tuple[str, str], tuple[str | None, str]] = {}
    for code, name in uniq.itertuples(index=False):
        iso3: str | None = None
        how = "unmatched"
        if code:
            iso3 = m.code(code)
            how = "code" if iso3 == code.upper() else "alias"
            if iso3 is None and len(code) == 2:
                iso3, how = m.name(code.upper())
            if iso3 is None:
                up = code.upper()
                if up in WB_AGGREGATE_CODES or up.startswith("OWID_") or is_aggregate(name):
                    how = "aggregate"
                elif name:
                    iso3, how = m.name(name)
                    how = f"{how} (code {code} unknown)" if iso3 else how
                else:
                    how = "unmatched"
        elif name:
            iso3, how = m.name(name)
        result[(code, name)] = (iso3, how if iso3 or how == "aggregate" else "unmatched")
    keys = list(zip(codes, names, strict=True))
    iso = pd.Series([result[k][0] for k in keys], index=long.index, dtype=object)
    status = pd.Series([result[k][1] for k in keys], index=long.index, dtype=object)
    counts = pairs.value_counts().to_dict()
    table = pd.DataFrame(
        [
            {"name": n, "code": c, "iso3": v[0], "how": v[1], "rows": int(counts.get((c, n), 0))}
            for (c, n), v in result.items()
            if v[0]
        ],
        columns=["name", "code", "iso3", "how", "rows"],
    )
    label = {k: (f"{k[1]} [{k[0]}]" if k[0] and k[1] else k[1] or k[0]) for k in result}
    unmatched = sorted(label[k] for k, v in result.items() if v[1] == "unmatched" and label[k])
    aggregates = sorted(label[k] for k, v in result.items() if v[1] == "aggregate")
    return iso, status, table, unmatched, aggregates


def validate(
    raw: RawTable,
    ref: Reference,
    options: UploadOptions | None = None,
    metadata: pd.DataFrame | None = None,
) -> UploadReport:
    """Shape, match and check a read file; never raises for problems in the data itself."""
    opts = options or UploadOptions()
    shaped = to_long(raw, opts)
    issues = shaped.issues
    long = shaped.long
    notes = list(raw.notes)
    if raw.frame.empty:
        issues.add(Issue("error", "file_empty"))
    source = opts.source or f"upload:{raw.file_name}"[:120]
    # Countries
    iso3, status, matches, unmatched, aggregates = _match_countries(long, ref)
    suggestions = {n: _suggest(n.split(" [")[0], ref) for n in unmatched[:200]}
    unmatched_rows = long[status == "unmatched"]
    blank_country = (long["country"].astype(str).str.strip() == "") & (
        long["code"].astype(str).str.strip() == ""
    )
    country_col = (
        next((c for c, r in shaped.roles.items() if r == "country"), None)
        or next((c for c, r in shaped.roles.items() if r == "code"), None)
        or "country"
    )
    shown_country = long["country"].where(
        long["country"].astype(str).str.strip() != "", long["code"]
    )
    issues.add_rows(
        "error",
        "country_unmatched",
        unmatched_rows[~blank_country.loc[unmatched_rows.index]],
        country_col,
        shown_country,
        params=lambda i: {
            "suggestions": ", ".join(
                suggestions.get(str(shown_country.at[i]).strip(), [])
                or _suggest(str(shown_country.at[i]), ref)
            )
            or "—"
        },
    )
    issues.add_rows(
        "error",
        "country_blank",
        long[blank_country & (status == "unmatched")],
        country_col,
        shown_country,
    )
    for name in aggregates:
        issues.add(Issue("warning", "aggregate_skipped", column=country_col, value=name))
    # Values and years
    values, missing, invalid = parse_values(long["value"])
    years = parse_years(long["year"])
    year_col = next((c for c, r in shaped.roles.items() if r == "year"), None)
    year_column = long["_col"] if year_col is None else pd.Series(year_col, index=long.index)
    keep_country = status != "aggregate"
    issues.add_rows(
        "error", "value_invalid", long[invalid & keep_country], long["_col"], long["value"]
    )
    bad_year = years.isna() & ~missing & keep_country
    issues.add_rows("error", "year_invalid", long[bad_year], year_column, long["year"])
    miss = missing & keep_country & (long["value"].astype(str).str.strip() != "")
    if miss.any():
        issues.add_rows("warning", "value_missing", long[miss], long["_col"], long["value"])
    this_year = date.today().year
    future = years > this_year
    issues.add_rows("warning", "year_future", long[future & ~missing], year_column, long["year"])
    # Indicators
    codes = _indicator_codes(long, ref, opts) if len(long) else pd.Series(dtype=object)
    ind_col = next((c for c, r in shaped.roles.items() if r == "indicator"), None)
    bad_code = ~codes.astype(str).str.match(CODE_RE.pattern) if len(long) else codes.astype(bool)
    issues.add_rows(
        "error",
        "indicator_invalid",
        long[bad_code],
        ind_col or long["_col"],
        codes,
    )
    # Publishable rows
    good = iso3.notna() & values.notna() & years.notna() & ~bad_code
    obs = pd.DataFrame(
        {
            "iso3": iso3[good].astype(str),
            "indicator": codes[good].astype(str),
            "year": years[good].astype("int32"),
            "value": values[good].astype("float64"),
            "source": source,
            "_row": long.loc[good, "_row"],
            "_col": long.loc[good, "_col"],
        }
    )
    obs = _check_duplicates(obs, issues)
    new_codes = sorted(set(obs["indicator"]) - ref.codes)
    meta = check_metadata(
        metadata
        if metadata is not None
        else raw.metadata
        if raw.metadata is not None
        else pd.DataFrame(),
        new_codes,
        issues,
    )
    _check_plausibility(obs, ref, meta, issues)
    if obs.empty and issues.count("error") == 0:
        issues.add(Issue("error", "no_rows"))
    report = UploadReport(
        file_name=raw.file_name,
        sha256=raw.sha256,
        format=raw.format,
        encoding=raw.encoding,
        layout=shaped.layout,
        rows_read=len(raw.frame),
        observations=obs.drop(columns=["_row", "_col"]).reset_index(drop=True),
        matches=matches,
        unmatched=unmatched,
        suggestions=suggestions,
        aggregates=aggregates,
        new_indicators=new_codes,
        metadata=meta,
        issues=issues,
        notes=notes,
    )
    return report


def _check_duplicates(obs: pd.DataFrame, issues: Issues) -> pd.DataFrame:
    """Same key twice: same value is a warning (kept once), different values an error."""
    key = ["iso3", "indicator", "year"]
    dup = obs.duplicated(key, keep=False)
    if not dup.any():
        return obs
    group = obs[dup]
    spread = group.groupby(key)["value"].transform(lambda s: s.nunique())
    first_row = group.groupby(key)["_row"].transform("min")
    conflict = group[spread > 1]
    same = group[(spread == 1) & group.duplicated(key, keep="first")]
    issues.add_rows(
        "error",
        "duplicate_conflict",
        conflict,
        conflict["_col"],
        conflict["value"],
        params=lambda i: {"first": int(first_row.at[i])},
    )
    issues.add_rows(
        "warning",
        "duplicate_same",
        same,
        same["_col"],
        same["value"],
        params=lambda i: {"first": int(first_row.at[i])},
    )
    keep = ~obs.index.isin(conflict.index) & ~obs.index.isin(same.index)
    return obs[keep]


def _check_plausibility(
    obs: pd.DataFrame, ref: Reference, meta: pd.DataFrame, issues: Issues
) -> None:
    """Outliers, units that look off against current figures, and thin coverage (warnings)."""
    if obs.empty:
        return
    stats = ref.stats.set_index("indicator") if len(ref.stats) else pd.DataFrame()
    units = dict(zip(ref.indicators.get("code", []), ref.indicators.get("unit", []), strict=False))
    units.update(dict(zip(meta["code"], meta["unit"], strict=False)))
    for code, grp in obs.groupby("indicator", sort=True):
        vals = grp["value"]
        med = float(vals.median())
        mad = float((vals - med).abs().median())
        if code in stats.index:
            cur = stats.loc[code]
            cur_med = float(cur["median"])
            lo, hi = float(cur["q01"]), float(cur["q99"])
            span = max(hi - lo, abs(cur_med), 1e-12)
            far = vals[(vals < lo - 2 * span) | (vals > hi + 2 * span)]
            if cur_med and med and np.sign(cur_med) == np.sign(med):
                ratio = abs(med / cur_med)
                if ratio >= 50 or ratio <= 1 / 50:
                    issues.add(
                        Issue(
                            "warning",
                            "unit_suspicious",
                            column=str(grp["_col"].iloc[0]),
                            value=str(code),
                            params={"ratio": f"{ratio:.3g}", "unit": units.get(code, "")},
                        )
                    )
        else:
            far = vals[(vals - med).abs() > 10 * max(mad, 1e-12)] if mad > 0 else vals.iloc[0:0]
            countries = grp["iso3"].nunique()
            if countries < max(10, ref.sovereign // 4):
                issues.add(
                    Issue(
                        "warning",
                        "low_coverage",
                        column=str(grp["_col"].iloc[0]),
                        value=str(code),
                        params={"countries": countries, "of": ref.sovereign},
                    )
                )
        unit = str(units.get(code, "")).strip()
        percent = unit.startswith("%") or unit.startswith("percent")
        if percent and len(vals) >= 5 and vals.abs().max() <= 1.0:
            issues.add(
                Issue("warning", "share_not_percent", value=str(code), params={"unit": unit})
            )
        if len(far):
            rows = grp.loc[far.index]
            issues.add_rows("warning", "outlier", rows, rows["_col"], rows["value"])


# -- the whole chain -------------------------------------------------------------------------
def check_upload(
    data: bytes,
    file_name: str,
    ref: Reference,
    options: UploadOptions | None = None,
    metadata: pd.DataFrame | None = None,
) -> UploadReport:
    """Read and validate a file; a file that cannot be read gives a report with one error."""

    def score(text: str) -> int:
        return _encoding_score(text, ref)

    try:
        raw = read_upload(data, file_name, score=score)
    except UploadError as exc:
        issues = Issues()
        row = exc.rows[0] if exc.rows else {}
        if exc.message == "ragged rows":
            issues.add(
                Issue(
                    "error",
                    "file_ragged",
                    row=int(row["row"]),
                    params={"expected": row["expected"], "found": row["found"]},
                )
            )
        elif exc.message.startswith("the file is empty"):
            issues.add(Issue("error", "file_empty"))
        else:
            issues.add(Issue("error", "file_unreadable", params={"detail": exc.message}))
        return _failed(file_name, sha256_bytes(data), issues)
    return validate(raw, ref, options, metadata)


def _encoding_score(text: str, ref: Reference) -> int:
    """How many cells of a decoded sample are known country names (to choose between encodings)."""
    hits = 0
    for line in text.splitlines()[:100]:
        for cell in re.split(r"[,;\t|]", line)[:4]:
            cell = cell.strip().strip('"')
            if cell and ref.matcher.name(cell)[0]:
                hits += 1
    return hits


def _failed(file_name: str, sha: str, issues: Issues) -> UploadReport:
    return UploadReport(
        file_name=file_name,
        sha256=sha,
        format="",
        encoding="",
        layout="unknown",
        rows_read=0,
        observations=pd.DataFrame(
            {c: pd.Series(dtype=object) for c in ("iso3", "indicator", "year", "value", "source")}
        ),
        matches=pd.DataFrame(columns=["name", "code", "iso3", "how", "rows"]),
        unmatched=[],
        suggestions={},
        aggregates=[],
        new_indicators=[],
        metadata=pd.DataFrame(columns=list(META_COLUMNS)),
        issues=issues,
    )


def catalogue_rows(meta: pd.DataFrame) -> pd.DataFrame:
    """Indicator catalogue rows for new indicators (as the store's `indicators` table)."""
    if meta.empty:
        return pd.DataFrame()
    higher = meta["direction"].map({"1": "better", "-1": "worse", "0": "context"})
    desc = meta["description"].where(meta["description"] != "", meta["name_en"])
    vintage = meta["year"].where(meta["year"] == "", " (" + meta["year"] + ")")
    return pd.DataFrame(
        {
            "code": meta["code"],
            "name_en": meta["name_en"],
            "name_zh": meta["name_zh"],
            "unit": meta["unit"],
            "source": meta["source"],
            "licence": meta["licence"],
            "description": desc + vintage.where(meta["year"] != "", ""),
            "higher_is": higher.fillna("context"),
            "open_licence": meta["licence"].str.contains(
                r"CC BY|CC0|ODbL|public domain|公眾領域", case=False, regex=True
            ),
        }
    )


def framework_rows(meta: pd.DataFrame) -> pd.DataFrame:
    """Framework rows (columns of datasets/framework.csv) for new indicators given a weight."""
    joined = meta[(meta["weight"].astype(float) > 0)] if len(meta) else meta
    if joined.empty:
        return pd.DataFrame(columns=list(FRAMEWORK_COLUMNS))
    return pd.DataFrame(
        {
            "code": joined["code"],
            "pillar": joined["pillar"],
            "direction": joined["direction"].astype(int),
            "transform": "none",
            "weight": joined["weight"].astype(float),
            "max_age_years": 5,
            "min_coverage": 0.0,
            "absent_is_zero": 0,
            "unit": joined["unit"],
            "source": joined["source"],
            "name_en": joined["name_en"],
            "name_zh": joined["name_zh"],
            "rationale_en": joined["description"].where(
                joined["description"] != "", "Uploaded indicator"
            ),
            "rationale_zh": joined["description"].where(joined["description"] != "", "上傳的指標"),
        }
    )


def publish_report(
    store: DuckDBStore,
    report: UploadReport,
    *,
    author: str,
    note: str = "",
    action: str = "publish",
    progress: Callable[[str], None] | None = None,
) -> VersionInfo:
    """Publish a clean report as a new data version; refuse if it has errors."""
    if not report.ok:
        raise UploadError(
            f"{report.file_name} has {report.issues.count('error')} errors: fix them before publishing",
            rows=[
                {k: v for k, v in i.as_dict("en").items() if k in ("row", "column", "code")}
                for i in report.issues.of("error")[:10]
            ],
        )
    return store.publish(
        report.observations,
        author=author,
        indicators=catalogue_rows(report.metadata),
        framework=framework_rows(report.metadata),
        file_name=report.file_name,
        sha256=report.sha256,
        action=action,
        note=note,
        progress=progress,
    )

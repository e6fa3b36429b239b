"""Layouts: long, wide by years, wide by indicators, World Bank and OWID downloads -> one long table."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from risk.upload.issues import Issue, Issues
from risk.upload.read import RawTable
from risk.upload.values import period_of


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
    found = period_of(name)
    return found[0] if found else None


def period_columns(columns: list[str]) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """The period columns to read (column -> year; several periods in one year keep the latest)
    and what was found, for the report: column, year, kept."""
    found = {c: p for c in columns if (p := period_of(c))}
    latest: dict[int, str] = {}
    for col, (year, place) in found.items():
        if year not in latest or place >= found[latest[year]][1]:
            latest[year] = col
    kept = {col: found[col][0] for col in found if latest[found[col][0]] == col}
    shown = [
        {"column": col, "year": year, "kept": col in kept, "instead_of": latest[year]}
        for col, (year, _p) in found.items()
    ]
    return kept, shown


@dataclass
class UploadOptions:
    """Choices the file itself cannot tell: an indicator or year for layouts that lack them."""

    indicator: str | None = None  # the indicator of a file without an indicator column
    year: int | None = None  # the year of a file without a year column
    source: str | None = None  # the `source` recorded on every row (default upload:<file>)
    indicator_map: Mapping[str, str] = field(default_factory=dict)  # column/name -> code
    encoding: str | None = None  # the text encoding, when the user overrides the detection


@dataclass
class Shaped:
    """The file as long rows, before any check: raw text of each field plus its file position."""

    long: pd.DataFrame  # _row, _col, country, code, indicator, indicator_label, year, value
    layout: str
    roles: dict[str, str]
    issues: Issues
    periods: list[dict[str, Any]] = field(default_factory=list)  # column, year, kept, instead_of
    no_year: bool = False  # the file has no year (reported once, not on every row)
    no_indicator: bool = False  # the file has no indicator (reported once)


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
    year_cols, periods = period_columns([c for c in df.columns if c not in roles])
    other = [c for c in df.columns if c not in roles and period_of(c) is None]
    for p in periods:
        if not p["kept"]:
            issues.add(
                Issue(
                    "warning",
                    "period_superseded",
                    column=p["column"],
                    params={"year": p["year"], "kept": p["instead_of"]},
                )
            )

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

    # A missing year or indicator is reported once and the rows are still read, so the report
    # also shows every country and value problem of the file.
    no_year = no_indicator = False

    def year_of_file() -> Any:
        nonlocal no_year
        if "year" in by_role:
            return df[by_role["year"]]
        if opts.year is not None:
            return str(opts.year)
        no_year = True
        issues.add(Issue("error", "no_year", params={"columns": _cols(df)}))
        return ""

    def indicator_of_file() -> tuple[Any, Any]:
        nonlocal no_indicator
        named = _indicator_of_rows(df, by_role, ind_col, opts)
        if named is None:
            no_indicator = True
            issues.add(Issue("error", "no_indicator", params={"columns": _cols(df)}))
            return "", ""
        return named

    parts: list[pd.DataFrame] = []
    ind_col = by_role.get("indicator") or by_role.get("indicator_name")
    if year_cols:
        layout = "wide_years"
        if {"indicator", "code"} <= set(by_role) and _key(by_role["indicator"]) in (
            "indicator code",
            "series code",
        ):
            layout = "worldbank"
        ind, label = indicator_of_file()
        for col, year in year_cols.items():
            parts.append(frame(df[col], col, ind, label, str(year)))
    elif "value" in by_role:
        layout = "long"
        year_s = year_of_file()
        ind, label = indicator_of_file()
        parts.append(frame(df[by_role["value"]], by_role["value"], ind, label, year_s))
    else:
        layout = "wide_indicators"
        if {"country", "code", "year"} <= set(by_role) and _key(by_role["country"]) == "entity":
            layout = "owid"
        value_cols = [c for c in other if c not in roles]
        if not value_cols:
            issues.add(Issue("error", "no_value_column", params={"columns": _cols(df)}))
            return Shaped(_empty_long(), layout, roles, issues)
        year_s = year_of_file()
        for col in value_cols:
            parts.append(frame(df[col], col, opts.indicator_map.get(col, col), col, year_s))
    long = pd.concat(parts, ignore_index=True) if parts else _empty_long()
    return Shaped(long, layout, roles, issues, periods, no_year, no_indicator)


def _cols(df: pd.DataFrame) -> str:
    shown = ", ".join(str(c) for c in list(df.columns)[:12])
    return shown + (" …" if len(df.columns) > 12 else "")


def _empty_long() -> pd.DataFrame:
    cols = ["_row", "_col", "country", "code", "indicator", "indicator_label", "year", "value"]
    return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})

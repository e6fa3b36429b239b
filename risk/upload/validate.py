"""Validation: a read file -> observations plus every problem found, before anything is published."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from risk.errors import UploadError
from risk.upload.isolate import run_isolated
from risk.upload.issues import Issue, Issues
from risk.upload.layouts import UploadOptions, to_long
from risk.upload.limits import Deadline, LimitExceeded, UploadLimits, check_before_parsing
from risk.upload.matching import (
    Reference,
    _encoding_score,
    _indicator_codes,
    _match_countries,
    _suggest,
)
from risk.upload.metadata import check_metadata
from risk.upload.read import RawTable, read_upload, sha256_bytes
from risk.upload.report import UploadReport, _failed
from risk.upload.values import (
    ABSURD_ABS,
    CODE_RE,
    impossible_dates,
    parse_periods,
    parse_values,
    unit_bounds,
)


def validate(
    raw: RawTable,
    ref: Reference,
    options: UploadOptions | None = None,
    metadata: pd.DataFrame | None = None,
    *,
    deadline: Deadline | None = None,
) -> UploadReport:
    """Shape, match and check a read file; never raises for problems in the data itself (only
    LimitExceeded when `deadline` is spent)."""
    opts = options or UploadOptions()
    tick = deadline.check if deadline is not None else (lambda: None)
    shaped = to_long(raw, opts)
    tick()
    issues = shaped.issues
    long = shaped.long
    notes = list(raw.notes)
    if raw.frame.empty:
        issues.add(Issue("error", "file_empty"))
    source = opts.source or f"upload:{raw.file_name}"[:120]
    # Countries
    iso3, status, matches, unmatched, aggregates = _match_countries(long, ref)
    suggestions = {n: _suggest(n.split(" [")[0], ref) for n in unmatched[:200]}
    # Country problems belong to a row, not to each of its value columns: report each row once.
    first_of_row = ~long["_row"].duplicated()
    unmatched_rows = long[(status == "unmatched") & first_of_row]
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
        long[blank_country & (status == "unmatched") & first_of_row],
        country_col,
        shown_country,
    )
    for name in aggregates:
        issues.add(Issue("warning", "aggregate_skipped", column=country_col, value=name))
    # Values and years
    values, missing, invalid = parse_values(long["value"])
    years, places = parse_periods(long["year"])
    year_col = next((c for c, r in shaped.roles.items() if r == "year"), None)
    year_column = long["_col"] if year_col is None else pd.Series(year_col, index=long.index)
    keep_country = status != "aggregate"
    # A year read from a column is one cell per row; from the headers, one per column.
    year_once = first_of_row if year_col is not None else pd.Series(True, index=long.index)
    as_text = long["value"].astype(object).where(long["value"].notna(), "").astype(str)
    infinite = invalid & np.isinf(pd.to_numeric(as_text.str.strip(), errors="coerce"))
    absurd = values.abs() > ABSURD_ABS
    issues.add_rows(
        "error",
        "value_invalid",
        long[invalid & ~infinite & keep_country],
        long["_col"],
        long["value"],
    )
    issues.add_rows(
        "error", "value_not_finite", long[infinite & keep_country], long["_col"], long["value"]
    )
    issues.add_rows(
        "error",
        "value_absurd",
        long[absurd & keep_country],
        long["_col"],
        long["value"],
        params=lambda _i: {"limit": f"{ABSURD_ABS:.0e}"},
    )
    values = values.where(~absurd)
    bad_date = impossible_dates(long["year"]) & keep_country & years.isna()
    issues.add_rows("error", "date_invalid", long[bad_date & year_once], year_column, long["year"])
    bad_year = years.isna() & ~missing & keep_country & ~bad_date & (not shaped.no_year)
    issues.add_rows("error", "year_invalid", long[bad_year & year_once], year_column, long["year"])
    _check_formulas(raw, issues)
    tick()
    miss = missing & keep_country & (long["value"].astype(str).str.strip() != "")
    if miss.any():
        issues.add_rows("warning", "value_missing", long[miss], long["_col"], long["value"])
    this_year = date.today().year
    future = years > this_year
    issues.add_rows(
        "warning", "year_future", long[future & ~missing & year_once], year_column, long["year"]
    )
    # Indicators
    codes = _indicator_codes(long, ref, opts) if len(long) else pd.Series(dtype=object)
    ind_col = next((c for c, r in shaped.roles.items() if r == "indicator"), None)
    bad_code = ~codes.astype(str).str.match(CODE_RE.pattern) if len(long) else codes.astype(bool)
    no_code = (
        long["indicator"].astype(str).str.strip() == ""
        if shaped.no_indicator
        else pd.Series(False, index=long.index)
    )
    issues.add_rows(
        "error",
        "indicator_invalid",
        long[bad_code & ~(no_code & shaped.no_indicator)],
        ind_col or long["_col"],
        codes,
    )
    # Publishable rows
    good = iso3.notna() & values.notna() & years.notna() & ~bad_code & ~no_code
    obs = pd.DataFrame(
        {
            "iso3": iso3[good].astype(str),
            "indicator": codes[good].astype(str),
            "year": years[good].astype("int32"),
            "value": values[good].astype("float64"),
            "source": source,
            "_row": long.loc[good, "_row"],
            "_col": long.loc[good, "_col"],
            "_place": places[good],
            "_period": long.loc[good, "year"].astype(str).str.strip(),
        }
    )
    obs = _keep_latest_period(obs, issues)
    obs = _check_duplicates(obs, issues)
    # New indicators are described even while the year is missing, so one pass shows all.
    usable = iso3.notna() & values.notna() & ~bad_code & ~no_code
    new_codes = sorted({str(c) for c in pd.unique(codes[usable])} - ref.codes)
    meta = check_metadata(
        metadata
        if metadata is not None
        else raw.metadata
        if raw.metadata is not None
        else pd.DataFrame(),
        new_codes,
        issues,
    )
    tick()
    obs = _check_units(obs, ref, meta, issues)
    _check_plausibility(obs, ref, meta, issues)
    tick()
    if obs.empty and issues.count("error") == 0:
        issues.add(Issue("error", "no_rows"))
    report = UploadReport(
        file_name=raw.file_name,
        sha256=raw.sha256,
        format=raw.format,
        encoding=raw.encoding,
        layout=shaped.layout,
        header_row=raw.header_row,
        delimiter=raw.delimiter,
        sheet=raw.sheet,
        encoding_confident=raw.encoding_confident,
        encoding_alternatives=list(raw.encoding_alternatives),
        periods=shaped.periods,
        indicators=_detected_indicators(long, codes, ref),
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


def _detected_indicators(
    long: pd.DataFrame, codes: pd.Series, ref: Reference
) -> list[dict[str, Any]]:
    """Each indicator the file holds as read: its column or label, the code, and whether it is new."""
    if long.empty:
        return []
    first = ~codes.duplicated()
    seen = pd.DataFrame(
        {"label": long.loc[first, "indicator_label"].astype(str), "code": codes[first].astype(str)}
    )
    return [
        {"label": label, "code": code, "new": code not in ref.codes}
        for label, code in seen.itertuples(index=False)
        if code.strip()
    ][:200]


def _keep_latest_period(obs: pd.DataFrame, issues: Issues) -> pd.DataFrame:
    """Rows of one year written as several periods ('Q1 2025', 'Q4 2025'): the latest period is
    the year's value; the earlier ones are set aside with a warning that names the kept row."""
    key = ["iso3", "indicator", "year"]
    latest = obs.groupby(key)["_place"].transform("max")
    earlier = obs[obs["_place"] < latest]
    if earlier.empty:
        return obs.drop(columns=["_place", "_period"])
    kept = obs[obs["_place"] == latest].drop_duplicates(key).set_index(key)
    issues.add_rows(
        "warning",
        "period_superseded_row",
        earlier,
        earlier["_col"],
        earlier["_period"],
        params=lambda i: {
            "year": int(obs.at[i, "year"]),
            "kept": str(kept.at[tuple(obs.loc[i, key]), "_period"]),
            "kept_row": int(kept.at[tuple(obs.loc[i, key]), "_row"]),
        },
    )
    return obs.drop(index=earlier.index).drop(columns=["_place", "_period"])


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


def _check_formulas(raw: RawTable, issues: Issues) -> None:
    """Formula cells are reported, never read silently: with a value last calculated by the
    spreadsheet it is used (warning); without one the cell has no value (error)."""
    for f in raw.formulas:
        cached = f.cached is not None and str(f.cached).strip() != ""
        issues.add(
            Issue(
                "warning" if cached else "error",
                "formula_cached" if cached else "formula_no_value",
                row=f.row,
                column=f.column,
                value=f.formula[:200],
                params={"cached": f.cached if cached else ""},
            )
        )


def _same(params: dict[str, Any]) -> Callable[[int], dict[str, Any]]:
    """The same message parameters for every row."""
    return lambda _i: params


def _check_units(
    obs: pd.DataFrame, ref: Reference, meta: pd.DataFrame, issues: Issues
) -> pd.DataFrame:
    """Values the indicator's unit rules out: outside a stated range ('score 0-100', a share of a
    whole), negative counts (errors, rows dropped); a bare '%' over 100 (warning)."""
    if obs.empty:
        return obs
    units = dict(zip(ref.indicators.get("code", []), ref.indicators.get("unit", []), strict=False))
    units.update(dict(zip(meta.get("code", []), meta.get("unit", []), strict=False)))
    drop = pd.Series(False, index=obs.index)
    for code, grp in obs.groupby("indicator", sort=True):
        unit = str(units.get(code, "") or "")
        kind, lo, hi = unit_bounds(unit)
        vals = grp["value"]
        if kind == "range" and lo is not None and hi is not None:
            out = grp[(vals < lo) | (vals > hi)]
            issues.add_rows(
                "error",
                "value_out_of_range",
                out,
                out["_col"],
                out["value"],
                params=_same({"unit": unit, "lo": f"{lo:g}", "hi": f"{hi:g}"}),
            )
            drop.loc[out.index] = True
        elif kind == "count":
            out = grp[vals < 0]
            issues.add_rows(
                "error",
                "value_negative",
                out,
                out["_col"],
                out["value"],
                params=_same({"unit": unit}),
            )
            drop.loc[out.index] = True
        elif kind == "percent":
            out = grp[vals > 100]
            issues.add_rows(
                "warning",
                "share_over_100",
                out,
                out["_col"],
                out["value"],
                params=_same({"unit": unit}),
            )
    return obs[~drop]


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
    ref: Reference | Callable[[], Reference],
    options: UploadOptions | None = None,
    metadata: pd.DataFrame | None = None,
    *,
    limits: UploadLimits | None = None,
    isolated: bool = True,
) -> UploadReport:
    """Read and validate a file; a file that cannot be read, or is past a limit, gives a report
    with one error. The size and declared shape are checked here, before any parser runs; `ref`
    may be a function that loads the reference tables, called only once those checks passed. The
    parsing and validation run in a child process with memory and time limits (risk.upload.isolate),
    so a hostile file cannot take down the caller (`isolated=False` runs them here, for tests
    that want an unexpected error raised rather than reported)."""
    lim = limits or UploadLimits.from_env()
    try:
        check_before_parsing(data, file_name, lim)
        if callable(ref):
            ref = ref()
        args = (data, file_name, ref, options, metadata, lim)
        if not isolated:  # tests of the checks themselves: an unexpected error is raised
            return _check_in_child(*args)
        report: UploadReport = run_isolated(_check_in_child, args, lim)
        return report
    except UploadError as exc:
        return _unreadable(exc, file_name, data)


def _check_in_child(
    data: bytes,
    file_name: str,
    ref: Reference,
    options: UploadOptions | None,
    metadata: pd.DataFrame | None,
    limits: UploadLimits,
) -> UploadReport:
    """Read and validate in this process (the body of `check_upload`'s child)."""
    deadline = Deadline(limits)

    def score(text: str) -> int:
        return _encoding_score(text, ref)

    encoding = options.encoding if options is not None else None
    try:
        raw = read_upload(data, file_name, score=score, limits=limits, encoding=encoding)
        deadline.check()
    except UploadError as exc:
        return _unreadable(exc, file_name, data)
    return validate(raw, ref, options, metadata, deadline=deadline)


def _unreadable(exc: UploadError, file_name: str, data: bytes) -> UploadReport:
    """The report of a file that could not be read (or was refused), with one error."""
    issues = Issues()
    row = exc.rows[0] if exc.rows else {}
    if isinstance(exc, LimitExceeded):
        issues.add(
            Issue("error", f"limit_{exc.name}", column=exc.where or None, params=exc.params())
        )
    elif exc.message == "ragged rows":
        issues.add(
            Issue(
                "error",
                "file_ragged",
                row=int(row["row"]),
                params={"expected": row["expected"], "found": row["found"]},
            )
        )
    elif m := re.match(r"the file is not valid (\S+) text \(byte (\d+)\)", exc.message):
        issues.add(Issue("error", "encoding_failed", params={"encoding": m[1], "byte": int(m[2])}))
    elif m := re.match(r"unknown encoding '(.*)'$", exc.message):
        issues.add(Issue("error", "encoding_unknown", params={"encoding": m[1]}))
    elif exc.message.startswith("the file is empty"):
        issues.add(Issue("error", "file_empty"))
    else:
        issues.add(Issue("error", "file_unreadable", params={"detail": exc.message}))
    return _failed(file_name, sha256_bytes(data), issues)

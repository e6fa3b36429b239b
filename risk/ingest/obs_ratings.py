"""Sovereign credit ratings on one equal-notch scale, as in force at each year's end.

The compiler's RatingN column jumps five points between BBB- and BB+, so it is not used; every
agency notation is mapped to 21 equal notches instead:
AAA/Aaa = 21, AA+/Aa1/AA (high) = 20, AA/Aa2 = 19, ... BBB-/Baa3/BBB (low) = 12 (lowest investment
grade), BB+/Ba1 = 11, ... CCC+/Caa1 = 5, CCC/Caa2 = 4, CCC-/Caa3 = 3, CC/Ca = 2, C and default
(SD, RD, D) = 1. Moody's old unsuffixed grades (Aa, A, Baa, ...) take the middle notch.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from risk.errors import IngestError
from risk.harmonise import CountryMatcher, Harmonised
from risk.ingest.common import require_columns
from risk.ingest.obs_common import SourceResult, entry, finish, match_names

SOURCE = "sovereign_ratings"
FIRST_YEAR = 2000

# Middle notch of each letter grade, S&P / Fitch / DBRS letters and Moody's letters side by side.
_GRADE = {
    "AAA": 21,
    "AA": 19,
    "A": 16,
    "BBB": 13,
    "BB": 10,
    "B": 7,
    "CCC": 4,
    "CC": 2,
    "C": 1,
    "SD": 1,
    "RD": 1,
    "D": 1,
}
_MOODYS_GRADE = {
    "Aaa": 21,
    "Aa": 19,
    "A": 16,
    "Baa": 13,
    "Ba": 10,
    "B": 7,
    "Caa": 4,
    "Ca": 2,
    "C": 1,
}
# Grades that take +/- (or 1/2/3, or (high)/(low)) modifiers.
_MODIFIABLE = {"AA", "A", "BBB", "BB", "B", "CCC", "Aa", "Baa", "Ba", "Caa"}

_LETTER_RE = re.compile(r"^(AAA|AA|A|BBB|BB|B|CCC|CC|C|SD|RD|D)\s*([+-])?$")
_DBRS_RE = re.compile(r"^(AAA|AA|A|BBB|BB|B|CCC|CC|C|SD|D)(?:\s*\((high|low)\))?$", re.IGNORECASE)
_MOODYS_RE = re.compile(r"^(Aaa|Aa|A|Baa|Ba|B|Caa|Ca|C)([123])?$")

# The compilation's "Congo" rows are the Democratic Republic of the Congo: they run beside separate
# "Republic of the Congo" rows with different grades (e.g. S&P B- in Dec 2013 vs B+ in Oct 2013),
# and they track the DRC's history (S&P B- in Jan 2022, Moody's B3 in Nov 2022).
NAME_OVERRIDES = {"Congo": "COD"}


def notch(agency: str, rating: str) -> int | None:
    """Equal-notch value (1-21) of one agency's rating, or None if the notation is not recognised."""
    text = str(rating).strip()
    if agency.casefold().startswith("moody"):
        m = _MOODYS_RE.match(text)
        if not m:
            return None
        grade, digit = m.group(1), m.group(2)
        if digit and grade not in _MODIFIABLE:
            return None
        shift = {"1": 1, "2": 0, "3": -1}.get(digit or "2", 0)
        return _MOODYS_GRADE[grade] + shift
    m = _DBRS_RE.match(text) if "(" in text else _LETTER_RE.match(text)
    if not m:
        return None
    grade, modifier = m.group(1).upper(), (m.group(2) or "").lower()
    if modifier and grade not in _MODIFIABLE:
        return None
    shift = {"+": 1, "high": 1, "-": -1, "low": -1}.get(modifier, 0)
    return _GRADE[grade] + shift


def _actions(raw: Path, matcher: CountryMatcher) -> tuple[pd.DataFrame, Harmonised]:
    path = raw / SOURCE / "countriesratings.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    require_columns(df, ["Agency", "Rating", "Date", "Country"], SOURCE)
    df["notch"] = [notch(a, r) for a, r in zip(df["Agency"], df["Rating"], strict=True)]
    unknown = df[df["notch"].isna()]
    if not unknown.empty:
        raise IngestError(
            f"{SOURCE}: rating notations not on the notch scale",
            rows=unknown[["Agency", "Rating", "Country"]].drop_duplicates().to_dict("records"),
        )
    df["date"] = pd.to_datetime(df["Date"].str.strip(), format="%m/%d/%Y", errors="coerce")
    bad_dates = df[df["date"].isna()]
    if not bad_dates.empty:
        raise IngestError(
            f"{SOURCE}: dates not in m/d/yyyy form",
            rows=bad_dates[["Agency", "Date", "Country"]].to_dict("records"),
        )
    # "European Union" is set aside as an aggregate by the matcher.
    kept, harmonised = match_names(df, "Country", SOURCE, matcher, overrides=NAME_OVERRIDES)
    kept["agency"] = kept["Agency"].str.strip()
    # The same action is often listed under two spellings of a country; on the rare day with two
    # different grades from one agency, keep the lower (the downgrade is the later action).
    kept = (
        kept.groupby(["iso3", "agency", "date"], as_index=False)["notch"]
        .min()
        .sort_values(["iso3", "agency", "date"])
    )
    return kept, harmonised


def in_force(actions: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """Each agency's rating at the end of each year, carried forward from its latest action."""
    rows = []
    for (iso3, agency), group in actions.groupby(["iso3", "agency"], sort=True):
        dates = group["date"].to_numpy(dtype="datetime64[ns]")
        notches = group["notch"].to_numpy()
        for year in years:
            end = np.datetime64(f"{year}-12-31T23:59:59", "ns")
            idx = int(np.searchsorted(dates, end, side="right")) - 1
            if idx >= 0:
                rows.append((iso3, agency, year, float(notches[idx])))
    return pd.DataFrame(rows, columns=["iso3", "agency", "year", "notch"])


def read_ratings(raw: Path, matcher: CountryMatcher) -> SourceResult:
    """ratings.notch (median across agencies at year end) and ratings.agencies (how many)."""
    actions, harmonised = _actions(raw, matcher)
    last = int(actions["date"].dt.year.max())
    years = list(range(FIRST_YEAR, last + 1))
    force = in_force(actions, years)
    summary = force.groupby(["iso3", "year"], as_index=False).agg(
        median=("notch", "median"), agencies=("agency", "nunique")
    )
    long = pd.concat(
        [
            summary.assign(indicator="ratings.notch", value=summary["median"]),
            summary.assign(indicator="ratings.agencies", value=summary["agencies"]),
        ],
        ignore_index=True,
    )
    scale = (
        "Equal-notch scale: AAA/Aaa = 21, AA+/Aa1/AA (high) = 20, AA/Aa2 = 19, AA-/Aa3 = 18, "
        "A+/A1 = 17, A/A2 = 16, A-/A3 = 15, BBB+/Baa1 = 14, BBB/Baa2 = 13, BBB-/Baa3 = 12 "
        "(lowest investment grade), BB+/Ba1 = 11, BB/Ba2 = 10, BB-/Ba3 = 9, B+/B1 = 8, B/B2 = 7, "
        "B-/B3 = 6, CCC+/Caa1 = 5, CCC/Caa2 = 4, CCC-/Caa3 = 3, CC/Ca = 2, C/SD/RD/D = 1; DBRS "
        "(high)/(low) count as +/-."
    )
    catalogue = [
        entry(
            "ratings.notch",
            "Sovereign credit rating (median notch across agencies)",
            "主權信用評等（各評等機構中位數）",
            "notch 1-21",
            SOURCE,
            f"Median across S&P, Moody's, Fitch and DBRS of each agency's rating in force at the "
            f"end of the year (an action is carried forward until the next one), from {FIRST_YEAR}. "
            f"{scale} Secondary compilation of agency actions (Wikipedia-based); indicative only.",
            "better",
        ),
        entry(
            "ratings.agencies",
            "Number of agencies rating the sovereign",
            "有效主權評等機構數",
            "agencies",
            SOURCE,
            "How many of S&P, Moody's, Fitch and DBRS had a rating in force at the end of the "
            "year, in the same secondary compilation. Fitch history there is thin.",
            "context",
        ),
    ]
    return SourceResult(finish(long, SOURCE), catalogue, harmonised)

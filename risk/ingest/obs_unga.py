"""UN General Assembly voting: ideal points (calendar years) and US / China agreement (sessions).

Serbia is coded YUG throughout both files. YUG means Serbia only from 1992 (after the break-up of
the SFRY); earlier YUG rows are the former Yugoslavia and are dropped. If a file ever holds both a
YUG-derived and a native SRB row for one year, the native row wins.

Taiwan's rows (1946-1971, when the Republic of China held China's seat) are dropped: they describe a
seat Taiwan no longer holds, and a "latest value" from 1971 would be misleading next to 2024 values.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from risk.harmonise import CountryMatcher, Harmonised
from risk.ingest.common import require_columns
from risk.ingest.obs_common import SourceResult, entry, finish, match_codes, parse_numbers

SOURCE = "unga_ideal_points"
DTA_FILE = "IdealpointsJuly2025.dta"
CSV_FILE = "IdealpointestimatesAll_Jun2024.csv"
SERBIA_FROM = 1992
SESSION_OFFSET = 1945  # session 78 opened in September 2023 -> year 2023


def _prepare(df: pd.DataFrame) -> pd.DataFrame:
    """Drop rows the brief rules out (pre-1992 YUG, Taiwan) and flag YUG-derived rows."""
    code = df["iso3c"].fillna("").astype(str).str.strip().str.upper()
    out = df.assign(iso3c=code)
    # Rows without iso3c are isolated country-years with no estimate; nothing to keep.
    out = out[out["iso3c"] != ""]
    out = out[~((out["iso3c"] == "YUG") & (out["year"] < SERBIA_FROM))]
    out = out[out["iso3c"] != "TWN"]
    return out.assign(_from_old_code=out["iso3c"] == "YUG")


def _prefer_native(df: pd.DataFrame) -> pd.DataFrame:
    """Where a mapped old code and a native code give the same country-year, keep the native row."""
    key = ["iso3", "indicator", "year"]
    native = df.loc[~df["_from_old_code"], key].drop_duplicates()
    native_keys = set(native.itertuples(index=False, name=None))
    shadowed = df["_from_old_code"] & pd.Series(
        [k in native_keys for k in df[key].itertuples(index=False, name=None)], index=df.index
    )
    # Any other duplicate is left in place so that `finish` reports it.
    return df[~shadowed]


def _merge_harmonised(parts: list[Harmonised]) -> Harmonised:
    out = Harmonised(source=SOURCE)
    for part in parts:
        out.iso3.update(part.iso3)
        out.how.update(part.how)
        out.aggregates = sorted(set(out.aggregates) | set(part.aggregates))
        out.unmatched = sorted(set(out.unmatched) | set(part.unmatched))
    return out


def read_unga(raw: Path, matcher: CountryMatcher) -> SourceResult:
    """Ideal points from the 2025 .dta; agreement shares from the 2024 CSV."""
    folder = raw / SOURCE
    dta = pd.read_stata(folder / DTA_FILE, convert_categoricals=False)
    require_columns(dta, ["iso3c", "countryname", "year", "idealpointfp"], DTA_FILE)
    dta["year"] = parse_numbers(dta["year"], f"{DTA_FILE} year")
    dta["value"] = parse_numbers(dta["idealpointfp"], f"{DTA_FILE} idealpointfp")
    dta["indicator"] = "unga.ideal_point"
    ideal, h_ideal = match_codes(_prepare(dta), "iso3c", "countryname", SOURCE, matcher)

    csv = pd.read_csv(folder / CSV_FILE, dtype=str, keep_default_na=False)
    require_columns(csv, ["iso3c", "Countryname", "session", "USAgree", "ChinaAgree"], CSV_FILE)
    csv["year"] = parse_numbers(csv["session"], f"{CSV_FILE} session") + SESSION_OFFSET
    frames = []
    for column, code in (("USAgree", "unga.us_agree"), ("ChinaAgree", "unga.china_agree")):
        part = csv[["iso3c", "Countryname", "year"]].copy()
        part["value"] = parse_numbers(csv[column], f"{CSV_FILE} {column}")
        part["indicator"] = code
        frames.append(part)
    agree, h_agree = match_codes(
        _prepare(pd.concat(frames, ignore_index=True)), "iso3c", "Countryname", SOURCE, matcher
    )
    long = pd.concat([ideal, agree], ignore_index=True)
    long = long.dropna(subset=["value", "year"])
    observations = finish(_prefer_native(long), SOURCE)

    catalogue = [
        entry(
            "unga.ideal_point",
            "UN General Assembly ideal point (final-passage votes)",
            "聯合國大會投票理想點（最終表決）",
            "ideal point (latent scale; US about +2.2)",
            SOURCE,
            "Bailey-Strezhnev-Voeten ideal point estimated from final-passage UNGA roll calls, per "
            "calendar year; higher means closer to the US position. Serbia is coded YUG in the "
            "source and mapped to SRB from 1992; Taiwan's 1946-1971 seat is left out.",
            "better",
        ),
        entry(
            "unga.us_agree",
            "UNGA voting agreement with the United States",
            "聯合國大會與美國投票一致率",
            "share 0-1",
            SOURCE,
            "Share of the session's UNGA roll-call votes on which the country voted as the US did "
            "(Voeten data). Year = session + 1945 (the calendar year the session opened).",
            "better",
        ),
        entry(
            "unga.china_agree",
            "UNGA voting agreement with China",
            "聯合國大會與中國投票一致率",
            "share 0-1",
            SOURCE,
            "Share of the session's UNGA roll-call votes on which the country voted as China did "
            "(Voeten data). Year = session + 1945. Higher means closer to China, which counts "
            "against US alignment.",
            "worse",
        ),
    ]
    return SourceResult(observations, catalogue, _merge_harmonised([h_ideal, h_agree]))

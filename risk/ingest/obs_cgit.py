"""China Global Investment Tracker: yearly totals of Chinese investment and construction per host.

The combined "Dataset 1+2" sheet has no column telling an investment from a construction contract,
so "Dataset 1" (investments) and "Dataset 2" (construction) are read separately. "Dataset 3" is
never read: its used range runs to a million rows.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from risk.errors import IngestError
from risk.harmonise import CountryMatcher, Harmonised
from risk.ingest.common import require_columns
from risk.ingest.obs_common import SourceResult, entry, finish, match_names, parse_numbers

SOURCE = "aei_cgit"
FILE = "China-Global-Investment-Tracker-2024-Fall-public.xlsx"
SHEETS = {"Dataset 1": "cgit.investment_usd_m", "Dataset 2": "cgit.construction_usd_m"}
AMOUNT = "Quantity in Millions"


def read_cgit(raw: Path, matcher: CountryMatcher) -> SourceResult:
    """Sum deal values (USD millions) per host country and year, for each of the two sheets."""
    path = raw / SOURCE / FILE
    sheets = pd.read_excel(path, sheet_name=list(SHEETS), header=5)
    frames = []
    harmonised = Harmonised(source=SOURCE)
    for sheet, code in SHEETS.items():
        df = sheets[sheet]
        require_columns(df, ["Year", AMOUNT, "Country"], f"{SOURCE} {sheet}")
        df = df.dropna(how="all")
        df = df.assign(
            year=parse_numbers(df["Year"], f"{SOURCE} {sheet} Year"),
            value=parse_numbers(df[AMOUNT], f"{SOURCE} {sheet} {AMOUNT}"),
        )
        blank = df[df["year"].isna() | df["value"].isna() | df["Country"].isna()]
        if not blank.empty:
            raise IngestError(
                f"{SOURCE} {sheet}: deals without a year, amount or host country",
                rows=blank[["Year", AMOUNT, "Country"]].head(20).to_dict("records"),
            )
        kept, part = match_names(df, "Country", SOURCE, matcher)
        harmonised.iso3.update(part.iso3)
        harmonised.how.update(part.how)
        harmonised.aggregates = sorted(set(harmonised.aggregates) | set(part.aggregates))
        harmonised.unmatched = sorted(set(harmonised.unmatched) | set(part.unmatched))
        totals = kept.groupby(["iso3", "year"], as_index=False)["value"].sum()
        frames.append(totals.assign(indicator=code))
    long = pd.concat(frames, ignore_index=True)
    note = (
        "Deals of USD 100 million or more only; a missing year means no recorded deal, not zero. "
        "Nominal USD millions, summed by the year of the deal. Rights reserved by AEI and The "
        "Heritage Foundation: internal screening with attribution."
    )
    catalogue = [
        entry(
            "cgit.investment_usd_m",
            "Chinese investment received (annual total)",
            "中國對該國投資金額（年度合計）",
            "USD million",
            SOURCE,
            f"China Global Investment Tracker 'Dataset 1' (investments), annual total per host "
            f"country. {note}",
            "worse",
        ),
        entry(
            "cgit.construction_usd_m",
            "Chinese construction contracts received (annual total)",
            "中國在該國承包工程金額（年度合計）",
            "USD million",
            SOURCE,
            f"China Global Investment Tracker 'Dataset 2' (construction contracts), annual total "
            f"per host country. {note}",
            "worse",
        ),
    ]
    return SourceResult(finish(long, SOURCE), catalogue, harmonised)

"""US AI partnerships: the project's own curated, dated table (`risk/data/us_ai_partnerships.csv`).

One row per country and agreement: the Pax Silica Declaration, bilateral US AI and technology deals,
and anything under the American AI Exports Program, each with its signing date and the link it was
taken from. The scorer counts an agreement only from its signing date (`--as-of` before a signing
does not count it); the profile lists them with their links.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from risk.errors import IngestError
from risk.ingest.common import assert_unique

PARTNERSHIPS_CSV = Path(__file__).resolve().parent.parent / "data" / "us_ai_partnerships.csv"
KINDS = ("declaration", "bilateral_ai", "ai_exports_program")
COLUMNS = (
    "iso3",
    "country",
    "agreement",
    "kind",
    "signed",
    "effective_to",
    "source_url",
    "source_title",
    "notes",
)


def load(path: Path = PARTNERSHIPS_CSV) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def process(raw: pd.DataFrame, known: set[str]) -> pd.DataFrame:
    """Check every row (known country, kind, ISO dates, a source link) and return the table sorted."""
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise IngestError(f"us_ai_partnerships: missing columns {missing}")
    df = raw[list(COLUMNS)].copy()
    for col in COLUMNS:
        df[col] = df[col].astype(str).str.strip()
    line = pd.Series(range(2, len(df) + 2), index=df.index)

    def fail(mask: pd.Series, message: str) -> None:
        if mask.any():
            rows = df[mask].assign(line=line[mask])[["line", "iso3", "agreement"]]
            raise IngestError(f"us_ai_partnerships: {message}", rows=rows.to_dict("records"))

    fail(~df["iso3"].isin(known), "unknown ISO3 code")
    fail(~df["kind"].isin(KINDS), f"kind must be one of {', '.join(KINDS)}")
    fail(df["source_url"].eq(""), "every row needs a source link")
    signed = pd.to_datetime(df["signed"], format="%Y-%m-%d", errors="coerce")
    fail(signed.isna(), "signed must be a date written YYYY-MM-DD")
    ended = pd.to_datetime(df["effective_to"].replace("", None), format="%Y-%m-%d", errors="coerce")
    fail(df["effective_to"].ne("") & ended.isna(), "effective_to must be YYYY-MM-DD or blank")
    df["signed"] = signed.dt.date
    df["effective_to"] = ended.dt.date.astype(object).where(ended.notna(), None)
    df["source"] = "us_ai_partnerships"
    assert_unique(df, ["iso3", "agreement"], "us_ai_partnerships")
    return df.sort_values(["iso3", "signed", "agreement"]).reset_index(drop=True)


def build_partnerships(known: set[str], path: Path = PARTNERSHIPS_CSV) -> pd.DataFrame:
    """Load and check the curated table (load -> process; the build saves it)."""
    return process(load(path), known)

"""Shared pieces of the observation readers: number parsing, code matching, catalogue rows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from risk.errors import IngestError
from risk.harmonise import WB_AGGREGATE_CODES, CountryMatcher, Harmonised, is_aggregate
from risk.ingest.common import assert_unique, finish_observations
from risk.ingest.sources import SOURCES
from risk.schema import MISSING_MARKERS

HIGHER_IS = frozenset({"better", "worse", "context"})

# Markers the sources use for "no value"; compared after stripping and lower-casing.
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


@dataclass
class SourceResult:
    """What one reader returns: finished observations, its catalogue rows and its harmonisation."""

    observations: pd.DataFrame
    catalogue: list[dict[str, str]]
    harmonised: Harmonised = field(default_factory=lambda: Harmonised(source=""))


def parse_numbers(values: pd.Series, where: str) -> pd.Series:
    """Floats from numbers or text: '12.5', '12.5%', '1,234', missing markers -> NaN.

    Anything else is an error: a silently dropped value would look like missing data.
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype("float64")
    out: list[float] = []
    bad: list[object] = []
    for raw in values.tolist():
        if raw is None or (isinstance(raw, float) and pd.isna(raw)) or raw is pd.NA:
            out.append(float("nan"))
            continue
        if isinstance(raw, int | float):
            out.append(float(raw))
            continue
        text = str(raw).strip()
        if text.casefold() in MISSING_MARKERS:
            out.append(float("nan"))
            continue
        text = text.removesuffix("%").strip().replace(",", "").replace("\u2212", "-")
        if _NUMBER_RE.match(text):
            out.append(float(text))
        else:
            out.append(float("nan"))
            bad.append(raw)
    if bad:
        raise IngestError(
            f"{where}: {len(bad)} values are neither numbers nor missing markers",
            rows=[{"value": b} for b in sorted({str(b) for b in bad})[:20]],
        )
    return pd.Series(out, index=values.index, dtype="float64")


def _label(code: str, name: str) -> str:
    """How a (code, name) pair is shown in the harmonisation report."""
    if code and name:
        return f"{name} [{code}]"
    return name or code


def match_codes(
    df: pd.DataFrame, code_col: str, name_col: str | None, source: str, matcher: CountryMatcher
) -> tuple[pd.DataFrame, Harmonised]:
    """Add an `iso3` column from a code column; keep rows that map into the country universe.

    A row with an empty code is matched by name, so a real country the publisher left uncoded
    (OWID's "Faeroe Islands") is kept while grouped rows ("High-income countries") are set aside.
    """
    out = df.copy()
    codes = out[code_col].fillna("").astype(str).str.strip()
    names = (
        out[name_col].fillna("").astype(str).str.strip()
        if name_col
        else pd.Series("", index=out.index)
    )
    result = Harmonised(source=source)
    mapping: dict[tuple[str, str], str | None] = {}
    for code, name in sorted(set(zip(codes, names, strict=True))):
        label = _label(code, name)
        iso3: str | None = None
        how = "unmatched"
        if code:
            iso3 = matcher.code(code)
            how = "code" if iso3 == code.upper() else "alias"
            if iso3 is None:
                # An unknown code is never rescued by its name: the code is the publisher's key.
                aggregate = (
                    code.upper() in WB_AGGREGATE_CODES
                    or code.upper().startswith("OWID_")
                    or is_aggregate(name)
                )
                how = "aggregate" if aggregate else "unmatched"
        elif name:
            iso3, how = matcher.name(name)
        mapping[(code, name)] = iso3
        result.record(label, iso3, how)
    out["iso3"] = [mapping[(c, n)] for c, n in zip(codes, names, strict=True)]
    return out[out["iso3"].notna()].copy(), result


def match_names(
    df: pd.DataFrame,
    name_col: str,
    source: str,
    matcher: CountryMatcher,
    overrides: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, Harmonised]:
    """Add an `iso3` column from a name column; `overrides` pins names whose meaning is source-specific."""
    out = df.copy()
    names = out[name_col].fillna("").astype(str).str.strip()
    result = matcher.match(names[names != ""], source)
    for name, iso3 in (overrides or {}).items():
        if name in set(names):
            result.iso3[name] = iso3
            result.how[name] = "source override"
            result.unmatched = [n for n in result.unmatched if n != name]
            result.aggregates = [n for n in result.aggregates if n != name]
    out["iso3"] = names.map(result.iso3)
    return out[out["iso3"].notna()].copy(), result


def finish(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """`finish_observations` plus the rule that (iso3, indicator, year) appears once."""
    out = finish_observations(df, source)
    assert_unique(out, ["iso3", "indicator", "year"], f"observations[{source}]")
    return out


def entry(
    code: str,
    name_en: str,
    name_zh: str,
    unit: str,
    source: str,
    description: str,
    higher_is: str,
) -> dict[str, str]:
    """One catalogue row; the licence comes from the source registry so it is stated once."""
    if higher_is not in HIGHER_IS:
        raise IngestError(f"catalogue: {code} has higher_is={higher_is!r}; use {sorted(HIGHER_IS)}")
    return {
        "code": code,
        "name_en": name_en,
        "name_zh": name_zh,
        "unit": unit,
        "source": source,
        "licence": SOURCES[source].licence,
        "description": description,
        "higher_is": higher_is,
    }

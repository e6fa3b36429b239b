"""Matching an upload's countries and indicators against the store's reference lists."""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from risk.harmonise import AGGREGATE_CODES, CountryMatcher, is_aggregate, normalise_name
from risk.store.protocol import ReadStore
from risk.upload.layouts import UploadOptions, _key
from risk.upload.values import CODE_RE, UPLOAD_PREFIX, slug


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


def _country_names(store: ReadStore) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(countries, every known name variant) of the store's current version."""
    countries = store.table("countries")
    names = store.table("country_names") if "country_names" in store.tables() else None
    if names is None:
        names = pd.DataFrame({"iso3": countries["iso3"], "name": countries["name_en"]})
    return countries, names


def country_matcher(store: ReadStore) -> CountryMatcher:
    """The country matcher over the store's countries and their name variants."""
    countries, names = _country_names(store)
    return CountryMatcher(names, countries["iso3"])


def reference_from_store(store: ReadStore) -> Reference:
    """A Reference over the store's current version."""
    countries, names = _country_names(store)
    matcher = CountryMatcher(names, countries["iso3"])
    stats = store.query(
        "SELECT indicator, count(*) AS n, median(value) AS median, quantile_cont(value, 0.01) AS q01,"
        " quantile_cont(value, 0.99) AS q99, count(DISTINCT iso3) AS countries "
        "FROM observations GROUP BY indicator"
    )
    sovereign = int(countries["sovereign"].sum()) if "sovereign" in countries.columns else 195
    return Reference(matcher, names, store.table("indicators"), stats, None, sovereign)


# Words too common in country names to tell one country from another.
_GENERIC_WORDS = frozenset(
    [
        "republic",
        "democratic",
        "peoples",
        "people",
        "of",
        "the",
        "and",
        "islands",
        "island",
        "state",
        "states",
        "united",
        "kingdom",
        "federal",
        "federated",
        "saint",
        "st",
        "north",
        "south",
        "east",
        "west",
        "new",
        "central",
        "arab",
        "islamic",
        "union",
        "rep",
        "dem",
        "china",
        "sar",
        "province",
        "territory",
    ]
)


def _core(key: str) -> str:
    """A normalised name without its generic words ('republic of the niger' -> 'niger')."""
    return " ".join(w for w in key.split() if w not in _GENERIC_WORDS) or key


def _suggest(name: str, ref: Reference, limit: int = 3) -> list[str]:
    """Known countries close to an unmatched name ('ISO3 name'), closest first.

    Never one country offered alone when another shares the distinguishing word: 'Congo (Zaire)'
    gets both Congos, so the user picks, rather than being steered to the wrong state."""
    key = _core(normalise_name(name)) if name else ""
    if not key:
        return []
    pool, shown = _suggestion_pool(ref)
    best: dict[str, float] = {}
    for core, iso3 in pool:
        ratio = difflib.SequenceMatcher(None, key, core).ratio()
        if ratio >= 0.6 and ratio > best.get(iso3, 0.0):
            best[iso3] = ratio
    words = {w for w in key.split() if len(w) >= 4}
    shared = {iso3 for core, iso3 in pool if words & set(core.split())}
    for iso3 in shared:
        best.setdefault(iso3, 0.59)
    ranked = sorted(best, key=lambda i: (-best[i], i))
    keep = ranked[:limit]
    keep += [i for i in ranked[limit:] if i in shared][: max(0, 5 - len(keep))]
    return [f"{iso3} {shown.get(iso3, iso3)}" for iso3 in keep]


def _suggestion_pool(ref: Reference) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """([(core of a known name, ISO3)], ISO3 -> short English name), built once per reference."""
    cached = getattr(ref, "_pool", None)
    if cached is None:
        table = ref.names.dropna(subset=["name"])
        if "kind" in table.columns:
            table = table[table["kind"] != "iso2"]
        pool = sorted(
            {
                (_core(normalise_name(n)), str(i))
                for i, n in table[["iso3", "name"]].itertuples(index=False)
                if i in ref.matcher.known
            }
        )
        short = table[table["kind"] == "short_en"] if "kind" in table.columns else table
        shown = dict(short[["iso3", "name"]].drop_duplicates("iso3").itertuples(index=False))
        cached = (pool, shown)
        object.__setattr__(ref, "_pool", cached)
    return cached


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


def _cells(values: pd.Series) -> pd.Series:
    """Cells as stripped text, missing ones (a number column's NaN in a Parquet file) blank."""
    if values.notna().all():
        return values.astype(str).str.strip()
    return values.astype(object).where(values.notna(), "").astype(str).str.strip()


def _match_countries(
    long: pd.DataFrame, ref: Reference
) -> tuple[pd.Series, pd.Series, pd.DataFrame, list[str], list[str]]:
    """(iso3 per row, status per row, matches table, unmatched names, aggregates)."""
    codes = _cells(long["code"])
    names = _cells(long["country"])
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
                if up in AGGREGATE_CODES or up.startswith("OWID_") or is_aggregate(name):
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


def _encoding_score(text: str, ref: Reference) -> int:
    """How many cells of a decoded sample are known country names (to choose between encodings)."""
    lines = text.splitlines()[:100]
    delim = max(",;\t|", key=lambda d: sum(line.count(d) for line in lines[:20]))
    hits = 0
    for row in csv.reader(lines, delimiter=delim):
        for cell in row[:4]:
            cell = cell.strip()
            if cell and not cell.isascii() and ref.matcher.name(cell)[0]:
                hits += 1
    return hits

"""One way to turn source country names and codes into ISO3.

Driven by the `country_names` table (every name variant the countries ingest knows, in English and
Chinese) plus the hand-kept alias file `risk/data/country_aliases.csv`. Every call reports what it
matched, how, what it set aside as a regional or income aggregate, and what it could not match.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

ALIASES_PATH = Path(__file__).parent / "data" / "country_aliases.csv"

# Words that mark a row as a group of countries rather than a country.
_AGGREGATE_PATTERNS = [
    r"\bworld\b",
    r"\bincome\b",
    r"\(wb\)",
    r"\bregion\b",
    r"\bcountries\b",
    r"\beconomies\b",
    r"\bstates\b.*\b(small|fragile)\b",
    r"\b(small|fragile)\b.*\bstates\b",
    r"\beuro area\b",
    r"\beuropean union\b",
    r"^eu(\d+)?$",
    r"\boecd\b",
    r"\bg7\b",
    r"\bg20\b",
    r"\basean\b",
    r"\bida\b",
    r"\bibrd\b",
    r"\bdividend\b",
    r"\bsub-saharan\b",
    r"\b(east|south|central|western|eastern|northern|southern) asia\b",
    r"\b(latin america|caribbean|middle east|north africa|north america|pacific)\b",
    r"^(europe|africa|asia|oceania|americas|arab world)$",
    r"\bnon-oecd\b",
    r"\bleast developed\b",
    r"\bheavily indebted\b",
    r"\bsmall states\b",
    r"\bnot classified\b",
    r"^owid_",
]
_AGGREGATE_RE = re.compile("|".join(_AGGREGATE_PATTERNS))

# World Bank aggregate codes that look like ISO3 (they appear in WDI files).
WB_AGGREGATE_CODES = frozenset(
    [
        "AFE",
        "AFW",
        "ARB",
        "CEB",
        "CSS",
        "EAP",
        "EAR",
        "EAS",
        "ECA",
        "ECS",
        "EMU",
        "EUU",
        "FCS",
        "HIC",
        "HPC",
        "IBD",
        "IBT",
        "IDA",
        "IDB",
        "IDX",
        "INX",
        "LAC",
        "LCN",
        "LDC",
        "LIC",
        "LMC",
        "LMY",
        "LTE",
        "MEA",
        "MIC",
        "MNA",
        "NAC",
        "OED",
        "OSS",
        "PRE",
        "PSS",
        "PST",
        "SAS",
        "SSA",
        "SSF",
        "SST",
        "TEA",
        "TEC",
        "TLA",
        "TMN",
        "TSA",
        "TSS",
        "UMC",
        "WLD",
    ]
)

# IMF group codes (WEO DataMapper regions and groups, Fiscal Monitor and IFS groupings): none is an
# ISO3 code, so a file that carries them beside countries has them set aside, not reported unknown.
IMF_GROUP_CODES = frozenset(
    [
        "ADVEC",
        "OEMDC",
        "WEOWORLD",
        "EURO",
        "EU",
        "MAE",
        "OAE",
        "EDE",
        "EDA",
        "DA",
        "AS5",
        "CIS",
        "MECA",
        "MENA",
        "MENAP",
        "CCA",
        "SSA",
        "LAC",
        "WE",
        "WHD",
        "APD",
        "AFR",
        "EUR",
        "CEE",
        "NIP",
        "PDA",
        "G7",
        "G20",
        "EME",
        "EMG",
        "EMDE",
        "EMMIE",
        "LIC",
        "LIDC",
        "AES",
        "LAT",
        "ADV",
        "FUEL",
        "NONFUEL",
        "HIPC",
        "AFQ",
        "APQ",
        "AZQ",
        "CAQ",
        "CBQ",
        "CMQ",
        "EAQ",
        "EEQ",
        "EUQ",
        "MEQ",
        "NAQ",
        "NMQ",
        "PIQ",
        "SAQ",
        "SEQ",
        "SMQ",
        "SSQ",
        "WEQ",
        "WHQ",
    ]
)
AGGREGATE_CODES = WB_AGGREGATE_CODES | IMF_GROUP_CODES

# Qualifiers that organisations put after a comma without changing which country is meant
# (IMF: "Poland, Rep. of", "Bahrain, Kingdom of"; WTO: "Kuwait, the State of"). Qualifiers that do
# change it ("Congo, Dem. Rep. of the", "Korea, Dem. People's Rep. of") are deliberately absent.
_NEUTRAL_QUALIFIER = re.compile(
    r",\s*(?:the\s+)?(?:rep\.?|republic|kingdom|principality|state|union|federal republic|"
    r"fed\. rep\.?|islamic rep\.?|islamic republic|arab rep\.?|arab republic|"
    r"united rep\.?|united republic|sultanate|grand duchy|commonwealth|federation)"
    r"(?:\s+of)?(?:\s+the)?\s*$|,\s*the\s*$",
    re.IGNORECASE,
)


# Abbreviations organisations use in names ("Kyrgyz Rep.", "Lao People's Dem. Rep.",
# "Micronesia, Fed. Sts."), spelled out on both sides of a comparison.
_ABBREVIATIONS = {"rep": "republic", "dem": "democratic", "sts": "states"}


def normalise_name(name: str) -> str:
    """Fold a country name to a comparison key: no accents, case, punctuation or leading 'the'."""
    text = unicodedata.normalize("NFKD", str(name)).strip()
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold().replace("&", " and ").replace("saint ", "st ").replace("st. ", "st ")
    text = re.sub(r"[’'`´]", "", text)
    text = re.sub(r"[^\w]+", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    text = " ".join(_ABBREVIATIONS.get(w, w) for w in text.split(" "))
    return re.sub(r"^the ", "", text)


def is_aggregate(name: str) -> bool:
    """True for names of regions, income groups and other country groupings."""
    key = str(name).strip()
    if key.upper() in AGGREGATE_CODES:
        return True
    return bool(_AGGREGATE_RE.search(key.casefold()))


@dataclass
class Harmonised:
    """The outcome of matching a list of names: name -> ISO3, and what was left over."""

    source: str
    iso3: dict[str, str] = field(default_factory=dict)
    how: dict[str, str] = field(default_factory=dict)
    aggregates: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)

    def record(self, label: str, iso3: str | None, how: str) -> None:
        """File one outcome: a match (with how it matched), an aggregate set aside, or a miss."""
        if iso3:
            self.iso3[label] = iso3
            self.how[label] = how
        elif how == "aggregate":
            self.aggregates.append(label)
        else:
            self.unmatched.append(label)

    def report(self) -> pd.DataFrame:
        rows = [{"source": self.source, "name": n, "status": "unmatched"} for n in self.unmatched]
        rows += [{"source": self.source, "name": n, "status": "aggregate"} for n in self.aggregates]
        return pd.DataFrame(rows, columns=["source", "name", "status"])


class CountryMatcher:
    """Matches names and codes to ISO3 against a fixed set of known countries."""

    def __init__(self, names: pd.DataFrame, known_iso3: Iterable[str]):
        """`names` has columns iso3, name (one row per variant); `known_iso3` is the country universe."""
        self.known = frozenset(known_iso3)
        self._by_key: dict[str, str] = {}
        words = names[names["kind"] != "iso2"] if "kind" in names.columns else names
        for iso3, name in words[["iso3", "name"]].itertuples(index=False):
            if iso3 in self.known and isinstance(name, str) and name.strip():
                self._by_key.setdefault(normalise_name(name), iso3)
                self._by_key.setdefault(name.strip(), iso3)  # Chinese names stay exact
        aliases = pd.read_csv(ALIASES_PATH, keep_default_na=False, dtype=str)
        self._alias: dict[str, str] = {}
        for alias, iso3 in aliases[["alias", "iso3"]].itertuples(index=False):
            self._alias[alias.strip()] = iso3
            self._alias[normalise_name(alias)] = iso3
        # Names as they may appear in running text: aliases first (they win in `name` too), then
        # every known name; an alias that is a source's country code ('ROM', 'KOS') is no name.
        self._phrases: dict[str, str] = {}
        for alias, iso3, note in aliases[["alias", "iso3", "note"]].itertuples(index=False):
            if "code" not in note and iso3 in self.known:
                self._phrases.setdefault(alias.strip(), iso3)
        for iso3, name in words[["iso3", "name"]].itertuples(index=False):
            if iso3 in self.known and isinstance(name, str) and name.strip():
                self._phrases.setdefault(name.strip(), iso3)
        self._text_patterns: tuple[re.Pattern[str], dict[str, str], re.Pattern[str]] | None = None
        self._iso2: dict[str, str] = {}
        if "kind" in names.columns:
            iso2 = names[names["kind"] == "iso2"]
            self._iso2 = {
                n: i for i, n in iso2[["iso3", "name"]].itertuples(index=False) if i in self.known
            }

    def code(self, code: str) -> str | None:
        """ISO3 for a source's country code, mapping documented old codes (ROM, ZAR, YUG, KSV, ...)."""
        if not isinstance(code, str):
            return None
        value = code.strip().upper()
        if value in self.known:
            return value
        mapped = self._alias.get(value)
        if mapped in self.known:
            return mapped
        return None

    def name(self, name: str) -> tuple[str | None, str]:
        """(ISO3 or None, how) for one name; `how` is code / alias / name / aggregate / unmatched."""
        if not isinstance(name, str) or not name.strip():
            return None, "unmatched"
        raw = name.strip()
        if len(raw) == 3 and raw.isalpha() and raw.isupper() and (iso := self.code(raw)):
            return iso, "code"
        if len(raw) == 2 and raw.isalpha() and raw.isupper() and raw in self._iso2:
            return self._iso2[raw], "code"
        for key in (raw, normalise_name(raw)):
            if key in self._alias and self._alias[key] in self.known:
                return self._alias[key], "alias"
        for key in (raw, normalise_name(raw)):
            if key in self._by_key:
                return self._by_key[key], "name"
        base = _NEUTRAL_QUALIFIER.sub("", raw).strip()
        if base and base != raw:
            iso, how = self.name(base)
            if iso:
                return iso, how
        if is_aggregate(raw):
            return None, "aggregate"
        return None, "unmatched"

    def _patterns(self) -> tuple[re.Pattern[str], dict[str, str], re.Pattern[str]]:
        """(names as one pattern over folded text, folded name -> ISO3, acronyms as one pattern
        over the text as written), built once."""
        if self._text_patterns is None:
            folded: dict[str, str] = {}
            acronyms: list[str] = []
            for phrase, iso3 in self._phrases.items():
                if not re.search("[A-Za-z]", phrase):
                    continue  # Chinese names: running text here is English
                if re.fullmatch(r"[A-Z.]{2,6}", phrase):
                    acronyms.append(phrase)  # 'UAE', 'U.K.': in capitals only, as written
                    folded.setdefault(phrase, iso3)
                elif key := normalise_name(phrase):
                    folded.setdefault(key, iso3)
            names = sorted((k for k in folded if k not in acronyms), key=lambda k: (-len(k), k))
            caps = sorted(acronyms, key=lambda k: (-len(k), k))
            self._text_patterns = (
                re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, names)) + r")(?!\w)"),
                folded,
                re.compile(r"(?<![\w.])(?:" + "|".join(map(re.escape, caps)) + r")(?![\w])"),
            )
        return self._text_patterns

    def mentions(self, text: str) -> set[str]:
        """ISO3 of every known country named in running English text (a title, an abstract):
        whole words, case and punctuation aside; at each place the longest name wins, so 'Papua
        New Guinea' is not also Guinea and 'Democratic People's Republic of Korea' not Korea.
        Acronyms ('UAE', 'U.K.') count only in capitals; country codes are not names here."""
        if not isinstance(text, str) or not text.strip():
            return set()
        names, folded, caps = self._patterns()
        found = {folded[m.group(0)] for m in names.finditer(normalise_name(text))}
        found |= {folded[m.group(0)] for m in caps.finditer(text)}
        return found

    def match(self, names: Iterable[str], source: str) -> Harmonised:
        """Match many names at once and report the leftovers."""
        out = Harmonised(source=source)
        for name in sorted({n for n in names if isinstance(n, str)}):
            out.record(name, *self.name(name))
        return out

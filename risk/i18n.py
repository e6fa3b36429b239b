"""Bilingual strings: Traditional Chinese (default) and English.

Strings live in `risk/locales/<area>.json` as `{"key": {"zh-TW": "...", "en": "..."}}`; each area of
the app owns one file. A test checks that every key has both languages.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

LANGS = ("zh-TW", "en")
DEFAULT_LANG = "zh-TW"
LOCALES_DIR = Path(__file__).parent / "locales"


@lru_cache(maxsize=1)
def strings() -> dict[str, dict[str, str]]:
    """All strings from every locale file, merged; a key defined twice is an error."""
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(LOCALES_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for key, value in data.items():
            if key in merged:
                raise ValueError(f"i18n key {key!r} defined twice (again in {path.name})")
            merged[key] = value
    return merged


def normalise_lang(lang: str | None) -> str:
    """Map any accepted spelling (zh, zh-tw, zh_TW, en-US...) to a supported language."""
    if not lang:
        return DEFAULT_LANG
    low = lang.replace("_", "-").lower()
    if low.startswith("en"):
        return "en"
    return DEFAULT_LANG


def t(key: str, lang: str = DEFAULT_LANG, **fmt: object) -> str:
    """The string for `key` in `lang`, formatted with `fmt`; the key itself if unknown (visible in tests)."""
    entry = strings().get(key)
    if entry is None:
        return key
    text = entry.get(normalise_lang(lang)) or entry.get(DEFAULT_LANG) or key
    return text.format(**fmt) if fmt else text


def label_or(key: str, lang: str, default: str) -> str:
    """The string for `key` in `lang`, or `default` when there is no such key (a value that
    arrived with data, such as an uploaded unit or an unknown action, is shown as written)."""
    entry = strings().get(key)
    return (entry or {}).get(normalise_lang(lang)) or default


def unit_label(unit: str, lang: str = DEFAULT_LANG) -> str:
    """A framework unit in `lang` (units are written in English in the framework table)."""
    return label_or(f"unit.{unit}", lang, unit)


def colon(lang: str = DEFAULT_LANG) -> str:
    """The colon after a label: full width in Chinese, ": " in English."""
    return ": " if normalise_lang(lang) == "en" else "："


COUNTRY = "country"
INDICATOR = "indicator"
_NAME_COLUMNS = {
    COUNTRY: {"zh-TW": "name_zh_tw", "en": "name_en"},
    INDICATOR: {"zh-TW": "name_zh", "en": "name_en"},
}


def name_column(lang: str, kind: str = COUNTRY) -> str:
    """The column that holds a country's (or an indicator's) name in `lang`: the one place this is
    decided (countries carry `name_zh_tw`, indicators `name_zh`)."""
    return _NAME_COLUMNS[kind][normalise_lang(lang)]


def other_name_column(lang: str, kind: str = COUNTRY) -> str:
    """The name column of the other language (shown beside the first, e.g. in search)."""
    other = "zh-TW" if normalise_lang(lang) == "en" else "en"
    return _NAME_COLUMNS[kind][other]

"""How a country is offered in a picker (the profile's and the comparison's country boxes, the
scenario targets and the allocation's shortlist).

Streamlit's select boxes filter their options on the label as the user types (an in-order,
case-insensitive match), so the label carries what people type whatever the interface language:
the name in the user's language, the name in the other one, the Traditional Chinese names in
common use beside the short one (韓國 and 大韓民國 beside 南韓, 澳大利亞 beside 澳洲) and the ISO3
code: "南韓 / 韓國 / 大韓民國 South Korea (KOR)", "Japan 日本 (JPN)".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from risk.harmonise import ALIASES_PATH
from risk.i18n import name_column

# The country_names kinds that hold a Traditional Chinese name other than the short one.
TRADITIONAL_KINDS: tuple[str, ...] = ("iso_zh_tw",)
# Notes of the alias file that mark a name as not Traditional Chinese as Taiwan writes it.
NOT_TRADITIONAL = ("Simplified", "PRC-style")


def typed_finds(typed: str, label: str) -> bool:
    """Whether typing `typed` keeps `label` in a select box's list: its characters appear in the
    label in order, case aside (the way Streamlit's default "fuzzy" filter matches)."""
    rest = iter(label.casefold())
    return all(ch in rest for ch in typed.casefold() if not ch.isspace())


def _is_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def traditional_names(
    country_names: pd.DataFrame | None, aliases: pd.DataFrame | None = None
) -> dict[str, list[str]]:
    """Traditional Chinese names per ISO3 beside the short one: the hand-kept aliases written in
    Traditional Chinese (`risk/data/country_aliases.csv`, not its Simplified or PRC-style labels),
    then the ISO 3166 Chinese names of the `country_names` table. Names with a qualifier in
    brackets are left out (the bare name is there too)."""
    if aliases is None:
        aliases = pd.read_csv(ALIASES_PATH, keep_default_na=False, dtype=str)
    found: list[tuple[str, str]] = []
    for alias, iso3, note in aliases[["alias", "iso3", "note"]].itertuples(index=False):
        if _is_cjk(alias) and not any(word in note for word in NOT_TRADITIONAL):
            found.append((str(iso3), str(alias).strip()))
    if country_names is not None and "kind" in country_names.columns:
        rows = country_names[country_names["kind"].isin(TRADITIONAL_KINDS)]
        found += [
            (str(i), str(n).strip()) for i, n in rows[["iso3", "name"]].itertuples(index=False)
        ]
    out: dict[str, list[str]] = {}
    for iso3, name in found:
        if name and not any(b in name for b in "()（）") and name not in out.get(iso3, []):
            out.setdefault(iso3, []).append(name)
    return out


def country_label(iso3: str, name: str, other: str, chinese: str, extra: Iterable[str] = ()) -> str:
    """One country's picker label: `name` (the user's language) first, then `other`, with the
    `extra` Traditional Chinese names beside `chinese` (the short Chinese name, which is `name` or
    `other`), and the code. An extra name is added only if typing it would not already find the
    label, and not when it merely lengthens a name already there (伊朗伊斯蘭共和國 beside 伊朗)."""
    names = [chinese]
    for alias in extra:
        shown = f"{name} {other} {' / '.join(names)} ({iso3})"
        if not any(n in alias for n in names) and not typed_finds(alias, shown):
            names.append(alias)
    zh = " / ".join(names)
    if chinese == name:
        return f"{zh} {other} ({iso3})"
    return f"{name} {zh} ({iso3})"


def country_labels(
    table: pd.DataFrame, lang: str, extra: Mapping[str, Sequence[str]] | None = None
) -> dict[str, str]:
    """ISO3 -> picker label for every row of `table` (columns iso3, name_en, name_zh_tw)."""
    own, zh = name_column(lang), name_column("zh-TW")
    other = zh if own != zh else name_column("en")
    out: dict[str, str] = {}
    for row in table[["iso3", own, other, zh]].itertuples(index=False):
        iso3, name, second, chinese = (str(v) for v in row)
        out[iso3] = country_label(iso3, name, second, chinese, (extra or {}).get(iso3, ()))
    return out

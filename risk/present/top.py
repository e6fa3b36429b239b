"""The overview's top markets, beside the map: each with its rank interval, one short line on why it
ranks there (its strongest and weakest indicators against the median country, in words) and its
signals (export-control groups, a US AI agreement in force, a known AI build-out)."""

from __future__ import annotations

import html
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import pandas as pd

from risk.i18n import INDICATOR, name_column, other_name_column, t
from risk.present.overview import rank_interval
from risk.scoring.explain import drivers
from risk.scoring.result import ScoreResult
from risk.text import join_items, short_label

TOP_N = 10
STRONG_ITEMS, WEAK_ITEMS = 2, 1  # a line, not a paragraph: the profile has the full story

# Flag kinds and their chip colours (background, text): calm for signals, amber for controls.
FLAG_STYLE: dict[str, tuple[str, str]] = {
    "ear": ("#fdebd0", "#7e5109"),
    "us_deal": ("#eaf2fb", "#1b4f72"),
    "buildout": ("#e9f7ef", "#196f3d"),
}


@dataclass(frozen=True)
class TopMarket:
    """One of the top markets, as the overview lists it (all text plain, unescaped)."""

    iso3: str
    rank: int
    name: str
    other_name: str
    score: float
    interval: str
    reason: str
    flags: tuple[tuple[str, str], ...]  # (kind, label)


def _short_names(result: ScoreResult, lang: str) -> dict[str, str]:
    ind = result.prepared.framework.indicators
    return dict(zip(ind["code"], map(short_label, ind[name_column(lang, INDICATOR)]), strict=True))


def short_reason(
    result: ScoreResult, iso3: str, lang: str, short_names: dict[str, str] | None = None
) -> str:
    """One line on why a country ranks where it does: its two strongest indicators and its weakest
    one against the median country (`drivers`), by short name in `lang`; '' when none stands out.
    `short_names` (indicator code -> short name in `lang`) saves looking them up per country."""
    strong, weak = drivers(result, iso3, k=max(STRONG_ITEMS, WEAK_ITEMS))
    short = short_names if short_names is not None else _short_names(result, lang)

    def names(codes: list[str]) -> str:
        return join_items([short[c] for c in codes], lang)

    parts = []
    if strong[:STRONG_ITEMS]:
        parts.append(t("top.strong", lang, items=names(strong[:STRONG_ITEMS])))
    if weak[:WEAK_ITEMS]:
        parts.append(t("top.weak", lang, items=names(weak[:WEAK_ITEMS])))
    return t("top.join", lang).join(parts)


def _groups(value: object) -> list[str]:
    return [
        g for g in str(value or "").split(";") if g and g.lower() not in {"nan", "none", "<na>"}
    ]


def market_flags(
    row: Mapping[str, object], deals: Collection[str], built: Collection[str], lang: str
) -> tuple[tuple[str, str], ...]:
    """The signals that exist for a country: export-control groups in force, a US AI agreement in
    force, a known AI build-out."""
    flags: list[tuple[str, str]] = []
    groups = _groups(row.get("ear_groups"))
    if groups:
        flags.append(("ear", t("pack.flag.ear", lang, groups="/".join(groups))))
    if row["iso3"] in deals:
        flags.append(("us_deal", t("pack.flag.us_deal", lang)))
    if row["iso3"] in built:
        flags.append(("buildout", t("pack.flag.buildout", lang)))
    return tuple(flags)


def top_markets(
    result: ScoreResult,
    shown: pd.DataFrame,
    deals: Collection[str],
    built: Collection[str],
    lang: str,
    n: int = TOP_N,
) -> list[TopMarket]:
    """The first `n` ranked, eligible rows of the filtered table `shown`, best first."""
    read = ("iso3", "rank", "score", "rank_p05", "rank_p95", "ear_groups")  # ... and the names
    cols = [c for c in (*read, name_column(lang), other_name_column(lang)) if c in shown]
    ok = shown["eligible"].astype(bool) & shown["rank"].notna()
    ranked = shown.loc[ok, cols].sort_values("rank")
    short = _short_names(result, lang)
    out = []
    for row in ranked.head(n).to_dict("records"):
        iso3 = str(row["iso3"])
        out.append(
            TopMarket(
                iso3=iso3,
                rank=int(row["rank"]),
                name=str(row[name_column(lang)]),
                other_name=str(row[other_name_column(lang)]),
                score=float(row["score"]),
                interval=rank_interval(row),
                reason=short_reason(result, iso3, lang, short),
                flags=market_flags(row, deals, built, lang),
            )
        )
    return out


def _chip(kind: str, label: str) -> str:
    bg, fg = FLAG_STYLE.get(kind, ("#eee", "#333"))
    return (
        f"<span style='background:{bg};color:{fg};border-radius:8px;padding:0 6px;"
        f"margin-left:4px;font-size:0.72rem;white-space:nowrap'>{html.escape(label)}</span>"
    )


def top_markets_html(markets: list[TopMarket], title: str, lang: str) -> str:
    """The compact top list as HTML: every name and reason escaped (names come from data)."""
    interval = t("top.interval", lang)
    items = []
    for m in markets:
        chips = "".join(_chip(kind, label) for kind, label in m.flags)
        reason = (
            f"<div style='color:#555;font-size:0.76rem;line-height:1.25'>{html.escape(m.reason)}</div>"
            if m.reason
            else ""
        )
        items.append(
            f"<li data-iso3='{html.escape(m.iso3)}' style='padding:3px 0;border-bottom:1px solid "
            f"#eee'><div style='line-height:1.35'><b style='display:inline-block;min-width:2em'>"
            f"{m.rank}</b><b>{html.escape(m.name)}</b> "
            f"<span style='color:#777;font-size:0.76rem'>{html.escape(m.other_name)}</span>"
            f"<span style='float:right;white-space:nowrap'>{m.score:.1f}"
            f"<span style='color:#777;font-size:0.72rem' title='{html.escape(interval)}'> "
            f"({html.escape(m.interval)})</span></span>{chips}</div>{reason}</li>"
        )
    return (
        f"<div class='top-markets' style='font-size:0.84rem'>"
        f"<div style='font-weight:600;margin-bottom:2px'>{html.escape(title)}</div>"
        f"<ol style='list-style:none;padding:0;margin:0'>{''.join(items)}</ol></div>"
    )

"""The selected country on the overview, in words: where it stands in the ranking and, when it is
not ranked, why (the export-control gate or programme rule with its source, or how much data it
lacks against the coverage threshold), or which filters hide it.

Everything is plain text (the page escapes it for Markdown); sources are (label, link) pairs.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, fields
from dataclasses import replace as dc_replace
from datetime import date

import numpy as np
import pandas as pd

from risk.filters import apply_filters
from risk.framework import PILLARS
from risk.gates import (
    COUNTRIES_OF_CONCERN,
    GATE_GROUPS,
    REASON_CONCERN,
    REASON_EXPORTER,
    REASON_HOME,
    REASON_TIER3,
    RULE_SOURCES,
    in_force,
)
from risk.i18n import colon, t
from risk.present.overview import country_status, rank_interval
from risk.present.settings import filter_rows
from risk.scoring.result import ScoreResult, ranked_count
from risk.share import Filters
from risk.store.protocol import ReadStore
from risk.text import join_items

# What the panel says in its headline, by status (see `country_status`), plus "filtered" for a
# ranked country the filters hide.
HEADLINES = {
    "eligible": "standing.ranked",
    "filtered": "standing.filtered",
    "gated": "standing.gated",
    "partner": "standing.partner",
    "home": "standing.home",
    "low_coverage": "standing.low_coverage",
    "not_scored": "standing.not_scored",
}


@dataclass(frozen=True)
class Standing:
    """Where one country stands: its status, a headline, the reasons (plain text, one per line)
    and the sources of the rules that exclude it ((label, link) pairs)."""

    iso3: str
    status: str  # eligible, filtered, gated, partner, home, low_coverage, not_scored
    headline: str
    reasons: tuple[str, ...] = ()
    sources: tuple[tuple[str, str], ...] = ()

    @property
    def ranked(self) -> bool:
        """Whether it has a rank (a ranked country may still be hidden by the filters)."""
        return self.status in ("eligible", "filtered")


def _reason_parts(reason: object) -> list[str]:
    return [p.strip() for p in str(reason or "").split(";") if p.strip()]


def _row(result: ScoreResult, iso3: str) -> dict[str, object] | None:
    table = result.table
    rows = table[table["iso3"].astype(str) == iso3]
    return None if rows.empty else rows.iloc[0].to_dict()


def gate_reasons(
    reason: object, iso3: str, export_controls: pd.DataFrame | None, as_of: date, lang: str
) -> tuple[list[str], list[tuple[str, str]]]:
    """Each gate a country falls under, in words, and the sources of those rules."""
    lines: list[str] = []
    keys: list[str] = []
    since = _listed_since(export_controls, iso3, as_of)
    for part in _reason_parts(reason):
        if part.startswith("EAR "):
            group = part[4:]
            meaning = t(f"gates.group.{group}", lang) if group in GATE_GROUPS else group
            key = "standing.reason.ear_since" if since.get(group) else "standing.reason.ear"
            lines.append(t(key, lang, group=group, meaning=meaning, since=since.get(group, "")))
            keys.append("EAR")
        elif part == REASON_CONCERN:
            names = [t(f"standing.concern.{c}", lang) for c in COUNTRIES_OF_CONCERN]
            lines.append(t("standing.reason.concern", lang, names=_listing(names, lang, "and")))
            keys.append(REASON_CONCERN)
        elif part == REASON_TIER3:
            lines.append(t("standing.reason.tier3", lang))
            keys.append(REASON_TIER3)
        elif part == REASON_EXPORTER:
            lines.append(t("standing.reason.partner", lang))
            keys.append(REASON_EXPORTER)
        elif part == REASON_HOME:
            lines.append(t("standing.reason.home", lang))
    if "EAR" in keys:
        lines.append(t("standing.reason.ear_rule", lang, groups=_listing(GATE_GROUPS, lang, "or")))
    sources = [
        (t(f"gates.source.{k}", lang), RULE_SOURCES[k])
        for k in dict.fromkeys(keys)  # each rule's source once, in order
        if k in RULE_SOURCES
    ]
    return lines, sources


def _listing(items: Sequence[str], lang: str, word: str) -> str:
    """ "D:5, E:1 or E:2" (in Chinese "D:5、E:1 或 E:2"); `word` is "or" or "and"."""
    if len(items) < 2:
        return "".join(items)
    if lang == "en":
        return ", ".join(items[:-1]) + f" {word} " + items[-1]
    return "、".join(items[:-1]) + {"or": " 或 ", "and": "及"}[word] + items[-1]


def _listed_since(export_controls: pd.DataFrame | None, iso3: str, as_of: date) -> dict[str, str]:
    """The gate groups a country is listed in on `as_of`, with the listing's start date when the
    table has one."""
    if export_controls is None or export_controls.empty:
        return {}
    rows = export_controls[export_controls["iso3"].astype(str) == iso3]
    rows = rows[in_force(rows, as_of).to_numpy(bool)] if not rows.empty else rows
    out: dict[str, str] = {}
    for group, start in zip(rows["group_code"].astype(str), rows["effective_from"], strict=True):
        text = "" if start is None or pd.isna(start) else str(start)[:10]
        if group in GATE_GROUPS and text:
            out[group] = text
    return out


def coverage_reasons(result: ScoreResult, iso3: str, lang: str) -> list[str]:
    """How much data a country has against the coverage threshold: indicators with a value out of
    those the index uses, the share of the index weight they carry, and per pillar."""
    prep = result.prepared
    i = int(np.flatnonzero(prep.iso3 == iso3)[0])
    screen = result.steps["screen"]
    used = screen.weights > 0
    observed = ~np.isnan(prep.transformed[i]) & used
    have, total = int(observed.sum()), int(used.sum())
    coverage = float(screen.country_coverage[i])
    threshold = float(result.spec.coverage_threshold)
    lines = [
        t(
            "standing.reason.coverage",
            lang,
            have=have,
            total=total,
            missing=total - have,
            coverage=f"{coverage * 100:.0f}",
            threshold=f"{threshold * 100:.0f}",
        )
    ]
    pillars = [
        f"{t(f'metric.{p}', lang)} {screen.pillar_coverage[i, k] * 100:.0f}%"
        for k, p in enumerate(PILLARS)
        if not math.isnan(float(screen.pillar_coverage[i, k]))
    ]
    if pillars:
        lines.append(t("standing.reason.pillars", lang) + colon(lang) + join_items(pillars, lang))
    return lines


def hiding_filters(
    store: ReadStore, ranked: pd.DataFrame, filters: Filters, iso3: str, lang: str
) -> list[str]:
    """The filters that each, on their own, leave a country out ("label: value")."""
    rows = ranked[ranked["iso3"].astype(str) == iso3]
    if rows.empty:
        return []
    out: list[str] = []
    default = Filters(eligibility="all")
    for f in fields(Filters):
        value = getattr(filters, f.name)
        if value == getattr(default, f.name):
            continue
        alone = dc_replace(default, **{f.name: value})
        if not apply_filters(store, rows, alone).empty:
            continue
        described = filter_rows(alone, lang)
        if f.name != "eligibility":  # filter_rows always names the eligibility choice too
            described = [r for r in described if r[0] != t("overview.eligibility", lang)]
        out += [f"{label}{colon(lang)}{v}" for label, v in described]
    return out


def standing(
    result: ScoreResult,
    iso3: str,
    lang: str,
    *,
    visible: Collection[str] | None = None,
    export_controls: pd.DataFrame | None = None,
    hidden_by: Collection[str] = (),
) -> Standing:
    """Where `iso3` stands in a scored spec: ranked (and whether `visible` holds it, with the
    filters in `hidden_by` that leave it out), or not ranked and why."""
    row = _row(result, iso3)
    if row is None:
        return Standing(iso3, "not_scored", t("standing.not_scored", lang))
    status = country_status(iso3, row.get("eligible"), row.get("reason"))
    rank = row.get("rank")
    has_rank = rank is not None and not (isinstance(rank, float) and math.isnan(rank))
    if status == "eligible" and not has_rank:  # e.g. no score at all: nothing to rank by
        status = "low_coverage"
    as_of = date.fromisoformat(result.spec.as_of)
    if status == "eligible":
        n = ranked_count(result.table)
        fmt = {"rank": int(rank), "n": n, "interval": rank_interval(row)}  # type: ignore[call-overload]
        if visible is not None and iso3 not in set(visible):
            reasons = [
                t("standing.reason.filters", lang, filters=join_items(list(hidden_by), lang))
            ]
            if not hidden_by:
                reasons = [t("standing.reason.filtered", lang)]
            return Standing(iso3, "filtered", t(HEADLINES["filtered"], lang, **fmt), tuple(reasons))
        return Standing(iso3, "eligible", t(HEADLINES["eligible"], lang, **fmt))
    if status == "low_coverage":
        return Standing(
            iso3,
            status,
            t(HEADLINES[status], lang),
            tuple(coverage_reasons(result, iso3, lang)),
        )
    lines, sources = gate_reasons(row.get("reason"), iso3, export_controls, as_of, lang)
    return Standing(iso3, status, t(HEADLINES[status], lang), tuple(lines), tuple(sources))

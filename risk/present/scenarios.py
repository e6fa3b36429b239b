"""What the Scenarios page shows: change colours and legends, map properties, labels and tables."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from risk.gates import reason_label
from risk.i18n import colon, name_column, strings, t
from risk.scenarios.allocation import Allocation, AllocationError, explain
from risk.scenarios.kinds import Scenario
from risk.scenarios.runs import COMBINED, CURRENT
from risk.scenarios.shortlist import AllocationInputs
from risk.text import join_items

# --------------------------------------------------------------------------------------
# Display helpers (plain data for the page)
# --------------------------------------------------------------------------------------
Color = list[int]
# Diverging palette (ColorBrewer RdBu, 7 classes): red = moved down, blue = moved up.
CHANGE_PALETTE: list[Color] = [
    [178, 24, 43, 235],
    [239, 138, 98, 235],
    [253, 219, 199, 235],
    [247, 247, 247, 235],
    [209, 229, 240, 235],
    [103, 169, 207, 235],
    [33, 102, 172, 235],
]
GATED_COLOR: Color = [60, 60, 60, 255]
UNRANKED_COLOR: Color = [215, 215, 215, 255]


def change_color(change: float, gated: bool, span: float) -> Color:
    """Colour of a rank change on [-span, span]; dark for newly ineligible, grey when not ranked."""
    if gated:
        return GATED_COLOR
    if change != change:  # NaN: not ranked before or after
        return UNRANKED_COLOR
    if change == 0:
        return CHANGE_PALETTE[3]
    pos = min(abs(change) / max(span, 1.0), 1.0)
    step = 1 + min(int(pos * 3), 2)  # 1..3 classes away from the middle
    return CHANGE_PALETTE[3 + step] if change > 0 else CHANGE_PALETTE[3 - step]


def change_legend(lang: str) -> list[tuple[str, Color]]:
    """Legend entries of the rank-change map, with their colours."""

    colors = [CHANGE_PALETTE[5], CHANGE_PALETTE[1], CHANGE_PALETTE[3], GATED_COLOR, UNRANKED_COLOR]
    keys = ("up", "down", "same", "gated", "unranked")
    return [(t(f"sc.legend.{k}", lang), c) for k, c in zip(keys, colors, strict=True)]


def map_properties(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Per country: fill colour and a plain-text tooltip line for the rank-change map."""

    span = (
        float(np.nanmax(np.abs(table["rank_change"])))
        if table["rank_change"].notna().any()
        else 1.0
    )
    name_col = name_column(lang)
    rows = []
    for rec in table.to_dict("records"):
        gated = bool(rec["eligible_before"]) and not bool(rec["eligible"])
        before, after, change = rec["rank_before"], rec["rank"], rec["rank_change"]
        if gated:
            tip = t("sc.tip.gated", lang, reason=reason_label(str(rec["reason"]), lang))
        elif change == change:
            tip = t(
                "sc.tip.change", lang, before=int(before), after=int(after), change=f"{change:+.0f}"
            )
        elif after == after:
            tip = t("sc.tip.freed", lang, after=int(after))
        else:
            tip = t("sc.tip.unranked", lang)
        rows.append(
            {
                "iso3": rec["iso3"],
                "fill_color": change_color(float(change), gated, span),
                "name": str(rec[name_col]),
                "change_text": tip,
            }
        )
    return pd.DataFrame(rows, columns=["iso3", "fill_color", "name", "change_text"])


def scenario_label(text: str, lang: str) -> str:
    """A world label (`current`, `combined` or a scenario's text form) in the user's language."""

    if text in (CURRENT, COMBINED):
        return t(f"sc.state.{text}", lang)
    sc = Scenario.parse(text)
    label = t(f"sc.kind.{sc.kind}", lang)

    def value(v: Any) -> str:
        if isinstance(v, str) and v == "all":
            return t("elig.all", lang)
        return f"{v:g}" if isinstance(v, float) else str(v)

    sep = ", " if lang == "en" else "，"
    shown = sep.join(f"{t(f'sc.param.{k}', lang)}{colon(lang)}{value(v)}" for k, v in sc.params)
    if not shown:
        return label
    return f"{label} — {shown}"


def state_table(result: Allocation, lang: str) -> pd.DataFrame:
    """The allocation's expected score in each world (today, then each scenario)."""
    return pd.DataFrame(
        {
            "state": [scenario_label(s, lang) for s in result.by_state],
            "score": list(result.by_state.values()),
        }
    )


def allocation_frame(
    result: Allocation, today: Allocation, inputs: AllocationInputs, lang: str
) -> pd.DataFrame:
    """The allocation table the page shows: amounts today only and with the scenarios."""

    def why(iso3: str) -> str:
        if iso3 in inputs.reasons:
            reason, label = inputs.reasons[iso3]
            text = reason_label(reason, lang)
            return text if label == CURRENT else f"{text} ({scenario_label(label, lang)})"
        reason = result.excluded.get(iso3, "")
        return t(f"sc.excluded.{reason}", lang) if reason else ""

    return pd.DataFrame(
        {
            "iso3": list(result.iso3),
            "region": list(inputs.regions),
            "financial": inputs.financial,
            "amount_today": today.amounts,
            "amount": result.amounts,
            "share": result.shares * 100,
            "reason": [why(c) for c in result.iso3],
        }
    )


def percent(share: float) -> str:
    """A share of the budget as people write it: 40%, 17.5%."""
    return f"{share * 100:.1f}".removesuffix(".0") + "%"


def allocation_reasons(result: Allocation, lang: str, label: Callable[[str], str]) -> list[str]:
    """Why the split is what it is, in the user's language: the objective, then one line per
    limit that holds a share (with the markets it holds and their shares), who takes what is
    left, who gets nothing, and how to spread the budget wider. `label` names a country."""
    why, lim = explain(result), result.limits
    share = dict(zip(result.iso3, result.shares, strict=True))

    def items(codes: tuple[str, ...]) -> str:
        return join_items([f"{label(c)} {percent(share[c])}" for c in codes], lang)

    tail = percent(lim.tail)
    lines = [t("sc.why.corner" if why.corner else "sc.why.spread", lang, tail=tail)]
    if why.at_country_cap:
        lines.append(
            t("sc.why.at_cap", lang, cap=percent(lim.max_share), items=items(why.at_country_cap))
        )
    regions = dict(zip(result.iso3, result.regions or ("",) * len(result.iso3), strict=True))
    for region in why.regions_at_cap:
        members = tuple(c for c in result.iso3 if regions[c] == region and share[c] > 0)
        lines.append(
            t(
                "sc.why.region_cap",
                lang,
                region=t(f"bregion.{region}", lang),
                cap=percent(lim.max_region_share),
                items=items(members),
            )
        )
    if why.at_min_stake:
        lines.append(
            t(
                "sc.why.min_stake",
                lang,
                n=lim.min_markets,
                stake=percent(lim.min_stake),
                items=items(why.at_min_stake),
            )
        )
    if why.rest:
        key = "sc.why.rest" if len(why.rest) == 1 else "sc.why.shared"
        lines.append(t(key, lang, items=items(why.rest)))
    if why.unfunded:
        names = join_items([label(c) for c in why.unfunded], lang)
        lines.append(t("sc.why.unfunded", lang, items=names))
        lines.append(t("sc.why.hint", lang))
    return lines


def allocation_error_text(exc: AllocationError, lang: str) -> str:
    """An allocation that cannot be made, in the user's language when the limit is known (the
    library's English message otherwise)."""
    key = f"sc.alloc.limit.{exc.limit}"
    if not exc.limit or key not in strings():
        return str(exc)
    values = {k: percent(v) if isinstance(v, float) else v for k, v in exc.values.items()}
    return t(key, lang, **values)

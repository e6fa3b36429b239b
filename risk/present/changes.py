"""What changed, as the overview and the profile show it: risers and fallers with arrows, countries
entering or leaving the ranking, one country's rank and score then and now, the indicators that
drove each move in the user's language, and the dated events since the baseline.

All text is plain (unescaped): tables go to st.dataframe, sentences through `md_text`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from risk.gates import reason_label
from risk.i18n import INDICATOR, name_column, t
from risk.present.events import kind_label
from risk.scoring.changes import (
    BEFORE_STORE,
    DOWN,
    ENTERED,
    LEFT,
    NO_EARLIER,
    PENALTY,
    SAME_VERSION,
    UP,
    Baseline,
    VersionChanges,
)
from risk.text import join_items, safe_link, short_label

MOVERS_SHOWN = 5  # risers and fallers each, on the overview
MOVER_COLUMNS: tuple[str, ...] = ("country", "rank", "move", "score", "drivers")
ENTRY_COLUMNS: tuple[str, ...] = ("country", "status", "rank", "reason")
EVENT_COLUMNS: tuple[str, ...] = ("date", "kind", "country", "title", "link")


def arrow(change: float) -> str:
    """A rank change with its arrow: '▲4' (up four places), '▼2', '–' for none."""
    if change != change:  # NaN: not ranked in one of the two versions
        return ""
    n = int(round(change))
    return f"▲{n}" if n > 0 else f"▼{-n}" if n < 0 else "–"


def _rank(value: float) -> str:
    return "–" if value != value else str(int(value))


def _score(value: float) -> str:
    return "–" if value != value else f"{value:.1f}"


def rank_text(before: float, after: float) -> str:
    """'5 → 1'; '–' for a version in which the country was not ranked."""
    return f"{_rank(before)} → {_rank(after)}"


def score_text(before: float, after: float) -> str:
    """'16.7 → 66.7 (+50.0)'."""
    text = f"{_score(before)} → {_score(after)}"
    if before == before and after == after:
        text += f" ({after - before:+.1f})"
    return text


def indicator_label(changes: VersionChanges, code: str, lang: str) -> str:
    """An indicator's short name in `lang` (the penalty row named in words too)."""
    if code == PENALTY:
        return t("changes.penalty", lang)
    rows = changes.indicators[changes.indicators["code"] == code]
    if rows.empty:
        return code
    return short_label(str(rows.iloc[0][name_column(lang, INDICATOR)]))


def driver_text(changes: VersionChanges, drivers: Sequence[tuple[str, float]], lang: str) -> str:
    """The indicators that drove a change, each with its contribution change in points:
    'Government effectiveness +33.3, Political stability +16.7'."""
    items = [f"{indicator_label(changes, code, lang)} {delta:+.1f}" for code, delta in drivers]
    return join_items(items, lang)


def _name(row: pd.Series, lang: str) -> str:
    return str(row[name_column(lang)])


def movers_table(
    changes: VersionChanges, status: str, lang: str, n: int = MOVERS_SHOWN
) -> pd.DataFrame:
    """The biggest risers (status UP) or fallers (DOWN): country, rank then → now, the move with
    its arrow, the score then → now and the indicators that drove it."""
    rows = changes.movers(status).head(n)
    return pd.DataFrame(
        {
            "country": [_name(r, lang) for _, r in rows.iterrows()],
            "rank": [rank_text(r.rank_before, r.rank) for r in rows.itertuples()],
            "move": [arrow(c) for c in rows["rank_change"]],
            "score": [score_text(r.score_before, r.score) for r in rows.itertuples()],
            "drivers": [driver_text(changes, d, lang) for d in rows["drivers"]],
        },
        columns=list(MOVER_COLUMNS),
    )


def _gate_reason(reason: str, lang: str) -> str:
    return reason_label(reason, lang) if reason else ""


def entries_table(changes: VersionChanges, lang: str) -> pd.DataFrame:
    """Countries that entered or left the ranking, with the rule that kept them out."""
    rows = pd.concat([changes.movers(ENTERED), changes.movers(LEFT)])
    return pd.DataFrame(
        {
            "country": [_name(r, lang) for _, r in rows.iterrows()],
            "status": [t(f"changes.status.{s}", lang) for s in rows["status"]],
            "rank": [rank_text(r.rank_before, r.rank) for r in rows.itertuples()],
            "reason": [
                _gate_reason(str(r.reason if r.status == LEFT else r.reason_before), lang)
                for r in rows.itertuples()
            ],
        },
        columns=list(ENTRY_COLUMNS),
    )


def column_labels(lang: str, columns: Sequence[str]) -> dict[str, str]:
    """Translated headers of a table from this module."""
    return {c: t(f"changes.col.{c}", lang) for c in columns}


def summary(changes: VersionChanges, lang: str) -> str:
    """How many rose, fell, entered and left, and the threshold that makes a move."""
    counts = {s: len(changes.movers(s)) for s in (UP, DOWN, ENTERED, LEFT)}
    return t(
        "changes.summary",
        lang,
        up=counts[UP],
        down=counts[DOWN],
        entered=counts[ENTERED],
        left=counts[LEFT],
        n=changes.threshold,
    )


def baseline_note(baseline: Baseline, shown: str, lang: str) -> str:
    """What to say about the baseline before any table: nothing to compare with, the same version,
    or a day older than the store; '' when the comparison speaks for itself."""
    since = baseline.since.isoformat() if baseline.since else ""
    if baseline.note == NO_EARLIER:
        return t("changes.none", lang)
    if baseline.note == SAME_VERSION:
        return t("changes.same_version", lang, since=since, version=shown)
    if baseline.note == BEFORE_STORE:
        return t("changes.before_store", lang, since=since, version=baseline.version or "")
    return ""


def versions_line(changes: VersionChanges, lang: str, since: date | None = None) -> str:
    """Which two data versions are compared (and since when the baseline was current)."""
    key = "changes.versions_since" if since else "changes.versions"
    return t(
        key,
        lang,
        before=changes.before_version,
        after=changes.after_version,
        since=since.isoformat() if since else "",
    )


@dataclass(frozen=True)
class CountryChange:
    """One country's movement, as the profile shows it (plain text)."""

    rank: str  # '5 → 1'
    rank_delta: str  # '+4' (up four places), '-2', '0', '' when not ranked in one version
    score: str  # '16.7 → 66.7'
    score_delta: str  # '+50.0'
    status: str  # up, down, same, entered, left
    drivers: str  # the indicators that drove it, '' when no contribution changed
    note: str  # what the move means: counted or not, entered or left and why


def country_change(changes: VersionChanges, iso3: str, lang: str) -> CountryChange | None:
    """A country's rank and score then and now, what drove the change and what it means; None
    when it was ranked in neither version."""
    row = changes.country(iso3)
    if row is None:
        return None
    moved = row["rank_change"]
    status = str(row["status"])
    if status in (ENTERED, LEFT):
        reason = _gate_reason(str(row["reason" if status == LEFT else "reason_before"]), lang)
        note = t(f"changes.note.{status}", lang, reason=reason or t("changes.no_reason", lang))
    elif bool(row["mover"]):
        note = t(f"changes.note.{status}", lang, places=int(abs(moved)), n=changes.threshold)
    elif status == "same":
        note = t("changes.note.same", lang)
    else:
        note = t("changes.note.small", lang, places=int(abs(moved)), n=changes.threshold)
    score_before, score_now = float(row["score_before"]), float(row["score"])
    return CountryChange(
        rank=rank_text(row["rank_before"], row["rank"]),
        rank_delta="" if moved != moved else f"{int(moved):+d}" if moved else "0",
        score=f"{_score(score_before)} → {_score(score_now)}",
        score_delta=""
        if np.isnan(score_before) or np.isnan(score_now)
        else f"{score_now - score_before:+.1f}",
        status=status,
        drivers=driver_text(changes, row["drivers"], lang),
        note=note,
    )


def events_view(events: pd.DataFrame, names: pd.Series, lang: str) -> pd.DataFrame:
    """Dated events for a table: date, kind and country in `lang`, title, and the source link
    (only an http(s) address; anything else is left blank)."""
    if events.empty:
        return pd.DataFrame(columns=list(EVENT_COLUMNS))
    return pd.DataFrame(
        {
            "date": [str(d)[:10] for d in events["date"]],
            "kind": [kind_label(k, lang) for k in events["kind"]],
            "country": [str(names.get(c, c)) if c else "" for c in events["iso3"]],
            "title": events["title"].astype(str).to_numpy(),
            "link": [safe_link(u) or "" for u in events["source_url"]],
        },
        columns=list(EVENT_COLUMNS),
    )

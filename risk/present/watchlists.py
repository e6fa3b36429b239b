"""What the Watchlists page shows: the saved lists, and one list's countries then and now."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from risk.gates import reason_label
from risk.i18n import label_or, t
from risk.present.settings import weights_text
from risk.text import join_items
from risk.watchlists import NEWLY_RANKED, NOW_EXCLUDED, STILL_RANKED, Watchlist

LIST_COLUMNS: tuple[str, ...] = ("watchlist", "n", "countries", "saved_at", "data_version")
CHANGE_TABLE_COLUMNS: tuple[str, ...] = (
    "name",
    "iso3",
    "rank_then",
    "rank_now",
    "move",
    "score_then",
    "score_now",
    "score_change",
    "status",
    "reason",
)


def list_table(
    watchlists: Sequence[Watchlist], names: Mapping[str, str], lang: str
) -> pd.DataFrame:
    """One row per saved watchlist: its name (as text), how many markets and which (by name in
    `lang`), when and on which data version it was saved."""
    rows = [
        {
            "watchlist": w.name,
            "n": len(w.countries),
            "countries": join_items([str(names.get(c, c)) for c in w.countries], lang),
            "saved_at": w.saved_at,
            "data_version": w.data_version,
        }
        for w in watchlists
    ]
    return pd.DataFrame(rows, columns=list(LIST_COLUMNS))


def move_text(rank_change: float, status: str) -> str:
    """An arrow and the places moved: '▲ 3' up, '▼ 2' down, '＝' unchanged; '✕' for a country
    now excluded, '★' for one newly ranked, '–' when it was ranked neither time."""
    if status == NOW_EXCLUDED:
        return "✕"
    if status == NEWLY_RANKED:
        return "★"
    if status != STILL_RANKED or rank_change != rank_change:
        return "–"
    if rank_change > 0:
        return f"▲ {rank_change:.0f}"
    if rank_change < 0:
        return f"▼ {-rank_change:.0f}"
    return "＝"


def rank_text(rank: float) -> str:
    """A rank as people read it: '7', or '–' when the country was not ranked."""
    return "–" if rank is None or rank != rank else f"{rank:.0f}"


def changes_table(changes: pd.DataFrame, names: Mapping[str, str], lang: str) -> pd.DataFrame:
    """`risk.watchlists.changes_since_saved` for people: country names in `lang`, ranks as text
    ('–' when not ranked, never 'None'), an arrow for the move, the status and the reason for an
    exclusion in words."""
    out = changes.copy()
    out.insert(0, "name", [str(names.get(c, c)) for c in out["iso3"]])
    out["move"] = [move_text(c, s) for c, s in zip(out["rank_change"], out["status"], strict=True)]
    for col in ("rank_then", "rank_now"):
        out[col] = [rank_text(r) for r in out[col]]
    out["status"] = [t(f"watch.status.{s}", lang) for s in out["status"]]
    out["reason"] = [reason_label(r, lang) if r else "" for r in out["reason"]]
    return out[list(CHANGE_TABLE_COLUMNS)]


def change_counts(changes: pd.DataFrame) -> dict[str, int]:
    """How many countries moved up, moved down, are now excluded and are newly ranked."""
    ranked = changes[changes["status"] == STILL_RANKED]["rank_change"]
    return {
        "up": int((ranked > 0).sum()),
        "down": int((ranked < 0).sum()),
        "excluded": int((changes["status"] == NOW_EXCLUDED).sum()),
        "newly_ranked": int((changes["status"] == NEWLY_RANKED).sum()),
    }


def settings_text(watchlist: Watchlist, lang: str) -> str:
    """The settings a watchlist was saved with, in words: the preset and the pillar weights."""
    spec = watchlist.view().spec
    preset = label_or(f"preset.{spec.preset}", lang, spec.preset)
    return t("watch.settings", lang, preset=preset, weights=weights_text(spec, lang))

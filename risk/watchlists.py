"""Watchlists: a named shortlist of markets, kept in the store and shared by a `?watch=<id>` link.

A watchlist remembers the view it was saved from (its query parameters: spec, preset, weights,
filters), the data version, and each country's rank and score at that moment, so it can say what
has changed since. It is one JSON record of kind "watchlist" in the store's saved records, which
every app server of a shared store sees.
"""

from __future__ import annotations

import json
import re
import secrets
import unicodedata
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pandas as pd

from risk.errors import RiskError
from risk.i18n import t
from risk.share import ViewState, from_query, to_query
from risk.spec import ScoreSpec
from risk.store.protocol import Store

KIND = "watchlist"
MAX_NAME = 80
MAX_COUNTRIES = 30
MAX_WATCHLISTS = 500  # per store: visitors may save lists, so the store cannot grow without end
ID_LENGTH = 10
_ID = re.compile(r"[0-9a-f]{10}")
# Query keys that belong to the person looking, not to the watchlist.
_NOT_KEPT = ("lang", "view", "watch", "version")

STILL_RANKED = "ranked"
NOW_EXCLUDED = "excluded"
NEWLY_RANKED = "newly_ranked"
NOT_RANKED = "not_ranked"
STATUSES: tuple[str, ...] = (STILL_RANKED, NOW_EXCLUDED, NEWLY_RANKED, NOT_RANKED)
CHANGE_COLUMNS: tuple[str, ...] = (
    "iso3",
    "rank_then",
    "rank_now",
    "rank_change",
    "score_then",
    "score_now",
    "score_change",
    "status",
    "reason",
)


@dataclass
class WatchlistError(RiskError):
    """A watchlist that cannot be saved or opened. `key` names the message in the locale files,
    so pages show it in the user's language; `message` is the English text."""

    key: str = ""
    fmt: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        return t(self.key, lang, **self.fmt) if self.key else self.message


def _error(key: str, **fmt: Any) -> WatchlistError:
    return WatchlistError(t(key, "en", **fmt), key=key, fmt=fmt)


@dataclass(frozen=True)
class Watchlist:
    """A named shortlist of countries and what the view said about them when it was saved."""

    id: str
    name: str
    countries: tuple[str, ...]
    query: dict[str, str]  # the view's query parameters (spec, filters...), without the language
    data_version: str
    ranks: dict[str, float | None]  # iso3 -> rank at save time (None: not ranked)
    scores: dict[str, float | None]  # iso3 -> score at save time (None: no score)
    saved_at: str  # ISO time, UTC, to the second
    as_of_fixed: bool = False  # the user chose the as-of date (else it was 'today' when saved)

    def view(self) -> ViewState:
        """The view the watchlist was saved from (damaged parameters dropped)."""
        return from_query(self.query)[0]

    def spec_now(self, data_version: str, today: date | None = None) -> ScoreSpec:
        """The saved settings on `data_version`. A spec that was 'as of today' when saved (the
        default) moves to today; a date the user chose stays."""
        spec = self.view().spec
        as_of = spec.as_of if self.as_of_fixed else (today or date.today()).isoformat()
        return spec.replace(data_version=data_version, as_of=as_of)

    def to_json(self) -> str:
        body = {
            "id": self.id,
            "name": self.name,
            "countries": list(self.countries),
            "query": self.query,
            "data_version": self.data_version,
            "saved": {c: {"rank": self.ranks[c], "score": self.scores[c]} for c in self.countries},
            "saved_at": self.saved_at,
            "as_of_fixed": self.as_of_fixed,
        }
        return json.dumps(body, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Watchlist:
        """A watchlist from its stored body; WatchlistError when the body is damaged."""
        try:
            body = json.loads(text)
            countries = tuple(str(c) for c in body["countries"])
            saved = body.get("saved") or {}
            return cls(
                id=str(body["id"]),
                name=str(body["name"]),
                countries=countries,
                query={str(k): str(v) for k, v in dict(body.get("query") or {}).items()},
                data_version=str(body.get("data_version") or ""),
                ranks={c: _number((saved.get(c) or {}).get("rank")) for c in countries},
                scores={c: _number((saved.get(c) or {}).get("score")) for c in countries},
                saved_at=str(body.get("saved_at") or ""),
                as_of_fixed=bool(body.get("as_of_fixed", False)),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise _error("watch.error.damaged") from exc


def _number(value: Any) -> float | None:
    """A finite number, else None (NaN, missing and text become None, so JSON stays valid)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


# --------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------
def clean_name(name: str) -> str:
    """A watchlist name as kept: control characters dropped, runs of spaces made one, trimmed.
    WatchlistError when nothing is left or it is longer than MAX_NAME characters."""
    text = "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in str(name or ""))
    text = " ".join(text.split())
    if not text:
        raise _error("watch.error.name_empty")
    if len(text) > MAX_NAME:
        raise _error("watch.error.name_long", max=MAX_NAME, n=len(text))
    return text


def clean_countries(countries: Iterable[str], known: Collection[str]) -> tuple[str, ...]:
    """ISO3 codes, upper-cased and without repeats, in the order given. WatchlistError when there
    are none, more than MAX_COUNTRIES, or any the countries table does not have."""
    codes = tuple(dict.fromkeys(str(c).strip().upper() for c in countries if str(c).strip()))
    if not codes:
        raise _error("watch.error.no_countries")
    if len(codes) > MAX_COUNTRIES:
        raise _error("watch.error.too_many", max=MAX_COUNTRIES, n=len(codes))
    unknown = [c for c in codes if c not in known]
    if unknown:
        shown = ", ".join(c[:12] for c in unknown[:5]) + (" …" if len(unknown) > 5 else "")
        raise _error("watch.error.unknown_countries", codes=shown)
    return codes


def valid_id(wid: str | None) -> bool:
    """Is `wid` something a watchlist id can be (checked before the store is asked)?"""
    return bool(wid) and _ID.fullmatch(str(wid)) is not None


# --------------------------------------------------------------------------------------
# Making, saving, loading, listing, deleting
# --------------------------------------------------------------------------------------
def _at(ranked: pd.DataFrame, column: str) -> dict[str, float | None]:
    if ranked.empty:
        return {}
    return {str(k): _number(v) for k, v in zip(ranked["iso3"], ranked[column], strict=True)}


def new_watchlist(
    name: str,
    countries: Iterable[str],
    view: ViewState,
    ranked: pd.DataFrame,
    known: Collection[str],
    *,
    data_version: str,
    now: datetime | None = None,
    today: date | None = None,
) -> Watchlist:
    """A new watchlist of `countries` from `view`, with each country's rank and score in
    `ranked` (the view's ranked table on `data_version`). Validates the name and countries."""
    clean = clean_name(name)
    codes = clean_countries(countries, known)
    query = {k: v for k, v in to_query(view).items() if k not in _NOT_KEPT}
    query["spec"] = view.spec.replace(data_version=data_version).to_url()
    ranks, scores = _at(ranked, "rank"), _at(ranked, "score")
    stamp = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0, tzinfo=None)
    return Watchlist(
        id=secrets.token_hex(ID_LENGTH // 2),
        name=clean,
        countries=codes,
        query=query,
        data_version=data_version,
        ranks={c: ranks.get(c) for c in codes},
        scores={c: scores.get(c) for c in codes},
        saved_at=stamp.isoformat(sep=" "),
        as_of_fixed=view.spec.as_of != (today or date.today()).isoformat(),
    )


def save_watchlist(store: Store, watchlist: Watchlist) -> str:
    """Keep a watchlist in the store (replacing one with the same id); returns its id."""
    store.put_record(KIND, watchlist.id, watchlist.to_json())
    return watchlist.id


def create_watchlist(
    store: Store,
    name: str,
    countries: Iterable[str],
    view: ViewState,
    ranked: pd.DataFrame,
    *,
    data_version: str,
    known: Collection[str] | None = None,
) -> Watchlist:
    """Validate, make and save a watchlist; the countries are checked against `known` (default:
    the store's countries table)."""
    if known is None:
        known = set(store.table("countries")["iso3"])
    saved = len(store.records(KIND))
    if saved >= MAX_WATCHLISTS:
        raise _error("watch.error.store_full", max=MAX_WATCHLISTS)
    watchlist = new_watchlist(name, countries, view, ranked, known, data_version=data_version)
    save_watchlist(store, watchlist)
    return watchlist


def load_watchlist(store: Store, wid: str | None) -> Watchlist:
    """The watchlist saved under `wid`; WatchlistError when there is none (or it is damaged)."""
    if not valid_id(wid):
        raise _error("watch.error.unknown")
    body = store.get_record(KIND, str(wid))
    if body is None:
        raise _error("watch.error.unknown")
    return Watchlist.from_json(body)


def list_watchlists(store: Store) -> list[Watchlist]:
    """Every saved watchlist, newest first (a damaged record is left out)."""
    out: list[Watchlist] = []
    for body in store.records(KIND)["body"]:
        try:
            out.append(Watchlist.from_json(str(body)))
        except WatchlistError:
            continue
    return out


def delete_watchlist(store: Store, wid: str) -> None:
    """Forget a watchlist (nothing happens if there is none)."""
    if valid_id(wid):
        store.delete_record(KIND, wid)


# --------------------------------------------------------------------------------------
# What changed since
# --------------------------------------------------------------------------------------
def changes_since_saved(watchlist: Watchlist, ranked: pd.DataFrame) -> pd.DataFrame:
    """Per country of the watchlist, in its order: rank and score then and now, the change (rank
    places up are positive; score points), whether it is still ranked, now excluded, newly ranked
    or not ranked either time, and the gate reason now. `ranked` is the watchlist's settings scored
    on the current data (`iso3`, `rank`, `score`, optionally `reason`)."""
    now = ranked.set_index("iso3") if not ranked.empty else pd.DataFrame()
    rows: list[Mapping[str, Any]] = []
    for iso3 in watchlist.countries:
        rank_then, score_then = watchlist.ranks.get(iso3), watchlist.scores.get(iso3)
        present = iso3 in now.index
        rank_now = _number(now.at[iso3, "rank"]) if present else None
        score_now = _number(now.at[iso3, "score"]) if present else None
        reason = now.at[iso3, "reason"] if present and "reason" in now.columns else ""
        if rank_then is not None:
            status = STILL_RANKED if rank_now is not None else NOW_EXCLUDED
        else:
            status = NEWLY_RANKED if rank_now is not None else NOT_RANKED
        rows.append(
            {
                "iso3": iso3,
                "rank_then": rank_then,
                "rank_now": rank_now,
                "rank_change": (
                    rank_then - rank_now if rank_then is not None and rank_now is not None else None
                ),
                "score_then": score_then,
                "score_now": score_now,
                "score_change": (
                    score_now - score_then
                    if score_then is not None and score_now is not None
                    else None
                ),
                "status": status,
                "reason": "" if reason is None or reason != reason else str(reason),
            }
        )
    out = pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))
    for col in ("rank_then", "rank_now", "rank_change", "score_then", "score_now", "score_change"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
    return out

"""What changed between two data versions: the same spec scored on a baseline version and on the
current one, compared country by country, with the indicators whose weighted contribution moved the
score most.

A country's score is the sum of its indicators' contributions plus its penalty (`explain`), so the
score change splits exactly into contribution changes: the largest of them are what drove it.
Only a move of `MEANINGFUL_MOVE` places or more counts as a move: a country entering or leaving the
ranking shifts everyone below it by one place, which says nothing about them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import numpy as np
import pandas as pd

from risk.scoring.engine import engine_for
from risk.scoring.explain import weighted_contributions
from risk.scoring.result import ScoreResult
from risk.spec import ScoreSpec
from risk.store.protocol import Store

MEANINGFUL_MOVE = 3  # places; smaller shifts are side effects of others entering or leaving
MIN_DRIVER = 0.01  # points: a smaller contribution change is rounding, not a reason
DRIVERS = 3  # indicators named per country
PENALTY = "penalty"  # the driver code of a change in penalties (small market, export controls)

# A country's status between the two versions.
UP, DOWN, SAME, ENTERED, LEFT = "up", "down", "same", "entered", "left"

CHANGE_COLUMNS: tuple[str, ...] = (
    "iso3",
    "name_en",
    "name_zh_tw",
    "rank_before",
    "rank",
    "rank_change",
    "score_before",
    "score",
    "score_change",
    "status",
    "mover",
    "reason_before",
    "reason",
    "drivers",
)


@dataclass(frozen=True)
class VersionChanges:
    """Two data versions compared under one spec.

    `table` has one row per country ranked in either version (CHANGE_COLUMNS): ranks and scores
    before and after (rank_change = rank_before - rank, positive = up), its status (up, down, same,
    entered, left), whether it is a mover (moved `threshold` places or more, or entered or left), its
    gate reasons and `drivers`, a tuple of (indicator code, contribution change in points), largest
    change first (the code `PENALTY` for a change in penalties). `indicators` names every indicator
    code of either version (code, name_en, name_zh)."""

    before_version: str
    after_version: str
    table: pd.DataFrame
    indicators: pd.DataFrame
    threshold: int = MEANINGFUL_MOVE

    def movers(self, status: str) -> pd.DataFrame:
        """The movers of one status; risers and fallers biggest move first, the others by rank."""
        t = self.table[self.table["mover"] & (self.table["status"] == status)]
        if status in (UP, DOWN):
            return t.sort_values(["rank_change", "rank"], ascending=[status == DOWN, True])
        key = "rank_before" if status == LEFT else "rank"
        return t.sort_values(key)

    def country(self, iso3: str) -> pd.Series | None:
        """One country's row, or None when it is ranked in neither version."""
        rows = self.table[self.table["iso3"] == iso3]
        return None if rows.empty else rows.iloc[0]


# --------------------------------------------------------------------------------------
# Which version to compare with
# --------------------------------------------------------------------------------------
def previous_version(store: Store, version: str) -> str | None:
    """The data version that was current just before `version` became current: what a publish
    replaced, or what a rollback replaced (the store's event log); else the next older version in
    the version list; None when there is none (the bundled data alone)."""
    events = store.events()
    if not events.empty and "previous" in events.columns:
        made = events[events["version"].astype(str) == version]
        for prev in made["previous"].iloc[::-1]:
            if prev is not None and not pd.isna(prev) and str(prev) != version:
                return str(prev)
    versions = store.versions()
    seq = versions.loc[versions["version"].astype(str) == version, "seq"]
    if seq.empty:
        return None
    older = versions[versions["seq"] < int(seq.iloc[0])].sort_values("seq")
    return str(older["version"].iloc[-1]) if len(older) else None


def version_on(store: Store, day: date) -> str | None:
    """The data version that was current when `day` began (UTC); None before the store existed."""
    return store.data_version_at(datetime.combine(day, time.min, tzinfo=UTC))


# Why there is no baseline version to compare with, or what to say about the one chosen.
NO_EARLIER = "no_earlier"  # the store holds no version before the one shown
SAME_VERSION = "same_version"  # the version current on the chosen day is the one shown
BEFORE_STORE = "before_store"  # the chosen day is before the store's first version


@dataclass(frozen=True)
class Baseline:
    """What to compare the shown data version with: `version` (None: nothing to compare), the day
    from which dated events count, and a note (NO_EARLIER, SAME_VERSION, BEFORE_STORE or '')."""

    version: str | None
    since: date | None
    note: str = ""


def baseline_for(store: Store, version: str, day: date | None = None) -> Baseline:
    """The baseline of `version`: without `day` the previous data version (events count from the
    day it was made); with `day` the version current when that day began (the store's first
    version if the day is older than the store)."""
    if day is None:
        prev = previous_version(store, version)
        if prev is None:
            return Baseline(None, None, NO_EARLIER)
        return Baseline(prev, store.version_info(prev).created_at.date())
    then = version_on(store, day)
    if then is None:
        versions = store.versions().sort_values("seq")
        first = str(versions["version"].iloc[0])
        if first == version:
            return Baseline(None, day, NO_EARLIER)
        return Baseline(first, day, BEFORE_STORE)
    if then == version:
        return Baseline(None, day, SAME_VERSION)
    return Baseline(then, day)


def comparable_spec(spec: ScoreSpec, codes: list[str], version: str) -> ScoreSpec:
    """The spec to score on another version: pinned to it, without Monte Carlo draws (ranks are
    the point ranks) and without weights for indicators that version does not have."""
    known = set(codes)
    return spec.replace(
        data_version=version,
        mc_draws=0,
        indicator_weights=tuple((c, w) for c, w in spec.indicator_weights if c in known),
    )


# --------------------------------------------------------------------------------------
# Comparing two scored versions
# --------------------------------------------------------------------------------------
def contribution_frame(result: ScoreResult) -> pd.DataFrame:
    """Countries x indicators contributions to the score, with the applied penalty as a last
    column (negative), so each row adds up to the country's score."""
    _, contrib = weighted_contributions(result)
    frame = pd.DataFrame(
        contrib, index=pd.Index(result.prepared.iso3, name="iso3"), columns=result.prepared.codes
    )
    score = result.table["score"].to_numpy(dtype=float)
    frame[PENALTY] = np.nan_to_num(score - np.asarray(result.steps["index"], dtype=float))
    return frame


def _drivers(delta: pd.DataFrame, k: int) -> list[tuple[tuple[str, float], ...]]:
    values = delta.to_numpy(dtype=float)
    codes = delta.columns.to_numpy(dtype=object)
    order = np.argsort(-np.abs(values), axis=1, kind="stable")[:, :k]
    out: list[tuple[tuple[str, float], ...]] = []
    for row, picks in zip(values, order, strict=True):
        out.append(
            tuple((str(codes[j]), float(row[j])) for j in picks if abs(row[j]) >= MIN_DRIVER)
        )
    return out


def _indicator_names(before: ScoreResult, after: ScoreResult) -> pd.DataFrame:
    cols = ["code", "name_en", "name_zh"]
    frames = [after.prepared.framework.indicators[cols], before.prepared.framework.indicators[cols]]
    names = pd.concat(frames, ignore_index=True)
    return names.drop_duplicates("code").reset_index(drop=True)


def compare_versions(
    before: ScoreResult,
    after: ScoreResult,
    *,
    threshold: int = MEANINGFUL_MOVE,
    k: int = DRIVERS,
) -> VersionChanges:
    """Every country ranked in either result: ranks and scores then and now, its status, whether it
    moved `threshold` places or more (or entered or left), and the `k` indicators whose contribution
    to its score changed most."""
    old = before.table.set_index("iso3")
    new = after.table.set_index("iso3")
    iso3 = new.index.union(old.index, sort=False)
    ranked = new["rank"].reindex(iso3).notna() | old["rank"].reindex(iso3).notna()
    iso3 = iso3[ranked.to_numpy()]
    t = pd.DataFrame({"iso3": iso3})
    for col in ("name_en", "name_zh_tw"):
        t[col] = new[col].reindex(iso3).fillna(old[col].reindex(iso3)).to_numpy(dtype=object)
    t["rank_before"] = old["rank"].reindex(iso3).to_numpy(dtype=float)
    t["rank"] = new["rank"].reindex(iso3).to_numpy(dtype=float)
    t["rank_change"] = t["rank_before"] - t["rank"]
    t["score_before"] = old["score"].reindex(iso3).to_numpy(dtype=float)
    t["score"] = new["score"].reindex(iso3).to_numpy(dtype=float)
    t["score_change"] = t["score"] - t["score_before"]
    entered = t["rank_before"].isna() & t["rank"].notna()
    left = t["rank_before"].notna() & t["rank"].isna()
    t["status"] = np.select(
        [entered, left, t["rank_change"] > 0, t["rank_change"] < 0],
        [ENTERED, LEFT, UP, DOWN],
        default=SAME,
    )
    t["mover"] = entered | left | (t["rank_change"].abs() >= threshold)
    t["reason_before"] = old["reason"].reindex(iso3).fillna("").astype(str).to_numpy()
    t["reason"] = new["reason"].reindex(iso3).fillna("").astype(str).to_numpy()
    then, now = contribution_frame(before), contribution_frame(after)
    codes = now.columns.union(then.columns, sort=False)
    delta = now.reindex(index=iso3, columns=codes).fillna(0.0) - then.reindex(
        index=iso3, columns=codes
    ).fillna(0.0)
    t["drivers"] = _drivers(delta, k)
    t = t.sort_values(["rank", "rank_before"], na_position="last").reset_index(drop=True)
    return VersionChanges(
        before.prepared.data_version,
        after.prepared.data_version,
        t[list(CHANGE_COLUMNS)],
        _indicator_names(before, after),
        threshold,
    )


def version_changes(
    store: Store, spec: ScoreSpec, baseline: str, version: str | None = None
) -> VersionChanges:
    """The spec scored on `baseline` and on `version` (default: the store's current one), each with
    that version's engine (`engine_for`), and compared."""
    current = version or store.data_version
    after_engine = engine_for(store, current)
    before_engine = engine_for(store, baseline)
    after = after_engine.score(
        comparable_spec(spec, after_engine.framework.codes, current), monte_carlo=False
    )
    before = before_engine.score(
        comparable_spec(spec, before_engine.framework.codes, baseline), monte_carlo=False
    )
    return compare_versions(before, after)

"""What a data version means for scores: the framework with uploaded indicators, and the movers.

`framework_for(store, version)` is the bundled framework plus the `framework_overrides` rows that
published uploads added (new indicators joining a pillar with a weight). `preview_movers` scores the
current data and the current data overlaid with an upload, and returns who would move and by how
much. The scoring itself is a parameter (`ScoreFn`), so the preview can be tested on its own; the
default calls the scoring engine's public API.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pandas as pd

from risk.errors import RiskError
from risk.store import FRAMEWORK_COLUMNS, Store

# (observations, framework overrides) -> a table with iso3, score, rank (rank NaN if unranked)
ScoreFn = Callable[[pd.DataFrame, pd.DataFrame], pd.DataFrame]
KEY = ["iso3", "indicator", "year"]
MOVER_COLUMNS = (
    "iso3",
    "name_en",
    "name_zh_tw",
    "score_before",
    "score_after",
    "score_change",
    "rank_before",
    "rank_after",
    "rank_change",
)


def overlay(current: pd.DataFrame, upload: pd.DataFrame) -> pd.DataFrame:
    """Current observations with the upload's rows replacing those with the same key."""
    if upload.empty:
        return current
    cols = [c for c in current.columns]
    up = upload.reindex(columns=cols)
    keys = pd.MultiIndex.from_frame(current[KEY].astype({"year": "int64"}))
    new = pd.MultiIndex.from_frame(up[KEY].astype({"year": "int64"}))
    kept = current[~keys.isin(new)]
    out = pd.concat([kept, up.astype(current.dtypes.to_dict())], ignore_index=True)
    return out.sort_values(["indicator", "iso3", "year"]).reset_index(drop=True)


def merged_framework(base: Any, overrides: pd.DataFrame) -> Any:
    """The framework with override rows appended (an override replaces a bundled row by code)."""
    from risk.framework import Framework, validate_framework

    if overrides is None or overrides.empty:
        return base
    rows = overrides.reindex(columns=list(FRAMEWORK_COLUMNS))
    kept = base.indicators[~base.indicators["code"].isin(set(rows["code"]))]
    table = pd.concat([kept, rows.astype(object)], ignore_index=True)
    return Framework(validate_framework(table), base.presets)


def framework_for(store: Store, version: str | None = None) -> Any:
    """The scoring framework of a data version: bundled indicators plus uploaded ones."""
    from risk.framework import load_framework

    overrides = (
        store.table("framework_overrides", version)
        if "framework_overrides" in store.tables()
        else pd.DataFrame()
    )
    return merged_framework(load_framework(), overrides)


def engine_for(store: Store, version: str | None = None) -> Any:
    """A scoring engine over one data version, with that version's framework."""
    from risk.scoring import ScoringEngine, load_inputs
    from risk.store import DuckDBStore

    view = store.at(version) if isinstance(store, DuckDBStore) and version else store
    return ScoringEngine(load_inputs(view), framework_for(store, version))


def scoring_fn(store: Store, preset: str = "balanced") -> ScoreFn:
    """The default ScoreFn: the engine's point score (no Monte Carlo) on the given observations."""
    from risk.framework import load_framework
    from risk.scoring import ScoringEngine, load_inputs
    from risk.spec import ScoreSpec

    inputs = load_inputs(store)

    def score(observations: pd.DataFrame, overrides: pd.DataFrame) -> pd.DataFrame:
        fw = merged_framework(load_framework(), overrides)
        eng = ScoringEngine(replace(inputs, observations=observations), fw)
        result = eng.score(ScoreSpec.from_preset(preset, framework=fw), monte_carlo=False)
        return result.table[["iso3", "score", "rank"]]

    return score


def preview_movers(
    store: Store,
    observations: pd.DataFrame,
    framework_rows: pd.DataFrame | None = None,
    *,
    score_fn: ScoreFn | None = None,
) -> pd.DataFrame:
    """How scores and ranks would change if `observations` (and framework rows) were published.

    Rows sorted by the size of the rank change, then of the score change; countries that do not
    move are left out.
    """
    current = store.table("observations")
    overrides = (
        store.table("framework_overrides")
        if "framework_overrides" in store.tables()
        else pd.DataFrame(columns=list(FRAMEWORK_COLUMNS))
    )
    after_overrides = overrides
    if framework_rows is not None and not framework_rows.empty:
        keep = overrides[~overrides["code"].isin(set(framework_rows["code"]))]
        after_overrides = pd.concat([keep, framework_rows], ignore_index=True)
    fn = score_fn or scoring_fn(store)
    try:
        before = fn(current, overrides)
        after = fn(overlay(current, observations), after_overrides)
    except RiskError:
        raise
    except (ValueError, KeyError, IndexError) as exc:
        raise RiskError(f"the preview could not be scored: {exc}") from exc
    merged = before.merge(after, on="iso3", how="outer", suffixes=("_before", "_after"))
    merged["score_change"] = merged["score_after"] - merged["score_before"]
    merged["rank_change"] = merged["rank_before"] - merged["rank_after"]  # + means moved up
    names = store.table("countries")[["iso3", "name_en", "name_zh_tw"]]
    merged = merged.merge(names, on="iso3", how="left")
    sb, sa = merged["score_before"], merged["score_after"]
    score_moved = (sb - sa).abs().gt(1e-9) | (sb.isna() != sa.isna())
    rank_moved = merged["rank_before"].fillna(-1) != merged["rank_after"].fillna(-1)
    out = merged[score_moved | rank_moved].copy()
    # Ranked countries by how far they move, then the rest by score change.
    out["_ranked"] = out["rank_change"].notna()
    out["_order"] = out["rank_change"].abs().fillna(0)
    out["_score"] = out["score_change"].abs().fillna(0)
    out = out.sort_values(["_ranked", "_order", "_score"], ascending=False)
    return out.reindex(columns=list(MOVER_COLUMNS)).reset_index(drop=True)


def diff_summary(diff: pd.DataFrame, lang: str) -> str:
    """One sentence counting a diff's added, removed and changed observations."""
    from risk.i18n import t

    n = diff["change"].value_counts() if len(diff) else pd.Series(dtype=int)
    return t(
        "data.diff.summary",
        lang,
        added=int(n.get("added", 0)),
        removed=int(n.get("removed", 0)),
        changed=int(n.get("changed", 0)),
    )


VERSION_COLUMNS = (
    "version", "current", "created_at", "author", "action", "file_name", "rows_added",
    "rows_replaced", "rows_total", "sha256", "note",
)  # fmt: skip


def versions_table(versions: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The version history as the Data page shows it: actions and the system author in words,
    blanks where a version has no file, note or row counts."""
    from risk.i18n import label_or

    out = versions[list(VERSION_COLUMNS)].copy()
    out["action"] = [label_or(f"data.action.{a}", lang, a) for a in out["action"]]
    out["author"] = [label_or(f"data.author.{a}", lang, a) for a in out["author"]]
    for col in ("file_name", "sha256", "note"):
        out[col] = out[col].astype("string").fillna("")
    return out

"""What an upload would change: the current data overlaid with the upload, scored before and after."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from risk.errors import RiskError
from risk.schema import FRAMEWORK_COLUMNS
from risk.scoring.engine import engine_for
from risk.spec import ScoreSpec
from risk.store.protocol import Store

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
    "why",
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


def scoring_fn(store: Store, preset: str = "balanced") -> ScoreFn:
    """The default ScoreFn: the engine's point score (no Monte Carlo) on the given observations."""
    base = engine_for(store)

    def score(observations: pd.DataFrame, overrides: pd.DataFrame) -> pd.DataFrame:
        eng = base.with_data(observations, overrides)
        spec = ScoreSpec.from_preset(preset, framework=eng.framework)
        return eng.score(spec, monte_carlo=False).table[["iso3", "score", "rank"]]

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
    out["why"] = _why(out["iso3"], current, observations)
    return out.reindex(columns=list(MOVER_COLUMNS)).reset_index(drop=True)


def _why(movers: pd.Series, current: pd.DataFrame, upload: pd.DataFrame) -> list[str]:
    """Why each country moves: "own" (the upload has values for it), "imputed" (it has no value of
    an uploaded indicator, so its imputed value changed with the others'), or "scale" (its own
    values are unchanged; other countries' moved the scale it is compared on)."""
    own = set(upload["iso3"]) if len(upload) else set()
    codes = set(upload["indicator"]) if len(upload) else set()
    after = overlay(current, upload) if len(upload) else current
    has = after[after["indicator"].isin(codes)].groupby("iso3")["indicator"].nunique()
    out = []
    for iso3 in movers:
        if iso3 in own:
            out.append("own")
        elif int(has.get(iso3, 0)) < len(codes):
            out.append("imputed")
        else:
            out.append("scale")
    return out

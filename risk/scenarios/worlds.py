"""A world is a scoring engine's prepared data with edits; scenario edits change it and it is scored
through the engine."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from functools import partial

import numpy as np
import pandas as pd

from risk.errors import RiskError
from risk.scoring.engine import ScoringEngine, gates_for, run_pipeline
from risk.scoring.matrix import Prepared
from risk.scoring.result import ScoreResult
from risk.spec import ScoreSpec

RATING_CODE = "ratings.notch"
RATING_FLOOR = 1.0  # SD / D on the equal-notch scale
# Units of compute-demand indicators that measure an amount, so grow with demand. Percentages,
# shares, per-100 rates and 0-100 indices do not scale with a demand shock.
DEMAND_LEVEL_UNITS: tuple[str, ...] = (
    "current US$",
    "per million people",
    "TWh per year",
    "count",
    "GW",
)
# The rule restricted exports *from* the United States; the tier table leaves it out (it is the
# exporting country), and the gates put every unlisted country in tier 2, so it is listed here as
# unrestricted (tier 1) rather than penalised as a destination.
EXPORTER = "USA"
TIER2_PENALTY = ScoreSpec().tier2_penalty  # the spec default


class ScenarioError(RiskError):
    """A scenario name, parameter or target is not valid."""


# --------------------------------------------------------------------------------------
# The world a scenario acts on
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class World:
    """Everything the scorer reads for one run, so a scenario can change any part of it."""

    prepared: Prepared
    spec: ScoreSpec
    export_controls: pd.DataFrame
    diffusion_tiers: pd.DataFrame
    countries: pd.DataFrame  # the full countries table (regions, blocs)
    notes: tuple[str, ...] = ()  # what the scenarios did, in words


def base_world(eng: ScoringEngine, spec: ScoreSpec) -> World:
    """The world as the data has it, for `spec` (data version pinned)."""
    spec, _ = eng.resolve(spec)
    prep = eng.prepared(date.fromisoformat(spec.as_of))
    return World(
        prep,
        spec,
        eng.inputs.export_controls,
        eng.inputs.diffusion_tiers,
        eng.inputs.countries,
    )


def score_world(world: World, *, monte_carlo: bool = True) -> ScoreResult:
    """Gate and score a world through the engine's pipeline (and the Monte Carlo rank intervals)."""
    gates = gates_for(world.prepared, world.spec, world.export_controls, world.diffusion_tiers)
    return run_pipeline(world.prepared, world.spec, gates, monte_carlo=monte_carlo)


# --------------------------------------------------------------------------------------
# Targets and matrix edits
# --------------------------------------------------------------------------------------
def target_mask(world: World, target: str) -> np.ndarray:
    """Which scored countries a target names (ISO3 codes joined by +, region, subregion, bloc, all)."""
    prep = world.prepared
    text = str(target).strip()
    if not text:
        raise ScenarioError("a target is required: ISO3 codes (JPN+KOR), a region, a bloc or all")
    if text.lower() == "all":
        return np.ones(len(prep.iso3), dtype=bool)
    c = world.countries.set_index("iso3").reindex(prep.iso3)
    bloc = f"bloc_{text.lower()}"
    if bloc in c.columns:
        return c[bloc].fillna(False).astype(bool).to_numpy()
    for col in ("region", "subregion"):
        if col in c.columns:
            names = c[col].astype(str).str.lower()
            if (names == text.lower()).any():
                return (names == text.lower()).to_numpy()
    codes = [p.strip().upper() for p in text.split("+") if p.strip()]
    unknown = [code for code in codes if code not in set(prep.iso3)]
    if unknown:
        raise ScenarioError(
            f"unknown target {text!r}: not a region, subregion or bloc, and not scored ISO3 codes",
            rows=[{"iso3": u} for u in unknown],
        )
    return np.isin(prep.iso3, codes)


def _column(prep: Prepared, code: str) -> int:
    if code not in prep.codes:
        raise ScenarioError(f"indicator {code} is not in the framework")
    return prep.codes.index(code)


def _forward(raw: np.ndarray, old_raw: np.ndarray, old_tr: np.ndarray, tf: str) -> np.ndarray:
    """Transform new raw values as the framework does; per-capita reuses each row's population."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if tf == "log":
            return np.where(raw > 0, np.log(np.where(raw > 0, raw, 1.0)), np.nan)
        if tf == "log1p":
            return np.where(raw > -1, np.log1p(np.where(raw > -1, raw, 0.0)), np.nan)
        if tf == "per_capita":
            return raw * np.where(old_raw != 0, old_tr / old_raw, np.nan)
    return raw.copy()


def _inverse(tr: np.ndarray, old_raw: np.ndarray, old_tr: np.ndarray, tf: str) -> np.ndarray:
    """Raw values giving these transformed values (the inverse of `_forward`)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if tf == "log":
            return np.exp(tr)
        if tf == "log1p":
            return np.expm1(tr)
        if tf == "per_capita":
            return tr * np.where(old_tr != 0, old_raw / old_tr, np.nan)
    return tr.copy()


def _edit(
    world: World,
    code: str,
    rows: np.ndarray,
    fn: Callable[[np.ndarray], np.ndarray],
    *,
    on_transformed: bool,
) -> World:
    """Apply `fn` to indicator `code` in `rows` on one scale and carry the change to the other."""
    prep = world.prepared
    j = _column(prep, code)
    tf = str(prep.framework.indicators["transform"].iloc[j])
    raw, tr = prep.raw.copy(), prep.transformed.copy()
    edited = tr if on_transformed else raw
    sel = rows & ~np.isnan(edited[:, j])
    new = fn(edited[sel, j])
    if on_transformed:
        raw[sel, j] = _inverse(new, raw[sel, j], tr[sel, j], tf)
        tr[sel, j] = new
    else:
        tr[sel, j] = _forward(new, raw[sel, j], tr[sel, j], tf)
        raw[sel, j] = new
    return replace(world, prepared=replace(prep, raw=raw, transformed=tr))


def edit_raw(
    world: World, code: str, rows: np.ndarray, fn: Callable[[np.ndarray], np.ndarray]
) -> World:
    """A world with `fn` applied to the raw values of indicator `code` in `rows` (gaps stay gaps)."""
    return _edit(world, code, rows, fn, on_transformed=False)


def edit_transformed(
    world: World, code: str, rows: np.ndarray, fn: Callable[[np.ndarray], np.ndarray]
) -> World:
    """As `edit_raw`, on the transformed values (the scale the scorer normalises)."""
    return _edit(world, code, rows, fn, on_transformed=True)


def _codes_of(prep: Prepared, pillar: str) -> list[str]:
    ind = prep.framework.indicators
    return list(ind.loc[ind["pillar"] == pillar, "code"])


def _note(world: World, text: str) -> World:
    return replace(world, notes=(*world.notes, text))


# --------------------------------------------------------------------------------------
# The kinds
# --------------------------------------------------------------------------------------
def diffusion_tiers(world: World, penalty: float | None) -> World:
    spec = world.spec.replace(scenario="diffusion_tiers")
    if penalty is not None:
        spec = spec.replace(tier2_penalty=float(penalty))
    tiers = world.diffusion_tiers
    if EXPORTER not in set(tiers["iso3"]):
        row = pd.DataFrame({"iso3": [EXPORTER], "tier": ["1"]}).reindex(columns=tiers.columns)
        tiers = pd.concat([tiers.astype(object), row.astype(object)], ignore_index=True)
    return _note(
        replace(world, spec=spec, diffusion_tiers=tiers),
        f"AI Diffusion tiers in force: tier 3 ineligible, tier 2 -{spec.tier2_penalty:g} points",
    )


def _d5_codes(world: World, iso3: str) -> list[str]:
    codes = [p.strip().upper() for p in str(iso3).split("+") if p.strip()]
    if not codes:
        raise ScenarioError("d5-in / d5-out need iso3=, e.g. iso3=VNM or iso3=VNM+IDN")
    unknown = [c for c in codes if c not in set(world.prepared.iso3)]
    if unknown:
        raise ScenarioError("unknown country codes", rows=[{"iso3": u} for u in unknown])
    return codes


def d5_in(world: World, iso3: str) -> World:
    codes = _d5_codes(world, iso3)
    ec = world.export_controls
    added = pd.DataFrame(
        {
            "iso3": codes,
            "group_code": "D:5",
            "effective_from": None,
            "effective_to": None,
            "status": "listed",
            "source": "scenario",
            "notes": "scenario: moved into D:5",
        }
    )
    cols = list(ec.columns) if len(ec.columns) else list(added.columns)
    added = added.reindex(columns=cols)
    table = pd.concat([ec.astype(object), added.astype(object)], ignore_index=True)
    return _note(replace(world, export_controls=table), f"moved into D:5: {', '.join(codes)}")


def d5_out(world: World, iso3: str) -> World:
    codes = _d5_codes(world, iso3)
    ec = world.export_controls
    keep = ~(ec["iso3"].isin(codes) & (ec["group_code"] == "D:5"))
    return _note(
        replace(world, export_controls=ec[keep].reset_index(drop=True)),
        f"taken out of D:5: {', '.join(codes)} (countries of concern stay ineligible)",
    )


def _shift_within(values: np.ndarray, step: float, lo: float, hi: float) -> np.ndarray:
    return np.clip(values + step, lo, hi)


def alignment_shock(world: World, target: str, shift: float) -> World:
    rows = target_mask(world, target)
    prep = world.prepared
    direction = dict(
        zip(prep.framework.indicators["code"], prep.framework.indicators["direction"], strict=True)
    )
    for code in _codes_of(prep, "alignment"):
        col = prep.transformed[:, _column(prep, code)]
        if np.isnan(col).all():
            continue
        lo, hi, sd = np.nanmin(col), np.nanmax(col), np.nanstd(col)
        step = float(shift) * float(direction[code]) * sd
        world = edit_transformed(world, code, rows, partial(_shift_within, step=step, lo=lo, hi=hi))
    return _note(world, f"alignment of {target} shifted by {float(shift):+g} SD")


def demand_growth(world: World, target: str, factor: float) -> World:
    if not float(factor) > 0:
        raise ScenarioError("demand-growth factor must be positive (1.2 = +20%)")
    rows = target_mask(world, target)
    ind = world.prepared.framework.indicators
    levels = ind[(ind["pillar"] == "compute_demand") & ind["unit"].isin(DEMAND_LEVEL_UNITS)]
    for code in levels["code"]:
        world = edit_raw(world, str(code), rows, lambda v: v * float(factor))
    return _note(world, f"compute demand of {target} x{float(factor):g}")


def financing_tightens(world: World, notches: float, weight: float, target: str) -> World:
    if float(notches) < 0 or float(weight) < 0:
        raise ScenarioError("financing-tightens needs notches >= 0 and weight >= 0")
    rows = target_mask(world, target)
    world = edit_raw(
        world, RATING_CODE, rows, lambda v: np.maximum(v - float(notches), RATING_FLOOR)
    )
    pw = dict(world.spec.pillar_weights)
    spec = world.spec.with_pillar_weights({"financial": pw["financial"] * float(weight)})
    return _note(
        replace(world, spec=spec),
        f"ratings of {target} cut {float(notches):g} notches; financial weight x{float(weight):g}",
    )

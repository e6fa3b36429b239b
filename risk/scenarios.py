"""Scenarios: named, composable what-ifs applied to the scorer's inputs and spec.

A scenario is data: a kind and its parameters (`financing-tightens:notches=2,weight=1.5`). Several
are written joined by `|` and applied in order, each a pure function from a `World` (the prepared
indicator matrix, the spec, the export-control and AI Diffusion tables, the countries table) to a
new `World`; the scorer then runs unchanged on the result. So scenarios compose, serialise into a
link, and every number they produce can be explained like any other score.

Kinds (see `KINDS`):
- diffusion-tiers: the January 2025 AI Diffusion tiers reinstated (tier 3 ineligible, tier 2 loses
  `penalty` points).
- d5-in / d5-out: countries moved into EAR Country Group D:5 (ineligible) or taken out of it.
- alignment-shock: a target's alignment indicators shifted by `shift` standard deviations
  (positive = towards the US, negative = towards China), within the range observed today.
- demand-growth: a target's compute-demand level indicators (US$, TWh, GW, counts, per-capita
  counts) multiplied by `factor`; shares and indices are left alone.
- financing-tightens: sovereign ratings cut by `notches` (floored at the bottom of the scale) for
  a target (default all) and the financial pillar weight multiplied by `weight`.

Targets are ISO3 codes joined by `+`, a region or subregion name, a bloc (`nato`, `brics`, ...,
the `bloc_*` columns of the countries table) or `all`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from risk.allocation import Allocation, Limits
from risk.errors import RiskError
from risk.gates import apply_gates
from risk.robustness import draw_scores, spec_draw_plan
from risk.robustness import monte_carlo as run_monte_carlo
from risk.scoring import (
    Prepared,
    ScoreResult,
    ScoringEngine,
    result_table,
    score_prepared,
)
from risk.spec import ScoreSpec

SEPARATOR = "|"
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
CURRENT = "current"
TIER2_PENALTY = ScoreSpec().tier2_penalty  # the spec default
COMBINED = "combined"


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
    prep = eng.prepared(date.fromisoformat(spec.as_of).year)
    return World(
        prep,
        spec,
        eng.inputs.export_controls,
        eng.inputs.diffusion_tiers,
        eng.inputs.countries,
    )


def score_world(world: World, *, monte_carlo: bool = True) -> ScoreResult:
    """Gate and score a world exactly as the engine does (and the Monte Carlo rank intervals)."""
    spec, prep = world.spec, world.prepared
    gates = apply_gates(
        prep.iso3,
        world.export_controls,
        date.fromisoformat(spec.as_of),
        include_conflicts=spec.include_conflicts,
        diffusion_tiers=world.diffusion_tiers,
        scenario=spec.scenario,
    )
    result = score_prepared(prep, spec, gates)
    if monte_carlo and spec.mc_draws > 0:
        mc = run_monte_carlo(result, spec.mc_draws)
        t = result.table
        t["rank_p05"], t["rank_median"], t["rank_p95"] = mc.p05, mc.median, mc.p95
        result.steps["monte_carlo"] = mc
    return result


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


@dataclass(frozen=True)
class Param:
    """One scenario parameter: name, type and default (None = required)."""

    name: str
    kind: type
    default: Any = None
    required: bool = False


@dataclass(frozen=True)
class Kind:
    """A scenario kind: its name, its parameters and the world transformation."""

    name: str
    params: tuple[Param, ...]
    apply: Callable[..., World]


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("diffusion-tiers", (Param("penalty", float, TIER2_PENALTY),), diffusion_tiers),
        Kind("d5-in", (Param("iso3", str, required=True),), d5_in),
        Kind("d5-out", (Param("iso3", str, required=True),), d5_out),
        Kind(
            "alignment-shock",
            (Param("target", str, required=True), Param("shift", float, required=True)),
            alignment_shock,
        ),
        Kind(
            "demand-growth",
            (Param("target", str, required=True), Param("factor", float, required=True)),
            demand_growth,
        ),
        Kind(
            "financing-tightens",
            (
                Param("notches", float, 1.0),
                Param("weight", float, 1.5),
                Param("target", str, "all"),
            ),
            financing_tightens,
        ),
    )
}


# --------------------------------------------------------------------------------------
# Scenarios as values
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scenario:
    """One named what-if: a kind and its parameters (defaults filled in)."""

    kind: str
    params: tuple[tuple[str, Any], ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ScenarioError(f"unknown scenario {self.kind!r}; known: {', '.join(KINDS)}")
        spec = KINDS[self.kind]
        given = dict(self.params)
        names = {p.name for p in spec.params}
        unknown = sorted(set(given) - names)
        if unknown:
            raise ScenarioError(
                f"{self.kind}: unknown parameter {', '.join(unknown)}; "
                f"takes {', '.join(sorted(names)) or 'none'}"
            )
        clean: list[tuple[str, Any]] = []
        for p in spec.params:
            value = given.get(p.name, p.default)
            if value is None or value == "":
                if p.required:
                    raise ScenarioError(f"{self.kind}: {p.name}= is required")
                clean.append((p.name, None))
                continue
            try:
                value = p.kind(value)
            except (TypeError, ValueError) as exc:
                raise ScenarioError(f"{self.kind}: {p.name} must be a {p.kind.__name__}") from exc
            if isinstance(value, float) and not np.isfinite(value):
                raise ScenarioError(f"{self.kind}: {p.name} must be a finite number")
            clean.append((p.name, value))
        object.__setattr__(self, "params", tuple(clean))

    @classmethod
    def parse(cls, text: str) -> Scenario:
        """`kind` or `kind:name=value,name=value`."""
        kind, _, rest = str(text).strip().partition(":")
        params: dict[str, str] = {}
        for part in filter(None, (p.strip() for p in rest.split(","))):
            name, sep, value = part.partition("=")
            if not sep:
                raise ScenarioError(f"{kind}: parameters look like name=value (got {part!r})")
            params[name.strip()] = value.strip()
        return cls(kind.strip(), tuple(params.items()))

    def to_text(self) -> str:
        """The canonical text form (parameters that differ from their defaults only)."""
        defaults = {p.name: p.default for p in KINDS[self.kind].params}
        shown = [(k, v) for k, v in self.params if v is not None and v != defaults[k]]
        if not shown:
            return self.kind
        return self.kind + ":" + ",".join(f"{k}={_fmt(v)}" for k, v in shown)

    def apply(self, world: World) -> World:
        return KINDS[self.kind].apply(world, **dict(self.params))


def _fmt(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def parse_scenarios(text: str | Sequence[str] | None) -> tuple[Scenario, ...]:
    """Scenarios from `a|b:x=1` or a list of such strings (empty -> none)."""
    if not text:
        return ()
    parts = [text] if isinstance(text, str) else list(text)
    out: list[Scenario] = []
    for part in parts:
        out.extend(Scenario.parse(p) for p in str(part).split(SEPARATOR) if p.strip())
    return tuple(out)


def scenarios_text(scenarios: Sequence[Scenario]) -> str:
    return SEPARATOR.join(s.to_text() for s in scenarios)


def apply_scenarios(world: World, scenarios: Sequence[Scenario]) -> World:
    """Apply scenarios in order; each sees the world the previous ones left."""
    for sc in scenarios:
        world = sc.apply(world)
    return world


# --------------------------------------------------------------------------------------
# Rank changes
# --------------------------------------------------------------------------------------
@dataclass
class ScenarioRun:
    """Before and after: both results, the comparison table and what the scenarios did."""

    scenarios: tuple[Scenario, ...]
    before: ScoreResult
    after: ScoreResult
    table: pd.DataFrame
    notes: tuple[str, ...]


def compare(before: ScoreResult, after: ScoreResult) -> pd.DataFrame:
    """The after table (scoring columns, rank order) plus the before rank, score and eligibility.

    rank_change = rank_before - rank: positive means the country moved up the ranking.
    """
    table = result_table(after)
    old = before.table.set_index("iso3")
    table["rank_before"] = table["iso3"].map(old["rank"]).astype(float)
    table["rank_change"] = table["rank_before"] - table["rank"].astype(float)
    table["score_before"] = table["iso3"].map(old["score"]).astype(float)
    table["score_change"] = table["score"].astype(float) - table["score_before"]
    table["eligible_before"] = table["iso3"].map(old["eligible"]).astype(bool)
    return table


def run(
    eng: ScoringEngine,
    spec: ScoreSpec,
    scenarios: Sequence[Scenario],
    *,
    monte_carlo: bool = True,
) -> ScenarioRun:
    """Score the spec as the data has it and under the scenarios, and compare."""
    world = base_world(eng, spec)
    before = score_world(world, monte_carlo=monte_carlo)
    after_world = apply_scenarios(world, scenarios)
    after = score_world(after_world, monte_carlo=monte_carlo) if scenarios else before
    return ScenarioRun(tuple(scenarios), before, after, compare(before, after), after_world.notes)


def change_counts(table: pd.DataFrame) -> dict[str, int]:
    """How many countries a scenario made ineligible, moved up and moved down."""
    gated = table["eligible_before"].astype(bool) & ~table["eligible"].astype(bool)
    return {
        "newly_ineligible": int(gated.sum()),
        "up": int((table["rank_change"] > 0).sum()),
        "down": int((table["rank_change"] < 0).sum()),
    }


def movers(table: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The biggest movers: countries whose rank changed most, then those whose eligibility did."""
    t = table.assign(
        _abs=table["rank_change"].abs(),
        _gated=table["eligible"].astype(bool) != table["eligible_before"].astype(bool),
    )
    moved = t[(t["_abs"] > 0) | t["_gated"]]
    moved = moved.sort_values(["_gated", "_abs"], ascending=[True, False], na_position="last")
    ranked = moved[moved["_abs"].notna()].head(n)
    gated = moved[moved["_gated"]]
    return pd.concat([ranked, gated]).drop(columns=["_abs", "_gated"]).reset_index(drop=True)


# --------------------------------------------------------------------------------------
# Score draws for the allocation
# --------------------------------------------------------------------------------------
def score_draws(result: ScoreResult, n_draws: int) -> np.ndarray:
    """Scores (draws x countries) over the same seeded Monte Carlo plan as the rank intervals."""
    plan = spec_draw_plan(result.spec, n_draws, len(result.steps["core"].w_ind))
    out = np.full((n_draws, len(result.prepared.iso3)), np.nan)
    for sel, scores in draw_scores(result, plan):
        out[sel] = scores
    return out


@dataclass(frozen=True)
class AllocationInputs:
    """What `risk.allocation.allocate` needs, for a shortlist, across the scenario worlds."""

    iso3: tuple[str, ...]
    draws: np.ndarray  # (worlds x draws, countries); 0 where a world makes a country ineligible
    states: np.ndarray  # world label per draw
    eligible: np.ndarray  # ranked (eligible, enough coverage) in every world
    regions: tuple[str, ...]
    financial: np.ndarray  # lowest financial-pillar score across the worlds
    reasons: dict[str, tuple[str, str]]  # iso3 -> (gate reason, first world where it applies)

    def allocate(self, budget: float, limits: Limits) -> Allocation:
        """The mean-CVaR split of `budget` across this shortlist, in these worlds."""
        from risk.allocation import allocate

        return allocate(
            self.draws,
            budget,
            self.iso3,
            eligible=self.eligible,
            regions=self.regions,
            financial=self.financial,
            states=self.states,
            limits=limits,
        )

    def reason_text(self, iso3: str) -> str:
        """Why a country is not eligible, in plain English ("" if it is)."""
        if iso3 not in self.reasons:
            return ""
        why, label = self.reasons[iso3]
        return why if label == CURRENT else f"{why} ({label})"


def worlds(scenarios: Sequence[Scenario]) -> list[tuple[str, tuple[Scenario, ...]]]:
    """The states the allocation weighs equally: today, each scenario alone and, when there are
    several, all of them together."""
    out: list[tuple[str, tuple[Scenario, ...]]] = [(CURRENT, ())]
    out += [(s.to_text(), (s,)) for s in scenarios]
    if len(scenarios) > 1:
        out.append((COMBINED, tuple(scenarios)))
    return out


def allocation_inputs(
    eng: ScoringEngine,
    spec: ScoreSpec,
    scenarios: Sequence[Scenario],
    shortlist: Sequence[str],
    n_draws: int | None = None,
) -> AllocationInputs:
    """Score draws of the shortlist in every world (today, each scenario, all together)."""
    codes = [c.strip().upper() for c in shortlist if c.strip()]
    if not codes:
        raise ScenarioError("the shortlist is empty")
    base = base_world(eng, spec)
    known = {str(c): i for i, c in enumerate(base.prepared.iso3)}
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ScenarioError("not scored countries", rows=[{"iso3": c} for c in unknown])
    cols = np.array([known[c] for c in codes])
    d = int(n_draws if n_draws is not None else spec.mc_draws) or 1
    blocks, labels, fin = [], [], []
    eligible = np.ones(len(codes), dtype=bool)
    reasons: dict[str, tuple[str, str]] = {}
    for label, scs in worlds(scenarios):
        res = score_world(apply_scenarios(base, scs), monte_carlo=False)
        t = res.table
        ranked = t["rank"].notna().to_numpy()[cols]
        draws = score_draws(res, d)[:, cols]
        draws[:, ~ranked] = 0.0
        blocks.append(draws)
        labels += [label] * d
        fin.append(t["financial"].to_numpy(float)[cols])
        for k, c in enumerate(codes):
            if not ranked[k] and c not in reasons:
                why = str(t["reason"].iloc[cols[k]]) or "not ranked"
                reasons[c] = (why, label)
        eligible &= ranked
    regions = base.prepared.countries["region"].astype(str).to_numpy()[cols]
    return AllocationInputs(
        iso3=tuple(codes),
        draws=np.vstack(blocks),
        states=np.array(labels, dtype=object),
        eligible=eligible,
        regions=tuple(regions),
        financial=np.fmin.reduce(np.vstack(fin), axis=0),
        reasons=reasons,
    )


def top_eligible(table: pd.DataFrame, n: int) -> list[str]:
    """The ISO3 codes of the n best-ranked countries."""
    ranked = table[table["rank"].notna()].sort_values(["rank", "score"], ascending=[True, False])
    return [str(c) for c in ranked["iso3"].head(n)]


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
    from risk.i18n import t

    colors = [CHANGE_PALETTE[5], CHANGE_PALETTE[1], CHANGE_PALETTE[3], GATED_COLOR, UNRANKED_COLOR]
    keys = ("up", "down", "same", "gated", "unranked")
    return [(t(f"sc.legend.{k}", lang), c) for k, c in zip(keys, colors, strict=True)]


def map_properties(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Per country: fill colour and a plain-text tooltip line for the rank-change map."""
    from risk.gates import reason_label
    from risk.i18n import t

    span = (
        float(np.nanmax(np.abs(table["rank_change"])))
        if table["rank_change"].notna().any()
        else 1.0
    )
    name_col = "name_zh_tw" if lang != "en" else "name_en"
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
    from risk.i18n import t

    if text in (CURRENT, COMBINED):
        return t(f"sc.state.{text}", lang)
    sc = Scenario.parse(text)
    label = t(f"sc.kind.{sc.kind}", lang)

    def value(v: Any) -> str:
        if isinstance(v, str) and v == "all":
            return t("elig.all", lang)
        return f"{v:g}" if isinstance(v, float) else str(v)

    from risk.i18n import colon

    sep = ", " if lang == "en" else "，"
    shown = sep.join(f"{t(f'sc.param.{k}', lang)}{colon(lang)}{value(v)}" for k, v in sc.params)
    if not shown:
        return label
    return f"{label} — {shown}"


# --------------------------------------------------------------------------------------
# The page's state in the URL
# --------------------------------------------------------------------------------------
DEFAULT_TOP_N = 8
DEFAULT_BUDGET = 100.0
QUERY_KEYS: tuple[str, ...] = (
    "sc",
    "short",
    "top",
    "budget",
    "maxc",
    "maxr",
    "minfin",
    "ra",
    "tail",
)


@dataclass(frozen=True)
class ScenarioView:
    """What the scenarios page shows: scenarios, shortlist (empty = top N), budget and limits."""

    scenarios: tuple[Scenario, ...] = ()
    shortlist: tuple[str, ...] = ()
    top_n: int = DEFAULT_TOP_N
    budget: float = DEFAULT_BUDGET
    limits: Limits = field(default_factory=Limits)

    def to_query(self) -> dict[str, str]:
        """Query parameters for what differs from the defaults (shares in percent)."""
        d, lim = ScenarioView(), self.limits
        q: dict[str, str] = {}
        if self.scenarios:
            q["sc"] = scenarios_text(self.scenarios)
        if self.shortlist:
            q["short"] = ",".join(self.shortlist)
        if self.top_n != d.top_n:
            q["top"] = str(self.top_n)
        if self.budget != d.budget:
            q["budget"] = f"{self.budget:g}"
        for key, value, default in (
            ("maxc", lim.max_share * 100, d.limits.max_share * 100),
            ("maxr", lim.max_region_share * 100, d.limits.max_region_share * 100),
            ("minfin", lim.min_financial, d.limits.min_financial),
            ("ra", lim.risk_aversion, d.limits.risk_aversion),
            ("tail", lim.tail * 100, d.limits.tail * 100),
        ):
            if abs(value - default) > 1e-12:
                q[key] = f"{round(value, 6):g}"
        return q

    @classmethod
    def from_query(cls, params: dict[str, Any]) -> tuple[ScenarioView, list[str]]:
        """Rebuild from query parameters; what cannot be read falls back to the default, with a
        warning naming it."""
        warns: list[str] = []
        d = cls()

        def get(key: str) -> str:
            value = params.get(key)
            if isinstance(value, list):
                value = value[-1] if value else None
            return "" if value is None else str(value)

        def number(key: str, default: float, lo: float, hi: float) -> float:
            text = get(key)
            if not text:
                return default
            try:
                value = float(text)
            except ValueError:
                value = float("nan")
            if not lo <= value <= hi:
                warns.append(f"{key}: ignored {text}")
                return default
            return value

        try:
            scenarios = parse_scenarios(get("sc"))
        except ScenarioError as exc:
            warns.append(f"sc: {exc.message}")
            scenarios = ()
        short = tuple(
            dict.fromkeys(c.strip().upper()[:3] for c in get("short").split(",") if c.strip())
        )
        limits = Limits(
            max_share=number("maxc", d.limits.max_share * 100, 1, 100) / 100,
            max_region_share=number("maxr", d.limits.max_region_share * 100, 1, 100) / 100,
            min_financial=number("minfin", d.limits.min_financial, 0, 100),
            risk_aversion=number("ra", d.limits.risk_aversion, 0, 1),
            tail=number("tail", d.limits.tail * 100, 1, 100) / 100,
        )
        view = cls(
            scenarios=scenarios,
            shortlist=short,
            top_n=int(number("top", d.top_n, 1, 50)),
            budget=number("budget", d.budget, 1e-9, 1e15),
            limits=limits,
        )
        return view, warns


# --------------------------------------------------------------------------------------
# The page's widgets <-> ScenarioView (plain values; the page binds them to session keys)
# --------------------------------------------------------------------------------------
def param_key(kind: str, name: str) -> str:
    return f"sc_{kind}_{name}"


def widget_state(view: ScenarioView) -> dict[str, Any]:
    """Widget values (by session key) that show `view`; iso3 lists split, shares in percent."""
    out: dict[str, Any] = {"sc_kinds": list(dict.fromkeys(s.kind for s in view.scenarios))}
    for sc in view.scenarios:
        for name, value in sc.params:
            if value is not None:
                out[param_key(sc.kind, name)] = value.split("+") if name == "iso3" else value
    lim = view.limits
    out.update(
        al_short=list(view.shortlist),
        al_top=view.top_n,
        al_budget=view.budget,
        al_maxc=round(lim.max_share * 100),
        al_maxr=round(lim.max_region_share * 100),
        al_minfin=float(lim.min_financial),
        al_ra=float(lim.risk_aversion),
        al_tail=round(lim.tail * 100),
    )
    return out


def view_from_widgets(values: Any) -> ScenarioView:
    """The view the widgets describe; a scenario still missing a required country or target is
    left out until it has one."""
    chosen: list[Scenario] = []
    for kind in values.get("sc_kinds", []):
        params: dict[str, Any] = {}
        for p in KINDS[kind].params:
            value = values.get(param_key(kind, p.name))
            params[p.name] = "+".join(value) if isinstance(value, list) else value
        if all(params.get(p.name) not in (None, "") for p in KINDS[kind].params if p.required):
            chosen.append(Scenario(kind, tuple(params.items())))
    return ScenarioView(
        scenarios=tuple(chosen),
        shortlist=tuple(values.get("al_short", [])),
        top_n=int(values.get("al_top", DEFAULT_TOP_N)),
        budget=float(values.get("al_budget", DEFAULT_BUDGET)),
        limits=Limits(
            max_share=values.get("al_maxc", 40) / 100,
            max_region_share=values.get("al_maxr", 100) / 100,
            min_financial=float(values.get("al_minfin", 0.0)),
            risk_aversion=float(values.get("al_ra", 0.5)),
            tail=values.get("al_tail", 5) / 100,
        ),
    )


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
    from risk.gates import reason_label
    from risk.i18n import t

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

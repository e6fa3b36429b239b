"""Dynamic allocation: split a budget across a shortlist of countries under risk limits.

The input is a matrix of scores, one row per draw (a robustness draw of the weights and methods,
under one scenario) and one column per country. A split of the budget into shares x gives, in each
draw d, a portfolio score r_d = sum_i x_i s_{d,i}: the budget-weighted attractiveness of where the
money went. The allocation maximises

    (1 - lambda) * E[r]  +  lambda * CVaR_beta(r)

where CVaR_beta(r) is the mean of r over the worst beta share of the draws (the lower tail), subject
to: shares sum to one, each country at most `max_share`, each region at most `max_region_share`,
and zero for countries that are ineligible or below the minimum financial-feasibility score. When
the user asks for at least `min_markets` markets, each funded market gets at least `min_stake`; a
binary variable per country says whether it is funded, and the programme becomes a mixed-integer
one (still solved exactly by HiGHS).

Why mean-CVaR: the draws are not normally distributed (scenarios move whole groups of countries at
once, and gates set scores to zero), so variance is a poor measure of risk; the tail mean looks
directly at the bad outcomes and, written the Rockafellar-Uryasev way, the whole problem is one
linear programme (solved exactly by HiGHS) rather than a heuristic:

    maximise  (1 - lambda) sum_d p_d r_d + lambda (zeta - 1/beta sum_d p_d u_d)
    subject to u_d >= zeta - r_d,  u_d >= 0,  sum_i x_i = 1,  caps on x.

The optimum weakly improves every draw when money moves from a country to one that scores at least
as well in every draw, so after solving, any such pair is put in order (a swap, when the caps
allow it) and a dominated country never receives more than the one dominating it.

A linear programme's optimum sits on a corner of its limits: money goes to the best markets until
a cap stops it (40/40/20 under a 40% cap), and only the tail term spreads it further. `explain`
says which limit holds each share where it is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csr_matrix, hstack, identity, vstack

from risk.errors import RiskError

REASON_INELIGIBLE = "ineligible"
REASON_LOW_FINANCIAL = "below minimum financial score"
SHARE_TOL = 1e-9  # shares below this are rounded to zero


@dataclass
class AllocationError(RiskError):
    """No allocation satisfies the limits; the message names the constraint that binds. `limit`
    (when set) names it for a message in the user's language, with its figures in `values`."""

    limit: str = ""
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Limits:
    """Risk limits and preferences of one allocation (shares are fractions of the budget)."""

    max_share: float = 0.4
    max_region_share: float = 1.0
    min_financial: float = 0.0
    tail: float = 0.05  # beta: the share of worst draws whose mean is the CVaR
    risk_aversion: float = 0.5  # lambda: 0 = expected score only, 1 = tail only
    min_tail_score: float | None = None  # optional floor on the CVaR
    min_markets: int = 1  # at least this many markets funded, each with at least `min_stake`
    min_stake: float = 0.05  # the least share of the budget a funded market counts with

    def validate(self) -> None:
        """Raise AllocationError if a limit is out of range."""
        if not (isinstance(self.min_markets, (int, np.integer)) and self.min_markets >= 1):
            raise AllocationError(
                "the minimum number of markets must be a whole number, at least 1"
            )
        if not 0 < self.min_stake <= 1:
            raise AllocationError("the minimum stake per market must be in (0, 1]")
        if self.min_markets > 1 and self.min_stake > self.max_share:
            raise AllocationError(
                f"the minimum stake per market ({self.min_stake:.0%}) is above the max share per "
                f"country ({self.max_share:.0%})",
                limit="min_stake_above_cap",
                values={"stake": self.min_stake, "cap": self.max_share},
            )
        if self.min_markets * self.min_stake > 1 + 1e-12:
            raise AllocationError(
                f"the minimum number of markets binds: {self.min_markets} markets x "
                f"{self.min_stake:.0%} = {self.min_markets * self.min_stake:.0%} of the budget; "
                f"lower the minimum stake to at most {1 / self.min_markets:.1%} or ask for fewer "
                "markets",
                limit="min_markets_total",
                values={"n": int(self.min_markets), "stake": self.min_stake},
            )
        if not 0 < self.max_share <= 1:
            raise AllocationError("max share per country must be in (0, 1]")
        if not 0 < self.max_region_share <= 1:
            raise AllocationError("max share per region must be in (0, 1]")
        if not 0 < self.tail <= 1:
            raise AllocationError("tail share must be in (0, 1]")
        if not 0 <= self.risk_aversion <= 1:
            raise AllocationError("risk aversion must be in [0, 1]")
        if not np.isfinite(self.min_financial):
            raise AllocationError("minimum financial score must be a number")


@dataclass(frozen=True)
class Allocation:
    """An allocation and how it performs across the draws and states it was chosen on."""

    iso3: tuple[str, ...]
    budget: float
    amounts: np.ndarray
    shares: np.ndarray
    expected_score: float  # mean portfolio score over all draws (states weighted equally)
    tail_score: float  # CVaR: mean portfolio score over the worst `tail` share of draws
    worst_case: float  # lowest expected portfolio score among the states (scenarios)
    worst_state: str
    by_state: dict[str, float]
    excluded: dict[str, str]  # iso3 -> why it gets nothing regardless of the optimisation
    binding: list[str] = field(default_factory=list)  # limits at their bound
    limits: Limits = field(default_factory=Limits)
    regions: tuple[str, ...] = ()  # one label per country, as the regional cap counts them

    def frame(self) -> pd.DataFrame:
        """One row per country: amount, share and, for excluded countries, the reason."""
        return pd.DataFrame(
            {
                "iso3": list(self.iso3),
                "amount": self.amounts,
                "share": self.shares,
                "excluded": [self.excluded.get(c, "") for c in self.iso3],
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary: allocation (ISO3 -> amount), expected score, worst case."""
        return {
            "budget": self.budget,
            # Rounded so that solver noise (19.999999999999996) does not reach reports.
            "allocation": {
                c: round(float(a), 6) for c, a in zip(self.iso3, self.amounts, strict=True)
            },
            "shares": {c: round(float(s), 8) for c, s in zip(self.iso3, self.shares, strict=True)},
            "expected_score": self.expected_score,
            "worst_case": self.worst_case,
            "worst_state": self.worst_state,
            "tail_score": self.tail_score,
            "by_state": dict(self.by_state),
            "excluded": dict(self.excluded),
            "binding": list(self.binding),
            "explanation": explain(self).to_dict(),
            "limits": {
                "max_share": self.limits.max_share,
                "max_region_share": self.limits.max_region_share,
                "min_financial": self.limits.min_financial,
                "tail": self.limits.tail,
                "risk_aversion": self.limits.risk_aversion,
                "min_tail_score": self.limits.min_tail_score,
                "min_markets": int(self.limits.min_markets),
                "min_stake": self.limits.min_stake,
            },
        }


def tail_mean(values: np.ndarray, weights: np.ndarray, tail: float) -> float:
    """Weighted mean of the lowest `tail` share of `values` (the lower-tail CVaR)."""
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order] / weights.sum()
    before = np.concatenate([[0.0], np.cumsum(w)[:-1]])
    take = np.clip(tail - before, 0.0, w)  # the part of each draw's weight inside the tail
    return float((take * v).sum() / take.sum())


def draw_weights(states: np.ndarray | None, d: int) -> np.ndarray:
    """Probability of each draw: uniform, or each state equally likely and uniform within it."""
    if states is None:
        return np.full(d, 1.0 / d)
    labels, inverse, counts = np.unique(states, return_inverse=True, return_counts=True)
    return 1.0 / (len(labels) * counts[inverse])


def _feasibility(
    ok: np.ndarray, regions: np.ndarray, limits: Limits, iso3: Sequence[str], reasons: dict
) -> None:
    """Raise AllocationError naming the binding limit if the caps cannot place the whole budget."""
    k = int(ok.sum())
    if k == 0:
        raise AllocationError(
            "no country can receive money: every country in the shortlist is ineligible or "
            "below the minimum financial score",
            rows=[{"iso3": c, "reason": r} for c, r in reasons.items()],
            limit="no_country",
        )
    if limits.min_markets > k:
        raise AllocationError(
            f"the minimum number of markets binds: {limits.min_markets} markets are required but "
            f"only {k} in the shortlist can receive money; ask for fewer or add countries",
            rows=[{"iso3": c} for c, flag in zip(iso3, ok, strict=True) if flag],
            limit="min_markets_available",
            values={"n": int(limits.min_markets), "k": k},
        )
    if k * limits.max_share < 1 - 1e-12:
        raise AllocationError(
            f"the max share per country binds: {k} allocatable countries x "
            f"{limits.max_share:.0%} = {k * limits.max_share:.0%} of the budget; raise it to at "
            f"least {1 / k:.1%} or add countries",
            rows=[{"iso3": c} for c, flag in zip(iso3, ok, strict=True) if flag],
            limit="max_share",
            values={
                "k": k,
                "cap": float(limits.max_share),
                "total": float(k * limits.max_share),
                "need": float(1 / k),
            },
        )
    room = 0.0
    rows = []
    for r in np.unique(regions[ok]):
        n_r = int((ok & (regions == r)).sum())
        cap = min(limits.max_region_share, n_r * limits.max_share)
        room += cap
        rows.append({"region": str(r), "countries": n_r, "max_share": round(cap, 6)})
    if room < 1 - 1e-12:
        raise AllocationError(
            f"the max share per region binds: the allocatable regions can take at most "
            f"{room:.0%} of the budget (at most {limits.max_region_share:.0%} per region); raise "
            f"the regional cap or add countries from other regions",
            rows=rows,
            limit="max_region",
            values={"room": float(room), "cap": float(limits.max_region_share)},
        )


def _solve(
    scores: np.ndarray,
    p: np.ndarray,
    caps: np.ndarray,
    region_rows: list[np.ndarray],
    region_cap: float,
    lam: float,
    tail: float,
    floor: float | None,
    markets: tuple[int, float] | None = None,
) -> tuple[np.ndarray | None, str]:
    """The mean-CVaR linear programme over shares x (n), zeta (1), u (d); with `markets` (at
    least m markets funded, each with at least `stake`), a mixed-integer programme with one binary
    z (n) per country: x <= cap z, x >= stake z, sum z >= m."""
    d, n = scores.shape
    mean_s = p @ scores
    c = np.concatenate([-(1 - lam) * mean_s, [-lam], lam * p / tail])
    # u_d >= zeta - r_d  <=>  -S x + zeta - u_d <= 0
    a_tail = hstack(
        [csr_matrix(-scores), csr_matrix(np.ones((d, 1))), -identity(d, format="csr")], format="csr"
    )
    rows_ub = [a_tail]
    b_ub = [np.zeros(d)]
    for members in region_rows:
        row = np.zeros((1, n + 1 + d))
        row[0, members] = 1.0
        rows_ub.append(csr_matrix(row))
        b_ub.append(np.array([region_cap]))
    if floor is not None:
        row = np.concatenate([np.zeros(n), [-1.0], p / tail])[None, :]
        rows_ub.append(csr_matrix(row))
        b_ub.append(np.array([-floor]))
    a_eq = np.concatenate([np.ones(n), np.zeros(1 + d)])[None, :]
    if markets is not None:
        return _solve_markets(
            c, vstack(rows_ub, format="csr"), np.concatenate(b_ub), caps, d, markets
        )
    bounds = [(0.0, float(cap)) for cap in caps] + [(None, None)] + [(0.0, None)] * d
    res = linprog(
        c,
        A_ub=vstack(rows_ub, format="csr"),
        b_ub=np.concatenate(b_ub),
        A_eq=a_eq,
        b_eq=np.array([1.0]),
        bounds=bounds,
        method="highs",
    )
    if res.status != 0:
        return None, str(res.message)
    return np.asarray(res.x[:n], dtype=float), ""


def _solve_markets(
    c: np.ndarray,
    a_ub: csr_matrix,
    b_ub: np.ndarray,
    caps: np.ndarray,
    d: int,
    markets: tuple[int, float],
) -> tuple[np.ndarray | None, str]:
    """`_solve`'s programme with a minimum number of funded markets (binaries after u)."""
    n = caps.size
    m, stake = markets
    eye = identity(n, format="csr")
    gap = csr_matrix((n, 1 + d))
    rows = vstack(
        [
            hstack([a_ub, csr_matrix((a_ub.shape[0], n))]),
            hstack([eye, gap, -csr_matrix(np.diag(caps))]),  # x_i <= cap_i z_i
            hstack([-eye, gap, stake * eye]),  # x_i >= stake z_i
            csr_matrix(np.concatenate([np.zeros(n + 1 + d), -np.ones(n)])[None, :]),  # sum z >= m
        ],
        format="csr",
    )
    upper = np.concatenate([b_ub, np.zeros(2 * n), [-float(m)]])
    total = np.concatenate([np.ones(n), np.zeros(1 + d + n)])[None, :]
    res = milp(
        np.concatenate([c, np.zeros(n)]),
        constraints=[LinearConstraint(rows, -np.inf, upper), LinearConstraint(total, 1.0, 1.0)],
        integrality=np.concatenate([np.zeros(n + 1 + d), np.ones(n)]),
        bounds=Bounds(
            np.concatenate([np.zeros(n), [-np.inf], np.zeros(d), np.zeros(n)]),
            np.concatenate([caps, [np.inf], np.full(d, np.inf), (caps > 0).astype(float)]),
        ),
    )
    if res.status != 0 or res.x is None:
        return None, str(res.message)
    return np.asarray(res.x[:n], dtype=float), ""


def _clean(x: np.ndarray, caps: np.ndarray) -> np.ndarray:
    """Round solver noise: clip to [0, cap], drop dust, spread the residue where there is room."""
    x = np.clip(x, 0.0, caps)
    x[x < SHARE_TOL] = 0.0
    for i in np.argsort(-x, kind="stable"):
        residue = 1.0 - x.sum()
        if abs(residue) < 1e-15:
            break
        x[i] = min(max(x[i] + residue, 0.0), caps[i])
    return x


def order_dominated(
    x: np.ndarray,
    scores: np.ndarray,
    regions: np.ndarray,
    region_cap: float,
    ok: np.ndarray,
    stake: float = 0.0,
) -> np.ndarray:
    """Reorder shares so that a country scoring no higher than another in every draw never gets
    more than it.

    If j scores at least as high as i in every draw and x_i > x_j, swapping their shares moves money
    to a country at least as good everywhere, so no draw gets worse and the optimum is kept; two
    countries with identical draws get the mean of their shares. Both have the same country cap;
    a change is made only if the regional cap still holds afterwards, and an even split only if
    it leaves no funded country below `stake` (the minimum stake of a required market).
    """
    x = x.copy()
    idx = np.flatnonzero(ok)
    sub = scores[:, idx]
    geq = np.zeros((idx.size, idx.size), dtype=bool)  # geq[a, b]: a >= b in every draw
    for b in range(idx.size):
        geq[:, b] = (sub >= sub[:, [b]]).all(axis=0)
    for _ in range(len(idx) ** 2 + 1):
        changed = False
        for a, b in zip(*np.nonzero(geq), strict=True):
            i, j = idx[b], idx[a]  # j dominates i
            if i == j or x[i] <= x[j] + SHARE_TOL:
                continue
            if geq[b, a]:  # identical in every draw: share equally
                new_i = new_j = (x[i] + x[j]) / 2
                if 0 < new_i < stake - 1e-12:
                    continue
            else:
                new_i, new_j = x[j], x[i]
            if regions[i] != regions[j]:
                gain = new_j - x[j]
                if x[regions == regions[j]].sum() + gain > region_cap + 1e-12:
                    continue
            x[i], x[j] = new_i, new_j
            changed = True
        if not changed:
            break
    return x


def allocate(
    draws: np.ndarray,
    budget: float,
    iso3: Sequence[str],
    *,
    eligible: np.ndarray | None = None,
    regions: Sequence[str] | None = None,
    financial: np.ndarray | None = None,
    states: np.ndarray | Sequence[str] | None = None,
    limits: Limits | None = None,
) -> Allocation:
    """Split `budget` across the countries (columns of `draws`) by mean-CVaR under `limits`.

    draws: (draws, countries) scores, higher is better; NaN counts as 0 (no value in that draw).
    eligible: countries that may receive money (default all). regions: one label per country for
    the regional cap. financial: the financial-feasibility score compared with the minimum.
    states: a label per draw (the scenario it was drawn under); each state is equally likely and
    the worst state's expected portfolio score is the `worst_case`.
    Raises AllocationError naming the binding limit when no split satisfies every limit.
    """
    lim = limits or Limits()
    lim.validate()
    s = np.nan_to_num(np.asarray(draws, dtype=float), nan=0.0)
    if s.ndim != 2 or s.shape[0] == 0:
        raise AllocationError("the score draws must be a non-empty (draws x countries) matrix")
    d, n = s.shape
    codes = tuple(str(c) for c in iso3)
    if len(codes) != n:
        raise AllocationError(f"{len(codes)} country codes for {n} columns of draws")
    if not (np.isfinite(budget) and budget > 0):
        raise AllocationError(f"the budget must be a positive number, not {budget!r}")
    elig = np.ones(n, dtype=bool) if eligible is None else np.asarray(eligible, dtype=bool)
    reg = np.array(["all"] * n if regions is None else [str(r) for r in regions], dtype=object)
    fin = np.full(n, np.inf) if financial is None else np.asarray(financial, dtype=float)
    reasons: dict[str, str] = {}
    for c, e, f in zip(codes, elig, fin, strict=True):
        if not e:
            reasons[c] = REASON_INELIGIBLE
        elif not f >= lim.min_financial:  # NaN (no financial score) fails too
            reasons[c] = REASON_LOW_FINANCIAL
    ok = np.array([c not in reasons for c in codes], dtype=bool)
    _feasibility(ok, reg, lim, codes, reasons)
    lab = None if states is None else np.asarray(states, dtype=object)
    if lab is not None and lab.shape != (d,):
        raise AllocationError(f"{lab.shape[0]} state labels for {d} draws")
    p = draw_weights(lab, d)
    caps = np.where(ok, lim.max_share, 0.0)
    region_rows = []
    if lim.max_region_share < 1:
        region_rows = [np.flatnonzero(ok & (reg == r)) for r in np.unique(reg[ok])]
    markets = (int(lim.min_markets), lim.min_stake) if lim.min_markets > 1 else None
    x, message = _solve(
        s, p, caps, region_rows, lim.max_region_share, lim.risk_aversion, lim.tail, None, markets
    )
    if x is None and markets is not None:
        raise AllocationError(
            f"the minimum number of markets binds: {lim.min_markets} markets with at least "
            f"{lim.min_stake:.0%} each do not fit under the per-country and regional caps; ask for "
            "fewer markets, lower the minimum stake or raise the regional cap",
            limit="min_markets_caps",
            values={"n": int(lim.min_markets), "stake": lim.min_stake},
        )
    if x is not None and lim.min_tail_score is not None:
        best, _ = _solve(
            s, p, caps, region_rows, lim.max_region_share, 1.0, lim.tail, None, markets
        )
        best_tail = tail_mean(s @ best, p, lim.tail) if best is not None else float("nan")
        x, message = _solve(
            s,
            p,
            caps,
            region_rows,
            lim.max_region_share,
            lim.risk_aversion,
            lim.tail,
            lim.min_tail_score,
            markets,
        )
        if x is None:
            raise AllocationError(
                f"the minimum tail score binds: at most {best_tail:.2f} is reachable in the worst "
                f"{lim.tail:.0%} of draws under these caps, below the {lim.min_tail_score:.2f} asked",
                limit="min_tail",
                values={
                    "best": f"{best_tail:.2f}",
                    "tail": float(lim.tail),
                    "asked": f"{lim.min_tail_score:.2f}",
                },
            )
    if x is None:
        raise AllocationError(f"the allocation could not be solved: {message}")
    x = _clean(x, caps)
    x = order_dominated(x, s, reg, lim.max_region_share, ok, lim.min_stake if markets else 0.0)
    r = s @ x
    by_state: dict[str, float] = {}
    if lab is None:
        by_state["all"] = float(r.mean())
    else:
        for label in dict.fromkeys(lab.tolist()):
            by_state[str(label)] = float(r[lab == label].mean())
    worst_state = min(by_state, key=by_state.__getitem__)
    binding = [f"max_share:{codes[i]}" for i in np.flatnonzero(ok & (x >= caps - 1e-7))]
    if region_rows:
        for members in region_rows:
            if x[members].sum() >= lim.max_region_share - 1e-7:
                binding.append(f"max_region_share:{reg[members[0]]}")
    if markets:
        at_stake = ok & (np.abs(x - lim.min_stake) <= 1e-7) & (x < caps - 1e-7)
        binding += [f"min_markets:{codes[i]}" for i in np.flatnonzero(at_stake)]
    return Allocation(
        iso3=codes,
        budget=float(budget),
        amounts=x * float(budget),
        shares=x,
        expected_score=float(p @ r),
        tail_score=tail_mean(r, p, lim.tail),
        worst_case=by_state[worst_state],
        worst_state=worst_state,
        by_state=by_state,
        excluded=reasons,
        binding=binding,
        limits=lim,
        regions=tuple(str(r) for r in reg),
    )


@dataclass(frozen=True)
class Explanation:
    """Which limit holds each share of an allocation where it is (ISO3 codes, region labels).

    A linear programme puts money in the best markets until a limit stops it, so most shares sit
    on a limit: the per-country cap, the regional cap (`regions_at_cap` and the countries it
    holds), or the minimum stake of a required market. What is left goes to `rest`: one market
    (a corner solution), or several when spreading between them raises the worst-tail score.
    """

    at_country_cap: tuple[str, ...]
    regions_at_cap: tuple[str, ...]
    held_by_region: tuple[str, ...]  # funded below their own cap because their region is full
    at_min_stake: tuple[str, ...]  # funded at the minimum stake to reach the minimum markets
    rest: tuple[str, ...]  # funded between their limits: they take what the limits leave
    unfunded: tuple[str, ...]  # could receive money and get none
    excluded: tuple[str, ...]  # ineligible or below the minimum financial score

    @property
    def corner(self) -> bool:
        """Every funded share but at most one sits on a limit."""
        return len(self.rest) <= 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "corner": self.corner,
            "at_country_cap": list(self.at_country_cap),
            "regions_at_cap": list(self.regions_at_cap),
            "held_by_region": list(self.held_by_region),
            "at_min_stake": list(self.at_min_stake),
            "rest": list(self.rest),
            "unfunded": list(self.unfunded),
            "excluded": list(self.excluded),
        }


def explain(a: Allocation, tol: float = 1e-7) -> Explanation:
    """Sort an allocation's countries by the limit that holds their share."""
    lim, x = a.limits, a.shares
    regions = np.array(a.regions or ["all"] * len(a.iso3), dtype=object)
    ok = np.array([c not in a.excluded for c in a.iso3], dtype=bool)
    funded = ok & (x > tol)
    capped = funded & (x >= lim.max_share - tol)
    full = [
        str(r)
        for r in dict.fromkeys(regions[funded].tolist())
        if lim.max_region_share < 1 and x[regions == r].sum() >= lim.max_region_share - tol
    ]
    staked = funded & ~capped & (np.abs(x - lim.min_stake) <= tol)
    if lim.min_markets <= 1:
        staked[:] = False  # no minimum asked: a share equal to the stake is a coincidence
    in_full = funded & ~capped & ~staked & np.isin(regions, full)
    rest = funded & ~capped & ~in_full & ~staked

    def pick(mask: np.ndarray) -> tuple[str, ...]:
        return tuple(c for c, m in zip(a.iso3, mask, strict=True) if m)

    return Explanation(
        at_country_cap=pick(capped),
        regions_at_cap=tuple(full),
        held_by_region=pick(in_full),
        at_min_stake=pick(staked),
        rest=pick(rest),
        unfunded=pick(ok & ~funded),
        excluded=pick(~ok),
    )


def dominated_pairs(draws: np.ndarray) -> list[tuple[int, int]]:
    """(i, j) pairs where column j scores at least as high as column i in every draw, i != j."""
    s = np.nan_to_num(np.asarray(draws, dtype=float), nan=0.0)
    n = s.shape[1]
    out = []
    for i in range(n):
        for j in np.flatnonzero((s >= s[:, [i]]).all(axis=0)):
            if j != i:
                out.append((i, int(j)))
    return out

"""The Scenarios page's view: its URL keys and the widget values they map to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from risk.scenarios.allocation import Limits
from risk.scenarios.kinds import KINDS, Scenario, parse_scenarios, scenarios_text
from risk.scenarios.worlds import ScenarioError

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
    "minm",
    "stake",
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
            ("minm", lim.min_markets, d.limits.min_markets),
            ("stake", lim.min_stake * 100, d.limits.min_stake * 100),
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
            min_markets=int(number("minm", d.limits.min_markets, 1, 50)),
            min_stake=number("stake", d.limits.min_stake * 100, 1, 100) / 100,
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
        al_minm=int(lim.min_markets),
        al_stake=round(lim.min_stake * 100),
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
            min_markets=int(values.get("al_minm", 1)),
            min_stake=values.get("al_stake", 5) / 100,
        ),
    )

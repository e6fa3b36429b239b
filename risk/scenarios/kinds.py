"""Scenario kinds and their parameters, as data; a scenario is written `kind:param=value,...`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from risk.scenarios.worlds import (
    TIER2_PENALTY,
    ScenarioError,
    World,
    alignment_shock,
    d5_in,
    d5_out,
    demand_growth,
    diffusion_tiers,
    financing_tightens,
)

SEPARATOR = "|"


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

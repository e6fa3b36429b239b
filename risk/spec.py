"""The score specification: everything that decides a score, as one frozen, serialisable value.

A spec names the weights, the method of each pipeline step, the as-of date, the data version and
the random seed. The same spec on the same data gives the same output, bit for bit, so a spec is
what a shared link carries and what a log records.
"""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date
from typing import Any

from risk.errors import SpecError
from risk.framework import PILLAR_ALIASES, PILLARS, Framework, load_framework

NORMALISATIONS: tuple[str, ...] = ("minmax", "zscore", "rank", "goalposts")
AGGREGATIONS: tuple[str, ...] = ("arithmetic", "geometric")
IMPUTATIONS: tuple[str, ...] = ("group_median", "none")
OUTLIER_METHODS: tuple[str, ...] = ("winsorise", "none")
SCENARIOS: tuple[str, ...] = ("current", "diffusion_tiers")
LOW_COVERAGE: tuple[str, ...] = ("exclude", "flag")
URL_PREFIX = "s1."


def today() -> str:
    """Today's date as ISO text: the default as-of date."""
    return date.today().isoformat()


@dataclass(frozen=True)
class ScoreSpec:
    """Weights, methods, date, data version and seed of one scoring run.

    `pillar_weights` and `indicator_weights` are sorted (name, weight) pairs; indicator weights
    override the framework defaults for the codes they name. Weights need not sum to one.
    """

    preset: str = "balanced"
    pillar_weights: tuple[tuple[str, float], ...] = tuple((p, 1.0) for p in PILLARS)
    indicator_weights: tuple[tuple[str, float], ...] = ()
    normalisation: str = "minmax"
    aggregation: str = "arithmetic"
    imputation: str = "group_median"
    outliers: str = "winsorise"
    as_of: str = field(default_factory=today)
    data_version: str = ""
    seed: int = 0
    mc_draws: int = 1000
    weight_noise: float = 0.25  # each weight drawn from U(1 - noise, 1 + noise) times its value
    vary_methods: bool = True  # Monte Carlo also draws normalisation and aggregation
    coverage_threshold: float = 0.6  # share of the index weight that must be observed
    low_coverage: str = "exclude"
    d_group_penalty: float = 0.0  # points off per D:1 / D:3 / D:4 group in force
    include_conflicts: bool = False  # treat CONFLICT export-control rows as in force
    scenario: str = "current"
    tier2_penalty: float = 10.0  # points off for AI Diffusion tier 2 in that scenario
    small_market_penalty: float = 15.0  # most points off for a small economy (risk.scoring.market)

    def __post_init__(self) -> None:
        # Canonical forms, so equal specs serialise identically.
        object.__setattr__(self, "pillar_weights", _pairs(self.pillar_weights, pillars=True))
        object.__setattr__(self, "indicator_weights", _pairs(self.indicator_weights))
        self.validate()

    # -- checks ----------------------------------------------------------------------
    def validate(self) -> None:
        """Raise SpecError with a readable message if any field is out of range."""
        choices = {
            "normalisation": NORMALISATIONS,
            "aggregation": AGGREGATIONS,
            "imputation": IMPUTATIONS,
            "outliers": OUTLIER_METHODS,
            "scenario": SCENARIOS,
            "low_coverage": LOW_COVERAGE,
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise SpecError(
                    f"{name} must be one of {', '.join(allowed)}, not {getattr(self, name)!r}"
                )
        pw = dict(self.pillar_weights)
        if set(pw) != set(PILLARS):
            raise SpecError(f"pillar weights must name exactly: {', '.join(PILLARS)}")
        if any(w < 0 for w in pw.values()) or sum(pw.values()) <= 0:
            raise SpecError("pillar weights must be >= 0 and not all zero")
        if any(w < 0 for _, w in self.indicator_weights):
            raise SpecError("indicator weights must be >= 0")
        try:
            date.fromisoformat(self.as_of)
        except (TypeError, ValueError) as exc:
            raise SpecError(f"as_of must be an ISO date (YYYY-MM-DD), not {self.as_of!r}") from exc
        if not (0 <= self.mc_draws <= 1_000_000):
            raise SpecError("mc_draws must be between 0 and 1,000,000")
        if not (0 <= self.weight_noise < 1):
            raise SpecError("weight_noise must be in [0, 1)")
        if not (0 <= self.coverage_threshold <= 1):
            raise SpecError("coverage_threshold must be in [0, 1]")
        if min(self.d_group_penalty, self.tier2_penalty, self.small_market_penalty) < 0:
            raise SpecError("penalties must be >= 0")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise SpecError("seed must be a non-negative integer")

    # -- construction ------------------------------------------------------------------
    @classmethod
    def from_preset(
        cls, name: str = "balanced", framework: Framework | None = None, **overrides: Any
    ) -> ScoreSpec:
        """A spec starting from a preset's weights; keyword overrides change any other field."""
        fw = framework or load_framework()
        preset = fw.preset(name)
        return cls(
            preset=name,
            pillar_weights=preset.pillar_weights,
            indicator_weights=preset.indicator_weights,
            **overrides,
        )

    def with_pillar_weights(self, weights: dict[str, float]) -> ScoreSpec:
        """A copy with some pillar weights changed (names or CLI aliases); preset becomes 'custom'."""
        pw = dict(self.pillar_weights)
        for key, value in weights.items():
            if key not in PILLAR_ALIASES:
                raise SpecError(f"unknown pillar {key!r}; use gov, demand, alignment, finance")
            pw[PILLAR_ALIASES[key]] = float(value)
        return replace(self, pillar_weights=tuple(pw.items()), preset="custom")

    def replace(self, **changes: Any) -> ScoreSpec:
        return replace(self, **changes)

    # -- serialisation -----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["pillar_weights"] = dict(self.pillar_weights)
        d["indicator_weights"] = dict(self.indicator_weights)
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScoreSpec:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise SpecError(f"unknown spec fields: {', '.join(unknown)}")
        d = dict(data)
        for key in ("pillar_weights", "indicator_weights"):
            if key in d and isinstance(d[key], dict):
                d[key] = tuple(d[key].items())
        try:
            return cls(**d)
        except TypeError as exc:
            raise SpecError(f"invalid spec: {exc}") from exc

    @classmethod
    def from_json(cls, text: str) -> ScoreSpec:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SpecError(f"spec is not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise SpecError("spec JSON must be an object")
        return cls.from_dict(data)

    def to_url(self) -> str:
        """A compact URL-safe form: only fields that differ from the defaults, compressed."""
        default = ScoreSpec(as_of=self.as_of).to_dict()
        mine = self.to_dict()
        diff = {k: v for k, v in mine.items() if v != default[k] or k == "as_of"}
        raw = json.dumps(diff, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        packed = base64.urlsafe_b64encode(zlib.compress(raw.encode("utf-8"), 9)).decode("ascii")
        return URL_PREFIX + packed.rstrip("=")

    @classmethod
    def from_url(cls, text: str) -> ScoreSpec:
        if not text.startswith(URL_PREFIX):
            raise SpecError("not a score spec link (it should start with 's1.')")
        body = text[len(URL_PREFIX) :]
        try:
            raw = zlib.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
            data = json.loads(raw.decode("utf-8"))
        except (ValueError, zlib.error) as exc:
            raise SpecError("the score spec in this link is damaged") from exc
        return cls.from_dict(data)


def _pairs(value: Any, *, pillars: bool = False) -> tuple[tuple[str, float], ...]:
    """Normalise a mapping or pair sequence to sorted (name, float) pairs."""
    items = value.items() if isinstance(value, dict) else value
    out: dict[str, float] = {}
    try:
        for key, weight in items:
            name = PILLAR_ALIASES.get(str(key), str(key)) if pillars else str(key)
            w = float(weight)
            if w != w or w in (float("inf"), float("-inf")):
                raise SpecError(f"weight for {name} is not a finite number")
            out[name] = w
    except (TypeError, ValueError) as exc:
        raise SpecError(f"weights must be (name, number) pairs: {exc}") from exc
    if pillars:
        return tuple((p, out[p]) for p in PILLARS if p in out) + tuple(
            sorted((k, v) for k, v in out.items() if k not in PILLARS)
        )
    return tuple(sorted(out.items()))


def parse_weights(text: str) -> dict[str, float]:
    """Parse 'gov=1,demand=2,...' from the command line."""
    out: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        if not sep:
            raise SpecError(f"weights must look like gov=1,demand=2 (got {part!r})")
        try:
            out[key.strip()] = float(value)
        except ValueError as exc:
            raise SpecError(f"weight for {key.strip()!r} is not a number: {value!r}") from exc
    return out

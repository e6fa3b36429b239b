"""The indicator framework and the weighting presets, as data.

`datasets/framework.csv` lists every indicator the scorer may use: its pillar, direction, transform,
default weight, maximum data age and coverage threshold, with names and rationales in both
languages. `datasets/presets.csv` holds the presets (pillar weights and indicator weight overrides).
Both are validated on load; every problem is reported with the rows at fault.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from risk.errors import FrameworkError
from risk.paths import DATASETS_DIR
from risk.schema import FRAMEWORK_COLUMNS, PILLARS, PRESET_COLUMNS

# Short names used on the command line (--weights gov=..,demand=..,alignment=..,finance=..).
PILLAR_ALIASES: dict[str, str] = {
    "gov": "gov_support",
    "gov_support": "gov_support",
    "demand": "compute_demand",
    "compute_demand": "compute_demand",
    "alignment": "alignment",
    "align": "alignment",
    "finance": "financial",
    "financial": "financial",
}
TRANSFORMS: tuple[str, ...] = ("none", "log", "log1p", "per_capita")
PRESET_ORDER: tuple[str, ...] = ("balanced", "hardware", "cloud", "models")

FRAMEWORK_PATH = DATASETS_DIR / "framework.csv"
PRESETS_PATH = DATASETS_DIR / "presets.csv"


@dataclass(frozen=True)
class Preset:
    """A named starting point: pillar weights plus indicator weight overrides."""

    name: str
    pillar_weights: tuple[tuple[str, float], ...]
    indicator_weights: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Framework:
    """The validated indicator table (one row per indicator, in file order) and the presets."""

    indicators: pd.DataFrame
    presets: dict[str, Preset]

    @cached_property
    def _codes(self) -> tuple[str, ...]:  # read for every country a page explains: read once
        return tuple(self.indicators["code"])

    @property
    def codes(self) -> list[str]:
        return list(self._codes)

    def preset(self, name: str) -> Preset:
        if name not in self.presets:
            raise FrameworkError(f"unknown preset {name!r}; known: {', '.join(self.presets)}")
        return self.presets[name]

    def with_overrides(self, overrides: pd.DataFrame | None) -> Framework:
        """This framework with the rows published uploads added (`framework_overrides`); an added
        row with a bundled code replaces it. The one place uploaded indicators join the framework.
        """
        if overrides is None or overrides.empty:
            return self
        rows = overrides.reindex(columns=list(FRAMEWORK_COLUMNS))
        kept = self.indicators[~self.indicators["code"].isin(set(rows["code"]))]
        table = pd.concat([kept, rows.astype(object)], ignore_index=True)
        return Framework(validate_framework(table), self.presets)


def _fail(message: str, bad: pd.DataFrame, cols: list[str]) -> None:
    if not bad.empty:
        rows = bad[cols].astype(object).where(bad[cols].notna(), None).to_dict("records")
        raise FrameworkError(message, rows=[{str(k): v for k, v in r.items()} for r in rows])


def validate_framework(df: pd.DataFrame) -> pd.DataFrame:
    """Check the framework table and return it with clean dtypes; raise FrameworkError otherwise."""
    missing = [c for c in FRAMEWORK_COLUMNS if c not in df.columns]
    if missing:
        raise FrameworkError(f"framework: missing columns {', '.join(missing)}")
    out = df.loc[:, list(FRAMEWORK_COLUMNS)].copy()
    out.insert(0, "_line", np.arange(len(out)) + 2)  # file line numbers (header is line 1)
    for col in ("code", "pillar", "transform", "name_en", "name_zh"):
        out[col] = out[col].astype("string").str.strip()
    _fail("framework: empty code", out[out["code"].isna() | (out["code"] == "")], ["_line"])
    _fail("framework: duplicate code", out[out["code"].duplicated(keep=False)], ["_line", "code"])
    _fail(
        f"framework: unknown pillar (known: {', '.join(PILLARS)})",
        out[~out["pillar"].isin(PILLARS)],
        ["_line", "code", "pillar"],
    )
    _fail(
        f"framework: unknown transform (known: {', '.join(TRANSFORMS)})",
        out[~out["transform"].isin(TRANSFORMS)],
        ["_line", "code", "transform"],
    )
    for col in ("direction", "weight", "max_age_years", "min_coverage"):
        num = pd.to_numeric(out[col], errors="coerce")
        _fail(f"framework: {col} is not a number", out[num.isna()], ["_line", "code", col])
        out[col] = num.astype(float)
    _fail(
        "framework: direction must be 1 or -1",
        out[~out["direction"].isin([1.0, -1.0])],
        ["_line", "code", "direction"],
    )
    _fail(
        "framework: weight must be zero (off by default) or positive",
        out[(out["weight"] < 0) | ~np.isfinite(out["weight"])],
        ["_line", "code", "weight"],
    )
    _fail(
        "framework: max_age_years must be a non-negative whole number",
        out[(out["max_age_years"] < 0) | (out["max_age_years"] % 1 != 0)],
        ["_line", "code", "max_age_years"],
    )
    _fail(
        "framework: min_coverage must be between 0 and 1",
        out[(out["min_coverage"] < 0) | (out["min_coverage"] > 1)],
        ["_line", "code", "min_coverage"],
    )
    _fail(
        "framework: name_en and name_zh are required",
        out[out["name_en"].isna() | out["name_zh"].isna()],
        ["_line", "code"],
    )
    # A pillar without indicators is simply absent (its weight goes to the others); the
    # bundled framework's test checks that all four pillars are filled.
    if float(out["weight"].sum()) <= 0:
        raise FrameworkError("framework: no indicator has a positive weight")
    # 0/1 in the CSV; booleans when rows come from the store.
    flags = {"0": 0, "1": 1, "false": 0, "true": 1, "0.0": 0, "1.0": 1}
    zero = out["absent_is_zero"].map(lambda v: flags.get(str(v).strip().lower()))
    _fail(
        "framework: absent_is_zero must be 0 or 1",
        out[~zero.isin([0, 1])],
        ["_line", "code", "absent_is_zero"],
    )
    out["absent_is_zero"] = zero.astype(bool)
    out["direction"] = out["direction"].astype(int)
    out["max_age_years"] = out["max_age_years"].astype(int)
    return out.drop(columns="_line").reset_index(drop=True)


def validate_presets(df: pd.DataFrame, indicators: pd.DataFrame) -> dict[str, Preset]:
    """Check the presets table against the framework; return presets by name."""
    missing = [c for c in PRESET_COLUMNS if c not in df.columns]
    if missing:
        raise FrameworkError(f"presets: missing columns {', '.join(missing)}")
    out = df.loc[:, list(PRESET_COLUMNS)].copy()
    out.insert(0, "_line", np.arange(len(out)) + 2)
    for col in ("preset", "kind", "key"):
        out[col] = out[col].astype("string").str.strip()
    out["weight"] = pd.to_numeric(out["weight"], errors="coerce")
    _fail(
        "presets: kind must be 'pillar' or 'indicator'",
        out[~out["kind"].isin(["pillar", "indicator"])],
        ["_line", "preset", "kind"],
    )
    _fail(
        "presets: unknown pillar",
        out[(out["kind"] == "pillar") & ~out["key"].isin(PILLARS)],
        ["_line", "preset", "key"],
    )
    _fail(
        "presets: unknown indicator code",
        out[(out["kind"] == "indicator") & ~out["key"].isin(set(indicators["code"]))],
        ["_line", "preset", "key"],
    )
    _fail(
        "presets: weight must be a number >= 0",
        out[out["weight"].isna() | (out["weight"] < 0)],
        ["_line", "preset", "key", "weight"],
    )
    _fail(
        "presets: duplicate entry",
        out[out.duplicated(["preset", "kind", "key"], keep=False)],
        ["_line", "preset", "key"],
    )
    presets: dict[str, Preset] = {}
    for name, grp in out.groupby("preset", sort=False):
        pil = grp[grp["kind"] == "pillar"]
        absent = sorted(set(PILLARS) - set(pil["key"]))
        if absent:
            raise FrameworkError(
                f"presets: {name} lacks pillar weights", rows=[{"pillar": p} for p in absent]
            )
        if float(pil["weight"].sum()) <= 0:
            raise FrameworkError(f"presets: {name} has no positive pillar weight")
        pw = tuple((p, float(pil.loc[pil["key"] == p, "weight"].iloc[0])) for p in PILLARS)
        ind = grp[grp["kind"] == "indicator"]
        iw = tuple((str(k), float(w)) for k, w in zip(ind["key"], ind["weight"], strict=True))
        presets[str(name)] = Preset(str(name), pw, iw)
    ordered = {n: presets[n] for n in PRESET_ORDER if n in presets}
    ordered.update({n: p for n, p in presets.items() if n not in ordered})
    return ordered


def read_framework(
    framework_path: Path = FRAMEWORK_PATH, presets_path: Path = PRESETS_PATH
) -> Framework:
    """Read and validate both tables (uncached: use `load_framework` in the app)."""
    try:
        raw = pd.read_csv(framework_path, dtype=str, keep_default_na=False, na_values=[""])
    except FileNotFoundError as exc:
        raise FrameworkError(f"framework table not found: {framework_path}") from exc
    indicators = validate_framework(raw)
    try:
        praw = pd.read_csv(presets_path, dtype=str, keep_default_na=False, na_values=[""])
    except FileNotFoundError as exc:
        raise FrameworkError(f"presets table not found: {presets_path}") from exc
    return Framework(indicators, validate_presets(praw, indicators))


@lru_cache(maxsize=4)
def load_framework(
    framework_path: Path = FRAMEWORK_PATH, presets_path: Path = PRESETS_PATH
) -> Framework:
    """The framework, read once per process (the files are committed, not edited at run time)."""
    return read_framework(framework_path, presets_path)


def list_presets(framework: Framework | None = None) -> list[str]:
    """Preset names in display order."""
    return list((framework or load_framework()).presets)

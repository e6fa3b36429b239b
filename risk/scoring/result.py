"""`ScoreResult`: a scored spec with every step kept, and its per-country table in rank order."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from risk.framework import (
    PILLARS,
)
from risk.scoring.matrix import Prepared
from risk.spec import ScoreSpec

RESULT_COLUMNS: tuple[str, ...] = (
    "iso3",
    "name_en",
    "name_zh_tw",
    "score",
    "rank",
    "eligible",
    "reason",
    *PILLARS,
    "rank_p05",
    "rank_median",
    "rank_p95",
    "coverage",
)


# --------------------------------------------------------------------------------------
# Running a spec
# --------------------------------------------------------------------------------------
@dataclass
class ScoreResult:
    """A scored spec: the per-country table, every step's output, and warnings."""

    spec: ScoreSpec
    table: pd.DataFrame
    prepared: Prepared
    steps: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def step_frame(self, name: str) -> pd.DataFrame:
        """A countries x indicators step output (raw, years, transformed, imputed, treated,
        normalised) as a frame."""
        value = self.steps[name]
        return pd.DataFrame(
            value, index=pd.Index(self.prepared.iso3, name="iso3"), columns=self.prepared.codes
        )


def ranked_count(table: pd.DataFrame) -> int:
    """How many countries are ranked: eligible and with enough data. This is the one count of
    exportable countries, shown beside every rank ("9 / 172") and in the overview's summary."""
    return int(table["rank"].notna().sum())


def result_table(result: ScoreResult, columns: tuple[str, ...] = RESULT_COLUMNS) -> pd.DataFrame:
    """The per-country table in rank order (ranked first, then the rest by score)."""
    t = result.table.sort_values(["rank", "score"], ascending=[True, False], na_position="last")
    extra = [c for c in t.columns if c not in columns]
    return t[list(columns) + extra].reset_index(drop=True)

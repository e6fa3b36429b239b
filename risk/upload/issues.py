"""Validation issues: one `Issue` per problem (row, column, value, what is wrong, how to fix it)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from risk.i18n import t

MAX_ITEMS_PER_CODE = 200  # row-level items kept per issue code; counts are always complete


# -- issues --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Issue:
    """One problem: `code` names its message and fix in risk/locales/data.json."""

    severity: str  # "error" blocks publishing; "warning" does not
    code: str
    row: int | None = None  # row in the file as a spreadsheet shows it (header included)
    column: str | None = None
    value: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    def message(self, lang: str) -> str:
        return t(f"data.issue.{self.code}", lang, **self._fmt())

    def fix(self, lang: str) -> str:
        return t(f"data.fix.{self.code}", lang, **self._fmt())

    def _fmt(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, **self.params}

    def as_dict(self, lang: str) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "code": self.code,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message(lang),
            "fix": self.fix(lang),
        }


@dataclass
class Issues:
    """Issues with complete counts per code and at most MAX_ITEMS_PER_CODE items each."""

    items: list[Issue] = field(default_factory=list)
    counts: dict[tuple[str, str], int] = field(default_factory=dict)

    def add(self, issue: Issue, count: int = 1) -> None:
        key = (issue.severity, issue.code)
        seen = self.counts.get(key, 0)
        self.counts[key] = seen + count
        if seen < MAX_ITEMS_PER_CODE:
            self.items.append(issue)

    def add_rows(
        self,
        severity: str,
        code: str,
        rows: pd.DataFrame,
        column: str | pd.Series,
        value: pd.Series,
        params: Callable[[int], Mapping[str, Any]] | None = None,
    ) -> None:
        """Add one issue per row of `rows` (a slice of the long frame), keeping the first items."""
        if rows.empty:
            return
        key = (severity, code)
        room = max(MAX_ITEMS_PER_CODE - self.counts.get(key, 0), 0)
        self.counts[key] = self.counts.get(key, 0) + len(rows)
        cols = column if isinstance(column, pd.Series) else pd.Series(column, index=rows.index)
        for idx in rows.index[:room]:
            self.items.append(
                Issue(
                    severity,
                    code,
                    int(rows.at[idx, "_row"]),
                    str(cols.at[idx]),
                    _text(value.at[idx]),
                    params(idx) if params else {},
                )
            )

    def of(self, severity: str) -> list[Issue]:
        return [i for i in self.items if i.severity == severity]

    def count(self, severity: str) -> int:
        return sum(n for (s, _), n in self.counts.items() if s == severity)


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)[:200]

"""`UploadReport`: what validation found, as counts, tables and sentences in the user's language."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from risk.i18n import t
from risk.upload.issues import Issues
from risk.upload.metadata import META_COLUMNS


# -- validation -----------------------------------------------------------------------------
@dataclass
class UploadReport:
    """Everything an analyst needs before publishing, and the rows that would be published."""

    file_name: str
    sha256: str
    format: str
    encoding: str
    layout: str
    rows_read: int
    observations: pd.DataFrame  # iso3, indicator, year, value, source (publishable)
    matches: pd.DataFrame  # name, code, iso3, how, rows
    unmatched: list[str]
    suggestions: dict[str, list[str]]
    aggregates: list[str]
    new_indicators: list[str]
    metadata: pd.DataFrame  # one row per new indicator (META_COLUMNS)
    issues: Issues
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.issues.count("error") == 0 and not self.observations.empty

    @property
    def countries_matched(self) -> int:
        return int(self.observations["iso3"].nunique()) if len(self.observations) else 0

    def issue_frame(self, lang: str) -> pd.DataFrame:
        cols = ["severity", "code", "row", "column", "value", "message", "fix"]
        df = pd.DataFrame([i.as_dict(lang) for i in self.issues.items], columns=cols)
        df["row"] = df["row"].astype("Int64")
        return df

    def summary_text(self, lang: str) -> str:
        """One sentence: what was read, how, and how many rows, countries and issues."""
        s = self.summary(lang)
        return t(
            "data.report.summary",
            lang,
            rows=s["rows_read"],
            format=s["format"] or "?",
            encoding=s["encoding"] or "?",
            layout=s["layout"],
            valid=s["rows_valid"],
            countries=s["countries_matched"],
            errors=s["error_count"],
            warnings=s["warning_count"],
        )

    def issue_table(self, lang: str) -> pd.DataFrame:
        """The issues as shown to the analyst: severity and kind in words, "—" for file-level ones."""
        df = self.issue_frame(lang)
        df["severity"] = df["severity"].map(lambda v: t(f"data.severity.{v}", lang))
        df["code"] = df["code"].map(lambda c: t(f"data.kind.{c}", lang))
        df["row"] = df["row"].astype("string").fillna("—")
        return df

    def count_table(self, lang: str) -> pd.DataFrame:
        """How many issues of each kind (the issue table keeps at most MAX_ITEMS_PER_CODE each)."""
        return pd.DataFrame(
            [
                {
                    "severity": t(f"data.severity.{sev}", lang),
                    "code": t(f"data.kind.{code}", lang),
                    "count": n,
                }
                for (sev, code), n in self.issues.counts.items()
            ],
            columns=["severity", "code", "count"],
        )

    def unmatched_table(self) -> pd.DataFrame:
        """Country names nobody could match, with the closest known names."""
        return pd.DataFrame(
            {
                "name": self.unmatched,
                "suggestions": [", ".join(self.suggestions.get(n, [])) for n in self.unmatched],
            }
        )

    def summary(self, lang: str = "en") -> dict[str, Any]:
        """The JSON report of `python -m risk import --format json`."""
        counts: dict[str, dict[str, int]] = {"error": {}, "warning": {}}
        for (sev, code), n in self.issues.counts.items():
            counts.setdefault(sev, {})[code] = n
        return {
            "file": self.file_name,
            "sha256": self.sha256,
            "format": self.format,
            "encoding": self.encoding,
            "layout": self.layout,
            "rows_read": self.rows_read,
            "rows_valid": len(self.observations),
            "countries_matched": self.countries_matched,
            "matched": self.matches.to_dict("records"),
            "unmatched": self.unmatched,
            "suggestions": self.suggestions,
            "aggregates": self.aggregates,
            "indicators": sorted(set(self.observations["indicator"]))
            if len(self.observations)
            else [],
            "new_indicators": self.new_indicators,
            "errors": [i.as_dict(lang) for i in self.issues.of("error")],
            "warnings": [i.as_dict(lang) for i in self.issues.of("warning")],
            "counts": counts,
            "error_count": self.issues.count("error"),
            "warning_count": self.issues.count("warning"),
            "ok": self.ok,
            "notes": self.notes,
        }


def _failed(file_name: str, sha: str, issues: Issues) -> UploadReport:
    return UploadReport(
        file_name=file_name,
        sha256=sha,
        format="",
        encoding="",
        layout="unknown",
        rows_read=0,
        observations=pd.DataFrame(
            {c: pd.Series(dtype=object) for c in ("iso3", "indicator", "year", "value", "source")}
        ),
        matches=pd.DataFrame(columns=["name", "code", "iso3", "how", "rows"]),
        unmatched=[],
        suggestions={},
        aggregates=[],
        new_indicators=[],
        metadata=pd.DataFrame(columns=list(META_COLUMNS)),
        issues=issues,
    )

"""`UploadReport`: what validation found, as counts, tables and sentences in the user's language."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from risk.i18n import label_or, t
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
    # What was detected, so the user can check it (and choose another encoding if it is wrong).
    header_row: int = 1
    delimiter: str = ""
    sheet: str = ""
    encoding_confident: bool = True
    encoding_alternatives: list[str] = field(default_factory=list)
    periods: list[dict[str, Any]] = field(default_factory=list)  # column, year, kept, instead_of
    indicators: list[dict[str, Any]] = field(default_factory=list)  # label, code, new

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

    def detected_table(self, lang: str) -> pd.DataFrame:
        """What the reader found, one line each, in the user's language: encoding (and whether it
        was a clear choice), layout, header row, periods read as years, indicators, aggregates."""
        sep = "、" if lang.startswith("zh") else ", "
        encoding = self.encoding or "—"
        if self.encoding and not self.encoding_confident:
            encoding = t(
                "data.detected.encoding_unsure",
                lang,
                encoding=self.encoding,
                others=sep.join(self.encoding_alternatives[:4]),
            )
        periods = sep.join(
            f"{p['column']} → {p['year']}"
            + ("" if p["kept"] else t("data.detected.period_dropped", lang))
            for p in self.periods[:24]
        )
        indicators = sep.join(
            f"{i['label']} → {i['code']}" + (t("data.detected.new", lang) if i["new"] else "")
            if i["label"] and i["label"] != i["code"]
            else i["code"] + (t("data.detected.new", lang) if i["new"] else "")
            for i in self.indicators[:24]
        )
        rows = [
            ("encoding", encoding),
            ("layout", label_or(f"data.layout.{self.layout}", lang, self.layout)),
            ("header_row", str(self.header_row) + (f" ({self.sheet})" if self.sheet else "")),
            ("periods", periods or "—"),
            ("indicators", indicators or "—"),
            ("aggregates", sep.join(self.aggregates[:24]) or "—"),
        ]
        return pd.DataFrame(
            [{"what": t(f"data.detected.{k}", lang), "found": v} for k, v in rows],
            columns=["what", "found"],
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
            "encoding_confident": self.encoding_confident,
            "encoding_alternatives": self.encoding_alternatives,
            "layout": self.layout,
            "header_row": self.header_row,
            "delimiter": self.delimiter,
            "sheet": self.sheet,
            "periods": self.periods,
            "indicators_found": self.indicators,
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

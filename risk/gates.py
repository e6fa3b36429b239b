"""Export-control gates: who may not be a target, on a given date, and why.

Gates are not averaged into the score. A country in EAR Country Group D:5, E:1 or E:2 on the as-of
date, or one of the countries of concern (China, Hong Kong, Macau), is ineligible and never ranked.
Taiwan is home and the United States is the programme's exporter: neither is a target. D:1 / D:3 / D:4 membership is reported and can cost points. Rows marked CONFLICT
(sources disagree) are reported but ignored unless asked for. The AI Diffusion scenario puts the
January-May 2025 tiers back in force: tier 3 becomes a gate, tier 2 a penalty.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from risk.i18n import t

HOME = "TWN"
# The programme exports American AI to third countries: the United States is the partner whose
# consortia Taiwanese firms join, not a target market of the programme.
EXPORTER = "USA"
COUNTRIES_OF_CONCERN: tuple[str, ...] = ("CHN", "HKG", "MAC")
GATE_GROUPS: tuple[str, ...] = ("D:5", "E:1", "E:2")
PENALTY_GROUPS: tuple[str, ...] = ("D:1", "D:3", "D:4")

REASON_HOME = "home"
REASON_EXPORTER = "programme exporter"
REASON_CONCERN = "country of concern"
REASON_TIER3 = "AI Diffusion tier 3"
REASON_LOW_COVERAGE = "low coverage"


# Where each exclusion rule comes from, shown beside the reason a country is not ranked: the EAR
# Country Groups (15 CFR Part 740, Supplement No. 1, on eCFR); the programme's call for proposals
# (FR Doc 2026-06952), which names the countries of concern; Executive Order 14320 (FR Doc
# 2025-14218), which set up the programme; and the AI Diffusion rule (90 FR 4544). All but the first
# on the Federal Register. Labels are in the locale files (gates.source.<key>).
RULE_SOURCES: dict[str, str] = {
    "EAR": "https://www.ecfr.gov/current/title-15/subtitle-B/chapter-VII/subchapter-C/part-740",
    REASON_CONCERN: "https://www.federalregister.gov/documents/2026/04/10/2026-06952/"
    "american-ai-exports-program-call-for-proposals-for-pre-set-consortia",
    REASON_EXPORTER: "https://www.federalregister.gov/documents/2025/07/28/2025-14218/"
    "promoting-the-export-of-the-american-ai-technology-stack",
    REASON_TIER3: "https://www.federalregister.gov/documents/2025/01/15/2025-00636/"
    "framework-for-artificial-intelligence-diffusion",
}


def ear_reason(group: str) -> str:
    return f"EAR {group}"


@dataclass(frozen=True)
class GateResult:
    """Per-country gate outcome, aligned with the iso3 array it was computed for."""

    iso3: np.ndarray
    eligible: np.ndarray  # bool
    reason: np.ndarray  # object: "" when eligible, else reasons joined by "; "
    groups: np.ndarray  # object: groups in force, "D:1;D:3"
    conflicts: np.ndarray  # object: CONFLICT rows reported, not applied
    penalty_groups: np.ndarray  # int: count of D:1/D:3/D:4 in force
    tier: np.ndarray  # object: AI Diffusion tier ("" outside that scenario)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "iso3": self.iso3,
                "eligible": self.eligible,
                "reason": self.reason,
                "ear_groups": self.groups,
                "ear_conflicts": self.conflicts,
                "penalty_groups": self.penalty_groups,
                "diffusion_tier": self.tier,
            }
        )


def _iso_text(values: pd.Series) -> np.ndarray:
    """Dates as 'YYYY-MM-DD' text ('' when missing): ISO dates compare correctly as text."""
    text = values.astype(object).where(values.notna(), "")
    return np.array(
        [str(v)[:10] if str(v).lower() not in {"nan", "none", "nat"} else "" for v in text],
        dtype="U10",
    )


def in_force(table: pd.DataFrame, as_of: date) -> pd.Series:
    """Which rows apply on `as_of`: started on or before it (or undated) and not yet ended."""
    day = as_of.isoformat()
    start = _iso_text(table["effective_from"])
    end = _iso_text(table["effective_to"])
    started = (start == "") | (start <= day)
    # An end date is the day the listing stopped applying.
    not_ended = (end == "") | (day < end)
    return pd.Series(started & not_ended, index=table.index)


def groups_in_force(
    export_controls: pd.DataFrame, as_of: date, *, include_conflicts: bool = False
) -> pd.DataFrame:
    """Export-control rows applying on `as_of`, with an `applied` flag (False for CONFLICT rows)."""
    rows = export_controls[in_force(export_controls, as_of)].copy()
    status = rows.get("status", pd.Series("listed", index=rows.index)).astype(str)
    rows["applied"] = (status != "CONFLICT") | include_conflicts
    return rows


def apply_gates(
    iso3: np.ndarray | list[str],
    export_controls: pd.DataFrame,
    as_of: date,
    *,
    include_conflicts: bool = False,
    diffusion_tiers: pd.DataFrame | None = None,
    scenario: str = "current",
) -> GateResult:
    """Gate every country in `iso3` on the as-of date; reasons are plain-English codes."""
    codes = np.asarray(iso3, dtype=object)
    n = len(codes)
    rows = groups_in_force(export_controls, as_of, include_conflicts=include_conflicts)
    reasons: list[list[str]] = [[] for _ in range(n)]
    groups: list[list[str]] = [[] for _ in range(n)]
    conflicts: list[list[str]] = [[] for _ in range(n)]
    penalty = np.zeros(n, dtype=np.int64)
    pos = {c: i for i, c in enumerate(codes)}
    for code, group, applied in zip(rows["iso3"], rows["group_code"], rows["applied"], strict=True):
        i = pos.get(code)
        if i is None:
            continue
        if not applied:
            conflicts[i].append(str(group))
            continue
        groups[i].append(str(group))
        if group in GATE_GROUPS:
            reasons[i].append(ear_reason(str(group)))
        elif group in PENALTY_GROUPS:
            penalty[i] += 1
    tier = np.full(n, "", dtype=object)
    if scenario == "diffusion_tiers":
        # The rule put every country not named in tier 1 or 3 into tier 2.
        tiers: dict[str, str] = {}
        if diffusion_tiers is not None:
            tiers = dict(
                zip(diffusion_tiers["iso3"], diffusion_tiers["tier"].astype(str), strict=True)
            )
        for i, c in enumerate(codes):
            t = tiers.get(c, "2")
            tier[i] = t if t in {"1", "2", "3"} else "2"
            if tier[i] == "3":
                reasons[i].append(REASON_TIER3)
    for i, c in enumerate(codes):
        if c in COUNTRIES_OF_CONCERN:
            reasons[i].insert(0, REASON_CONCERN)
        if c == HOME:
            reasons[i] = [REASON_HOME]
        if c == EXPORTER:
            reasons[i] = [REASON_EXPORTER]
    reason = np.array(["; ".join(sorted(set(r), key=r.index)) for r in reasons], dtype=object)
    return GateResult(
        iso3=codes,
        eligible=np.array([not r for r in reasons], dtype=bool),
        reason=reason,
        groups=np.array([";".join(sorted(set(g))) for g in groups], dtype=object),
        conflicts=np.array([";".join(sorted(set(g))) for g in conflicts], dtype=object),
        penalty_groups=penalty,
        tier=tier,
    )


def reason_label(reason: str, lang: str) -> str:
    """A gate reason ("EAR D:5; ...") in the user's language."""

    parts = []
    for part in filter(None, (p.strip() for p in str(reason).split(";"))):
        if part.startswith("EAR "):
            parts.append(t("scoring.reason.EAR", lang, group=part[4:]))
        else:
            parts.append(t(f"scoring.reason.{part}", lang))
    return "；".join(parts) if lang != "en" else "; ".join(parts)

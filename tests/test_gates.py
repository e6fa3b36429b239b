"""Export-control gates on a chosen date."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from risk.gates import apply_gates, in_force

CONTROLS = pd.DataFrame(
    [
        ("CHN", "D:5", None, None, "listed"),
        ("HKG", "D:5", "2020-12-23", None, "DERIVED"),
        ("MAC", "D:1", None, None, "listed"),
        ("KHM", "D:1", None, None, "listed"),
        ("KHM", "D:5", "2021-12-09", "2026-02-03", "listed"),
        ("ARE", "D:3", None, None, "CONFLICT"),
        ("ARE", "D:4", None, None, "CONFLICT"),
        ("IRN", "E:1", None, None, "listed"),
        ("CUB", "E:2", None, None, "listed"),
        ("VNM", "D:1", None, None, "listed"),
        ("VNM", "D:3", None, None, "listed"),
        ("TWN", "D:3", None, None, "listed"),
    ],
    columns=["iso3", "group_code", "effective_from", "effective_to", "status"],
)
ISO = ["CHN", "HKG", "MAC", "KHM", "ARE", "IRN", "CUB", "VNM", "TWN", "JPN"]


def gate(as_of: str, **kw: object) -> pd.DataFrame:
    return apply_gates(ISO, CONTROLS, date.fromisoformat(as_of), **kw).frame().set_index("iso3")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("as_of", "iso", "eligible", "reason", "penalty_groups"),
    [
        ("2026-11-27", "CHN", False, "country of concern; EAR D:5", 0),
        ("2026-11-27", "HKG", False, "country of concern; EAR D:5", 0),
        ("2019-01-01", "HKG", False, "country of concern", 0),  # before the derived listing
        ("2026-11-27", "MAC", False, "country of concern", 1),
        ("2025-06-01", "KHM", False, "EAR D:5", 1),
        ("2026-02-02", "KHM", False, "EAR D:5", 1),
        ("2026-02-03", "KHM", True, "", 1),  # the end date is the first day it no longer applies
        ("2021-01-01", "KHM", True, "", 1),
        ("2026-11-27", "ARE", True, "", 0),  # CONFLICT rows are reported, not applied
        ("2026-11-27", "IRN", False, "EAR E:1", 0),
        ("2026-11-27", "CUB", False, "EAR E:2", 0),
        ("2026-11-27", "VNM", True, "", 2),
        ("2026-11-27", "TWN", False, "home", 1),  # groups still reported for home
        ("2026-11-27", "JPN", True, "", 0),
    ],
)
def test_gates(as_of: str, iso: str, eligible: bool, reason: str, penalty_groups: int) -> None:
    row = gate(as_of).loc[iso]
    assert bool(row["eligible"]) is eligible
    assert row["reason"] == reason
    assert row["penalty_groups"] == penalty_groups


def test_conflicts_are_reported_and_can_be_applied() -> None:
    assert gate("2026-11-27").loc["ARE", "ear_conflicts"] == "D:3;D:4"
    applied = gate("2026-11-27", include_conflicts=True).loc["ARE"]
    assert applied["penalty_groups"] == 2 and applied["ear_groups"] == "D:3;D:4"


def test_diffusion_scenario_gates_tier_3_and_defaults_to_tier_2() -> None:
    tiers = pd.DataFrame({"iso3": ["JPN", "VNM"], "tier": ["1", "3"]})
    g = gate("2026-11-27", diffusion_tiers=tiers, scenario="diffusion_tiers")
    assert g.loc["JPN", "diffusion_tier"] == "1" and g.loc["JPN", "eligible"]
    assert g.loc["VNM", "reason"] == "AI Diffusion tier 3"
    assert g.loc["KHM", "diffusion_tier"] == "2"


def test_in_force_handles_missing_dates() -> None:
    t = pd.DataFrame({"effective_from": [None, "2030-01-01"], "effective_to": [None, None]})
    assert in_force(t, date(2026, 1, 1)).tolist() == [True, False]

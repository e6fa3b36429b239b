"""Composite indices published once: Oxford Insights AI Readiness 2025 and UN E-Government 2024."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from risk.errors import IngestError
from risk.harmonise import CountryMatcher
from risk.ingest.common import require_columns
from risk.ingest.obs_common import SourceResult, entry, finish, match_names, parse_numbers

OXFORD_FILE = "2025-Government-AI-Readiness-Index-data-1.xlsx"
OXFORD_YEAR = 2025

# column -> (code suffix, Traditional Chinese name); the order is the sheet's.
OXFORD_PILLARS: dict[str, tuple[str, str]] = {
    "Policy Capacity": ("policy_capacity", "政策能力"),
    "AI Infrastructure": ("ai_infrastructure", "AI 基礎設施"),
    "Governance": ("governance", "治理"),
    "Public Sector Adoption": ("public_sector_adoption", "公部門採用"),
    "Development & Diffusion": ("development_diffusion", "發展與擴散"),
    "Resilience": ("resilience", "韌性"),
}
OXFORD_DIMENSIONS: dict[str, tuple[str, str]] = {
    "Policy vision": ("policy_vision", "政策願景"),
    "Policy commitment": ("policy_commitment", "政策承諾"),
    "Compute capacity": ("compute_capacity", "運算能力"),
    "Enabling technical infrastructure": (
        "enabling_technical_infrastructure",
        "支援性技術基礎設施",
    ),
    "Data quality": ("data_quality", "資料品質"),
    "Governance principles": ("governance_principles", "治理原則"),
    "Regulatory compliance": ("regulatory_compliance", "法規遵循"),
    "Government digital policy": ("government_digital_policy", "政府數位政策"),
    "e-Government delivery": ("e_government_delivery", "電子化政府服務"),
    "Human capital": ("human_capital", "人力資本"),
    "AI sector maturity": ("ai_sector_maturity", "AI 產業成熟度"),
    "AI technology diffusion": ("ai_technology_diffusion", "AI 技術擴散"),
    "Societal transition": ("societal_transition", "社會轉型"),
    "Safety and security": ("safety_and_security", "安全與保障"),
}

EGOV_COLUMNS: dict[str, tuple[str, str, str]] = {
    "E_Index": ("egdi", "E-Government Development Index (EGDI)", "電子化政府發展指數"),
    "Online_Service": ("osi", "Online Service Index (OSI)", "線上服務指數"),
    "Human_Capital": ("hci", "Human Capital Index (HCI)", "人力資本指數"),
    "Tele_Infra": ("tii", "Telecommunications Infrastructure Index (TII)", "電信基礎設施指數"),
    "E_Participation": ("epi", "E-Participation Index (EPI)", "電子參與指數"),
}


def _oxford_columns() -> dict[str, tuple[str, str, str]]:
    """Sheet column -> (indicator code, English name, Chinese name)."""
    cols = {
        "Total Score": (
            "oxford.total",
            "Government AI Readiness Index: total score",
            "政府 AI 整備度指數總分",
        )
    }
    for col, (suffix, zh) in OXFORD_PILLARS.items():
        cols[col] = (f"oxford.{suffix}", f"AI Readiness pillar: {col}", f"AI 整備度支柱：{zh}")
    for col, (suffix, zh) in OXFORD_DIMENSIONS.items():
        cols[col] = (
            f"oxford.dim.{suffix}",
            f"AI Readiness dimension: {col}",
            f"AI 整備度面向：{zh}",
        )
    return cols


def read_oxford(raw: Path, matcher: CountryMatcher) -> SourceResult:
    """The 'Dimensions-Pillars' sheet, checked against the totals of 'Global Rankings'."""
    path = raw / "oxford_ai_readiness" / OXFORD_FILE
    cols = _oxford_columns()
    sheet = pd.read_excel(path, sheet_name="Dimensions-Pillars", header=0)
    require_columns(sheet, ["Country", *cols], "oxford Dimensions-Pillars")
    sheet["Country"] = sheet["Country"].astype("string").str.strip()
    # Myanmar and Ukraine sit in a block above a blank row; Myanmar repeats in the list below.
    sheet = sheet[sheet["Country"].notna() & (sheet["Country"] != "")]
    values = sheet[["Country", *cols]].copy()
    for col in cols:
        values[col] = parse_numbers(values[col], f"oxford {col}")
    values = values.drop_duplicates()
    clash = values[values.duplicated("Country", keep=False)]
    if not clash.empty:
        raise IngestError(
            "oxford: a country appears twice with different scores",
            rows=clash[["Country"]].to_dict("records"),
        )
    ranking = pd.read_excel(path, sheet_name="Global Rankings", header=1)
    require_columns(ranking, ["Country", "Total Score"], "oxford Global Rankings")
    totals = ranking.dropna(subset=["Country"]).assign(Country=lambda d: d["Country"].str.strip())
    check = values.merge(totals[["Country", "Total Score"]], on="Country", suffixes=("", "_rank"))
    off = check[(check["Total Score"] - check["Total Score_rank"]).abs() > 1e-6]
    if len(check) != len(totals) or not off.empty:
        raise IngestError(
            f"oxford: the two sheets disagree ({len(check)} of {len(totals)} countries matched)",
            rows=off[["Country"]].to_dict("records"),
        )
    kept, harmonised = match_names(values, "Country", "oxford_ai_readiness", matcher)
    long = kept.melt(id_vars=["iso3"], value_vars=list(cols), var_name="column")
    long["indicator"] = long["column"].map(lambda c: cols[c][0])
    long["year"] = OXFORD_YEAR
    catalogue = [
        entry(
            code,
            name_en,
            name_zh,
            "score 0-100",
            "oxford_ai_readiness",
            f"Oxford Insights Government AI Readiness Index 2025, '{col}' (0-100). The 2025 "
            "methodology (6 pillars, 14 dimensions) is not comparable with earlier editions.",
            "better",
        )
        for col, (code, name_en, name_zh) in cols.items()
    ]
    return SourceResult(finish(long, "oxford_ai_readiness"), catalogue, harmonised)


def read_egov(raw: Path, matcher: CountryMatcher) -> SourceResult:
    """EGDI 2024 and its components; names carry trailing spaces, there are no codes."""
    path = raw / "un_egov" / "EGOV_DATA_2024.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    require_columns(df, ["Survey Year", "Country", *EGOV_COLUMNS], "un_egov")
    df["year"] = parse_numbers(df["Survey Year"], "un_egov Survey Year")
    for col in EGOV_COLUMNS:
        df[col] = parse_numbers(df[col], f"un_egov {col}")
    kept, harmonised = match_names(df, "Country", "un_egov", matcher)
    long = kept.melt(id_vars=["iso3", "year"], value_vars=list(EGOV_COLUMNS), var_name="column")
    long["indicator"] = long["column"].map(lambda c: f"egov.{EGOV_COLUMNS[c][0]}")
    catalogue = [
        entry(
            f"egov.{code}",
            name_en,
            name_zh,
            "index 0-1",
            "un_egov",
            f"UN E-Government Survey 2024: {name_en}, 0-1. EGDI is the mean of OSI, HCI and TII; "
            "193 UN member states (no Taiwan, Palestine or Holy See).",
            "better",
        )
        for code, name_en, name_zh in EGOV_COLUMNS.values()
    ]
    return SourceResult(finish(long, "un_egov"), catalogue, harmonised)

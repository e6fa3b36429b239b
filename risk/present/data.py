"""What the Data page shows as plain tables and sentences: the version history and diff summaries."""

from __future__ import annotations

import json
import re

import pandas as pd

from risk.i18n import label_or, t
from risk.present.fit import MAIN_WIDTH, WRAP_ROW_HEIGHT, Layout, column_px
from risk.schema import PILLARS
from risk.upload.metadata import META_COLUMNS, metadata_template
from risk.upload.report import UploadReport


def diff_summary(diff: pd.DataFrame, lang: str) -> str:
    """One sentence counting a diff's added, removed and changed observations."""

    n = diff["change"].value_counts() if len(diff) else pd.Series(dtype=int)
    return t(
        "data.diff.summary",
        lang,
        added=int(n.get("added", 0)),
        removed=int(n.get("removed", 0)),
        changed=int(n.get("changed", 0)),
    )


VERSIONS_SHOWN = (
    "version", "current", "created_at", "author", "action", "file_name", "rows_added",
    "rows_replaced", "rows_total", "sha256", "note",
)  # fmt: skip


def versions_table(versions: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The version history as the Data page shows it: actions and the system author in words,
    blanks where a version has no file, note or row counts."""

    out = versions[list(VERSIONS_SHOWN)].copy()
    out["created_at"] = _seconds(out["created_at"])
    out["action"] = [label_or(f"data.action.{a}", lang, a) for a in out["action"]]
    out["author"] = [label_or(f"data.author.{a}", lang, a) for a in out["author"]]
    for col in ("file_name", "sha256", "note"):
        out[col] = out[col].astype("string").fillna("")
    return out


def _seconds(times: pd.Series) -> pd.Series:
    """Times as text to the second ('2026-05-01 09:30:12'), blank when missing."""
    stamps = pd.to_datetime(times, errors="coerce")
    return stamps.dt.strftime("%Y-%m-%d %H:%M:%S").astype("string").fillna("")


def diff_table(diff: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A diff as the Data page shows it: the kind of change in words, times to the second, blanks
    (never None) where a value or source is absent on one side."""
    out = diff.copy()
    if "change" in out.columns:
        out["change"] = [label_or(f"data.change.{c}", lang, str(c)) for c in out["change"]]
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = _seconds(out[col])
        elif out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].astype("string").fillna("")
    return out


def movers_table(movers: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, int]:
    """The preview's movers with the reason in words, and how many move only through imputation."""
    out = movers.copy()
    imputed = int((out["why"] == "imputed").sum()) if "why" in out.columns else 0
    if "why" in out.columns:
        out["why"] = [t(f"data.preview.why.{w}", lang) for w in out["why"]]
    return out, imputed


def metadata_choices(lang: str) -> tuple[dict[str, str], dict[str, str]]:
    """(pillar name -> code, direction name -> code) in the user's language; "not scored" is ""."""
    pillars = {t("data.meta.pillar_none", lang): ""}
    pillars.update({t(f"scoring.pillar.{p}", lang): p for p in PILLARS})
    directions = {t(f"data.meta.direction.{d}", lang): d for d in ("1", "-1", "0")}
    return pillars, directions


def metadata_form(report: UploadReport, meta_json: str, lang: str) -> pd.DataFrame:
    """One row per new indicator, headers in the user's language, pillar and direction by name,
    pre-filled from what the file tells (the column's label as its name, a unit in brackets, the
    latest year, the World Bank's or Our World in Data's source and licence) and earlier edits."""
    base = metadata_template(report.new_indicators, meta_json)
    labels = {i["code"]: str(i["label"]) for i in report.indicators}
    obs = report.observations
    latest = obs.groupby("indicator")["year"].max() if len(obs) else pd.Series(dtype=int)
    source, licence = {
        "worldbank": ("World Bank, World Development Indicators", "CC BY 4.0"),
        "owid": ("Our World in Data", "CC BY 4.0"),
    }.get(report.layout, ("", ""))
    edited = set()
    if meta_json:
        try:
            edited = {str(r.get("code", "")) for r in json.loads(meta_json)}
        except (ValueError, AttributeError):
            edited = set()
    for i, code in enumerate(base["code"]):
        if code in edited:
            continue
        label = labels.get(code, "")
        name = re.sub(r"\s*[(（][^()（）]*[)）]\s*$", "", label).strip()
        unit = re.search(r"[(（]([^()（）]+)[)）]\s*$", label)
        cjk = bool(re.search(r"[\u3400-\u9fff]", name))
        if name and name != code:
            base.at[i, "name_zh" if cjk else "name_en"] = name
        if unit:
            base.at[i, "unit"] = unit.group(1).strip()
        if code in latest.index:
            base.at[i, "year"] = str(int(latest[code]))
        base.at[i, "source"] = base.at[i, "source"] or source
        base.at[i, "licence"] = base.at[i, "licence"] or licence
    pillars, directions = metadata_choices(lang)
    by_code_p = {v: k for k, v in pillars.items()}
    by_code_d = {v: k for k, v in directions.items()}
    base["pillar"] = base["pillar"].map(lambda p: by_code_p.get(str(p), by_code_p[""]))
    base["direction"] = base["direction"].map(lambda d: by_code_d.get(str(d), by_code_d["1"]))
    base["weight"] = pd.to_numeric(base["weight"], errors="coerce").fillna(0.0)
    return base.rename(columns={c: t(f"data.meta.col.{c}", lang) for c in base.columns})


def metadata_json(form: pd.DataFrame, lang: str) -> str:
    """The edited form back as JSON records with codes (what validation reads)."""
    back = {t(f"data.meta.col.{c}", lang): c for c in META_COLUMNS}
    out = form.rename(columns=back).copy()
    pillars, directions = metadata_choices(lang)
    out["pillar"] = out["pillar"].map(lambda p: pillars.get(str(p), str(p)))
    out["direction"] = out["direction"].map(lambda d: directions.get(str(d), str(d)))
    out["weight"] = (
        pd.to_numeric(out["weight"], errors="coerce").fillna(0.0).map(lambda w: f"{w:g}")
    )
    return str(out.astype(str).to_json(orient="records", force_ascii=False))


def issue_layout(issues: pd.DataFrame, lang: str) -> Layout:
    """The validation report's columns fitted to the page (keys are the report's columns; the page
    shows them under `data.col.<key>`): the short columns as wide as their widest cell (a long
    cell value is cut at 140 pixels), the problem and its fix sharing the rest, their rows
    growing so long sentences wrap rather than run off the screen."""
    labels = {c: t(f"data.col.{c}", lang) for c in issues.columns}
    widths = {
        c: min(column_px([*issues[c].astype(str), labels[c]], 44), 140)
        for c in ("severity", "code", "row", "column", "value")
    }
    rest = MAIN_WIDTH - sum(widths.values())
    widths["message"] = rest // 2
    widths["fix"] = rest - widths["message"]
    need = max(column_px(issues[c].astype(str)) for c in ("message", "fix")) if len(issues) else 0
    wrap = WRAP_ROW_HEIGHT if need > min(widths["message"], widths["fix"]) else None
    return Layout(widths, wrap, labels)

"""Descriptions of new indicators (names, unit, source, licence, pillar, direction, weight)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pandas as pd

from risk.schema import FRAMEWORK_COLUMNS, PILLARS
from risk.upload.issues import Issue, Issues, _text
from risk.upload.layouts import _key
from risk.upload.read import decode, read_upload

# -- metadata for new indicators ------------------------------------------------------------
META_COLUMNS = (
    "code",
    "name_en",
    "name_zh",
    "unit",
    "pillar",
    "direction",
    "weight",
    "source",
    "licence",
    "year",
    "description",
)


def read_metadata(data: bytes, file_name: str) -> pd.DataFrame:
    """Indicator metadata from JSON (a list of objects, or one object) or CSV / Excel."""
    if file_name.lower().endswith(".json"):
        obj = json.loads(decode(data)[0])
        records = obj if isinstance(obj, list) else [obj]
        return pd.DataFrame(records)
    raw = read_upload(data, file_name)
    return raw.frame


def metadata_template(
    codes: Sequence[str], meta_json: str = "", *, keep_all: bool = False
) -> pd.DataFrame:
    """One editable row per new indicator, pre-filled from earlier edits (JSON records);
    with `keep_all`, every edited row is returned as is."""
    if keep_all:
        try:
            rows = json.loads(meta_json) if meta_json else []
        except ValueError:
            rows = []
        return pd.DataFrame(rows if isinstance(rows, list) else [], dtype=str)
    base = pd.DataFrame({c: [""] * len(codes) for c in META_COLUMNS})
    base["code"] = list(codes)
    base["direction"] = "1"
    base["weight"] = "0"
    if meta_json:
        try:
            old = pd.DataFrame(json.loads(meta_json)).astype(str)
        except (ValueError, TypeError):
            old = pd.DataFrame()
        if "code" in old.columns:
            old = old.drop_duplicates("code").set_index("code")
            for col in META_COLUMNS[1:]:
                if col in old.columns:
                    known = base["code"].map(old[col])
                    base[col] = known.where(known.notna(), base[col])
    return base


def check_metadata(meta: pd.DataFrame, codes: Sequence[str], issues: Issues) -> pd.DataFrame:
    """One clean metadata row per new indicator code; problems become issues."""
    meta = meta.copy() if meta is not None else pd.DataFrame()
    meta.columns = [_key(c).replace(" ", "_") for c in meta.columns]
    if "code" not in meta.columns:
        meta["code"] = pd.Series(dtype=object)
    meta["code"] = meta["code"].astype(str).str.strip().str.casefold()
    rows = []
    for code in codes:
        found = meta[meta["code"] == code]
        if found.empty:
            issues.add(Issue("error", "meta_missing", column="indicator", value=code))
            continue
        rec: dict[str, Any] = {c: _text(found.iloc[0].get(c, "")).strip() for c in META_COLUMNS}
        rec["code"] = code
        bad = [c for c in ("name_en", "name_zh", "unit", "source", "licence") if not rec[c]]
        for col in bad:
            issues.add(Issue("error", "meta_field", column=col, value=code))
        direction = rec["direction"].casefold()
        if direction in ("1", "+1", "better", "higher", "higher is better"):
            rec["direction"] = "1"
        elif direction in ("-1", "worse", "lower", "lower is better"):
            rec["direction"] = "-1"
        elif direction in ("", "0", "context"):
            rec["direction"] = "0"
        else:
            issues.add(Issue("error", "meta_direction", column="direction", value=rec["direction"]))
        weight = pd.to_numeric(pd.Series([rec["weight"] or "0"]), errors="coerce").iloc[0]
        if pd.isna(weight) or weight < 0:
            issues.add(Issue("error", "meta_weight", column="weight", value=rec["weight"]))
            weight = 0.0
        rec["weight"] = float(weight)
        if weight > 0 and rec["pillar"] not in PILLARS:
            issues.add(
                Issue(
                    "error",
                    "meta_pillar",
                    column="pillar",
                    value=rec["pillar"],
                    params={"pillars": ", ".join(PILLARS)},
                )
            )
        if weight > 0 and rec["direction"] == "0":
            issues.add(Issue("error", "meta_direction", column="direction", value="0"))
        rows.append(rec)
    return pd.DataFrame(rows, columns=list(META_COLUMNS))


def catalogue_rows(meta: pd.DataFrame) -> pd.DataFrame:
    """Indicator catalogue rows for new indicators (as the store's `indicators` table)."""
    if meta.empty:
        return pd.DataFrame()
    higher = meta["direction"].map({"1": "better", "-1": "worse", "0": "context"})
    desc = meta["description"].where(meta["description"] != "", meta["name_en"])
    vintage = meta["year"].where(meta["year"] == "", " (" + meta["year"] + ")")
    return pd.DataFrame(
        {
            "code": meta["code"],
            "name_en": meta["name_en"],
            "name_zh": meta["name_zh"],
            "unit": meta["unit"],
            "source": meta["source"],
            "licence": meta["licence"],
            "description": desc + vintage.where(meta["year"] != "", ""),
            "higher_is": higher.fillna("context"),
            "open_licence": meta["licence"].str.contains(
                r"CC BY|CC0|ODbL|public domain|公眾領域", case=False, regex=True
            ),
        }
    )


def framework_rows(meta: pd.DataFrame) -> pd.DataFrame:
    """Framework rows (columns of datasets/framework.csv) for new indicators given a weight."""
    joined = meta[(meta["weight"].astype(float) > 0)] if len(meta) else meta
    if joined.empty:
        return pd.DataFrame(columns=list(FRAMEWORK_COLUMNS))
    return pd.DataFrame(
        {
            "code": joined["code"],
            "pillar": joined["pillar"],
            "direction": joined["direction"].astype(int),
            "transform": "none",
            "weight": joined["weight"].astype(float),
            "max_age_years": 5,
            "min_coverage": 0.0,
            "absent_is_zero": 0,
            "unit": joined["unit"],
            "source": joined["source"],
            "name_en": joined["name_en"],
            "name_zh": joined["name_zh"],
            "rationale_en": joined["description"].where(
                joined["description"] != "", "Uploaded indicator"
            ),
            "rationale_zh": joined["description"].where(joined["description"] != "", "上傳的指標"),
        }
    )

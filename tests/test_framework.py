"""The indicator framework and presets tables: the bundled ones and precise validation errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from risk.errors import FrameworkError
from risk.framework import (
    FRAMEWORK_PATH,
    PILLARS,
    PRESETS_PATH,
    read_framework,
    validate_framework,
    validate_presets,
)

FW = pd.read_csv(FRAMEWORK_PATH, dtype=str, keep_default_na=False, na_values=[""])


def test_bundled_framework_fills_every_pillar_and_presets_are_valid() -> None:
    fw = read_framework()
    ind = fw.indicators
    for p in PILLARS:
        assert ind.loc[ind["pillar"] == p, "weight"].sum() > 0, p
    assert list(fw.presets) == ["balanced", "hardware", "cloud", "models"]
    assert ind["rationale_en"].str.len().min() > 20 and ind["rationale_zh"].str.len().min() > 5


def test_bundled_framework_keeps_unlicensed_chinese_investment_off_by_default() -> None:
    ind = read_framework().indicators.set_index("code")
    assert ind.loc["derived.cgit_5y_pct_gdp", "weight"] == 0


def test_bundled_indicators_exist_in_the_catalogue_or_are_derived() -> None:
    from risk.paths import DATASETS_DIR

    path = DATASETS_DIR / "observations.parquet"
    if not path.exists():
        pytest.skip("bundled data not built")
    present = set(pd.read_parquet(path, columns=["indicator"])["indicator"].unique())
    for code in read_framework().codes:
        assert code.startswith("derived.") or code in present, code


def _edit(row: int, **changes: str) -> pd.DataFrame:
    df = FW.copy()
    for k, v in changes.items():
        df.loc[row, k] = v
    return df


@pytest.mark.parametrize(
    ("frame", "message", "offending"),
    [
        (_edit(0, pillar="security"), "unknown pillar", {"_line": 2, "pillar": "security"}),
        (_edit(1, weight="-1"), "weight must be zero", {"_line": 3, "weight": -1.0}),
        (_edit(2, weight="abc"), "weight is not a number", {"_line": 4, "weight": "abc"}),
        (_edit(3, transform="sqrt"), "unknown transform", {"_line": 5, "transform": "sqrt"}),
        (_edit(4, code=FW.loc[0, "code"]), "duplicate code", {"_line": 6}),
        (_edit(5, direction="0"), "direction must be 1 or -1", {"_line": 7}),
        (_edit(6, min_coverage="1.5"), "min_coverage", {"_line": 8}),
        (_edit(7, max_age_years="2.5"), "max_age_years", {"_line": 9}),
        (_edit(8, absent_is_zero="yes"), "absent_is_zero", {"_line": 10}),
        (FW.drop(columns=["weight"]), "missing columns weight", None),
        (FW.assign(weight="0"), "no indicator has a positive weight", None),
    ],
)
def test_invalid_framework(frame: pd.DataFrame, message: str, offending: dict | None) -> None:
    with pytest.raises(FrameworkError, match=message) as err:
        validate_framework(frame)
    if offending:
        assert any(offending.items() <= r.items() for r in err.value.rows), err.value.rows


PRESETS = pd.read_csv(PRESETS_PATH, dtype=str)


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.concat([PRESETS, pd.DataFrame([["x", "indicator", "no.such", "1"]], columns=PRESETS.columns)]), "unknown indicator code"),
        (pd.concat([PRESETS, pd.DataFrame([["x", "pillar", "risk", "1"]], columns=PRESETS.columns)]), "unknown pillar"),
        (PRESETS.assign(kind=PRESETS["kind"].replace("pillar", "pilar")), "kind must be"),
        (PRESETS.assign(weight="-2"), "weight must be a number"),
        (PRESETS[~((PRESETS["preset"] == "cloud") & (PRESETS["key"] == "alignment"))], "cloud lacks pillar weights"),
        (pd.concat([PRESETS, PRESETS.head(1)]), "duplicate entry"),
    ],
)  # fmt: skip
def test_invalid_presets(frame: pd.DataFrame, message: str) -> None:
    with pytest.raises(FrameworkError, match=message):
        validate_presets(frame.reset_index(drop=True), read_framework().indicators)


def test_missing_file_is_a_framework_error(tmp_path: Path) -> None:
    with pytest.raises(FrameworkError, match="not found"):
        read_framework(tmp_path / "none.csv")

"""Executive exports of the ranking: CSV and XLSX that carry the score spec and the data version.

Both formats hold the same table (one row per scored country, in rank order) and the same
provenance: the data version, the spec as JSON and as a link string, and every spec field. Every
text cell that a spreadsheet could run as a formula is neutralised (`risk.cells`); numbers stay
numbers. The bytes depend only on the spec and the data, so the app's download button and
`python -m risk export` produce the same file.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from risk.cells import neutralise, neutralise_frame
from risk.errors import RiskError
from risk.framework import PILLARS
from risk.scoring.result import result_table
from risk.scoring.steps import RANK_DECIMALS
from risk.spec import ScoreSpec

FORMATS: tuple[str, ...] = ("csv", "xlsx")
MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EXPORT_COLUMNS: tuple[str, ...] = (
    "rank",
    "iso3",
    "name_en",
    "name_zh_tw",
    "score",
    *PILLARS,
    "rank_p05",
    "rank_median",
    "rank_p95",
    "coverage",
    "imputed",
    "low_coverage",
    "eligible",
    "reason",
    "ear_groups",
    "data_version",
)
RANKING_SHEET = "ranking"
SPEC_SHEET = "spec"


def ranking_frame(table: pd.DataFrame) -> pd.DataFrame:
    """The exported columns of a ranked table (`risk.scoring.result_table`), in rank order."""
    missing = [c for c in ("iso3", "score", "rank") if c not in table.columns]
    if missing:
        raise RiskError(f"the ranking lacks columns: {', '.join(missing)}")
    cols = [c for c in EXPORT_COLUMNS if c in table.columns]
    out = table.sort_values(["rank", "score"], ascending=[True, False], na_position="last")
    out = out[cols].reset_index(drop=True)
    for col in ("rank", "imputed"):
        if col in out:
            out[col] = pd.to_numeric(out[col], errors="coerce").astype("Int64")
    for col in ("eligible", "low_coverage"):
        if col in out:
            out[col] = out[col].astype(bool)
    # Ranks are decided on scores rounded to RANK_DECIMALS; exporting at that precision also
    # survives spreadsheet number formats (openpyxl writes 16 significant digits) unchanged.
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].round(RANK_DECIMALS)
    return out


def provenance(spec: ScoreSpec, data_version: str) -> list[tuple[str, str]]:
    """(field, value) rows describing how the ranking was made: enough to regenerate it."""
    rows = [
        ("data_version", data_version),
        ("spec_url", spec.to_url()),
        ("spec_json", spec.to_json()),
    ]
    for key, value in spec.to_dict().items():
        text = json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else str(value)
        rows.append((f"spec.{key}", text))
    return rows


def ranking_csv(table: pd.DataFrame, spec: ScoreSpec, data_version: str) -> bytes:
    """CSV (UTF-8 with BOM): a `field,value` provenance block, a blank line, then the table."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    for key, value in provenance(spec, data_version):
        writer.writerow([neutralise(key), neutralise(value)])
    writer.writerow([])
    frame = neutralise_frame(ranking_frame(table))
    frame.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode("utf-8-sig")


def read_ranking_csv(data: bytes) -> tuple[dict[str, str], pd.DataFrame]:
    """The provenance block and the table of a `ranking_csv` file."""
    text = data.decode("utf-8-sig")
    head, sep, body = text.partition("\n\n")
    if not sep:
        raise RiskError("not a ranking export: no blank line after the provenance block")
    meta = {row[0]: row[1] for row in csv.reader(io.StringIO(head)) if len(row) >= 2}
    return meta, pd.read_csv(io.StringIO(body), keep_default_na=False, na_values=[""])


def _cell(value: Any) -> Any:
    """A value openpyxl can write: numpy scalars as Python ones, missing as empty."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return neutralise(value)


def ranking_xlsx(table: pd.DataFrame, spec: ScoreSpec, data_version: str) -> bytes:
    """XLSX with a `ranking` sheet (the table) and a `spec` sheet (the provenance rows).

    Text cells are written as strings, never formulas; numbers are numbers.
    """
    # deferred: openpyxl is only needed for an XLSX export
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    # A fixed timestamp (the spec's as-of date) keeps the file a function of spec and data.
    stamp = datetime.fromisoformat(spec.as_of)
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.creator = "AI Infra Screening"
    ws = wb.active
    assert ws is not None
    ws.title = RANKING_SHEET
    frame = ranking_frame(table)
    _write_rows(ws, [list(frame.columns), *frame.itertuples(index=False, name=None)])
    ws.freeze_panes = "A2"
    for i, col in enumerate(frame.columns, start=1):
        width = 34 if col in ("name_en", "reason") else 18 if col == "name_zh_tw" else 11
        ws.column_dimensions[get_column_letter(i)].width = width
    meta = wb.create_sheet(SPEC_SHEET)
    _write_rows(meta, [["field", "value"], *provenance(spec, data_version)])
    meta.column_dimensions["A"].width = 28
    meta.column_dimensions["B"].width = 100
    buf = io.BytesIO()
    wb.save(buf)
    return _fixed_zip_times(buf.getvalue(), stamp)


def _write_rows(ws: Any, rows: list[Any]) -> None:
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c, value=_cell(value))
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, even if it looks like a formula


def _fixed_zip_times(data: bytes, stamp: datetime) -> bytes:
    """Rewrite a zip with every member dated `stamp`, so equal inputs give equal bytes.

    openpyxl also stamps the save time into docProps/core.xml (`dcterms:modified`), whatever the
    workbook properties say: that element is reset to `stamp` as well.
    """

    modified = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + modified + rb"\g<2>",
                    body,
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, body)
    return out.getvalue()


def read_ranking_xlsx(data: bytes) -> tuple[dict[str, str], pd.DataFrame]:
    """The provenance rows and the table of a `ranking_xlsx` file."""
    book = pd.read_excel(io.BytesIO(data), sheet_name=None, engine="openpyxl")
    if RANKING_SHEET not in book or SPEC_SHEET not in book:
        raise RiskError(f"not a ranking export: sheets {RANKING_SHEET!r} and {SPEC_SHEET!r} needed")
    spec = book[SPEC_SHEET]
    meta = dict(zip(spec["field"].astype(str), spec["value"].astype(str), strict=True))
    return meta, book[RANKING_SHEET]


def export_ranking(table: pd.DataFrame, spec: ScoreSpec, data_version: str, fmt: str) -> bytes:
    """The ranking as `fmt` ("csv" or "xlsx")."""
    if fmt == "csv":
        return ranking_csv(table, spec, data_version)
    if fmt == "xlsx":
        return ranking_xlsx(table, spec, data_version)
    raise RiskError(f"unknown export format {fmt!r}; use {' or '.join(FORMATS)}")


def export_file_name(spec: ScoreSpec, data_version: str, fmt: str) -> str:
    """A descriptive download name: ranking_<preset>_<as-of>_<data version>.<fmt>."""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in data_version)
    return f"ranking_{spec.preset}_{spec.as_of}_{safe}.{fmt}"


def ranking_export(engine: Any, spec: ScoreSpec, fmt: str) -> tuple[bytes, str]:
    """Score `spec` with `engine` and export the ranking: (file bytes, file name).

    The download buttons and `python -m risk export` both call this, so they give the same file.
    """

    result = engine.score(spec)
    version = str(result.spec.data_version)
    data = export_ranking(result_table(result), result.spec, version, fmt)
    return data, export_file_name(result.spec, version, fmt)


def ranking_bytes(engine: Any, spec: ScoreSpec, fmt: str) -> bytes:
    """Only the bytes of `ranking_export` (for deferred download buttons)."""
    return ranking_export(engine, spec, fmt)[0]

"""Ranking exports that hold what the overview's table shows: CSV and XLSX.

The rows are the table's rows (the view's filters and eligibility), the columns are the table's
default columns with headers in the interface language, and numbers are rounded as the table shows
them. How the ranking was made (the settings in words, the spec and the data version) never sits
above the header: it is the XLSX's second sheet, or a JSON file beside the CSV
(`ranking.csv` -> `ranking.csv.json`). Every text cell a spreadsheet could run as a formula is
neutralised (`risk.cells`); numbers stay numbers. The bytes depend only on the view and the data,
so the app's download buttons and `python -m risk export` give the same files.
"""

from __future__ import annotations

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
from risk.filters import apply_filters
from risk.framework import PILLARS
from risk.i18n import t
from risk.present.overview import table_view
from risk.present.settings import settings_record, settings_rows
from risk.scoring.result import result_table
from risk.share import ViewState
from risk.store.protocol import ReadStore

FORMATS: tuple[str, ...] = ("csv", "xlsx")
MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
# Decimals as the page shows them (the selected country's metrics show pillars to one decimal).
DECIMALS: dict[str, int] = {"score": 1, **{p: 1 for p in PILLARS}, "coverage": 0}
# Header keys where the table's own (narrow) header would be unclear in a spreadsheet.
HEADER_KEYS: dict[str, str] = {
    **{p: f"metric.{p}" for p in PILLARS},
    "coverage": "export.col.coverage",
    "interval": "export.col.interval",
}
SIDECAR_SUFFIX = ".json"


def header(column: str, lang: str) -> str:
    """A table column's header in `lang`."""
    return t(HEADER_KEYS.get(column, f"col.{column}"), lang)


def export_frame(shown: pd.DataFrame, lang: str, countries: pd.DataFrame) -> pd.DataFrame:
    """The overview table's rows and default columns (`table_view`), rounded as shown, with
    headers and yes/no in `lang`."""
    view = table_view(shown, lang, countries)
    for col, digits in DECIMALS.items():
        if col in view:
            view[col] = pd.to_numeric(view[col], errors="coerce").round(digits)
            if digits == 0:
                view[col] = view[col].astype("Int64")
    if "rank" in view:
        view["rank"] = pd.to_numeric(view["rank"], errors="coerce").astype("Int64")
    if "eligible" in view:
        yes, no = t("common.yes", lang), t("common.no", lang)
        view["eligible"] = [yes if bool(v) else no for v in view["eligible"]]
    return view.rename(columns={c: header(c, lang) for c in view.columns})


def ranking_csv(frame: pd.DataFrame) -> bytes:
    """CSV, UTF-8 with a byte-order mark (so spreadsheets read the Chinese); its first line is the
    header."""
    return neutralise_frame(frame).to_csv(index=False, lineterminator="\n").encode("utf-8-sig")


def read_ranking_csv(data: bytes) -> pd.DataFrame:
    """The table of a `ranking_csv` file."""
    return pd.read_csv(
        io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False, na_values=[""]
    )


def sidecar_json(view: ViewState, data_version: str, frame: pd.DataFrame) -> bytes:
    """The CSV's companion: the view's settings, spec and data version, and the columns written."""
    record = settings_record(view, data_version, view.lang)
    record.update(rows=len(frame), columns=[str(c) for c in frame.columns])
    return (json.dumps(record, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _cell(value: Any) -> Any:
    """A value openpyxl can write: numpy scalars as Python ones, missing as empty."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return neutralise(value)


def ranking_xlsx(frame: pd.DataFrame, view: ViewState, data_version: str) -> bytes:
    """XLSX: the table on the first sheet, the settings (in words, then link, spec and data
    version) on the second. Text cells are strings, never formulas; numbers are numbers."""
    # deferred: openpyxl is only needed for an XLSX export
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    lang = view.lang
    wb = Workbook()
    # A fixed timestamp (the spec's as-of date) keeps the file a function of view and data.
    stamp = datetime.fromisoformat(view.spec.as_of)
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.creator = "AI Infra Screening"
    ws = wb.active
    assert ws is not None
    ws.title = t("export.sheet.ranking", lang)
    _write_rows(ws, [list(frame.columns), *frame.itertuples(index=False, name=None)])
    ws.freeze_panes = "A2"
    for i, col in enumerate(frame.columns, start=1):
        longest = max([len(str(col)), *(len(str(v)) for v in frame[col].head(200))])
        ws.column_dimensions[get_column_letter(i)].width = min(40, max(8, longest * 1.3 + 2))
    meta = wb.create_sheet(t("export.sheet.settings", lang))
    record = settings_record(view, data_version, lang)
    rows: list[Any] = [[t("export.col.field", lang), t("export.col.value", lang)]]
    rows += [list(r) for r in settings_rows(view, data_version, lang)]
    rows += [
        [t("settings.rows", lang), len(frame)],
        [t("settings.link", lang), record["view_query"]],
        [t("settings.spec", lang), json.dumps(record["spec"], ensure_ascii=False, sort_keys=True)],
        ["data_version", data_version],
        ["spec_url", record["spec_url"]],
    ]
    _write_rows(meta, rows)
    meta.column_dimensions["A"].width = 30
    meta.column_dimensions["B"].width = 100
    buf = io.BytesIO()
    wb.save(buf)
    return fixed_zip_times(buf.getvalue(), stamp)


def _write_rows(ws: Any, rows: list[Any]) -> None:
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c, value=_cell(value))
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, even if it looks like a formula


def fixed_zip_times(data: bytes, stamp: datetime) -> bytes:
    """Rewrite a zip (XLSX, PPTX) with every member dated `stamp`, so equal inputs give equal bytes.

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
    """The settings (label -> value) and the table of a `ranking_xlsx` file."""
    book = pd.read_excel(io.BytesIO(data), sheet_name=None, engine="openpyxl")
    if len(book) != 2:
        raise RiskError("not a ranking export: a ranking sheet and a settings sheet are needed")
    table, settings = book.values()
    head = settings.columns
    meta = dict(zip(settings[head[0]].astype(str), settings[head[1]].astype(str), strict=True))
    return meta, table


def export_file_name(view: ViewState, data_version: str, fmt: str) -> str:
    """A descriptive download name: ranking_<preset>_<as-of>_<data version>_<lang>.<fmt>."""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in data_version)
    return f"ranking_{view.spec.preset}_{view.spec.as_of}_{safe}_{view.lang}.{fmt}"


def shown_rows(
    engine: Any, store: ReadStore, view: ViewState
) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Score the view's spec and keep the rows its filters show: (rows, countries, data version)."""
    result = engine.score(view.spec)
    version = str(result.spec.data_version)
    shown = apply_filters(store, result_table(result), view.filters)
    return shown, store.table("countries"), version


def ranking_export(
    engine: Any, store: ReadStore, view: ViewState, fmt: str
) -> tuple[bytes, str, bytes | None]:
    """The view's ranking as `fmt` ("csv" or "xlsx"): (file bytes, file name, sidecar JSON bytes
    for a CSV, else None). The download buttons and `python -m risk export` both call this."""
    if fmt not in FORMATS:
        raise RiskError(f"unknown export format {fmt!r}; use {' or '.join(FORMATS)}")
    shown, countries, version = shown_rows(engine, store, view)
    frame = export_frame(shown, view.lang, countries)
    name = export_file_name(view, version, fmt)
    if fmt == "csv":
        return ranking_csv(frame), name, sidecar_json(view, version, frame)
    return ranking_xlsx(frame, view, version), name, None


def ranking_bytes(engine: Any, store: ReadStore, view: ViewState, fmt: str) -> bytes:
    """Only the file's bytes (for deferred download buttons); fmt "json" is the CSV's sidecar."""
    data, _, sidecar = ranking_export(engine, store, view, "csv" if fmt == "json" else fmt)
    if fmt == "json":
        assert sidecar is not None
        return sidecar
    return data

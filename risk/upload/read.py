"""Reading an uploaded file: decoding, delimiter and header detection, Excel and Parquet."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from charset_normalizer.md import mess_ratio

from risk.errors import UploadError
from risk.upload.limits import Budget, UploadLimits, check_before_parsing

# -- constants ---------------------------------------------------------------------------
# File types the upload accepts (the reader also sniffs the content, whatever the name says).
UPLOAD_TYPES = ("csv", "tsv", "txt", "xlsx", "xlsm", "xls", "parquet")
# Tried in this order when a file is not UTF-8; the evidence decides, the order only breaks ties.
LEGACY_ENCODINGS = (
    "cp950", "big5hkscs", "gb18030", "shift_jis", "cp1252", "mac_roman", "latin-1",
)  # fmt: skip
# What the user may choose (the Data page's selector, `--encoding`): these and any codec name.
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", *LEGACY_ENCODINGS)
ENCODING_NAMES = {
    "big5": "cp950", "big-5": "cp950", "macroman": "mac_roman", "mac-roman": "mac_roman",
    "macintosh": "mac_roman", "windows-1252": "cp1252", "iso-8859-1": "latin-1",
    "latin1": "latin-1", "sjis": "shift_jis", "shift-jis": "shift_jis", "gbk": "gb18030",
    "gb2312": "gb18030", "utf8": "utf-8",
}  # fmt: skip


# -- reading --------------------------------------------------------------------------------
@dataclass
class RawTable:
    """A file read as text cells: header row located, format and encoding detected."""

    frame: pd.DataFrame
    file_name: str
    sha256: str
    format: str  # csv, tsv, excel, parquet
    header_row: int = 1  # 1-based row of the header in the file
    encoding: str = ""
    encoding_confident: bool = True
    encoding_alternatives: tuple[str, ...] = ()
    delimiter: str = ""
    sheet: str = ""
    metadata: pd.DataFrame | None = None  # an Excel sheet named metadata / indicators
    notes: list[str] = field(default_factory=list)
    # Formula cells of the data sheet: row and column as the sheet shows them (B, 7), the formula
    # text and the value last calculated (None when the file keeps none).
    formulas: list[Formula] = field(default_factory=list)


@dataclass(frozen=True)
class Formula:
    row: int
    column: str
    formula: str
    cached: Any


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Decoded:
    """A file's text and how it was decoded: the encoding, whether the choice was clear, and the
    other encodings that also read the file (as different text) for the user to try."""

    text: str
    encoding: str
    confident: bool = True
    alternatives: tuple[str, ...] = ()


def decode(data: bytes, score: Callable[[str], int] | None = None) -> tuple[str, str]:
    """(text, encoding) of `detect_text` (kept for callers that need no more)."""
    found = detect_text(data, score)
    return found.text, found.encoding


def detect_text(
    data: bytes, score: Callable[[str], int] | None = None, encoding: str | None = None
) -> Decoded:
    """Decode a file: the given `encoding` if any (strict), else BOMs, then strict UTF-8, then the
    legacy encoding that decodes the whole file and reads best.

    "Reads best" combines two kinds of evidence, in this order: `score` (how many cells are known
    country names, so `Türkiye` in a Mac Roman file beats the Big5 mojibake of it), then
    charset-normalizer's mess ratio (how much of the text looks like mojibake: CJK characters in
    the middle of Latin words, stray symbols). The choice is `confident` when the winner is ahead
    on either; otherwise the report offers the alternatives."""
    if encoding:
        name = _codec_name(encoding)
        try:
            return Decoded(data.decode(name), name)
        except UnicodeDecodeError as exc:
            raise UploadError(
                f"the file is not valid {name} text (byte {exc.start}); choose another encoding"
            ) from exc
    for bom, name in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if data.startswith(bom):
            return Decoded(data.decode(name), name)
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    sample = data[:200_000]
    readings: dict[str, tuple[int, float, int, str]] = {}  # text -> (points, mess, rank, enc)
    for rank, enc in enumerate(LEGACY_ENCODINGS):
        try:
            text = sample.decode(enc)
            data.decode(enc)  # the whole file must decode, not only its start
        except UnicodeDecodeError:
            continue
        if text in readings:  # same text as a preferred encoding (cp1252 and latin-1 often)
            continue
        points = score(text) if score else 0
        readings[text] = (points, mess_ratio(text[:20_000], maximum_threshold=1.0), rank, enc)
    if not readings:  # latin-1 decodes anything, so this is unreachable in practice
        raise UploadError("the file's text encoding could not be recognised")
    order = sorted(readings.values(), key=lambda r: (-r[0], r[1], r[2]))
    best = order[0]
    runner = order[1] if len(order) > 1 else None
    confident = runner is None or best[0] > runner[0] or runner[1] - best[1] >= 0.05
    return Decoded(data.decode(best[3]), best[3], confident, tuple(r[3] for r in order[1:]))


def _codec_name(encoding: str) -> str:
    """The codec an encoding name stands for ('Big5' -> 'cp950', 'MacRoman' -> 'mac_roman')."""
    key = encoding.strip().casefold().replace("_", "-").replace(" ", "-")
    key = ENCODING_NAMES.get(key, key)
    try:
        codecs.lookup(key)
    except LookupError as exc:
        raise UploadError(f"unknown encoding {encoding!r}") from exc
    return key


def _sniff_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the sample lines most consistently into the most fields."""
    best, best_score = ",", -1.0
    for delim in (",", ";", "\t", "|"):
        counts = [len(r) for r in csv.reader(lines, delimiter=delim) if any(c.strip() for c in r)]
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        if mode < 2:
            continue
        score = counts.count(mode) / len(counts) * 10 + mode / 100
        if score > best_score:
            best, best_score = delim, score
    return best


def _header_index(rows: list[list[str]]) -> int:
    """Index of the header among the first rows: skip titles and notes above the table.

    The header is the first row with at least two filled cells whose width matches the width most
    rows below it share (World Bank downloads have four metadata lines above theirs).
    """
    filled = [sum(1 for c in r if str(c).strip()) for r in rows]
    wide = [f for f in filled if f >= 2]
    if not wide:
        return 0
    for i, r in enumerate(rows[:30]):
        cells = [str(c).strip().casefold() for c in r]
        if "country code" in cells and ("country name" in cells or "indicator code" in cells):
            return i
    body = filled[len(filled) // 4 :] or filled
    mode = max(set(body), key=body.count)
    for i, f in enumerate(filled[:30]):
        if f >= 2 and f >= mode * 0.8:
            return i
    return 0


def read_upload(
    data: bytes,
    file_name: str,
    *,
    score: Callable[[str], int] | None = None,
    limits: UploadLimits | None = None,
    encoding: str | None = None,
) -> RawTable:
    """Read any supported file into text cells; raise UploadError if it cannot be read at all,
    LimitExceeded if it is past a limit (checked before parsing, then as it is read)."""
    if not data:
        raise UploadError("the file is empty", rows=[{"file": file_name}])
    lim = limits or UploadLimits.from_env()
    check_before_parsing(data, file_name, lim)
    sha = sha256_bytes(data)
    lower = file_name.lower()
    try:
        if data[:4] == b"PAR1" or lower.endswith(".parquet"):
            raw = _read_parquet(data, file_name, sha)
        elif data[:4] == b"PK\x03\x04" or lower.endswith((".xlsx", ".xlsm", ".xls")):
            raw = _read_excel(data, file_name, sha, Budget(lim))
        else:
            raw = _read_text(data, file_name, sha, score, encoding)
        Budget(lim).frame(len(raw.frame), len(raw.frame.columns))
        return raw
    except (UploadError, MemoryError):
        raise
    except (ValueError, OSError, KeyError, IndexError, zipfile.BadZipFile, csv.Error) as exc:
        raise UploadError(
            f"{file_name} could not be read as CSV, Excel or Parquet: {str(exc)[:300]}"
        ) from exc
    except Exception as exc:  # noqa: BLE001 (third-party readers raise many types on bad bytes)
        raise UploadError(f"{file_name} could not be read: {type(exc).__name__}") from exc


def _read_text(
    data: bytes,
    file_name: str,
    sha: str,
    score: Callable[[str], int] | None,
    encoding: str | None = None,
) -> RawTable:
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff")) or (encoding or "").startswith("utf-16")
    if b"\x00" in data[:4096] and not utf16:
        raise UploadError(f"{file_name} is a binary file, not CSV, Excel or Parquet")
    found = detect_text(data, score, encoding)
    text = found.text
    head_lines = text[:200_000].splitlines()[:200]
    delim = "\t" if file_name.lower().endswith(".tsv") else _sniff_delimiter(head_lines)
    head_rows = list(csv.reader(head_lines, delimiter=delim))
    skip = _header_index(head_rows)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delim,
            skiprows=skip,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=True,
            engine="c",
        )
    except pd.errors.ParserError as exc:
        match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if match:
            want, line, got = (int(g) for g in match.groups())
            raise UploadError(
                "ragged rows",
                rows=[{"row": line + skip, "expected": want, "found": got}],
            ) from exc
        raise
    except pd.errors.EmptyDataError as exc:
        raise UploadError(f"{file_name} has no table in it") from exc
    fmt = "tsv" if delim == "\t" else "csv"
    return RawTable(
        _tidy(frame),
        file_name,
        sha,
        fmt,
        skip + 1,
        found.encoding,
        found.confident,
        found.alternatives,
        delim,
        notes=_notes(skip),
    )


def _notes(skip: int) -> list[str]:
    return [f"skipped {skip} lines above the header"] if skip else []


def _read_excel(data: bytes, file_name: str, sha: str, budget: Budget) -> RawTable:
    sheets, formulas = _excel_sheets(data, budget)
    meta = None
    chosen = ""
    for name in sheets:
        if str(name).strip().casefold() in ("metadata", "indicators", "指標說明", "指标说明"):
            meta = _sheet_frame(sheets[name])
        elif not chosen and not sheets[name].dropna(how="all").empty:
            chosen = str(name)
    if not chosen:
        raise UploadError(f"{file_name} has no sheet with data")
    grid = sheets[chosen].dropna(how="all").dropna(axis=1, how="all")
    rows = [[_cell(v) for v in r] for r in grid.head(200).itertuples(index=False)]
    skip = _header_index(rows)
    header_row = int(grid.index[skip]) + 1
    frame = _sheet_frame(grid.iloc[skip:])
    frame.attrs["rows"] = (grid.index[skip + 1 :] + 1).to_numpy()
    return RawTable(
        frame,
        file_name,
        sha,
        "excel",
        header_row,
        sheet=chosen,
        metadata=meta,
        notes=[],
        formulas=formulas.get(chosen, []),
    )


def _excel_sheets(
    data: bytes, budget: Budget
) -> tuple[dict[str, pd.DataFrame], dict[str, list[Formula]]]:
    """Every sheet as a grid of cell values (row i of the grid is sheet row i + 1), read row by row
    within the budget, and each sheet's formula cells. Rows are never padded to the declared size:
    a lone far cell costs one row, not a million."""
    import openpyxl  # deferred: only Excel uploads need it

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheets: dict[str, pd.DataFrame] = {}
    try:
        for ws in book.worksheets:
            ws.reset_dimensions()  # the declared size was checked; never pad to it
            grid: list[tuple[Any, ...]] = []
            for i, row in enumerate(ws.iter_rows(values_only=True), start=1):
                budget.row(i, len(row), ws.title)
                grid.append(row)
            sheets[ws.title] = pd.DataFrame(grid, dtype=object) if grid else pd.DataFrame()
    finally:
        book.close()
    formulas: dict[str, list[Formula]] = {}
    if _has_formulas(data):
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        try:
            for ws in book.worksheets:
                ws.reset_dimensions()
                values = sheets.get(ws.title, pd.DataFrame())
                found: list[Formula] = []
                for row in ws.iter_rows():
                    for cell in row:
                        if getattr(cell, "data_type", "") != "f" or len(found) >= 1000:
                            continue
                        r, c = int(cell.row) - 1, int(cell.column) - 1
                        cached = (
                            values.iat[r, c] if r < len(values) and c < values.shape[1] else None
                        )
                        found.append(
                            Formula(int(cell.row), str(cell.column_letter), str(cell.value), cached)
                        )
                formulas[ws.title] = found
        finally:
            book.close()
    return sheets, formulas


def _has_formulas(data: bytes) -> bool:
    """Whether any sheet of a (size-checked) xlsx holds a formula element."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            if not info.filename.startswith("xl/worksheets/"):
                continue
            with zf.open(info) as fh:
                tail = b""
                while chunk := fh.read(1 << 20):
                    if re.search(rb"<(?:\w+:)?f[ >/]", tail + chunk):
                        return True
                    tail = chunk[-16:]
    return False


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, pd.Timestamp | date):
        return value.isoformat()
    return str(value)


def _sheet_frame(grid: pd.DataFrame) -> pd.DataFrame:
    """Cells as text, first row as header."""
    grid = grid.dropna(how="all")
    if grid.empty:
        return pd.DataFrame()
    header = [_cell(v) or f"column {i + 1}" for i, v in enumerate(grid.iloc[0])]
    body = grid.iloc[1:].map(_cell)
    body.columns = _dedupe(header)
    return _tidy(body.reset_index(drop=True))


def _read_parquet(data: bytes, file_name: str, sha: str) -> RawTable:
    frame = pd.read_parquet(io.BytesIO(data))
    for col in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[col]) or pd.api.types.is_bool_dtype(frame[col]):
            frame[col] = frame[col].map(_cell)
    frame.columns = _dedupe([str(c) for c in frame.columns])
    return RawTable(_tidy(frame), file_name, sha, "parquet", 1)


def _dedupe(names: Sequence[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        n = str(n).strip().lstrip("\ufeff")
        if n in seen:
            seen[n] += 1
            n = f"{n} ({seen[n]})"
        else:
            seen[n] = 0
        out.append(n)
    return out


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop unnamed empty columns (trailing delimiters) and strip header whitespace."""
    frame.columns = _dedupe([str(c) for c in frame.columns])
    drop = [
        c
        for c in frame.columns
        if (c.startswith("Unnamed:") or not c) and (frame[c].astype(str).str.strip() == "").all()
    ]
    return frame.drop(columns=drop)

"""Limits on uploaded files, checked before any parser touches the bytes, and again as they are read.

Every limit is one row of SETTINGS (name, environment variable, default, help); the defaults admit
the 1,000,000-row import benchmark with room to spare. A file past a limit is refused with an
issue `limit_<name>` whose message names the limit, what the file has, and the variable to change.

Before parsing (`check_before_parsing`, cheap and bounded, safe in the app server):
- file size;
- zipped formats (xlsx): member count, sum of uncompressed sizes, compression ratio, and each
  sheet's declared `<dimension ref=...>` (rows and columns counted from A1, as readers pad them);
- Parquet: rows, columns and uncompressed size from the footer;
- text: lines, and fields in the first lines.
As read (`Budget`, inside the isolated reader): rows, columns and cells of every sheet, and the
validation time budget (`Deadline`).
"""

from __future__ import annotations

import io
import os
import re
import time
import zipfile
from dataclasses import dataclass, fields
from typing import Any

from risk.errors import UploadError


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: float
    unit: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("max_mb", "RISK_UPLOAD_MAX_MB", 100, "MB", "largest file accepted"),
    Setting(
        "max_unzipped_mb",
        "RISK_UPLOAD_MAX_UNZIPPED_MB",
        500,
        "MB",
        "uncompressed size of a zipped (xlsx) or compressed (Parquet) file",
    ),
    Setting(
        "max_zip_ratio",
        "RISK_UPLOAD_MAX_ZIP_RATIO",
        200,
        "×",
        "uncompressed / compressed size of a zipped file over 10 MB uncompressed",
    ),
    Setting("max_zip_members", "RISK_UPLOAD_MAX_ZIP_MEMBERS", 2000, "", "files inside an xlsx"),
    Setting("max_rows", "RISK_UPLOAD_MAX_ROWS", 2_000_000, "", "rows of a sheet or file"),
    Setting("max_columns", "RISK_UPLOAD_MAX_COLUMNS", 2000, "", "columns of a sheet or file"),
    Setting(
        "max_cells", "RISK_UPLOAD_MAX_CELLS", 20_000_000, "", "rows × columns, all sheets together"
    ),
    Setting("timeout_s", "RISK_UPLOAD_TIMEOUT_S", 120, "s", "time to read and validate one file"),
    Setting(
        "memory_mb",
        "RISK_UPLOAD_MEMORY_MB",
        4096,
        "MB",
        "address space of the process that reads and validates one file",
    ),
)
ZIP_RATIO_FLOOR_MB = 10  # small zipped files may compress well; the ratio applies above this
_DIMENSION = re.compile(
    rb'<(?:\w+:)?dimension\s+ref="\$?([A-Za-z]*\$?\d*)(?::\$?([A-Za-z]*\$?\d*))?"'
)


@dataclass(frozen=True)
class UploadLimits:
    """The limits in force (from the environment, else the defaults of SETTINGS)."""

    max_mb: float = 100
    max_unzipped_mb: float = 500
    max_zip_ratio: float = 200
    max_zip_members: float = 2000
    max_rows: float = 2_000_000
    max_columns: float = 2000
    max_cells: float = 20_000_000
    timeout_s: float = 120
    memory_mb: float = 4096

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> UploadLimits:
        env = os.environ if environ is None else environ
        values: dict[str, float] = {}
        for s in SETTINGS:
            raw = env.get(s.env, "")
            try:
                values[s.name] = float(raw) if raw.strip() else s.default
            except ValueError:
                values[s.name] = s.default
            if values[s.name] <= 0:
                values[s.name] = s.default
        return cls(**values)


assert {f.name for f in fields(UploadLimits)} == {s.name for s in SETTINGS}
SETTING = {s.name: s for s in SETTINGS}


class LimitExceeded(UploadError):
    """A file past one of the limits: `name` is the setting, `found` what the file has."""

    def __init__(self, name: str, found: float, limit: float, where: str = ""):
        s = SETTING[name]
        unit = f" {s.unit}" if s.unit else ""
        super().__init__(f"{s.help}: {_num(found)}{unit} > {_num(limit)}{unit} ({s.env})")
        self.name = name
        self.found = found
        self.limit = limit
        self.where = where

    def params(self) -> dict[str, Any]:
        s = SETTING[self.name]
        return {
            "found": _num(self.found),
            "limit": _num(self.limit),
            "env": s.env,
            "where": self.where,
        }


def _num(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 10 or float(x).is_integer() else f"{x:,.2f}"


def _check(name: str, found: float, limits: UploadLimits, where: str = "") -> None:
    limit = float(getattr(limits, name))
    if found > limit:
        raise LimitExceeded(name, found, limit, where)


# -- before parsing ------------------------------------------------------------------------
def check_before_parsing(data: bytes, file_name: str, limits: UploadLimits) -> None:
    """Raise LimitExceeded if the file's size or declared shape is past a limit (reads at most a
    few kilobytes of each zipped sheet; never builds a table)."""
    _check("max_mb", len(data) / 1e6, limits)
    lower = file_name.lower()
    if data[:4] == b"PAR1" or lower.endswith(".parquet"):
        _check_parquet(data, limits)
    elif data[:4] == b"PK\x03\x04" or lower.endswith((".xlsx", ".xlsm")):
        _check_zip(data, limits)
    else:
        _check_text(data, limits)


def _check_zip(data: bytes, limits: UploadLimits) -> None:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip after all: the reader reports it as unreadable
    with zf:
        infos = zf.infolist()
        _check("max_zip_members", len(infos), limits)
        total = sum(i.file_size for i in infos)
        _check("max_unzipped_mb", total / 1e6, limits)
        if total / 1e6 > ZIP_RATIO_FLOOR_MB:
            _check("max_zip_ratio", total / max(len(data), 1), limits)
        cells = 0
        for info in infos:
            if not re.match(r"xl/worksheets/[^/]+\.xml$", info.filename):
                continue
            rows, cols = _declared_dimension(zf, info)
            where = info.filename.rsplit("/", 1)[-1].removesuffix(".xml")
            _check("max_rows", rows, limits, where)
            _check("max_columns", cols, limits, where)
            cells += rows * cols
            _check("max_cells", cells, limits, where)


def _declared_dimension(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[int, int]:
    """(rows, columns) a sheet declares, counted from A1 (readers pad rows and columns from A1)."""
    try:
        with zf.open(info) as fh:
            head = fh.read(16_384)  # the dimension comes before the sheet data
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
        return 0, 0
    m = _DIMENSION.search(head)
    if not m:
        return 0, 0
    corner = (m.group(2) or m.group(1)).decode("ascii", "replace").replace("$", "").upper()
    cm = re.match(r"([A-Z]*)(\d*)$", corner)
    if not cm:
        return 0, 0
    return (int(cm.group(2)) if cm.group(2) else 0, column_number(cm.group(1)))


def column_number(letters: str) -> int:
    """Excel column letters -> 1-based number (A -> 1, XFD -> 16384); 0 for none."""
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


def _check_parquet(data: bytes, limits: UploadLimits) -> None:
    import pyarrow.parquet as pq  # deferred: pyarrow is heavy and only Parquet uploads need it

    try:
        meta = pq.ParquetFile(io.BytesIO(data)).metadata
    except Exception:  # noqa: BLE001 (a broken footer: the reader reports it as unreadable)
        return
    _check("max_rows", meta.num_rows, limits)
    _check("max_columns", meta.num_columns, limits)
    _check("max_cells", meta.num_rows * meta.num_columns, limits)
    size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    _check("max_unzipped_mb", size / 1e6, limits)


def _check_text(data: bytes, limits: UploadLimits) -> None:
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    newline = b"\n\x00" if data.startswith(b"\xff\xfe") else b"\x00\n" if utf16 else b"\n"
    rows = data.count(newline) + 1
    _check("max_rows", rows, limits)
    head = data[:200_000].decode("utf-16" if utf16 else "latin-1", errors="replace")
    lines = [ln for ln in head.splitlines()[:50] if ln.strip()]
    cols = 1
    for delim in (",", ";", "\t", "|"):
        counts = sorted(ln.count(delim) for ln in lines)
        if counts:
            cols = max(cols, counts[len(counts) // 2] + 1)
    _check("max_columns", cols, limits)
    _check("max_cells", rows * cols, limits)


# -- as read ---------------------------------------------------------------------------------
class Budget:
    """Counts rows and cells while a sheet is read; raises LimitExceeded at the first excess."""

    def __init__(self, limits: UploadLimits):
        self.limits = limits
        self.cells = 0

    def row(self, index: int, width: int, where: str = "") -> None:
        if index > self.limits.max_rows:
            raise LimitExceeded("max_rows", index, self.limits.max_rows, where)
        if width > self.limits.max_columns:
            raise LimitExceeded("max_columns", width, self.limits.max_columns, where)
        self.cells += width
        if self.cells > self.limits.max_cells:
            raise LimitExceeded("max_cells", self.cells, self.limits.max_cells, where)

    def frame(self, rows: int, cols: int, where: str = "") -> None:
        _check("max_rows", rows, self.limits, where)
        _check("max_columns", cols, self.limits, where)
        _check("max_cells", rows * cols, self.limits, where)


class Deadline:
    """The validation time budget: `check()` raises LimitExceeded once it is spent."""

    def __init__(self, limits: UploadLimits):
        self.limit = limits.timeout_s
        self.start = time.monotonic()

    def check(self) -> None:
        spent = time.monotonic() - self.start
        if spent > self.limit:
            raise LimitExceeded("timeout_s", spent, self.limit)

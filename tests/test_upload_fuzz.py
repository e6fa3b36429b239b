"""Fuzz: 304 malformed files (CSV, TSV, XLSX, Parquet; encodings, sizes, shapes, values) through the
Data page's path (`check_upload`, then publish only a clean report). Zero crashes, zero new
versions from a file with errors, each file within the time and memory limits."""

from __future__ import annotations

import io
import random
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from risk.errors import UploadError
from risk.store.embedded import STORE_FILE, DuckDBStore
from risk.upload.limits import UploadLimits
from risk.upload.matching import reference_from_store
from risk.upload.publish import publish_report
from risk.upload.validate import check_upload

SEED = 20240613
PER_KIND = 76  # x 4 kinds = 304 files
LIMITS = UploadLimits(
    max_mb=1, max_rows=5000, max_columns=300, max_cells=200_000, timeout_s=20, memory_mb=2048
)

HEADERS = [
    "country", "iso3", "國家", "Country Name", "Country Code", "year", "年份", "value", "數值",
    "indicator", "Indicator Code", "unit", "", " ", "=cmd|' /C calc'!A0", "2020", "2021 [YR2021]",
    "x" * 300, "\ufeffcountry", "value", "Unnamed: 3", "null", "NaN",
]  # fmt: skip
CELLS = [
    "Taiwan", "TWN", "台灣", "臺灣", "Korea, Rep.", "World", "Atlantis", "", " ", "..", "n/a",
    "12.3", "1,234.5", "12,5", "12.3%", "−5", "１２", "1e308", "-1e308", "1e400", "inf", "-inf",
    "nan", "NaN", "-3", "150", "0.5", "2020", "2024-13-45", "2023-02-29", "2020-12-31", "FY20",
    "1899", "2101", "=1+1", "+SUM(A1)", "@x", "upload.a", "UPLOAD.A", "bad code!", "oxford.policy_capacity",
    "epoch.clusters", "\x00", "\u202e", "😀", "a\nb", '"', "'", ",", ";", "\t", "x" * 400,
]  # fmt: skip


def _grid(rng: random.Random) -> list[list[str]]:
    cols = rng.choice([1, 2, 3, 4, 5, 8, rng.randint(1, 60)])
    rows = rng.choice([0, 1, 2, 5, 20, rng.randint(0, 150)])
    header = [rng.choice(HEADERS) for _ in range(cols)]
    if rng.random() < 0.5:  # a plausible long layout, to reach the value checks
        header = ["country", "indicator", "year", "value"][: max(cols, 2)] + header[4:]
        cols = len(header)
    body = []
    for _ in range(rows):
        width = cols if rng.random() < 0.9 else rng.randint(0, cols + 3)
        body.append([rng.choice(CELLS) for _ in range(width)])
    return [header, *body]


def _text(rng: random.Random, delim: str) -> bytes:
    grid = _grid(rng)
    lines = []
    for row in grid:
        cells = [f'"{c}"' if rng.random() < 0.2 else c for c in row]
        lines.append(delim.join(cells))
    text = rng.choice(["\n", "\r\n", "\r"]).join(lines)
    if rng.random() < 0.1:
        text = "title line\nsource: somewhere\n\n" + text
    encoding = rng.choice(["utf-8", "utf-8-sig", "utf-16", "cp950", "gb18030", "latin-1", "utf-8"])
    data = text.encode(encoding, errors="replace")
    mutate = rng.random()
    if mutate < 0.08:
        data = data[: rng.randint(0, len(data))]
    elif mutate < 0.14:
        data = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 3000)))
    elif mutate < 0.18:
        data = data + b"\x00" * rng.randint(1, 100)
    elif mutate < 0.22:
        data = b"country,value\n" + b"TWN,1\n" * rng.randint(5001, 9000)  # past max_rows
    elif mutate < 0.25:
        data = b"," * rng.randint(301, 5000) + b"\n1\n"  # past max_columns
    return data


def _xlsx(rng: random.Random) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    for r, row in enumerate(_grid(rng), start=1):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c)
            if value.startswith("="):
                cell.value = value
            elif rng.random() < 0.3:
                try:
                    cell.value = float(value)
                except ValueError:
                    cell.value = value.replace("\x00", "")
            else:
                cell.value = "".join(ch for ch in value if ch >= " " or ch in "\t\n")
    if rng.random() < 0.15:
        ws.cell(
            row=rng.choice([10, 1000, 10_000, 1_048_576]),
            column=rng.choice([1, 50, 16_384]),
            value=1,
        )
    if rng.random() < 0.2:
        meta = book.create_sheet("metadata")
        meta.append(["code", "name_en", "unit"])
        meta.append(
            ["upload.a", rng.choice(CELLS).replace("\x00", ""), rng.choice(["count", "%", ""])]
        )
    if rng.random() < 0.1:
        book.create_sheet("empty")
    buf = io.BytesIO()
    book.save(buf)
    data = buf.getvalue()
    mutate = rng.random()
    if mutate < 0.1:
        data = data[: rng.randint(0, len(data))]
    elif mutate < 0.15:
        data = b"PK\x03\x04" + bytes(rng.getrandbits(8) for _ in range(rng.randint(10, 2000)))
    elif mutate < 0.2:  # a sheet swapped for a large, highly compressible one
        out = io.BytesIO()
        with (
            zipfile.ZipFile(io.BytesIO(data)) as src,
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
        ):
            for info in src.infolist():
                body = src.read(info)
                if info.filename.endswith("sheet1.xml"):
                    body = body.replace(b"<sheetData>", b"<sheetData>" + b"<row/>" * 3_000_000)
                dst.writestr(info.filename, body)
        data = out.getvalue()
    return data  # noqa: RET504


def _parquet(rng: random.Random) -> bytes:
    n = rng.choice([0, 1, 3, 50, rng.randint(0, 2000)])
    pool: list[Callable[[], object]] = [
        lambda: np.array([rng.choice(CELLS) for _ in range(n)], dtype=object),
        lambda: np.array([rng.choice([1.0, -1.0, np.inf, np.nan, 1e308, -0.0]) for _ in range(n)]),
        lambda: np.array([rng.randint(-(2**62), 2**62) for _ in range(n)], dtype="int64"),
        lambda: np.array([rng.random() < 0.5 for _ in range(n)]),
        lambda: pd.to_datetime(np.array([rng.randint(0, 2**40) for _ in range(n)]), unit="s"),
        lambda: np.array([None] * n, dtype=object),
        lambda: np.array([bytes([rng.getrandbits(8)]) for _ in range(n)], dtype=object),
    ]
    names = [rng.choice(HEADERS) or "c" for _ in range(rng.randint(1, 8))]
    if rng.random() < 0.5:
        names = ["country", "indicator", "year", "value", *names[4:]]
    frame = pd.DataFrame(
        {f"{name}" if i == 0 else f"{name}.{i}": rng.choice(pool)() for i, name in enumerate(names)}
    )
    if rng.random() < 0.3 and n:
        frame = pd.DataFrame(
            {
                "country": [rng.choice(CELLS[:7]) for _ in range(n)],
                "indicator": [rng.choice(["upload.a", "epoch.clusters", "Bad!"]) for _ in range(n)],
                "year": [rng.choice([2020, 1800, 2024, -1]) for _ in range(n)],
                "value": [rng.choice([1.0, -2.0, 1e308, np.inf, np.nan, 150.0]) for _ in range(n)],
            }
        )
    buf = io.BytesIO()
    frame.to_parquet(buf)
    data = buf.getvalue()
    if rng.random() < 0.15:
        data = data[: rng.randint(0, len(data))]
    return data


GENERATORS: dict[str, Callable[[random.Random], bytes]] = {
    "csv": lambda rng: _text(rng, rng.choice([",", ";", "|"])),
    "tsv": lambda rng: _text(rng, "\t"),
    "xlsx": _xlsx,
    "parquet": _parquet,
}


def test_malformed_files_never_crash_or_publish(tmp_path: Path, datasets_dir: Path) -> None:
    store = DuckDBStore(tmp_path / STORE_FILE, datasets_dir)
    ref = reference_from_store(store)
    before = len(store.versions())
    rng = random.Random(SEED)
    files = [
        (f"f{i:03d}.{kind}", gen(rng)) for kind, gen in GENERATORS.items() for i in range(PER_KIND)
    ]
    assert len(files) >= 300
    published = 0
    slowest = 0.0
    crashes: list[str] = []
    for name, data in files:
        start = time.monotonic()
        try:
            report = check_upload(data, name, ref, limits=LIMITS)
        except Exception as exc:  # noqa: BLE001 (what the fuzz looks for)
            crashes.append(f"{name}: {type(exc).__name__}: {exc}")
            continue
        slowest = max(slowest, time.monotonic() - start)
        details = [i.params.get("detail", "") for i in report.issues.items]
        crashes += [
            f"{name}: {d}" for d in details if str(d).startswith("the file could not be checked")
        ]
        if report.ok:
            publish_report(store, report, author="fuzz")
            published += 1
        else:
            with pytest.raises(UploadError):
                publish_report(store, report, author="fuzz")
    assert not crashes, crashes[:10]
    assert len(store.versions()) == before + published
    assert slowest < LIMITS.timeout_s + 5

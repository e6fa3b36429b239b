"""Upload limits (before parsing and as read), the isolated reader, meaning checks on numbers,
formula cells, and spreadsheet-safe CSV from the command line."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from risk.bench import far_cell_workbook
from risk.store.embedded import STORE_FILE, DuckDBStore
from risk.upload.limits import SETTINGS, LimitExceeded, UploadLimits, check_before_parsing
from risk.upload.matching import Reference, reference_from_store
from risk.upload.validate import check_upload
from risk.upload.values import unit_bounds

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def ref(tmp_path_factory: pytest.TempPathFactory, datasets_dir: Path) -> Reference:
    store = DuckDBStore(tmp_path_factory.mktemp("guard") / STORE_FILE, datasets_dir)
    return reference_from_store(store)


def _codes(report: object) -> set[str]:
    return {i.code for i in report.issues.items}  # type: ignore[attr-defined]


def _xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for r in rows:
        book.active.append(r)  # type: ignore[union-attr]
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def test_far_cell_workbook_is_refused_before_parsing(ref: Reference) -> None:
    data = far_cell_workbook()
    assert len(data) < 6000
    start = time.monotonic()
    report = check_upload(data, "far.xlsx", ref)
    assert time.monotonic() - start < 1
    assert _codes(report) == {"limit_max_columns"}
    item = report.summary("en")["errors"][0]
    assert "16,384" in item["message"] and "RISK_UPLOAD_MAX_COLUMNS" in item["fix"]
    zh = report.summary("zh-TW")["errors"][0]
    assert "欄數" in zh["message"] and "RISK_UPLOAD_MAX_COLUMNS" in zh["fix"]


def test_far_cell_import_cli_is_refused(tmp_path: Path, datasets_dir: Path, data_dir: Path) -> None:
    DuckDBStore(data_dir / STORE_FILE, datasets_dir)  # an existing store, as in use
    path = tmp_path / "far.xlsx"
    path.write_bytes(far_cell_workbook())
    out = subprocess.run(
        [sys.executable, "-m", "risk", "import", "--dry-run", str(path)],
        cwd=ROOT,
        env={**os.environ, "RISK_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 1, out.stderr
    assert "RISK_UPLOAD_MAX_COLUMNS" in out.stdout


def test_refused_import_never_opens_the_store(
    tmp_path: Path, datasets_dir: Path, data_dir: Path
) -> None:
    """A file past a size limit is refused before the store is opened (nor created, nor
    upgraded): the refusal costs no more than reading the file."""
    path = tmp_path / "far.xlsx"
    path.write_bytes(far_cell_workbook())
    empty = tmp_path / "no-store-yet"
    empty.mkdir()
    out = subprocess.run(
        [sys.executable, "-m", "risk", "import", str(path)],
        cwd=ROOT,
        env={**os.environ, "RISK_DATA_DIR": str(empty)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 1, out.stderr
    assert "RISK_UPLOAD_MAX_COLUMNS" in out.stdout
    assert list(empty.iterdir()) == []


def test_far_cell_refusal_is_small(tmp_path: Path) -> None:
    """The refusal itself, in a fresh process: the upload entry point with the far-cell workbook
    (peak resident memory of the whole process, interpreter and readers included)."""
    code = (
        "import io, openpyxl, pandas as pd\n"
        "from risk.harmonise import CountryMatcher\n"
        "from risk.upload.matching import Reference\n"
        "from risk.upload.validate import check_upload\n"
        "names = pd.DataFrame({'iso3': ['TWN'], 'name': ['Taiwan']})\n"
        "ref = Reference(CountryMatcher(names, names['iso3']), names, pd.DataFrame(), pd.DataFrame())\n"
        "book = openpyxl.Workbook(); book.active['XFD1048576'] = 1\n"
        "buf = io.BytesIO(); book.save(buf)\n"
        "report = check_upload(buf.getvalue(), 'far.xlsx', ref)\n"
        "assert [i.code for i in report.issues.items] == ['limit_max_columns']\n"
        "print([ln for ln in open('/proc/self/status') if ln.startswith('VmHWM')][0].split()[1])\n"
    )
    start = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert time.monotonic() - start < 30
    # VmHWM: this process's own peak (ru_maxrss of a forked child counts the parent's pages)
    assert int(out.stdout.split()[-1]) / 1024 < 300  # MB


def test_highly_compressed_sheet_is_refused(ref: Reference) -> None:
    # A sheet of 60 MB of repeated rows that declares no dimension, compressed about 500:1.
    row = '<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<sheetData>" + row * 1_200_000 + "</sheetData></worksheet>"
    )
    book = io.BytesIO(_xlsx([["country", "value"]]))
    out = io.BytesIO()
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = sheet.encode()
            dst.writestr(info.filename, body)
    data = out.getvalue()
    assert len(data) < 1_000_000
    report = check_upload(data, "bomb.xlsx", ref)
    assert _codes(report) == {"limit_max_zip_ratio"}


def test_lying_dimension_is_caught_as_read(ref: Reference) -> None:
    # Declares A1:B2 but holds 51 rows: the reader counts what it really reads.
    good = _xlsx(
        [["country", "year", "value", "indicator"]] + [["TWN", 2020, i, "x"] for i in range(50)]
    )
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:B2"', body)
            dst.writestr(info.filename, body)
    limits = UploadLimits(max_rows=20)
    check_before_parsing(out.getvalue(), "a.xlsx", limits)  # the declaration passes
    report = check_upload(out.getvalue(), "a.xlsx", ref, limits=limits)
    assert _codes(report) == {"limit_max_rows"}


@pytest.mark.parametrize(
    ("name", "data", "limits", "code"),
    [
        ("big.csv", b"country,value\n" + b"TWN,1\n" * 200_000, UploadLimits(max_mb=1), "max_mb"),
        ("rows.csv", b"country,value\n" + b"TWN,1\n" * 1000, UploadLimits(max_rows=500), "max_rows"),
        ("cols.csv", b",".join(b"c%d" % i for i in range(300)) + b"\n", UploadLimits(max_columns=100), "max_columns"),
        ("cells.tsv", b"a\tb\tc\n" + b"1\t2\t3\n" * 400, UploadLimits(max_cells=1000), "max_cells"),
    ],
)  # fmt: skip
def test_limits_before_parsing(name: str, data: bytes, limits: UploadLimits, code: str) -> None:
    with pytest.raises(LimitExceeded) as exc:
        check_before_parsing(data, name, limits)
    assert exc.value.name == code


def test_parquet_limits_from_the_footer() -> None:
    buf = io.BytesIO()
    pd.DataFrame({f"c{i}": range(100) for i in range(20)}).to_parquet(buf)
    with pytest.raises(LimitExceeded, match="RISK_UPLOAD_MAX_CELLS"):
        check_before_parsing(buf.getvalue(), "a.parquet", UploadLimits(max_cells=1000))


def test_limits_come_from_the_environment() -> None:
    env = {s.env: "7" for s in SETTINGS}
    limits = UploadLimits.from_env(env)
    assert all(getattr(limits, s.name) == 7 for s in SETTINGS)
    assert UploadLimits.from_env({"RISK_UPLOAD_MAX_MB": "nonsense"}).max_mb == 100


def test_every_limit_is_documented_and_translated() -> None:
    from risk.i18n import strings

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    limits_doc = (ROOT / "risk" / "upload" / "limits.py").read_text(encoding="utf-8")
    for s in SETTINGS:
        assert s.env in limits_doc
        for part in ("issue", "fix", "kind"):
            assert set(strings()[f"data.{part}.limit_{s.name}"]) == {"zh-TW", "en"}
    del readme


def test_time_budget_ends_the_check(ref: Reference) -> None:
    rows = "\n".join(f"TWN,{1900 + i % 100},{i},x{i}" for i in range(50_000))
    data = ("country,year,value,indicator\n" + rows).encode()
    report = check_upload(data, "slow.csv", ref, limits=UploadLimits(timeout_s=0.01))
    assert _codes(report) == {"limit_timeout_s"}


def test_memory_limit_ends_the_check(ref: Reference) -> None:
    rows = "\n".join(f"TWN,{1900 + i % 100},{i},x" for i in range(200_000))
    data = ("country,year,value,indicator\n" + rows).encode()
    report = check_upload(data, "big.csv", ref, limits=UploadLimits(memory_mb=300))
    assert _codes(report) == {"limit_memory_mb"}


# -- numbers checked for meaning ---------------------------------------------------------------
def _long(rows: list[tuple[str, str, str, str]]) -> bytes:
    body = "\n".join(",".join(r) for r in rows)
    return ("country,indicator,year,value\n" + body + "\n").encode()


@pytest.mark.parametrize(
    ("rows", "severity", "code"),
    [
        ([("Taiwan", "upload.a", "2024-13-45", "1")], "error", "date_invalid"),
        ([("Taiwan", "upload.a", "2023-02-29", "1")], "error", "date_invalid"),
        ([("Taiwan", "upload.a", "2020", "1e308")], "error", "value_absurd"),
        ([("Taiwan", "upload.a", "2020", "1e400")], "error", "value_not_finite"),
        ([("Taiwan", "upload.a", "2020", "inf")], "error", "value_not_finite"),
        ([("Taiwan", "epoch.clusters", "2020", "-3")], "error", "value_negative"),
        ([("Taiwan", "oxford.policy_capacity", "2020", "140")], "error", "value_out_of_range"),
    ],
)
def test_numbers_checked_for_meaning(
    ref: Reference, rows: list[tuple[str, str, str, str]], severity: str, code: str
) -> None:
    report = check_upload(_long(rows), "m.csv", ref)
    found = [i for i in report.issues.items if i.code == code]
    assert found and found[0].severity == severity, _codes(report)
    assert found[0].row == 2
    assert not report.ok
    for lang in ("en", "zh-TW"):
        assert not found[0].message(lang).startswith("data.")
        assert not found[0].fix(lang).startswith("data.")


def test_real_dates_are_years(ref: Reference) -> None:
    report = check_upload(_long([("Taiwan", "upload.a", "2024-02-29", "1")]), "d.csv", ref)
    assert "date_invalid" not in _codes(report)
    assert report.observations["year"].tolist() == [2024]


def test_unit_rules() -> None:
    assert unit_bounds("count") == ("count", 0.0, None)
    assert unit_bounds("% of population") == ("range", 0.0, 100.0)
    assert unit_bounds("%")[0] == "percent"
    assert unit_bounds("% of GDP")[0] == "any"
    assert unit_bounds("annual %")[0] == "any"
    assert unit_bounds("score 0-100") == ("range", 0.0, 100.0)


def test_formula_cells_are_reported(ref: Reference) -> None:
    data = _xlsx(
        [
            ["country", "indicator", "year", "value"],
            ["Taiwan", "upload.a", 2020, 1],
            ["Japan", "upload.a", 2020, "=B2*2"],
        ]
    )
    report = check_upload(data, "f.xlsx", ref)
    found = [i for i in report.issues.items if i.code == "formula_no_value"]
    assert found and found[0].row == 3 and found[0].column == "D"
    assert "=B2*2" in found[0].message("en")
    assert not report.ok


# -- CSV from the command line ----------------------------------------------------------------
def test_cli_csv_is_spreadsheet_safe(datasets_dir: Path, data_dir: Path) -> None:
    store = DuckDBStore(data_dir / STORE_FILE, datasets_dir)
    store.publish(
        pd.DataFrame({"iso3": ["TWN"], "indicator": ["upload.x"], "year": [2020], "value": [-1.5]}),
        author="=HYPERLINK(1)",
        note="@SUM(A1)",
    )
    env = {**os.environ, "RISK_DATA_DIR": str(data_dir)}
    out = subprocess.run(
        [sys.executable, "-m", "risk", "versions", "--format", "csv"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "'=HYPERLINK(1)" in out and "'@SUM(A1)" in out
    assert "\n=" not in out and ",=" not in out and ",@" not in out


def test_the_isolated_reader_never_runs_the_entry_script(tmp_path: Path) -> None:
    """Under `streamlit run dashboard.py` the entry script is `__main__`; the reader's forkserver
    must not import it (that would run the whole app outside Streamlit)."""
    marker = tmp_path / "ran"
    script = tmp_path / "entry.py"
    script.write_text(
        "import pathlib, sys\n"
        f"pathlib.Path({str(marker)!r}).open('a').write('x')\n"
        "if __name__ == '__main__':\n"
        "    from risk.upload.isolate import run_isolated\n"
        "    from risk.upload.limits import UploadLimits\n"
        "    print(run_isolated(len, ('abc',), UploadLimits.from_env()))\n",
        encoding="utf-8",
    )
    out = subprocess.run(
        [sys.executable, str(script)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "3"
    assert marker.read_text() == "x"  # the script ran once, in its own process only

"""Benchmarks in a real browser: what a person feels, measured beside a reference app in the same run.

Each benchmark starts its own Streamlit servers on free loopback ports (the dashboard on a private
data directory, and the smallest possible pydeck map as a one-line app written to a temporary
folder) and drives Debian's headless Chromium through Playwright. Timings are medians of seconds;
`load_avg_1m` records how busy the machine was, so runs on a shared machine can be read fairly.
Without Playwright or Chromium the benchmarks say why on stderr and return nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from risk.paths import PROJECT_ROOT
from risk.present.painted import painted_js
from risk.store.local_postgres import free_port

CHROMIUM = os.environ.get("RISK_CHROMIUM", "/usr/bin/chromium")
READY = (
    "[data-testid=stApp][data-test-script-state=notRunning][data-test-connection-state=CONNECTED]"
)
# A browser's first overview draws the map, then asks for the rest of the page with this element
# (ui.map_first); the page is whole once it is gone and the sidebar's language switch, which every
# whole page has and a first screen has not, is there.
MAP_FIRST = ".st-key-map_first"
WHOLE_PAGE = ".st-key-_lang_widget"
# Streamlit draws a grey placeholder for an element whose script is still loading (a table, a
# slider): the page is only whole to its reader once none is left.
ALL_DRAWN = "() => !document.querySelector('[data-testid=stSkeleton]')"
# The reference: one pickable polygon over most of the world, and nothing else.
REFERENCE_APP = (
    "import pydeck as pdk, streamlit as st; st.pydeck_chart(pdk.Deck(pdk.Layer("
    "'SolidPolygonLayer', [{'p': [[-170, -60], [170, -60], [170, 75], [-170, 75]]}], "
    "get_polygon='p', get_fill_color=[192, 57, 43], pickable=True), map_provider=None))\n"
)
# True once the map canvas shows coloured pixels (a drawn choropleth, not a blank or grey canvas).
PAINTED = painted_js(64, 36, 200)
# Records when the script run that follows an action has finished (the stApp attribute goes
# running -> notRunning), then the next two animation frames (the browser has drawn the result).
# A run served from the caches can start and finish between two looks at the attribute: the view's
# URL, which every run that changes the view rewrites, tells that one apart.
WATCH_RERUN = """() => {
    const app = document.querySelector('[data-testid=stApp]');
    const before = location.href;
    window.__rerun = {running: false, done: false};
    const check = () => {
        const s = app.getAttribute('data-test-script-state');
        if (s === 'running') window.__rerun.running = true;
        else if ((window.__rerun.running || location.href !== before) && s === 'notRunning'
                 && !window.__rerun.done) {
            window.__rerun.done = 'drawing';
            obs.disconnect();
            clearInterval(timer);
            requestAnimationFrame(() => requestAnimationFrame(() => { window.__rerun.done = true; }));
        }
    };
    const obs = new MutationObserver(check);
    obs.observe(app, {attributes: true});
    const timer = setInterval(check, 20);
}"""
RERUN_DONE = "() => window.__rerun && window.__rerun.done === true"
# the slider thumb: the element holding the (visually hidden) range input
WEIGHT_SLIDER = ".st-key-w_gov_support input[type=range] >> xpath=../.."
OVERVIEW_TEXT = "Ranked shortlist"
VIEWPORT = {"width": 1400, "height": 1000}


def skip_reason() -> str | None:
    """Why the browser benchmarks cannot run here, or None."""
    try:
        import playwright  # noqa: F401  (deferred: a development dependency)
    except ImportError:
        return "playwright is not installed (pip install -r requirements-dev.txt)"
    if not Path(CHROMIUM).exists():
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    return None


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def _with_children(pid: int) -> list[int]:
    """A process and all its descendants (from /proc)."""
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                todo += [int(c) for c in task.read_text().split()]
    return out


def _peak_mb(pid: int) -> float:
    """A process's peak resident memory (VmHWM) in MB; NaN when it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return float("nan")
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


class Server:
    """A server on a free loopback port, ready when constructed: `streamlit run <script>` (healthy),
    or with `warmed` the dashboard's own launcher (`python -m ui.serve`: healthy, then warmed by
    opening the overview once in each language). `ready_s` is the time from launch to ready."""

    def __init__(
        self, script: Path, cwd: Path, env: dict[str, str], log: Path, *, warmed: bool = False
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = open(log, "w")  # noqa: SIM115 (kept open for the server's lifetime)
        options = ["--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
        command = (
            [sys.executable, "-m", "ui.serve", "--port", str(self.port), "--", *options]
            if warmed
            else [
                *(sys.executable, "-m", "streamlit", "run", str(script)),
                *("--server.headless", "true", "--server.address", "127.0.0.1"),
                *("--server.port", str(self.port), *options),
            ]
        )
        start = time.monotonic()
        self.proc = subprocess.Popen(
            command,
            cwd=cwd,
            env={**os.environ, **env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # one process group: `stop` ends the server with its launcher
        )
        deadline = start + 300
        while time.monotonic() < deadline and self.proc.poll() is None:
            if self._ready(log, warmed):
                self.ready_s = round(time.monotonic() - start, 3)
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("server did not become ready: " + log.read_text()[-2000:])

    def _ready(self, log: Path, warmed: bool) -> bool:
        if warmed:
            text = log.read_text()
            if f"not warmed: {self.url}" in text:  # a cold server must not be measured as warmed
                raise RuntimeError("the dashboard's warm-up failed: " + text[-2000:])
            return f"ready: {self.url}" in text
        try:
            with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as resp:
                return bool(resp.read().strip() == b"ok")
        except OSError:
            return False

    def peak_mb(self) -> float:
        """The server's peak resident memory so far (VmHWM), in MB: the largest of the started
        process and its children (with `warmed`, the Streamlit server is the launcher's child)."""
        peaks = [_peak_mb(pid) for pid in _with_children(self.proc.pid)]
        return max((p for p in peaks if p == p), default=float("nan"))

    def stop(self) -> None:
        self.proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=20)
        with contextlib.suppress(ProcessLookupError):  # whatever is left of the group
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self._log.close()


@contextlib.contextmanager
def servers(tmp: Path, *, reference: bool = True) -> Iterator[tuple[Server, Server | None]]:
    """The dashboard on a fresh data directory (with one saved short link), and the reference."""
    data = tmp / "data"
    env = {"RISK_DATA_DIR": str(data), "PYTHONPATH": str(PROJECT_ROOT)}
    save = (
        "from risk.share import save_view; from risk.store import open_store; "
        "print(save_view(open_store(), {'lang': 'en', 'metric': 'financial'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", save],
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    (tmp / "view_id").write_text(out.stdout.strip().splitlines()[-1])
    ref_dir = tmp / "reference"
    ref_dir.mkdir()
    (ref_dir / "app.py").write_text(REFERENCE_APP)
    app = Server(PROJECT_ROOT / "dashboard.py", PROJECT_ROOT, env, tmp / "app.log", warmed=True)
    ref = None
    try:
        if reference:
            ref = Server(ref_dir / "app.py", ref_dir, {}, tmp / "reference.log")
        yield app, ref
    finally:
        app.stop()
        if ref is not None:
            ref.stop()


def _paint(browser: Any, url: str) -> float:
    """Seconds from navigation in a fresh browser context (empty cache) to a coloured map."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    try:
        start = time.perf_counter()
        page.goto(url)
        page.wait_for_function(PAINTED, timeout=120_000, polling=50)
        return time.perf_counter() - start
    finally:
        context.close()


def wait_whole_page(page: Any, text: str, timeout: float = 120_000) -> None:
    """Wait until the page has run, shows `text`, and is whole: a first overview's rest arrived and
    every element is drawn (no placeholder left)."""
    page.wait_for_selector(READY, timeout=timeout)
    page.get_by_text(text, exact=False).first.wait_for(timeout=timeout)
    page.wait_for_selector(WHOLE_PAGE, state="attached", timeout=timeout)
    page.wait_for_selector(MAP_FIRST, state="detached", timeout=timeout)
    page.wait_for_selector(READY, timeout=timeout)
    page.wait_for_function(ALL_DRAWN, timeout=timeout, polling=20)


def _ready(browser: Any, url: str, text: str) -> float:
    """Seconds from navigation in a fresh context until the page has run and shows `text`."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    try:
        start = time.perf_counter()
        page.goto(url)
        wait_whole_page(page, text)
        return time.perf_counter() - start
    finally:
        context.close()


def _drag_weight(page: Any, dx: float) -> None:
    thumb = page.locator(WEIGHT_SLIDER).first
    box = thumb.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx, y, steps=4)


def _weight_changes(browser: Any, url: str, n: int) -> list[float]:
    """Seconds from releasing a weight slider to the rerun's map and table drawn, n times."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector(READY, timeout=120_000)
    page.get_by_text(OVERVIEW_TEXT).first.wait_for(timeout=120_000)
    page.wait_for_function(PAINTED, timeout=120_000, polling=50)
    times = []
    for i in range(n):
        page.wait_for_selector(READY, timeout=120_000)
        _drag_weight(page, 12 if i % 2 == 0 else -9)  # each release is a new spec
        page.evaluate(WATCH_RERUN)
        start = time.perf_counter()
        page.mouse.up()
        page.wait_for_function(RERUN_DONE, timeout=120_000, polling=20)
        times.append(time.perf_counter() - start)
    context.close()
    return times


def _note(what: str, value: object) -> None:
    print(f"bench: {what} {value} (load {load_average()})", file=sys.stderr, flush=True)


def _median(xs: list[float]) -> float:
    return round(statistics.median(xs), 3)


def browser_bench(repeats: int = 3) -> dict[str, float]:
    """First map (cold: the first visitor of a new server, just warmed by its launcher; warm: a
    fresh browser on a serving server) for the dashboard and the reference app, a weight change in
    the browser, a short link, and the profile and compare pages (warm)."""
    if reason := skip_reason():
        print(f"browser benchmark skipped: {reason}", file=sys.stderr)
        return {}
    from playwright.sync_api import sync_playwright  # deferred: a development dependency

    load_before = load_average()
    with tempfile.TemporaryDirectory() as name, sync_playwright() as pw:
        tmp = Path(name)
        browser = pw.chromium.launch(executable_path=CHROMIUM)
        with servers(tmp) as (app, ref):
            assert ref is not None
            overview = app.url + "/?lang=en"
            view_id = (tmp / "view_id").read_text()
            out = {
                "first_map_cold_s": round(_paint(browser, overview), 3),
                "reference_first_map_cold_s": round(_paint(browser, ref.url), 3),
                "server_ready_s": app.ready_s,  # launch -> warmed (`ui.serve`)
                "reference_server_ready_s": ref.ready_s,  # launch -> healthy
            }
            _note("cold", out)
            warm: list[float] = []
            ref_warm: list[float] = []
            for _ in range(repeats):  # interleaved, so both see the same load
                warm.append(_paint(browser, overview))
                ref_warm.append(_paint(browser, ref.url))
            _note("warm", (warm, ref_warm))
            out["first_map_warm_s"] = _median(warm)
            out["reference_first_map_warm_s"] = _median(ref_warm)
            out["short_link_open_s"] = _median(
                [_paint(browser, f"{app.url}/?view={view_id}") for _ in range(repeats)]
            )
            # the whole overview (controls, ranked table, sharing) after the map came first
            out["overview_complete_s"] = _median(
                [_ready(browser, overview, OVERVIEW_TEXT) for _ in range(repeats)]
            )
            out["browser_weight_change_s"] = _median(
                _weight_changes(browser, overview, 2 * repeats + 1)
            )
            profile = app.url + "/profile?lang=en&country=SAU"
            compare = app.url + "/compare?lang=en&compare=SAU,ARE,IND"
            _ready(browser, profile, "Every indicator")  # warm: the server has served each once
            _ready(browser, compare, "Why one ranks above another")
            out["profile_ready_s"] = _median(
                [_ready(browser, profile, "Every indicator") for _ in range(repeats)]
            )
            out["compare_ready_s"] = _median(
                [_ready(browser, compare, "Why one ranks above another") for _ in range(repeats)]
            )
        browser.close()
    out["browser_load_avg_1m"] = round((load_before + load_average()) / 2, 2)
    return out


class Crowd:
    """Lets every visitor release its slider together, once all pages have loaded (or failed):
    each says `arrived()` once; `gate` opens with the last (browsers here, `ui.bench_crowd`'s
    protocol sessions)."""

    def __init__(self, sessions: int) -> None:
        self.left = sessions
        self.gate = asyncio.Event()

    def arrived(self) -> None:
        self.left -= 1
        if self.left <= 0:
            self.gate.set()


async def _session(browser: Any, url: str, crowd: Crowd) -> tuple[float | None, float | None]:
    """One visitor: open the overview, then (when every visitor is in) release a weight slider.
    Returns (page load seconds, weight change seconds), None for a step that failed (said on
    stderr): one lost visitor must not lose the others' figures."""
    context = await browser.new_context(viewport={"width": 1200, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(LOAD_TIMEOUT_MS)
    arrived = False
    opened: float | None = None
    try:
        start = time.perf_counter()
        await page.goto(url)
        # ready, showing the page's text, and ready again: the first run has finished
        await page.wait_for_selector(READY)
        await page.get_by_text(OVERVIEW_TEXT).first.wait_for()
        await page.wait_for_selector(READY)
        opened = time.perf_counter() - start
        crowd.arrived()
        arrived = True
        await crowd.gate.wait()
        box = await page.locator(WEIGHT_SLIDER).first.bounding_box()
        if box is None:
            raise RuntimeError("the weight slider is not on screen")
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        await page.mouse.move(x, y)
        await page.mouse.down()
        await page.mouse.move(x + 12, y, steps=4)
        await page.evaluate(WATCH_RERUN)
        start = time.perf_counter()
        await page.mouse.up()
        await page.wait_for_function(RERUN_DONE, polling=20)
        return opened, time.perf_counter() - start
    except Exception as exc:  # noqa: BLE001 (counted and reported, the crowd goes on)
        print(f"bench: a visitor failed: {type(exc).__name__}: {exc}"[:400], file=sys.stderr)
        return opened, None
    finally:
        if not arrived:
            crowd.arrived()
        await context.close()


LOAD_TIMEOUT_MS = 300_000  # a crowd on a small machine is slow; a visitor waits this long


async def _crowd(url: str, sessions: int) -> tuple[list[float | None], list[float | None]]:
    from playwright.async_api import async_playwright  # deferred: a development dependency

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM)
        crowd = Crowd(sessions)
        results = await asyncio.gather(*(_session(browser, url, crowd) for _ in range(sessions)))
        await browser.close()
    return [r[0] for r in results], [r[1] for r in results]


def _p95(xs: list[float]) -> float:
    ordered = sorted(xs)
    return round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], 3)


def _server_crowd(url: str, sessions: int) -> tuple[list[float | None], list[float | None]]:
    """The same crowd through Streamlit's websocket protocol (`ui.bench_crowd`, in a subprocess so
    the library never imports Streamlit): what the server takes, without the browsers."""
    proc = subprocess.run(
        [sys.executable, "-m", "ui.bench_crowd", url, str(sessions)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    if proc.stderr.strip():
        print(proc.stderr.strip()[-2000:], file=sys.stderr)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return result["open"], result["change"]


def _crowd_figures(
    prefix: str, opened: list[float | None], changed: list[float | None]
) -> dict[str, float]:
    """Median and p95 of the opens (`<prefix>_open_*`) and of the weight changes (`<prefix>_*`),
    and how many of each failed (the others still count)."""
    out: dict[str, float] = {}
    for name, times in ((f"{prefix}_open", opened), (prefix, changed)):
        done = [t for t in times if t is not None]
        if done:
            out[f"{name}_median_s"] = _median(done)
            out[f"{name}_p95_s"] = _p95(done)
        out[f"{name}_failed"] = float(len(times) - len(done))
    return out


def load_bench(sessions: int = 25) -> dict[str, float]:
    """`load_25_sessions_*`: 25 sessions open the overview of one (already serving) server at once,
    then each moves a weight slider; p95 and median seconds, and the server's peak resident memory.

    The sessions speak Streamlit's own protocol, as a browser does: what the server takes when
    every visitor has a machine of their own. Then `load_25_browsers_*`: the same as 25 headless
    browsers on this machine (on a small machine mostly the browsers' own drawing, in software)."""
    if reason := skip_reason():
        print(f"load benchmark skipped: {reason}", file=sys.stderr)
        return {}
    load_before = load_average()
    from playwright.sync_api import sync_playwright  # deferred: a development dependency

    key, browsers = f"load_{sessions}_sessions", f"load_{sessions}_browsers"
    with tempfile.TemporaryDirectory() as name, servers(Path(name), reference=False) as (app, _):
        with sync_playwright() as pw:  # one visitor first: the server is serving
            browser = pw.chromium.launch(executable_path=CHROMIUM)
            _ready(browser, app.url + "/?lang=en", OVERVIEW_TEXT)
            browser.close()
        out = _crowd_figures(key, *_server_crowd(app.url, sessions))
        out[f"{key}_peak_mb"] = app.peak_mb()
        _note("sessions", out)
        crowd = asyncio.run(_crowd(app.url + "/?lang=en", sessions))
        out.update(_crowd_figures(browsers, *crowd))
        out[f"{browsers}_peak_mb"] = app.peak_mb()
    out["load_load_avg_1m"] = round((load_before + load_average()) / 2, 2)
    return out

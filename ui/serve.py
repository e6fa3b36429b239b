"""`python -m ui.serve [--port P] [--address A] [--lang L] [-- streamlit options]`: the dashboard's
server, warmed before anyone visits.

Starts `streamlit run dashboard.py`, waits until it answers its health check, then opens the
overview once in each language over Streamlit's own protocol (`ui.visit`): the imports, the store,
the scoring engine, the default ranking with its uncertainty and the overview's shared views are
ready before the first visitor arrives, who would otherwise wait for all of them. Then it says
"ready" and stays in front of the server until stopped (Ctrl-C or SIGTERM stop both).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from types import FrameType

from risk.i18n import LANGS, t
from risk.paths import PROJECT_ROOT
from ui.visit import TIMEOUT_S, connection, rerun_request, stream_url, until_finished

HEALTH_TIMEOUT_S = 120.0


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
            return bool(resp.read().strip() == b"ok")
    except OSError:
        return False


async def _open_overview(url: str, lang: str) -> str | None:
    """Open the overview in `lang` as a visitor would; None, or what went wrong."""
    try:
        async with connection(stream_url(url)) as ws:
            await ws.send(rerun_request(f"lang={lang}"))
            page = await asyncio.wait_for(until_finished(ws), TIMEOUT_S)
    except Exception as exc:  # noqa: BLE001 (reported; the server serves anyway)
        return f"{type(exc).__name__}: {exc}"
    return page["exception"]


def warm(url: str, lang: str) -> bool:
    """Open the overview in each language; report failures in `lang`. True if all went well."""
    start = time.perf_counter()
    ok = True
    for page_lang in LANGS:
        if (error := asyncio.run(_open_overview(url, page_lang))) is not None:
            print(t("serve.warm_failed", lang, page=page_lang, error=error), file=sys.stderr)
            ok = False
    seconds = f"{time.perf_counter() - start:.1f}"
    key = "serve.ready" if ok else "serve.ready_cold"
    langs = ("、" if lang == "zh-TW" else ", ").join(LANGS)
    print(t(key, lang, url=url, langs=langs, seconds=seconds), flush=True)
    return ok


class _Stop(Exception):
    """SIGTERM: stop the server and leave with status 0."""


def _stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui.serve", description=__doc__)
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--lang", choices=LANGS, default="en", help="language of the messages")
    parser.add_argument("streamlit", nargs="*", help="further `streamlit run` options, after --")
    args = parser.parse_args(argv)
    url = f"http://{args.address}:{args.port}"
    signal.signal(signal.SIGTERM, _stop)  # before the server starts: it never outlives us
    server: subprocess.Popen[bytes] | None = None
    try:
        server = subprocess.Popen(
            [
                *(sys.executable, "-m", "streamlit", "run", "dashboard.py"),
                *("--server.port", str(args.port), "--server.address", args.address),
                *("--browser.gatherUsageStats", "false", *args.streamlit),
            ],
            cwd=PROJECT_ROOT,
        )
        deadline = time.monotonic() + HEALTH_TIMEOUT_S
        while not _healthy(url):
            if server.poll() is not None:
                print(t("serve.no_start", args.lang, code=server.returncode), file=sys.stderr)
                return 1
            if time.monotonic() > deadline:
                print(t("serve.not_healthy", args.lang, seconds=HEALTH_TIMEOUT_S), file=sys.stderr)
                return 1
            time.sleep(0.2)
        warm(url, args.lang)
        return server.wait()  # the server stopped by itself: its status
    except (KeyboardInterrupt, _Stop):
        return 0
    finally:
        if server is not None and server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


if __name__ == "__main__":
    sys.exit(main())

"""The dashboard's launcher (`python -m ui.serve`): a real server, warmed over Streamlit's own
protocol before it says it is ready, and stopped with everything it started."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from risk.paths import PROJECT_ROOT
from risk.store.local_postgres import free_port
from ui.serve import _healthy


def test_the_launcher_warms_the_overview_in_both_languages_then_says_ready(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    env = {**os.environ, "RISK_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(PROJECT_ROOT)}
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ui.serve", "--port", str(port), "--lang", "zh-TW"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 300
        while f"已就緒：{url}" not in log.read_text() and time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()[-3000:]
            time.sleep(0.3)
        text = log.read_text()
        assert f"已就緒：{url}" in text, text[-3000:]
        assert "zh-TW、en" in text  # both languages, listed the Chinese way
        assert "預熱未完成" not in text and "Traceback" not in text, text[-3000:]
        # the visits opened the store before any visitor did
        assert any((tmp_path / "data").iterdir())
        assert _healthy(url)
        with urllib.request.urlopen(url, timeout=10) as resp:  # and it serves the app
            assert resp.status == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    assert code == 0  # a requested stop is not a failure
    assert not _healthy(url)  # the server went with its launcher

"""A throwaway PostgreSQL server on loopback, from Debian's postgresql-15 binaries, for the shared
store's tests and benchmarks (`make team` starts its own from a shell script).

`initdb` refuses to run as root, so as root the server runs as the `postgres` user in a folder it
owns; it trusts local connections and listens on 127.0.0.1 only."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import suppress
from pathlib import Path
from types import TracebackType

from risk.errors import StoreError

PG_BIN = Path(os.environ.get("RISK_PG_BIN", "/usr/lib/postgresql/15/bin"))


def postgres_available() -> bool:
    """Are the PostgreSQL server binaries installed?"""
    return (PG_BIN / "initdb").exists() and (PG_BIN / "pg_ctl").exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalPostgres:
    """Start with `start()` (or `with`), stop with `stop()`: an immediate stop, folder removed."""

    def __init__(self, port: int | None = None, database: str = "risk"):
        self.port = port or free_port()
        self.database = database
        self.folder = Path(tempfile.mkdtemp(prefix="risk-pg-"))
        self.data = self.folder / "db"
        self.log = self.folder / "server.log"
        self._as_postgres = os.geteuid() == 0

    @property
    def attach(self) -> str:
        """DuckLake's attach string for this server's database."""
        return (
            f"ducklake:postgres:dbname={self.database} host=127.0.0.1 port={self.port} "
            "user=postgres"
        )

    def _run(self, *args: str) -> None:
        cmd = [*(["runuser", "-u", "postgres", "--"] if self._as_postgres else []), *args]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=120)  # noqa: S603 (fixed binaries)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise StoreError(f"{Path(args[0]).name} failed: {done.stderr[-2000:]}{log}")

    def start(self) -> LocalPostgres:
        if not postgres_available():
            raise StoreError(
                f"PostgreSQL server binaries not found in {PG_BIN}: "
                "`apt-get install -y postgresql` (Debian's postgresql-15)"
            )
        if self._as_postgres:
            shutil.chown(self.folder, "postgres")
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres")
        opts = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", opts, "-l", str(self.log),
            "-w", "start",
        )  # fmt: skip
        self.create_database(self.database)
        return self

    def create_database(self, name: str) -> None:
        psql = str(PG_BIN / "psql")
        args = ["-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-q"]
        deadline = time.monotonic() + 30
        while True:
            try:
                self._run(psql, *args, "-c", f'CREATE DATABASE "{name}"')
                return
            except StoreError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def stop(self) -> None:
        if self.data.exists():
            with suppress(StoreError):  # already stopped
                self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> LocalPostgres:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

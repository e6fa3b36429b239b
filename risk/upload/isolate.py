"""Untrusted files are parsed in a child process with a memory and a time limit.

A runaway parse (a zip bomb, a sheet that declares a million rows) then ends the child, never the
app server or the command line. The children fork from a forkserver that has the readers already
imported, so each file costs a fork, not an interpreter start. The child's address space is capped
with RLIMIT_AS (`UploadLimits.memory_mb`) and its CPU time with RLIMIT_CPU; the parent kills it at
the wall-clock limit (`UploadLimits.timeout_s`).
"""

from __future__ import annotations

import math
import multiprocessing
import multiprocessing.connection
import resource
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from risk.errors import UploadError
from risk.upload.limits import LimitExceeded, UploadLimits

# Imported once in the forkserver, so every child starts with them. Not "__main__" (multiprocessing's
# default): under `streamlit run` that is the dashboard script, which the server would then run
# outside Streamlit; the checks the children run are found by module name.
PRELOAD = ["risk.upload.validate", "openpyxl", "pyarrow.parquet"]
GRACE_S = 5.0  # wall-clock slack over the time budget before the child is killed
_CTX_LOCK = threading.Lock()
_MAIN_LOCK = threading.Lock()
_CTX: Any = None


def _context() -> Any:
    global _CTX
    with _CTX_LOCK:
        if _CTX is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(PRELOAD)
            _CTX = ctx
        return _CTX


@contextmanager
def _without_main() -> Iterator[None]:
    """Start a child without the entry script: multiprocessing re-imports `__main__` from its path
    in every child, which under `streamlit run` is the dashboard itself (the whole app, run outside
    Streamlit, for each file). The children need nothing from it, so while one starts `__main__`
    is a blank module."""
    with _MAIN_LOCK:
        saved = sys.modules.get("__main__")
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            if saved is not None:
                sys.modules["__main__"] = saved


def run_isolated(fn: Callable[..., Any], args: tuple[Any, ...], limits: UploadLimits) -> Any:
    """`fn(*args)` in a child process within `limits`; its result, or its UploadError re-raised,
    or LimitExceeded when the child runs out of memory or time."""
    ctx = _context()
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(
        target=_child, args=(sender, fn, args, limits.memory_mb, limits.timeout_s), daemon=True
    )
    start = time.monotonic()
    with _without_main():
        proc.start()
    sender.close()
    try:
        if not receiver.poll(limits.timeout_s + GRACE_S):
            raise LimitExceeded("timeout_s", time.monotonic() - start, limits.timeout_s)
        try:
            kind, payload = receiver.recv()
        except (EOFError, OSError):
            proc.join(2)
            raise _died(proc.exitcode, limits, time.monotonic() - start) from None
    finally:
        receiver.close()
        proc.join(1)
        if proc.is_alive():
            proc.kill()
            proc.join()
    if kind == "ok":
        return payload
    if kind == "limit":
        raise LimitExceeded(*payload)
    if kind == "upload":
        raise UploadError(payload[0], rows=payload[1])
    # An unexpected error in the checks themselves: said so, never passed off as a bad file.
    raise UploadError(f"the file could not be checked: {payload}")


def _died(exitcode: int | None, limits: UploadLimits, spent: float) -> UploadError:
    """Why a child ended without an answer: killed for CPU time, or for memory (the OOM killer,
    or a crash on a failed allocation)."""
    if exitcode is not None and exitcode in (-24, -9) and spent >= limits.timeout_s:
        return LimitExceeded("timeout_s", spent, limits.timeout_s)
    return LimitExceeded("memory_mb", limits.memory_mb + 1, limits.memory_mb)


def _child(
    conn: multiprocessing.connection.Connection,
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    memory_mb: float,
    timeout_s: float,
) -> None:
    memory = int(memory_mb * 1024 * 1024)
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = math.ceil(timeout_s) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    try:
        message: tuple[str, Any] = ("ok", fn(*args))
    except LimitExceeded as exc:
        message = ("limit", (exc.name, exc.found, exc.limit, exc.where))
    except MemoryError:
        message = ("limit", ("memory_mb", memory_mb + 1, memory_mb, ""))
    except UploadError as exc:
        message = ("upload", (exc.message, exc.rows))
    except Exception as exc:  # noqa: BLE001 (reported to the parent as an unreadable file)
        message = ("crash", f"{type(exc).__name__}: {str(exc)[:300]}")
    try:
        conn.send(message)
    except MemoryError:
        conn.send(("limit", ("memory_mb", memory_mb + 1, memory_mb, "")))
    finally:
        conn.close()

"""The board pack as a file: build a view's pack (`risk.present.pack`) and lay it out as PowerPoint
(`pack_pptx`) or PDF (`pack_pdf`). The download button and `python -m risk pack` both call this."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from risk.errors import RiskError
from risk.present.pack import FORMATS, Pack, build_pack, pack_file_name
from risk.scenarios.kinds import Scenario
from risk.share import ViewState
from risk.store.protocol import ReadStore


def render_pack(pack: Pack, fmt: str) -> bytes:
    """The pack as `fmt` ("pptx" or "pdf")."""
    if fmt == "pptx":
        # deferred: python-pptx is only needed for a PowerPoint pack
        from risk.present.pack_pptx import pack_pptx

        return pack_pptx(pack)
    if fmt == "pdf":
        # deferred: reportlab is only needed for a PDF pack
        from risk.present.pack_pdf import pack_pdf

        return pack_pdf(pack)
    raise RiskError(f"unknown board-pack format {fmt!r}; use {' or '.join(FORMATS)}")


def board_pack(
    engine: Any,
    store: ReadStore,
    view: ViewState,
    fmt: str,
    *,
    top_n: int | None = None,
    scenarios: Sequence[Scenario] | str = (),
    geometry: dict[str, Any] | None = None,
) -> tuple[bytes, str]:
    """Build and render the board pack: (file bytes, file name). The download button and
    `python -m risk pack` both call this."""
    pack = build_pack(engine, store, view, top_n=top_n, scenarios=scenarios, geometry=geometry)
    return render_pack(pack, fmt), pack_file_name(view, pack.data_version, fmt)


def pack_bytes(
    engine: Any,
    store: ReadStore,
    view: ViewState,
    fmt: str,
    geometry: dict[str, Any] | None = None,
) -> bytes:
    """Only the bytes of `board_pack` (for deferred download buttons)."""
    return board_pack(engine, store, view, fmt, geometry=geometry)[0]

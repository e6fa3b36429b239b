"""The choropleth as a PNG, drawn without a browser: the country shapes of `datasets/` filled with
the map's colours (`risk.present.overview.map_properties`), on a plain equirectangular projection.

Pillow draws the polygons at twice the size and scales down, which smooths the edges. The shapes
are already inset (`risk.ingest.geometry`), so borders show as thin gaps, as on the app's map. The
same inputs give the same bytes.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Mapping
from typing import Any

from risk.present.maps import NO_DATA_COLOR

Bounds = tuple[float, float, float, float]  # lon0, lat0, lon1, lat1
WORLD: Bounds = (-180.0, -58.0, 180.0, 84.0)
OCEAN = (233, 240, 247)
HIGHLIGHT = (40, 40, 40)
WIDTH = 1800
SUPERSAMPLE = 2
MIN_SPAN = 24.0  # degrees: a filter down to one small country still shows its neighbours


def _polygons(geometry: Mapping[str, Any]) -> list[list[list[list[float]]]]:
    """A Polygon or MultiPolygon's polygons, each a list of rings."""
    if geometry.get("type") == "Polygon":
        return [geometry["coordinates"]]
    if geometry.get("type") == "MultiPolygon":
        return list(geometry["coordinates"])
    return []


def _ring_box(ring: list[list[float]]) -> Bounds:
    xs = [p[0] for p in ring]
    ys = [p[1] for p in ring]
    return min(xs), min(ys), max(xs), max(ys)


def _area(box: Bounds) -> float:
    return (box[2] - box[0]) * (box[3] - box[1])


def region_bounds(fc: Mapping[str, Any], iso3: Iterable[str], pad: float = 0.08) -> Bounds:
    """A box around the countries in `iso3`: each country's largest part only, so far islands and
    shapes cut at the date line (Alaska's Aleutians, Russia's far east) do not widen the view."""
    wanted = set(iso3)
    largest: dict[str, Bounds] = {}
    for feature in fc.get("features", []):
        code = str((feature.get("properties") or {}).get("iso3", ""))
        if code not in wanted:
            continue
        for poly in _polygons(feature.get("geometry") or {}):
            box = _ring_box(poly[0])
            if code not in largest or _area(box) > _area(largest[code]):
                largest[code] = box
    if not largest:
        return WORLD
    x0 = min(b[0] for b in largest.values())
    y0 = min(b[1] for b in largest.values())
    x1 = max(b[2] for b in largest.values())
    y1 = max(b[3] for b in largest.values())
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    w = max(x1 - x0, MIN_SPAN) * (1 + 2 * pad)
    h = max(y1 - y0, MIN_SPAN / 2) * (1 + 2 * pad)
    # Never wider than the world map, and never past its edges.
    w, h = min(w, WORLD[2] - WORLD[0]), min(h, WORLD[3] - WORLD[1])
    cx = min(max(cx, WORLD[0] + w / 2), WORLD[2] - w / 2)
    cy = min(max(cy, WORLD[1] + h / 2), WORLD[3] - h / 2)
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def _rgb(color: list[int]) -> tuple[int, int, int]:
    """An RGBA colour as drawn on white paper (the faded countries stay faded)."""
    alpha = (color[3] if len(color) > 3 else 255) / 255
    r, g, b = (round(c * alpha + 255 * (1 - alpha)) for c in color[:3])
    return r, g, b


def choropleth_png(
    fc: Mapping[str, Any],
    colors: Mapping[str, list[int]],
    *,
    bounds: Bounds | None = None,
    highlight: Iterable[str] = (),
    outlines: Mapping[str, tuple[list[int], float]] | None = None,
    width: int = WIDTH,
) -> bytes:
    """The countries of `fc` filled by `colors` (iso3 -> RGBA; others grey), with the `highlight`
    countries outlined, as PNG bytes. `outlines` (iso3 -> (colour, width in pixels)) draws the
    app map's status borders (export-controlled, too little data) the same way."""
    # deferred: Pillow is only needed when a map image is drawn
    from PIL import Image, ImageDraw

    x0, y0, x1, y1 = bounds or WORLD
    # Equirectangular, stretched by the cosine of the middle latitude so a regional view keeps
    # its shapes; the world view stays 2.5:1.
    squash = 1.0 if bounds is None else 1 / max(math.cos(math.radians((y0 + y1) / 2)), 0.3)
    height = max(1, round(width * (y1 - y0) / (x1 - x0) * squash))
    s = SUPERSAMPLE
    img = Image.new("RGB", (width * s, height * s), OCEAN)
    draw = ImageDraw.Draw(img)
    kx, ky = width * s / (x1 - x0), height * s / (y1 - y0)

    def project(ring: list[list[float]]) -> list[tuple[float, float]]:
        return [((x - x0) * kx, (y1 - y) * ky) for x, y in ring]

    marked = set(highlight)
    features = [f for f in fc.get("features", []) if f.get("geometry")]
    # Shapes with holes first: a country inside another's hole (Lesotho) is then drawn on top.
    features.sort(key=lambda f: not any(len(p) > 1 for p in _polygons(f["geometry"])))
    marks = outlines or {}
    borders: list[tuple[list[tuple[float, float]], tuple[int, int, int], int]] = []
    tops: list[list[tuple[float, float]]] = []
    for feature in features:
        code = str((feature.get("properties") or {}).get("iso3", ""))
        fill = _rgb(colors.get(code, NO_DATA_COLOR))
        for poly in _polygons(feature["geometry"]):
            outer = project(poly[0])
            if len(outer) < 3:
                continue
            draw.polygon(outer, fill=fill)
            for hole in poly[1:]:
                if len(hole) >= 3:
                    draw.polygon(project(hole), fill=OCEAN)
            if code in marks:
                edge, px = marks[code]
                borders.append((outer, _rgb(edge), max(1, round(px * s))))
            if code in marked:
                tops.append(outer)
    for outer, rgb, line in borders:
        draw.line([*outer, outer[0]], fill=rgb, width=line, joint="curve")
    for outer in tops:
        draw.line([*outer, outer[0]], fill=HIGHLIGHT, width=2 * s, joint="curve")
    out = io.BytesIO()
    img.resize((width, height), Image.Resampling.LANCZOS).save(out, format="PNG", optimize=True)
    return out.getvalue()

"""The browser-side check that the map has been drawn, shared by the app (`ui.map_first` asks for
the rest of the page once it holds) and the benchmarks and browser tests (`risk.bench_browser`)."""

from __future__ import annotations


def painted_js(width: int, height: int, min_pixels: int) -> str:
    """A JavaScript arrow function, true once the map's canvas shows colour: of a `width` x
    `height` sample of it, more than `min_pixels` pixels are coloured (not white, grey or black),
    so a blank or grey canvas does not count. Each call reads the canvas back, which stalls
    drawing: a small sample is cheaper."""
    return f"""() => {{
    const c = document.querySelector('[data-testid=stDeckGlJsonChart] canvas');
    if (!c || !c.width || !c.height) return false;
    const g = document.createElement('canvas'); g.width = {width}; g.height = {height};
    const x = g.getContext('2d'); x.drawImage(c, 0, 0, {width}, {height});
    const d = x.getImageData(0, 0, {width}, {height}).data; let n = 0;
    for (let i = 0; i < d.length; i += 4)
        if (Math.max(d[i], d[i+1], d[i+2]) - Math.min(d[i], d[i+1], d[i+2]) > 40) n++;
    return n > {min_pixels};
}}"""

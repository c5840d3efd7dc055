"""The public map's picture, computed on the server: Web Mercator, fitted to the markers.

The map is an SVG drawn by the page itself (no map library, no script): markers are links to the
tracking pages, so it works with JavaScript off, and without a tile server it is the same map on
a plain grid with the coordinates of its edges. With ``SUARAWARGA_MAP_TILE_URL`` (the web chat's
setting, ``{z}/{x}/{y}``) the tiles under the markers are ``<image>`` elements of the SVG.

The arithmetic is the web chat's (``bot/static/chat.html``): world pixels at zoom ``z`` are
``256 * 2**z`` wide; the zoom is the closest one at which every marker fits the frame.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

TILE: Final = 256
WIDTH: Final = 480
HEIGHT: Final = 360
PAD: Final = 28  # room for a marker at the frame's edge
MIN_ZOOM: Final = 3
MAX_ZOOM: Final = 17  # street level, as the web chat's picker
#: Web Mercator's latitude limit: beyond it the projection runs to infinity.
MAX_LATITUDE: Final = 85.0511


@dataclass(frozen=True, slots=True)
class Marker:
    x: float
    y: float
    number: int  # the report's place in the list under the map (1: the newest)
    code: str
    title: str
    status: str


@dataclass(frozen=True, slots=True)
class Tile:
    url: str
    x: float
    y: float


@dataclass(frozen=True, slots=True)
class MapView:
    """What the template draws, in the SVG's own units (``WIDTH`` x ``HEIGHT``)."""

    zoom: int
    markers: list[Marker]
    tiles: list[Tile] = field(default_factory=list)
    north: float = 0.0
    south: float = 0.0
    west: float = 0.0
    east: float = 0.0
    width: int = WIDTH
    height: int = HEIGHT


def world(lat: float, lon: float, zoom: int) -> tuple[float, float]:
    """Degrees -> world pixels at ``zoom``."""
    size = TILE * 2**zoom
    lat = max(-MAX_LATITUDE, min(MAX_LATITUDE, lat))
    x = (lon + 180.0) / 360.0 * size
    s = math.sin(math.radians(lat))
    y = (0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * size
    return x, y


def degrees(x: float, y: float, zoom: int) -> tuple[float, float]:
    """World pixels at ``zoom`` -> degrees (the frame's edges, for the grid's labels)."""
    size = TILE * 2**zoom
    lon = x / size * 360.0 - 180.0
    n = math.pi - 2 * math.pi * y / size
    lat = math.degrees(math.atan(math.sinh(n)))
    return lat, lon


def _zoom_to_fit(points: Sequence[tuple[float, float]]) -> int:
    for zoom in range(MAX_ZOOM, MIN_ZOOM - 1, -1):
        xs, ys = zip(*(world(lat, lon, zoom) for lat, lon in points), strict=True)
        if max(xs) - min(xs) <= WIDTH - 2 * PAD and max(ys) - min(ys) <= HEIGHT - 2 * PAD:
            return zoom
    return MIN_ZOOM


def _tiles(tile_url: str, zoom: int, left: float, top: float) -> list[Tile]:
    n = 2**zoom
    tiles = []
    for tx in range(math.floor(left / TILE), math.floor((left + WIDTH) / TILE) + 1):
        for ty in range(math.floor(top / TILE), math.floor((top + HEIGHT) / TILE) + 1):
            if not 0 <= ty < n:
                continue
            url = (
                tile_url.replace("{z}", str(zoom))
                .replace("{x}", str(tx % n))
                .replace("{y}", str(ty))
            )
            tiles.append(Tile(url, tx * TILE - left, ty * TILE - top))
    return tiles


def view(
    points: Sequence[tuple[float, float, str, str, str]], tile_url: str = ""
) -> MapView | None:
    """The map of ``points`` (latitude, longitude, code, title, status; newest first), or None
    for none. Markers are numbered in that order, as the list under the map."""
    if not points:
        return None
    zoom = _zoom_to_fit([(lat, lon) for lat, lon, *_ in points])
    placed = [
        (world(lat, lon, zoom), code, title, status) for lat, lon, code, title, status in points
    ]
    xs = [x for (x, _), *_ in placed]
    ys = [y for (_, y), *_ in placed]
    left = (min(xs) + max(xs)) / 2 - WIDTH / 2
    top = (min(ys) + max(ys)) / 2 - HEIGHT / 2
    north, west = degrees(left, top, zoom)
    south, east = degrees(left + WIDTH, top + HEIGHT, zoom)
    markers = [
        Marker(round(x - left, 1), round(y - top, 1), n, code, title, status)
        for n, ((x, y), code, title, status) in enumerate(placed, start=1)
    ]
    # Older first, so the newest marker is drawn on top where they overlap.
    markers.reverse()
    return MapView(
        zoom=zoom,
        markers=markers,
        tiles=_tiles(tile_url, zoom, left, top) if tile_url else [],
        north=round(north, 4),
        south=round(south, 4),
        west=round(west, 4),
        east=round(east, 4),
    )

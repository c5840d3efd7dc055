"""The public map ``/laporan/peta`` and its GeoJSON through the real app, on SQLite and
PostgreSQL: the same reports as the list (those with a place), markers linking to the tracking
pages, never a confidential report or a reporter's identity; tiles only when configured."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from config.settings import Settings
from tests.console.api_support import Scenario

PUBLISHED = ("pupr_public", "pupr_anonymous", "other_public", "other_anonymous")
HIDDEN = ("pupr_confidential", "new_public", "new_anonymous", "new_confidential")


def _list_codes(client: TestClient, **params: str) -> set[str]:
    page = client.get("/laporan", params=params)
    assert page.status_code == 200
    return set(re.findall(r'href="/t/(SW-[0-9A-Z-]+)\?', page.text))


def _map_codes(client: TestClient, **params: str) -> set[str]:
    page = client.get("/laporan/peta", params=params)
    assert page.status_code == 200
    return set(re.findall(r'class="marker[^"]*" data-code="(SW-[0-9A-Z-]+)"', page.text))


def _geojson(client: TestClient, **params: str) -> dict[str, object]:
    response = client.get("/laporan/peta.geojson", params=params)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/geo+json")
    body: dict[str, object] = response.json()
    return body


def test_markers_link_to_tracking_pages_and_hide_what_must_stay_hidden(
    client: TestClient, scenario: Scenario
) -> None:
    page = client.get("/laporan/peta")
    assert page.status_code == 200
    text = page.text
    codes = scenario.codes
    assert _map_codes(client) == {codes[n] for n in PUBLISHED}
    for name in PUBLISHED:
        assert f'<a href="/t/{codes[name]}?lang=id" class="marker' in text, name
    for name in HIDDEN:
        assert codes[name] not in text and scenario.titles[name] not in text, name
    for name, identity in scenario.identities.items():
        assert not any(s in text for s in identity), name
    assert "Isi laporan" not in text
    # No tile server configured: a grid, no image, and a note saying so with the frame's edges.
    assert 'data-testid="no-tiles"' in text and "<image" not in text
    assert "Peta dasar tidak tersedia" in text
    english = client.get("/laporan/peta", params={"lang": "en"}).text
    assert "No base map available" in english and "Map of citizens" in english


def test_geojson_has_the_same_reports_and_no_identity(
    client: TestClient, scenario: Scenario
) -> None:
    body = _geojson(client)
    assert body["type"] == "FeatureCollection" and body["truncated"] is False
    features = body["features"]
    assert isinstance(features, list)
    codes = {feature["properties"]["code"] for feature in features}
    assert codes == {scenario.codes[n] for n in PUBLISHED}
    anonymous = next(
        f for f in features if f["properties"]["code"] == scenario.codes["pupr_anonymous"]
    )
    assert anonymous["geometry"] == {"type": "Point", "coordinates": [106.8, -6.2]}
    assert set(anonymous["properties"]) == {
        "code", "title", "type", "agency", "agency_name", "status", "stage", "area",
        "submitted_at", "url",
    }  # fmt: skip
    raw = client.get("/laporan/peta.geojson").text
    for name in HIDDEN:
        assert scenario.codes[name] not in raw, name
    for name, identity in scenario.identities.items():
        assert not any(s in raw for s in identity), name
    assert "Isi laporan" not in raw and "citizen" not in raw and "whatsapp" not in raw.lower()


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"agency": "lingkungan"},
        {"agency": "pupr", "status": "forwarded"},
        {"type": "aspiration"},
        {"status": "answered"},
        {"area": "melati"},
        {"area": "Jl. Mawar"},
        {"agency": "nope", "type": "x", "status": "y"},  # unknown values are ignored
    ],
)
def test_list_map_and_geojson_agree_for_every_filter(
    client: TestClient, scenario: Scenario, params: dict[str, str]
) -> None:
    listed = _list_codes(client, **params)
    mapped = _map_codes(client, **params)
    features = _geojson(client, **params)["features"]
    assert isinstance(features, list)
    assert listed == mapped == {f["properties"]["code"] for f in features}
    if not listed:
        assert 'data-testid="none"' in client.get("/laporan/peta", params=params).text


def test_filters_stay_on_the_map_and_the_tabs_keep_them(
    client: TestClient, scenario: Scenario
) -> None:
    text = client.get("/laporan/peta", params={"agency": "lingkungan", "area": "Melati"}).text
    assert 'action="/laporan/peta"' in text
    assert '<option value="lingkungan" selected>' in text
    assert 'href="/laporan?lang=id&amp;agency=lingkungan&amp;area=Melati"' in text
    assert 'href="/laporan/peta.geojson?lang=id&amp;agency=lingkungan&amp;area=Melati"' in text
    listing = client.get("/laporan", params={"agency": "lingkungan"}).text
    assert 'href="/laporan/peta?lang=id&amp;agency=lingkungan"' in listing
    # Hostile input is inert or a clear 422, never a 500.
    assert "<script>" not in client.get("/laporan/peta", params={"area": "<script>"}).text
    assert client.get("/laporan/peta", params={"area": "x" * 101}).status_code == 422
    assert client.get("/laporan/peta.geojson", params={"agency": "x" * 41}).status_code == 422


class TestWithTiles:
    """``SUARAWARGA_MAP_TILE_URL`` set, as for the web chat's location picker."""

    @pytest.fixture
    def console_settings(self, console_settings: Settings) -> Settings:
        return console_settings.model_copy(
            update={
                "map_tile_url": "https://tiles.example.test/{z}/{x}/{y}.png",
                "map_tile_attribution": "Peta: Contoh Tiles",
            }
        )

    def test_tiles_come_from_the_web_chats_setting(
        self, client: TestClient, scenario: Scenario
    ) -> None:
        text = client.get("/laporan/peta").text
        tiles = re.findall(
            r'<image href="https://tiles\.example\.test/(\d+)/(\d+)/(\d+)\.png"', text
        )
        assert tiles, "no tiles drawn"
        assert {int(z) for z, _, _ in tiles} == {17}  # all markers at one place: street level
        xs, ys = {int(x) for _, x, _ in tiles}, {int(y) for _, _, y in tiles}
        # -6.2, 106.8 at zoom 17 is in tile (104 420, 67 797); the frame spans 2 x 2 or 3 x 3.
        assert 104_420 in xs and 67_797 in ys and len(tiles) <= 9
        assert "Peta: Contoh Tiles" in text and 'data-testid="no-tiles"' not in text

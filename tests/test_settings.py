"""Settings whose defaults depend on one another."""

from __future__ import annotations

from config.settings import Settings


def _settings(**values: object) -> Settings:
    """Settings from ``values`` alone (no ``.env``); the validators run as on start-up."""
    return Settings.model_validate(values)


def test_links_name_the_address_served_unless_a_public_url_is_set() -> None:
    """The tracking and console links the bot sends must open where `make run PORT=...` serves."""
    assert _settings().public_base_url == "http://127.0.0.1:8000"
    assert _settings(port=8123).public_base_url == "http://127.0.0.1:8123"
    assert _settings(host="0.0.0.0", port=8080).public_base_url == "http://127.0.0.1:8080"
    assert _settings(host="192.168.1.5").public_base_url == "http://192.168.1.5:8000"
    assert _settings(host="::1", port=9000).public_base_url == "http://[::1]:9000"
    given = _settings(port=8123, public_base_url="https://lapor.example.go.id")
    assert given.public_base_url == "https://lapor.example.go.id"

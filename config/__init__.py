"""Configuration: environment settings and the shipped domain YAML (agencies, SLA, holidays)."""

from config.settings import Settings, get_settings

__all__ = ["Settings", "get_settings"]
